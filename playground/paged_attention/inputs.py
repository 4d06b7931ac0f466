"""The tab's inputs as typed, frozen configs, each checked once, where it is made.

Why here and not in the page: the page's widgets, an API client and a slide's deep link all reach the
calculator and the race through these, so a value is refused the same way whichever sent it
(`playground.core.checks`, each field named by the UI-text key of its label). The bounds are the page's:
what one shared CPU answers in seconds (the engine functions allow more, for library callers).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from playground.core.checks import in_range, one_of, whole_number
from playground.paged_attention import calculator, kv_config, memory, traces
from playground.paged_attention.kv_config import KvModel

CUSTOM, CONFIG = "custom", "config.json"  # the user's own model: its sizes, or its config.json
MODEL_CHOICES = (*memory.MODELS, *memory.CONFIG_PRESETS, CUSTOM, CONFIG)
MAX_PARAMS_B = 2000.0  # billions of parameters of the reader's own model (DeepSeek-V3 has 671)
MIN_PARAMS_B = 0.001
MAX_RACE_REQUESTS, MAX_SAMPLES, MAX_PREFIX = 5000, 8, 1024
SWEEP_SIZES = (8, 16, 32, 64, 128, 256)  # the block sizes of the sweep; the page's block size lies among them
MIN_BLOCK, MAX_BLOCK = min(SWEEP_SIZES), max(SWEEP_SIZES)


def _set(config: object, name: str, value: object) -> None:
    """Store the checked value (an int for a whole number sent as 16.0) in a frozen config."""
    object.__setattr__(config, name, value)


@dataclass(frozen=True)
class ModelChoice:
    """A model on a server: a listed model, or the reader's own by its sizes ('custom') or its config.json."""
    model: str = "llama-13b"
    gpu: str = "a100-40gb"
    dtype: str = "fp16"  # of the weights (and of the KV cache, unless `kv_dtype` says otherwise)
    layers: int = 32  # 'custom' only, like kv_heads and head_dim
    kv_heads: int = 8
    head_dim: int = 128
    params_b: float = 8.0  # 'custom' and 'config.json': billions of parameters, for the weights
    config_text: str = ""  # 'config.json': the file's text (read as JSON only; nothing in it runs)

    def __post_init__(self) -> None:
        one_of("paged_attention_model", self.model, MODEL_CHOICES)
        one_of("paged_attention_gpu", self.gpu, tuple(memory.GPUS))
        one_of("paged_attention_dtype", self.dtype, tuple(memory.DTYPE_BYTES))
        if self.model == CUSTOM:  # a preset's own sizes are the published ones: these boxes are not read then
            _set(self, "layers", whole_number("paged_attention_layers", self.layers, 1, memory.MAX_LAYERS))
            _set(self, "kv_heads", whole_number("paged_attention_kv_heads", self.kv_heads, 1, memory.MAX_LAYERS))
            _set(self, "head_dim", whole_number("paged_attention_head_dim", self.head_dim, 1, memory.MAX_HEAD_DIM))
        if self.model in (CUSTOM, CONFIG):
            _set(self, "params_b", in_range("paged_attention_params", self.params_b, MIN_PARAMS_B, MAX_PARAMS_B))
        if self.model == CONFIG:
            kv_config.read_config(self.config_text)  # empty, too long or not a JSON object: refused here

    def layout(self) -> str | memory.ModelPreset | KvModel:
        """What the engine takes: a preset's name, the reader's sizes, or the KV layout of their config.json."""
        if self.model == CONFIG:
            return kv_config.kv_model(self.config_text, CONFIG, self.params_b * 1e9)
        if self.model == CUSTOM:
            return memory.ModelPreset(CUSTOM, self.layers, self.kv_heads, self.head_dim, self.params_b * 1e9,
                                      memory.MAX_CONTEXT)
        return self.model


@dataclass(frozen=True)
class CalcConfig:
    """The calculator's question: this model on this server, at this context and average request length."""
    choice: ModelChoice = field(default_factory=ModelChoice)
    context_length: int = 2048
    average_length: int = 500
    kv_dtype: str = "auto"  # vLLM's --kv-cache-dtype; "auto": the preset's, else the weights' type

    def __post_init__(self) -> None:
        _set(self, "context_length", whole_number("paged_attention_context", self.context_length, 1,
                                                  memory.MAX_CONTEXT))
        _set(self, "average_length", whole_number("paged_attention_average", self.average_length, 1,
                                                  memory.MAX_CONTEXT))
        one_of("paged_attention_kv_dtype", self.kv_dtype, memory.KV_DTYPES)

    def capacity(self) -> calculator.ModelCapacity:
        """The calculator's answer (`calculator.model_capacity`) for this question.

        >>> CalcConfig().capacity().vllm.num_blocks  # LLaMA-13B on an A100-40GB: vLLM's "# GPU blocks"
        921
        """
        chosen = self.choice
        return calculator.model_capacity(chosen.layout(), chosen.gpu, chosen.dtype, self.context_length,
                                         self.average_length, self.kv_dtype)


@dataclass(frozen=True)
class RaceConfig:
    """The allocator race: the model and server, a trace (by name, or the reader's CSV) and the serving options."""
    choice: ModelChoice = field(default_factory=ModelChoice)
    trace: str | traces.Trace = "sharegpt"
    num_requests: int = 1000
    block_size: int = 16  # tokens per paged block
    samples: int = 1  # parallel samples per request (they share the prompt's blocks)
    prefix: int = 0  # tokens of a system prefix every request shares (stored once: prefix caching)

    def __post_init__(self) -> None:
        if not isinstance(self.trace, traces.Trace):
            one_of("paged_attention_trace", self.trace, tuple(traces.TRACES))
        _set(self, "num_requests", whole_number("paged_attention_requests", self.num_requests, 1, MAX_RACE_REQUESTS))
        _set(self, "block_size", whole_number("paged_attention_block", self.block_size, MIN_BLOCK, MAX_BLOCK))
        _set(self, "samples", whole_number("paged_attention_samples", self.samples, 1, MAX_SAMPLES))
        _set(self, "prefix", whole_number("paged_attention_prefix", self.prefix, 0, MAX_PREFIX))

    def options(self) -> dict:
        """`simulator.simulate_kv`'s keyword options for this race (all but the policy and the block size)."""
        chosen = self.choice
        return dict(model=chosen.layout(), gpu=chosen.gpu, dtype=chosen.dtype, trace=self.trace,
                    num_requests=self.num_requests, parallel_samples=self.samples, system_prefix=self.prefix)
