"""What a plain-vs-speculative run measured, the theory it is compared with, and its figures.

Leviathan et al. 2023 (https://arxiv.org/abs/2211.17192, Theorem 3.8 and Corollary 3.9) give the
expected walltime improvement for per-token acceptance alpha, gamma guesses and a draft step that
costs c target steps:

    speedup = (1 - alpha^(gamma+1)) / ((1 - alpha) (gamma*c + 1))

The "+ 1" assumes checking gamma + 1 positions costs one target step, nearly true on a GPU. On a
CPU the 49k-word output head makes a 5-position pass cost ~1.4x a 1-position pass, so the second
curve replaces the 1 by the measured verify cost v; the measured run should sit near that one.
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from playground.speculative.decoding import DecodeResult


@dataclass(frozen=True)
class Comparison:
    plain: DecodeResult
    speculative: DecodeResult
    num_draft_tokens: int  # gamma (the first round's, when adaptive)
    adaptive_draft: bool = False  # the draft length changed from round to round

    @property
    def identical(self) -> bool:
        return self.plain.tokens == self.speculative.tokens

    @property
    def speedup(self) -> float:
        """Speculative tokens/s over plain tokens/s (= plain s/token over speculative s/token).

        Not plain.wall_s / speculative.wall_s: with sampling the two runs stop at different end
        tokens, so their wall times cover different numbers of tokens (a 64-token plain answer
        against a 12-token speculative one looked 2.7x faster while each token came 0.8x as fast).
        With greedy decoding both produce the same tokens and the two ratios agree."""
        plain_rate, spec_rate = self.plain.tokens_per_s, self.speculative.tokens_per_s
        return spec_rate / plain_rate if plain_rate > 0 else 0.0

    @property
    def passes_saved(self) -> int:
        return self.plain.target_passes - self.speculative.target_passes

    @property
    def mean_kept_per_round(self) -> float:
        guessing = [r for r in self.speculative.rounds if r.guesses]
        return sum(r.kept for r in guessing) / len(guessing) if guessing else 0.0

    @property
    def mean_guessed_per_round(self) -> float:
        guessing = [r for r in self.speculative.rounds if r.guesses]
        return sum(len(r.guesses) for r in guessing) / len(guessing) if guessing else 0.0

    @property
    def gamma(self) -> float:
        """The gamma for the theory: the fixed draft length, or the mean one when it adapted."""
        return round(self.mean_guessed_per_round, 1) if self.adaptive_draft else self.num_draft_tokens

    @property
    def step_s(self) -> float:
        """One plain target step (one new token), the unit of the cost ratios below: the mean of the
        plain run's steps after the first, since the first also reads the whole prompt (and
        `verify_cost` leaves out the speculative run's first pass for the same reason). A one-step
        run has nothing else to average, so its only step is the unit."""
        steps = [r.draft_s + r.verify_s for r in self.plain.rounds]
        later = steps[1:] or steps
        return sum(later) / len(later) if later else 0.0

    @property
    def draft_cost(self) -> float:
        """c: seconds per guessed token, in plain target steps (about 0 for prompt lookup)."""
        proposed = self.speculative.proposed
        draft_s = sum(r.draft_s for r in self.speculative.rounds)
        return draft_s / proposed / self.step_s if proposed and self.step_s else 0.0

    @property
    def verify_cost(self) -> float:
        """v: one verifying pass (guesses + 1 positions), in plain target steps; the first round,
        which also reads the prompt, is left out as the plain run's first step is."""
        passes = [r.verify_s for r in self.speculative.rounds[1:] if r.guesses]
        return sum(passes) / len(passes) / self.step_s if passes and self.step_s else 1.0

    def summary(self) -> dict:
        return {"identical": self.identical, "speedup": round(self.speedup, 3),
                "plain_s": round(self.plain.wall_s, 3),
                "speculative_s": round(self.speculative.wall_s, 3),
                "plain_tokens_per_s": round(self.plain.tokens_per_s, 2),
                "speculative_tokens_per_s": round(self.speculative.tokens_per_s, 2),
                "acceptance_rate": round(self.speculative.acceptance_rate, 4),
                "alpha": round(self.speculative.alpha, 4),
                "mean_accepted_per_round": round(self.mean_kept_per_round, 3),
                "adaptive_draft": self.adaptive_draft,
                "mean_guessed_per_round": round(self.mean_guessed_per_round, 3),
                "target_passes_plain": self.plain.target_passes,
                "target_passes_speculative": self.speculative.target_passes,
                "draft_cost_c": round(self.draft_cost, 4), "verify_cost_v": round(self.verify_cost, 3)}


def expected_speedup(alpha: float, gamma: int, c: float, verify_cost: float = 1.0) -> float:
    """(1 - alpha^(gamma+1)) / ((1 - alpha)(gamma*c + v)); v = 1 is Leviathan's formula.

    >>> round(expected_speedup(0.8, 4, 0.0), 3)  # free draft, free verification: 1+.8+.64+.512+.41
    3.362
    """
    tokens_per_pass = gamma + 1 if alpha >= 1.0 else (1 - alpha ** (gamma + 1)) / (1 - alpha)
    return tokens_per_pass / (gamma * c + verify_cost)


def timeline_figure(comparison: Comparison, labels: dict[str, str]) -> go.Figure:
    """Per target pass: draft time and verify time (stacked, ms), against one plain step."""
    rounds = comparison.speculative.rounds
    x = list(range(1, len(rounds) + 1))
    hover = [f"{len(r.guesses)} guessed, {r.kept} kept, +{len(r.tokens)} tokens" for r in rounds]
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


def theory_figure(comparison: Comparison, labels: dict[str, str]) -> go.Figure:
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
