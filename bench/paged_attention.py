"""PagedAttention: simulator time, and the live static batch vs paged continuous batching side by side.

    python bench/paged_attention.py                        # simulator x5, live x5
    python bench/paged_attention.py --live-repeats 3       # fewer live repeats (about 35 s each here)
    python bench/paged_attention.py --live-repeats 0 --prefix-repeats 5   # only prefix caching on/off

Simulator: CPU seconds for the issue's target (1,000 ShareGPT-like requests x 5 policies, LLaMA-13B on
an A100-40GB), and the token-state shares next to the paper's Fig. 2. Live: the 8 default requests on
the offline SmolLM2-135M, one torch thread, static padded batch through `generate` then transformers'
paged continuous batching; it prints each repeat, the medians and the paged/static ratios (tokens/s,
peak KV bytes, mean completion time), and whether the greedy outputs are identical. Prefix caching:
the same requests with short answers behind the tab's long shared system prompt, paged with block
sharing on and off one after the other (the tab's "prefix caching" stage), CPU seconds and their ratio.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import sys
import time

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from playground.core.models import load_causal_lm  # noqa: E402
from playground.paged_attention import live, simulator  # noqa: E402

PAPER_SHARES = {"max": 20.4, "pow2": 26.8, "oracle": 38.2, "paged": 96.3}  # Kwon et al. 2023, Fig. 2


def bench_simulator(repeats: int) -> None:
    seconds = []
    for _ in range(repeats):
        start = time.process_time()
        results = simulator.compare_policies(trace="sharegpt", num_requests=1000)
        seconds.append(time.process_time() - start)
    print(f"simulator, 1,000 requests x {len(results)} policies: median {statistics.median(seconds):.2f} CPU-s "
          f"of {repeats} ({', '.join(f'{s:.2f}' for s in seconds)}; target <= 5 s)")
    print("policy    token states   paper   mean running   preemptions")
    for policy, result in results.items():
        paper = f"{PAPER_SHARES[policy]:.1f} %" if policy in PAPER_SHARES else "-"
        print(f"{policy:8}  {100 * result.token_state_share:10.1f} %  {paper:>7}  {result.mean_running:13.2f}  "
              f"{result.preemptions:12,}")


def bench_live(repeats: int) -> None:
    lm = load_causal_lm()
    runs = {"static": [], "paged": []}
    identical = True
    for repeat in range(repeats):
        comparison = live.compare(lm)
        identical &= comparison.identical
        for mode, run in (("static", comparison.static), ("paged", comparison.paged)):
            runs[mode].append(run)
            print(f"repeat {repeat + 1} {mode:6}: {run.seconds:6.1f} s  {run.tokens_per_second:6.1f} tokens/s  "
                  f"mean completion {run.mean_completion:5.1f} s  peak KV {run.peak_kv_bytes / 2**20:5.1f} MiB")
    median = {mode: {"tps": statistics.median(r.tokens_per_second for r in rs),
                     "done": statistics.median(r.mean_completion for r in rs),
                     "kv": statistics.median(r.peak_kv_bytes for r in rs) / 2**20} for mode, rs in runs.items()}
    print(f"\nmedian of {repeats}       static     paged   paged/static")
    for key, name in (("tps", "tokens/s"), ("kv", "peak KV MiB"), ("done", "mean completion s")):
        s, p = median["static"][key], median["paged"][key]
        print(f"{name:18} {s:9.1f} {p:9.1f} {p / s:10.2f}x")
    print(f"greedy outputs identical in every repeat: {identical}")


def bench_prefix(repeats: int) -> None:
    lm = load_causal_lm()
    short = [live.LiveRequest(r.prompt, min(r.max_new_tokens, 8)) for r in live.DEFAULT_REQUESTS]
    cpu = {True: [], False: []}
    for repeat in range(repeats):
        for sharing in (True, False):
            run = live.run_paged(lm, short, live.SYSTEM_PROMPT, block_sharing=sharing)
            cpu[sharing].append(run.cpu_seconds)
        print(f"repeat {repeat + 1}: block sharing on {cpu[True][-1]:5.2f} CPU-s, off {cpu[False][-1]:5.2f} CPU-s "
              f"(shared prompt {min(run.prompt_lengths)}+ tokens)")
    on, off = statistics.median(cpu[True]), statistics.median(cpu[False])
    print(f"median of {repeats}: prefix caching on {on:.2f} CPU-s, off {off:.2f} CPU-s: {off / on:.2f}x less CPU with it")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sim-repeats", type=int, default=5)
    parser.add_argument("--live-repeats", type=int, default=5)
    parser.add_argument("--prefix-repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU core(s), torch {torch.__version__}, 1 thread\n")
    bench_simulator(args.sim_repeats)
    if args.live_repeats:
        print()
        bench_live(args.live_repeats)
    if args.prefix_repeats:
        print()
        bench_prefix(args.prefix_repeats)


if __name__ == "__main__":
    main()
