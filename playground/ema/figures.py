"""Figures for the EMA tab: built from a `RunHistory` or samples, never recomputing anything.

Labels come in already localised (`labels` maps the keys below to text, made by the tab from its
`ema_fig_*` strings), so no UI text lives here. Keys: loss, metric, weight, decay, step, raw, ema,
real, x1, x2.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from playground.ema.diffusion import RunHistory

RAW_COLOUR, EMA_COLOUR, REAL_COLOUR = "#d62728", "#1f77b4", "#bbbbbb"
MAX_POINTS = 800  # per curve: the browser stays fast for 20,000-step runs


def _thin(values: list[float]) -> tuple[list[int], list[float]]:
    stride = max(1, len(values) // MAX_POINTS)
    steps = list(range(1, len(values) + 1))[::stride]
    return steps, values[::stride]


def training_figure(history: RunHistory, labels: Mapping[str, str]) -> go.Figure:
    """2x2: loss, headline metric (raw vs EMA), one weight (raw vs EMA), effective decay, all vs step."""
    metric = next(iter(history.metrics_raw), "")
    figure = make_subplots(rows=2, cols=2, horizontal_spacing=0.1, vertical_spacing=0.16, subplot_titles=(
        labels["loss"], f"{labels['metric']}: {metric}", labels["weight"], labels["decay"]))
    steps, losses = _thin(history.losses)
    figure.add_scatter(x=steps, y=losses, name=labels["loss"], line_color="#7f7f7f", row=1, col=1)
    for name, colour, metrics, weights in ((labels["raw"], RAW_COLOUR, history.metrics_raw, history.weight_raw),
                                           (labels["ema"], EMA_COLOUR, history.metrics_ema, history.weight_ema)):
        figure.add_scatter(x=history.eval_steps, y=metrics.get(metric, []), name=name, legendgroup=name,
                           mode="lines+markers", line_color=colour, row=1, col=2)
        steps, values = _thin(weights)
        figure.add_scatter(x=steps, y=values, name=name, legendgroup=name, showlegend=False,
                           line_color=colour, row=2, col=1)
    steps, decays = _thin(history.decays)
    figure.add_scatter(x=steps, y=decays, name=labels["decay"], line_color="#2ca02c", row=2, col=2)
    figure.update_yaxes(type="log", row=1, col=1)
    figure.update_yaxes(title_text=labels["loss"], row=1, col=1)
    figure.update_yaxes(title_text=metric, row=1, col=2)
    figure.update_yaxes(title_text=labels["weight"], row=2, col=1)
    figure.update_yaxes(title_text=labels["decay"], row=2, col=2)
    figure.update_xaxes(title_text=labels["step"])
    figure.update_layout(height=620, margin=dict(l=60, r=20, t=50, b=50), legend=dict(orientation="h", y=-0.12))
    return figure


def samples_figure(raw: torch.Tensor, averaged: torch.Tensor, real: torch.Tensor | None,
                   labels: Mapping[str, str]) -> go.Figure:
    """Side by side: 2-D points as scatter plots over the real data, digit images as grids."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=(labels["raw"], labels["ema"]), horizontal_spacing=0.06)
    for col, (name, colour, samples) in enumerate(((labels["raw"], RAW_COLOUR, raw),
                                                   (labels["ema"], EMA_COLOUR, averaged)), start=1):
        if samples.dim() == 2:
            if real is not None:
                figure.add_scatter(x=real[:, 0], y=real[:, 1], mode="markers", name=labels["real"],
                                   legendgroup="real", showlegend=col == 1,
                                   marker=dict(size=3, color=REAL_COLOUR), row=1, col=col)
            figure.add_scatter(x=samples[:, 0], y=samples[:, 1], mode="markers", name=name,
                               marker=dict(size=3, color=colour), row=1, col=col)
            figure.update_xaxes(range=[-3, 3], title_text=labels["x1"], row=1, col=col)
            figure.update_yaxes(range=[-3, 3], title_text=labels["x2"], row=1, col=col)
        else:
            figure.add_heatmap(z=image_grid(samples)[::-1], colorscale="gray_r", showscale=False, name=name,
                               row=1, col=col)
            figure.update_xaxes(showticklabels=False, title_text=name, row=1, col=col)
            figure.update_yaxes(showticklabels=False, scaleanchor=f"x{col}", row=1, col=col)
    figure.update_layout(height=420, margin=dict(l=50, r=20, t=40, b=40), showlegend=True,
                         legend=dict(orientation="h", y=-0.15))
    return figure


def image_grid(samples: torch.Tensor, columns: int = 8, scale: int = 4) -> np.ndarray:
    """(n, 1, s, s) images in [-1, 1] -> one uint8 grid (ink dark on white), each pixel `scale` times larger."""
    count = (len(samples) // columns) * columns or len(samples)
    padded = torch.nn.functional.pad(samples[:count, 0].clamp(-1, 1), (1, 1, 1, 1), value=-1.0)  # white frame
    images = ((1 - padded) * 127.5).round().to(torch.uint8)  # (n, s + 2, s + 2)
    rows = max(1, count // columns)
    size = images.shape[-1]
    grid = images.reshape(rows, -1, size, size).permute(0, 2, 1, 3).reshape(rows * size, -1)
    return grid.repeat_interleave(scale, 0).repeat_interleave(scale, 1).numpy()


def density_image(points: torch.Tensor, bins: int = 48, extent: float = 3.0, scale: int = 6) -> np.ndarray:
    """2-D points -> a uint8 histogram picture (dark = dense), so point clouds pair up as images too."""
    counts, _, _ = np.histogram2d(points[:, 1].numpy(), points[:, 0].numpy(), bins=bins,
                                  range=[[-extent, extent], [-extent, extent]])
    shade = 255 - 255 * np.sqrt(counts / max(counts.max(), 1))  # sqrt so sparse tails stay visible
    return np.flipud(shade).astype(np.uint8).repeat(scale, 0).repeat(scale, 1)


def sample_images(raw: torch.Tensor, averaged: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    """(raw, EMA) pictures for an image slider: digit grids, or densities for 2-D points."""
    picture = density_image if raw.dim() == 2 else image_grid
    return picture(raw), picture(averaged)
