"""Plotly figures for the race, built from a `RaceSnapshot`; they never recompute anything.

Labels arrive already localised in one mapping (made in `demos/`), so this module has no UI text.
Keys: real, gan, diffusion, modes, outside, budget_used, covered, mode, count, threshold, probability,
step, trajectory, all_modes, cost_title, cpu_per_2500, gan_pass, ddpm, ddim.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.gan_vs_diffusion.race import RaceSnapshot
from playground.gan_vs_diffusion.toy_data import frame_of

GAN_COLOUR, DIFFUSION_COLOUR, REAL_COLOUR = "#d62728", "#1f77b4", "#9e9e9e"


def _xy(points: list) -> tuple[list[float], list[float]]:
    return [p[0] for p in points], [p[1] for p in points]


def outside(points: list, x_range: list[float], y_range: list[float]) -> int:
    """How many points fall outside the frame (the subplot title says so instead of zooming out)."""
    array = np.asarray(points, dtype=float).reshape(-1, 2)
    inside = ((array[:, 0] >= x_range[0]) & (array[:, 0] <= x_range[1]) & (array[:, 1] >= y_range[0])
              & (array[:, 1] <= y_range[1]))
    return int(len(array) - inside.sum())


def scatter_figure(snapshot: RaceSnapshot, labels: dict[str, str]) -> go.Figure:
    """Left: GAN samples over the discriminator's P(real) heatmap; right: diffusion samples; real data in grey.

    Both panels share one fixed frame around the data (`frame_of`); samples outside it are counted in the
    panel's title. The colour bar sits under the GAN panel, so it never covers the diffusion panel's axis.
    """
    x_range, y_range = frame_of(snapshot.modes)

    def title(name: str, state) -> str:
        text = f"{name} ({state.coverage.get('modes', 0)}/{len(snapshot.modes)} {labels['modes']})"
        off = outside(state.samples, x_range, y_range)
        return f"{text}<br>{labels['outside'].format(count=off)}" if off else text

    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.08, subplot_titles=(
        title(labels["gan"], snapshot.gan), title(labels["diffusion"], snapshot.diffusion)))
    if snapshot.heatmap:
        figure.add_heatmap(x=snapshot.heatmap["x"], y=snapshot.heatmap["y"], z=snapshot.heatmap["p"], zmin=0, zmax=1,
                           colorscale="RdBu", opacity=0.55, name=labels["probability"],
                           colorbar=dict(title=dict(text=labels["probability"], side="top"), orientation="h",
                                         x=0.23, xanchor="center", y=-0.1, yanchor="top", len=0.42, thickness=12),
                           row=1, col=1)
    for col, state, colour, name in ((1, snapshot.gan, GAN_COLOUR, labels["gan"]),
                                     (2, snapshot.diffusion, DIFFUSION_COLOUR, labels["diffusion"])):
        x, y = _xy(snapshot.real)
        figure.add_scatter(x=x, y=y, mode="markers", marker=dict(size=4, color=REAL_COLOUR), name=labels["real"],
                           legendgroup="real", showlegend=col == 1, row=1, col=col)
        x, y = _xy(state.samples)
        figure.add_scatter(x=x, y=y, mode="markers", marker=dict(size=4, color=colour, opacity=0.7), name=name,
                           row=1, col=col)
        figure.update_xaxes(range=x_range, row=1, col=col)
        figure.update_yaxes(range=y_range, scaleanchor="x" if col == 1 else "x2", row=1, col=col)
    figure.update_layout(height=500, margin=dict(l=40, r=20, t=60, b=40),
                         legend=dict(orientation="h", x=0.78, xanchor="center", y=-0.1, yanchor="top"))
    return figure


def trajectory_figure(snapshot: RaceSnapshot, labels: dict[str, str]) -> go.Figure:
    """The diffusion model's reverse trajectory x_T -> x_0 on a frame slider with a play button."""
    def frame_data(points: list) -> list[go.Scatter]:
        x, y = _xy(points)
        return [go.Scatter(x=x, y=y, mode="markers", marker=dict(size=5, color=DIFFUSION_COLOUR), name=labels["diffusion"])]

    x, y = _xy(snapshot.real)
    real = go.Scatter(x=x, y=y, mode="markers", marker=dict(size=4, color=REAL_COLOUR), name=labels["real"])
    frames = [go.Frame(data=frame_data(points), name=str(step), traces=[1])
              for points, step in zip(snapshot.trajectory, snapshot.trajectory_steps)]
    first = snapshot.trajectory[0] if snapshot.trajectory else []
    figure = go.Figure(data=[real, *frame_data(first)], frames=frames)
    steps = [dict(method="animate", label=f"t={step}", args=[[str(step)], dict(mode="immediate",
             frame=dict(duration=300, redraw=False), transition=dict(duration=0))]) for step in snapshot.trajectory_steps]
    figure.update_layout(
        height=470, title=labels["trajectory"], margin=dict(l=40, r=20, t=50, b=30),
        xaxis=dict(range=[-5.5, 5.5]), yaxis=dict(range=[-5.5, 5.5], scaleanchor="x"),
        sliders=[dict(steps=steps, active=0, currentvalue=dict(prefix=f"{labels['step']}: "), y=-0.02)],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=1.12, buttons=[dict(
            label="▶", method="animate", args=[None, dict(frame=dict(duration=300, redraw=False), fromcurrent=True)])])])
    return figure


