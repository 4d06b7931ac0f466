"""How much KV cache a model needs per token, and how many tokens a GPU can hold.

Every generated token keeps a key and a value vector per layer and KV head, so
`kv_bytes_per_token = 2 * L * H_kv * d * b` (Kwon et al. 2023, §3: 800 KB per token for
LLaMA-13B in fp16). vLLM gives the KV cache what is left of `gpu_memory_utilization` (0.9) of
the card after the weights, and prints it at start-up as `# GPU blocks` and the
`Maximum concurrency` line; `kv_capacity` reproduces that arithmetic (activation memory,
which vLLM also subtracts after a profiling run, is ignored here).
"""
from __future__ import annotations

import dataclasses
import math
import pathlib
from dataclasses import dataclass

from playground.core.checks import is_number, one_of, shown, whole_number
from playground.core.errors import InputError
from playground.paged_attention import kv_config

GPU_MEMORY_UTILIZATION = 0.9  # vLLM's default share of the card it may use
GIB = 2**30
MAX_CONTEXT = 1_048_576  # the largest context length the calculator accepts
MAX_LAYERS, MAX_HEAD_DIM = 1000, 4096  # a model's own sizes (layers and KV heads; head size): past any published one
MAX_BLOCK_SIZE = 4096  # tokens per KV block, for library callers (the page offers 8..256)


@dataclass(frozen=True)
class ModelPreset:
    """Numbers from the model's published config.json (no Hub needed)."""
    name: str
    num_layers: int
    num_kv_heads: int  # fewer than the attention heads with grouped-query attention
    head_dim: int
    num_params: float  # for the weight memory
    max_context: int


@dataclass(frozen=True)
class GpuPreset:
    name: str
    memory_gib: float  # total memory of one card as the driver reports it (a "40 GB" A100 reports 39.4 GiB)
    bandwidth_gbs: float  # HBM/GDDR bandwidth from the datasheet, for the roofline estimate
    tflops_16bit: float  # dense fp16/bf16 tensor-core peak from the datasheet
    count: int = 1  # cards in the server: the model runs tensor-parallel over them, numbers are per card


MODELS: dict[str, ModelPreset] = {preset.name: preset for preset in (
    ModelPreset("llama-13b", 40, 40, 128, 13.0e9, 2048),
    ModelPreset("llama-3.1-8b", 32, 8, 128, 8.03e9, 131_072),
    ModelPreset("llama-3.1-70b", 80, 8, 128, 70.6e9, 131_072),
    ModelPreset("mistral-7b", 32, 8, 128, 7.24e9, 32_768),
    ModelPreset("qwen2.5-7b", 28, 4, 128, 7.62e9, 32_768),
    ModelPreset("smollm2-135m", 30, 3, 64, 0.135e9, 8192),
    ModelPreset("smollm2-1.7b", 24, 32, 64, 1.71e9, 8192),
)}
GPUS: dict[str, GpuPreset] = {preset.name: preset for preset in (
    GpuPreset("t4-16gb", 15.0, 320, 65),
    GpuPreset("l4-24gb", 22.5, 300, 121),
    GpuPreset("a10g-24gb", 22.0, 600, 125),
    GpuPreset("a100-40gb", 39.4, 1555, 312),
    GpuPreset("a100-80gb", 79.2, 2039, 312),
    GpuPreset("h100-80gb", 79.1, 3350, 989),
    GpuPreset("h200-141gb", 139.8, 4800, 989),
    GpuPreset("2x-h100-80gb", 79.1, 3350, 989, count=2),
    GpuPreset("8x-h100-80gb", 79.1, 3350, 989, count=8),
    GpuPreset("8x-h200-141gb", 139.8, 4800, 989, count=8),
)}
DTYPE_BYTES = {"fp32": 4, "bf16": 2, "fp16": 2, "fp8": 1}


