"""The calculator's answer for any model: a row per layer kind, the bytes one request holds, the requests
that fit, and vLLM's own start-up lines beside them as the cross-check.

    bytes(n)          = sum over kinds of count * (tokens kept of n * values per token * b_kv
                                                   + fixed state values * b_state)       (one GPU)
    requests that fit = floor(KV budget / bytes(n)),  KV budget = 0.9 * memory - weights / GPUs

`bytes(n) / n` is the KV cost per token at context n: constant for full attention and MLA, falling
with n when windows cap some layers or states are fixed. vLLM's "Maximum concurrency" counts the same
requests in its blocks (`vllm_blocks`); the two agree up to its block roundings.
"""
from __future__ import annotations

from dataclasses import dataclass

from playground.core.checks import whole_number
from playground.paged_attention import memory
from playground.paged_attention.kv_config import KvModel, LayerGroup
from playground.paged_attention.memory import Deployment, GpuPreset, ModelPreset
from playground.paged_attention.vllm_blocks import VllmLayout, vllm_layout


@dataclass(frozen=True)
class LayerRow:
    """One row of the table: a layer kind, how many layers, its equation and its bytes (one GPU)."""
    group: LayerGroup
    symbols: str  # the equation per layer, in symbols
    numbers: str  # the same with this model's numbers
    bytes_per_token: int  # per layer; 0 for fixed-state layers
    state_bytes: int  # per layer and request; 0 for attention
    bytes_at_context: int  # all `count` layers, one request of the context length


@dataclass(frozen=True)
class ModelCapacity:
    deployment: Deployment
    context_length: int
    average_length: int
    block_size: int
    rows: tuple[LayerRow, ...]
    bytes_at_context: int  # one request of context_length tokens
    bytes_at_average: int
    vllm: VllmLayout

    @property
    def bytes_per_token(self) -> float:
        """KV bytes per token at the chosen context: bytes(n) / n."""
        return self.bytes_at_context / self.context_length

    @property
    def context_requests(self) -> int:
        """Requests of the context length that fit at once (exact bytes, no block rounding)."""
        return int(self.deployment.kv_budget_bytes // self.bytes_at_context)

    @property
    def average_requests(self) -> int:
        """Requests of the average length that fit at once, if memory is allocated on demand."""
        return int(self.deployment.kv_budget_bytes // self.bytes_at_average)

    @property
    def tokens_fit(self) -> int | None:
        """Token slots in the pool, when every token costs the same (uniform models)."""
        return self.vllm.num_blocks * self.block_size if self.deployment.model.uniform else None


def _row(group: LayerGroup, chosen: Deployment, context_length: int) -> LayerRow:
    gpus = chosen.gpu.count
    symbols, numbers = group.formula(gpus, chosen.kv_bytes, chosen.state_bytes)
    per_token = group.values_per_token(gpus) * chosen.kv_bytes
    state = group.state_values_per_request(gpus) * chosen.state_bytes
    at_context = group.count * (group.tokens_kept(context_length) * per_token + state)
    return LayerRow(group, symbols, numbers, per_token, state, at_context)


def model_capacity(model: str | ModelPreset | KvModel, gpu: str | GpuPreset, dtype: str = "fp16",
                   context_length: int = 2048, average_length: int = 500, kv_dtype: str = "auto",
                   block_size: int = 16) -> ModelCapacity:
    """Everything the calculator shows, for one model on one server (numbers per GPU).

    >>> result = model_capacity("llama-13b", "a100-40gb")
    >>> result.bytes_per_token, result.vllm.num_blocks
    (819200.0, 921)
    """
    chosen = memory.deployment(model, gpu, dtype, kv_dtype)
    context_length = whole_number("paged_attention_context", context_length, 1, memory.MAX_CONTEXT)
    average_length = whole_number("paged_attention_average", average_length, 1, memory.MAX_CONTEXT)
    block_size = whole_number("paged_attention_block", block_size, 1, memory.MAX_BLOCK_SIZE)
    rows = tuple(_row(group, chosen, context_length) for group in chosen.model.groups)
    layout = vllm_layout(chosen.model, chosen.kv_budget_bytes, context_length, block_size, chosen.kv_bytes,
                         chosen.state_bytes, chosen.gpu.count)
    return ModelCapacity(chosen, context_length, average_length, block_size, rows,
                         sum(row.bytes_at_context for row in rows), chosen.bytes_per_request(average_length), layout)
