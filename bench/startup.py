"""Start-up time of the app (first start vs cached model) and tokens/s of the default model.

Run: python bench/startup.py            (uses a fresh temporary cache for the "first start")
It starts `python app.py` twice on 127.0.0.1, offline, one after the other:
  1. with an empty PLAYGROUND_CACHE: the offline model is converted from the PyPI GGUF file;
  2. with that cache now filled (3 times, median): the converted safetensors copy loads directly.
"Usable" = the page answers and a first /generate call has returned text.
Then it measures greedy tokens/s of the default model in this process.
"""
from __future__ import annotations

import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import torch
from gradio_client import Client

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from conftest import SERVER_ENV, free_port, wait_until_ready  # noqa: E402  (the tests' own server helpers)

CACHED_RUNS = 3


def time_until_usable(cache_dir: pathlib.Path) -> tuple[float, float]:
    """(seconds until the page is served, seconds until a first answer came back)."""
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "PLAYGROUND_CACHE": str(cache_dir)}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_ready(url + "gradio_api/info", process, timeout_s=600)
        page_s = time.perf_counter() - start
        client = Client(url, verbose=False)
        answer = client.predict("Say hello.", 8, 0.0, api_name="/generate")
        usable_s = time.perf_counter() - start
        client.close()
        assert answer.strip(), "the model answered nothing"
        return page_s, usable_s
    finally:
        process.terminate()
        process.wait(timeout=30)


def tokens_per_second(new_tokens: int = 128, repeats: int = 3) -> float:
    from playground.generation import chat_input_ids
    from playground.models import load_causal_lm

    lm = load_causal_lm()
    ids = chat_input_ids(lm, "Write a short story about a lighthouse keeper.")
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        with torch.inference_mode():
            out = lm.model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False,
                                    max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                                    pad_token_id=lm.tokenizer.eos_token_id)
        rates.append((out.shape[1] - ids.shape[1]) / (time.perf_counter() - start))
    return sorted(rates)[len(rates) // 2]


def main() -> None:
    os.environ.update(SERVER_ENV)
    torch.set_num_threads(int(os.environ["PLAYGROUND_THREADS"]))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s)")
    with tempfile.TemporaryDirectory() as cache:
        first = time_until_usable(pathlib.Path(cache))
        runs = [time_until_usable(pathlib.Path(cache)) for _ in range(CACHED_RUNS)]
    cached = tuple(statistics.median(run[i] for run in runs) for i in range(2))
    print(f"first start (GGUF -> safetensors): page {first[0]:.1f} s, first answer {first[1]:.1f} s")
    print(f"cached start (median of {CACHED_RUNS}):      page {cached[0]:.1f} s, first answer {cached[1]:.1f} s"
          f"   (first answers: {', '.join(f'{run[1]:.1f}' for run in runs)})")
    print(f"ratio first/cached (first answer): {first[1] / cached[1]:.1f}x")
    print(f"default model greedy decoding: {tokens_per_second():.1f} tokens/s (median of 3 x 128 tokens)")


if __name__ == "__main__":
    main()
