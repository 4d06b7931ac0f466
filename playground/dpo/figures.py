"""Plotly figures of the DPO tab, built from the data `loss`, `training` and `arena` return (never recomputed).

Apart from the loss so that the engine (`loss`, `training`) imports without Plotly: the GPU check
(`bench/gpu.py`) runs one DPO step on a machine that has torch and peft but no Plotly. Every word
on a figure comes from its `labels` mapping, made by the tab in the reader's language.
"""
from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.dpo.arena import Leaderboard
from playground.dpo.loss import LossCurves


def loss_curves_figure(curves: LossCurves, labels: Mapping[str, str]) -> go.Figure:
    """Solid lines: loss; dotted lines: gradient weight, one colour per beta.

    `labels`: title, x (the margin axis), loss, weight.
    """
    loss_name, weight_name = labels["loss"], labels["weight"]
    figure = go.Figure()
    for index, beta in enumerate(curves.betas):
        color = f"hsl({index * 360 // max(len(curves.betas), 1)}, 65%, 45%)"
        figure.add_scatter(x=curves.margins, y=curves.losses[index], name=f"{loss_name} β={beta:g}",
                           line={"color": color})
        figure.add_scatter(x=curves.margins, y=curves.weights[index], name=f"{weight_name} β={beta:g}",
                           line={"color": color, "dash": "dot"})
    figure.update_layout(title=labels["title"], height=360, xaxis_title=labels["x"], yaxis_title=f"{loss_name} / {weight_name}",
                         yaxis_range=[0, 4], showlegend=True, margin={"t": 50, "b": 40})
    return figure


def training_figure(history: list, health: list[tuple[int, float]], labels: Mapping[str, str]) -> go.Figure:
    """Live training plots from the run's `StepMetrics` history and (step, repeat rate) health points.

    `labels` carries the localised titles: loss, rewards, accuracy, step, chosen, rejected, margin,
    accuracy_line, repeats, title.
    """
    steps = [m.step for m in history]
    figure = make_subplots(rows=1, cols=3, subplot_titles=(labels["loss"], labels["rewards"], labels["accuracy"]))
    figure.add_scatter(x=steps, y=[m.loss for m in history], name=labels["loss"], row=1, col=1, mode="lines+markers")
    for key, name in [("chosen_reward", "chosen"), ("rejected_reward", "rejected"), ("margin", "margin")]:
        figure.add_scatter(x=steps, y=[getattr(m, key) for m in history], name=labels[name], row=1, col=2,
                           mode="lines+markers")
    figure.add_scatter(x=steps, y=[m.accuracy for m in history], name=labels["accuracy_line"], row=1, col=3,
                       mode="lines+markers")
    figure.add_scatter(x=[s for s, _ in health], y=[r for _, r in health], name=labels["repeats"], row=1, col=3,
                       mode="lines+markers", line={"dash": "dot"})
    for col in (1, 2, 3):
        figure.update_xaxes(title_text=labels["step"], row=1, col=col)
    figure.update_yaxes(title_text=labels["loss"], row=1, col=1)
    figure.update_yaxes(title_text=labels["rewards"], row=1, col=2)
    figure.update_yaxes(title_text=labels["accuracy"], range=[-0.05, 1.05], row=1, col=3)
    figure.update_layout(title=labels["title"], height=380, showlegend=True, margin={"t": 70, "b": 40},
                         legend={"orientation": "h", "y": -0.25})
    return figure


def leaderboard_figure(board: Leaderboard, names: Mapping[str, str], labels: Mapping[str, str]) -> go.Figure:
    """Each policy's Bradley-Terry strength (log-odds against the reference) with its 95 % bootstrap interval.

    Open markers: provisional (few votes). `names`: policy id -> what the page calls it. `labels`: title,
    x, y, provisional (the legend entry of the open markers), measured, reference, empty. Before the first
    judge vote it shows the one thing already known, the reference at 0 (the anchor of every strength),
    and says that no votes came yet, instead of an empty frame.
    """
    figure = go.Figure()
    if not board.standings:
        figure.add_scatter(x=[labels["reference"]], y=[0.0], mode="markers", name=labels["reference"],
                           marker={"size": 12, "color": "gray"})
        figure.add_annotation(text=labels["empty"], showarrow=False, xref="paper", yref="paper", x=0.5, y=0.85)
    for provisional in (False, True):
        rows = [s for s in board.standings if s.provisional == provisional]
        if not rows:
            continue
        figure.add_scatter(
            x=[names.get(s.policy, s.policy) for s in rows], y=[s.strength for s in rows], mode="markers",
            name=labels["provisional"] if provisional else labels["measured"],
            marker={"size": 12, "symbol": "circle-open" if provisional else "circle", "color": "#4361ee"},
            error_y={"type": "data", "symmetric": False, "array": [s.high - s.strength for s in rows],
                     "arrayminus": [s.strength - s.low for s in rows]})
    figure.add_hline(y=0, line={"dash": "dot", "color": "gray"})
    order = [names.get(s.policy, s.policy) for s in board.standings]
    figure.update_layout(title=labels["title"], height=360, xaxis_title=labels["x"], yaxis_title=labels["y"],
                         xaxis={"categoryorder": "array", "categoryarray": order}, showlegend=True,
                         margin={"t": 50, "b": 40}, legend={"orientation": "h", "y": -0.25})
    return figure
