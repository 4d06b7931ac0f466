"""The race: a GAN and a diffusion model, same data, same budget of CPU seconds, snapshots as they go.

Fair in cost, not in steps: each model trains until it has used `budget_s` seconds of CPU time of
the calling thread (`time.thread_time`, so another visitor's race on the same server does not count
against this one), one torch thread, in alternating slices so the page can show both growing.
Sampling for the snapshots is not charged to either budget. Every run draws from its own
`torch.Generator`; nothing is shared between calls.
"""
from __future__ import annotations

import copy
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from playground.core.errors import InputError
from playground.gan_vs_diffusion.coverage import PROTOCOL_SAMPLES, mode_coverage
from playground.gan_vs_diffusion.diffusion import DiffusionConfig, DiffusionTrainer
from playground.gan_vs_diffusion.gan import GANConfig, GANTrainer
from playground.gan_vs_diffusion.toy_data import DATASETS, data_scale, toy_modes, toy_samples

MIN_BUDGET_S, MAX_BUDGET_S = 1.0, 600.0  # the tab offers 10-60 s; tests and benches go lower or higher
SHOWN = 600  # generated points kept per snapshot for the scatter plots
TRAJECTORY_POINTS = 300
HEATMAP_SIZE = 41  # discriminator heatmap resolution per axis


@dataclass(frozen=True)
class RaceConfig:
    """One race. Defaults: the contrast the tab opens on (20 CPU-s each on grid25)."""
    dataset: str = "grid25"
    budget_s: float = 20.0  # CPU seconds per model
    seed: int = 0
    snapshot_every_s: float = 2.0  # CPU seconds per model between snapshots (each costs ~0.6 s of sampling)
    slice_s: float = 0.25  # CPU seconds one model trains before the other takes a turn
    train_points: int = 10_000  # the fixed training set both models see
    points: tuple[tuple[float, float], ...] | None = None  # the drawn set's centres ("drawn" only)
    gan: GANConfig = field(default_factory=GANConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)

    def __post_init__(self) -> None:
        if self.dataset not in DATASETS:
            raise InputError("gan_vs_diffusion_err_dataset", value=self.dataset, allowed=", ".join(DATASETS))
        if not (np.isfinite(self.budget_s) and MIN_BUDGET_S <= self.budget_s <= MAX_BUDGET_S):
            raise InputError("gan_vs_diffusion_err_budget", value=self.budget_s, low=MIN_BUDGET_S, high=MAX_BUDGET_S)
        if not 0 <= self.seed < 2**31:
            raise InputError("common_err_range", field="seed", low=0, high=2**31 - 1, value=self.seed)
        if not 0.05 <= self.slice_s <= self.snapshot_every_s:
            raise ValueError(f"slice_s = {self.slice_s} must be between 0.05 and snapshot_every_s.")
        toy_modes(self.dataset, self.points)  # a drawn set is validated here, before any training


@dataclass
class ModelState:
    """One contestant at a snapshot: budget used, updates done, samples and their coverage over time."""
    cpu_seconds: float = 0.0
    steps: int = 0
    samples: list = field(default_factory=list)  # (SHOWN, 2) as lists, data coordinates
    coverage: dict = field(default_factory=dict)  # mode_coverage of PROTOCOL_SAMPLES samples
    curve: list = field(default_factory=list)  # [cpu_seconds, modes, high_quality] per snapshot


@dataclass
class RaceSnapshot:
    """What the page shows after each slice round; plain lists so it saves to JSON as is."""
    dataset: str
    budget_s: float
    seed: int
    modes: list  # (k, 2) true centres
    real: list  # (SHOWN, 2) held-out real points
    gan: ModelState
    diffusion: ModelState
    heatmap: dict = field(default_factory=dict)  # {"x": [...], "y": [...], "p": [[...]]}: D(real) on a grid
    trajectory: list = field(default_factory=list)  # frames of (TRAJECTORY_POINTS, 2), x_T first
    trajectory_steps: list = field(default_factory=list)  # timestep of each frame
    cost: dict = field(default_factory=dict)  # sampling cost per 2,500 points, filled at the end
    done: bool = False
    machine: str = ""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> RaceSnapshot:
        models = {key: ModelState(**data[key]) for key in ("gan", "diffusion")}
        return cls(**{**data, **models})


def machine_name() -> str:
    """What the CPU seconds were measured on, e.g. "x86_64, 2 cores, torch 2.13.0, 1 thread"."""
    import os

    return (f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__.split('+')[0]}, "
            f"{torch.get_num_threads()} thread(s)")


def train_for(trainer: GANTrainer | DiffusionTrainer, seconds: float) -> float:
    """Train until `seconds` of this thread's CPU time are used (one step past); returns the time used."""
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        trainer.step()
    return time.thread_time() - start


