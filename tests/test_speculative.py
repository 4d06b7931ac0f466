"""Speculative decoding engine against independent references.

References: the target's own greedy decoding (transformers' `generate`, and our loop with no draft)
must be reproduced token for token by every draft kind; with sampling, the first token must follow
the target's softmax (chi-square), and a wrong residual must fail that same test.
"""
from __future__ import annotations

import pytest
import torch
from conftest import make_tiny_lm
from scipy.stats import chisquare
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM

from demos.common import COMMON_TEXT
from demos.speculative import TEXT as SPECULATIVE_TEXT
from playground.core.errors import InputError
from playground.core.generation import chat_input_ids
from playground.core.sampling import Sampler, sampling_distribution
from playground.speculative import decoding as speculative
from playground.speculative.config import SpeculativeConfig
from playground.speculative.decoding import (
    DecodeResult,
    next_draft_length,
    residual_distribution,
    speculative_generate,
    verify_greedy,
    verify_sampled,
)
from playground.speculative.drafts import ModelDraft, PromptLookup, early_exit_draft, early_exit_model, truncate_cache
from playground.speculative.presets import PRESETS, make_draft, transformers_generate

P = torch.tensor([0.40, 0.25, 0.15, 0.10, 0.06, 0.04])
Q = torch.tensor([0.05, 0.10, 0.40, 0.30, 0.10, 0.05])
SIGNIFICANCE = 1e-3  # a correct sampler fails 1 run in 1000; the fixed seeds make the run repeatable


def said(error: InputError) -> str:
    """The English message the tab shows for an engine error (its key must exist in both languages)."""
    table = SPECULATIVE_TEXT if error.key in SPECULATIVE_TEXT["en"] else COMMON_TEXT
    assert error.key in table["ja"]
    return table["en"][error.key].format(**error.values)


def generate(target, draft, input_ids, max_new_tokens: int, num_draft_tokens: int = 4, **settings) -> DecodeResult:
    """The loop with a config of these settings: each test names only what it varies."""
    config = SpeculativeConfig(max_new_tokens=max_new_tokens, num_draft_tokens=num_draft_tokens, **settings)
    return speculative_generate(target, draft, input_ids, config)


# ----------------------------------------------------------------- the verification rules
def test_verify_greedy_keeps_the_agreed_prefix_then_the_targets_token():
    logits = torch.full((4, 10), -1.0)
    for row, best in enumerate([3, 5, 7, 9]):
        logits[row, best] = 1.0
    assert verify_greedy(logits, [3, 5, 2]) == (2, 7)  # third guess wrong: target's 7 replaces it
    assert verify_greedy(logits, [3, 5, 7]) == (3, 9)  # all kept: bonus token from the last row
    assert verify_greedy(logits[:1], []) == (0, 3)  # no guesses: a plain greedy step


def test_residual_is_the_normalised_positive_part_and_inputs_are_untouched():
    p, q = P.clone(), Q.clone()
    residual = residual_distribution(p, q)
    # max(0, p - q) = [0.35, 0.15, 0, 0, 0, 0], total 0.5
    torch.testing.assert_close(residual, torch.tensor([0.7, 0.3, 0.0, 0.0, 0.0, 0.0]))
    assert torch.equal(p, P) and torch.equal(q, Q)


def test_target_distribution_matches_softmax_and_top_p_nucleus():
    logits = torch.log(P)
    torch.testing.assert_close(sampling_distribution(logits, 1.0, 1.0), P)
    torch.testing.assert_close(sampling_distribution(logits, 0.5, 1.0), P**2 / (P**2).sum())
    # top-p 0.6: 0.40 + 0.25 reaches it, so only the first two tokens stay
    torch.testing.assert_close(sampling_distribution(logits, 1.0, 0.6),
                               torch.tensor([0.40, 0.25, 0, 0, 0, 0]) / 0.65)


