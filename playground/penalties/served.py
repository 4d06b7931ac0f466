"""The same prompt and penalties through a serving engine's own implementation, for the engine column.

Why: our penalties are exact to a stated convention; a real engine is the reference a workshop
will deploy. Each engine takes the penalties under its own names (`engine.PENALTY_NAMES`): vLLM
`repetition_penalty`, `frequency_penalty`, `presence_penalty`; llama.cpp `repeat_penalty`,
`repeat_last_n`, `frequency_penalty`, `presence_penalty`. Every name is always sent, neutral values
included, because servers have their own defaults (llama-cpp-python's server applies
`repeat_penalty` 1.1 unless told otherwise). Which tokens an engine counts is its own business:
llama-cpp-python's server counts only the generated tokens, over a window fixed when it starts
(`--last_n_tokens_size`, 64), and ignores a per-request `repeat_last_n`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from playground.core.engine import PENALTY_NAMES, Engine
from playground.core.generation import GenerationParams
from playground.penalties.processors import PenaltyConfig

TOP_LOGPROBS = 5  # OpenAI allows up to 20; five bars read at a glance


def engine_penalties(config: PenaltyConfig, kind: str) -> dict[str, float]:
    """`config`'s penalties under the names the engine of `kind` takes (its own counting applies).

    >>> engine_penalties(PenaltyConfig(repetition_penalty=1.3), "vllm")
    {'repetition_penalty': 1.3, 'frequency_penalty': 0.0, 'presence_penalty': 0.0}
    >>> engine_penalties(PenaltyConfig(1.3, 0.5, 0.0, "llama.cpp", 32), "llama.cpp")["repeat_last_n"]
    32
    """
    values = {"repetition_penalty": config.repetition_penalty, "repeat_penalty": config.repetition_penalty,
              "repeat_last_n": config.last_n, "frequency_penalty": config.frequency_penalty,
              "presence_penalty": config.presence_penalty}
    return {name: values[name] for name in PENALTY_NAMES[kind]}


@dataclass(frozen=True)
class EngineRun:
    """The engine's answer to the penalised request, and its next-token distribution at every step."""
    url: str
    model: str
    kind: str  # "vllm" or "llama.cpp": which penalty names were sent
    penalties: dict[str, float]  # exactly what was sent
    text: str
    tokens: list[str]  # the generated tokens, as the engine spells them
    top_logprobs: list[dict[str, float]]  # per step: token -> log-probability (top TOP_LOGPROBS)

    def step(self, index: int) -> tuple[dict[str, float], str | None]:
        """Step `index`'s top tokens as probabilities (clamped to the last step), and the token chosen."""
        if not self.top_logprobs:
            return {}, None
        index = max(0, min(index, len(self.top_logprobs) - 1))
        return ({token: math.exp(logprob) for token, logprob in self.top_logprobs[index].items()},
                self.tokens[index] if index < len(self.tokens) else None)


def engine_run(engine: Engine, prompt: str, config: PenaltyConfig, params: GenerationParams) -> EngineRun:
    """One penalised request with top log-probabilities: the engine column's data."""
    kind, model = engine.kind(), engine.model_id()
    penalties = engine_penalties(config, kind)
    answer = engine.chat([{"role": "user", "content": prompt}], model=model, max_tokens=params.max_new_tokens,
                         temperature=params.temperature, top_p=params.top_p, seed=params.seed,
                         penalties=penalties, top_logprobs=TOP_LOGPROBS)
    return EngineRun(engine.root, model, kind, penalties, answer.text, answer.tokens, answer.top_logprobs)
