"""DDPM training with an EMA of the weights, on data that needs no download, sampled with paired DDIM.

A denoiser learns to predict the noise added to clean data (Ho et al. 2020,
https://arxiv.org/abs/2006.11239): loss = || eps - eps_theta(sqrt(a_t) x_0 + sqrt(1 - a_t) eps, t) ||^2.
We train it while keeping an EMA of its weights (`playground.ema`), and every few steps sample from
the raw and the EMA weights with the SAME starting noise and deterministic DDIM (eta = 0, Song et al.
2020, https://arxiv.org/abs/2010.02502), so any difference in the samples comes from the weights.
Schedulers and the UNet come from diffusers; the loop is the algorithm, written out.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import torch

from playground.core import checks
from playground.core.ema import EMA, SCHEDULES
from playground.core.generation import MAX_SEED
from playground.core.seeding import init_weights_
from playground.ema import quality as sample_quality

if TYPE_CHECKING:
    from diffusers import DDPMScheduler, UNet2DModel

_import_lock = threading.Lock()


def import_diffusers():
    """diffusers, imported on first use rather than at app start-up (it costs seconds there).

    The lock keeps two threads from importing it at once: transformers' lazy modules raced when a
    warm-up thread and a request imported them together.
    """
    with _import_lock:
        import diffusers
        import diffusers.models.embeddings  # noqa: F401  (for get_timestep_embedding)
    return diffusers

TOY_DATASETS = ("two_moons", "eight_gaussians", "swiss_roll")
DATASETS = TOY_DATASETS + ("digits",)
TRAIN_TIMESTEPS = 1000
# What a run may ask for; the tab's sliders read theirs from here (they offer less: 50-10,000 steps, 0.9-0.9999)
DECAY_RANGE = (0.0, 0.99999)
LEARNING_RATE_RANGE = (1e-5, 0.1)
STEPS_RANGE = (10, 20_000)
EVAL_EVERY_RANGE = (1, 20_000)  # more than `steps`: evaluated at the last step only


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Defaults: the two-moons run where EMA beats raw weights in 3/3 seeds.

    Checked once, here (`playground.core.checks`), each field refused by its label key in the tab's
    text table; whole numbers sent as 3000.0 are kept as the int 3000.
    """
    dataset: str = "two_moons"
    ema_decay: float = 0.999
    schedule: str = "cap"  # EMA warm-up, see playground.ema.EMA
    learning_rate: float = 3e-3  # Adam, constant unless cosine_lr
    steps: int = 3000
    seed: int = 0
    cosine_lr: bool = False  # decay the LR to zero: the raw weights settle too, and the EMA gap vanishes
    batch_size: int = 256
    eval_every: int = 250  # sample + score raw and EMA weights this often (and at the last step)
    sampling_steps: int = 50  # DDIM steps per evaluation sample
    num_samples: int = 1000  # samples per evaluation, per weight set
    image_size: int = 8  # digits only: 8 (native) or 16 (upsampled)

    def __post_init__(self) -> None:
        checks.one_of("ema_dataset", self.dataset, DATASETS)
        checks.one_of("ema_schedule", self.schedule, SCHEDULES)
        checks.flag("ema_cosine", self.cosine_lr)
        checks.one_of("ema_image_size", self.image_size, (8, 16))
        checked = {"ema_decay": checks.in_range("ema_decay", self.ema_decay, *DECAY_RANGE),
                   "learning_rate": checks.in_range("ema_lr", self.learning_rate, *LEARNING_RATE_RANGE),
                   "steps": checks.whole_number("ema_steps", self.steps, *STEPS_RANGE),
                   "seed": checks.whole_number("ema_seed", self.seed, 0, MAX_SEED),
                   "batch_size": checks.whole_number("ema_batch_size", self.batch_size, 8, 1024),
                   "eval_every": checks.whole_number("ema_every", self.eval_every, *EVAL_EVERY_RANGE),
                   "sampling_steps": checks.whole_number("ema_sampling_steps", self.sampling_steps, 5, 200),
                   "num_samples": checks.whole_number("ema_num_samples", self.num_samples, 64, 5000)}
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)

    @classmethod
    def for_dataset(cls, dataset: str, **settings) -> TrainConfig:
        """Digits start from other batch/evaluation defaults than the 2-D sets; `settings` override both."""
        base = DIGITS_DEFAULTS if dataset == "digits" else cls()
        return replace(base, dataset=dataset, **settings)


DIGITS_DEFAULTS = TrainConfig(dataset="digits", learning_rate=1e-3, steps=1000, batch_size=64,
                              eval_every=100, sampling_steps=25, num_samples=256)