def first_tokens_by_rejection(q: torch.Tensor | None, samples: int, seed: int,
                              device: str = "cpu") -> torch.Tensor:
    """Draft one token from q (or always token 2 when q is None), verify against P; count outputs.
    Everything (distributions, one-hot draft, generator) lives on `device`."""
    sampler = Sampler.seeded(1.0, 1.0, seed, device)
    p = torch.stack([P, P]).to(device)  # (guesses + 1, vocab)
    q = None if q is None else q.to(device)
    counts = torch.zeros(len(P))
    for _ in range(samples):
        guess = int(sampler.draw(q)) if q is not None else 2
        kept, extra = verify_sampled(p, None if q is None else q[None], [guess], sampler)
        counts[guess if kept else extra] += 1
    return counts


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.gpu)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("q", [Q, None], ids=["model-draft", "deterministic-draft"])
def test_rejection_sampling_keeps_the_target_distribution(q, device):
    """On the GPU too: the one-hot of a deterministic draft and the generator follow p's device
    (a CPU one-hot and a CPU generator once met CUDA tensors there)."""
    counts = first_tokens_by_rejection(q, 6000, seed=1, device=device)
    assert chisquare(counts, P * counts.sum()).pvalue > SIGNIFICANCE


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", ["prompt_lookup", "draft_model"])
def test_sampled_speculative_decoding_runs_on_the_models_device(device, kind):
    target, draft = tiny_vocab_lm(1).to(device), tiny_vocab_lm(2).to(device)
    prompt = torch.tensor([[1, 4, 2, 1, 4, 2, 1, 4]], device=device)
    proposer = PromptLookup(2, min_ngram=1) if kind == "prompt_lookup" else ModelDraft(draft)
    runs = [generate(target, proposer, prompt, 12, 3, do_sample=True, temperature=1.2, seed=4)
            for _ in range(2)]
    assert len(runs[0].tokens) == 12 and runs[0].tokens == runs[1].tokens
    assert runs[0].proposed > 0 and all(0 <= token < 6 for token in runs[0].tokens)


def test_a_wrong_residual_fails_the_same_test(monkeypatch):
    monkeypatch.setattr(speculative, "residual_distribution", lambda p, q: p)  # resample from p
    counts = first_tokens_by_rejection(Q, 6000, seed=1)
    assert chisquare(counts, P * counts.sum()).pvalue < SIGNIFICANCE


# ----------------------------------------------------------------- tiny models, end to end
def tiny_vocab_lm(seed: int, vocab: int = 6) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=vocab, hidden_size=8, intermediate_size=16,
                                         num_hidden_layers=1, num_attention_heads=2,
                                         num_key_value_heads=1, eos_token_id=None)).eval()
    with torch.no_grad():
        model.lm_head.weight.mul_(60.0)  # spread the logits so p and q clearly differ
    return model


def speculative_first_tokens(samples: int) -> tuple[torch.Tensor, torch.Tensor]:
    target, draft = tiny_vocab_lm(1), tiny_vocab_lm(2)
    prompt = torch.tensor([[1, 4, 2]])
    with torch.inference_mode():
        p = torch.softmax(target(prompt).logits[0, -1], -1)
    counts = torch.zeros(len(p))
    for seed in range(samples):  # max_new_tokens 2 lets the draft guess once before the budget ends
        result = generate(target, ModelDraft(draft), prompt, 2, num_draft_tokens=4,
                          do_sample=True, temperature=1.0, seed=seed)
        counts[result.tokens[0]] += 1
    return counts, p


def test_speculative_sampling_first_token_follows_the_target_softmax():
    counts, p = speculative_first_tokens(1500)
    assert chisquare(counts, p * counts.sum()).pvalue > SIGNIFICANCE


def test_speculative_sampling_with_a_wrong_residual_is_caught(monkeypatch):
    monkeypatch.setattr(speculative, "residual_distribution", lambda p, q: p)
    counts, p = speculative_first_tokens(1500)
    assert chisquare(counts, p * counts.sum()).pvalue < SIGNIFICANCE


@pytest.fixture(scope="module")
def pair(smollm2_tokenizer):
    """Two tiny random Llamas sharing the real tokenizer: a 4-layer target and a 2-layer draft
    (seed 3 disagrees with the target often, so rejections and cache rollbacks happen)."""
    return make_tiny_lm(smollm2_tokenizer, layers=4, seed=0), make_tiny_lm(smollm2_tokenizer, layers=2, seed=3)


def draft_for(kind: str, target, draft_lm):
    return {"draft_model": lambda: ModelDraft(draft_lm.model), "prompt_lookup": lambda: PromptLookup(3),
            "early_exit": lambda: early_exit_draft(target.model, 2),
            "self_draft": lambda: ModelDraft(target.model)}[kind]()