def kv_bytes_per_token(num_layers: int, num_kv_heads: int, head_dim: int, bytes_per_value: int) -> int:
    """2 (key and value) * layers * KV heads * head size * bytes per number.

    >>> kv_bytes_per_token(40, 40, 128, 2)  # LLaMA-13B in fp16: the paper's "800 KB"
    819200
    """
    return (2 * whole_number("paged_attention_layers", num_layers, 1, MAX_LAYERS)
            * whole_number("paged_attention_kv_heads", num_kv_heads, 1, MAX_LAYERS)
            * whole_number("paged_attention_head_dim", head_dim, 1, MAX_HEAD_DIM)
            * whole_number("paged_attention_bytes_per_value", bytes_per_value, 1, 8))


def _positive(name: str, value: object) -> float:
    """A library caller's own preset number (no page field holds it): finite and above zero."""
    if not is_number(value) or not math.isfinite(value) or value <= 0:
        raise InputError("paged_attention_err_positive", field=name, value=shown(value))
    return float(value)


def model_preset(model: str | ModelPreset) -> ModelPreset:
    """A preset by name, or the user's own numbers checked (and made whole)."""
    if isinstance(model, ModelPreset):
        return dataclasses.replace(
            model, num_layers=whole_number("paged_attention_layers", model.num_layers, 1, MAX_LAYERS),
            num_kv_heads=whole_number("paged_attention_kv_heads", model.num_kv_heads, 1, MAX_LAYERS),
            head_dim=whole_number("paged_attention_head_dim", model.head_dim, 1, MAX_HEAD_DIM),
            num_params=_positive("num_params", model.num_params))
    return MODELS[one_of("paged_attention_model", model, tuple(MODELS))]


def gpu_preset(gpu: str | GpuPreset) -> GpuPreset:
    if isinstance(gpu, GpuPreset):
        for name in ("memory_gib", "bandwidth_gbs", "tflops_16bit"):
            _positive(name, getattr(gpu, name))
        return gpu
    return GPUS[one_of("paged_attention_gpu", gpu, tuple(GPUS))]


def dtype_bytes(dtype: str) -> int:
    return DTYPE_BYTES[one_of("paged_attention_dtype", dtype, tuple(DTYPE_BYTES))]


@dataclass(frozen=True)
class ConfigPreset:
    """A published config.json shipped in `CONFIG_DIR`, with what the file does not say."""
    name: str
    file: str  # in CONFIG_DIR; see its README for where each file comes from
    num_params: float  # total parameters, from the model card (a config.json does not carry it)
    kv_cache_dtype: str | None = None  # as vLLM's --kv-cache-dtype would set it; None: the data type chosen
    dtype: str | None = None  # the published weights' type when the checkpoint is quantised; None: any


CONFIG_DIR = pathlib.Path(__file__).resolve().parents[2] / "assets" / "paged_attention" / "configs"
CONFIG_PRESETS: dict[str, ConfigPreset] = {preset.name: preset for preset in (
    ConfigPreset("deepseek-v3", "deepseek-v3.json", 671e9, dtype="fp8"),  # its quantization_config: fp8 e4m3
    ConfigPreset("gemma-3-1b", "gemma-3-1b-it.json", 1.0e9),
    ConfigPreset("mistral-7b-v0.1-swa", "mistral-7b-v0.1.json", 7.24e9),
    ConfigPreset("qwen3-next-80b-a3b", "qwen3-next-80b-a3b-instruct.json", 80e9),
    ConfigPreset("jamba-1.5-mini", "jamba-1.5-mini.json", 51.6e9),
    ConfigPreset("llama-3.1-70b-fp8-kv", "llama-3.1-70b.json", 70.6e9, kv_cache_dtype="fp8"),
)}


def as_kv_model(model: str | ModelPreset | kv_config.KvModel) -> kv_config.KvModel:
    """Any model the calculator takes, as its KV layout: a GQA preset is one group of full attention."""
    if isinstance(model, kv_config.KvModel):
        return model
    if isinstance(model, str) and model in CONFIG_PRESETS:
        preset = CONFIG_PRESETS[model]
        text = (CONFIG_DIR / preset.file).read_text(encoding="utf-8")
        return kv_config.kv_model(text, preset.name, preset.num_params, preset.kv_cache_dtype)
    if isinstance(model, str):
        one_of("paged_attention_model", model, (*MODELS, *CONFIG_PRESETS))
    preset = model_preset(model)
    group = kv_config.LayerGroup("full", preset.num_layers, kv_heads=preset.num_kv_heads, head_dim=preset.head_dim)
    return kv_config.KvModel(preset.name, "preset", (group,), preset.num_params, preset.max_context)


