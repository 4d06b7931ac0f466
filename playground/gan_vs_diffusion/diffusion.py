"""A denoising diffusion model on 2-D points: an epsilon-prediction MLP, diffusers' schedulers, an EMA.

Ho et al. 2020 (https://arxiv.org/abs/2006.11239): train eps_theta on
loss = || eps - eps_theta(sqrt(a_t) x_0 + sqrt(1 - a_t) eps, t) ||^2 with t uniform, then sample by
running T denoising steps from pure noise (DDPM), or few deterministic ones (DDIM, Song et al. 2020,
https://arxiv.org/abs/2010.02502). The schedule and the update rules are diffusers' `DDPMScheduler` and
`DDIMScheduler`; the network, the loss and the sampling loop are written out. Samples use the EMA of
the weights (`playground.core.ema`), as DDPM does.

The denoiser sees each coordinate through a sinusoidal embedding, as the 2-D toy DDPM tiny-diffusion
(github.com/tanelp/tiny-diffusion) does: near t = 0 the noise to predict on a 5 x 5 grid of sharp modes is
a saw-tooth in x and y, which a plain MLP on raw coordinates learns slowly (Tancik et al. 2020,
https://arxiv.org/abs/2006.10739). Measured on the 2-core box, grid25, 3 seeds, with the full learning-rate
anneal: raw coordinates 12-16 of 25 modes after 2,200 steps; embedded, 25 of 25 after 500 (~4,000 steps fit
in the default 20 CPU-s), so a slower CPU still finishes. The GAN's networks keep raw coordinates, as in
GAN Lab and the VEEGAN/PacGAN benchmarks.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

from playground.core import checks
from playground.core.ema import EMA
from playground.gan_vs_diffusion.gan import mlp

TIMESTEPS_RANGE = (10, 1000)  # the tab's slider offers these (step 10)
EMA_DECAY_RANGE = (0.0, 0.999)  # and these


@dataclass(frozen=True)
class DiffusionConfig:
    """One diffusion model. Defaults: the run that covers every ring8 and grid25 mode in 20 CPU-s."""
    timesteps: int = 100  # training steps T of the noise schedule, and DDPM's sampling steps
    ddim_steps: int = 10  # the few-step sampler the cost table compares with
    hidden: int = 64  # 2.5 ms per step on one CPU thread: more steps per CPU-second than 128
    time_dim: int = 32  # sinusoidal embedding of t
    coordinate_dim: int = 16  # sinusoidal embedding of each of x and y (0: raw coordinates)
    # The eps target at one (x_t, t) is mostly noise, so the loss gradient is noisy: 1,024 points per
    # step at a rate of 1e-2 (fewer, dearer steps than batch 256) sharpen the modes.
    learning_rate: float = 1e-2
    batch_size: int = 1024
    ema_decay: float = 0.995  # short runs: ~200 steps of memory

    def __post_init__(self) -> None:
        """Each field checked by its label key in the tab's text table; whole numbers kept as ints."""
        checked = {"timesteps": checks.whole_number("gan_vs_diffusion_timesteps", self.timesteps, *TIMESTEPS_RANGE),
                   "ema_decay": checks.in_range("gan_vs_diffusion_ema", self.ema_decay, *EMA_DECAY_RANGE),
                   "hidden": checks.whole_number("gan_vs_diffusion_diffusion_hidden", self.hidden, 8, 512),
                   "time_dim": checks.whole_number("gan_vs_diffusion_time_dim", self.time_dim, 4, 256),
                   "coordinate_dim": checks.whole_number("gan_vs_diffusion_coordinate_dim", self.coordinate_dim,
                                                         0, 256),
                   "learning_rate": checks.in_range("gan_vs_diffusion_diffusion_lr", self.learning_rate, 1e-5, 0.1),
                   "batch_size": checks.whole_number("gan_vs_diffusion_diffusion_batch", self.batch_size, 16, 4096)}
        checked["ddim_steps"] = checks.whole_number("gan_vs_diffusion_ddim_steps", self.ddim_steps, 1,
                                                    checked["timesteps"])
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)


COORDINATE_SCALE = 25.0  # tiny-diffusion's: the highest frequency is 25 per unit of (unit-variance) data


