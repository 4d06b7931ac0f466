"""EMA of the weights: theta_ema <- d * theta_ema + (1 - d) * theta after every optimizer step.

Shown on a small diffusion model, raw vs EMA weights of one run sampled from the same noise.
The average itself is `playground.core.ema`. Modules: `diffusion` (DDPM training and paired DDIM
sampling), `quality` (distribution distances), `checkpoints` (the shipped digits run), `pretrained`
(Stable Diffusion v1.5 EMA vs non-EMA, GPU), `figures`.
"""
