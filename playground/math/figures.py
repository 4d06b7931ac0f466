"""Plotly figures for the Math tab: each builder takes computed data and a language, never recomputes.

Why a table of figure text here: Plotly titles and axis labels are drawn from Python, so they are
localised by us (`lang` is "en" or "ja"), not by gr.I18n in the browser.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.math.cross_entropy import BatchCE, DiceLikelihood, OneSampleCE
from playground.math.exp_log import ELimit, ExpCurve, FiniteDifference, LogCurve
from playground.math.forms import BinaryCE, MatrixCE, SoftmaxGradient
from playground.math.token_loss import TokenLosses, token_label

HEIGHT = 420
FIGURE_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "x": "x", "y": "y", "n": "n (log scale)", "h": "step h (log scale)", "error": "|error| (log scale)",
        "exp": "a^x (a = {a:g})", "exp_d": "derivative a^x ln a", "e_x": "e^x", "tangent": "tangent at x = {x:g}",
        "point": "point", "limit": "(1 + 1/n)^n", "e": "e = {e:.6f}", "limit_title": "(1 + 1/n)^n approaches e",
        "log": "log_a x (a = {a:g})", "log_d": "derivative 1 / (x ln a)",
        "forward": "forward (log(x+h) - log x) / h", "central": "central (log(x+h) - log(x-h)) / 2h",
        "fd_title": "Error of the finite-difference slope of ln at x = {x:g}", "best": "best h = {h:.1e}",
        "face": "face", "probability": "probability", "predicted": "predicted p", "observed": "observed n / N",
        "p_face": "p(face {f})", "nll": "negative log-likelihood", "nll_curve": "NLL as p(face {f}) varies",
        "current": "current", "mle": "minimum at n / N = {p:.3f}",
        "class": "class", "softmax": "softmax y", "target": "target class", "neg_log": "-log y",
        "y_target": "y of the target class", "loss": "loss",
        "sample": "sample", "per_sample": "loss of each sample", "mean": "mean = {m:.4f}",
        "y_pred": "prediction y", "t1": "t = 1: -log y", "t0": "t = 0: -log(1 - y)",
        "z": "logit z", "bce_sigmoid": "sigmoid form (t = {t:g})", "bce_softmax": "2-class softmax form",
        "entry": "entry (sample, class)", "gradient": "dE/dz", "analytic": "analytic (y - t) / N",
        "numerical": "numerical (central difference)", "T": "T (targets)", "logY": "log Y", "TlogY": "T ⊙ log Y",
        "token": "next token (position: text)", "surprise": "-log p (nats)", "per_token": "-log p of each token",
        "mean_ce": "mean = cross-entropy = {m:.3f}",
    },
    "ja": {
        "x": "x", "y": "y", "n": "n（対数目盛）", "h": "刻み h（対数目盛）", "error": "|誤差|（対数目盛）",
        "exp": "a^x（a = {a:g}）", "exp_d": "導関数 a^x ln a", "e_x": "e^x", "tangent": "x = {x:g} での接線",
        "point": "点", "limit": "(1 + 1/n)^n", "e": "e = {e:.6f}", "limit_title": "(1 + 1/n)^n は e に近づく",
        "log": "log_a x（a = {a:g}）", "log_d": "導関数 1 / (x ln a)",
        "forward": "前進差分 (log(x+h) - log x) / h", "central": "中心差分 (log(x+h) - log(x-h)) / 2h",
        "fd_title": "x = {x:g} における ln の差分による傾きの誤差", "best": "最良の h = {h:.1e}",
        "face": "出目", "probability": "確率", "predicted": "予測確率 p", "observed": "観測頻度 n / N",
        "p_face": "p(出目 {f})", "nll": "負の対数尤度", "nll_curve": "p(出目 {f}) を動かしたときの NLL",
        "current": "現在値", "mle": "最小は n / N = {p:.3f}",
        "class": "クラス", "softmax": "ソフトマックス y", "target": "正解クラス", "neg_log": "-log y",
        "y_target": "正解クラスの y", "loss": "損失",
        "sample": "サンプル", "per_sample": "サンプルごとの損失", "mean": "平均 = {m:.4f}",
        "y_pred": "予測 y", "t1": "t = 1: -log y", "t0": "t = 0: -log(1 - y)",
        "z": "ロジット z", "bce_sigmoid": "シグモイド形（t = {t:g}）", "bce_softmax": "2 クラスのソフトマックス形",
        "entry": "要素（サンプル, クラス）", "gradient": "dE/dz", "analytic": "解析解 (y - t) / N",
        "numerical": "数値微分（中心差分）", "T": "T（正解）", "logY": "log Y", "TlogY": "T ⊙ log Y",
        "token": "次のトークン（位置: 文字列）", "surprise": "-log p（ナット）", "per_token": "各トークンの -log p",
        "mean_ce": "平均 = 交差エントロピー = {m:.3f}",
    },
}


def _t(lang: str, key: str, **values: float) -> str:
    return FIGURE_TEXT["ja" if lang == "ja" else "en"][key].format(**values)


def _layout(fig: go.Figure, lang: str, x: str, y: str, title: str = "", height: int = HEIGHT) -> go.Figure:
    fig.update_layout(height=height, title=title or None, showlegend=True, margin=dict(l=60, r=20, t=90 if title else 50, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(title_text=_t(lang, x))
    fig.update_yaxes(title_text=_t(lang, y))
    return fig


def _point(x: float, y: float, name: str) -> go.Scatter:
    return go.Scatter(x=[x], y=[y], mode="markers", name=name, marker=dict(size=11, color="crimson"))


def exp_figure(curve: ExpCurve, lang: str) -> go.Figure:
    """a^x, its derivative, e^x and the tangent at x0."""
    tangent = curve.tangent
    fig = go.Figure([
        go.Scatter(x=curve.x, y=curve.y, name=_t(lang, "exp", a=curve.base), line=dict(width=3)),
        go.Scatter(x=curve.x, y=curve.dy, name=_t(lang, "exp_d"), line=dict(dash="dash")),
        go.Scatter(x=curve.x, y=curve.e_x, name=_t(lang, "e_x"), line=dict(dash="dot", color="gray")),
        go.Scatter(x=curve.x, y=tangent.line(curve.x), name=_t(lang, "tangent", x=tangent.x0)),
        _point(tangent.x0, tangent.y0, _t(lang, "point"))])
    fig.update_yaxes(range=[-3, 12])
    return _layout(fig, lang, "x", "y")


def e_limit_figure(limit: ELimit, lang: str) -> go.Figure:
    fig = go.Figure([go.Scatter(x=limit.n, y=limit.value, mode="lines+markers", name=_t(lang, "limit")),
                     go.Scatter(x=[limit.n[0], limit.n[-1]], y=[math.e, math.e], name=_t(lang, "e", e=math.e),
                                line=dict(dash="dash", color="gray"))])
    fig.update_xaxes(type="log")
    return _layout(fig, lang, "n", "y", _t(lang, "limit_title"), height=320)


def log_figure(curve: LogCurve, lang: str) -> go.Figure:
    tangent = curve.tangent
    fig = go.Figure([
        go.Scatter(x=curve.x, y=curve.y, name=_t(lang, "log", a=curve.base), line=dict(width=3)),
        go.Scatter(x=curve.x, y=curve.dy, name=_t(lang, "log_d"), line=dict(dash="dash")),
        go.Scatter(x=curve.x, y=tangent.line(curve.x), name=_t(lang, "tangent", x=tangent.x0)),
        _point(tangent.x0, tangent.y0, _t(lang, "point"))])
    fig.update_yaxes(range=[-5, 5])
    return _layout(fig, lang, "x", "y")


def finite_difference_figure(fd: FiniteDifference, lang: str) -> go.Figure:
    floor = 1e-17  # an exact 0 error cannot sit on a log axis
    fig = go.Figure([
        go.Scatter(x=fd.h, y=np.maximum(fd.forward_error, floor), mode="lines+markers", name=_t(lang, "forward")),
        go.Scatter(x=fd.h, y=np.maximum(fd.central_error, floor), mode="lines+markers", name=_t(lang, "central")),
        _point(fd.best_h, max(float(fd.forward_error.min()), floor), _t(lang, "best", h=fd.best_h))])
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return _layout(fig, lang, "h", "error", _t(lang, "fd_title", x=fd.x0), height=360)


def dice_figure(dice: DiceLikelihood, lang: str) -> go.Figure:
    """Left: predicted vs observed face probabilities. Right: NLL as one face's probability varies."""
    faces = [str(i) for i in range(1, 7)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["", _t(lang, "nll_curve", f=dice.face + 1)])
    fig.add_trace(go.Bar(x=faces, y=dice.probs, name=_t(lang, "predicted")), 1, 1)
    fig.add_trace(go.Bar(x=faces, y=dice.frequencies, name=_t(lang, "observed")), 1, 1)
    fig.add_trace(go.Scatter(x=dice.sweep, y=dice.sweep_nll, name=_t(lang, "nll")), 1, 2)
    fig.add_trace(_point(dice.probs[dice.face], dice.nll, _t(lang, "current")), 1, 2)
    best = int(np.argmin(dice.sweep_nll))
    fig.add_trace(go.Scatter(x=[dice.sweep[best]], y=[dice.sweep_nll[best]], mode="markers",
                             marker=dict(symbol="star", size=13, color="green"),
                             name=_t(lang, "mle", p=dice.frequencies[dice.face])), 1, 2)
    _layout(fig, lang, "face", "probability")
    fig.update_xaxes(title_text=_t(lang, "p_face", f=dice.face + 1), row=1, col=2)
    fig.update_yaxes(title_text=_t(lang, "nll"), row=1, col=2)
    return fig


