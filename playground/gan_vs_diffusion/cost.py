"""What one training update costs, so the race gives both models the same compute on any machine.

A budget of CPU seconds trained the GAN further on a faster or quieter CPU (1,523 updates in 20 CPU-s
where the tab was recorded, 2,939 on another box of the same kind), so the page's lesson changed with
the machine. The race therefore counts updates: the GAN gets `gan_updates`, diffusion the number of
updates that cost the same. The exchange rate is the CPU time per update of the two default models,
measured once, side by side, by `bench/gan_vs_diffusion.py` (one torch thread; the ratio, unlike the
seconds, is stable across boxes: 1.93 where the tab was recorded, 1.9 on the 2-core AMD EPYC box);
settings other than the defaults scale it by the counted FLOPs of one update (torch's
`FlopCounterMode`: D steps, PacGAN packing, WGAN-GP's double backward all cost what they compute).
Counts, not seconds: the same seed gives the same race on every machine.
"""
from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode

from playground.gan_vs_diffusion.diffusion import DiffusionConfig, DiffusionTrainer
from playground.gan_vs_diffusion.gan import GANConfig, GANTrainer

# CPU seconds per update of the default models (bench/gan_vs_diffusion.py, medians of 5, one thread,
# 2-core AMD EPYC, torch 2.13.0, 2026-12-04); only their ratio is used
REFERENCE_SECONDS = {"gan": 0.00570, "diffusion": 0.00300}


def update_flops(trainer: GANTrainer | DiffusionTrainer) -> int:
    """FLOPs of one `step()` of `trainer`, counted by torch (after one warm-up step, outside any budget)."""
    trainer.step()
    with FlopCounterMode(display=False) as counter:
        trainer.step()
    return counter.get_total_flops()


def _flops(config: GANConfig | DiffusionConfig) -> int:
    """One update's FLOPs for a model with `config`, on throw-away data (the batch, not the data, sets the cost)."""
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(max(config.batch_size, 64), 2, generator=generator)
    trainer = GANTrainer(config, data, generator) if isinstance(config, GANConfig) else DiffusionTrainer(
        config, data, generator)
    return update_flops(trainer)


def diffusion_updates_for(gan_updates: int, gan: GANConfig, diffusion: DiffusionConfig) -> int:
    """The diffusion updates that cost as much as `gan_updates` GAN updates.

    ratio = (reference GAN seconds / reference diffusion seconds) x (FLOP ratio of these settings to the defaults).

    >>> diffusion_updates_for(1000, GANConfig(), DiffusionConfig())
    1900
    """
    ratio = REFERENCE_SECONDS["gan"] / REFERENCE_SECONDS["diffusion"]
    if gan != GANConfig():
        ratio *= _flops(gan) / _flops(GANConfig())
    if diffusion != DiffusionConfig():
        ratio /= _flops(diffusion) / _flops(DiffusionConfig())
    return max(1, round(gan_updates * ratio))
