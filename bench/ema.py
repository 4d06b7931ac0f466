"""Bench: what an EMA update costs, and what it buys.

    python bench/ema.py              # update cost (toy MLP, digits UNet, ~100M model) + 3-seed quality
    python bench/ema.py --no-quality # cost only (~1 minute)

1. Cost: median wall time of one `EMA.update` (one fused `torch._foreach_lerp_`) as a share of one
   training step (forward, backward, Adam) of the same model, next to diffusers' `EMAModel.step`
   with foreach=False and foreach=True. Target: <= 2% of a step.
2. Quality: the default two-moons run (Adam 3e-3, 3000 steps, EMA 0.999 cap) over 3 seeds, final
   sliced W1 x100 for raw and EMA weights (same sampling noise), with and without a cosine LR.
One torch thread, CPU, float32. On a shared machine the timings are noisy; compare ratios, not seconds.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import time

import torch
from diffusers.training_utils import EMAModel

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from playground import diffusion  # noqa: E402
from playground.core.ema import EMA  # noqa: E402


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def big_mlp(batch: int) -> tuple[torch.nn.Module, callable]:
    """~101M parameters: six 4096x4096 linear layers (a transformer block's matmul shapes).

    The EMA update costs the same whatever the batch, so its share depends on the batch: 256 rows
    is a very small step for a 100M model (real runs use thousands of tokens per step); both
    256 and 1024 are measured so the dependence is visible.
    """
    model = torch.nn.Sequential(*[m for _ in range(6) for m in (torch.nn.Linear(4096, 4096), torch.nn.GELU())])
    x = torch.randn(batch, 4096)
    return model, lambda: model(x).square().mean()


def toy_mlp() -> tuple[torch.nn.Module, callable]:
    model = diffusion.ToyDenoiser()
    x, t = torch.randn(256, 2), torch.randint(1000, (256,))
    return model, lambda: (model(x, t) - x).square().mean()


def digits_unet() -> tuple[torch.nn.Module, callable]:
    model = diffusion.digits_unet()
    x, t = torch.randn(64, 1, 8, 8), torch.randint(1000, (64,))
    return model, lambda: (model(x, t).sample - x).square().mean()


def cost(name: str, make, repeats: int) -> None:
    model, loss_fn = make()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn().backward()
        optimizer.step()

    ours = EMA(model, decay=0.999)
    loop = EMAModel(model.parameters(), decay=0.999, foreach=False)
    fused = EMAModel(model.parameters(), decay=0.999, foreach=True)
    step = median_seconds(train_step, max(3, repeats // 4))
    timings = {"ours (_foreach_lerp_)": median_seconds(lambda: ours.update(model), repeats),
               "diffusers foreach=False": median_seconds(lambda: loop.step(model.parameters()), repeats),
               "diffusers foreach=True": median_seconds(lambda: fused.step(model.parameters()), repeats)}
    params = sum(p.numel() for p in model.parameters())
    print(f"\n{name}: {params / 1e6:.2f}M parameters, training step {step * 1e3:.1f} ms")
    for label, seconds in timings.items():
        print(f"  {label:26s} {seconds * 1e3:8.2f} ms  = {100 * seconds / step:5.2f}% of a step")


def quality(seeds: int) -> None:
    print(f"\nTwo moons, default settings, {seeds} seeds: final sliced W1 x100 (lower is better)")
    for cosine in (False, True):
        raw, ema = [], []
        for seed in range(seeds):
            start = time.perf_counter()
            history = list(diffusion.train(diffusion.TrainConfig(seed=seed, cosine_lr=cosine, eval_every=3000)))[-1]
            raw.append(history.metrics_raw["sliced_w1_x100"][-1])
            ema.append(history.metrics_ema["sliced_w1_x100"][-1])
            print(f"  cosine_lr={cosine!s:5} seed {seed}: raw {raw[-1]:6.2f}  EMA {ema[-1]:6.2f}  "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        better = sum(e < r for r, e in zip(raw, ema))
        spread = (lambda v: statistics.stdev(v) if len(v) > 1 else 0.0)
        print(f"  cosine_lr={cosine!s:5} mean: raw {statistics.mean(raw):.2f} +- {spread(raw):.2f}  "
              f"EMA {statistics.mean(ema):.2f} +- {spread(ema):.2f}  ratio raw/EMA "
              f"{statistics.mean(raw) / statistics.mean(ema):.2f}  (EMA better in {better}/{seeds})")


def main() -> None:
    parser = argparse.ArgumentParser(description="EMA cost and benefit")
    parser.add_argument("--no-quality", action="store_true", help="skip the 3-seed quality runs")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread, CPU float32")
    cost("toy MLP (batch 256)", toy_mlp, repeats=200)
    cost("digits UNet (batch 64)", digits_unet, repeats=40)
    for batch in (256, 1024):
        cost(f"~100M MLP (batch {batch})", lambda batch=batch: big_mlp(batch), repeats=8)
    if not args.no_quality:
        quality(args.seeds)


if __name__ == "__main__":
    main()