@pytest.mark.parametrize("kind", ["draft_model", "prompt_lookup", "early_exit", "self_draft"])
@pytest.mark.parametrize("gamma", [1, 4])
@pytest.mark.parametrize("adaptive", [False, True], ids=["fixed", "adaptive"])
def test_greedy_speculative_equals_transformers_greedy(pair, kind, gamma, adaptive):
    target, draft_lm = pair
    ids = chat_input_ids(target, "one two three one two three one two")
    reference, _ = transformers_generate(target.model, ids, 40)
    result = generate(target.model, draft_for(kind, target, draft_lm), ids, 40, gamma,
                                  adaptive_draft=adaptive)
    assert result.tokens == reference
    assert len(result.origins) == len(result.tokens) == sum(len(r.tokens) for r in result.rounds)
    assert result.target_passes == len(result.rounds) <= len(reference)


def test_draft_model_guesses_are_its_own_greedy_continuation_despite_rollbacks(pair):
    """Each round's guesses must equal the draft's greedy continuation of the context so far,
    recomputed from scratch: checks that the draft's KV cache is rolled back correctly."""
    target, draft_lm = pair
    ids = chat_input_ids(target, "one two three one two three one two")
    result = generate(target.model, ModelDraft(draft_lm.model), ids, 40, 4)
    assert any(r.kept < len(r.guesses) - 1 for r in result.rounds)  # the draft cache had to shrink
    context = ids
    for round_ in result.rounds:
        if round_.guesses:
            expected, _ = transformers_generate(draft_lm.model, context, len(round_.guesses))
            assert round_.guesses == expected
        context = torch.cat([context, context.new_tensor([round_.tokens])], 1)


def test_self_draft_accepts_everything_and_saves_passes(pair):
    target, _ = pair
    ids = chat_input_ids(target, "hello")
    result = generate(target.model, ModelDraft(target.model), ids, 30, 4)
    assert result.acceptance_rate == 1.0 and result.alpha == 1.0
    assert result.target_passes == 6  # 30 tokens, 5 per pass (4 kept + 1 bonus)
    assert set(result.origins) == {"draft", "bonus"}


def test_adaptive_draft_length_grows_after_fully_kept_rounds(pair):
    """A self-draft keeps every guess: lengths 1, 3, 5, 7, then 9 (the last the budget allows)."""
    target, _ = pair
    ids = chat_input_ids(target, "hello")
    result = generate(target.model, ModelDraft(target.model), ids, 30, 1, adaptive_draft=True)
    assert [len(r.guesses) for r in result.rounds] == [1, 3, 5, 7, 9]
    assert len(result.tokens) == 30


def test_adaptive_draft_length_follows_the_schedule_after_misses(pair):
    """A poor draft misses: each round asks for what `next_draft_length` says (or the budget's rest)."""
    target, draft_lm = pair
    ids = chat_input_ids(target, "one two three one two three one two")
    result = generate(target.model, ModelDraft(draft_lm.model), ids, 40, 4, adaptive_draft=True)
    lengths, produced = [len(r.guesses) for r in result.rounds], 0
    for before, after in zip(result.rounds, result.rounds[1:]):
        produced += len(before.tokens)
        wanted = next_draft_length(len(before.guesses), len(before.guesses), before.kept)
        assert len(after.guesses) == min(wanted, 40 - produced - 1)
    assert any(b > a for a, b in zip(lengths, lengths[1:]))  # grew at least once
    assert any(b < a for a, b in zip(lengths, lengths[1:]))  # and shrank at least once


def test_next_draft_length_is_transformers_heuristic_schedule():
    assert [next_draft_length(g, g, g) for g in (1, 4, 15, 16)] == [3, 6, 16, 16]  # all kept: +2, capped
    assert [next_draft_length(g, g, 0) for g in (1, 2, 5)] == [1, 1, 4]  # a miss: -1, at least 1
    assert next_draft_length(6, 3, 3) == 8  # fewer guesses than asked (end of a match), all kept


def test_plain_decoding_is_the_same_loop_one_token_per_pass(pair):
    target, _ = pair
    ids = chat_input_ids(target, "hello")
    result = generate(target.model, None, ids, 12)
    assert result.target_passes == 12 and set(result.origins) == {"target"}
    assert result.proposed == 0 and result.acceptance_rate == 0.0


def test_transformers_prompt_lookup_agrees_with_ours(pair):
    target, _ = pair
    ids = chat_input_ids(target, "red green blue red green blue red")
    reference, _ = transformers_generate(target.model, ids, 30, prompt_lookup_num_tokens=4)
    assert generate(target.model, PromptLookup(), ids, 30, 4).tokens == reference


