"""The shipped digits checkpoints: raw and EMA weights of ONE training run, saved at a few steps.

Why ship them: a digits run takes 1-2 CPU-minutes, but the finished comparison should be on screen
the moment the tab opens. `scripts/make_ema_checkpoints.py` trains with `playground.diffusion.train`
and saves both weight sets as float16 safetensors (half the size; the UNet samples the same in
float32 after loading); `compare_checkpoint` samples them live with paired DDIM (same noise).
"""
from __future__ import annotations

import functools
import json
import pathlib
import re
from dataclasses import dataclass

import torch
from safetensors.torch import load_file, save_file

from playground.core.checks import shown
from playground.core.ema import effective_decay
from playground.core.errors import InputError
from playground.ema import diffusion

ASSET_DIR = pathlib.Path(__file__).resolve().parents[2] / "assets" / "ema"
WEIGHT_SETS = ("raw", "ema")


def checkpoint_path(folder: pathlib.Path, step: int, weights: str) -> pathlib.Path:
    return folder / f"digits_step{step:05d}_{weights}.safetensors"


def save_checkpoint(history: diffusion.RunHistory, folder: pathlib.Path) -> None:
    """Write the raw and EMA weights at `history.step` (float16) and the run's settings."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = {name: p.detach().half().contiguous() for name, p in history.model.named_parameters()}
    averaged = {name: t.half().contiguous() for name, t in history.ema.named_shadow(history.model)}
    for weights, tensors in zip(WEIGHT_SETS, (raw, averaged)):
        save_file(tensors, str(checkpoint_path(folder, history.step, weights)))
    settings = {key: getattr(history.config, key) for key in history.config.__dataclass_fields__}
    (folder / "run.json").write_text(json.dumps(settings, indent=1))


def shipped_steps(folder: pathlib.Path = ASSET_DIR) -> list[int]:
    """Training steps with both raw and EMA files present, ascending."""
    found = {int(m.group(1)) for f in folder.glob("digits_step*_raw.safetensors")
             if (m := re.search(r"step(\d+)_raw", f.name))}
    return sorted(s for s in found if checkpoint_path(folder, s, "ema").is_file())


def run_config(folder: pathlib.Path = ASSET_DIR) -> diffusion.TrainConfig:
    return diffusion.TrainConfig(**json.loads((folder / "run.json").read_text()))


def load_checkpoint(step: int, weights: str, folder: pathlib.Path = ASSET_DIR) -> torch.nn.Module:
    """The digits UNet with the `weights` ("raw" or "ema") saved at `step`, in float32 and eval mode."""
    if weights not in WEIGHT_SETS:  # the tab asks for both by name: a caller's typo, not a reader's input
        raise LookupError(f"weights must be 'raw' or 'ema', got {weights!r}.")
    if step not in shipped_steps(folder):
        raise InputError("ema_err_no_checkpoint", field="ema_step", value=shown(step),
                         available=", ".join(map(str, shipped_steps(folder))))
    model = diffusion.digits_unet(run_config(folder).image_size)
    state = {name: t.float() for name, t in load_file(str(checkpoint_path(folder, step, weights))).items()}
    model.load_state_dict(state)
    return model.eval()


@dataclass(frozen=True)
class Comparison:
    step: int
    samples_raw: torch.Tensor  # (n, 1, s, s) in [-1, 1], same DDIM noise as samples_ema
    samples_ema: torch.Tensor
    metrics_raw: dict[str, float]
    metrics_ema: dict[str, float]
    decay: float  # the effective EMA decay at `step`


@functools.lru_cache(maxsize=8)
def compare_checkpoint(step: int, num_samples: int = 256, sampling_steps: int = 25, seed: int = 0) -> Comparison:
    """Paired DDIM samples and digit scores for the raw and EMA checkpoints at `step` (cached)."""
    config = run_config()
    scheduler = diffusion.make_scheduler("digits")
    noise = torch.randn((num_samples, 1, config.image_size, config.image_size),
                        generator=torch.Generator().manual_seed(seed))
    reference = diffusion.digits_images(config.image_size)
    samples = {w: diffusion.ddim_sample(load_checkpoint(step, w), scheduler, noise, sampling_steps).clamp(-1, 1)
               for w in WEIGHT_SETS}
    metrics = {w: diffusion.score("digits", samples[w], reference, seed) for w in WEIGHT_SETS}
    return Comparison(step, samples["raw"], samples["ema"], metrics["raw"], metrics["ema"],
                      effective_decay(step, config.ema_decay, config.schedule))


# ------------------------------------------------------------------ the recorded live run
LIVE_RUN = ASSET_DIR / "lesson_live.json"  # the "Train live" section's default run, by scripts/record_lessons.py
HISTORY_LISTS = ("losses", "decays", "weight_raw", "weight_ema", "eval_steps", "metrics_raw", "metrics_ema")


def run_record(history: diffusion.RunHistory, seconds: float) -> dict:
    """A finished run as JSON-ready data: its settings, every plotted series and the last paired samples.

    Floats are kept to 5 significant digits (the plots show 3); the model and EMA objects are not kept.
    """
    def short(values):
        return {key: short(value) for key, value in values.items()} if isinstance(values, dict) else \
            [float(f"{value:.5g}") for value in values]
    return {"config": {key: getattr(history.config, key) for key in history.config.__dataclass_fields__},
            "step": history.step, "seconds": seconds,
            **{name: short(getattr(history, name)) for name in HISTORY_LISTS},
            "samples_raw": history.samples_raw.numpy().round(4).tolist(),
            "samples_ema": history.samples_ema.numpy().round(4).tolist()}


def run_from_record(data: dict) -> diffusion.RunHistory:
    """`run_record`'s data as a `RunHistory` for the figures (model and EMA absent: it only shows)."""
    return diffusion.RunHistory(diffusion.TrainConfig(**data["config"]), model=None, ema=None, step=data["step"],
                                **{name: data[name] for name in HISTORY_LISTS},
                                samples_raw=torch.tensor(data["samples_raw"]),
                                samples_ema=torch.tensor(data["samples_ema"]))
