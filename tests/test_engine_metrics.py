"""The engine's Prometheus `/metrics` read as vLLM writes them (no server needed: a captured-style sample).

The sample follows vLLM v1's exposition: `vllm:` names, `model_name` and `engine` labels, counters
with `_total` and `_created` samples, a histogram. A llama.cpp-style text has none of the vLLM names.
"""
from __future__ import annotations

from playground.core.engine import kv_usage, parse_metrics, spec_decode_counts

VLLM_METRICS = """\
# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 3.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 2.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 0.4375
# HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.
# TYPE vllm:num_preemptions_total counter
vllm:num_preemptions_total{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 5.0
vllm:num_preemptions_created{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 1.7649e+09
# HELP vllm:spec_decode_num_draft_tokens_total Number of draft tokens.
# TYPE vllm:spec_decode_num_draft_tokens_total counter
vllm:spec_decode_num_draft_tokens_total{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 1200.0
# HELP vllm:spec_decode_num_accepted_tokens_total Number of accepted tokens.
# TYPE vllm:spec_decode_num_accepted_tokens_total counter
vllm:spec_decode_num_accepted_tokens_total{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 780.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 4.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 5.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 5.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="HuggingFaceTB/SmolLM2-1.7B-Instruct"} 0.61
"""
OTHER_METRICS = """\
# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.
# TYPE llamacpp:tokens_predicted_total counter
llamacpp:tokens_predicted_total 96
"""


def test_vllm_kv_gauges_are_read():
    usage = kv_usage(parse_metrics(VLLM_METRICS))
    assert usage is not None
    assert (usage.usage, usage.running, usage.waiting, usage.preemptions) == (0.4375, 3.0, 2.0, 5.0)


def test_vllm_speculative_counters_are_read():
    counts = spec_decode_counts(parse_metrics(VLLM_METRICS))
    assert counts is not None
    assert (counts.drafted, counts.accepted) == (1200.0, 780.0)
    assert counts.acceptance == 780 / 1200


def test_counter_timestamps_are_not_counts():
    """`_created` is a Unix time: mistaking it for the counter would show billions of preemptions."""
    metrics = parse_metrics(VLLM_METRICS)
    assert metrics["vllm:num_preemptions_total"] == 5.0
    assert metrics["vllm:time_to_first_token_seconds_count"] == 5.0


def test_an_engine_without_vllm_names_exposes_none():
    metrics = parse_metrics(OTHER_METRICS)
    assert metrics == {"llamacpp:tokens_predicted_total": 96.0}
    assert kv_usage(metrics) is None and spec_decode_counts(metrics) is None


def test_labels_of_one_metric_add_up():
    metrics = parse_metrics(VLLM_METRICS.replace('engine="0"', 'engine="1"') + VLLM_METRICS)
    assert metrics["vllm:spec_decode_num_draft_tokens_total"] == 2400.0


def test_the_speculative_and_kv_lines_read_the_engines_metrics_or_say_why_not(monkeypatch):
    """The tabs' engine lines (one `engine_metrics_line`): the counts, 'exposes none', and a down engine."""
    from demos import paged_attention, speculative
    from playground.core.engine import Engine

    monkeypatch.setenv("PLAYGROUND_ENGINE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setattr(Engine, "metrics", lambda self: parse_metrics(VLLM_METRICS))
    assert "**1,200** draft tokens, **780** accepted, acceptance **65.0%**" in speculative.engine_counters()
    assert "**43.8%** in use" in paged_attention.engine_kv() and "**5** preemptions" in paged_attention.engine_kv()
    monkeypatch.setattr(Engine, "metrics", lambda self: {})
    assert "exposes no speculative-decoding counters" in speculative.engine_counters()
    assert "KV usage is not exposed" in paged_attention.engine_kv()
    monkeypatch.undo()
    monkeypatch.setenv("PLAYGROUND_ENGINE_URL", "http://127.0.0.1:9/v1")  # nothing listens on port 9
    assert "does not answer" in speculative.engine_counters() and "does not answer" in paged_attention.engine_kv()