def test_sampling_is_reproducible_by_seed(pair):
    target, draft_lm = pair
    ids = chat_input_ids(target, "hello")
    runs = [generate(target.model, ModelDraft(draft_lm.model), ids, 20, 3, do_sample=True,
                                 temperature=1.5, seed=seed).tokens for seed in (7, 7, 8)]
    assert runs[0] == runs[1] != runs[2]


# ----------------------------------------------------------------- proposers and caches
def test_prompt_lookup_proposes_what_followed_the_last_ngram():
    context = torch.tensor([[5, 6, 7, 8, 9, 1, 5, 6, 7]])
    assert PromptLookup(3).propose(context, 2, None) == ([8, 9], None)
    assert PromptLookup(3).propose(torch.tensor([[1, 2, 3, 4]]), 2, None) == ([], None)
    # the nearest earlier match wins: "7" was last followed by 2
    assert PromptLookup(1, min_ngram=1).propose(torch.tensor([[7, 1, 7, 2, 7]]), 3, None) == ([2, 7], None)
    # by default a lone matching token is too weak a match: nothing is proposed
    assert PromptLookup(3).propose(torch.tensor([[7, 1, 7, 2, 7]]), 3, None) == ([], None)
    assert PromptLookup(3).propose(torch.tensor([[7, 2, 9, 1, 7, 2]]), 3, None) == ([9, 1, 7], None)


@pytest.mark.parametrize("max_ngram, min_ngram", [(0, 1), (9, 2), (3, 0), (2, 3)])
def test_prompt_lookup_refuses_bad_ngram_sizes(max_ngram, min_ngram):
    with pytest.raises(TypeError, match="min_ngram <= max_ngram <= 8"):
        PromptLookup(max_ngram, min_ngram)


def test_truncate_cache_keeps_the_first_positions():
    cache = DynamicCache()
    cache.update(torch.zeros(1, 1, 7, 4), torch.zeros(1, 1, 7, 4), layer_idx=0)
    truncate_cache(cache, 5)
    assert cache.get_seq_length() == 5
    truncate_cache(cache, 9)  # never grows
    assert cache.get_seq_length() == 5


def test_early_exit_shares_the_targets_weights_and_leaves_it_whole(pair):
    target, _ = pair
    shallow = early_exit_model(target.model, 2)
    assert len(shallow.model.layers) == 2 and len(target.model.model.layers) == 4
    assert shallow.lm_head.weight.data_ptr() == target.model.lm_head.weight.data_ptr()
    assert shallow.model.layers[1] is target.model.model.layers[1]
    with pytest.raises(InputError) as error:
        early_exit_model(target.model, 4)
    assert "from 1 to 3" in said(error.value)


def test_a_batch_is_refused_as_not_supported(pair):
    target, _ = pair
    with pytest.raises(NotImplementedError, match="batch size 1"):
        generate(target.model, PromptLookup(), torch.ones(2, 3, dtype=torch.long), 4, 2)


def test_a_draft_with_another_vocabulary_is_refused(pair):
    target, _ = pair
    with pytest.raises(TypeError, match="vocabulary"):
        generate(target.model, tiny_vocab_lm(0), torch.ones(1, 3, dtype=torch.long), 4)


def test_make_draft_refuses_a_draft_model_kind_without_a_model(pair):
    target, _ = pair
    with pytest.raises(InputError) as error:
        make_draft(SpeculativeConfig(draft_kind="draft_model"), target.model)
    assert error.value.values["field"] == "speculative_kind" and "needs a draft model" in said(error.value)


@pytest.mark.parametrize("field, value, key, label", [
    ("max_new_tokens", 0, "common_err_whole", "speculative_max_tokens"),
    ("max_new_tokens", 513, "common_err_whole", "speculative_max_tokens"),
    ("num_draft_tokens", 0, "common_err_whole", "speculative_gamma"),
    ("num_draft_tokens", 2.5, "common_err_whole", "speculative_gamma"),  # refused, not truncated to 2
    ("num_draft_tokens", 17, "common_err_whole", "speculative_gamma"),
    ("early_exit_layers", 30, "common_err_whole", "speculative_layers"),
    ("temperature", 0.0, "common_err_range", "speculative_temperature"),  # sampling needs T > 0
    ("temperature", float("nan"), "common_err_range", "speculative_temperature"),
    ("seed", -1, "common_err_whole", "speculative_seed"),
    ("seed", 2**32, "common_err_whole", "speculative_seed"),
    ("draft_kind", "oracle", "common_err_choice", "speculative_kind"),
    ("adaptive_draft", 1, "common_err_boolean", "speculative_adaptive"),  # JSON's 1 is not true
    ("do_sample", "yes", "common_err_boolean", "speculative_sample"),
    ("prompt", "   ", "common_err_empty", "speculative_prompt"),
    ("prompt", "x" * 2001, "common_err_too_long", "speculative_prompt"),
])
def test_the_config_refuses_each_bad_value_naming_its_field(field, value, key, label):
    with pytest.raises(InputError) as error:
        SpeculativeConfig(**{field: value})
    assert (error.value.key, error.value.values["field"]) == (key, label)
    assert label in SPECULATIVE_TEXT["en"] and label in SPECULATIVE_TEXT["ja"]


