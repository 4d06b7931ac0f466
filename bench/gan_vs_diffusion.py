"""GANs vs diffusion on the same training compute: the cost of one update, then 3 seeds x 2 datasets.

First measures the CPU seconds per update of the two default models side by side (medians of 5
rounds of 200 updates, alternating), the numbers behind `playground/gan_vs_diffusion/cost.py`'s
REFERENCE_SECONDS; then prints, per dataset and seed, modes covered, high-quality share and training
updates for both models, then the medians and the sampling cost per 2,500 points.
Usage: `flock /tmp/cpu.lock python3 bench/gan_vs_diffusion.py [--updates 3000] [--seeds 0 1 2]`.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from playground.gan_vs_diffusion.cost import REFERENCE_SECONDS  # noqa: E402
from playground.gan_vs_diffusion.diffusion import DiffusionConfig, DiffusionTrainer  # noqa: E402
from playground.gan_vs_diffusion.gan import GANConfig, GANTrainer  # noqa: E402
from playground.gan_vs_diffusion.race import RaceConfig, machine_name, race, train_steps  # noqa: E402


def update_costs(rounds: int = 5, steps: int = 200) -> dict[str, float]:
    """Median CPU seconds per update of the default GAN and diffusion model, measured alternately."""
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(10_000, 2, generator=generator)
    trainers = {"gan": GANTrainer(GANConfig(), data, generator),
                "diffusion": DiffusionTrainer(DiffusionConfig(), data, generator)}
    for trainer in trainers.values():
        train_steps(trainer, 20)  # warm-up
    seconds: dict[str, list[float]] = {name: [] for name in trainers}
    for _ in range(rounds):
        for name, trainer in trainers.items():
            seconds[name].append(train_steps(trainer, steps) / steps)
    return {name: statistics.median(values) for name, values in seconds.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=RaceConfig.gan_updates, help="GAN updates (diffusion: same cost)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--datasets", nargs="+", default=["ring8", "grid25"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"machine: {machine_name()}; {args.updates:,} GAN updates and their cost in diffusion updates")
    costs = update_costs()
    print(f"CPU s per update (median of 5 x 200): GAN {costs['gan']:.5f}, diffusion {costs['diffusion']:.5f}, "
          f"ratio {costs['gan'] / costs['diffusion']:.2f} (cost.py uses "
          f"{REFERENCE_SECONDS['gan'] / REFERENCE_SECONDS['diffusion']:.2f})")
    print("dataset  seed | GAN modes  hq     steps | DDPM modes  hq     steps | cost s: GAN    DDPM   DDIM (modes)")
    for dataset in args.datasets:
        rows = []
        for seed in args.seeds:
            # one snapshot at the end: the bench measures the result, not the live view
            *_, final = race(RaceConfig(dataset=dataset, gan_updates=args.updates, seed=seed, snapshots=1))
            gan, diffusion, cost = final.gan, final.diffusion, final.cost
            rows.append((gan.coverage["modes"], diffusion.coverage["modes"], cost["gan"]["cpu_seconds"],
                         cost["ddpm"]["cpu_seconds"], cost["ddim"]["cpu_seconds"]))
            print(f"{dataset:8} {seed:4} | {gan.coverage['modes']:9} {gan.coverage['high_quality']:6.1%} "
                  f"{gan.steps:6} | {diffusion.coverage['modes']:10} {diffusion.coverage['high_quality']:6.1%} "
                  f"{diffusion.steps:6} | {cost['gan']['cpu_seconds']:12.4f} {cost['ddpm']['cpu_seconds']:6.3f} "
                  f"{cost['ddim']['cpu_seconds']:6.3f} ({cost['ddim']['modes']})", flush=True)
        k = len(final.modes)
        gan_modes, ddpm_modes, *sampling = zip(*rows)
        print(f"{dataset}: modes GAN {min(gan_modes)}-{max(gan_modes)}/{k} (mean {statistics.mean(gan_modes):.1f}) vs DDPM "
              f"{min(ddpm_modes)}-{max(ddpm_modes)}/{k}; median sampling cost GAN "
              f"{statistics.median(sampling[0]):.4f} s, DDPM {statistics.median(sampling[1]):.3f} s "
              f"({statistics.median(sampling[1]) / statistics.median(sampling[0]):.0f}x), "
              f"DDIM {statistics.median(sampling[2]):.3f} s")


if __name__ == "__main__":
    main()
