"""Run-time settings of the playground, read from the environment.

Why the environment: the app runs as `python app.py`, in Docker, on Spaces and as a test
subprocess; environment variables reach all of them the same way, and `app.py`'s flags just set
them. Nothing here is cached, so a test can change a variable and see the effect at once.
"""
from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_flag(name: str, default: bool = False) -> bool:
    value = os.getenv(name)
    return default if value is None else value.strip().lower() in TRUE_WORDS


@dataclass(frozen=True)
class Settings:
    offline: bool  # never try the Hub (also set by HF_HUB_OFFLINE=1)
    device: str  # "auto", "cpu", "cuda", "cuda:1", "mps"
    dtype: str  # "auto", "float32", "float16", "bfloat16"
    preset: str  # the chat model every tab starts on
    threads: int  # torch threads per process; 1 is fastest on a busy 2-core host
    cache_dir: pathlib.Path  # converted offline models live here
    allow_any_model: bool  # accept Hub ids beyond the presets (never with remote code)
    preferences_url: str  # "" = DPO votes in a SQLite file; postgresql://... = one database for many replicas
    engine_url: str  # "" = every model runs here; http(s)://... = an OpenAI-compatible serving engine

    @classmethod
    def from_env(cls) -> Settings:
        cache = os.getenv("PLAYGROUND_CACHE") or pathlib.Path.home() / ".cache" / "dl-playground"
        return cls(
            offline=env_flag("PLAYGROUND_OFFLINE") or env_flag("HF_HUB_OFFLINE"),
            device=os.getenv("PLAYGROUND_DEVICE", "auto"),
            dtype=os.getenv("PLAYGROUND_DTYPE", "auto"),
            preset=os.getenv("PLAYGROUND_PRESET", "HuggingFaceTB/SmolLM2-135M-Instruct"),
            threads=max(1, int(os.getenv("PLAYGROUND_THREADS", "1"))),
            cache_dir=pathlib.Path(cache),
            allow_any_model=env_flag("PLAYGROUND_ALLOW_ANY_MODEL"),
            preferences_url=os.getenv("PLAYGROUND_PREFERENCES_URL", "").strip(),
            engine_url=os.getenv("PLAYGROUND_ENGINE_URL", "").strip(),
        )


def get_settings() -> Settings:
    return Settings.from_env()
