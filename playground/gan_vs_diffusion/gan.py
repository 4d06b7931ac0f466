"""A GAN on 2-D points: MLP generator and discriminator, with the usual switches against mode collapse.

Goodfellow et al. 2014 (https://arxiv.org/abs/1406.2661), non-saturating generator loss
-log D(G(z)) (their section 3), Adam with beta1 = 0.5 (DCGAN, https://arxiv.org/abs/1511.06434).
Switches: WGAN-GP (critic loss D(fake) - D(real) + 10 (||grad D(x_hat)|| - 1)^2,
https://arxiv.org/abs/1704.00028), spectral norm on D (https://arxiv.org/abs/1802.05957),
PacGAN packing (D judges m samples at once, https://arxiv.org/abs/1712.04086), D steps per G step
and the noise dimension.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from playground.core import checks
from playground.core.errors import InputError

LOSSES = ("non_saturating", "wgan_gp")
# the ranges the tab's sliders offer (a config allows the same)
PACK_RANGE, D_STEPS_RANGE, Z_DIM_RANGE = (1, 8), (1, 10), (1, 64)


@dataclass(frozen=True)
class GANConfig:
    """One GAN. Defaults: the plain GAN that collapses on some seeds (the lesson of the tab)."""
    loss: str = "non_saturating"  # or "wgan_gp"
    spectral_norm: bool = False  # on every discriminator layer
    pack: int = 1  # PacGAN: samples per discriminator input; 1 = plain GAN
    d_steps: int = 1  # discriminator updates per generator update (5 is WGAN-GP's choice)
    z_dim: int = 2  # GAN Lab uses 2; more noise dimensions rarely cure collapse
    hidden: int = 128
    learning_rate: float = 1e-3
    batch_size: int = 256

    def __post_init__(self) -> None:
        """Each field checked by its label key in the tab's text table; whole numbers kept as ints."""
        checks.one_of("gan_vs_diffusion_loss", self.loss, LOSSES)
        checks.flag("gan_vs_diffusion_spectral", self.spectral_norm)
        checked = {"pack": checks.whole_number("gan_vs_diffusion_pack", self.pack, *PACK_RANGE),
                   "d_steps": checks.whole_number("gan_vs_diffusion_d_steps", self.d_steps, *D_STEPS_RANGE),
                   "z_dim": checks.whole_number("gan_vs_diffusion_z_dim", self.z_dim, *Z_DIM_RANGE),
                   "hidden": checks.whole_number("gan_vs_diffusion_gan_hidden", self.hidden, 8, 512),
                   "learning_rate": checks.in_range("gan_vs_diffusion_gan_lr", self.learning_rate, 1e-5, 0.1),
                   "batch_size": checks.whole_number("gan_vs_diffusion_gan_batch", self.batch_size, 16, 4096)}
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)
        if self.batch_size % self.pack:
            raise InputError("gan_vs_diffusion_err_batch_pack", field="gan_vs_diffusion_pack", batch=self.batch_size,
                             pack=self.pack)


def mlp(inputs: int, hidden: int, outputs: int, activation: type[torch.nn.Module], generator: torch.Generator,
        spectral_norm: bool = False) -> torch.nn.Sequential:
    """inputs -> hidden -> hidden -> hidden -> outputs, initialised from `generator` (not the global RNG).

    PyTorch's default init (kaiming-uniform weights, uniform biases) drawn from our generator, so two
    visitors' runs never share or reseed one random stream. Used by all three networks of this tab.
    """
    sizes = [inputs, hidden, hidden, hidden, outputs]
    layers: list[torch.nn.Module] = []
    for index, (size_in, size_out) in enumerate(zip(sizes, sizes[1:])):
        linear = torch.nn.Linear(size_in, size_out)
        with torch.no_grad():
            torch.nn.init.kaiming_uniform_(linear.weight, a=math.sqrt(5), generator=generator)
            linear.bias.uniform_(-1 / math.sqrt(size_in), 1 / math.sqrt(size_in), generator=generator)
        if spectral_norm:
            linear = torch.nn.utils.parametrizations.spectral_norm(linear)
            power = linear.parametrizations.weight[0]  # its power-iteration vectors, redrawn from our generator
            with torch.no_grad():
                for vector in (power._u, power._v):
                    vector.copy_(F.normalize(torch.randn(vector.shape, generator=generator), dim=0))
        layers.append(linear)
        if index < len(sizes) - 2:
            layers.append(activation())
    return torch.nn.Sequential(*layers)


