"""Figures for the PagedAttention tab, built from simulation and live-run results, never recomputing.

Labels come in already localised: `labels` maps every key in `LABEL_KEYS` to text.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.paged_attention.live import LiveComparison
from playground.paged_attention.simulator import CATEGORIES, POLICIES, KvSimResult

LABEL_KEYS = (*(f"policy_{p}" for p in POLICIES), *(f"cat_{c}" for c in CATEGORIES), "share", "breakdown",
              "memory_map", "running", "step", "sequences", "block_size", "sweep", "throughput",
              "tokens_per_s", "gantt", "request", "seconds", "static", "paged", "kv_slots", "slots", "usage",
              "usage_blocks", "usage_tokens")
COLOURS = dict(zip(CATEGORIES, ("#2ca02c", "#98df8a", "#ff7f0e", "#d62728", "#e5e5e5")))
POLICY_COLOURS = dict(zip(POLICIES, ("#8c564b", "#d62728", "#ff7f0e", "#9467bd", "#1f77b4")))
MAP_COLUMNS = 48  # cells per row of the memory map
MAX_POINTS = 600  # per curve


def _layout(figure: go.Figure, title: str, height: int) -> go.Figure:
    figure.update_layout(title=title, height=height, margin=dict(l=60, r=20, t=50, b=50),
                         legend=dict(orientation="h", y=-0.2))
    return figure


def breakdown_figure(results: dict[str, KvSimResult], labels: dict[str, str]) -> go.Figure:
    """Fig. 2 of the paper: where each policy's KV capacity goes while requests wait (stacked %)."""
    names = [labels[f"policy_{p}"] for p in results]
    figure = go.Figure()
    for category in CATEGORIES:
        values = [100 * r.breakdown[category] for r in results.values()]
        figure.add_bar(x=names, y=values, name=labels[f"cat_{category}"], marker_color=COLOURS[category],
                       text=[f"{v:.1f}" if v >= 3 else "" for v in values], textposition="inside")
    figure.update_layout(barmode="stack", yaxis=dict(title=labels["share"], range=[0, 100]))
    return _layout(figure, labels["breakdown"], 420)


