"""GANs vs diffusion on the same CPU budget: 3 seeds x 2 datasets, side by side.

Prints, per dataset and seed, modes covered, high-quality share and training updates for both
models, then the medians and the sampling cost per 2,500 points (GAN pass, DDPM T steps, DDIM).
Usage: `flock /tmp/cpu.lock python3 bench/gan_vs_diffusion.py [--budget 20] [--seeds 0 1 2]`.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from playground.gan_vs_diffusion.race import RaceConfig, machine_name, race  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=RaceConfig.budget_s, help="CPU seconds per model")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"machine: {machine_name()}; budget {args.budget:g} CPU-s per model")
    print("dataset  seed | GAN modes  hq     steps | DDPM modes  hq     steps | cost s: GAN    DDPM   DDIM (modes)")
    for dataset in args.datasets:
        rows = []
        for seed in args.seeds:
            # one snapshot at the end: the bench measures the result, not the live view
            *_, final = race(RaceConfig(dataset=dataset, budget_s=args.budget, seed=seed,
                                        snapshot_every_s=args.budget))
            gan, diffusion, cost = final.gan, final.diffusion, final.cost
            rows.append((gan.coverage["modes"], diffusion.coverage["modes"], cost["gan"]["cpu_seconds"],
                         cost["ddpm"]["cpu_seconds"], cost["ddim"]["cpu_seconds"]))
            print(f"{dataset:8} {seed:4} | {gan.coverage['modes']:9} {gan.coverage['high_quality']:6.1%} "
                  f"{gan.steps:6} | {diffusion.coverage['modes']:10} {diffusion.coverage['high_quality']:6.1%} "
                  f"{diffusion.steps:6} | {cost['gan']['cpu_seconds']:12.4f} {cost['ddpm']['cpu_seconds']:6.3f} "
                  f"{cost['ddim']['cpu_seconds']:6.3f} ({cost['ddim']['modes']})", flush=True)
        k = len(final.modes)
        gan_modes, ddpm_modes, *costs = zip(*rows)
        print(f"{dataset}: mean modes GAN {statistics.mean(gan_modes):.1f}/{k} vs DDPM "
              f"{statistics.mean(ddpm_modes):.1f}/{k}; median sampling cost GAN "
              f"{statistics.median(costs[0]):.4f} s, DDPM {statistics.median(costs[1]):.3f} s "
              f"({statistics.median(costs[1]) / statistics.median(costs[0]):.0f}x), DDIM {statistics.median(costs[2]):.3f} s")


if __name__ == "__main__":
    main()
