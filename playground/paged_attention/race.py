"""The allocator race the tab shows: five policies on one trace, the block-size sweep, and short prompts.

Why the short-prompt run: on 17-token prompts (the workload of vLLM PR #57336) each request's last block
is mostly empty, so vLLM's block gauge and the share of token slots holding a token part the most.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from playground.paged_attention import simulator, traces
from playground.paged_attention.inputs import SWEEP_SIZES, RaceConfig
from playground.paged_attention.simulator import KvSimResult

SWEEP_REQUESTS = 300  # the block-size sweep runs six simulations; fewer requests keep it near a second
SHORT_REQUESTS = 2000  # 17-token prompts: enough to keep the pool saturated for many rounds
SHORT_PROMPT, SHORT_OUTPUT = 17, 2


@dataclass(frozen=True)
class Race:
    results: dict[str, KvSimResult]  # by policy, in `simulator.POLICIES` order
    sweep: dict[int, KvSimResult]  # paged, by block size
    short: KvSimResult  # paged, on short prompts, at the race's block size


def run_race(config: RaceConfig, on_stage: Callable[[int, str], None] = lambda done, stage: None) -> Race:
    """Every simulation of the race; `on_stage(done, stage)` before each (a policy, then "sweep"), for a progress bar.

    >>> race = run_race(RaceConfig(num_requests=100))
    >>> race.results["paged"].token_state_share > race.results["max"].token_state_share
    True
    """
    options = config.options()
    results = {}
    for done, policy in enumerate(simulator.POLICIES):  # 1. the five policies, one after the other
        on_stage(done, policy)
        results[policy] = simulator.simulate_kv(policy, block_size=config.block_size, **options)
    on_stage(len(results), "sweep")  # 2. the paged policy at each block size, on fewer requests
    sweep = simulator.block_size_sweep(SWEEP_SIZES, **{**options, "num_requests": min(config.num_requests,
                                                                                   SWEEP_REQUESTS)})
    # 3. the paged policy on 17-token prompts, on the same model and server
    short_trace = traces.Trace(np.full(SHORT_REQUESTS, SHORT_PROMPT), np.full(SHORT_REQUESTS, SHORT_OUTPUT))
    short = simulator.simulate_kv("paged", block_size=config.block_size,
                                  **{**options, "trace": short_trace, "num_requests": SHORT_REQUESTS})
    return Race(results, sweep, short)

