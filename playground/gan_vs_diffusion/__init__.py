"""GANs to diffusion: a GAN and a diffusion model race on the same 2-D data and the same training compute.

A GAN's generator chases a discriminator and often drops modes (Goodfellow et al. 2014);
a diffusion model learns to undo noise, eps_theta(x_t, t) ~ eps, and covers every mode (Ho et al. 2020),
paying with T denoising steps per sample. Mode coverage is counted with the VEEGAN/PacGAN protocol.
Modules: `toy_data` (ring8, grid25, moons, spiral, drawn sets, the plot frame), `coverage` (the protocol),
`gan` (MLP GAN with WGAN-GP, spectral norm, PacGAN, D steps, z dim), `diffusion` (epsilon-prediction MLP,
diffusers' DDPM/DDIM schedulers, EMA from `playground.core.ema`), `cost` (what one update costs: budgets of
equal cost counted in updates, so a race is the same on every machine), `race` (alternating slices,
snapshots), `figures` (Plotly, labels passed in).
"""
