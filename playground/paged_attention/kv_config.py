"""A model's KV layout read from its Hugging Face `config.json`: which layers keep what, per token or per request.

Why per layer kind: `2 * L * H_kv * d * b` is exact only when every layer is full (multi-head or
grouped-query) attention. Models served today mix kinds, and each stores something else:

    full      2 * H_kv * d * b per token                     (K and V per KV head)
    sliding   2 * H_kv * d * b per token, min(n, W) tokens   (Gemma 2/3, Mistral v0.1: a window)
    mla       (r_kv + d_rope) * b per token                  (DeepSeek-V2/V3: one latent, no heads)
    linear    (conv_dim * (k - 1) + H_v * d_k * d_v) * b     (Qwen3-Next Gated DeltaNet: fixed state)
    mamba     (d_inner * (k - 1) + d_inner * d_state) * b    (Jamba: conv + SSM state, fixed)

The config is read as JSON only (no `trust_remote_code`, no `auto_map` code is ever run). Every field
is read through `_Fields`, the one place that checks it: missing, of the wrong type, out of range, or
contradicting another field is refused naming the field; a field absent from the file is taken only
from the default of transformers' configuration class for that `model_type`, and the layout says which
(`defaults_used`). Tensor parallelism shards heads and states over GPUs as vLLM does; the MLA latent
is replicated on every GPU.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from playground.core.checks import shown
from playground.core.errors import InputError

KINDS = ("full", "sliding", "mla", "linear", "mamba")
STATE_KINDS = ("linear", "mamba")  # a fixed state per request, whatever its length
MAX_CONFIG_CHARS = 200_000  # a config.json is a few KB; a pasted model card is not one
MAX_LAYERS, MAX_WIDTH = 1000, 1_000_000
GQA_TYPES = ("llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma", "granite",
             "olmo2", "phi3", "smollm3", "opt")
GEMMA_TYPES = ("gemma2", "gemma3", "gemma3_text")
MLA_TYPES = ("deepseek_v2", "deepseek_v3", "kimi_k2")
MODEL_TYPES = (*GQA_TYPES, *GEMMA_TYPES, *MLA_TYPES, "jamba", "qwen3_next")
LAYER_TYPE_KINDS = {"full_attention": "full", "sliding_attention": "sliding", "linear_attention": "linear"}


@dataclass(frozen=True)
class LayerGroup:
    """`count` layers of one kind; the sizes are the model's (not yet split over GPUs)."""
    kind: str  # one of KINDS
    count: int
    kv_heads: int = 0  # full / sliding
    head_dim: int = 0  # full / sliding
    window: int = 0  # sliding: tokens kept at most
    latent: int = 0  # mla: kv_lora_rank
    rope_dim: int = 0  # mla: qk_rope_head_dim
    conv_dim: int = 0  # linear / mamba: channels of the causal convolution
    conv_kernel: int = 0  # linear / mamba: its width k (k - 1 past inputs are kept)
    state_values: int = 0  # linear: H_v * d_k * d_v; mamba: d_inner * d_state (the recurrent state)

    def splits_over(self, gpus: int) -> bool:
        """Whether vLLM can shard this layer's KV heads over `gpus`: one count divides the other (no heads: yes)."""
        return not self.kv_heads or not (self.kv_heads % gpus and gpus % self.kv_heads)

    def kv_heads_per_gpu(self, gpus: int) -> int:
        """vLLM splits KV heads over tensor-parallel GPUs, one head each at least (replicated below that)."""
        if not self.splits_over(gpus):
            raise InputError("paged_attention_err_config_split", heads=self.kv_heads, gpus=gpus)
        return max(1, self.kv_heads // gpus)

    def values_per_token(self, gpus: int = 1) -> int:
        """Numbers stored per token in one layer on one GPU (0 for fixed-state layers)."""
        if self.kind in ("full", "sliding"):
            return 2 * self.kv_heads_per_gpu(gpus) * self.head_dim
        if self.kind == "mla":
            return self.latent + self.rope_dim  # replicated: every GPU keeps the whole latent
        return 0

    def state_values_per_request(self, gpus: int = 1) -> int:
        """Numbers held per request in one layer on one GPU, however long the request (0 for attention)."""
        if self.kind not in STATE_KINDS:
            return 0
        return (self.conv_dim * (self.conv_kernel - 1) + self.state_values) // gpus

    def tokens_kept(self, tokens: int) -> int:
        """Tokens whose K/V this layer keeps for a request of `tokens` tokens: a window caps it."""
        if self.kind == "sliding":
            return min(tokens, self.window)
        return 0 if self.kind in STATE_KINDS else tokens

    def formula(self, gpus: int, kv_bytes: int, state_bytes: int) -> tuple[str, str]:
        """(the equation in symbols, the same with this layer's numbers) per layer on one GPU."""
        if self.kind in ("full", "sliding"):
            heads = self.kv_heads_per_gpu(gpus)
            cap = f" × min(n, {self.window:,})" if self.kind == "sliding" else " × n"
            symbols = "2 · H_kv · d · b" + (" · min(n, W)" if self.kind == "sliding" else " · n")
            return symbols, f"2 × {heads} × {self.head_dim} × {kv_bytes} B{cap}"
        if self.kind == "mla":
            return "(r_kv + d_rope) · b · n", f"({self.latent} + {self.rope_dim}) × {kv_bytes} B × n"
        split = f" / {gpus}" if gpus > 1 else ""
        what = "H_v · d_k · d_v" if self.kind == "linear" else "d_inner · d_state"
        return (f"(conv · (k − 1) + {what}) · b",
                f"({self.conv_dim:,} × {self.conv_kernel - 1} + {self.state_values:,}){split} × {state_bytes} B")


@dataclass(frozen=True)
class KvModel:
    """What a model keeps per request, by layer kind, plus what the weights need."""
    name: str
    model_type: str
    groups: tuple[LayerGroup, ...]
    num_params: float  # for the weight memory; a config.json does not say it
    max_context: int | None = None  # max_position_embeddings
    kv_cache_dtype: str | None = None  # set by the checkpoint (quantization_config.kv_cache_scheme) or the preset
    defaults_used: tuple[tuple[str, object], ...] = field(default=())  # (field, value) from transformers' defaults

    @property
    def num_layers(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def uniform(self) -> bool:
        """Every layer keeps the same per token and nothing fixed: one bytes-per-token number describes it."""
        return all(group.kind in ("full", "mla") for group in self.groups)

    def bytes_per_request(self, tokens: int, kv_bytes: int, state_bytes: int, gpus: int = 1) -> int:
        """KV and state bytes one request of `tokens` tokens holds on one GPU: the sum over layer kinds.

        >>> llama = KvModel("llama-13b", "llama", (LayerGroup("full", 40, kv_heads=40, head_dim=128),), 13e9)
        >>> llama.bytes_per_request(1, kv_bytes=2, state_bytes=2)  # the paper's 800 KB per token
        819200
        """
        return sum(group.count * (group.tokens_kept(tokens) * group.values_per_token(gpus) * kv_bytes
                                  + group.state_values_per_request(gpus) * state_bytes) for group in self.groups)


class _Fields:
    """The config's fields, each read and checked here, so every refusal names the field the same way."""

    def __init__(self, data: dict[str, Any], model_type: str) -> None:
        self.data, self.model_type = data, model_type
        self.defaults: list[tuple[str, object]] = []

    def has(self, name: str) -> bool:
        return self.data.get(name) is not None

    def whole(self, name: str, low: int = 1, high: int = MAX_WIDTH, default: int | None = None) -> int:
        """A whole number in [low, high]; `default` (transformers' class default) only when the field is absent."""
        if not self.has(name):
            if default is None:
                raise InputError("paged_attention_err_config_missing", field=name, model_type=self.model_type)
            self.defaults.append((name, default))
            return default
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
                or not low <= value <= high:
            raise InputError("paged_attention_err_config_whole", field=name, low=low, high=high, value=shown(value))
        return int(value)

    def boolean(self, name: str) -> bool:
        value = self.data.get(name, False)
        if not isinstance(value, bool):
            raise InputError("paged_attention_err_config_flag", field=name, value=shown(value))
        return value

    def contradiction(self, name: str, value: object, other: str, other_value: object) -> InputError:
        return InputError("paged_attention_err_config_contradiction", field=name, value=shown(value), other=other,
                          other_value=shown(other_value))

    def attention_sizes(self) -> tuple[int, int]:
        """(KV heads, head size) of the attention layers, by transformers' rules for absent fields."""
        heads = self.whole("num_attention_heads", 1, MAX_LAYERS)
        if self.has("num_key_value_heads"):
            kv_heads = self.whole("num_key_value_heads", 1, MAX_LAYERS)
        else:  # transformers: "If it is not specified, will default to num_attention_heads" (multi-head attention)
            kv_heads = heads
            self.defaults.append(("num_key_value_heads", heads))
        if heads % kv_heads:
            raise self.contradiction("num_attention_heads", heads, "num_key_value_heads", kv_heads)
        if self.has("head_dim"):
            return kv_heads, self.whole("head_dim")
        hidden = self.whole("hidden_size")
        if hidden % heads:
            raise self.contradiction("hidden_size", hidden, "num_attention_heads", heads)
        return kv_heads, hidden // heads

    def layer_types(self, layers: int, default: list[str]) -> list[str]:
        """`layer_types` when the config lists them (checked against `default`'s rule when that came from
        other fields), else `default`; each entry one this calculator knows."""
        if not self.has("layer_types"):
            return default
        listed = self.data["layer_types"]
        if not isinstance(listed, list) or len(listed) != layers:
            raise self.contradiction("layer_types", len(listed) if isinstance(listed, list) else listed,
                                     "num_hidden_layers", layers)
        for index, kind in enumerate(listed):
            if kind not in LAYER_TYPE_KINDS:
                raise InputError("paged_attention_err_config_layer_type", field=f"layer_types[{index}]", value=shown(kind),
                                 allowed=", ".join(LAYER_TYPE_KINDS))
        return listed


def read_config(text: str) -> dict[str, Any]:
    """The JSON object of a pasted or uploaded config.json (JSON only: nothing in it is run).

    >>> read_config('{"model_type": "llama"}')
    {'model_type': 'llama'}
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("paged_attention_err_config_empty")
    if len(text) > MAX_CONFIG_CHARS:
        raise InputError("paged_attention_err_config_long", value=len(text), high=MAX_CONFIG_CHARS)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError("paged_attention_err_config_json", line=error.lineno, column=error.colno,
                         error=error.msg) from None
    if not isinstance(data, dict):
        raise InputError("paged_attention_err_config_object", value=type(data).__name__)
    return data


def _kv_cache_dtype(data: dict[str, Any]) -> str | None:
    """fp8 when the checkpoint says its KV cache is 8-bit float (compressed-tensors' `kv_cache_scheme`)."""
    quantization = data.get("quantization_config")
    scheme = quantization.get("kv_cache_scheme") if isinstance(quantization, dict) else None
    if scheme is None:
        return None
    if isinstance(scheme, dict) and scheme.get("num_bits") == 8 and scheme.get("type") == "float":
        return "fp8"
    raise InputError("paged_attention_err_config_kv_scheme", field="quantization_config.kv_cache_scheme",
                     value=shown(json.dumps(scheme)))


def _gqa_groups(fields: _Fields, layers: int) -> tuple[LayerGroup, ...]:
    """Llama-like models: full attention, or a sliding window on every layer (`sliding_window`, Mistral v0.1)."""
    kv_heads, head_dim = fields.attention_sizes()
    if fields.model_type.startswith("qwen") and fields.boolean("use_sliding_window"):
        raise InputError("paged_attention_err_config_unsupported", field="use_sliding_window", value=True,
                         model_type=fields.model_type)
    windowed = fields.model_type in ("mistral", "mixtral") and fields.has("sliding_window")
    default = ["sliding_attention" if windowed else "full_attention"] * layers
    return _attention_groups(fields, fields.layer_types(layers, default), kv_heads, head_dim)


def _attention_groups(fields: _Fields, kinds: list[str], kv_heads: int, head_dim: int) -> tuple[LayerGroup, ...]:
    groups = []
    for name in ("full_attention", "sliding_attention"):
        count = kinds.count(name)
        if count:
            window = fields.whole("sliding_window", 1, 10_000_000) if name == "sliding_attention" else 0
            groups.append(LayerGroup(LAYER_TYPE_KINDS[name], count, kv_heads=kv_heads, head_dim=head_dim,
                                     window=window))
    if "linear_attention" in kinds:
        raise InputError("paged_attention_err_config_layer_type", field="layer_types", value="linear_attention",
                         allowed="full_attention, sliding_attention")
    return tuple(groups)


def _gemma_groups(fields: _Fields, layers: int) -> tuple[LayerGroup, ...]:
    """Gemma 2 alternates sliding and global layers; Gemma 3 has one global layer in `sliding_window_pattern`
    (transformers: layer i is global when (i + 1) % pattern == 0; Gemma3TextConfig's default pattern is 6)."""
    kv_heads, head_dim = fields.attention_sizes()
    pattern = 2 if fields.model_type == "gemma2" else fields.whole("sliding_window_pattern", 1, MAX_LAYERS, default=6)
    rule = ["full_attention" if (i + 1) % pattern == 0 else "sliding_attention" for i in range(layers)]
    kinds = fields.layer_types(layers, rule)
    if fields.has("sliding_window_pattern") and kinds != rule:
        raise fields.contradiction("layer_types", "…", "sliding_window_pattern", pattern)
    return _attention_groups(fields, kinds, kv_heads, head_dim)


def _mla_groups(fields: _Fields, layers: int) -> tuple[LayerGroup, ...]:
    """DeepSeek-V2/V3: every layer caches one latent of kv_lora_rank plus the shared RoPE key."""
    latent, rope = fields.whole("kv_lora_rank"), fields.whole("qk_rope_head_dim")
    return (LayerGroup("mla", layers, latent=latent, rope_dim=rope),)


def _jamba_groups(fields: _Fields, layers: int) -> tuple[LayerGroup, ...]:
    """Jamba: attention where i % attn_layer_period == attn_layer_offset, Mamba elsewhere
    (d_inner = mamba_expand * hidden_size; conv state d_inner x (d_conv - 1), SSM state d_inner x d_state)."""
    period = fields.whole("attn_layer_period", 1, MAX_LAYERS, default=8)
    offset = fields.whole("attn_layer_offset", 0, MAX_LAYERS, default=4)
    if offset >= period:
        raise fields.contradiction("attn_layer_offset", offset, "attn_layer_period", period)
    attention = sum(1 for i in range(layers) if i % period == offset)
    kv_heads, head_dim = fields.attention_sizes()
    inner = fields.whole("mamba_expand", 1, 64, default=2) * fields.whole("hidden_size")
    mamba = LayerGroup("mamba", layers - attention, conv_dim=inner,
                       conv_kernel=fields.whole("mamba_d_conv", 1, 64, default=4),
                       state_values=inner * fields.whole("mamba_d_state", 1, 4096, default=16))
    full = LayerGroup("full", attention, kv_heads=kv_heads, head_dim=head_dim)
    return tuple(group for group in (full, mamba) if group.count)


def _qwen3_next_groups(fields: _Fields, layers: int) -> tuple[LayerGroup, ...]:
    """Qwen3-Next: full attention every `full_attention_interval`-th layer, Gated DeltaNet elsewhere
    (conv over 2 * H_k * d_k + H_v * d_v channels, recurrent state H_v x d_k x d_v)."""
    interval = fields.whole("full_attention_interval", 1, MAX_LAYERS, default=4)
    rule = ["full_attention" if (i + 1) % interval == 0 else "linear_attention" for i in range(layers)]
    kinds = fields.layer_types(layers, rule)
    if fields.has("full_attention_interval") and kinds != rule:
        raise fields.contradiction("layer_types", "…", "full_attention_interval", interval)
    kv_heads, head_dim = fields.attention_sizes()
    k_heads, k_dim = fields.whole("linear_num_key_heads"), fields.whole("linear_key_head_dim")
    v_heads, v_dim = fields.whole("linear_num_value_heads"), fields.whole("linear_value_head_dim")
    linear = LayerGroup("linear", kinds.count("linear_attention"), conv_dim=2 * k_heads * k_dim + v_heads * v_dim,
                        conv_kernel=fields.whole("linear_conv_kernel_dim", 1, 64), state_values=v_heads * k_dim * v_dim)
    full = LayerGroup("full", kinds.count("full_attention"), kv_heads=kv_heads, head_dim=head_dim)
    return tuple(group for group in (full, linear) if group.count)


READERS = {**dict.fromkeys(GQA_TYPES, _gqa_groups), **dict.fromkeys(GEMMA_TYPES, _gemma_groups),
           **dict.fromkeys(MLA_TYPES, _mla_groups), "jamba": _jamba_groups, "qwen3_next": _qwen3_next_groups}


def kv_model(config: dict[str, Any] | str, name: str, num_params: float, kv_cache_dtype: str | None = None) -> KvModel:
    """The KV layout of a config.json (its text or its object); multimodal configs are read from `text_config`.

    >>> model = kv_model({"model_type": "deepseek_v3", "num_hidden_layers": 61, "kv_lora_rank": 512,
    ...                   "qk_rope_head_dim": 64}, "deepseek-v3", 671e9)
    >>> model.bytes_per_request(1, kv_bytes=2, state_bytes=2)  # 61 x (512 + 64) x 2 B
    70272
    """
    data = read_config(config) if isinstance(config, str) else config
    if isinstance(data.get("text_config"), dict):
        data = {**data["text_config"], "quantization_config": data.get("quantization_config")}
    model_type = data.get("model_type")
    if model_type not in READERS:
        raise InputError("paged_attention_err_config_model_type", field="model_type", value=shown(model_type),
                         allowed=", ".join(MODEL_TYPES))
    if not (isinstance(num_params, (int, float)) and math.isfinite(num_params) and num_params > 0):
        raise InputError("paged_attention_err_positive", field="paged_attention_params", value=shown(num_params))
    fields = _Fields(data, model_type)
    layers = fields.whole("num_hidden_layers", 1, MAX_LAYERS)
    groups = READERS[model_type](fields, layers)
    context = fields.whole("max_position_embeddings", 1, 100_000_000) if fields.has("max_position_embeddings") \
        else None
    return KvModel(name, model_type, groups, float(num_params), context, kv_cache_dtype or _kv_cache_dtype(data),
                   tuple(fields.defaults))
