"""Penalties engine: exact against transformers, hand arithmetic and a loop-based reference."""
from __future__ import annotations

import math

import pytest
import torch
from transformers import RepetitionPenaltyLogitsProcessor

from demos.common import COMMON_TEXT
from demos.penalties import TEXT
from playground.core.errors import InputError
from playground.core.generation import GenerationParams, chat_input_ids
from playground.penalties.decoding import traced_generate
from playground.penalties.processors import (
    PenaltyConfig,
    PenaltyLogitsProcessor,
    penalty_breakdown,
    penalty_curves,
    shift_demo,
)
from playground.penalties.requests import PairRequest, SweepRequest


def said(error: ValueError) -> str:
    """The English message the tab shows for an engine error (the field by its English label); its key exists
    in both languages."""
    assert isinstance(error, InputError), error
    table = TEXT if error.key in TEXT["en"] else COMMON_TEXT
    assert error.key in table["ja"], error
    values = {**error.values, **({"field": TEXT["en"][error.values["field"]]} if "field" in error.values else {})}
    return table["en"][error.key].format(**values)


def reference_penalties(input_ids: list[list[int]], scores: list[list[float]], prompt_length: int,
                        r: float, f: float, p: float, convention: str, last_n: int) -> list[list[float]]:
    """Straight from the definitions, one token at a time (slow on purpose: no shared code)."""
    out = []
    for ids, row in zip(input_ids, scores):
        if convention == "llama.cpp":
            rep_ids, add_ids = ids[-last_n:], ids[-last_n:]
        elif convention == "hf":
            rep_ids, add_ids = ids, []
        else:
            rep_ids, add_ids = ids, ids[prompt_length:]
        new = []
        for token, x in enumerate(row):
            if token in rep_ids:
                x = x / r if x > 0 else x * r
            c = add_ids.count(token)
            x = x - f * c
            x = x - p * (1 if c > 0 else 0)
            new.append(x)
        out.append(new)
    return out


