"""Bench the DPO tab on the offline model: pair generation, a DPO step (LoRA vs full), the default run.

Run: `PLAYGROUND_OFFLINE=1 python bench/dpo.py` (about 2 minutes on 1 thread), and
`python bench/dpo.py --default-run --runs 5` for the tab's default run (DPO + SFT, demo set, 16 steps,
batch 2, reference answers before and trained answers after: ~4 min a run). Each variant runs in its
own process so its peak RSS is its own. The step time is the mean of the steps after the first (the
first one also warms up the allocator), over the shipped demo pairs, DPO + SFT, batch 2 (the tab's
default; --batch-size to change). A default run is timed twice in one process, as a server sees it:
the first run on a fresh server (reference caches empty) and the next one (caches filled).
"""
from __future__ import annotations

import argparse
import json
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux reports KiB


def measure(variant: str, steps: int, batch_size: int) -> dict:
    import torch

    torch.set_num_threads(1)
    from playground.core.models import load_causal_lm
    from playground.dpo import training as dpo_training
    from playground.dpo.preferences import stream_pair

    lm = load_causal_lm()
    if variant == "default":
        trainer, times = dpo_training.PolicyTrainer(), []
        for _ in range(2):  # first run on a fresh server, then a run with the reference caches filled
            start = time.perf_counter()
            progress = list(trainer.train(lm, dpo_training.load_pairs(), dpo_training.TrainConfig()))[-1]
            times.append(time.perf_counter() - start)
        return {"variant": "default run", "first_s": times[0], "next_s": times[1], "peak_rss_gb": peak_rss_gb(),
                "before": progress.before, "after": progress.after}
    if variant == "pair":
        start = time.perf_counter()
        *_, pair = stream_pair(lm, "Why is the sky blue?", max_new_tokens=64, seed=0)
        tokens = [len(lm.tokenizer(answer).input_ids) for answer in (pair.answer_a, pair.answer_b)]
        return {"variant": "pair (2 x 64 tokens)", "seconds": time.perf_counter() - start,
                "tokens": sum(tokens), "peak_rss_gb": peak_rss_gb()}
    config = dpo_training.TrainConfig(steps=steps, batch_size=batch_size, lora=variant == "lora",
                                      learning_rate=2e-4 if variant == "lora" else 1e-5,
                                      health_every=dpo_training.MAX_STEPS, answer_tokens=4)
    progress = list(dpo_training.PolicyTrainer().train(lm, dpo_training.load_pairs(), config))[-1]
    seconds = [m.seconds for m in progress.history[1:]] or [progress.history[0].seconds]
    return {"variant": f"{variant} step (batch {batch_size})", "seconds": sum(seconds) / len(seconds),
            "peak_rss_gb": peak_rss_gb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3, help="DPO steps per variant (default 3)")
    parser.add_argument("--batch-size", type=int, default=2, help="pairs per step (default 2, as the tab)")
    parser.add_argument("--default-run", action="store_true", help="time the tab's default run instead")
    parser.add_argument("--runs", type=int, default=5, help="default runs, one process each (default 5)")
    parser.add_argument("--one", choices=["pair", "lora", "full", "default"], help=argparse.SUPPRESS)  # child
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.steps, args.batch_size), ensure_ascii=False))
        return
    if args.default_run:
        default_runs(args.runs)
        return
    results = {}
    for variant in ("pair", "lora", "full"):
        output = subprocess.run([sys.executable, __file__, "--one", variant, "--steps", str(args.steps),
                                 "--batch-size", str(args.batch_size)], capture_output=True, text=True, check=True)
        results[variant] = json.loads(output.stdout.strip().splitlines()[-1])
        row = results[variant]
        print(f"{row['variant']:<24} {row['seconds']:7.2f} s   peak RSS {row['peak_rss_gb']:.2f} GB", flush=True)
    lora, full = results["lora"], results["full"]
    print(f"full / LoRA: step time x{full['seconds'] / lora['seconds']:.2f}, "
          f"peak RSS x{full['peak_rss_gb'] / lora['peak_rss_gb']:.2f}")
    print(f"pair generation: {results['pair']['tokens'] / results['pair']['seconds']:.1f} tokens/s")


def default_runs(runs: int) -> None:
    """Median (and range) of the default run's wall time on a fresh server and on the next run."""
    from playground.dpo.training import HELD_OUT_PROMPTS

    rows = []
    for run in range(runs):
        output = subprocess.run([sys.executable, __file__, "--one", "default"], capture_output=True, text=True,
                                check=True)
        rows.append(json.loads(output.stdout.strip().splitlines()[-1]))
        row = rows[-1]
        print(f"run {run + 1}: first {row['first_s']:6.1f} s, next {row['next_s']:6.1f} s, "
              f"peak RSS {row['peak_rss_gb']:.2f} GB", flush=True)
    for key, name in (("first_s", "fresh server"), ("next_s", "next run")):
        values = sorted(row[key] for row in rows)
        print(f"{name:<13} median {statistics.median(values):6.1f} s (min {values[0]:.1f}, max {values[-1]:.1f}, "
              f"{runs} runs)")
    print(f"peak RSS max {max(row['peak_rss_gb'] for row in rows):.2f} GB")
    for prompt, before, after in zip(HELD_OUT_PROMPTS, rows[-1]["before"], rows[-1]["after"]):
        print(f"{prompt}\n  before: {before!r}\n  after:  {after!r}")


if __name__ == "__main__":
    main()
