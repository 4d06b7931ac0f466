"""The theory a plain-vs-speculative run is compared with, and its figures.

Leviathan et al. 2023 (https://arxiv.org/abs/2211.17192, Theorem 3.8 and Corollary 3.9) give the
expected walltime improvement for per-token acceptance alpha, gamma guesses and a draft step that
costs c target steps:

    speedup = (1 - alpha^(gamma+1)) / ((1 - alpha) (gamma*c + 1))

The "+ 1" assumes checking gamma + 1 positions costs one target step, nearly true on a GPU. On a
CPU the 49k-word output head makes a 5-position pass cost ~1.4x a 1-position pass, so the second
curve replaces the 1 by the measured verify cost v; the measured run should sit near that one.
"""
from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from playground.speculative.comparison import Comparison


def expected_speedup(alpha: float, gamma: int, c: float, verify_cost: float = 1.0) -> float:
    """(1 - alpha^(gamma+1)) / ((1 - alpha)(gamma*c + v)); v = 1 is Leviathan's formula.

    >>> round(expected_speedup(0.8, 4, 0.0), 3)  # free draft, free verification: 1+.8+.64+.512+.41
    3.362
    """
    tokens_per_pass = gamma + 1 if alpha >= 1.0 else (1 - alpha ** (gamma + 1)) / (1 - alpha)
    return tokens_per_pass / (gamma * c + verify_cost)


def timeline_figure(comparison: Comparison, labels: Mapping[str, str]) -> go.Figure:
    """Per target pass: draft time and verify time (stacked, ms), against one plain step.

    `labels`, like every figure's here, holds the page's words in the reader's language (the tab
    builds it from its `speculative_fig_` keys); "hover" has {guessed}, {kept} and {tokens}."""
    rounds = comparison.speculative.rounds
    x = list(range(1, len(rounds) + 1))
    hover = [labels["hover"].format(guessed=len(r.guesses), kept=r.kept, tokens=len(r.tokens)) for r in rounds]
    figure = go.Figure([
        go.Bar(x=x, y=[1000 * r.draft_s for r in rounds], name=labels["draft"], hovertext=hover),
        go.Bar(x=x, y=[1000 * r.verify_s for r in rounds], name=labels["verify"], hovertext=hover),
        go.Scatter(x=[0.5, len(rounds) + 0.5], y=[1000 * comparison.step_s] * 2, mode="lines",
                   name=labels["plain_step"], line={"dash": "dash"}),
    ])
    figure.update_layout(barmode="stack", height=400, title=labels["timeline_title"],
                         xaxis_title=labels["round"], yaxis_title=labels["ms"],
                         legend={"orientation": "h", "y": -0.3}, margin={"t": 50, "b": 40})
    return figure


def theory_figure(comparison: Comparison, labels: Mapping[str, str]) -> go.Figure:
    """Expected speedup vs alpha for this gamma and measured c, with the measured run as a point
    (its speedup is a ratio of tokens/s, as the theory's is)."""
    gamma, c, v = comparison.gamma, comparison.draft_cost, comparison.verify_cost
    alphas = [i / 100 for i in range(0, 100)]
    figure = go.Figure([
        go.Scatter(x=alphas, y=[expected_speedup(a, gamma, c) for a in alphas], mode="lines",
                   name=labels["theory_ideal"].format(gamma=gamma, c=c)),
        go.Scatter(x=alphas, y=[expected_speedup(a, gamma, c, v) for a in alphas], mode="lines",
                   name=labels["theory_measured_v"].format(v=v), line={"dash": "dot"}),
        go.Scatter(x=[comparison.speculative.alpha], y=[comparison.speedup], mode="markers",
                   marker={"size": 14, "symbol": "star"}, name=labels["measured"]),
        go.Scatter(x=[0, 1], y=[1, 1], mode="lines", line={"color": "gray", "width": 1},
                   name=labels["break_even"]),
    ])
    figure.update_layout(height=400, title=labels["theory_title"], xaxis_title=labels["alpha"],
                         yaxis_title=labels["speedup"], legend={"orientation": "h", "y": -0.3},
                         margin={"t": 50})
    return figure


def token_pieces(tokenizer, tokens: list[int]) -> list[str]:
    """The text each token adds, decoded incrementally. A token that ends inside a multi-byte
    character (decoded as U+FFFD) adds nothing; the token that completes it carries it whole."""
    pieces, emitted = [], ""
    for end in range(1, len(tokens) + 1):
        text = tokenizer.decode(tokens[:end], skip_special_tokens=True)
        if text.endswith("\ufffd") and end < len(tokens):
            pieces.append("")
            continue
        pieces.append(text[len(emitted):])
        emitted = text
    return pieces
