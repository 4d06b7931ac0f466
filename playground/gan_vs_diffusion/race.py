"""The race: a GAN and a diffusion model, same data, same training compute, snapshots as they go.

Fair in cost, not in steps, and the same on every machine: the GAN gets `gan_updates` updates and
diffusion the updates that cost as much (`cost.diffusion_updates_for`), in alternating slices so the
page can show both growing. A budget of CPU seconds made the lesson depend on the CPU (a faster box
trained the GAN twice as far); counted updates make a seed's race the same everywhere. The CPU
seconds each model used (`time.thread_time` of the calling thread) are still shown. Sampling for the
snapshots is not charged. Every run draws from its own `torch.Generator`; nothing is shared between calls.
"""
from __future__ import annotations

import copy
import platform
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from playground.core import checks
from playground.core.generation import MAX_SEED
from playground.gan_vs_diffusion.cost import diffusion_updates_for
from playground.gan_vs_diffusion.coverage import PROTOCOL_SAMPLES, mode_coverage
from playground.gan_vs_diffusion.diffusion import DiffusionConfig, DiffusionTrainer
from playground.gan_vs_diffusion.gan import GANConfig, GANTrainer
from playground.gan_vs_diffusion.toy_data import DATASETS, data_scale, frame_of, toy_modes, toy_samples

MIN_UPDATES, MAX_UPDATES = 20, 20_000  # GAN updates; tests and benches go lower than the tab
BUDGET_SLIDER = (500, 8000)  # what the tab's slider offers, within those
SHOWN = 600  # generated points kept per snapshot for the scatter plots
TRAJECTORY_POINTS = 300
HEATMAP_SIZE = 41  # discriminator heatmap resolution per axis


@dataclass(frozen=True)
class RaceConfig:
    """One race. Defaults: the contrast the tab opens on (3,000 GAN updates and their cost in diffusion on grid25).

    3,000 because the GAN's coverage has stopped rising there (grid25, seeds 0-2: 20/17/13 of 25 at
    3,000 and 20/23/16 at 6,000), while diffusion covers 25/25 from ~500 updates: a longer race tells
    the same story. ~35 s of CPU for both on the 2-core box.
    """
    dataset: str = "grid25"
    gan_updates: int = 3000  # the budget; diffusion gets the updates of the same cost
    seed: int = 0
    snapshots: int = 10  # snapshots before the final one (each costs ~0.6 s of sampling)
    slice_updates: int = 50  # GAN updates before diffusion takes its (proportional) turn
    train_points: int = 10_000  # the fixed training set both models see
    points: tuple[tuple[float, float], ...] | None = None  # the drawn set's centres ("drawn" only)
    gan: GANConfig = field(default_factory=GANConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)

    def __post_init__(self) -> None:
        """Each field checked by its label key in the tab's text table; a drawn set before any training."""
        checks.one_of("gan_vs_diffusion_dataset", self.dataset, DATASETS)
        updates = checks.whole_number("gan_vs_diffusion_budget", self.gan_updates, MIN_UPDATES, MAX_UPDATES)
        checked = {"gan_updates": updates,
                   "seed": checks.whole_number("gan_vs_diffusion_seed", self.seed, 0, MAX_SEED),
                   "snapshots": checks.whole_number("gan_vs_diffusion_snapshots", self.snapshots, 1, 100),
                   "slice_updates": checks.whole_number("gan_vs_diffusion_slice", self.slice_updates, 1, updates),
                   "train_points": checks.whole_number("gan_vs_diffusion_train_points", self.train_points, 100,
                                                       1_000_000)}
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)
        toy_modes(self.dataset, self.points)  # a drawn set is validated here, before any training


@dataclass
class ModelState:
    """One contestant at a snapshot: updates done of its budget, samples and their coverage over time."""
    budget: int = 0  # updates this model may do (equal cost for both)
    cpu_seconds: float = 0.0  # what its updates took here (shown; the budget is counted in updates)
    steps: int = 0
    samples: list = field(default_factory=list)  # (SHOWN, 2) as lists, data coordinates
    coverage: dict = field(default_factory=dict)  # mode_coverage of PROTOCOL_SAMPLES samples
    curve: list = field(default_factory=list)  # [budget used in %, modes, high_quality] per snapshot


@dataclass
class RaceSnapshot:
    """What the page shows after each slice round; plain lists so it saves to JSON as is."""
    dataset: str
    gan_updates: int
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


def train_steps(trainer: GANTrainer | DiffusionTrainer, steps: int) -> float:
    """Do `steps` updates; returns the CPU seconds this thread spent on them."""
    start = time.thread_time()
    for _ in range(steps):
        trainer.step()
    return time.thread_time() - start


def _record(state: ModelState, samples: torch.Tensor, steps: int, config: RaceConfig) -> None:
    """Store a contestant's snapshot: shown points, coverage of all 2,500 and one more curve point."""
    state.samples = np.round(samples[:SHOWN].numpy(), 4).tolist()
    state.coverage = mode_coverage(samples.numpy(), config.dataset, config.points)
    state.steps = steps
    state.curve.append([round(100 * steps / state.budget, 1), state.coverage["modes"], round(state.coverage["high_quality"], 4)])


def _heatmap(gan: GANTrainer, modes: np.ndarray, scale: float) -> dict:
    x_range, y_range = frame_of(modes)
    xs, ys = np.linspace(*x_range, HEATMAP_SIZE), np.linspace(*y_range, HEATMAP_SIZE)
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
    """Train both models on `config.dataset` for budgets of equal cost, yielding snapshots.

    1. both models get the same training set and their own generator streams from `config.seed`;
    2. the GAN trains `slice_updates` at a time and diffusion catches up to the same share of its
       budget, until both budgets are spent;
    3. after each `1 / snapshots` of the budget, both are sampled (2,500 points, not charged) and a
       snapshot is yielded;
    4. the last snapshot (done = True) adds the sampling costs. `should_stop()` returning True ends
       the race after the current slice, still with a final snapshot.
    """
    scale = data_scale(config.dataset, config.points)
    modes = toy_modes(config.dataset, config.points)
    data = torch.tensor(toy_samples(config.dataset, config.train_points, config.seed, config.points) / scale,
                        dtype=torch.float32)
    real = toy_samples(config.dataset, SHOWN, config.seed + 1, config.points)
    budgets = {"gan": config.gan_updates,
               "diffusion": diffusion_updates_for(config.gan_updates, config.gan, config.diffusion)}
    streams = [torch.Generator().manual_seed(config.seed * 4 + offset) for offset in range(4)]
    gan = GANTrainer(config.gan, data, streams[0])
    diffusion = DiffusionTrainer(config.diffusion, data, streams[1])
    snapshot = RaceSnapshot(config.dataset, config.gan_updates, config.seed, modes.round(4).tolist(),
                            np.round(real, 4).tolist(), ModelState(budget=budgets["gan"]),
                            ModelState(budget=budgets["diffusion"]), machine=machine_name())
    next_snapshot = 0
    while True:
        stop = should_stop()
        if not stop:
            gan_steps = min(config.slice_updates, budgets["gan"] - gan.steps)
            snapshot.gan.cpu_seconds += train_steps(gan, gan_steps)
            diffusion_target = round(budgets["diffusion"] * gan.steps / budgets["gan"])
            diffusion.set_progress(gan.steps / budgets["gan"])
            snapshot.diffusion.cpu_seconds += train_steps(diffusion, diffusion_target - diffusion.steps)
        finished = stop or gan.steps >= budgets["gan"]
        if finished or gan.steps * config.snapshots >= next_snapshot * budgets["gan"]:
            next_snapshot += 1
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
