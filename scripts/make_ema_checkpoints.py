"""Make the shipped digits checkpoints in assets/ema/: raw and EMA weights of one run at a few steps.

    python scripts/make_ema_checkpoints.py            # 1,000 steps, saves steps 250, 500, 1000 (~8.5 MB)

Float16 storage keeps each 0.7M-parameter file at ~1.4 MB, so all six stay well under 15 MB.
"""
from __future__ import annotations

import argparse
import pathlib
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from playground import ema_checkpoints  # noqa: E402
from playground.ema import diffusion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--save", type=int, nargs="+", default=[250, 500, 1000], help="steps to save")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=pathlib.Path, default=ema_checkpoints.ASSET_DIR)
    args = parser.parse_args()
    torch.set_num_threads(1)
    config = diffusion.TrainConfig.for_dataset("digits", steps=args.steps, seed=args.seed, eval_every=250)
    start = time.perf_counter()
    for history in diffusion.train(config):
        raw, ema = history.metrics_raw["frechet"][-1], history.metrics_ema["frechet"][-1]
        print(f"step {history.step:5d}  loss {history.losses[-1]:.4f}  Frechet raw {raw:.2f}  EMA {ema:.2f}  "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
        if history.step in args.save:
            ema_checkpoints.save_checkpoint(history, args.out)
    total = sum(f.stat().st_size for f in args.out.iterdir()) / 2**20
    print(f"saved {sorted(args.save)} to {args.out} ({total:.1f} MB in all)")


if __name__ == "__main__":
    main()