def state_bytes(dtype: str) -> int:
    """Bytes per number of a Mamba / linear-attention state: the activations' type (bf16 under fp8 weights)."""
    return 4 if dtype == "fp32" else 2


@dataclass(frozen=True)
class Deployment:
    """One model on one server: the checked choices every number below is computed for (per GPU)."""
    model: kv_config.KvModel
    gpu: GpuPreset
    dtype: str  # weights
    kv_dtype: str  # the KV cache ("auto" resolved)

    @property
    def kv_bytes(self) -> int:
        return DTYPE_BYTES[self.kv_dtype]

    @property
    def state_bytes(self) -> int:
        return state_bytes(self.dtype)

    @property
    def weight_bytes(self) -> float:
        """Weights on one GPU: tensor parallelism splits them evenly."""
        return self.model.num_params * DTYPE_BYTES[self.dtype] / self.gpu.count

    @property
    def kv_budget_bytes(self) -> float:
        return GPU_MEMORY_UTILIZATION * self.gpu.memory_gib * GIB - self.weight_bytes

    def bytes_per_request(self, tokens: int) -> int:
        return self.model.bytes_per_request(tokens, self.kv_bytes, self.state_bytes, self.gpu.count)


KV_DTYPES = ("auto", *DTYPE_BYTES)  # vLLM's --kv-cache-dtype; "auto": the preset's, else the weights' type


def _fits(layout: kv_config.KvModel, card: GpuPreset, dtype: str) -> bool:
    """Whether `deployment` takes this model on this server: weights that leave a KV budget, heads that split."""
    budget = Deployment(layout, card, dtype, dtype).kv_budget_bytes
    return budget > 0 and all(group.splits_over(card.count) for group in layout.groups)


def fitting_server(model: str | ModelPreset | kv_config.KvModel, dtype: str) -> tuple[str, str] | None:
    """The smallest listed server (by total memory) that holds `model`, and the weight type it holds it in:
    `dtype` first, then each smaller type. None when no listed server holds it, even in fp8.

    Why smallest first: the one a reader would rent; a larger server only adds KV room.

    >>> fitting_server("llama-3.1-70b", "fp16"), fitting_server("deepseek-v3", "bf16")
    (('2x-h100-80gb', 'fp16'), ('8x-h200-141gb', 'fp8'))
    """
    layout = as_kv_model(model)
    one_per_size = sorted({size: name for name, size in reversed(DTYPE_BYTES.items())}.items(), reverse=True)
    types = [dtype, *(name for size, name in one_per_size if size < dtype_bytes(dtype))]  # fp32: bf16, fp8
    servers = sorted(GPUS.values(), key=lambda card: card.memory_gib * card.count)  # stable: listing order on ties
    for weights in types:
        for card in servers:
            if _fits(layout, card, weights):
                return card.name, weights
    return None


def server_for(model: str, gpu: str, dtype: str) -> tuple[str, str]:
    """The (GPU, weight type) the page shows a listed model on: the chosen ones if the model fits there, else the
    smallest listed server where it fits, in the preset's published type if it has one (DeepSeek-V3: fp8).

    Why: a reader who picks a model in the list should see its numbers, not a refusal of the last server;
    the API (`deployment`) still refuses an impossible pair and names this one.

    >>> server_for("llama-13b", "a100-40gb", "fp16"), server_for("deepseek-v3", "a100-40gb", "fp16")
    (('a100-40gb', 'fp16'), ('8x-h200-141gb', 'fp8'))
    """
    layout, card = as_kv_model(model), gpu_preset(gpu)
    if _fits(layout, card, one_of("paged_attention_dtype", dtype, tuple(DTYPE_BYTES))):
        return gpu, dtype
    preset = CONFIG_PRESETS.get(model)
    return fitting_server(layout, preset.dtype if preset and preset.dtype else dtype) or (gpu, dtype)