def test_the_config_stores_whole_numbers_from_sliders_as_counts():
    config = SpeculativeConfig(num_draft_tokens=4.0, max_new_tokens=16.0, seed=3.0)
    assert (config.num_draft_tokens, config.max_new_tokens, config.seed) == (4, 16, 3)
    assert all(type(value) is int for value in (config.num_draft_tokens, config.max_new_tokens, config.seed))


def test_the_presets_are_configs_within_the_pages_ranges():
    assert set(PRESETS) == {"copy", "summarise", "story", "early_exit"}
    assert all(isinstance(preset, SpeculativeConfig) for preset in PRESETS.values())
    assert (PRESETS["copy"].num_draft_tokens, PRESETS["summarise"].num_draft_tokens) == (10, 2)
    assert PRESETS["early_exit"].draft_kind == "early_exit" and not PRESETS["early_exit"].adaptive_draft


def test_decode_result_rates_count_checked_guesses():
    rounds = [speculative.Round([1, 2, 3], 1, [1, 9], ["draft", "correction"], 0.0, 1.0),
              speculative.Round([4, 5], 2, [4, 5, 6], ["draft", "draft", "bonus"], 0.0, 1.0)]
    result = DecodeResult(rounds, wall_s=2.0)
    assert result.acceptance_rate == 3 / 5  # kept / proposed
    assert result.alpha == 3 / 4  # kept / checked: round 1 checked 2 guesses, round 2 both
    assert result.tokens_per_s == 2.5


# ----------------------------------------------------------------- the real offline model
@pytest.fixture(scope="module")
def real_copy_run(offline_lm):
    """The copy preset's prompt and the real model's plain greedy answer (32 tokens)."""
    ids = chat_input_ids(offline_lm, PRESETS["copy"].prompt)
    return ids, generate(offline_lm.model, None, ids, 32)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["prompt_lookup", "early_exit", "self_draft"])
def test_real_model_greedy_speculative_is_token_identical(offline_lm, real_copy_run, kind):
    ids, plain = real_copy_run
    draft = {"prompt_lookup": lambda: PromptLookup(3), "self_draft": lambda: ModelDraft(offline_lm.model),
             "early_exit": lambda: early_exit_draft(offline_lm.model, 8)}[kind]()
    fast = generate(offline_lm.model, draft, ids, 32, 4)
    assert fast.tokens == plain.tokens
    assert "lighthouse" in offline_lm.tokenizer.decode(plain.tokens)
    if kind == "prompt_lookup":
        assert fast.target_passes < plain.target_passes / 2  # the copy preset is mostly accepted


@pytest.mark.slow
def test_real_model_summarise_preset_is_identical_to_plain_greedy(offline_lm):
    """The preset as the tab and the bench run it (adaptive length, 2-gram minimum), whole answer."""
    preset = PRESETS["summarise"]
    ids = chat_input_ids(offline_lm, preset.prompt)
    plain = generate(offline_lm.model, None, ids, preset.max_new_tokens)
    fast = speculative_generate(offline_lm.model, make_draft(preset, offline_lm.model), ids, preset)
    assert preset.adaptive_draft and fast.tokens == plain.tokens
    assert "lighthouse" in offline_lm.tokenizer.decode(plain.tokens).lower()
    assert fast.target_passes < 0.6 * plain.target_passes


# ----------------------------------------------------------------- measurements and figures
def test_expected_speedup_follows_leviathans_formula():
    from playground.speculative.figures import expected_speedup

    assert expected_speedup(0.0, 4, 0.1) == pytest.approx(1 / 1.4)  # nothing kept: pay the draft
    assert expected_speedup(0.999999, 4, 0.0) == pytest.approx(5.0, rel=1e-4)  # gamma + 1 per pass
    assert expected_speedup(1.0, 4, 0.25) == pytest.approx(5 / 2)
    assert expected_speedup(0.5, 2, 0.0, verify_cost=1.5) == pytest.approx(1.75 / 1.5)