# ------------------------------------------------------------------ exactness
def test_hf_convention_is_bit_exact_with_transformers():
    generator = torch.Generator().manual_seed(0)
    for trial in range(20):
        batch, length, vocab = 3, int(torch.randint(1, 30, (1,), generator=generator)), 50
        input_ids = torch.randint(0, vocab, (batch, length), generator=generator)
        scores = torch.randn(batch, vocab, generator=generator) * 5
        scores[0, :5] = 0.0  # the kink itself
        penalty = float(torch.empty(1).uniform_(0.1, 3.0, generator=generator))
        expected = RepetitionPenaltyLogitsProcessor(penalty)(input_ids, scores.clone())
        ours = PenaltyLogitsProcessor(length // 2, repetition_penalty=penalty, convention="hf")
        assert torch.equal(ours(input_ids, scores), expected), f"trial {trial}"


@pytest.mark.parametrize("convention", ["vllm", "llama.cpp", "hf"])
def test_matches_a_loop_reference_written_from_the_definitions(convention):
    generator = torch.Generator().manual_seed(1)
    for _trial in range(10):
        length, vocab, prompt_length = 25, 12, 9
        input_ids = torch.randint(0, vocab, (2, length), generator=generator)
        scores = torch.randn(2, vocab, generator=generator) * 4
        r = float(torch.empty(1).uniform_(0.5, 2.5, generator=generator))
        f, p = (0.0, 0.0) if convention == "hf" else (0.7, -0.4)
        processor = PenaltyLogitsProcessor(prompt_length, r, f, p, convention, last_n=7)
        expected = reference_penalties(input_ids.tolist(), scores.tolist(), prompt_length,
                                       r, f, p, convention, 7)
        torch.testing.assert_close(processor(input_ids, scores), torch.tensor(expected))


def test_hand_computed_vllm_case():
    # prompt [0, 1], output [1, 2, 2]; r = 2 over all, f = 0.5 and p = 1 over the output only
    input_ids = torch.tensor([[0, 1, 1, 2, 2]])
    scores = torch.tensor([[4.0, -1.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    out = PenaltyLogitsProcessor(2, 2.0, 0.5, 1.0)(input_ids, scores)
    # token 0: prompt only -> 4 / 2 = 2; token 1: -1 * 2 - 0.5 * 1 - 1 = -3.5;
    # token 2: 3 / 2 - 0.5 * 2 - 1 = -0.5; token 3 untouched
    assert out[0, :4].tolist() == [2.0, -3.5, -0.5, 1.0]


def test_hand_computed_llama_cpp_window():
    # last_n = 2 counts only [2, 2]: token 0 and 1 escape even though they are in the prompt
    input_ids = torch.tensor([[0, 1, 2, 2]])
    scores = torch.tensor([[4.0, -1.0, 3.0, -2.0]])
    out = PenaltyLogitsProcessor(2, 1.5, 0.5, 0.25, "llama.cpp", last_n=2)(input_ids, scores)
    assert out.tolist() == [[4.0, -1.0, 3.0 / 1.5 - 1.0 - 0.25, -2.0]]


def test_repetition_is_applied_once_whatever_the_count():
    scores = torch.tensor([[2.0, 2.0]])
    once = PenaltyLogitsProcessor(0, 2.0)(torch.tensor([[0]]), scores)
    thrice = PenaltyLogitsProcessor(0, 2.0)(torch.tensor([[0, 0, 0]]), scores)
    assert once.tolist() == thrice.tolist() == [[1.0, 2.0]]


def test_neutral_penalties_change_nothing_and_input_is_not_mutated():
    scores = torch.randn(2, 20)
    copy = scores.clone()
    ids = torch.randint(0, 20, (2, 8))
    assert torch.equal(PenaltyLogitsProcessor(3)(ids, scores), copy)
    PenaltyLogitsProcessor(3, 1.7, 0.5, 0.5)(ids, scores)
    assert torch.equal(scores, copy), "processor should not change logits in place"


def test_breakdown_ends_where_the_processor_ends():
    ids, scores = torch.randint(0, 30, (2, 15)), torch.randn(2, 30) * 3
    config = PenaltyConfig(1.4, 0.6, 0.3, "vllm")
    step = penalty_breakdown(ids, scores, 6, config)
    assert torch.equal(step.after_presence, PenaltyLogitsProcessor(6, 1.4, 0.6, 0.3)(ids, scores))
    assert torch.equal(step.prompt_counts + step.output_counts,
                       torch.zeros(2, 30).scatter_add_(1, ids, torch.ones(2, 15)))


def test_additive_penalties_ignore_a_logit_shift_but_repetition_does_not():
    logits, seen = torch.tensor([3.0, 1.0, -1.0]), torch.tensor([True, False, True])
    config = PenaltyConfig(1.5, 0.8, 0.8)
    low, high = shift_demo(logits, seen, -4.0, config), shift_demo(logits, seen, 4.0, config)
    for name in ("none", "frequency", "presence"):
        torch.testing.assert_close(low[name], high[name])
    assert not torch.allclose(low["repetition"], high["repetition"], atol=1e-3)
    curve = penalty_curves(torch.tensor([-2.0, 0.0, 2.0]), config, count=2)
    assert curve["repetition"].tolist() == pytest.approx([-3.0, 0.0, 2.0 / 1.5])
    assert curve["frequency"].tolist() == pytest.approx([-3.6, -1.6, 0.4])


@pytest.mark.parametrize("kwargs, key, field, words", [
    ({"repetition_penalty": 0.0}, "common_err_range", "penalties_repetition_label", "between 0.1 and 3"),
    ({"repetition_penalty": math.nan}, "common_err_range", "penalties_repetition_label", "got NaN"),
    ({"repetition_penalty": None}, "common_err_range", "penalties_repetition_label", "got null"),
    ({"frequency_penalty": 2.5}, "common_err_range", "penalties_frequency_label", "between -2 and 2"),
    ({"presence_penalty": -3.0}, "common_err_range", "penalties_presence_label", "(got -3)"),
    ({"convention": "openai"}, "common_err_choice", "penalties_convention", '"vllm", "hf", "llama.cpp"'),
    ({"convention": "hf", "presence_penalty": 0.5}, "penalties_err_hf_additive", "penalties_convention",
     "no frequency or presence"),
    ({"convention": "llama.cpp", "last_n": 0}, "common_err_whole", "penalties_last_n", "from 1 to 4096"),
    ({"last_n": 3.5}, "common_err_whole", "penalties_last_n", "(got 3.5)"),  # refused, not truncated to 3
])
def test_out_of_range_values_are_refused_naming_the_field(kwargs, key, field, words):
    with pytest.raises(InputError) as error:
        PenaltyLogitsProcessor(0, **kwargs)
    assert (error.value.key, error.value.values["field"]) == (key, field)
    assert words in said(error.value) and TEXT["en"][field] in said(error.value)


@pytest.mark.parametrize("make, key, field", [
    (lambda: PairRequest(prompt=""), "common_err_empty", "penalties_prompt"),
    (lambda: PairRequest(temperature=2.5), "common_err_range", "penalties_temperature"),
    (lambda: PairRequest(top_p=0.0), "common_err_range", "penalties_top_p"),
    (lambda: PairRequest(seed=1.5), "common_err_whole", "penalties_seed"),
    (lambda: PairRequest(max_new_tokens=513), "common_err_whole", "penalties_max_tokens"),
    (lambda: SweepRequest(points=50), "common_err_whole", "penalties_sweep_points"),
    (lambda: SweepRequest(points=4.5), "common_err_whole", "penalties_sweep_points"),
    (lambda: SweepRequest(penalty="temperature"), "common_err_choice", "penalties_sweep_which"),
    (lambda: SweepRequest(convention=None), "common_err_choice", "penalties_convention"),
    (lambda: SweepRequest(last_n=0), "common_err_whole", "penalties_last_n"),
])
def test_the_tabs_requests_refuse_each_bad_value_naming_its_field(make, key, field):
    with pytest.raises(InputError) as error:
        make()
    assert (error.value.key, error.value.values["field"]) == (key, field)


def test_sweep_values_cover_the_range_and_whole_numbers_are_stored_as_counts():
    assert SweepRequest(penalty="presence_penalty", points=4).values() == [-1.0, 0.0, 1.0, 2.0]
    request = SweepRequest(points=3.0, last_n=32.0, max_new_tokens=8.0)
    assert [type(value) for value in (request.points, request.last_n, request.max_new_tokens)] == [int] * 3
    assert [config.repetition_penalty for config in request.configs()] == [0.8, 1.4, 2.0]
    assert {config.last_n for config in request.configs()} == {32}


# ------------------------------------------------------------------ the decoding loop
def generate_with_processor(lm, prompt: str, config: PenaltyConfig, max_new_tokens: int) -> list[int]:
    ids = chat_input_ids(lm, prompt)
    processor = PenaltyLogitsProcessor(ids.shape[1], config.repetition_penalty, config.frequency_penalty,
                                       config.presence_penalty, config.convention, config.last_n)
    with torch.inference_mode():
        out = lm.model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                                do_sample=False, temperature=None, top_p=None, top_k=None,
                                pad_token_id=lm.tokenizer.eos_token_id, logits_processor=[processor])
    return out[0, ids.shape[1]:].tolist()


def last(iterator):
    for item in iterator:
        pass
    return item


@pytest.mark.parametrize("config", [PenaltyConfig(), PenaltyConfig(1.3, 0.4, 0.4),
                                    PenaltyConfig(1.8, convention="hf"),
                                    PenaltyConfig(1.2, 1.0, 0.5, "llama.cpp", last_n=16)])
def test_own_loop_is_token_identical_to_generate_at_greedy(tiny_lm, config):
    run = last(traced_generate(tiny_lm, "Say something repetitive.", config,
                               GenerationParams(max_new_tokens=24)))
    assert run.new_ids == generate_with_processor(tiny_lm, "Say something repetitive.", config, 24)
    assert len(run.steps) == len(run.new_ids)
    first = run.steps[0]
    assert first.chosen_id in first.token_ids and tiny_lm.tokenizer.eos_token_id in first.token_ids


def test_seeded_sampling_repeats_and_depends_on_the_seed(tiny_lm):
    def sample(seed):
        params = GenerationParams(max_new_tokens=12, temperature=1.0, top_p=0.9, seed=seed)
        return last(traced_generate(tiny_lm, "Hello", PenaltyConfig(1.3), params, trace=False)).new_ids
    assert sample(3) == sample(3)
    assert sample(3) != sample(4)


@pytest.mark.slow
def test_offline_model_loop_matches_generate_and_penalty_breaks_the_loop(offline_lm):
    prompt = "Write a short poem about the ocean."
    config = PenaltyConfig(1.3)
    run = last(traced_generate(offline_lm, prompt, config, GenerationParams(max_new_tokens=40)))
    assert run.new_ids == generate_with_processor(offline_lm, prompt, config, 40)
    # the prompt-inclusive penalty lowers the end-of-turn token, which the chat template contains
    step = run.steps[0]
    eos = step.token_ids.index(offline_lm.tokenizer.eos_token_id)
    assert step.prompt_counts[eos] > 0
    assert step.logits["after_repetition"][eos] != step.logits["before"][eos]


def test_step_figure_colours_the_changed_tokens_by_reason(tiny_lm):
    from playground.penalties.figures import step_figure, step_reasons

    run = last(traced_generate(tiny_lm, "Say something repetitive.", PenaltyConfig(1.5, 0.5),
                               GenerationParams(max_new_tokens=6)))
    trace = run.steps[-1]
    reasons = step_reasons(trace)
    for reason, before, after, in_prompt, in_output in zip(
            reasons, trace.logits["before"], trace.logits["after_presence"],
            trace.prompt_counts, trace.output_counts):
        assert (reason == "not_penalised") == (before == after)
        assert reason != "output" or in_output > 0
        assert reason != "prompt" or (in_prompt > 0 and in_output == 0)
    eos = trace.token_ids.index(tiny_lm.tokenizer.eos_token_id)
    assert trace.special[eos] and reasons[eos] == "prompt"  # <|im_end|> is in the chat template
    words = {key: key for key in ("before_bar", "reason_not_penalised", "reason_prompt", "reason_output",
                                  "prob_axis", "logit_axis", "token_axis", "step_title", "prompt_count",
                                  "output_count", "before", "after_repetition", "after_frequency",
                                  "after_presence")}
    figure = step_figure(trace, words)
    assert figure.layout.height and figure.layout.yaxis.title.text == "prob_axis"
    assert figure.layout.xaxis2.title.text == "token_axis"


def test_every_sampled_token_is_in_its_step_trace(tiny_lm):
    """At a high temperature the draw often lies outside both top-10 lists; the step chart must
    still find it (the `/penalties_generate` step view once failed with "... is not in list")."""
    for seed in range(3):
        run = last(traced_generate(tiny_lm, "Hello", PenaltyConfig(1.3),
                                   GenerationParams(max_new_tokens=12, temperature=2.0, seed=seed)))
        assert all(step.chosen_id in step.token_ids for step in run.steps)