def coverage_figure(snapshot: RaceSnapshot, labels: dict[str, str]) -> go.Figure:
    """Modes covered vs the share of the (equal-cost) budget spent, both models: the plot that tells the story."""
    figure = go.Figure()
    for state, colour, name in ((snapshot.gan, GAN_COLOUR, labels["gan"]),
                                (snapshot.diffusion, DIFFUSION_COLOUR, labels["diffusion"])):
        figure.add_scatter(x=[c[0] for c in state.curve], y=[c[1] for c in state.curve], mode="lines+markers",
                           line_color=colour, name=name)
    figure.add_hline(y=len(snapshot.modes), line_dash="dash", line_color=REAL_COLOUR,
                     annotation_text=labels["all_modes"])
    figure.update_layout(height=340, xaxis_title=labels["budget_used"], xaxis_range=[0, 102], yaxis_title=labels["covered"],
                         yaxis_range=[0, len(snapshot.modes) + 1], margin=dict(l=50, r=20, t=30, b=50))
    return figure


def histogram_figure(snapshot: RaceSnapshot, labels: dict[str, str]) -> go.Figure:
    """High-quality samples on each mode, both models, with the count a mode needs to be covered."""
    figure = go.Figure()
    names = [str(index + 1) for index in range(len(snapshot.modes))]
    for state, colour, name in ((snapshot.gan, GAN_COLOUR, labels["gan"]),
                                (snapshot.diffusion, DIFFUSION_COLOUR, labels["diffusion"])):
        figure.add_bar(x=names, y=state.coverage.get("counts", []), marker_color=colour, name=name)
    threshold = snapshot.diffusion.coverage.get("threshold")
    if threshold:
        figure.add_hline(y=threshold, line_dash="dash", annotation_text=labels["threshold"])
    figure.update_layout(height=320, barmode="group", xaxis_title=labels["mode"], yaxis_title=labels["count"],
                         margin=dict(l=50, r=20, t=30, b=50))
    return figure


def cost_figure(snapshot: RaceSnapshot, labels: dict[str, str]) -> go.Figure:
    """CPU seconds to draw 2,500 points: one generator pass, T DDPM steps, DDIM with few steps (log scale)."""
    keys = [("gan", labels["gan_pass"], GAN_COLOUR), ("ddpm", labels["ddpm"], DIFFUSION_COLOUR),
            ("ddim", labels["ddim"], "#6baed6")]
    present = [(key, name, colour) for key, name, colour in keys if key in snapshot.cost]
    figure = go.Figure(go.Bar(
        x=[f"{name} ({snapshot.cost[key]['steps']})" for key, name, _ in present],
        y=[snapshot.cost[key]["cpu_seconds"] for key, _, _ in present], marker_color=[c for _, _, c in present],
        text=[f"{snapshot.cost[key]['cpu_seconds']:.3f} s" for key, _, _ in present], textposition="outside",
        cliponaxis=False))  # the tallest bar's label stays readable above the plot area
    figure.update_layout(height=320, title=labels["cost_title"], yaxis_type="log", yaxis_title=labels["cpu_per_2500"],
                         margin=dict(l=60, r=20, t=70, b=50))
    return figure
