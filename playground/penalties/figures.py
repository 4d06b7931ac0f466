"""Plotly figures of the penalties tab. Builders take computed data and labels; they never compute.

`labels` maps names to the page's words in the reader's language (titles, axis titles, legend
names): the tab builds it from its `penalties_fig_` keys and adds the titles it fills in.
"""
from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.penalties.decoding import STAGES, StepTrace, SweepPoint

REASON_COLOURS = {"not_penalised": "#4c78a8", "prompt": "#f58518", "output": "#e45756"}
HEIGHT = 420


def step_reasons(step: StepTrace) -> list[str]:
    """Why each shown token's logit changed: untouched, counted in the prompt only, or in the output."""
    reasons = []
    for before, after, output in zip(step.logits["before"], step.logits["after_presence"],
                                     step.output_counts):
        if before == after:
            reasons.append("not_penalised")
        else:
            reasons.append("output" if output > 0 else "prompt")
    return reasons


def step_figure(step: StepTrace, labels: Mapping[str, str]) -> go.Figure:
    """Top: next-token probabilities before vs after. Bottom: the logits, where every change shows.

    The "after" bars are coloured by why the token was penalised; hover gives every stage.
    """
    ticks = [f"{label} ★" if special else label for label, special in zip(step.labels, step.special)]
    ticks = [f"{tick} ✓" if token == step.chosen_id else tick for tick, token in zip(ticks, step.token_ids)]
    hover = [f"{labels['prompt_count']}: {p} · {labels['output_count']}: {o}<br>" +
             "<br>".join(f"{labels[name]}: {step.logits[name][i]:.3f}" for name in STAGES)
             for i, (p, o) in enumerate(zip(step.prompt_counts, step.output_counts))]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.06)
    reasons = step_reasons(step)
    for row, before, after in [(1, step.prob_before, step.prob_after),
                               (2, step.logits["before"], step.logits["after_presence"])]:
        figure.add_bar(x=ticks, y=before, name=labels["before_bar"], marker_color="#bab0ac",
                       offsetgroup="before", legendgroup="before", showlegend=row == 1,
                       hovertext=hover, hoverinfo="text+y", row=row, col=1)
        for reason, colour in REASON_COLOURS.items():
            y = [value if r == reason else None for value, r in zip(after, reasons)]
            text = [f"×{o}" if r == reason and o and row == 1 else ""
                    for o, r in zip(step.output_counts, reasons)]
            figure.add_bar(x=ticks, y=y, name=labels[f"reason_{reason}"], marker_color=colour,
                           offsetgroup="after", legendgroup=reason, showlegend=row == 1, text=text,
                           textposition="outside", hovertext=hover, hoverinfo="text+y", row=row, col=1)
    figure.update_yaxes(title_text=labels["prob_axis"], row=1, col=1)
    figure.update_yaxes(title_text=labels["logit_axis"], row=2, col=1)
    figure.update_xaxes(title_text=labels["token_axis"], row=2, col=1)
    figure.update_layout(title=labels["step_title"], height=2 * HEIGHT, barmode="group",
                         legend={"orientation": "h", "y": -0.15}, margin={"t": 60})
    return figure


def sweep_figure(values: list[SweepPoint], labels: Mapping[str, str]) -> go.Figure:
    """Distinct-2 and the repeated 4-gram rate as one penalty moves over its range."""
    x = [point.value for point in values]
    figure = go.Figure()
    figure.add_scatter(x=x, y=[p.distinct_2 for p in values], mode="lines+markers",
                       name=labels["distinct_2"])
    figure.add_scatter(x=x, y=[p.repeated_ngram_rate for p in values], mode="lines+markers",
                       name=labels["repeated_rate"])
    figure.update_layout(title=labels["sweep_title"], height=HEIGHT, xaxis_title=labels["sweep_axis"],
                         yaxis_title=labels["metric_axis"], yaxis_range=[0, 1.05],
                         legend={"orientation": "h", "y": -0.25})
    return figure


def explainer_figure(logits: list[float], curves: dict[str, list[float]], token_names: list[str],
                     shift_probs: dict[str, list[float]], labels: Mapping[str, str]) -> go.Figure:
    """Left: logit in -> logit out of each penalty. Right: a toy distribution under a shift."""
    figure = make_subplots(rows=1, cols=2, subplot_titles=(labels["curve_title"], labels["shift_title"]))
    colours = {"none": "#bab0ac", "repetition": "#e45756", "frequency": "#4c78a8", "presence": "#54a24b"}
    figure.add_scatter(x=logits, y=logits, mode="lines", name=labels["none"], row=1, col=1,
                       line={"color": colours["none"], "dash": "dot"}, legendgroup="none")
    for name, y in curves.items():
        figure.add_scatter(x=logits, y=y, mode="lines", name=labels[name], row=1, col=1,
                           line={"color": colours[name]}, legendgroup=name)
    for name, probs in shift_probs.items():
        figure.add_bar(x=token_names, y=probs, name=labels[name], marker_color=colours[name],
                       row=1, col=2, legendgroup=name, showlegend=False)
    figure.update_xaxes(title_text=labels["logit_in"], row=1, col=1)
    figure.update_yaxes(title_text=labels["logit_out"], row=1, col=1)
    figure.update_xaxes(title_text=labels["token_axis"], row=1, col=2)
    figure.update_yaxes(title_text=labels["prob_axis"], row=1, col=2)
    figure.update_layout(height=HEIGHT, barmode="group", legend={"orientation": "h", "y": -0.25})
    return figure


def engine_step_figure(probs: Mapping[str, float], chosen: str | None, labels: Mapping[str, str]) -> go.Figure:
    """The engine's own top next-token probabilities at one step (after its penalties), the chosen one marked."""
    ticks = [(token.replace(" ", "␣").replace("\n", "⏎") or repr(token)) + (" ✓" if token == chosen else "")
             for token in probs]
    figure = go.Figure(go.Bar(x=ticks, y=list(probs.values()), marker_color=REASON_COLOURS["output"],
                              name=labels["engine_bar"]))
    figure.update_layout(title=labels["engine_title"], height=HEIGHT, margin={"t": 60},
                         xaxis_title=labels["engine_token_axis"], yaxis_title=labels["prob_axis"])
    return figure