def _record(state: ModelState, samples: torch.Tensor, steps: int, config: RaceConfig) -> None:
    """Store a contestant's snapshot: shown points, coverage of all 2,500 and one more curve point."""
    state.samples = np.round(samples[:SHOWN].numpy(), 4).tolist()
    state.coverage = mode_coverage(samples.numpy(), config.dataset, config.points)
    state.curve.append([round(state.cpu_seconds, 3), state.coverage["modes"], round(state.coverage["high_quality"], 4)])
    state.steps = steps


def _heatmap(gan: GANTrainer, modes: np.ndarray, scale: float) -> dict:
    low, high = modes.min(axis=0) - 0.35 * np.ptp(modes, axis=0).max(), modes.max(axis=0) + 0.35 * np.ptp(modes, axis=0).max()
    xs, ys = np.linspace(low[0], high[0], HEATMAP_SIZE), np.linspace(low[1], high[1], HEATMAP_SIZE)
    grid = torch.tensor(np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2) / scale, dtype=torch.float32)
    probability = gan.discriminator_map(grid).reshape(HEATMAP_SIZE, HEATMAP_SIZE)  # rows = y
    return {"x": np.round(xs, 3).tolist(), "y": np.round(ys, 3).tolist(), "p": np.round(probability.numpy(), 3).tolist()}


def sampling_cost(gan: GANTrainer, diffusion: DiffusionTrainer, config: RaceConfig, scale: float,
                  generator: torch.Generator) -> dict:
    """CPU seconds for 2,500 points: one generator pass, T DDPM steps, DDIM with ddim_steps; and DDIM's coverage."""
    cost = {}
    for name, draw in (("gan", lambda: gan.sample(PROTOCOL_SAMPLES, generator)),
                       ("ddpm", lambda: diffusion.sample(PROTOCOL_SAMPLES, generator)),
                       ("ddim", lambda: diffusion.sample(PROTOCOL_SAMPLES, generator, sampler="ddim"))):
        start = time.thread_time()
        samples = draw()
        cost[name] = {"cpu_seconds": time.thread_time() - start,
                      "modes": mode_coverage(samples.numpy() * scale, config.dataset, config.points)["modes"]}
    cost["ddpm"]["steps"], cost["ddim"]["steps"], cost["gan"]["steps"] = (
        config.diffusion.timesteps, config.diffusion.ddim_steps, 1)
    return cost


def race(config: RaceConfig, should_stop: Callable[[], bool] = lambda: False) -> Iterator[RaceSnapshot]:
    """Train both models on `config.dataset` for `config.budget_s` CPU seconds each, yielding snapshots.

    1. both models get the same training set and their own generator streams from `config.seed`;
    2. in turns of `slice_s` CPU seconds, each trains until its budget is spent;
    3. every `snapshot_every_s`, both are sampled (2,500 points, not charged) and a snapshot is yielded;
    4. the last snapshot (done = True) adds the sampling costs. `should_stop()` returning True ends
       the race after the current slice, still with a final snapshot.
    """
    scale = data_scale(config.dataset, config.points)
    modes = toy_modes(config.dataset, config.points)
    data = torch.tensor(toy_samples(config.dataset, config.train_points, config.seed, config.points) / scale,
                        dtype=torch.float32)
    real = toy_samples(config.dataset, SHOWN, config.seed + 1, config.points)
    streams = [torch.Generator().manual_seed(config.seed * 4 + offset) for offset in range(4)]
    gan = GANTrainer(config.gan, data, streams[0])
    diffusion = DiffusionTrainer(config.diffusion, data, streams[1])
    snapshot = RaceSnapshot(config.dataset, config.budget_s, config.seed, modes.round(4).tolist(),
                            np.round(real, 4).tolist(), ModelState(), ModelState(), machine=machine_name())
    contestants = ((gan, snapshot.gan), (diffusion, snapshot.diffusion))
    next_snapshot = 0.0
    while True:
        stop = should_stop()
        if not stop:
            for trainer, state in contestants:
                left = config.budget_s - state.cpu_seconds
                if left > 0:
                    if trainer is diffusion:
                        diffusion.set_progress(state.cpu_seconds / config.budget_s)
                    state.cpu_seconds += train_for(trainer, min(config.slice_s, left))
        finished = stop or all(state.cpu_seconds >= config.budget_s for _, state in contestants)
        if finished or min(state.cpu_seconds for _, state in contestants) >= next_snapshot:
            next_snapshot += config.snapshot_every_s
            _record(snapshot.gan, gan.sample(PROTOCOL_SAMPLES, streams[2]) * scale, gan.steps, config)
            samples, trajectory, steps = diffusion.sample(PROTOCOL_SAMPLES, streams[3], keep=TRAJECTORY_POINTS)
            _record(snapshot.diffusion, samples * scale, diffusion.steps, config)
            snapshot.trajectory = [np.round((frame * scale).numpy(), 3).tolist() for frame in trajectory]
            snapshot.trajectory_steps = steps
            snapshot.heatmap = _heatmap(gan, modes, scale)
            if finished:
                snapshot.cost = sampling_cost(gan, diffusion, config, scale, streams[2])
                snapshot.done = True
            yield copy.deepcopy(snapshot)  # each yield is a finished view; training goes on in ours
            if finished:
                return
