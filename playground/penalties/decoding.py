"""A visible decoding loop that records, at every step, the logits before and after the penalties.

Why our own loop: transformers' `generate` hides the per-step logits and samples from torch's
global generator. This loop is the textbook one (a KV cache, penalties, then argmax or temperature,
top-p and a seeded draw from `playground.core.sampling`), so a step scrubber can show exactly what the
penalties did; at greedy it emits the same tokens as `model.generate` with `PenaltyLogitsProcessor`
(checked in the tests).
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from playground.core.generation import GenerationParams, chat_input_ids, end_token_ids
from playground.core.models import LoadedLM
from playground.core.text_metrics import text_metrics
from playground.penalties.processors import PenaltyConfig, penalty_breakdown
from playground.penalties.requests import SweepRequest

STAGES = ("before", "after_repetition", "after_frequency", "after_presence")


@dataclass(frozen=True)
class StepTrace:
    """One step's shown tokens (top-k before and after, plus end-of-sequence), as plain lists."""
    step: int
    chosen_id: int
    token_ids: list[int]
    labels: list[str]  # readable token text ("␣" for a space, "⏎" for a newline)
    logits: dict[str, list[float]]  # stage name -> logit of each shown token
    prob_before: list[float]  # after temperature/top-p, without penalties
    prob_after: list[float]  # after temperature/top-p, with penalties (what was sampled from)
    prompt_counts: list[int]
    output_counts: list[int]
    special: list[bool]  # special tokens (end of turn ...) are penalised like any other


@dataclass
class TracedRun:
    """A generated answer, its tokens and (when traced) every step's breakdown."""
    prompt_length: int
    new_ids: list[int] = field(default_factory=list)
    text: str = ""
    eos_reached: bool = False
    steps: list[StepTrace] = field(default_factory=list)


def token_label(tokenizer, token_id: int) -> str:
    """A token as the reader should see it: visible spaces and newlines."""
    piece = tokenizer.decode([token_id])
    return piece.replace(" ", "␣").replace("\n", "⏎") or repr(piece)


def end_ids(lm: LoadedLM) -> set[int]:
    """The model's end ids and the tokenizer's: the chat turn ends at either."""
    return end_token_ids(lm.model) | ({lm.tokenizer.eos_token_id} - {None})


def _trace_step(lm: LoadedLM, step: int, chosen: int, breakdown, before_probs: torch.Tensor,
                after_probs: torch.Tensor, eos: set[int], top_k: int) -> StepTrace:
    """Keep only the tokens worth drawing: top-k before, top-k after, the end tokens and the one drawn
    (a sampled token can lie outside both top-k lists, and the step chart marks it)."""
    shown = torch.cat([before_probs[0].topk(top_k).indices, after_probs[0].topk(top_k).indices,
                       torch.tensor([*sorted(eos), chosen], device=before_probs.device)])
    shown = list(dict.fromkeys(shown.tolist()))
    shown.sort(key=lambda i: -after_probs[0, i].item())
    index = torch.tensor(shown, device=before_probs.device)
    special = set(lm.tokenizer.all_special_ids)
    return StepTrace(
        step=step, chosen_id=chosen, token_ids=shown,
        labels=[token_label(lm.tokenizer, i) for i in shown],
        logits={name: getattr(breakdown, name)[0, index].tolist() for name in STAGES},
        prob_before=before_probs[0, index].tolist(), prob_after=after_probs[0, index].tolist(),
        prompt_counts=breakdown.prompt_counts[0, index].int().tolist(),
        output_counts=breakdown.output_counts[0, index].int().tolist(),
        special=[i in special for i in shown])


@torch.inference_mode()  # a decorator, never a `with` across a yield: see speculative.decode
def traced_generate(lm: LoadedLM, prompt: str, config: PenaltyConfig, params: GenerationParams,
                    trace: bool = True, top_k: int = 10) -> Iterator[TracedRun]:
    """Yield the run after every new token; with `trace`, each step's breakdown is kept.

    Sampling uses its own `torch.Generator` seeded with `params.seed` (`params.sampler`), so two
    runs with the same seed (with and without penalties) share their random numbers and
    overlapping requests cannot disturb each other.
    """
    input_ids = chat_input_ids(lm, prompt)  # (1, prompt_length)
    prompt_length = input_ids.shape[1]
    sampler, eos = params.sampler(input_ids.device), end_ids(lm)
    run, ids, next_input, cache = TracedRun(prompt_length), input_ids, input_ids, None
    for step in range(params.max_new_tokens):
        # 1. one forward pass over the newest token(s), reusing the KV cache
        out = lm.model(input_ids=next_input, past_key_values=cache, use_cache=True)
        cache, raw = out.past_key_values, out.logits[:, -1, :].float()  # (1, vocab)
        # 2. penalties, stage by stage
        breakdown = penalty_breakdown(ids, raw, prompt_length, config)
        # 3. greedy argmax, or temperature and top-p then a draw from this request's generator
        chosen = int(sampler.pick(breakdown.after_presence)[0])
        if trace:
            run.steps.append(_trace_step(lm, step, chosen, breakdown, sampler.distribution(raw),
                                         sampler.distribution(breakdown.after_presence), eos, top_k))
        # 4. append the token; stop at the end of the turn
        next_input = torch.tensor([[chosen]], device=ids.device)
        ids = torch.cat([ids, next_input], dim=1)
        run.new_ids.append(chosen)
        run.eos_reached = chosen in eos
        run.text = lm.tokenizer.decode(run.new_ids, skip_special_tokens=True)
        yield run
        if run.eos_reached:
            return


def side_by_side(lm: LoadedLM, prompt: str, config: PenaltyConfig,
                 params: GenerationParams) -> Iterator[tuple[TracedRun | None, TracedRun | None]]:
    """The same prompt and seed without and with penalties, advanced one token at a time together."""
    streams = {0: traced_generate(lm, prompt, config.neutral(), params, trace=False),
               1: traced_generate(lm, prompt, config, params)}
    latest: list[TracedRun | None] = [None, None]
    while streams:
        for i in list(streams):
            run = next(streams[i], None)
            if run is None:  # this side has finished (end of turn or max new tokens)
                del streams[i]
            else:
                latest[i] = run
        if streams:
            yield latest[0], latest[1]
    yield latest[0], latest[1]


def first_changed_step(run: TracedRun) -> int:
    """The first step whose most likely token changed because of the penalties (else 0)."""
    def top(probs: list[float]) -> int:
        return max(range(len(probs)), key=probs.__getitem__)

    for trace in run.steps:
        if trace.token_ids[top(trace.prob_before)] != trace.token_ids[top(trace.prob_after)]:
            return trace.step
    return 0


# ------------------------------------------------------------------ one penalty over its range
@dataclass(frozen=True)
class SweepPoint:
    value: float
    distinct_2: float
    repeated_ngram_rate: float
    tokens: int


def sweep_penalty(lm: LoadedLM, request: SweepRequest) -> Iterator[SweepPoint]:
    """Generate once per value of the swept penalty (the other two switched off) and measure the text."""
    for value, config in zip(request.values(), request.configs()):
        for run in traced_generate(lm, request.prompt, config, request.params, trace=False):
            pass
        metrics = text_metrics(run.text, len(run.new_ids), run.eos_reached)
        yield SweepPoint(value, metrics.distinct_2, metrics.repeated_ngram_rate, metrics.tokens)
