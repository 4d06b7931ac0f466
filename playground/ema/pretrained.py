"""GPU preset: the same prompt through Stable Diffusion v1.5's EMA UNet and its raw (non-EMA) UNet.

Stable Diffusion v1.x was trained with an EMA of decay 0.9999 (Rombach et al. 2022,
https://arxiv.org/abs/2112.10752); the diffusers-format repo publishes both weight sets of the one
run: `unet/diffusion_pytorch_model.safetensors` holds the EMA weights (what everyone samples from)
and the `non_ema` variant the raw weights (meant for further fine-tuning). Same prompt, seed,
scheduler and text encoder, only the UNet changes, so the two images show what the EMA alone buys.
"""
from __future__ import annotations

import functools
import pathlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from playground.core import checks, hub, models
from playground.core.errors import InputError
from playground.core.generation import MAX_SEED
from playground.core.settings import Settings, get_settings
from playground.ema.diffusion import import_diffusers

if TYPE_CHECKING:
    from diffusers import UNet2DConditionModel

PRETRAINED_REPO = "stable-diffusion-v1-5/stable-diffusion-v1-5"
RAW_VARIANT = "non_ema"  # the file suffix diffusers uses for the raw weights
MAX_PROMPT_CHARS = 500
STEPS_RANGE = (5, 100)  # DDIM steps; the tab's slider offers these
_lock = threading.Lock()


@dataclass(frozen=True)
class PretrainedRequest:
    """One paired generation; defaults take ~3 s per image on a recent GPU."""
    prompt: str = "a watercolor painting of a lighthouse at dawn"
    seed: int = 0
    steps: int = 25  # DDIM steps
    guidance_scale: float = 7.5  # classifier-free guidance; 1 switches it off

    def __post_init__(self) -> None:
        checks.text("ema_prompt", self.prompt, MAX_PROMPT_CHARS)
        checked = {"seed": checks.whole_number("ema_seed", self.seed, 0, MAX_SEED),
                   "steps": checks.whole_number("ema_gpu_steps", self.steps, *STEPS_RANGE),
                   "guidance_scale": checks.in_range("ema_guidance", self.guidance_scale, 1.0, 20.0)}
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)


def load_unet_pair(repo: str, subfolder: str = "unet", dtype: torch.dtype = torch.float32,
                   ) -> tuple[UNet2DConditionModel, UNet2DConditionModel]:
    """(EMA UNet, raw UNet) of one repo or local folder: the default files and the `non_ema` variant."""
    unet_class = import_diffusers().UNet2DConditionModel
    averaged = unet_class.from_pretrained(repo, subfolder=subfolder, torch_dtype=dtype)
    raw = unet_class.from_pretrained(repo, subfolder=subfolder, variant=RAW_VARIANT, torch_dtype=dtype)
    return averaged.eval(), raw.eval()


def check_available(repo: str, settings: Settings) -> torch.device:
    """The CUDA device to use, or an InputError that says what is missing and how to get it."""
    device = models.pick_device(settings)
    if device.type != "cuda":  # two 860M-parameter UNets: ~1 minute per image on CPU
        raise InputError("ema_err_no_gpu", value=device.type)
    if not pathlib.Path(repo).is_dir() and not hub.is_reachable(settings):
        raise InputError("ema_err_no_hub", value=repo)
    return device


@functools.lru_cache(maxsize=1)
def load_pipelines(repo: str, device: str, dtype: torch.dtype) -> tuple:
    """Two StableDiffusionPipelines sharing text encoder, VAE and scheduler; only the UNet differs."""
    StableDiffusionPipeline = import_diffusers().StableDiffusionPipeline  # noqa: N806  (a class)

    averaged, raw = load_unet_pair(repo, dtype=dtype)
    ema_pipe = StableDiffusionPipeline.from_pretrained(repo, unet=averaged, torch_dtype=dtype,
                                                       safety_checker=None, requires_safety_checker=False)
    raw_pipe = StableDiffusionPipeline(**{**ema_pipe.components, "unet": raw})
    return ema_pipe.to(device), raw_pipe.to(device)


def generate_pair(request: PretrainedRequest, repo: str = PRETRAINED_REPO, settings: Settings | None = None):
    """(EMA image, raw image) as PIL images from the same prompt, seed, scheduler and initial latents."""
    settings = settings or get_settings()
    device = check_available(repo, settings)
    with _lock:  # one pair at a time: each pipeline holds ~2.5 GB of activations at 512x512
        ema_pipe, raw_pipe = load_pipelines(repo, str(device), models.pick_dtype(device, settings))
        images = [pipe(request.prompt, num_inference_steps=request.steps, guidance_scale=request.guidance_scale,
                       generator=torch.Generator(device).manual_seed(request.seed)).images[0]
                  for pipe in (ema_pipe, raw_pipe)]
    return images[0], images[1]
