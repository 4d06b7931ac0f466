"""Bounded, streaming generation: input checks and real decoding on tiny and offline models."""
from __future__ import annotations

import math
import re

import gradio as gr
import pytest
import torch

from demos.common import COMMON_TEXT, user_errors
from playground.core.errors import InputError
from playground.core.generation import (
    MAX_NEW_TOKENS,
    MAX_PROMPT_CHARS,
    GenerateRequest,
    GenerationParams,
    chat_input_ids,
    stream_generate,
    validate_prompt,
)
from playground.core.sampling import Sampler, sampling_distribution


def said(error: ValueError, lang: str = "en") -> str:
    """What the page says for a core error: its key filled from the common table (both languages have it)."""
    assert isinstance(error, InputError) and error.key in COMMON_TEXT["ja"], error
    return COMMON_TEXT[lang][error.key].format(**error.values)


@pytest.mark.parametrize("kwargs, message", [
    ({"max_new_tokens": 0}, "max new tokens"),
    ({"max_new_tokens": MAX_NEW_TOKENS + 1}, "max new tokens"),
    ({"temperature": math.nan}, "temperature"),
    ({"temperature": -0.1}, "temperature"),
    ({"top_p": 0.0}, "top-p"),
    ({"seed": -1}, "seed must be a whole number from 0"),
    ({"seed": 2**32}, "seed must be a whole number from 0"),
])
def test_out_of_range_parameters_are_refused(kwargs, message):
    with pytest.raises(ValueError) as error:
        GenerationParams(**kwargs)
    assert re.search(message, said(error.value)), said(error.value)


@pytest.mark.parametrize("values, key, field", [
    (("Hi", math.nan, 0.0), "common_err_whole", "generate_max_tokens"),
    (("Hi", 10.5, 0.0), "common_err_whole", "generate_max_tokens"),  # refused, not truncated to 10
    (("Hi", None, 0.0), "common_err_whole", "generate_max_tokens"),
    (("Hi", 1e9, 0.0), "common_err_whole", "generate_max_tokens"),
    (("Hi", 16, 2.5), "common_err_range", "generate_temperature"),
    (("Hi", 16, "abc"), "common_err_range", "generate_temperature"),
    (("Hi", 16, 0.0, "oracle"), "common_err_choice", "generate_policy"),
    (("  ", 16, 0.0), "common_err_empty", "generate_prompt"),
    (("x" * (MAX_PROMPT_CHARS + 1), 16, 0.0), "common_err_too_long", "generate_prompt"),
    ((7, 16, 0.0), "common_err_text", "generate_prompt"),
])
def test_the_generate_request_refuses_each_bad_value_naming_its_field(values, key, field):
    with pytest.raises(InputError) as error:
        GenerateRequest(*values)
    assert (error.value.key, error.value.values["field"]) == (key, field)


def test_the_generate_request_stores_a_sliders_whole_number_as_a_count():
    asked = GenerateRequest("Hi", 16.0, 0.5)
    assert type(asked.max_new_tokens) is int and asked.params == GenerationParams(16, 0.5)


def test_prompt_bounds(tiny_lm):
    with pytest.raises(ValueError) as error:
        chat_input_ids(tiny_lm, "   ")
    assert re.search("empty", said(error.value))
    with pytest.raises(ValueError) as error:
        chat_input_ids(tiny_lm, "x" * (MAX_PROMPT_CHARS + 1))
    assert re.search("limit", said(error.value))


JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})


@pytest.mark.parametrize("call, english, japanese", [
    (lambda: GenerationParams(0, 0.0), "max new tokens setting must be a whole number from 1 to 512",
     "最大新規トークン数は 1 から 512 の整数"),
    (lambda: GenerationParams(8, 0.0, seed=2.5), "seed must be a whole number", "シードは 0 から"),
    (lambda: GenerationParams(temperature=3.0), "temperature must be between 0", "温度は 0"),
    (lambda: GenerationParams(top_p=0.0), "top-p must be in", "top-p は 0 より大きく"),
    (lambda: validate_prompt(" "), "prompt is empty", "プロンプトが空です"),
    (lambda: validate_prompt("x" * (MAX_PROMPT_CHARS + 1)), "2,001 characters", "2,001 文字"),
])
def test_a_japanese_reader_is_told_in_japanese_which_field_is_wrong(call, english, japanese):
    """What a tab handler shows (`user_errors`): the core's InputError said from the common table in the
    reader's language, the field named in it."""
    @user_errors
    def handler(request: gr.Request = None):
        return call()

    with pytest.raises(gr.Error) as error:
        handler()
    assert english in error.value.message
    with pytest.raises(gr.Error) as error:
        handler(request=JAPANESE)
    assert japanese in error.value.message and english not in error.value.message


def test_stream_grows_and_matches_plain_greedy(tiny_lm):
    """Streaming yields growing text whose end equals a plain greedy generate() decode."""
    params = GenerationParams(max_new_tokens=12)
    chunks = list(stream_generate(tiny_lm, "Hello there", params))
    assert len(chunks) >= 2 and all(b.startswith(a) for a, b in zip(chunks, chunks[1:]))
    input_ids = chat_input_ids(tiny_lm, "Hello there")
    with torch.inference_mode():
        reference = tiny_lm.model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                           max_new_tokens=12, do_sample=False,
                                           pad_token_id=tiny_lm.tokenizer.eos_token_id)
    expected = tiny_lm.tokenizer.decode(reference[0, input_ids.shape[1]:], skip_special_tokens=True)
    assert chunks[-1] == expected


