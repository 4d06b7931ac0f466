"""KV cost from a config.json: each layer kind against numbers worked out by hand here, the layer counts
against transformers' own reading of the same JSON, vLLM's concurrency formula by hand, the block-vs-token
gap of vLLM PR #57336, refusals that name the field (EN and JA), and the tab through its API."""
from __future__ import annotations

import json
import math

import gradio as gr
import numpy as np
import pytest
from test_paged_attention_app import race_view

from demos.paged_attention import tab
from playground.core.errors import InputError
from playground.paged_attention import calculator, kv_config, memory, simulator, traces
from playground.paged_attention.usage import pool_usage

JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})
CONFIGS = memory.CONFIG_DIR


def config(name: str) -> dict:
    return json.loads((CONFIGS / name).read_text(encoding="utf-8"))


CALC = dict(model="llama-13b", gpu="a100-40gb", dtype="fp16", context_length=2048, average_length=500, layers=32,
            kv_heads=8, head_dim=128, params_b=8.0)  # kv_calculate's fields by name


def fields(model: str, gpu: str, dtype: str, context: int, average: int, params_b: float, **extra) -> dict:
    """kv_calculate's fields by name, the custom sizes left at the page's."""
    return dict(CALC, model=model, gpu=gpu, dtype=dtype, context_length=context, average_length=average,
                params_b=params_b, **extra)


def calc(model: str, gpu: str, dtype: str = "bf16", context: int = 32768, kv_dtype: str = "auto"):
    return calculator.model_capacity(model, gpu, dtype, context, 1000, kv_dtype)


# ------------------------------------------------------------------ each layer kind, by hand
def test_deepseek_v3_mla_keeps_one_latent_per_layer():
    # 61 layers x (kv_lora_rank 512 + qk_rope_head_dim 64) x 2 B (bf16) = 70,272 B per token, no per-head K/V
    result = calc("deepseek-v3", "8x-h200-141gb", dtype="fp8", kv_dtype="bf16")
    assert result.bytes_per_token == 61 * (512 + 64) * 2 == 70_272
    (row,) = result.rows
    assert (row.group.kind, row.group.count, row.bytes_per_token) == ("mla", 61, 1152)
    # GQA's formula would have said 2 x 61 x 128 heads x 128 x 2 B = 3,997,696 B: 57x more
    assert 2 * 61 * 128 * 128 * 2 / result.bytes_per_token > 56
    # the latent is replicated on each of the 8 GPUs (per GPU: the same 70,272 B); the weights are split
    assert result.deployment.weight_bytes == pytest.approx(671e9 / 8)
    # in fp8 the latent halves
    assert calc("deepseek-v3", "8x-h200-141gb", dtype="fp8", kv_dtype="fp8").bytes_per_token == 35_136


def test_gemma_3_sliding_layers_keep_a_window_at_most():
    # gemma-3-1b: 26 layers, every 6th global (i = 5, 11, 17, 23), the other 22 a 512-token window;
    # one KV head of 256: 2 x 1 x 256 x 2 B = 1,024 B per token per layer
    def by_hand(n: int) -> int:
        return 4 * n * 1024 + 22 * min(n, 512) * 1024

    for n in (100, 512, 513, 32_768):
        assert calc("gemma-3-1b", "h200-141gb", context=n).bytes_at_context == by_hand(n)
    assert by_hand(32_768) == 145_752_064
    # past the window only the 4 global layers grow: 4,096 B per extra token instead of 26,624
    assert by_hand(1000) - by_hand(999) == 4 * 1024


def test_mistral_v0_1_caps_every_layer_at_its_window():
    per_token = 32 * 2 * 8 * 128 * 2  # 131,072 B while the request is inside the 4,096-token window
    assert calc("mistral-7b-v0.1-swa", "h200-141gb", context=4096).bytes_at_context == 4096 * per_token
    assert calc("mistral-7b-v0.1-swa", "h200-141gb", context=32_768).bytes_at_context == 4096 * per_token


