"""How vLLM (v1) would lay a model's layers out in KV blocks, and the concurrency line it prints.

Ported from vLLM's `vllm/v1/core/kv_cache_utils.py` (`_get_kv_cache_groups_uniform_page_size`,
`get_kv_cache_config_from_groups`, `get_max_concurrency_for_kv_cache_config`), `kv_cache_interface.py`
(`max_memory_usage_bytes` of each spec) and `HybridAttentionMambaModelConfig` (the attention block
size raised until one attention page holds a Mamba state):

    page       = block_size * values per token * b           (attention; a state's bytes for Mamba)
    G          = fewest layers of one kind (or the most, when that is < 1.5 x the fewest)
    groups     = ceil(layers of a kind / G) per kind; one group when all layers are of one kind
    num_blocks = KV budget // page // G                       ("# GPU blocks")
    per group  : full  ceil(L / block_size)
                 slide ceil(min(W - 1 + max_num_batched_tokens, L) / block_size) + 1
                 state 1 block (prefix caching off)
    Maximum concurrency for L tokens per request = num_blocks / sum over groups of the blocks above

Our own count (requests that fit = budget // bytes per request) keeps exact bytes; vLLM rounds to its
blocks, keeps a prefill chunk beyond each window and pads a state to a full page, so the two differ
by those roundings, and only by them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from playground.paged_attention.kv_config import STATE_KINDS, KvModel, LayerGroup

MAX_NUM_BATCHED_TOKENS = 2048  # vLLM's prefill chunk on `vllm serve` for cards under 70 GiB (8,192 above)
KERNEL_BLOCK_ALIGNMENT = 16  # attention block sizes are multiples of this (FlashAttention)


@dataclass(frozen=True)
class VllmLayout:
    block_sizes: dict[str, int]  # kind -> tokens per block
    page_bytes: int  # bytes of one block of one layer (one page), the same for every group
    group_size: int  # layers per group (G)
    groups: dict[str, int]  # kind -> number of groups
    num_blocks: int
    blocks_per_request: int  # for one request of `context_length` tokens
    context_length: int

    @property
    def concurrency(self) -> float:
        return self.num_blocks / self.blocks_per_request

    @property
    def lines(self) -> str:
        """The start-up lines vLLM logs (`GPU KV cache size` is concurrency x max_model_len)."""
        tokens = int(self.concurrency * self.context_length)
        return (f"# GPU blocks: {self.num_blocks}\nGPU KV cache size: {tokens:,} tokens\n"
                f"Maximum concurrency for {self.context_length:,} tokens per request: {self.concurrency:.2f}x")


def sliding_tokens(window: int, context_length: int) -> int:
    """Tokens vLLM keeps room for in a sliding-window layer: the window plus one prefill chunk, at most the context.

    >>> sliding_tokens(512, 32_768), sliding_tokens(4096, 2048)
    (2559, 2048)
    """
    return min(window - 1 + MAX_NUM_BATCHED_TOKENS, context_length)


def _blocks_for(group: LayerGroup, block_size: int, context_length: int) -> int:
    """Blocks one layer of `group` holds for a request at `context_length` (vLLM's max_memory_usage_bytes / page)."""
    if group.kind in STATE_KINDS:
        return 1
    if group.kind == "sliding":
        return math.ceil(sliding_tokens(group.window, context_length) / block_size) + 1
    return math.ceil(context_length / block_size)


def vllm_layout(model: KvModel, budget_bytes: float, context_length: int, block_size: int, kv_bytes: int,
                state_bytes: int, gpus: int = 1) -> VllmLayout:
    """vLLM's blocks for `model` on one GPU with `budget_bytes` for the KV cache.

    >>> from playground.paged_attention.kv_config import LayerGroup
    >>> llama = KvModel("llama-13b", "llama", (LayerGroup("full", 40, kv_heads=40, head_dim=128),), 13e9)
    >>> vllm_layout(llama, 819_200 * 16 * 921, 2048, 16, 2, 2).num_blocks
    921
    """
    groups = model.groups
    if len({group.kind for group in groups}) == 1:  # one kind: one group of all layers, one page of all of them
        (group,) = groups
        per_token = group.values_per_token(gpus) * kv_bytes * group.count
        page = max(block_size * per_token, group.state_values_per_request(gpus) * state_bytes * group.count)
        num_blocks = int(budget_bytes // page)
        return VllmLayout({group.kind: block_size}, page, group.count, {group.kind: 1}, num_blocks,
                          _blocks_for(group, block_size, context_length), context_length)
    # 1. hybrid with states: raise the attention block size until one page holds a state (states padded to it)
    state_page = max((g.state_values_per_request(gpus) * state_bytes for g in groups), default=0)
    attention = [g for g in groups if g.kind not in STATE_KINDS]
    if state_page:
        per_token = max(g.values_per_token(gpus) * kv_bytes for g in attention)
        block_size = max(block_size, KERNEL_BLOCK_ALIGNMENT * math.ceil(
            state_page / (KERNEL_BLOCK_ALIGNMENT * per_token)))
    # 2. one page size for all: a layer with smaller pages gets proportionally more tokens per block
    pages = {g.kind: block_size * g.values_per_token(gpus) * kv_bytes if g.kind not in STATE_KINDS else 0
             for g in groups}
    page = max(pages.values())
    block_sizes = {kind: block_size * page // size if size else block_size for kind, size in pages.items()}
    # 3. groups of G layers of one kind each; the pool is budget / (page x G) blocks
    counts = [g.count for g in groups]
    group_size = max(counts) if max(counts) < 1.5 * min(counts) else min(counts)
    group_counts = {g.kind: math.ceil(g.count / group_size) for g in groups}
    num_blocks = int(budget_bytes // page // group_size)
    per_request = sum(group_counts[g.kind] * _blocks_for(g, block_sizes[g.kind], context_length) for g in groups)
    return VllmLayout(block_sizes, page, group_size, group_counts, num_blocks, per_request, context_length)
