"""Block-level vs token-level KV usage: what vLLM's gauge shows, and how much of it holds tokens.

`vllm:kv_cache_usage_perc` is `1 - free blocks / blocks` (vLLM's `BlockPool.get_usage`): a block counts
as used as soon as it holds one token. With short prompts most blocks are partly empty, so the gauge
reads far above the share of token slots that hold a token. vLLM PR #57336 (proposing
`vllm:kv_cache_token_usage_perc`) measured 66.7 % on the gauge vs 36.5 % of token slots, on
`facebook/opt-125m`, `--block-size 16` and a saturating stream of 17-token prompts:

    block usage = sum_r ceil(len_r / B) / blocks          token usage = sum_r len_r / (blocks * B)

(vLLM also keeps one null block out of the pool; it is not modelled here.)
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PoolUsage:
    blocks_used: int
    tokens_held: int
    num_blocks: int
    block_size: int

    @property
    def block_share(self) -> float:
        """What vLLM's gauge shows: blocks in use over all blocks."""
        return self.blocks_used / self.num_blocks

    @property
    def token_share(self) -> float:
        """Token slots holding a token over all token slots."""
        return self.tokens_held / (self.num_blocks * self.block_size)


def pool_usage(lengths: Iterable[int], block_size: int, num_blocks: int) -> PoolUsage:
    """Requests of `lengths` tokens each in their own blocks of a pool of `num_blocks`.

    >>> usage = pool_usage([17] * 256, 16, 768)  # 17 tokens take 2 blocks: 32 slots for 17 tokens
    >>> round(100 * usage.block_share, 1), round(100 * usage.token_share, 1)
    (66.7, 35.4)
    """
    lengths = list(lengths)
    return PoolUsage(sum(math.ceil(n / block_size) for n in lengths), sum(lengths), num_blocks, block_size)


@dataclass(frozen=True)
class PoolUsageSeries:
    """A paged run's pool at each step: blocks in use and tokens held, and whether requests waited."""
    blocks_used: np.ndarray  # (steps,) int
    tokens_held: np.ndarray  # (steps,) int
    waiting: np.ndarray  # (steps,) bool: the queue was not empty (memory-bound, "saturating")
    num_blocks: int
    block_size: int

    @property
    def block_share(self) -> np.ndarray:
        return self.blocks_used / self.num_blocks

    @property
    def token_share(self) -> np.ndarray:
        return self.tokens_held / (self.num_blocks * self.block_size)

    def medians(self) -> tuple[float, float]:
        """(gauge, token share) medians over the steps in which requests wait (all steps if none did),
        the statistic PR #57336 reports."""
        steps = self.waiting if self.waiting.any() else np.ones_like(self.waiting)
        return float(np.median(self.block_share[steps])), float(np.median(self.token_share[steps]))


def usage_series(lengths: np.ndarray, actives: np.ndarray, pool: list[tuple[int, int, bool]], num_blocks: int,
                 block_size: int) -> PoolUsageSeries:
    """Per-step series from the simulator's chunks: within a chunk the blocks stay as they are and each of
    the `active` sequences writes one token per step."""
    blocks, tokens, waiting = (np.array(column) for column in zip(*pool))
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)  # step within chunk
    return PoolUsageSeries(np.repeat(blocks, lengths), np.repeat(tokens, lengths) + np.repeat(actives, lengths)
                           * offsets, np.repeat(waiting, lengths).astype(bool), num_blocks, block_size)
