"""Plotly figures for the Math tab: each builder takes computed data and its labels, never recomputes.

Plotly titles and axis labels are drawn from Python, so the tab passes them in, already in the
reader's language: `labels` maps the short keys used here ("x", "exp", "nll", ...) to text, some
of them templates (`{a:g}`) filled with the data. The text itself lives in `demos/math/text.py`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.math.cross_entropy import BatchCE, DiceLikelihood, OneSampleCE
from playground.math.exp_log import ELimit, ExpCurve, FiniteDifference, LogCurve
from playground.math.forms import BinaryCE, MatrixCE, SoftmaxGradient
from playground.math.token_loss import TokenLosses, token_label

HEIGHT = 420


def _layout(fig: go.Figure, labels: Mapping[str, str], x: str, y: str, title: str = "", height: int = HEIGHT) -> go.Figure:
    fig.update_layout(height=height, title=title or None, showlegend=True, margin=dict(l=60, r=20, t=90 if title else 50, b=50),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(title_text=labels[x])
    fig.update_yaxes(title_text=labels[y])
    return fig


def _point(x: float, y: float, name: str) -> go.Scatter:
    return go.Scatter(x=[x], y=[y], mode="markers", name=name, marker=dict(size=11, color="crimson"))


def exp_figure(curve: ExpCurve, labels: Mapping[str, str]) -> go.Figure:
    """a^x, its derivative, e^x and the tangent at x0."""
    tangent = curve.tangent
    fig = go.Figure([
        go.Scatter(x=curve.x, y=curve.y, name=labels["exp"].format(a=curve.base), line=dict(width=3)),
        go.Scatter(x=curve.x, y=curve.dy, name=labels["exp_d"], line=dict(dash="dash")),
        go.Scatter(x=curve.x, y=curve.e_x, name=labels["e_x"], line=dict(dash="dot", color="gray")),
        go.Scatter(x=curve.x, y=tangent.line(curve.x), name=labels["tangent"].format(x=tangent.x0)),
        _point(tangent.x0, tangent.y0, labels["point"])])
    fig.update_yaxes(range=[-3, 12])
    return _layout(fig, labels, "x", "y")


def e_limit_figure(limit: ELimit, labels: Mapping[str, str]) -> go.Figure:
    fig = go.Figure([go.Scatter(x=limit.n, y=limit.value, mode="lines+markers", name=labels["limit"]),
                     go.Scatter(x=[limit.n[0], limit.n[-1]], y=[math.e, math.e], name=labels["e"].format(e=math.e),
                                line=dict(dash="dash", color="gray"))])
    fig.update_xaxes(type="log")
    return _layout(fig, labels, "n", "y", labels["limit_title"], height=320)


def log_figure(curve: LogCurve, labels: Mapping[str, str]) -> go.Figure:
    tangent = curve.tangent
    fig = go.Figure([
        go.Scatter(x=curve.x, y=curve.y, name=labels["log"].format(a=curve.base), line=dict(width=3)),
        go.Scatter(x=curve.x, y=curve.dy, name=labels["log_d"], line=dict(dash="dash")),
        go.Scatter(x=curve.x, y=tangent.line(curve.x), name=labels["tangent"].format(x=tangent.x0)),
        _point(tangent.x0, tangent.y0, labels["point"])])
    fig.update_yaxes(range=[-5, 5])
    return _layout(fig, labels, "x", "y")


def finite_difference_figure(fd: FiniteDifference, labels: Mapping[str, str]) -> go.Figure:
    floor = 1e-17  # an exact 0 error cannot sit on a log axis
    fig = go.Figure([
        go.Scatter(x=fd.h, y=np.maximum(fd.forward_error, floor), mode="lines+markers", name=labels["forward"]),
        go.Scatter(x=fd.h, y=np.maximum(fd.central_error, floor), mode="lines+markers", name=labels["central"]),
        _point(fd.best_h, max(float(fd.forward_error.min()), floor), labels["best"].format(h=fd.best_h))])
    fig.update_xaxes(type="log")
    fig.update_yaxes(type="log")
    return _layout(fig, labels, "h", "error", labels["fd_title"].format(x=fd.x0), height=360)


def dice_figure(dice: DiceLikelihood, labels: Mapping[str, str]) -> go.Figure:
    """Left: predicted vs observed face probabilities. Right: NLL as one face's probability varies."""
    faces = [str(i) for i in range(1, 7)]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["", labels["nll_curve"].format(f=dice.face + 1)])
    fig.add_trace(go.Bar(x=faces, y=dice.probs, name=labels["predicted"]), 1, 1)
    fig.add_trace(go.Bar(x=faces, y=dice.frequencies, name=labels["observed"]), 1, 1)
    fig.add_trace(go.Scatter(x=dice.sweep, y=dice.sweep_nll, name=labels["nll"]), 1, 2)
    fig.add_trace(_point(dice.probs[dice.face], dice.nll, labels["current"]), 1, 2)
    best = int(np.argmin(dice.sweep_nll))
    fig.add_trace(go.Scatter(x=[dice.sweep[best]], y=[dice.sweep_nll[best]], mode="markers",
                             marker=dict(symbol="star", size=13, color="green"),
                             name=labels["mle"].format(p=dice.frequencies[dice.face])), 1, 2)
    _layout(fig, labels, "face", "probability")
    fig.update_xaxes(title_text=labels["p_face"].format(f=dice.face + 1), row=1, col=2)
    fig.update_yaxes(title_text=labels["nll"], row=1, col=2)
    return fig


