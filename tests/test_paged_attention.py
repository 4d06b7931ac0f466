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


@pytest.mark.slow
def test_the_papers_figure_2_and_13_shares_on_llama_13b_a100():
    results = simulator.compare_policies(("max", "pow2", "oracle", "paged"), trace="sharegpt", num_requests=1000)
    # paper: 20.4 / 26.8 / 38.2 / 96.3 % token states; 7.00 -> 30.42 running sequences
    assert results["max"].token_state_share == pytest.approx(0.204, abs=0.05)
    assert results["oracle"].token_state_share == pytest.approx(0.382, abs=0.05)
    assert results["paged"].token_state_share >= 0.94
    assert results["max"].mean_running == pytest.approx(7.0, rel=0.15)
    assert results["paged"].mean_running == pytest.approx(30.4, rel=0.15)
