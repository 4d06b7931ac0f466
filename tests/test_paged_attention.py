"""PagedAttention engine: the KV formula on published configs, the simulator's invariants and the
paper's ordering of policies (Kwon et al., SOSP 2023, Fig. 2), and bad input refused clearly."""
from __future__ import annotations

import numpy as np
import pytest

from playground.paged_attention import memory, simulator, traces


def test_kv_bytes_per_token_matches_the_paper_and_llama_3_config():
    # LLaMA-13B: 40 layers, 40 heads of 128, fp16 -> 2 * 40 * 40 * 128 * 2 = 819,200 B (the paper's "800 KB")
    assert memory.kv_bytes_per_token(40, 40, 128, 2) == 819_200
    # Llama-3.1-8B: 32 layers, 8 KV heads (GQA) of 128, bf16 -> 131,072 B
    assert memory.kv_bytes_per_token(32, 8, 128, 2) == 131_072
    llama = memory.model_preset("llama-13b")
    assert memory.kv_bytes_per_token(llama.num_layers, llama.num_kv_heads, llama.head_dim, 2) == 819_200


def test_capacity_is_the_budget_over_bytes_per_token():
    result = memory.kv_capacity("llama-13b", "a100-40gb", "fp16", 2048)
    assert "# GPU blocks" in result.vllm_lines and "Maximum concurrency" in result.vllm_lines
    assert result.max_length_requests <= result.average_length_requests


@pytest.mark.parametrize("bad", [0, -1, 10**9])
def test_bad_sizes_are_refused_with_the_field_name(bad):
    with pytest.raises(ValueError, match="layers"):
        memory.kv_bytes_per_token(bad, 8, 128, 2)


def test_block_size_zero_and_a_billion_requests_are_refused():
    with pytest.raises(ValueError, match="block"):
        simulator.simulate_kv("paged", num_requests=10, block_size=0)
    with pytest.raises(ValueError, match="request"):
        simulator.simulate_kv("paged", num_requests=10**9)


@pytest.mark.parametrize("csv", ["prompt,output\n10,x\n", "prompt,output\n-5,20\n"])
def test_csv_with_text_or_negative_lengths_names_the_row(csv):
    with pytest.raises(ValueError, match="row"):
        traces.trace_from_csv(csv)


def test_synthetic_traces_are_calibrated_to_the_papers_means():
    share = traces.synthetic_trace("sharegpt", 20_000, seed=0)
    alpaca = traces.synthetic_trace("alpaca", 20_000, seed=0)
    assert np.mean(share.prompt_lengths) == pytest.approx(161, rel=0.1) and np.mean(share.output_lengths) == pytest.approx(338, rel=0.1)  # noqa: E501
    assert np.mean(alpaca.prompt_lengths) == pytest.approx(19, rel=0.1) and np.mean(alpaca.output_lengths) == pytest.approx(58, rel=0.1)  # noqa: E501


@pytest.mark.parametrize("policy", ["ft", "max", "pow2", "oracle", "paged"])
def test_invariants_hold_and_every_request_finishes(policy):
    result = simulator.simulate_kv(policy, num_requests=120, seed=1, check_invariants=True,
                                   parallel_samples=2, system_prefix=64)
    assert result.finished == 120
    assert sum(result.breakdown.values()) == pytest.approx(1.0, rel=1e-9)
    assert all(share >= 0 for share in result.breakdown.values()), result.breakdown


@pytest.mark.parametrize("trace", ["sharegpt", "alpaca"])
def test_paged_beats_oracle_beats_pow2_beats_max(trace):
    results = simulator.compare_policies(("max", "pow2", "oracle", "paged"), trace=trace, num_requests=300, seed=0)
    shares = [results[p].token_state_share for p in ("max", "pow2", "oracle", "paged")]
    assert shares == sorted(shares), shares


def test_on_alpaca_like_traces_large_blocks_waste_more():
    sweep = simulator.block_size_sweep((16, 256), trace="alpaca", num_requests=300, seed=0)
    # Alpaca's answers are short (58 tokens on average), so a 256-token block is mostly its own last, empty part
    assert sweep[256].token_state_share < 0.6 * sweep[16].token_state_share, sweep
    assert sweep[256].breakdown["internal"] > sweep[16].breakdown["internal"]


def test_parallel_samples_share_their_prompt_blocks():
    one = simulator.simulate_kv("paged", num_requests=200, seed=0)
    two = simulator.simulate_kv("paged", num_requests=200, seed=0, parallel_samples=2)
    # two samples per request each own only their answer: more sequences fit than with one sample each
    assert two.mean_running > 1.1 * one.mean_running, (one.mean_running, two.mean_running)


def test_a_shared_system_prefix_is_stored_once():
    trace = traces.synthetic_trace("sharegpt", 200, seed=0)
    copied = traces.Trace(trace.prompt_lengths + 512, trace.output_lengths)  # the same 512 tokens in every prompt
    shared = simulator.simulate_kv("paged", trace=trace, num_requests=200, system_prefix=512)
    unshared = simulator.simulate_kv("paged", trace=copied, num_requests=200)
    plain = simulator.simulate_kv("paged", trace=trace, num_requests=200)
    assert shared.mean_running > 1.5 * unshared.mean_running, (shared.mean_running, unshared.mean_running)
    assert shared.mean_running > 0.9 * plain.mean_running  # one copy of the prefix costs little


@pytest.mark.slow
def test_the_papers_figure_2_and_13_shares_on_llama_13b_a100():
    results = simulator.compare_policies(("max", "pow2", "oracle", "paged"), trace="sharegpt", num_requests=1000)
    # paper: 20.4 / 26.8 / 38.2 / 96.3 % token states; 7.00 -> 30.42 running sequences
    assert results["max"].token_state_share == pytest.approx(0.204, abs=0.05)
    assert results["oracle"].token_state_share == pytest.approx(0.382, abs=0.05)
    assert results["paged"].token_state_share >= 0.94
    assert results["max"].mean_running == pytest.approx(7.0, rel=0.15)
    assert results["paged"].mean_running == pytest.approx(30.4, rel=0.15)
