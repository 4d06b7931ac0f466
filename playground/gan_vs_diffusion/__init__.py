"""GANs to diffusion: a GAN and a diffusion model race on the same 2-D data and the same CPU budget.

A GAN's generator chases a discriminator and often collapses onto a few modes (Goodfellow et al. 2014);
a diffusion model learns to undo noise, eps_theta(x_t, t) ~ eps, and covers every mode (Ho et al. 2020),
paying with T denoising steps per sample. Mode coverage is counted with the VEEGAN/PacGAN protocol.
Modules: `toy_data` (ring8, grid25, moons, spiral, drawn sets), `coverage` (the protocol), `gan`
(MLP GAN with WGAN-GP, spectral norm, PacGAN, D steps, z dim), `diffusion` (epsilon-prediction MLP,
diffusers' DDPM/DDIM schedulers, EMA from `playground.core.ema`), `race` (equal CPU budgets, snapshots),
`figures` (Plotly, labels passed in).
"""
