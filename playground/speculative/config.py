"""One speculative comparison's inputs, checked once: the prompt, the draft and the decoding settings.

Why one frozen config: the tab, the presets, the benches and the tests all describe a run the same
way, and every value is checked here, by the field's label key (`speculative_*`), so a refusal names
the field as the page labels it, in the reader's language. The decoding loop reads only the decoding
fields; the prompt, draft kind and early-exit layers say how the tab builds its input and its draft.
"""
from __future__ import annotations

from dataclasses import dataclass

from playground.core.checks import flag, in_range, one_of, text, whole_number
from playground.core.generation import MAX_NEW_TOKENS, MAX_PROMPT_CHARS, MAX_SEED

MAX_DRAFT_TOKENS = 16
DRAFT_KINDS = ("prompt_lookup", "early_exit", "draft_model")
EARLY_EXIT_LAYERS = (1, 29)  # a draft of 1 to 29 layers: SmolLM2-135M has 30 (each model is checked by its own)
TEMPERATURE_RANGE = (0.05, 2.0)  # sampling needs a temperature above 0; greedy is "sampling off"
STORY = "Write a short story about a robot who learns to paint."


@dataclass(frozen=True)
class SpeculativeConfig:
    prompt: str = STORY
    draft_kind: str = "prompt_lookup"  # one of DRAFT_KINDS
    num_draft_tokens: int = 4  # gamma (the first round's, when adaptive)
    adaptive_draft: bool = False  # +2 after a fully kept round, -1 after a miss (`decoding.next_draft_length`)
    early_exit_layers: int = 8  # the early-exit draft's layers k (draft kind "early_exit" only)
    max_new_tokens: int = 128
    do_sample: bool = False  # off: greedy, token-identical to plain decoding
    temperature: float = 0.7  # used only when sampling
    seed: int = 0

    def __post_init__(self) -> None:
        checked = {
            "prompt": text("speculative_prompt", self.prompt, MAX_PROMPT_CHARS),
            "draft_kind": one_of("speculative_kind", self.draft_kind, DRAFT_KINDS),
            "num_draft_tokens": whole_number("speculative_gamma", self.num_draft_tokens, 1, MAX_DRAFT_TOKENS),
            "adaptive_draft": flag("speculative_adaptive", self.adaptive_draft),
            "early_exit_layers": whole_number("speculative_layers", self.early_exit_layers, *EARLY_EXIT_LAYERS),
            "max_new_tokens": whole_number("speculative_max_tokens", self.max_new_tokens, 1, MAX_NEW_TOKENS),
            "do_sample": flag("speculative_sample", self.do_sample),
            "temperature": in_range("speculative_temperature", self.temperature, *TEMPERATURE_RANGE),
            "seed": whole_number("speculative_seed", self.seed, 0, MAX_SEED),
        }
        for name, value in checked.items():  # 10.0 from a slider is stored as the count 10
            object.__setattr__(self, name, value)