def test_comparison_counts_and_costs():
    from playground.speculative.figures import Comparison, theory_figure, timeline_figure

    step = speculative.Round([], 0, [7], ["target"], 0.0, 1.0)
    plain = DecodeResult([step] * 4, wall_s=4.0)
    spec = DecodeResult([speculative.Round([7, 7, 7], 2, [7, 7, 7], ["draft", "draft", "correction"], 0.3, 1.5),
                         speculative.Round([7], 1, [7], ["draft"], 0.1, 1.2)], wall_s=3.1)
    comparison = Comparison(plain, spec, 3)
    assert comparison.identical and comparison.passes_saved == 2
    assert comparison.speedup == pytest.approx(4.0 / 3.1)
    assert comparison.draft_cost == pytest.approx(0.4 / 4)  # 0.4 s over 4 guesses, step 1 s
    assert comparison.verify_cost == pytest.approx(1.2)  # first round (with the prompt) left out
    labels = {key: key for key in ["draft", "verify", "plain_step", "timeline_title", "round", "ms", "hover",
                                   "theory_ideal", "theory_measured_v", "measured", "break_even",
                                   "theory_title", "alpha", "speedup"]}
    for figure in (timeline_figure(comparison, labels), theory_figure(comparison, labels)):
        assert figure.layout.height and figure.layout.xaxis.title.text and figure.layout.yaxis.title.text
    assert list(theory_figure(comparison, labels).data[2].y) == [pytest.approx(4.0 / 3.1)]



def test_speedup_is_a_ratio_of_token_rates_when_the_runs_stop_apart():
    """With sampling the runs stop at different end tokens: 4 plain tokens in 4 s (1 token/s)
    against 2 speculative tokens in 1 s (2 tokens/s) is 2x, not the 4x of the wall-time ratio."""
    from playground.speculative.figures import Comparison, theory_figure

    plain = DecodeResult([speculative.Round([], 0, [7], ["target"], 0.0, 1.0)] * 4, wall_s=4.0)
    spec = DecodeResult([speculative.Round([7, 8], 1, [7, 9], ["draft", "correction"], 0.0, 1.0)],
                        wall_s=1.0)
    comparison = Comparison(plain, spec, 2)
    assert comparison.speedup == pytest.approx(2.0)
    assert comparison.summary()["speedup"] == pytest.approx(2.0)
    labels = {key: key for key in ["theory_ideal", "theory_measured_v", "measured", "break_even",
                                   "theory_title", "alpha", "speedup"]}
    assert list(theory_figure(comparison, labels).data[2].y) == [pytest.approx(2.0)]


def test_plain_step_leaves_out_the_prompt_step_as_verify_cost_does():
    """The plain run's first step reads the prompt (3 s here); the unit is a later step (1 s)."""
    from playground.speculative.figures import Comparison

    plain = DecodeResult([speculative.Round([], 0, [7], ["target"], 0.0, 3.0)]
                         + [speculative.Round([], 0, [7], ["target"], 0.0, 1.0)] * 3, wall_s=6.0)
    spec = DecodeResult([speculative.Round([7, 7], 2, [7, 7, 7], ["draft", "draft", "bonus"], 0.2, 5.0),
                         speculative.Round([7, 7], 0, [7], ["correction"], 0.2, 1.5)], wall_s=6.9)
    comparison = Comparison(plain, spec, 2)
    assert comparison.step_s == pytest.approx(1.0)
    assert comparison.verify_cost == pytest.approx(1.5)  # 1.5 s over a 1 s step
    assert comparison.draft_cost == pytest.approx(0.4 / 4)  # 0.4 s over 4 guesses
    one_step = Comparison(DecodeResult([plain.rounds[0]], wall_s=3.0), spec, 2)
    assert one_step.step_s == pytest.approx(3.0)  # nothing after the first step: it is the unit

def test_token_pieces_rebuild_the_text_with_whole_characters(smollm2_tokenizer):
    from playground.speculative.figures import token_pieces

    text = "Café 東京 🙂 done"
    tokens = smollm2_tokenizer(text).input_ids
    pieces = token_pieces(smollm2_tokenizer, tokens)
    assert "".join(pieces) == smollm2_tokenizer.decode(tokens) and "\ufffd" not in "".join(pieces)
