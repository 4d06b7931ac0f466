"""Record the races the "GANs to diffusion" tab opens on: default settings, ring8 and grid25.

Usage: `flock /tmp/cpu.lock python3 scripts/record_gan_race.py [--updates 3000] [--seed 0]`.
Writes assets/gan_vs_diffusion/<dataset>.json (the final snapshot, the date and the machine);
one torch thread, as in the live tab (the budget is counted in updates, so any machine records the same race).
"""
from __future__ import annotations

import argparse
import datetime
import json
import pathlib
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.gan_vs_diffusion.race import RaceConfig, race  # noqa: E402

OUT = ROOT / "assets" / "gan_vs_diffusion"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=RaceConfig.gan_updates, help="GAN updates (diffusion: same cost)")
    parser.add_argument("--seed", type=int, default=RaceConfig.seed)
    parser.add_argument("--datasets", nargs="+", default=["grid25", "ring8"])
    args = parser.parse_args()
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    for dataset in args.datasets:
        *_, final = race(RaceConfig(dataset=dataset, gan_updates=args.updates, seed=args.seed))
        record = {"date": datetime.date.today().isoformat(), "snapshot": final.to_dict()}
        path = OUT / f"{dataset}.json"
        path.write_text(json.dumps(record, separators=(",", ":")))
        print(f"{dataset}: GAN {final.gan.coverage['modes']}/{len(final.modes)}, diffusion "
              f"{final.diffusion.coverage['modes']}/{len(final.modes)} modes -> {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
