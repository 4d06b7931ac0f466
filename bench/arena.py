"""Judge mode's leaderboard: the Bradley-Terry fit plus its bootstrap (1,000 resamples) on 1,000 votes.

Target (issue 29): under 1 s, so the leaderboard can be refitted after every vote. The votes are drawn
from known strengths over `--policies` policies (the reference and its runs), 10 % ties; the median of
`--repeats` timed fits is printed with the machine (`lscpu`'s model name) and the threads numpy may use.

    OMP_NUM_THREADS=1 python bench/arena.py --votes 1000 --resamples 1000 --repeats 5
"""
from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from playground.dpo import arena  # noqa: E402


def machine() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines()
        name = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("Model name"))
    except (OSError, subprocess.CalledProcessError, StopIteration):
        name = platform.processor() or platform.machine()
    return f"{name}, {os.cpu_count()} CPUs, OMP_NUM_THREADS={os.getenv('OMP_NUM_THREADS', 'unset')}"


def synthetic_votes(policies: int, votes: int, seed: int = 0) -> list[tuple[str, str, str]]:
    """Votes on random pairs of policies 0.4 log-odds apart, 10 % ties."""
    rng = np.random.default_rng(seed)
    names = [arena.REFERENCE] + [f"run{i}" for i in range(1, policies)]
    drawn = []
    for _ in range(votes):
        a, b = rng.choice(policies, 2, replace=False)
        p = 1 / (1 + math.exp(0.4 * (b - a)))
        drawn.append((names[a], names[b], "tie" if rng.random() < 0.1 else "a" if rng.random() < p else "b"))
    return drawn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=1000)
    parser.add_argument("--resamples", type=int, default=arena.RESAMPLES)
    parser.add_argument("--policies", type=int, default=4, help="the reference and its runs (default 4)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    votes = synthetic_votes(args.policies, args.votes)
    seconds = []
    for repeat in range(args.repeats):
        start = time.perf_counter()
        board = arena.leaderboard(votes, resamples=args.resamples, seed=repeat)
        seconds.append(time.perf_counter() - start)
    print(f"machine: {machine()}")
    print(f"{args.votes} votes, {args.policies} policies, {args.resamples} resamples: median "
          f"{statistics.median(seconds) * 1000:.1f} ms of {args.repeats} (min {min(seconds) * 1000:.1f}, "
          f"max {max(seconds) * 1000:.1f})")
    for standing in board.standings:
        print(f"  {standing.policy:>9}: θ {standing.strength:+.2f} [{standing.low:+.2f}, {standing.high:+.2f}]")


if __name__ == "__main__":
    main()