def memory_map_figure(result: KvSimResult, index: int, labels: dict[str, str]) -> go.Figure:
    """One snapshot of the KV pool, one cell per `block_size` slots, coloured by category."""
    index = min(max(int(index), 0), len(result.snapshots) - 1)
    cells = result.snapshots[index].astype(float)
    rows = -(-len(cells) // MAP_COLUMNS)
    grid = np.full(rows * MAP_COLUMNS, np.nan)
    grid[:len(cells)] = cells
    scale = []
    for code, category in enumerate(CATEGORIES):  # a discrete colour scale over the codes 0..4
        scale += [[code / 5, COLOURS[category]], [(code + 1) / 5, COLOURS[category]]]
    figure = go.Figure(go.Heatmap(z=grid.reshape(rows, MAP_COLUMNS), zmin=-0.5, zmax=4.5, colorscale=scale,
                                  xgap=1, ygap=1, showscale=False, hoverinfo="skip"))
    for category in CATEGORIES:  # legend entries for the colours
        figure.add_scatter(x=[None], y=[None], mode="markers", marker=dict(color=COLOURS[category], size=10,
                           symbol="square"), name=labels[f"cat_{category}"])
    figure.update_yaxes(autorange="reversed", showticklabels=False)
    figure.update_xaxes(showticklabels=False)
    title = f"{labels['memory_map']}: {labels[f'policy_{result.policy}']}, {labels['step']} {result.snapshot_steps[index]:,}"
    return _layout(figure, title, 160 + 9 * rows)


def _thin(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    stride = max(1, len(values) // MAX_POINTS)
    steps = np.arange(len(values))[::stride]
    return steps, values[::stride]


def running_figure(results: dict[str, KvSimResult], labels: dict[str, str]) -> go.Figure:
    """Sequences decoding at each step (Fig. 13: the batch paging allows)."""
    figure = go.Figure()
    for policy, result in results.items():
        steps, running = _thin(result.running)
        figure.add_scatter(x=steps, y=running, name=labels[f"policy_{policy}"], line_color=POLICY_COLOURS[policy])
    figure.update_layout(xaxis_title=labels["step"], yaxis_title=labels["sequences"])
    return _layout(figure, labels["running"], 380)


def sweep_figure(sweep: dict[int, KvSimResult], labels: dict[str, str]) -> go.Figure:
    """Paged: token-state share and estimated throughput against the block size."""
    sizes = [str(size) for size in sweep]
    figure = make_subplots(rows=1, cols=2, subplot_titles=(labels["share"], labels["throughput"]))
    figure.add_bar(x=sizes, y=[100 * r.token_state_share for r in sweep.values()], name=labels["share"],
                   marker_color=COLOURS["token"], row=1, col=1)
    figure.add_bar(x=sizes, y=[r.tokens_per_second for r in sweep.values()], name=labels["throughput"],
                   marker_color=POLICY_COLOURS["paged"], row=1, col=2)
    figure.update_xaxes(title_text=labels["block_size"], type="category")
    figure.update_yaxes(title_text=labels["share"], row=1, col=1)
    figure.update_yaxes(title_text=labels["tokens_per_s"], row=1, col=2)
    figure.update_layout(showlegend=False)
    return _layout(figure, labels["sweep"], 360)


def throughput_figure(results: dict[str, KvSimResult], labels: dict[str, str]) -> go.Figure:
    """Roofline estimate per policy: each step reads the weights and the live KV once."""
    figure = go.Figure(go.Bar(x=[labels[f"policy_{p}"] for p in results],
                              y=[r.tokens_per_second for r in results.values()],
                              marker_color=[POLICY_COLOURS[p] for p in results],
                              text=[f"{r.tokens_per_second:,.0f}" for r in results.values()], textposition="outside"))
    figure.update_layout(yaxis_title=labels["tokens_per_s"])
    return _layout(figure, labels["throughput"], 360)


def gantt_figure(comparison: LiveComparison, labels: dict[str, str]) -> go.Figure:
    """Request lifetimes, static batch above and paged run below, on one time axis."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                           subplot_titles=(labels["static"], labels["paged"]))
    for row, (run, colour) in enumerate(((comparison.static, POLICY_COLOURS["max"]),
                                         (comparison.paged, POLICY_COLOURS["paged"])), start=1):
        names = [f"{labels['request']} {i + 1}" for i in range(len(run.ends))]
        figure.add_bar(y=names, x=[e - s for s, e in zip(run.starts, run.ends)], base=run.starts, orientation="h",
                       marker_color=colour, name=labels["static" if row == 1 else "paged"],
                       text=[f"{len(t)} tok" for t in run.output_tokens], textposition="inside", row=row, col=1)
        figure.update_yaxes(autorange="reversed", row=row, col=1)
    figure.update_xaxes(title_text=labels["seconds"], row=2, col=1)
    return _layout(figure, labels["gantt"], 560)


def kv_slots_figure(comparison: LiveComparison, labels: dict[str, str]) -> go.Figure:
    """KV slots: reserved by the padded batch vs in paged blocks at the peak, from the real lengths."""
    runs = (comparison.static, comparison.paged)
    figure = go.Figure(go.Bar(x=[labels["static"], labels["paged"]], y=[r.kv_slots for r in runs],
                              marker_color=[POLICY_COLOURS["max"], POLICY_COLOURS["paged"]],
                              text=[f"{r.kv_slots:,} ({r.peak_kv_bytes / 2**20:.1f} MiB)" for r in runs],
                              textposition="outside"))
    figure.update_layout(yaxis_title=labels["slots"])
    return _layout(figure, labels["kv_slots"], 340)


def usage_figure(result: KvSimResult, labels: dict[str, str]) -> go.Figure:
    """A paged run's pool over time: the share of blocks in use (vLLM's gauge) above the share of token
    slots holding a token; the gap is the empty part of each request's last block."""
    figure = go.Figure()
    usage = result.usage
    for key, share, colour in (("usage_blocks", usage.block_share, POLICY_COLOURS["paged"]),
                               ("usage_tokens", usage.token_share, COLOURS["token"])):
        steps, values = _thin(100 * share)
        figure.add_scatter(x=steps, y=values, name=labels[key], line_color=colour)
    figure.update_layout(xaxis_title=labels["step"], yaxis=dict(title=labels["share"], range=[0, 100]))
    return _layout(figure, labels["usage"], 340)
