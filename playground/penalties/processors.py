"""Repetition, frequency and presence penalties: which tokens they count and what they do to logits.

A penalty lowers the logit of tokens that already occurred, so the model is less likely to loop.
With x a token's logit and c how many times it occurs in the counted tokens:
repetition (CTRL, https://arxiv.org/abs/1909.05858) x' = x / r if x > 0 else x * r, once per seen
token; frequency x' = x - f * c; presence x' = x - p * [c > 0] (OpenAI,
https://platform.openai.com/docs/advanced-usage#frequency-and-presence-penalties).

Engines disagree on *which* tokens count; three conventions are implemented:
- `vllm` (default; OpenAI's for frequency/presence): repetition over prompt + output, frequency and
  presence over output only. Order: repetition, frequency, presence
  (https://github.com/vllm-project/vllm/blob/main/vllm/model_executor/layers/utils.py).
- `hf`: transformers' `RepetitionPenaltyLogitsProcessor` over every input id (prompt included);
  transformers has no frequency or presence penalty.
- `llama.cpp`: all three over the last `last_n` tokens, prompt included
  (https://github.com/ggml-org/llama.cpp/blob/master/src/llama-sampling.cpp, `penalties`).
The engines write the kink differently (vLLM `x > 0 -> x / r`, transformers `x < 0 -> x * r`,
llama.cpp `x <= 0 -> x * r`), but at x = 0 both branches give 0, so all three agree bit for bit.
Penalties run before temperature, so after it an additive penalty acts as f / T. Special tokens
are counted too: a prompt-inclusive penalty also lowers the end-of-turn token of the chat template.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from playground.core.checks import in_range, one_of, whole_number
from playground.core.errors import InputError

CONVENTIONS = ("vllm", "hf", "llama.cpp")
REPETITION_RANGE = (0.1, 3.0)  # r < 1 rewards repetition; vLLM accepts any r > 0
ADDITIVE_RANGE = (-2.0, 2.0)  # OpenAI's accepted range for frequency and presence
LAST_N_RANGE = (1, 4096)  # llama.cpp's `penalty_last_n` (64 by default)


@dataclass(frozen=True)
class PenaltyConfig:
    """The three penalties and the convention that says which tokens each one counts.

    Checked when made, each value by the label key of the tab's control for it (`penalties_*`), so the
    tab's refusal names the field as the page labels it; nothing is clamped."""
    repetition_penalty: float = 1.0  # 1.0 means no penalty; ~1.2 is the usual recommendation
    frequency_penalty: float = 0.0  # subtracted once per occurrence; 0 switches it off
    presence_penalty: float = 0.0  # subtracted once per distinct token; 0 switches it off
    convention: str = "vllm"  # "vllm", "hf" or "llama.cpp"
    last_n: int = 64  # llama.cpp only: how many most recent tokens are counted

    def __post_init__(self) -> None:
        checked = {
            "repetition_penalty": in_range("penalties_repetition_label", self.repetition_penalty, *REPETITION_RANGE),
            "frequency_penalty": in_range("penalties_frequency_label", self.frequency_penalty, *ADDITIVE_RANGE),
            "presence_penalty": in_range("penalties_presence_label", self.presence_penalty, *ADDITIVE_RANGE),
            "convention": one_of("penalties_convention", self.convention, CONVENTIONS),
            "last_n": whole_number("penalties_last_n", self.last_n, *LAST_N_RANGE),
        }
        for name, value in checked.items():  # 64.0 from a slider is stored as the count 64
            object.__setattr__(self, name, value)
        if self.convention == "hf" and (self.frequency_penalty or self.presence_penalty):
            # transformers only ships the repetition penalty
            raise InputError("penalties_err_hf_additive", field="penalties_convention")

    def neutral(self) -> PenaltyConfig:
        """The same convention with every penalty off: the baseline of a side-by-side run."""
        return PenaltyConfig(convention=self.convention, last_n=self.last_n)


