"""Bounded, validated, streaming text generation shared by every LLM tab.

Why bounds: the app is public (Spaces, workshops). A 100,000-character prompt or max tokens 10^9
would tie up the shared CPU for minutes, so every request is checked here, at the engine boundary,
with a message that says what is allowed: an `InputError` (a `ValueError`) whose key the tabs say in the
reader's language (`demos/common.py` COMMON_TEXT, `common_err_*`), naming the field.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from transformers import LogitsProcessorList, TextIteratorStreamer

from playground.core import checks
from playground.core.errors import InputError
from playground.core.models import LoadedLM
from playground.core.sampling import Sampler

MAX_PROMPT_CHARS = 2000
POLICIES = ("reference", "trained")  # who answers in the Generate tab: the model as loaded, or the DPO tab's policy
MAX_NEW_TOKENS = 512
MAX_SEED = 2**32 - 1  # torch takes any int64 and wraps -1 silently; one clear, portable range
TEMPERATURE_RANGE = (0.0, 2.0)  # 0 is greedy decoding
# `generate` always decodes greedily (a sampled request draws in `Sampler`, the last logits processor);
# None silences the model's own sampling defaults in its generation config
GREEDY = {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}


def is_whole_number(value: object) -> bool:
    """True for 3 or 3.0 from a widget or API client; False for None, NaN, inf and 3.5.

    Numbers arrive as floats (JSON has no integers for Gradio's sliders), so every count a user
    sends is checked with this before it is cast with int().
    """
    return value is not None and math.isfinite(float(value)) and float(value) == int(float(value))


@dataclass(frozen=True)
class GenerationParams:
    max_new_tokens: int = 64
    temperature: float = 0.0  # 0 means greedy decoding
    top_p: float = 1.0
    seed: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.max_new_tokens, int) or not 1 <= self.max_new_tokens <= MAX_NEW_TOKENS:
            raise InputError("common_err_max_new_tokens", low=1, high=MAX_NEW_TOKENS, value=repr(self.max_new_tokens))
        low, high = TEMPERATURE_RANGE
        if not math.isfinite(self.temperature) or not low <= self.temperature <= high:
            raise InputError("common_err_temperature", low=low, high=high, value=repr(self.temperature))
        if not math.isfinite(self.top_p) or not 0.0 < self.top_p <= 1.0:
            raise InputError("common_err_top_p", value=repr(self.top_p))
        if not isinstance(self.seed, int) or not 0 <= self.seed <= MAX_SEED:
            raise InputError("common_err_seed", low=0, high=MAX_SEED, value=repr(self.seed))

    def sampler(self, device: torch.device | str) -> Sampler:
        """This request's sampler: greedy at temperature 0, else drawing from its own generator."""
        return Sampler.seeded(self.temperature, self.top_p, self.seed, device)


@dataclass(frozen=True)
class GenerateRequest:
    """The Generate tab's request (`/generate`), each value checked by its control's label key (`generate_*`),
    so a refusal names the field as the page labels it; the decoding settings become `params`."""
    prompt: str
    max_new_tokens: int = 64
    temperature: float = 0.0  # 0 means greedy decoding
    policy: str = "reference"  # or "trained": the policy the DPO tab trained

    def __post_init__(self) -> None:
        checked = {"prompt": checks.text("generate_prompt", self.prompt, MAX_PROMPT_CHARS),
                   "max_new_tokens": checks.whole_number("generate_max_tokens", self.max_new_tokens, 1, MAX_NEW_TOKENS),
                   "temperature": checks.in_range("generate_temperature", self.temperature, *TEMPERATURE_RANGE),
                   "policy": checks.one_of("generate_policy", self.policy, POLICIES)}
        for name, value in checked.items():  # 16.0 from a slider is stored as the count 16
            object.__setattr__(self, name, value)

    @property
    def params(self) -> GenerationParams:
        return GenerationParams(self.max_new_tokens, self.temperature)


def validate_prompt(prompt: str, limit: int = MAX_PROMPT_CHARS) -> str:
    """The stripped prompt, or an `InputError` that says what is wrong and how to fix it."""
    prompt = (prompt or "").strip()
    if not prompt:
        raise InputError("common_err_prompt_empty")
    if len(prompt) > limit:
        raise InputError("common_err_prompt_long", length=len(prompt), limit=limit)
    return prompt


def chat_input_ids(lm: LoadedLM, prompt: str) -> torch.Tensor:
    """Token ids of a one-turn chat (the model's own chat template), shape (1, prompt_length)."""
    prompt = validate_prompt(prompt)
    tokenizer = lm.tokenizer
    if tokenizer.chat_template:
        ids = tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                            add_generation_prompt=True, return_tensors="pt",
                                            return_dict=True)["input_ids"]
    else:
        ids = tokenizer(prompt, return_tensors="pt").input_ids
    return ids.to(lm.device)


def stream_generate(lm: LoadedLM, prompt: str, params: GenerationParams,
                    logits_processor: list | None = None) -> Iterator[str]:
    """Yield the answer so far after each new token.

    A sampled answer depends only on its own seed (see `Sampler`), even while other
    requests sample at the same time; greedy answers (temperature 0) always repeat.
    """
    input_ids = chat_input_ids(lm, prompt)
    streamer = TextIteratorStreamer(lm.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                    timeout=300)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with torch.inference_mode():
                processors = [*(logits_processor or []), params.sampler(input_ids.device)]
                lm.model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                  streamer=streamer, pad_token_id=lm.tokenizer.eos_token_id,
                                  logits_processor=LogitsProcessorList(processors),
                                  max_new_tokens=params.max_new_tokens, **GREEDY)
        except BaseException as error:  # surfaced to the caller below, not lost in the thread
            errors.append(error)
            streamer.end()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    text = ""
    for piece in streamer:
        text += piece
        yield text
    thread.join()
    if errors:
        raise errors[0]


def warm_up(lm: LoadedLM) -> None:
    """Run one tiny generation: torch's first call on a model costs ~1.5 s of one-time set-up,
    which the app's start-up thread pays instead of the first visitor."""
    for _ in stream_generate(lm, "Hi", GenerationParams(max_new_tokens=2)):
        pass


def end_token_ids(model) -> set[int]:
    """The ids that end an answer: the generation config's end-of-sequence id(s), else the config's."""
    eos = model.generation_config.eos_token_id
    eos = model.config.eos_token_id if eos is None else eos
    return set(eos if isinstance(eos, list) else [] if eos is None else [eos])