def test_hybrids_keep_a_fixed_state_in_their_linear_and_mamba_layers():
    # Jamba-1.5-Mini: attention at i % 8 == 4 (4 layers, 8 KV heads of 4096 / 32 = 128), 28 Mamba layers with
    # d_inner = 2 x 4096: conv 8,192 x (4 - 1) + SSM 8,192 x 16 numbers, in bf16
    mamba_state = (8192 * 3 + 8192 * 16) * 2
    assert mamba_state == 311_296
    for n in (1, 1000, 100_000):
        assert calc("jamba-1.5-mini", "h200-141gb", context=n).bytes_at_context == \
            4 * n * 2 * 8 * 128 * 2 + 28 * mamba_state
    # Qwen3-Next-80B-A3B: 12 full layers (2 KV heads of 256), 36 Gated DeltaNet layers with a conv over
    # 2 x 16 x 128 + 32 x 128 = 8,192 channels (kernel 4) and a 32 x 128 x 128 recurrent state
    linear_state = (8192 * 3 + 32 * 128 * 128) * 2
    result = calc("qwen3-next-80b-a3b", "8x-h200-141gb", dtype="fp8", context=1, kv_dtype="bf16")
    one_gpu = kv_config.kv_model(config("qwen3-next-80b-a3b-instruct.json"), "q", 80e9)
    assert one_gpu.bytes_per_request(1, 2, 2) == 12 * 2 * 2 * 256 * 2 + 36 * linear_state
    # on 8 GPUs: the 2 KV heads are replicated (1 per GPU), the states split 8 ways
    assert result.bytes_at_context == 12 * 2 * 1 * 256 * 2 + 36 * linear_state // 8


def test_layer_counts_agree_with_transformers_reading_the_same_json():
    transformers = pytest.importorskip("transformers")
    gemma = transformers.Gemma3TextConfig(**config("gemma-3-1b-it.json"))
    qwen = transformers.Qwen3NextConfig(**config("qwen3-next-80b-a3b-instruct.json"))
    jamba = transformers.JambaConfig(**config("jamba-1.5-mini.json"))
    counts = {name: {g.kind: g.count for g in memory.as_kv_model(name).groups}
              for name in ("gemma-3-1b", "qwen3-next-80b-a3b", "jamba-1.5-mini")}
    assert counts["gemma-3-1b"] == {"full": gemma.layer_types.count("full_attention"),
                                    "sliding": gemma.layer_types.count("sliding_attention")}
    assert counts["qwen3-next-80b-a3b"] == {"full": qwen.layer_types.count("full_attention"),
                                            "linear": qwen.layer_types.count("linear_attention")}
    assert counts["jamba-1.5-mini"] == {"full": jamba.layers_block_type.count("attention"),
                                        "mamba": jamba.layers_block_type.count("mamba")}