# ------------------------------------------------------------------ which tokens are counted
def token_counts(token_ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """How often each vocabulary id occurs in each row: (batch, length) -> (batch, vocab) floats.

    Ids >= vocab_size (an embedding larger than the output layer) go to a spare column that is
    dropped, as transformers does: the model cannot emit them, so they need no penalty.
    """
    batch = token_ids.shape[0]
    counts = torch.zeros(batch, vocab_size + 1, device=token_ids.device)
    ids = token_ids.clamp(max=vocab_size)
    counts.scatter_add_(1, ids, torch.ones_like(ids, dtype=counts.dtype))
    return counts[:, :vocab_size]  # (batch, vocab)


def counted_ids(input_ids: torch.Tensor, prompt_length: int,
                config: PenaltyConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids the repetition penalty counts, ids frequency/presence count) under the convention."""
    if config.convention == "llama.cpp":
        window = input_ids[:, -config.last_n:]
        return window, window
    if config.convention == "hf":
        return input_ids, input_ids[:, :0]
    return input_ids, input_ids[:, prompt_length:]  # vllm: additive penalties see the output only


# ------------------------------------------------------------------ the three penalties
def apply_repetition(scores: torch.Tensor, seen: torch.Tensor, r: float) -> torch.Tensor:
    """CTRL: x' = x / r if x > 0 else x * r, for tokens with seen = True; a new tensor."""
    penalised = torch.where(scores > 0, scores / r, scores * r)
    return torch.where(seen, penalised, scores)


def apply_frequency(scores: torch.Tensor, counts: torch.Tensor, alpha_frequency: float) -> torch.Tensor:
    """x' = x - alpha_frequency * c: every occurrence costs the same again."""
    return scores - alpha_frequency * counts


def apply_presence(scores: torch.Tensor, counts: torch.Tensor, alpha_presence: float) -> torch.Tensor:
    """x' = x - alpha_presence * [c > 0]: one flat cost for having appeared at all."""
    return scores - alpha_presence * (counts > 0).to(scores.dtype)


class PenaltyLogitsProcessor:
    """Repetition, frequency and presence penalties as one transformers `LogitsProcessor`.

    Args:
        prompt_length: how many leading ids of `input_ids` are the prompt (vllm counts the
            additive penalties over the rest only).
        repetition_penalty, frequency_penalty, presence_penalty, convention, last_n: see
            `PenaltyConfig`; invalid values raise an `InputError` (a `ValueError`) that says the allowed range.

    Batched and vectorised; `scores` is never edited in place.

    >>> processor = PenaltyLogitsProcessor(1, repetition_penalty=2.0, presence_penalty=0.5)
    >>> processor(torch.tensor([[0, 1, 1]]), torch.tensor([[2.0, -2.0, 1.0]])).tolist()
    [[1.0, -4.5, 1.0]]
    """

    def __init__(self, prompt_length: int, repetition_penalty: float = 1.0,
                 frequency_penalty: float = 0.0, presence_penalty: float = 0.0,
                 convention: str = "vllm", last_n: int = 64) -> None:
        if not isinstance(prompt_length, int) or prompt_length < 0:  # a caller's count of its own prompt's ids
            raise TypeError(f"prompt_length must be a count of prompt ids (an int >= 0), got {prompt_length!r}.")
        self.prompt_length = prompt_length
        self.config = PenaltyConfig(repetition_penalty, frequency_penalty, presence_penalty, convention, last_n)

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        config, vocab = self.config, scores.shape[-1]
        repetition_ids, additive_ids = counted_ids(input_ids, self.prompt_length, config)
        # Skipping a neutral penalty is exact (x / 1 == x, x - 0 == x) and saves vocabulary passes.
        if config.repetition_penalty != 1.0:
            seen = token_counts(repetition_ids, vocab) > 0  # (batch, vocab)
            scores = apply_repetition(scores, seen, config.repetition_penalty)
        if config.frequency_penalty or config.presence_penalty:
            counts = token_counts(additive_ids, vocab).to(scores.dtype)  # (batch, vocab)
            if config.frequency_penalty:
                scores = apply_frequency(scores, counts, config.frequency_penalty)
            if config.presence_penalty:
                scores = apply_presence(scores, counts, config.presence_penalty)
        return scores


# ------------------------------------------------------------------ one step, stage by stage
@dataclass(frozen=True)
class PenaltyBreakdown:
    """One decoding step's logits before and after each penalty in turn, and why: (batch, vocab)."""
    before: torch.Tensor
    after_repetition: torch.Tensor
    after_frequency: torch.Tensor
    after_presence: torch.Tensor  # equal to what `PenaltyLogitsProcessor` returns
    repetition_seen: torch.Tensor  # bool: the repetition penalty applies to this token
    additive_counts: torch.Tensor  # c of the frequency/presence penalties
    prompt_counts: torch.Tensor  # occurrences in the prompt (for "why was it penalised")
    output_counts: torch.Tensor  # occurrences in the generated tokens


def penalty_breakdown(input_ids: torch.Tensor, scores: torch.Tensor, prompt_length: int,
                      config: PenaltyConfig) -> PenaltyBreakdown:
    """The same arithmetic as `PenaltyLogitsProcessor`, keeping every stage for the UI.

    >>> step = penalty_breakdown(torch.tensor([[0, 1, 1]]), torch.tensor([[2.0, -2.0, 1.0]]), 1,
    ...                          PenaltyConfig(repetition_penalty=2.0, frequency_penalty=0.5))
    >>> step.after_repetition.tolist(), step.after_frequency.tolist()
    ([[1.0, -4.0, 1.0]], [[1.0, -5.0, 1.0]])
    """
    vocab = scores.shape[-1]
    repetition_ids, additive_ids = counted_ids(input_ids, prompt_length, config)
    seen = token_counts(repetition_ids, vocab) > 0
    counts = token_counts(additive_ids, vocab).to(scores.dtype)
    after_repetition = apply_repetition(scores, seen, config.repetition_penalty)
    after_frequency = apply_frequency(after_repetition, counts, config.frequency_penalty)
    after_presence = apply_presence(after_frequency, counts, config.presence_penalty)
    return PenaltyBreakdown(scores, after_repetition, after_frequency, after_presence, seen, counts,
                            token_counts(input_ids[:, :prompt_length], vocab),
                            token_counts(input_ids[:, prompt_length:], vocab))


def penalty_curves(logits: torch.Tensor, config: PenaltyConfig, count: int = 1) -> dict[str, torch.Tensor]:
    """Logit in -> logit out of each penalty alone for a token counted `count` times (explainer).

    >>> penalty_curves(torch.tensor([-2.0, 2.0]), PenaltyConfig(repetition_penalty=2.0))["repetition"].tolist()
    [-4.0, 1.0]
    """
    counts = torch.full_like(logits, float(count))
    seen = counts > 0
    return {"repetition": apply_repetition(logits, seen, config.repetition_penalty),
            "frequency": apply_frequency(logits, counts, config.frequency_penalty),
            "presence": apply_presence(logits, counts, config.presence_penalty)}


def shift_demo(logits: torch.Tensor, seen: torch.Tensor, shift: float,
               config: PenaltyConfig) -> dict[str, torch.Tensor]:
    """Probabilities of `logits + shift` before and after each penalty alone (seen tokens counted once).

    Softmax ignores a common shift, and so do the additive penalties; the multiplicative one
    does not: shift every logit up and x / r takes more off, shift down and x * r does.
    """
    shifted = logits + shift
    counts = seen.to(logits.dtype)
    return {"none": shifted.softmax(-1),
            "repetition": apply_repetition(shifted, seen, config.repetition_penalty).softmax(-1),
            "frequency": apply_frequency(shifted, counts, config.frequency_penalty).softmax(-1),
            "presence": apply_presence(shifted, counts, config.presence_penalty).softmax(-1)}


EXAMPLE_LOGITS = (3.0, 2.0, 1.0, 0.0, -1.0, -2.0)  # a toy next-token distribution
EXAMPLE_SEEN = (True, False, True, False, True, False)  # which toy tokens occurred once before
SHIFT_RANGE = (-6.0, 6.0)  # enough to move the toy logits (3 .. -2) all above or all below 0


def explainer_data(config: PenaltyConfig, shift: float) -> dict:
    """Curves (logit in -> out, a token seen once) and the toy distribution shifted by `shift`."""
    shift = in_range("penalties_shift", shift, *SHIFT_RANGE)
    logits = torch.linspace(-6.0, 6.0, 121)
    toy = torch.tensor(EXAMPLE_LOGITS)
    return {"logits": logits.tolist(),
            "curves": {name: y.tolist() for name, y in penalty_curves(logits, config).items()},
            "token_names": [f"{chr(65 + i)}{'*' if seen else ''}" for i, seen in enumerate(EXAMPLE_SEEN)],
            "shift_probs": {name: p.tolist() for name, p in
                            shift_demo(toy, torch.tensor(EXAMPLE_SEEN), shift, config).items()}}
