"""Shared test fixtures: tiny real models, the real offline model, the real app server and Chromium.

Markers: `slow` tests load the real offline SmolLM2-135M; `browser` tests drive Debian's Chromium
through Playwright. The README's test command runs all of them. `gpu` tests need CUDA and are
skipped (with the reason) where there is none, as on CI.
"""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SERVER_ENV = {"GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_DISABLE_TELEMETRY": "1",
              "HF_HUB_OFFLINE": "1", "PLAYGROUND_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
              "PLAYGROUND_THREADS": "1", "HF_TOKEN": ""}  # the test server never holds a Hub token
DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"

sys.path.insert(0, str(ROOT))
from deploy.local import wait_until_ready  # noqa: E402  (the stack's own wait, shared with every app fixture)
from deploy.postgres_server import free_port  # noqa: E402

torch.set_num_threads(1)  # 2-core CI: one thread is faster and leaves a core for the server


@pytest.fixture(scope="session", autouse=True)
def _private_preference_store(tmp_path_factory) -> None:
    """Votes cast by tests (in this process and in the app subprocess) never reach a real store."""
    path = tmp_path_factory.mktemp("preferences") / "test-votes.sqlite3"
    os.environ["PLAYGROUND_PREFERENCES_DB"] = str(path)
    os.environ.pop("PLAYGROUND_PREFERENCES_URL", None)  # nor a PostgreSQL database configured on this machine


def pytest_collection_modifyitems(config, items) -> None:
    """Skip `@pytest.mark.gpu` tests when torch sees no CUDA device."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA: no GPU visible to torch here")
    for item in items:
        if item.get_closest_marker("gpu"):
            item.add_marker(skip)


# ------------------------------------------------------------------ models
@pytest.fixture(scope="session")
def offline_lm():
    """The real SmolLM2-135M-Instruct, resolved exactly as the app does offline."""
    os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
    from playground.core.models import load_causal_lm

    return load_causal_lm(DEFAULT_MODEL)


@pytest.fixture(scope="session")
def smollm2_tokenizer():
    """The real SmolLM2 tokenizer (from the converted offline model), without loading weights."""
    from transformers import AutoTokenizer

    from playground.core.models import cache_folder, resolve_checkpoint
    from playground.core.settings import Settings

    settings = Settings.from_env()
    settings = Settings(**{**settings.__dict__, "offline": True})
    if not (cache_folder(DEFAULT_MODEL, settings) / "config.json").is_file():
        resolve_checkpoint(DEFAULT_MODEL, settings)  # converts the GGUF once
    return AutoTokenizer.from_pretrained(cache_folder(DEFAULT_MODEL, settings))


def make_tiny_lm(tokenizer, layers: int = 2, hidden: int = 32, seed: int = 0):
    """A random-weight Llama with the real tokenizer: real code paths, milliseconds per step."""
    from transformers import LlamaConfig, LlamaForCausalLM

    from playground.core.models import LoadedLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden,
                         num_hidden_layers=layers, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=1024, tie_word_embeddings=True,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = LlamaForCausalLM(config).eval()
    return LoadedLM(model, tokenizer, f"tiny-random-llama-{layers}x{hidden}", "test config")


@pytest.fixture(scope="session")
def tiny_lm(smollm2_tokenizer):
    return make_tiny_lm(smollm2_tokenizer)


# ------------------------------------------------------------------ the real app in a subprocess
@contextmanager
def running_app(log_path: pathlib.Path, *flags: str, env: dict[str, str] | None = None,
                timeout_s: float = 180) -> Iterator[str]:
    """`python app.py <flags>` offline on 127.0.0.1 and a free port, its URL once it answers; stopped after.

    The one way the tests, the benches and the screenshot script start the real app (its log in `log_path`).
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port), *flags],
            cwd=ROOT, env={**os.environ, **SERVER_ENV, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
        try:
            seconds = wait_until_ready(url + "gradio_api/info", process, timeout_s)
            print(f"\n[app] ready in {seconds:.1f} s at {url} (log: {log_path})")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, smollm2_tokenizer) -> Iterator[str]:
    """The real app for the whole test session, offline.

    Depends on the tokenizer fixture so the one-time GGUF conversion is done before the server
    starts (the server would otherwise do it too, under the same file lock).
    """
    with running_app(tmp_path_factory.mktemp("server") / "server.log") as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    """A gradio_client session on the app, as a workshop script would use it."""
    from gradio_client import Client

    client = Client(app_url, verbose=False, download_files=False)
    yield client
    client.close()


# ------------------------------------------------------------------ Playwright on Debian's Chromium
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "locale": "en-US"}


@pytest.fixture
def open_tab(page, app_url):
    """open_tab("EMA"): load the app, wait for the tabs, click the one with that exact name
    (open_tab() only loads the page)."""
    def open_app(name: str | None = None) -> None:
        page.goto(app_url, wait_until="domcontentloaded")
        page.wait_for_selector("#main-tabs", timeout=60_000)
        if name:
            page.get_by_role("tab", name=name, exact=True).click()
    return open_app


@pytest.fixture
def console_errors(page) -> list[str]:
    """JavaScript console errors and uncaught page errors; browser tests assert it stays empty."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def plots_shown_then_screenshot(page, plot_ids: list[str], path: pathlib.Path, console_errors: list[str]) -> None:
    """Every named plot drawn by Plotly, a full-page screenshot at `path`, and no JavaScript errors."""
    from playwright.sync_api import expect

    for plot_id in plot_ids:
        expect(page.locator(f"#{plot_id} .js-plotly-plot")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(path), full_page=True)
    assert not console_errors, console_errors


@pytest.fixture(scope="session")
def artifacts() -> pathlib.Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# ------------------------------------------------------------------ the page, built in this process
@pytest.fixture(scope="session")
def built_demo():
    """`app.build_demo()` once per session (no server, no model): for tests that read the page's components."""
    import app

    return app.build_demo()


class Gate:
    """Every forward of `model` waits for one permit; `sizes` records (rows, tokens) of each."""

    def __init__(self, model) -> None:
        self.permits = threading.Semaphore(0)
        self.asked = threading.Condition()
        self.sizes: list[tuple[int, int]] = []
        self.handle = model.register_forward_pre_hook(self._wait, with_kwargs=True)

    def _wait(self, module, args, kwargs) -> None:
        with self.asked:
            self.sizes.append(tuple(kwargs["input_ids"].shape))
            self.asked.notify_all()
        if not self.permits.acquire(timeout=20):
            raise TimeoutError("the test never opened the gate")

    def held_in(self, forward: int) -> None:
        """Until the loop waits at the gate in its `forward`-th forward (so arrivals join after it)."""
        with self.asked:
            assert self.asked.wait_for(lambda: len(self.sizes) >= forward, timeout=20)

    def open(self, steps: int = 10_000) -> None:
        self.permits.release(steps)

    def close(self) -> None:
        self.handle.remove()


@pytest.fixture
def gate(tiny_lm):
    gate = Gate(tiny_lm.model)
    yield gate
    gate.open()
    gate.close()