def one_sample_figure(sample: OneSampleCE, labels: Mapping[str, str]) -> go.Figure:
    """Left: softmax probabilities (target highlighted). Right: the -log y curve and where we are."""
    fig = make_subplots(rows=1, cols=2)
    colors = ["crimson" if k == sample.target else "steelblue" for k in range(sample.probs.size)]
    fig.add_trace(go.Bar(x=[str(k) for k in range(sample.probs.size)], y=sample.probs, marker_color=colors,
                         name=labels["softmax"]), 1, 1)
    fig.add_trace(go.Scatter(x=sample.curve_y, y=sample.curve_loss, name=labels["neg_log"]), 1, 2)
    fig.add_trace(_point(sample.probs[sample.target], sample.loss, labels["current"]), 1, 2)
    _layout(fig, labels, "class", "softmax")
    fig.update_xaxes(title_text=labels["y_target"], row=1, col=2)
    fig.update_yaxes(title_text=labels["loss"], row=1, col=2)
    return fig


def batch_figure(batch: BatchCE, labels: Mapping[str, str]) -> go.Figure:
    samples = [str(i + 1) for i in range(batch.per_sample.size)]
    fig = go.Figure([go.Bar(x=samples, y=batch.per_sample, name=labels["per_sample"]),
                     go.Scatter(x=samples, y=[batch.mean] * len(samples), mode="lines",
                                name=labels["mean"].format(m=batch.mean), line=dict(dash="dash", color="crimson"))])
    return _layout(fig, labels, "sample", "loss", height=340)


def binary_figure(binary: BinaryCE, labels: Mapping[str, str]) -> go.Figure:
    """Left: BCE over y for t = 0 and t = 1. Right: the sigmoid form and the 2-class softmax form over z."""
    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Scatter(x=binary.y, y=binary.loss_t1, name=labels["t1"]), 1, 1)
    fig.add_trace(go.Scatter(x=binary.y, y=binary.loss_t0, name=labels["t0"]), 1, 1)
    fig.add_trace(_point(binary.y0, binary.loss0, labels["current"]), 1, 1)
    fig.add_trace(go.Scatter(x=binary.z, y=binary.sigmoid_loss, name=labels["bce_sigmoid"].format(t=binary.t),
                             line=dict(width=5, color="lightblue")), 1, 2)
    fig.add_trace(go.Scatter(x=binary.z, y=binary.softmax_loss, name=labels["bce_softmax"],
                             line=dict(dash="dash", color="navy")), 1, 2)
    fig.add_trace(go.Scatter(x=[binary.z0], y=[binary.loss0], mode="markers", showlegend=False,
                             marker=dict(size=11, color="crimson")), 1, 2)
    _layout(fig, labels, "y_pred", "loss")
    fig.update_xaxes(title_text=labels["z"], row=1, col=2)
    fig.update_yaxes(title_text=labels["loss"], row=1, col=2)
    return fig


def matrix_figure(matrix: MatrixCE, labels: Mapping[str, str]) -> go.Figure:
    """T, log Y and T ⊙ log Y as annotated heatmaps, rows = samples, columns = classes."""
    names = [labels[key] for key in ("T", "logY", "TlogY")]
    fig = make_subplots(rows=1, cols=3, subplot_titles=names)
    for col, (name, values) in enumerate(zip(names, (matrix.targets, matrix.log_probs, matrix.hadamard)), 1):
        fig.add_trace(go.Heatmap(z=values, text=np.round(values, 3), texttemplate="%{text}", name=name,
                                 colorscale="Blues" if col == 1 else "RdBu", showscale=False,
                                 showlegend=True, x=[str(k) for k in range(values.shape[1])],
                                 y=[str(i + 1) for i in range(values.shape[0])]), 1, col)
    fig.update_yaxes(autorange="reversed")
    _layout(fig, labels, "class", "sample", height=max(320, 100 + 34 * matrix.targets.shape[0]))
    fig.update_layout(legend=dict(yanchor="top", y=-0.2))  # the subplot titles already sit on top
    return fig


def gradient_figure(gradient: SoftmaxGradient, labels: Mapping[str, str]) -> go.Figure:
    entries = [f"({i + 1}, {k})" for i, k in np.ndindex(*gradient.analytic.shape)]
    fig = go.Figure([go.Bar(x=entries, y=gradient.analytic.ravel(), name=labels["analytic"]),
                     go.Bar(x=entries, y=gradient.numerical.ravel(), name=labels["numerical"])])
    return _layout(fig, labels, "entry", "gradient", height=340)


def token_loss_figure(losses: TokenLosses, labels: Mapping[str, str]) -> go.Figure:
    """-log p of each real next token of a sentence under the live model, with their mean."""
    tokens = [token_label(i + 2, token) for i, token in enumerate(losses.tokens)]
    fig = go.Figure([go.Bar(x=tokens, y=losses.neg_log_p, name=labels["per_token"],
                            customdata=losses.probability, hovertemplate="%{x}<br>-log p = %{y:.3f}<br>"
                            "p = %{customdata:.4f}<extra></extra>"),
                     go.Scatter(x=tokens, y=[losses.mean] * len(tokens), mode="lines",
                                name=labels["mean_ce"].format(m=losses.mean), line=dict(dash="dash", color="crimson"))])
    return _layout(fig, labels, "token", "surprise", height=380)