class Denoiser(torch.nn.Module):
    """eps_theta(x_t, t): the shared MLP on [sinusoidal(x), sinusoidal(y), sinusoidal(t)].

    Both embeddings are diffusers' `get_timestep_embedding`; the coordinates' are scaled by
    `COORDINATE_SCALE` (with coordinate_dim = 0 the MLP sees the raw x_t).
    """

    def __init__(self, hidden: int, time_dim: int, generator: torch.Generator, coordinate_dim: int = 0) -> None:
        super().__init__()
        from diffusers.models.embeddings import get_timestep_embedding

        self.time_dim, self.coordinate_dim, self.embed = time_dim, coordinate_dim, get_timestep_embedding
        self.net = mlp(2 * (coordinate_dim or 1) + time_dim, hidden, 2, torch.nn.SiLU, generator)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.embed(t.expand(x.shape[0]), self.time_dim)  # (batch, time_dim)
        if self.coordinate_dim:  # (batch * 2,) -> (batch * 2, coordinate_dim) -> (batch, 2 * coordinate_dim)
            x = self.embed(x.reshape(-1), self.coordinate_dim, scale=COORDINATE_SCALE).reshape(len(x), -1)
        return self.net(torch.cat([x, emb], 1))  # (batch, 2)


class DiffusionTrainer:
    """Denoiser, optimizer, EMA and the DDPM schedule; `step()` is one noise-prediction update.

    Works in unit-scale coordinates, like `GANTrainer`.

    >>> g = torch.Generator().manual_seed(0)
    >>> trainer = DiffusionTrainer(DiffusionConfig(timesteps=20), torch.randn(512, 2, generator=g), g)
    >>> trainer.step(); trainer.sample(3, torch.Generator().manual_seed(1)).shape
    torch.Size([3, 2])
    """

    def __init__(self, config: DiffusionConfig, data: torch.Tensor, generator: torch.Generator) -> None:
        from diffusers.schedulers.scheduling_ddim import DDIMScheduler
        from diffusers.schedulers.scheduling_ddpm import DDPMScheduler

        self.config, self.data, self.rng = config, data, generator
        self.model = Denoiser(config.hidden, config.time_dim, generator, config.coordinate_dim)
        self.optimizer = torch.optim.Adam(self.model.parameters(), config.learning_rate, foreach=True)
        self.ema = EMA(self.model, decay=config.ema_decay)
        self.ema_model = Denoiser(config.hidden, config.time_dim, generator, config.coordinate_dim).requires_grad_(False)
        # cosine schedule: with T = 100 the last step is pure noise (a linear one would leave 37 % signal)
        self.scheduler = DDPMScheduler(num_train_timesteps=config.timesteps, beta_schedule="squaredcos_cap_v2",
                                       clip_sample=False)
        self.ddim = DDIMScheduler.from_config(self.scheduler.config)
        self.steps = 0

    def set_progress(self, fraction: float) -> None:
        """Anneal the learning rate linearly to 10 % as the budget is spent: the last steps sharpen the modes."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.config.learning_rate * (1.0 - 0.9 * min(max(fraction, 0.0), 1.0))

    def step(self) -> None:
        """1. noise a batch at random t; 2. predict the noise; 3. Adam and EMA updates."""
        x0 = self.data[torch.randint(0, len(self.data), (self.config.batch_size,), generator=self.rng)]
        noise = torch.randn(x0.shape, generator=self.rng)
        t = torch.randint(0, self.config.timesteps, (len(x0),), generator=self.rng)
        loss = F.mse_loss(self.model(self.scheduler.add_noise(x0, noise, t), t), noise)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.ema.update(self.model)
        self.steps += 1

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, sampler: str = "ddpm", keep: int = 0,
               frames: int = 11) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor], list[int]]:
        """(n, 2) samples from the EMA weights with "ddpm" (T steps) or "ddim" (ddim_steps, eta = 0).

        With keep > 0 it also returns the first `keep` points at `frames` evenly spaced steps of the
        reverse trajectory x_T -> x_0, and the timestep of each frame.
        """
        self.ema.copy_to(self.ema_model)
        if sampler not in ("ddpm", "ddim"):
            raise LookupError(f"sampler {sampler!r} is unknown; use 'ddpm' or 'ddim'.")  # a caller's typo
        scheduler = self.scheduler if sampler == "ddpm" else self.ddim
        scheduler.set_timesteps(self.config.timesteps if sampler == "ddpm" else self.config.ddim_steps)
        x = torch.randn(n, 2, generator=generator)  # x_T
        shown = set(torch.linspace(0, len(scheduler.timesteps), frames).round().long().tolist())
        trajectory, frame_steps = [], []
        for index, t in enumerate(scheduler.timesteps):
            if keep and index in shown:
                trajectory.append(x[:keep].clone())
                frame_steps.append(int(t) + 1)
            eps = self.ema_model(x, t.reshape(1))  # 1. predict the noise in x_t
            x = scheduler.step(eps, t, x, generator=generator).prev_sample  # 2. x_t -> x_{t-1}
        if not keep:
            return x
        trajectory.append(x[:keep].clone())
        frame_steps.append(0)
        return x, trajectory, frame_steps
