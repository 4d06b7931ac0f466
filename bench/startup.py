"""Start-up time of the app (first start vs cached model) and tokens/s of the default model.

Run: python bench/startup.py            (uses a fresh temporary cache for the "first start")
It starts `python app.py` twice on 127.0.0.1, offline, one after the other:
  1. with an empty PLAYGROUND_CACHE: the offline model is converted from the PyPI GGUF file;
  2. with that cache now filled (3 times, median): the converted safetensors copy loads directly.
It prints when the page is served, when the app logs the model as loaded (from then on a click is
answered at decoding speed), and when a first /generate call through gradio_client returned text.
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
import threading
import time

import torch
from gradio_client import Client

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from conftest import SERVER_ENV, free_port, wait_until_ready  # noqa: E402  (the tests' own server helpers)

CACHED_RUNS = 3


def time_until_usable(cache_dir: pathlib.Path) -> tuple[float, float, float]:
    """Seconds until (the page is served, the app logs the model as loaded, a first answer came back)."""
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "PLAYGROUND_CACHE": str(cache_dir)}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1",
                                "--port", str(port)], cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    loaded_at: list[float] = []

    def watch_log() -> None:  # the app logs "playground.core.models: Loaded <model> from <source>"
        for line in process.stdout:
            if "playground.core.models: Loaded" in line and not loaded_at:
                loaded_at.append(time.perf_counter() - start)

    threading.Thread(target=watch_log, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_ready(url + "gradio_api/info", process, timeout_s=600)
        page_s = time.perf_counter() - start
        client = Client(url, verbose=False)
        answer = client.predict("Say hello.", 8, 0.0, api_name="/generate")
        answer_s = time.perf_counter() - start
        client.close()
        assert answer.strip() and loaded_at, "the model answered nothing"
        return page_s, loaded_at[0], answer_s
    finally:
        process.terminate()
        process.wait(timeout=30)


def tokens_per_second(new_tokens: int = 128, repeats: int = 3) -> float:
    from playground.core.generation import chat_input_ids
    from playground.core.models import load_causal_lm

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
    cached = tuple(statistics.median(run[i] for run in runs) for i in range(3))
    print(f"first start (GGUF -> safetensors): page {first[0]:.1f} s, model loaded {first[1]:.1f} s, "
          f"first answer {first[2]:.1f} s")
    print(f"cached start (median of {CACHED_RUNS}):      page {cached[0]:.1f} s, model loaded {cached[1]:.1f} s, "
          f"first answer {cached[2]:.1f} s   (first answers: {', '.join(f'{run[2]:.1f}' for run in runs)})")
    print(f"ratio first/cached (first answer): {first[2] / cached[2]:.1f}x")
    print(f"default model greedy decoding: {tokens_per_second():.1f} tokens/s (median of 3 x 128 tokens)")


if __name__ == "__main__":
    main()