# ------------------------------------------------------------------ data
def reference_seed(seed: int) -> int:
    """The held-out set's seed: the run's next one, wrapping at 2**32 (sklearn's limit) for the largest seed."""
    return (seed + 1) % 2**32


def toy_samples(name: str, n: int, seed: int) -> torch.Tensor:
    """`n` points (n, 2) of a 2-D toy distribution, roughly zero-mean and unit-scale."""
    from sklearn.datasets import make_moons, make_swiss_roll

    checks.one_of("ema_dataset", name, TOY_DATASETS)
    rng = np.random.default_rng(seed)
    if name == "two_moons":
        points, _ = make_moons(n, noise=0.05, random_state=seed)
        points = (points - [0.5, 0.25]) / [0.87, 0.5]
    elif name == "eight_gaussians":
        angles = rng.integers(0, 8, n) * (2 * math.pi / 8)
        points = np.stack([np.cos(angles), np.sin(angles)], 1) * 1.5 + rng.normal(0, 0.1, (n, 2))
    else:  # swiss_roll
        points = make_swiss_roll(n, noise=0.3, random_state=seed)[0][:, [0, 2]] / 7.0
    return torch.tensor(points, dtype=torch.float32)


def digits_images(size: int = 8) -> torch.Tensor:
    """sklearn's 1,797 handwritten digits as (N, 1, size, size) in [-1, 1] (16 = bilinear upsampling)."""
    from sklearn.datasets import load_digits

    images = torch.tensor(load_digits().images, dtype=torch.float32).unsqueeze(1) / 8.0 - 1.0
    if size != 8:
        images = torch.nn.functional.interpolate(images, size=(size, size), mode="bilinear").clamp(-1, 1)
    return images


# ------------------------------------------------------------------ models
class ToyDenoiser(torch.nn.Module):
    """eps_theta(x_t, t) for 2-D points: an MLP on [x_t, sinusoidal(t)], ~38k parameters."""

    def __init__(self, hidden: int = 128, time_dim: int = 32) -> None:
        super().__init__()
        self.time_dim = time_dim
        self.timestep_embedding = import_diffusers().models.embeddings.get_timestep_embedding
        self.net = torch.nn.Sequential(
            torch.nn.Linear(2 + time_dim, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, hidden),
            torch.nn.SiLU(), torch.nn.Linear(hidden, hidden), torch.nn.SiLU(), torch.nn.Linear(hidden, 2))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        emb = self.timestep_embedding(t.expand(x.shape[0]), self.time_dim)  # (batch, time_dim)
        return self.net(torch.cat([x, emb], 1))  # (batch, 2)


def digits_unet(size: int = 8) -> UNet2DModel:
    """A 0.7M-parameter diffusers UNet for 1-channel size x size digits (one attention level)."""
    unet_class = import_diffusers().UNet2DModel
    return unet_class(sample_size=size, in_channels=1, out_channels=1, block_out_channels=(32, 64),
                      down_block_types=("DownBlock2D", "AttnDownBlock2D"),
                      up_block_types=("AttnUpBlock2D", "UpBlock2D"), layers_per_block=1, norm_num_groups=16)


def make_model(config: TrainConfig) -> torch.nn.Module:
    return digits_unet(config.image_size) if config.dataset == "digits" else ToyDenoiser()


