"""The same requests served twice by the offline SmolLM2-135M on this CPU: a static padded batch
through `generate`, and transformers' continuous batching with a paged KV cache (`generate_batch`'s
manager, `ContinuousBatchingConfig(page_size=16, num_blocks=...)`).

The static batch reserves `batch x (longest prompt + most new tokens)` KV slots and returns when
its longest request ends; the paged run frees a request's blocks as soon as it ends. Greedy
decoding, so both must produce the same tokens. `num_blocks` is explicit because on CPU
transformers would size the pool from the machine's RAM.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import torch
from transformers import ContinuousBatchingConfig, GenerationConfig

from playground.core.checks import whole_number
from playground.core.generation import end_token_ids, validate_prompt
from playground.core.models import LoadedLM
from playground.paged_attention import memory
from playground.paged_attention.usage import PoolUsage, pool_usage

PAGE_SIZE = 16
MAX_REQUESTS = 16
MAX_NEW_TOKENS = 128  # per request: keeps one run under a minute on one CPU thread


@dataclass(frozen=True)
class LiveRequest:
    prompt: str
    max_new_tokens: int

    def __post_init__(self) -> None:
        validate_prompt(self.prompt)
        object.__setattr__(self, "max_new_tokens", whole_number("paged_attention_max_new_tokens", self.max_new_tokens,
                                                                1, MAX_NEW_TOKENS))


DEFAULT_REQUESTS = tuple(LiveRequest(p, n) for p, n in (
    ("Say hello.", 4), ("Write a short story about a dragon who learns to cook.", 96), ("What is 2 + 2?", 8),
    ("Explain how plants make food from sunlight.", 64), ("Name a colour.", 6), ("List ten fruits.", 40),
    ("Describe Paris in a few sentences.", 24), ("Give me a tip for learning Japanese.", 16)))
SYSTEM_PROMPT = ("You are a patient assistant for a cooking school. Answer in plain English, keep answers short, "
                 "name the ingredients first, give quantities in grams and millilitres, mention allergens such as "
                 "nuts, gluten, milk and eggs, suggest a vegetarian alternative when meat is used, and never "
                 "recommend raw eggs for children or pregnant people. ") * 3


@dataclass(frozen=True)
class LiveRun:
    mode: str  # "static" or "paged"
    prompt_lengths: list[int]
    output_tokens: list[list[int]]  # generated ids per request, up to and including an end token
    starts: list[float]  # seconds after the run began, per request
    ends: list[float]
    seconds: float  # wall clock
    cpu_seconds: float  # process CPU time, all threads
    kv_slots: int  # static: reserved for the padded batch; paged: blocks in use at the peak x page size
    kv_bytes_per_slot: int
    pool_blocks: int = 0  # paged: the blocks of the pool it ran in (0: static, no pool)

    @property
    def generated(self) -> int:
        return sum(len(tokens) for tokens in self.output_tokens)

    @property
    def tokens_per_second(self) -> float:
        return self.generated / self.seconds

    @property
    def peak_kv_bytes(self) -> int:
        return self.kv_slots * self.kv_bytes_per_slot

    @property
    def mean_completion(self) -> float:
        return sum(self.ends) / len(self.ends)

    def peak_usage(self) -> PoolUsage | None:
        """Paged: the pool when every request holds its final length (the peak here, as all fit at once)."""
        if not self.pool_blocks:
            return None
        return pool_usage([p + len(t) for p, t in zip(self.prompt_lengths, self.output_tokens)], PAGE_SIZE,
                          self.pool_blocks)


def _check_requests(requests: tuple[LiveRequest, ...] | list[LiveRequest]) -> list[LiveRequest]:
    whole_number("paged_attention_live_requests", len(requests), 1, MAX_REQUESTS)
    return list(requests)


def prompt_ids(lm: LoadedLM, request: LiveRequest, system: str | None = None) -> list[int]:
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": request.prompt}]
    return list(lm.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                 return_dict=False))


def _bytes_per_slot(lm: LoadedLM) -> int:
    config = lm.model.config
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    return memory.kv_bytes_per_token(config.num_hidden_layers, config.num_key_value_heads, head_dim,
                                     lm.model.dtype.itemsize)


def _until_end(tokens: list[int], ends: set[int], limit: int) -> list[int]:
    """Generated ids cut at the request's own limit and after its first end token."""
    tokens = tokens[:limit]
    cut = next((i + 1 for i, token in enumerate(tokens) if token in ends), len(tokens))
    return tokens[:cut]


def _greedy(lm: LoadedLM, max_new_tokens: int) -> GenerationConfig:
    tokenizer = lm.tokenizer
    return GenerationConfig(do_sample=False, max_new_tokens=max_new_tokens, eos_token_id=tokenizer.eos_token_id,
                            pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None
                            else tokenizer.eos_token_id)