def test_sampling_is_reproducible_by_seed(tiny_lm):
    params = GenerationParams(max_new_tokens=10, temperature=1.0, seed=7)
    first = list(stream_generate(tiny_lm, "Hi", params))[-1]
    assert first == list(stream_generate(tiny_lm, "Hi", params))[-1]


def test_sampling_never_touches_torch_global_generator(tiny_lm):
    """A request draws from its own generator: reseeding torch's global one would let two visitors
    sampling at once change each other's answers."""
    torch.manual_seed(1234)
    before = torch.get_rng_state()
    answers = {seed: list(stream_generate(tiny_lm, "Hi", GenerationParams(max_new_tokens=10, temperature=1.5,
                                                                           seed=seed)))[-1] for seed in range(4)}
    assert torch.equal(torch.get_rng_state(), before)
    assert len(set(answers.values())) > 1, "different seeds should sample different answers"


def transformers_warped(logits: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
    """The reference: softmax(TopP(Temperature(logits))) with transformers' own warpers."""
    from transformers import TemperatureLogitsWarper, TopPLogitsWarper

    scores = TemperatureLogitsWarper(temperature)(None, logits.clone())
    if top_p < 1.0:
        scores = TopPLogitsWarper(top_p)(None, scores)
    return torch.softmax(scores, dim=-1)


@pytest.mark.parametrize("temperature,top_p", [(1.0, 1.0), (0.7, 1.0), (1.3, 0.8)])
def test_seeded_sampler_draws_from_transformers_warped_distribution(temperature, top_p):
    """Frequencies of 40,000 draws match softmax(TopP(Temperature(logits))) from transformers."""
    logits = torch.tensor([[2.0, 1.0, 0.5, 0.0, -1.0]])
    expected = transformers_warped(logits, temperature, top_p)[0]
    sampler = Sampler(temperature, top_p, torch.Generator().manual_seed(0))
    draws = 40_000
    counts = torch.zeros(5)
    for _ in range(draws // 1000):
        batch = logits.expand(1000, 5)
        chosen = sampler(None, batch).argmax(dim=-1)  # the drawn token is the only finite logit
        counts += torch.bincount(chosen, minlength=5)
    # 4 standard errors of a binomial share, at most ~0.01
    assert torch.all((counts / draws - expected).abs() <= 4 * (expected * (1 - expected) / draws).sqrt() + 1e-9)


@pytest.mark.parametrize("temperature", [0.3, 1.0, 1.7])
@pytest.mark.parametrize("top_p", [0.05, 0.5, 0.9, 1.0])
def test_sampling_distribution_is_transformers_temperature_then_top_p(temperature, top_p):
    """Our few lines give transformers' warped distribution on random logits, row by row."""
    logits = torch.randn(8, 300, generator=torch.Generator().manual_seed(3)) * 3
    original = logits.clone()
    ours = sampling_distribution(logits, temperature, top_p)
    torch.testing.assert_close(ours, transformers_warped(logits, temperature, top_p), rtol=1e-5, atol=1e-7)
    assert torch.equal(logits, original)  # the input is never edited in place
    assert torch.all((ours > 0).sum(-1) >= 1)  # the most likely token always stays


def test_greedy_sampler_is_argmax_and_needs_no_generator():
    sampler = GenerationParams(temperature=0.0).sampler("cpu")
    logits = torch.tensor([[0.1, 3.0, -1.0], [5.0, 0.0, 4.9]])
    tokens, probs = sampler.pick(logits)
    assert sampler.generator is None and probs is None and tokens.tolist() == [1, 0]
    assert sampler(None, logits).argmax(-1).tolist() == [1, 0]
    torch.testing.assert_close(sampler.distribution(logits), logits.softmax(-1))  # what a chart shows


def test_a_sampler_repeats_its_draws_from_its_seed():
    params = GenerationParams(temperature=1.0, seed=5)
    probs = torch.full((4, 50), 1 / 50)
    first, second = params.sampler("cpu"), params.sampler("cpu")
    assert torch.equal(first.draw(probs), second.draw(probs))


@pytest.mark.slow
def test_offline_model_writes_english(offline_lm):
    answer = list(stream_generate(offline_lm, "What is the capital of France?",
                                  GenerationParams(max_new_tokens=16)))[-1]
    assert "Paris" in answer


def test_decoding_generators_leave_gradients_on_between_steps(tiny_lm):
    """Grad mode is thread-local: a decoding generator paused at a yield must not leave it off for
    the next request that Gradio runs on the same worker thread (a training request failed so)."""
    from playground.penalties.decoding import traced_generate
    from playground.penalties.processors import PenaltyConfig
    from playground.speculative.config import SpeculativeConfig
    from playground.speculative.decoding import decode

    generators = [decode(tiny_lm.model, None, chat_input_ids(tiny_lm, "Hi"), SpeculativeConfig(max_new_tokens=4)),
                  traced_generate(tiny_lm, "Hi", PenaltyConfig(), GenerationParams(max_new_tokens=4))]
    for generator in generators:
        next(generator)
        assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
        generator.close()