class GANTrainer:
    """Generator, discriminator and their optimizers; `step()` is one round of D updates then one G update.

    Works in unit-scale coordinates: the caller divides the data by its scale and multiplies samples back.

    >>> g = torch.Generator().manual_seed(0)
    >>> trainer = GANTrainer(GANConfig(), torch.randn(512, 2, generator=g), g)
    >>> trainer.step(); trainer.sample(3, torch.Generator().manual_seed(1)).shape
    torch.Size([3, 2])
    """

    def __init__(self, config: GANConfig, data: torch.Tensor, generator: torch.Generator) -> None:
        self.config, self.data, self.rng = config, data, generator
        self.generator = mlp(config.z_dim, config.hidden, 2, torch.nn.ReLU, generator)
        self.discriminator = mlp(2 * config.pack, config.hidden, 1, torch.nn.LeakyReLU, generator,
                                 config.spectral_norm)
        betas = (0.5, 0.9) if config.loss == "wgan_gp" else (0.5, 0.999)
        self.g_optimizer = torch.optim.Adam(self.generator.parameters(), config.learning_rate, betas=betas, foreach=True)
        self.d_optimizer = torch.optim.Adam(self.discriminator.parameters(), config.learning_rate, betas=betas, foreach=True)
        self.steps = 0  # generator updates done

    def _noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, self.config.z_dim, generator=generator or self.rng)

    def _judge(self, points: torch.Tensor) -> torch.Tensor:
        """D's logit for each pack of m points: (batch, 2) -> (batch / m,)."""
        return self.discriminator(points.reshape(-1, 2 * self.config.pack)).squeeze(1)

    def _gradient_penalty(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        mix = torch.rand(len(real) // self.config.pack, 1, 1, generator=self.rng)
        shape = (-1, self.config.pack, 2)
        between = (mix * real.reshape(shape) + (1 - mix) * fake.reshape(shape)).reshape(-1, 2).requires_grad_(True)
        gradient, = torch.autograd.grad(self._judge(between).sum(), between, create_graph=True)
        return ((gradient.reshape(-1, 2 * self.config.pack).norm(dim=1) - 1) ** 2).mean()

    def step(self) -> None:
        """1. d_steps discriminator updates on real vs generated batches; 2. one generator update."""
        batch = self.config.batch_size
        for _ in range(self.config.d_steps):
            real = self.data[torch.randint(0, len(self.data), (batch,), generator=self.rng)]
            with torch.no_grad():
                fake = self.generator(self._noise(batch))
            real_logit, fake_logit = self._judge(real), self._judge(fake)
            if self.config.loss == "wgan_gp":
                loss = fake_logit.mean() - real_logit.mean() + 10.0 * self._gradient_penalty(real, fake)
            else:  # -log D(real) - log(1 - D(fake))
                loss = F.softplus(-real_logit).mean() + F.softplus(fake_logit).mean()
            self.d_optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.d_optimizer.step()
        fake_logit = self._judge(self.generator(self._noise(batch)))
        # non-saturating: maximise log D(G(z)), i.e. minimise softplus(-logit); WGAN: maximise D(G(z))
        loss = -fake_logit.mean() if self.config.loss == "wgan_gp" else F.softplus(-fake_logit).mean()
        self.g_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.g_optimizer.step()
        self.steps += 1

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """One generator pass: (n, 2) points in unit-scale coordinates."""
        return self.generator(self._noise(n, generator))

    @torch.no_grad()
    def discriminator_map(self, grid: torch.Tensor) -> torch.Tensor:
        """D's verdict on each grid point, (m, 2) -> (m,): the probability "real" (sigmoid of the logit;
        for WGAN-GP the critic is unbounded, so its score is squashed the same way for display).
        With packing, each point is judged as a pack of m copies of itself."""
        return torch.sigmoid(self._judge(grid.repeat_interleave(self.config.pack, dim=0)))