def run_static(lm: LoadedLM, requests=DEFAULT_REQUESTS, system: str | None = None) -> LiveRun:
    """One left-padded batch through `generate` until its longest request ends."""
    requests = _check_requests(requests)
    inputs = [prompt_ids(lm, r, system) for r in requests]
    longest = max(r.max_new_tokens for r in requests)
    tokenizer, ends = lm.tokenizer, end_token_ids(lm.model)
    padding_side, tokenizer.padding_side = tokenizer.padding_side, "left"
    try:
        batch = tokenizer.pad({"input_ids": inputs}, return_tensors="pt")
    finally:
        tokenizer.padding_side = padding_side
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    with torch.inference_mode():
        output = lm.model.generate(**batch, generation_config=_greedy(lm, longest))
    seconds, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    width = batch["input_ids"].shape[1]
    tokens = [_until_end(row[width:].tolist(), ends, r.max_new_tokens) for row, r in zip(output, requests)]
    return LiveRun("static", [len(i) for i in inputs], tokens, [0.0] * len(requests), [seconds] * len(requests),
                   seconds, cpu, len(requests) * (width + longest), _bytes_per_slot(lm))


def pool_blocks(prompt_lengths: list[int], max_new_tokens: list[int]) -> int:
    """The paged pool: every request's blocks at its longest, and one block more each (room to spare).

    >>> pool_blocks([17, 33], [2, 100])  # 2 + 9 blocks, + 2
    13
    """
    return sum(-(-(p + n) // PAGE_SIZE) + 1 for p, n in zip(prompt_lengths, max_new_tokens))


def run_paged(lm: LoadedLM, requests=DEFAULT_REQUESTS, system: str | None = None,
              block_sharing: bool = True) -> LiveRun:
    """The same requests through continuous batching over 16-token pages, each with its own length."""
    requests = _check_requests(requests)
    inputs = [prompt_ids(lm, r, system) for r in requests]
    pool = pool_blocks([len(i) for i in inputs], [r.max_new_tokens for r in requests])
    config = ContinuousBatchingConfig(page_size=PAGE_SIZE, num_blocks=pool,
                                      max_batch_tokens=256, allow_block_sharing=block_sharing)
    ends, results = end_token_ids(lm.model), {}
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    with lm.model.continuous_batching_context_manager(
            generation_config=_greedy(lm, max(r.max_new_tokens for r in requests)),
            continuous_batching_config=config, block=True, timeout=10, warmup=False) as manager:
        for index, (ids, request) in enumerate(zip(inputs, requests)):
            manager.add_request(ids, request_id=f"r{index}", max_new_tokens=request.max_new_tokens)
        while len(results) < len(requests):
            result = manager.get_result(timeout=1)
            if result is not None and result.is_finished():
                if result.error:
                    raise RuntimeError(f"continuous batching failed on {result.request_id}: {result.error}")
                results[result.request_id] = result
            elif result is None and not manager.is_running():
                raise RuntimeError("the continuous batching thread stopped before all requests finished")
    seconds, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    ordered = [results[f"r{i}"] for i in range(len(requests))]
    tokens = [_until_end(list(r.generated_tokens), ends, q.max_new_tokens) for r, q in zip(ordered, requests)]
    # every request fits at once here, so the peak is the sum of each request's blocks
    used = sum(-(-(len(i) + len(t)) // PAGE_SIZE) for i, t in zip(inputs, tokens)) * PAGE_SIZE
    return LiveRun("paged", [len(i) for i in inputs], tokens,
                   [max(0.0, r.lifespan[0] - start_wall) for r in ordered],
                   [r.lifespan[1] - start_wall for r in ordered], seconds, cpu, used, _bytes_per_slot(lm), pool)


def decode(lm: LoadedLM, run: LiveRun) -> list[str]:
    return [lm.tokenizer.decode(tokens, skip_special_tokens=True) for tokens in run.output_tokens]


@dataclass(frozen=True)
class LiveComparison:
    static: LiveRun
    paged: LiveRun
    texts: list[str]  # the paged run's answers
    identical: bool  # greedy: both runs produced the same tokens
    prefix_on: LiveRun | None = None  # long shared system prompt, block sharing on / off
    prefix_off: LiveRun | None = None


STAGES = ("static", "paged", "prefix_on", "prefix_off")  # the runs of one comparison, in order


def compare_stages(lm: LoadedLM, requests=DEFAULT_REQUESTS, prefix_caching: bool = False
                   ) -> Iterator[tuple[str, LiveComparison | None]]:
    """(stage, None) before each run, then ("done", comparison): a caller can report progress and
    stop between runs. With `prefix_caching`, the paged run is repeated on short answers behind a
    long shared system prompt, block sharing on and off."""
    yield "static", None
    static = run_static(lm, requests)
    yield "paged", None
    paged = run_paged(lm, requests)
    prefix_on = prefix_off = None
    if prefix_caching:
        short = [LiveRequest(r.prompt, min(r.max_new_tokens, 8)) for r in requests]
        yield "prefix_on", None
        prefix_on = run_paged(lm, short, SYSTEM_PROMPT, block_sharing=True)
        yield "prefix_off", None
        prefix_off = run_paged(lm, short, SYSTEM_PROMPT, block_sharing=False)
    yield "done", LiveComparison(static, paged, decode(lm, paged), static.output_tokens == paged.output_tokens,
                                 prefix_on, prefix_off)


def compare(lm: LoadedLM, requests=DEFAULT_REQUESTS, prefix_caching: bool = False) -> LiveComparison:
    """Static vs paged on the same requests (all stages of `compare_stages` at once)."""
    *_, (_, comparison) = compare_stages(lm, requests, prefix_caching)
    return comparison