def predict_noise(model: torch.nn.Module, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    output = model(x, t)
    return output.sample if hasattr(output, "sample") else output


def make_scheduler(dataset: str) -> DDPMScheduler:
    """Cosine noise schedule; clipping x_0 to [-1, 1] only for images (toy points reach beyond 1)."""
    scheduler_class = import_diffusers().DDPMScheduler
    return scheduler_class(num_train_timesteps=TRAIN_TIMESTEPS, beta_schedule="squaredcos_cap_v2",
                           clip_sample=dataset == "digits")


# ------------------------------------------------------------------ sampling and scoring
@torch.no_grad()
def ddim_sample(model: torch.nn.Module, scheduler: DDPMScheduler, noise: torch.Tensor, steps: int) -> torch.Tensor:
    """Deterministic DDIM (eta = 0) from `noise`: the same noise gives a paired sample for any weights."""
    ddim = import_diffusers().DDIMScheduler.from_config(scheduler.config)
    ddim.set_timesteps(steps)
    x = noise.clone()
    was_training = model.training
    model.eval()
    for t in ddim.timesteps:
        eps = predict_noise(model, x, t.reshape(1))  # 1. predict the noise in x_t
        x = ddim.step(eps, t, x, eta=0.0).prev_sample  # 2. x_t -> x_{t-1}
    model.train(was_training)
    return x


def score(dataset: str, samples: torch.Tensor, reference: torch.Tensor, seed: int) -> dict[str, float]:
    """Quality metrics against held-out real data; the first key is the headline (lower is better)."""
    if dataset == "digits":
        return sample_quality.digit_scores(samples, reference)
    return {"sliced_w1_x100": 100 * sample_quality.sliced_wasserstein(samples, reference, seed=seed),
            "mmd": sample_quality.mmd_rbf(samples, reference)}


def paired_samples(model: torch.nn.Module, ema: EMA, scheduler: DDPMScheduler, noise: torch.Tensor,
                   steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(raw, EMA) samples from the same noise; the model holds its raw weights again afterwards."""
    raw = ddim_sample(model, scheduler, noise, steps)
    ema.store(model)
    ema.copy_to(model)
    averaged = ddim_sample(model, scheduler, noise, steps)
    ema.restore(model)
    return raw, averaged


# ------------------------------------------------------------------ training
@dataclass
class RunHistory:
    """Everything the tab plots, updated in place while training; `model` / `ema` are the live objects."""
    config: TrainConfig
    model: torch.nn.Module
    ema: EMA
    step: int = 0
    losses: list[float] = field(default_factory=list)
    decays: list[float] = field(default_factory=list)  # effective EMA decay used at each step
    weight_raw: list[float] = field(default_factory=list)  # one tracked weight, raw ...
    weight_ema: list[float] = field(default_factory=list)  # ... and its EMA
    eval_steps: list[int] = field(default_factory=list)
    metrics_raw: dict[str, list[float]] = field(default_factory=dict)
    metrics_ema: dict[str, list[float]] = field(default_factory=dict)
    samples_raw: torch.Tensor | None = None  # latest paired samples
    samples_ema: torch.Tensor | None = None

    def record_eval(self, raw: dict[str, float], averaged: dict[str, float]) -> None:
        self.eval_steps.append(self.step)
        for metrics, new in ((self.metrics_raw, raw), (self.metrics_ema, averaged)):
            for key, value in new.items():
                metrics.setdefault(key, []).append(value)


def train(config: TrainConfig = TrainConfig()) -> Iterator[RunHistory]:
    """Train a DDPM with EMA; yield the updated history after every evaluation (stop by not iterating).

    >>> config = TrainConfig(steps=20, eval_every=20, num_samples=64, sampling_steps=5, batch_size=32)
    >>> history = list(train(config))[-1]
    >>> history.step, sorted(history.metrics_ema)
    (20, ['mmd', 'sliced_w1_x100'])
    """
    generator = torch.Generator().manual_seed(config.seed)  # every draw of the run, the weights' too
    if config.dataset == "digits":
        data = digits_images(config.image_size)
        order = torch.randperm(len(data), generator=generator)
        data, reference = data[order[:1500]], data[order[1500:]]  # the classifier's held-out set
    else:
        data = toy_samples(config.dataset, 20_000, seed=config.seed)
        reference = toy_samples(config.dataset, config.num_samples, seed=reference_seed(config.seed))
    model = init_weights_(make_model(config), generator)
    ema = EMA(model, decay=config.ema_decay, schedule=config.schedule)
    scheduler = make_scheduler(config.dataset)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    lr_schedule = (torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, config.steps) if config.cosine_lr
                   else torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1.0))
    tracked = list(model.parameters())[-2].view(-1)  # a weight of the output layer
    sample_noise = torch.randn((config.num_samples, *data.shape[1:]), generator=generator)
    history = RunHistory(config, model, ema)
    model.train()
    for step in range(1, config.steps + 1):
        # 1. noise a minibatch of clean data at random timesteps
        clean = data[torch.randint(len(data), (config.batch_size,), generator=generator)]
        noise = torch.randn(clean.shape, generator=generator)
        t = torch.randint(TRAIN_TIMESTEPS, (config.batch_size,), generator=generator)
        # 2. one Adam step on the noise-prediction loss
        loss = torch.nn.functional.mse_loss(predict_noise(model, scheduler.add_noise(clean, noise, t), t), noise)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        lr_schedule.step()
        # 3. average the new weights into the EMA
        history.decays.append(ema.update(model))
        history.step = step
        history.losses.append(loss.item())
        history.weight_raw.append(tracked[0].item())
        history.weight_ema.append(ema.shadow[-2].view(-1)[0].item())
        # 4. now and then: paired samples from raw and EMA weights, scored against held-out data
        if step % config.eval_every == 0 or step == config.steps:
            history.samples_raw, history.samples_ema = paired_samples(
                model, ema, scheduler, sample_noise, config.sampling_steps)
            history.record_eval(score(config.dataset, history.samples_raw, reference, config.seed),
                                score(config.dataset, history.samples_ema, reference, config.seed))
            yield history
