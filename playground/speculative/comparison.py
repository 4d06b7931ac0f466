"""Plain decoding, then speculative decoding of the same prompt, and what the pair measured.

Why one after the other: run together they would compete for the same cores and both look slow;
run apart, each wall time is its own. Both go through the same loop (`decoding.decode`), the
plain one with no draft, so the only difference is the draft. `plain_then_speculative` yields
progress events a UI can show as they come; the last one is the `Comparison`.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch
from torch import nn

from playground.speculative.config import SpeculativeConfig
from playground.speculative.decoding import DecodeResult, decode
from playground.speculative.drafts import Proposer


@dataclass(frozen=True)
class Progress:
    """A running result after one more target pass: `stage` is "plain" (first) or "speculative"."""
    stage: str
    result: DecodeResult


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


def plain_then_speculative(target: nn.Module, draft: Proposer, input_ids: torch.Tensor,
                           config: SpeculativeConfig) -> Iterator[Progress | Comparison]:
    """Plain decoding, then speculative with `draft`, same settings; a `Progress` after every target
    pass of either, and last the `Comparison` of the two.

    >>> from transformers import LlamaConfig, LlamaForCausalLM
    >>> from playground.speculative.drafts import PromptLookup
    >>> _ = torch.manual_seed(0)
    >>> tiny = LlamaForCausalLM(LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32,
    ...     num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1)).eval()
    >>> config = SpeculativeConfig(max_new_tokens=4, num_draft_tokens=3)
    >>> events = list(plain_then_speculative(tiny, PromptLookup(), torch.tensor([[1, 2, 3, 4, 1, 2]]), config))
    >>> [event.stage for event in events[:-1]][:5], events[-1].identical
    (['plain', 'plain', 'plain', 'plain', 'speculative'], True)
    """
    plain = speculative = DecodeResult()
    for plain in decode(target, None, input_ids, config):  # 1. plain first, alone on the cores
        yield Progress("plain", plain)
    for speculative in decode(target, draft, input_ids, config):  # 2. then speculative, same loop
        yield Progress("speculative", speculative)
    yield Comparison(plain, speculative, config.num_draft_tokens, config.adaptive_draft)  # 3. what the pair measured