def deployment(model: str | ModelPreset | kv_config.KvModel, gpu: str | GpuPreset, dtype: str = "fp16",
               kv_dtype: str = "auto") -> Deployment:
    """Checked choices; refused when the weights leave no KV budget on one GPU, naming the server that fits."""
    layout, card = as_kv_model(model), gpu_preset(gpu)
    dtype_bytes(dtype)
    one_of("paged_attention_kv_dtype", kv_dtype, KV_DTYPES)
    resolved = kv_dtype if kv_dtype != "auto" else layout.kv_cache_dtype or dtype
    for group in layout.groups:
        if group.kv_heads:
            group.kv_heads_per_gpu(card.count)  # refuses heads that do not split over the GPUs
    chosen = Deployment(layout, card, dtype, resolved)
    if chosen.kv_budget_bytes <= 0:
        sizes = dict(model=layout.name, dtype=dtype, weights=chosen.weight_bytes / GIB,
                     share=GPU_MEMORY_UTILIZATION, gpu=card.name, memory=card.memory_gib)
        fit = fitting_server(layout, dtype)
        if fit is None:
            raise InputError("paged_attention_err_weights_nowhere", **sizes,
                             smallest=min(DTYPE_BYTES, key=DTYPE_BYTES.get))
        raise InputError("paged_attention_err_weights", **sizes, fit_gpu=fit[0], fit_dtype=fit[1])
    return chosen


@dataclass(frozen=True)
class KvCapacity:
    """A uniform model (every layer full attention or MLA) in token slots: what the allocator race serves."""
    model: kv_config.KvModel
    gpu: GpuPreset
    dtype: str
    context_length: int
    average_length: int
    block_size: int
    bytes_per_token: int  # per GPU
    weight_bytes: float  # per GPU
    kv_budget_bytes: float  # 0.9 x memory - weights
    num_blocks: int  # what vLLM prints as "# GPU blocks"
    tokens_fit: int  # num_blocks * block_size

    @property
    def max_length_requests(self) -> int:
        """Requests of the full context length that fit at once."""
        return self.tokens_fit // self.context_length

    @property
    def average_length_requests(self) -> int:
        """Requests of the average length that fit at once, if memory is allocated on demand."""
        return self.tokens_fit // self.average_length

    @property
    def concurrency(self) -> float:
        """vLLM's: blocks over the blocks one request of the context length needs (a last block counts whole)."""
        return self.num_blocks / -(-self.context_length // self.block_size)

    @property
    def vllm_lines(self) -> str:
        """The two start-up lines vLLM logs for the same numbers."""
        return (f"# GPU blocks: {self.num_blocks}\n"
                f"Maximum concurrency for {self.context_length:,} tokens per request: {self.concurrency:.2f}x")


def kv_capacity(model: str | ModelPreset | kv_config.KvModel, gpu: str | GpuPreset, dtype: str = "fp16",
                context_length: int = 2048, average_length: int = 500, block_size: int = 16,
                kv_dtype: str = "auto") -> KvCapacity:
    """KV budget and tokens that fit, as vLLM sizes them at start-up (uniform models only).

    >>> kv_capacity("llama-13b", "a100-40gb").num_blocks
    921
    """
    chosen = deployment(model, gpu, dtype, kv_dtype)
    if not chosen.model.uniform:
        raise InputError("paged_attention_err_not_uniform", model=chosen.model.name)
    context_length = whole_number("paged_attention_context", context_length, 1, MAX_CONTEXT)
    average_length = whole_number("paged_attention_average", average_length, 1, MAX_CONTEXT)
    block_size = whole_number("paged_attention_block", block_size, 1, MAX_BLOCK_SIZE)
    per_token = chosen.bytes_per_request(1)
    blocks = int(chosen.kv_budget_bytes // (per_token * block_size))
    return KvCapacity(chosen.model, chosen.gpu, dtype, context_length, average_length, block_size, per_token,
                      chosen.weight_bytes, chosen.kv_budget_bytes, blocks, blocks * block_size)
