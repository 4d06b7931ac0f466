"""What the tab's two actions take, each as one frozen config checked when made: a side-by-side run and a sweep.

Why here, not in the tab: the same request from the page, the API or a test is refused the same way, each
value by the label key of the control that sends it (`penalties_*`), so the message names the field as the
page labels it, in the reader's language. The page's sliders read their ranges from here and `processors`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from playground.core.checks import in_range, one_of, text, whole_number
from playground.core.generation import MAX_NEW_TOKENS, MAX_PROMPT_CHARS, MAX_SEED, TEMPERATURE_RANGE, GenerationParams
from playground.penalties.processors import PenaltyConfig

POEM = "Write a short poem about the ocean."
TOP_P_RANGE = (0.05, 1.0)  # the nucleus keeps at least the top 5 % of the probability
# the sweep: each penalty's range shows both rewarding (r < 1, f or p < 0) and punishing repeats
SWEEP_RANGES = {"repetition_penalty": (0.8, 2.0), "frequency_penalty": (-1.0, 2.0),
                "presence_penalty": (-1.0, 2.0)}
SWEEP_POINTS = (3, 9)


@dataclass(frozen=True)
class Decoding:
    """The prompt and the decoding controls both actions share (greedy at temperature 0)."""
    prompt: str = POEM
    temperature: float = 0.0
    top_p: float = 1.0
    seed: int = 0
    max_new_tokens: int = 64

    def __post_init__(self) -> None:
        self._store(prompt=text("penalties_prompt", self.prompt, MAX_PROMPT_CHARS),
                    temperature=in_range("penalties_temperature", self.temperature, *TEMPERATURE_RANGE),
                    top_p=in_range("penalties_top_p", self.top_p, *TOP_P_RANGE),
                    seed=whole_number("penalties_seed", self.seed, 0, MAX_SEED),
                    max_new_tokens=whole_number("penalties_max_tokens", self.max_new_tokens, 1, MAX_NEW_TOKENS))

    def _store(self, **checked: object) -> None:
        """Keep the checked values (64.0 from a slider is stored as the count 64) in the frozen config."""
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def params(self) -> GenerationParams:
        return GenerationParams(self.max_new_tokens, self.temperature, self.top_p, self.seed)


@dataclass(frozen=True)
class PairRequest(Decoding):
    """One side-by-side run: the prompt without and with `penalties`, same seed."""
    penalties: PenaltyConfig = field(default_factory=lambda: PenaltyConfig(repetition_penalty=1.3))


@dataclass(frozen=True)
class SweepRequest(Decoding):
    """One penalty over its range (`SWEEP_RANGES`) at `points` evenly spaced values, the other two off."""
    penalty: str = "repetition_penalty"
    points: int = 5
    convention: str = "vllm"
    last_n: int = 64

    def __post_init__(self) -> None:
        super().__post_init__()
        base = PenaltyConfig(convention=self.convention, last_n=self.last_n)  # checks both
        self._store(penalty=one_of("penalties_sweep_which", self.penalty, tuple(SWEEP_RANGES)),
                    points=whole_number("penalties_sweep_points", self.points, *SWEEP_POINTS), last_n=base.last_n)

    def values(self) -> list[float]:
        """Evenly spaced values of the swept penalty.

        >>> SweepRequest(penalty="repetition_penalty", points=3).values()
        [0.8, 1.4, 2.0]
        """
        start, stop = SWEEP_RANGES[self.penalty]
        return [round(start + (stop - start) * i / (self.points - 1), 4) for i in range(self.points)]

    def configs(self) -> list[PenaltyConfig]:
        """The penalties of each point of the sweep, under this request's convention."""
        return [PenaltyConfig(**{"convention": self.convention, "last_n": self.last_n, self.penalty: value})
                for value in self.values()]