def one_sample_figure(sample: OneSampleCE, lang: str) -> go.Figure:
    """Left: softmax probabilities (target highlighted). Right: the -log y curve and where we are."""
    fig = make_subplots(rows=1, cols=2)
    colors = ["crimson" if k == sample.target else "steelblue" for k in range(sample.probs.size)]
    fig.add_trace(go.Bar(x=[str(k) for k in range(sample.probs.size)], y=sample.probs, marker_color=colors,
                         name=_t(lang, "softmax")), 1, 1)
    fig.add_trace(go.Scatter(x=sample.curve_y, y=sample.curve_loss, name=_t(lang, "neg_log")), 1, 2)
    fig.add_trace(_point(sample.probs[sample.target], sample.loss, _t(lang, "current")), 1, 2)
    _layout(fig, lang, "class", "softmax")
    fig.update_xaxes(title_text=_t(lang, "y_target"), row=1, col=2)
    fig.update_yaxes(title_text=_t(lang, "loss"), row=1, col=2)
    return fig


def batch_figure(batch: BatchCE, lang: str) -> go.Figure:
    samples = [str(i + 1) for i in range(batch.per_sample.size)]
    fig = go.Figure([go.Bar(x=samples, y=batch.per_sample, name=_t(lang, "per_sample")),
                     go.Scatter(x=samples, y=[batch.mean] * len(samples), mode="lines",
                                name=_t(lang, "mean", m=batch.mean), line=dict(dash="dash", color="crimson"))])
    return _layout(fig, lang, "sample", "loss", height=340)


