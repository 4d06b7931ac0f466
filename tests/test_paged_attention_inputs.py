"""PagedAttention's configs refuse each bad value with the shared key and the field's label key (no server)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from demos.paged_attention import tab
from playground.core.errors import InputError
from playground.paged_attention import traces
from playground.paged_attention.inputs import CalcConfig, ModelChoice, RaceConfig

CUSTOM = ModelChoice(model="custom")
BAD = [  # (config, field, bad value, shared key, field's label key)
    (ModelChoice(), "model", "gpt-5", "common_err_choice", "paged_attention_model"),
    (ModelChoice(), "gpu", "tpu", "common_err_choice", "paged_attention_gpu"),
    (ModelChoice(), "dtype", "int3", "common_err_choice", "paged_attention_dtype"),
    (CUSTOM, "layers", 0, "common_err_whole", "paged_attention_layers"),
    (CUSTOM, "kv_heads", 1.5, "common_err_whole", "paged_attention_kv_heads"),
    (CUSTOM, "head_dim", 4097, "common_err_whole", "paged_attention_head_dim"),
    (CUSTOM, "params_b", float("nan"), "common_err_range", "paged_attention_params"),
    (ModelChoice(model="config.json", config_text="{}"), "config_text", "", "paged_attention_err_config_empty", None),
    (CalcConfig(), "context_length", 0, "common_err_whole", "paged_attention_context"),
    (CalcConfig(), "average_length", 2**21, "common_err_whole", "paged_attention_average"),
    (CalcConfig(), "kv_dtype", None, "common_err_choice", "paged_attention_kv_dtype"),
    (RaceConfig(), "trace", "lmsys", "common_err_choice", "paged_attention_trace"),
    (RaceConfig(), "num_requests", 5001, "common_err_whole", "paged_attention_requests"),
    (RaceConfig(), "block_size", 7, "common_err_whole", "paged_attention_block"),
    (RaceConfig(), "samples", True, "common_err_whole", "paged_attention_samples"),
    (RaceConfig(), "prefix", -1, "common_err_whole", "paged_attention_prefix"),
]


@pytest.mark.parametrize("config, name, value, key, field", BAD, ids=[f"{row[1]}={row[2]!r}" for row in BAD])
def test_each_config_refuses_a_bad_value_naming_its_field(config, name, value, key, field):
    with pytest.raises(InputError) as error:
        dataclasses.replace(config, **{name: value})
    assert error.value.key == key
    assert error.value.values.get("field") == field
    if field:  # the page says it by the label the field carries, in both languages
        assert tab.TEXT["en"][field] and tab.TEXT["ja"][field]


def test_a_whole_number_sent_as_a_float_is_stored_as_an_int_and_the_preset_sizes_are_not_read():
    config = RaceConfig(num_requests=300.0, block_size=32.0)
    assert (config.num_requests, config.block_size) == (300, 32) and isinstance(config.num_requests, int)
    assert ModelChoice(layers=0).layout() == "llama-13b"  # a preset's boxes are left alone, not refused
    custom = ModelChoice(model="custom", layers=40.0, kv_heads=40, head_dim=128, params_b=13.0).layout()
    assert (custom.num_layers, custom.num_params) == (40, 13e9)


def test_a_race_of_the_readers_own_trace_takes_it_as_it_is():
    trace = traces.Trace(np.array([10, 20]), np.array([5, 5]))
    assert RaceConfig(trace=trace).options()["trace"] is trace