@pytest.mark.parametrize("name", list(memory.MODELS))
@pytest.mark.parametrize("dtype", list(memory.DTYPE_BYTES))
def test_gqa_presets_keep_the_papers_formula(name, dtype):
    preset = memory.MODELS[name]
    try:
        result = calculator.model_capacity(name, "h200-141gb", dtype, 2048, 500)
    except InputError as error:  # fp32 weights of a 70B model do not fit: refused, as before
        assert error.key == "paged_attention_err_weights"
        return
    per_token = memory.kv_bytes_per_token(preset.num_layers, preset.num_kv_heads, preset.head_dim,
                                          memory.DTYPE_BYTES[dtype])
    assert result.bytes_per_token == per_token
    budget = 0.9 * 139.8 * 2**30 - preset.num_params * memory.DTYPE_BYTES[dtype]
    assert result.vllm.num_blocks == int(budget // (per_token * 16))
    assert result.context_requests == int(budget // (2048 * per_token))


def test_the_published_llama_config_reads_as_the_preset_and_fp8_kv_halves_it():
    parsed = memory.as_kv_model("llama-3.1-70b-fp8-kv")
    (group,) = parsed.groups
    preset = memory.MODELS["llama-3.1-70b"]
    assert (group.kind, group.count, group.kv_heads, group.head_dim) == ("full", preset.num_layers,
                                                                        preset.num_kv_heads, preset.head_dim)
    # --kv-cache-dtype fp8: 2 x 80 x 8 x 128 x 1 B = 163,840 B per token, half of bf16's 327,680
    assert calc("llama-3.1-70b-fp8-kv", "h100-80gb", dtype="fp8", context=8192).bytes_per_token == 163_840
    assert calc("llama-3.1-70b", "2x-h100-80gb", dtype="fp8", context=8192, kv_dtype="bf16").bytes_per_token \
        == 2 * 80 * 4 * 128 * 2  # and 8 KV heads over 2 GPUs: 4 per GPU


# ------------------------------------------------------------------ vLLM's concurrency line, by hand
def test_vllms_concurrency_is_blocks_over_blocks_per_request():
    # vllm/v1/core/kv_cache_utils.py get_max_concurrency_for_kv_cache_config: num_blocks / blocks per request
    llama = calc("llama-13b", "a100-40gb", dtype="fp16", context=2048)
    assert llama.vllm.num_blocks == 921 and llama.vllm.concurrency == pytest.approx(921 / (2048 / 16))
    assert llama.context_requests == math.floor(921 * 16 / 2048)  # 7: our count agrees up to whole blocks
    # Jamba: the attention block grows to 16 x ceil(311,296 / (16 x 4,096)) = 80 tokens so one page holds a
    # Mamba state; G = 4 layers a group (1 attention group, ceil(28 / 4) = 7 Mamba groups of one block each)
    jamba = calc("jamba-1.5-mini", "h200-141gb", context=32_768)
    assert jamba.vllm.block_sizes["full"] == 80 and jamba.vllm.page_bytes == 80 * 4096
    budget = 0.9 * 139.8 * 2**30 - 51.6e9 * 2
    num_blocks = int(budget // (80 * 4096) // 4)
    assert jamba.vllm.num_blocks == num_blocks
    assert jamba.vllm.concurrency == pytest.approx(num_blocks / (math.ceil(32_768 / 80) + 7))
    assert abs(jamba.vllm.concurrency - jamba.context_requests) < 1  # 58.4x vs 58 requests
    # Gemma 3: a sliding group keeps ceil((512 - 1 + 2,048) / 16) + 1 = 161 blocks, the full group 2,048
    gemma = calc("gemma-3-1b", "h200-141gb", context=32_768)
    assert gemma.vllm.blocks_per_request == 2048 + 6 * 161
    assert "Maximum concurrency for 32,768 tokens per request" in gemma.vllm.lines


# ------------------------------------------------------------------ blocks vs tokens (vLLM PR #57336)
def test_the_17_token_example_of_vllm_pr_57336():
    # PR #57336: opt-125m, --block-size 16, saturating 17-token prompts: the gauge 66.7 %, token slots 36.5 %.
    # Its pool size and output length are not in the PR; this setup gives both numbers: max_num_seqs 256
    # requests hold 2 blocks each of a 768-block pool (512 / 768 = 66.7 %) while holding 17 tokens, then 18
    # (2 new tokens): 256 x 17.5 / (768 x 16) = 36.46 %.
    assert round(100 * 2 * 256 / 768, 1) == 66.7 and round(100 * 256 * 17.5 / (768 * 16), 1) == 36.5
    first, second = pool_usage([17] * 256, 16, 768), pool_usage([18] * 256, 16, 768)
    assert first.block_share == second.block_share == pytest.approx(2 / 3)
    assert (first.token_share + second.token_share) / 2 == pytest.approx(17.5 / 32 * 2 / 3)
    # the same through the allocator simulation, as the gauge's median over time
    opt = memory.ModelPreset("opt-125m", 12, 12, 64, 0.125e9, 2048)
    n = 256 * 20
    run = simulator.simulate_kv("paged", model=opt, trace=traces.Trace(np.full(n, 17), np.full(n, 2)),
                                num_requests=n, max_num_seqs=256, num_gpu_blocks_override=768)
    gauge, tokens = run.usage.medians()
    assert (round(100 * gauge, 1), round(100 * tokens, 1)) == (66.7, 36.5)
    # 400-token prompts in a pool held at the same share: the two agree (the PR: within 1.2 points)
    long = simulator.simulate_kv("paged", model=opt, trace=traces.Trace(np.full(n, 400), np.full(n, 2)),
                                 num_requests=n, max_num_seqs=256, num_gpu_blocks_override=256 * 26 * 3 // 2)
    gauge, tokens = long.usage.medians()
    assert 0 < gauge - tokens < 0.02


def test_the_race_and_the_live_run_show_the_gauge_beside_the_tokens():
    race = race_view()
    english, japanese = race.opening(), race.opening(JAPANESE)
    assert "Blocks vs tokens" in english[race.table] and "ブロックとトークン" in japanese[race.table]
    paged = english[race.results]["paged"]
    gauge, tokens = paged.usage.medians()
    assert f"**{gauge:.1%}**" in english[race.table] and f"**{tokens:.1%}**" in english[race.table] and gauge > tokens
    assert english[race.usage].layout.height
    assert english[race.usage].layout.title.text != japanese[race.usage].layout.title.text
    view = tab.LiveView(gr.Markdown(), gr.Plot(), gr.Plot(), gr.Markdown())
    table = view.recorded()[view.table]
    # the recorded paged run: 38 of its 46 blocks hold 552 tokens: gauge 82.6 %, tokens 552 / 736 = 75.0 %
    assert "**82.6%**" in table and "**75.0%**" in table


# ------------------------------------------------------------------ refusals name the field
DEEPSEEK = {"model_type": "deepseek_v3", "num_hidden_layers": 61, "kv_lora_rank": 512, "qk_rope_head_dim": 64}
BAD_CONFIGS = [  # (config text, field the message names, its key)
    ("{not json", "config.json", "paged_attention_err_config_json"),
    ("[1, 2]", "list", "paged_attention_err_config_object"),
    (json.dumps({**DEEPSEEK, "model_type": "gpt-9"}), "model_type", "paged_attention_err_config_model_type"),
    (json.dumps({k: v for k, v in DEEPSEEK.items() if k != "kv_lora_rank"}), "kv_lora_rank",
     "paged_attention_err_config_missing"),
    (json.dumps({**DEEPSEEK, "num_hidden_layers": -3}), "num_hidden_layers", "paged_attention_err_config_whole"),
    (json.dumps({**config("gemma-3-1b-it.json"), "layer_types": ["full_attention"] * 3}), "layer_types",
     "paged_attention_err_config_contradiction"),
    (json.dumps({**config("mistral-7b-v0.1.json"), "layer_types": ["chunked_attention"] * 32}), "layer_types[0]",
     "paged_attention_err_config_layer_type"),
    (json.dumps({**config("llama-3.1-70b.json"), "num_key_value_heads": 7}), "num_key_value_heads",
     "paged_attention_err_config_contradiction"),
    (json.dumps({**config("llama-3.1-70b.json"), "quantization_config": {"kv_cache_scheme": {"num_bits": 4}}}),
     "quantization_config.kv_cache_scheme", "paged_attention_err_config_kv_scheme"),
    (json.dumps({**config("qwen3-next-80b-a3b-instruct.json"), "layer_types": ["full_attention"] * 48}),
     "full_attention_interval", "paged_attention_err_config_contradiction"),
]


@pytest.mark.parametrize("text, field, key", BAD_CONFIGS)
def test_unknown_or_contradictory_fields_are_refused_naming_the_field(text, field, key):
    with pytest.raises(InputError) as error:
        kv_config.kv_model(text, "mine", 7e9)
    assert error.value.key == key
    english = tab.TEXT["en"][key].format(**error.value.values)
    japanese = tab.TEXT["ja"][key].format(**error.value.values)
    assert field in english and field in japanese


def test_a_config_missing_a_class_default_says_which_default_it_took():
    gemma = {k: v for k, v in config("gemma-3-1b-it.json").items() if k != "sliding_window_pattern"}
    model = kv_config.kv_model(gemma, "gemma", 1e9)
    assert model.defaults_used == (("sliding_window_pattern", 6),)  # Gemma3TextConfig's default
    table, _ = tab.calculate(**fields("config.json", "h200-141gb", "bf16", 4096, 500, 1.0,
                                      config_text=json.dumps(gemma)))
    assert "`sliding_window_pattern` = 6" in table


def test_kv_heads_that_do_not_split_over_the_gpus_are_refused():
    text = json.dumps({**config("llama-3.1-70b.json"), "num_key_value_heads": 6, "num_attention_heads": 48,
                       "head_dim": 128})
    with pytest.raises(gr.Error, match="6 KV heads do not split evenly over 8 GPUs"):
        tab.calculate(**fields("config.json", "8x-h100-80gb", "bf16", 4096, 500, 70.0, config_text=text))


# ------------------------------------------------------------------ the server a model fits on
def per_gpu_budget_gib(gpu: str, params: float, bytes_per_weight: int) -> float:
    """0.9 of one card minus its share of the weights, in GiB (by hand, not through memory.py)."""
    card = memory.GPUS[gpu]
    return 0.9 * card.memory_gib - params * bytes_per_weight / card.count / 2**30


def test_the_smallest_listed_server_that_holds_the_weights_is_found_by_hand():
    # Llama-3.1-70B in fp16: 141.2 GB. One H200 (139.8 GiB, the next size up from an H100) is too small; two H100s
    # (the next by total memory) keep 71.2 - 65.8 = 5.4 GiB each for KV
    assert per_gpu_budget_gib("h200-141gb", 70.6e9, 2) < 0 < per_gpu_budget_gib("2x-h100-80gb", 70.6e9, 2)
    assert memory.fitting_server("llama-3.1-70b", "fp16") == ("2x-h100-80gb", "fp16")
    # DeepSeek-V3 (671B) in bf16 needs 156.2 GiB per GPU even over 8 H200s (125.8 usable): only fp8 fits there
    # (78.1 GiB), and 8 H100s (71.2 usable) are too small even then
    assert per_gpu_budget_gib("8x-h200-141gb", 671e9, 2) < 0 < per_gpu_budget_gib("8x-h200-141gb", 671e9, 1)
    assert per_gpu_budget_gib("8x-h100-80gb", 671e9, 1) < 0
    assert memory.fitting_server("deepseek-v3", "bf16") == ("8x-h200-141gb", "fp8")
    # a server whose GPUs cannot share the KV heads is skipped: 6 heads over 8 GPUs. In fp16 this 150B model fits
    # only on the 8-GPU servers (34.9 GiB each), so it moves to fp8 on 2 H100s (69.8 of 71.2 GiB)
    odd = memory.ModelPreset("six-heads", 80, 6, 128, 150e9, 8192)
    assert per_gpu_budget_gib("8x-h100-80gb", 150e9, 2) > 0 > per_gpu_budget_gib("2x-h100-80gb", 150e9, 2)
    assert memory.fitting_server(odd, "fp16") == ("2x-h100-80gb", "fp8")
    assert memory.fitting_server(memory.ModelPreset("huge", 80, 8, 128, 5e12, 8192), "fp16") is None


def test_a_model_that_fits_keeps_its_server_and_one_that_does_not_moves_in_its_published_type():
    assert memory.server_for("llama-13b", "a100-40gb", "fp16") == ("a100-40gb", "fp16")
    assert memory.server_for("llama-3.1-70b", "8x-h200-141gb", "fp32") == ("8x-h200-141gb", "fp32")
    assert memory.server_for("llama-3.1-70b", "a100-40gb", "fp32") == ("8x-h100-80gb", "fp32")  # 263 GiB
    assert memory.server_for("deepseek-v3", "a100-40gb", "fp16") == ("8x-h200-141gb", "fp8")  # its checkpoint: fp8
    assert config("deepseek-v3.json")["quantization_config"]["quant_method"] == "fp8"


@pytest.mark.parametrize("lang, words", [(None, ["GPU: the weights of deepseek-v3 in fp16", "a100-40gb",
                                                 "Choose GPU 8x-h200-141gb with data type fp8"]),
                                         (JAPANESE, ["GPU: deepseek-v3 の fp16 の重み", "収まる最小のサーバーは GPU "
                                                     "8x-h200-141gb、データ型 fp8"])])
def test_an_impossible_server_is_still_refused_naming_the_field_and_the_server_that_fits(lang, words):
    with pytest.raises(InputError) as error:  # the engine (and so the API) still refuses; it names the fit
        calculator.model_capacity("deepseek-v3", "a100-40gb", "fp16")
    assert error.value.key == "paged_attention_err_weights"
    assert (error.value.values["fit_gpu"], error.value.values["fit_dtype"]) == ("8x-h200-141gb", "fp8")
    with pytest.raises(gr.Error) as shown:
        tab.calculate(lang, **fields("deepseek-v3", "a100-40gb", "fp16", 2048, 500, 8.0))
    assert all(word in shown.value.message for word in words), shown.value.message
    with pytest.raises(gr.Error, match="nor on any listed server even in fp8"):
        tab.calculate(**fields("custom", "h200-141gb", "fp16", 2048, 500, 1999.0))


def test_picking_a_preset_answers_with_the_server_it_fits_on_and_its_calculation():
    view = tab.PickView(gr.Dropdown(), gr.Radio(), gr.Markdown(), gr.Code())
    answer = view.pick(**{**CALC, "model": "deepseek-v3"})
    assert (answer[view.gpu], answer[view.dtype]) == ("8x-h200-141gb", "fp8")
    # 61 MLA layers x (512 + 64) latent values x 1 B (the KV follows the fp8 weights): 35,136 B/token
    assert "= 35,136 B/token" in answer[view.table] and "# GPU blocks" in answer[view.vllm]
    assert "| memory and capacity (one GPU) | value |" in answer[view.table] and "| | |" not in answer[view.table]
    kept = view.pick(**{**CALC, "gpu": "h100-80gb", "dtype": "bf16"})
    assert (kept[view.gpu], kept[view.dtype]) == ("h100-80gb", "bf16")
    with pytest.raises(gr.Error, match="nor on any listed server"):  # the reader's own sizes: no server is chosen
        view.pick(**{**CALC, "model": "custom", "params_b": 1999.0})


def test_a_link_to_a_model_opens_on_the_server_it_fits_on():
    assert tab.linked_controls({"model": "deepseek-v3"}) == {"model": "deepseek-v3", "gpu": "8x-h200-141gb",
                                                             "dtype": "fp8"}
    assert tab.linked_controls({"model": "llama-13b", "context": "4096"}) == {"model": "llama-13b", "context": 4096}
    assert tab.linked_controls({"model": "llama-3.1-70b", "gpu": "h100-80gb", "dtype": "fp8"}) == {
        "model": "llama-3.1-70b", "gpu": "h100-80gb", "dtype": "fp8"}  # 65.8 GiB of weights in 71.2: kept as linked
    link = tab.CalcLink(tab.calc_controls())
    assert link.server({"model": "deepseek-v3", "average": "9"}) == {
        link.controls["gpu"]: "8x-h200-141gb", link.controls["dtype"]: "fp8"}
    table, _ = link.opening(gr.Request(query_params={"tab": "paged_attention", "model": "deepseek-v3"}))
    assert "= 35,136 B/token" in table


# ------------------------------------------------------------------ the tab's handlers
def test_the_calculator_shows_a_row_and_its_equation_per_layer_kind_in_both_languages():
    english, vllm = tab.calculate(**fields("jamba-1.5-mini", "h200-141gb", "bf16", 32768, 1000, 8.0))
    japanese, _ = tab.calculate(JAPANESE, **fields("jamba-1.5-mini", "h200-141gb", "bf16", 32768, 1000, 8.0))
    assert "| full attention | 4 | 4,096 B/token |" in english and "| Mamba (state) | 28 | 311,296 B/request |" in english
    assert "| 全注意 | 4 | 4,096 B/トークン |" in japanese and "311,296 B/リクエスト" in japanese
    assert "(conv · (k − 1) + d_inner · d_state) · b" in english and "2 · H_kv · d · b · n" in english
    assert "Cross-check" in english and "照合" in japanese and "Maximum concurrency for 32,768" in vllm


def test_a_pasted_config_is_computed_like_its_preset():
    text = (CONFIGS / "deepseek-v3.json").read_text(encoding="utf-8")
    pasted, _ = tab.calculate(**fields("config.json", "8x-h200-141gb", "fp8", 32768, 1000, 671.0, config_text=text,
                                       kv_dtype="bf16"))
    preset, _ = tab.calculate(**fields("deepseek-v3", "8x-h200-141gb", "fp8", 32768, 1000, 8.0, kv_dtype="bf16"))
    assert "70,272 B/token" in pasted and "70,272 B/token" in preset
    assert pasted.replace("config.json", "deepseek-v3") == preset


@pytest.mark.parametrize("lang, words", [(None, "`kv_lora_rank`"), (JAPANESE, "`kv_lora_rank` がありません")])
def test_a_bad_pasted_config_names_the_field_in_the_readers_language(lang, words):
    text = json.dumps({k: v for k, v in DEEPSEEK.items() if k != "kv_lora_rank"})
    with pytest.raises(gr.Error) as error:
        tab.calculate(lang, **fields("config.json", "8x-h200-141gb", "fp8", 4096, 500, 671.0, config_text=text))
    assert words in error.value.message


RACE = dict(model="gemma-3-1b", gpu="a100-40gb", dtype="bf16", layers=32, kv_heads=8, head_dim=128, params_b=8.0,
            trace="sharegpt", csv_path=None, num_requests=100, block_size=16, samples=1, prefix=0)



def test_the_race_refuses_a_model_whose_tokens_do_not_all_cost_the_same():
    with pytest.raises(gr.Error, match="sliding-window or fixed-state layers"):
        race_view().simulate(**RACE)


@pytest.mark.slow  # ~20-40 s on 2 CPUs: the other policies' memory maps over 5.8 M token slots
def test_the_race_serves_an_mla_model():
    view = race_view()
    outputs = view.simulate(**{**RACE, "model": "deepseek-v3", "gpu": "8x-h200-141gb", "dtype": "fp8"})  # MLA
    assert outputs[view.results]["paged"].finished == 100


@pytest.mark.slow
def test_a_pasted_config_through_the_api(client):
    text = (CONFIGS / "qwen3-next-80b-a3b-instruct.json").read_text(encoding="utf-8")
    table, vllm = client.predict("config.json", "8x-h200-141gb", "fp8", 32768, 1000, 32, 8, 128, 80.0, text,
                                 None, "bf16", api_name="/kv_calculate")
    assert "| linear attention (state) | 36 |" in table and "Maximum concurrency for 32,768" in vllm
    with pytest.raises(Exception, match="model_type") as error:
        client.predict("config.json", "h200-141gb", "bf16", 4096, 500, 32, 8, 128, 7.0, '{"model_type": "x"}',
                       None, "auto", api_name="/kv_calculate")
    assert "Traceback" not in str(error.value)
    old, _ = client.predict("llama-13b", "a100-40gb", "fp16", 2048, 500, 32, 8, 128, 8.0, api_name="/kv_calculate")
    assert "819,200 B/token" in old  # the nine-argument call of before still works