def binary_figure(binary: BinaryCE, lang: str) -> go.Figure:
    """Left: BCE over y for t = 0 and t = 1. Right: the sigmoid form and the 2-class softmax form over z."""
    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Scatter(x=binary.y, y=binary.loss_t1, name=_t(lang, "t1")), 1, 1)
    fig.add_trace(go.Scatter(x=binary.y, y=binary.loss_t0, name=_t(lang, "t0")), 1, 1)
    fig.add_trace(_point(binary.y0, binary.loss0, _t(lang, "current")), 1, 1)
    fig.add_trace(go.Scatter(x=binary.z, y=binary.sigmoid_loss, name=_t(lang, "bce_sigmoid", t=binary.t),
                             line=dict(width=5, color="lightblue")), 1, 2)
    fig.add_trace(go.Scatter(x=binary.z, y=binary.softmax_loss, name=_t(lang, "bce_softmax"),
                             line=dict(dash="dash", color="navy")), 1, 2)
    fig.add_trace(go.Scatter(x=[binary.z0], y=[binary.loss0], mode="markers", showlegend=False,
                             marker=dict(size=11, color="crimson")), 1, 2)
    _layout(fig, lang, "y_pred", "loss")
    fig.update_xaxes(title_text=_t(lang, "z"), row=1, col=2)
    fig.update_yaxes(title_text=_t(lang, "loss"), row=1, col=2)
    return fig


def matrix_figure(matrix: MatrixCE, lang: str) -> go.Figure:
    """T, log Y and T ⊙ log Y as annotated heatmaps, rows = samples, columns = classes."""
    names = [_t(lang, key) for key in ("T", "logY", "TlogY")]
    fig = make_subplots(rows=1, cols=3, subplot_titles=names)
    for col, (name, values) in enumerate(zip(names, (matrix.targets, matrix.log_probs, matrix.hadamard)), 1):
        fig.add_trace(go.Heatmap(z=values, text=np.round(values, 3), texttemplate="%{text}", name=name,
                                 colorscale="Blues" if col == 1 else "RdBu", showscale=False,
                                 showlegend=True, x=[str(k) for k in range(values.shape[1])],
                                 y=[str(i + 1) for i in range(values.shape[0])]), 1, col)
    fig.update_yaxes(autorange="reversed")
    _layout(fig, lang, "class", "sample", height=max(320, 100 + 34 * matrix.targets.shape[0]))
    fig.update_layout(legend=dict(yanchor="top", y=-0.2))  # the subplot titles already sit on top
    return fig


def gradient_figure(gradient: SoftmaxGradient, lang: str) -> go.Figure:
    entries = [f"({i + 1}, {k})" for i, k in np.ndindex(*gradient.analytic.shape)]
    fig = go.Figure([go.Bar(x=entries, y=gradient.analytic.ravel(), name=_t(lang, "analytic")),
                     go.Bar(x=entries, y=gradient.numerical.ravel(), name=_t(lang, "numerical"))])
    return _layout(fig, lang, "entry", "gradient", height=340)


def token_loss_figure(losses: TokenLosses, lang: str) -> go.Figure:
    """-log p of each real next token of a sentence under the live model, with their mean."""
    labels = [token_label(i + 2, token) for i, token in enumerate(losses.tokens)]
    fig = go.Figure([go.Bar(x=labels, y=losses.neg_log_p, name=_t(lang, "per_token"),
                            customdata=losses.probability, hovertemplate="%{x}<br>-log p = %{y:.3f}<br>"
                            "p = %{customdata:.4f}<extra></extra>"),
                     go.Scatter(x=labels, y=[losses.mean] * len(labels), mode="lines",
                                name=_t(lang, "mean_ce", m=losses.mean), line=dict(dash="dash", color="crimson"))])
    return _layout(fig, lang, "token", "surprise", height=380)
