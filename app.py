"""DL Playground: one tab per deep-learning technique, each on a live model.

`python app.py` starts it on http://0.0.0.0:7860 (see `--help`). This file only composes the tabs
from `demos/` and launches; the techniques live in `playground/`.
"""
from __future__ import annotations

import argparse
import logging
import os
import threading

# Optional ZeroGPU support: `spaces` must be imported before torch initialises CUDA.
try:
    import spaces  # noqa: F401
except ImportError:
    spaces = None

import gradio as gr
from starlette.middleware import Middleware

from demos import common, dpo, ema, gan_vs_diffusion, generate, links, math, penalties, speculative
from playground.core.settings import get_settings

TABS = [generate, penalties, speculative, ema, dpo, math, gan_vs_diffusion]  # each module: TEXT (en/ja table) and build()

HEADER_TEXT: common.Table = {
    "en": {"app_title": "# DL Playground", "app_subtitle":
           "See modern deep-learning techniques work on live models. One tab, one idea."},
    "ja": {"app_title": "# DL プレイグラウンド", "app_subtitle":
           "最新の深層学習の手法が実際のモデルで動く様子を見てみましょう。1 つのタブに 1 つのアイデア。"},
}
I18N = common.merge_tables(common.COMMON_TEXT, HEADER_TEXT, links.TEXT, *(tab.TEXT for tab in TABS))


def tab_id(tab) -> str:
    """A tab's id: its module's name, which is also its folder in `demos/` and `playground/`."""
    return tab.__name__.rsplit(".", 1)[-1]


def status_line() -> str:
    """Device, default model and Hub state, computed (never typed in) at start-up."""
    from playground.core import hub, models

    settings = get_settings()
    device = models.pick_device(settings)
    dtype = str(models.pick_dtype(device, settings)).removeprefix("torch.")
    return (f"`device: {device} ({dtype}, {settings.threads} thread(s))` · "
            f"`model: {settings.preset}` · `hub: {hub.status_text(settings)}`")


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="DL Playground") as demo:
        gr.Markdown(common.T("app_title"))
        gr.Markdown(common.T("app_subtitle"))
        gr.Markdown(status_line(), elem_id="status-line")
        switch = gr.HTML(links.language_links(None), elem_id="language-links")
        with gr.Tabs(elem_id="main-tabs") as tabs:
            for tab in TABS:
                name = tab_id(tab)
                with gr.Tab(common.T(f"{name}_tab"), id=name, elem_id=f"tab-{name}"):
                    tab.build()
        ids = [tab_id(tab) for tab in TABS]

        def apply_query(request: gr.Request):
            """`?lang=`, `?tab=` of the link the page was opened with."""
            return links.language_links(request), links.selected_tab(request, ids)

        demo.load(apply_query, None, [switch, tabs], api_visibility="private", queue=False)
    return demo


def warm_up() -> None:
    """In the background: load the default model, then let tabs precompute (tab.warm_up()).

    One thread, one job after the other: the model loads while the page is being built. The tabs'
    warm-up then runs at the lowest CPU priority (Linux lets one thread be niced), so it never
    slows a visitor's first request. Failures are logged; the page still works and the first
    request reports the cause.
    """
    from playground.core.generation import warm_up as warm_up_model
    from playground.core.models import load_causal_lm

    log = logging.getLogger(__name__)
    try:
        warm_up_model(load_causal_lm())
    except Exception:
        log.exception("Could not preload the default model")
    if hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    for tab in TABS:
        try:
            getattr(tab, "warm_up", lambda: None)()
        except Exception:
            log.exception("Warm-up of the %s tab failed", tab.__name__)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="DL Playground: a visual playground of "
                                     "deep-learning techniques on live models.")
    parser.add_argument("--host", default=os.getenv("GRADIO_SERVER_NAME", "0.0.0.0"),
                        help="address to bind (env GRADIO_SERVER_NAME; default 0.0.0.0)")
    parser.add_argument("--port", type=int,
                        default=int(os.getenv("GRADIO_SERVER_PORT") or os.getenv("PORT") or 7860),
                        help="port (env GRADIO_SERVER_PORT or PORT; default 7860)")
    parser.add_argument("--offline", action="store_true",
                        help="never contact the Hugging Face Hub (env PLAYGROUND_OFFLINE=1)")
    parser.add_argument("--device", help="auto, cpu, cuda, cuda:N or mps (env PLAYGROUND_DEVICE)")
    parser.add_argument("--dtype", help="auto, float32, float16 or bfloat16 (env PLAYGROUND_DTYPE)")
    parser.add_argument("--preset", help="default chat model id (env PLAYGROUND_PRESET; "
                        "default HuggingFaceTB/SmolLM2-135M-Instruct)")
    parser.add_argument("--threads", type=int,
                        help="torch threads (env PLAYGROUND_THREADS; default 1, best on busy hosts)")
    parser.add_argument("--no-preload", action="store_true",
                        help="load the default model (and the tabs' precomputed views) on first use "
                        "instead of at start-up")
    return parser.parse_args()


def apply_args(args: argparse.Namespace) -> None:
    """Flags become environment settings, so engine code reads one source of truth."""
    if args.offline:
        os.environ["PLAYGROUND_OFFLINE"] = "1"
    for flag, variable in [("device", "PLAYGROUND_DEVICE"), ("dtype", "PLAYGROUND_DTYPE"),
                           ("preset", "PLAYGROUND_PRESET"), ("threads", "PLAYGROUND_THREADS")]:
        if getattr(args, flag) is not None:
            os.environ[variable] = str(getattr(args, flag))


def main() -> None:
    import torch

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args()
    apply_args(args)
    torch.set_num_threads(get_settings().threads)
    if not args.no_preload:
        threading.Thread(target=warm_up, daemon=True).start()
    demo = build_demo()
    demo.queue(max_size=int(os.getenv("QUEUE_MAX_SIZE", "128")), default_concurrency_limit=2)
    demo.launch(server_name=args.host, server_port=args.port, i18n=I18N, ssr_mode=False,
                theme=gr.themes.Soft(), footer_links=["api", "settings"], css=links.PRESENT_CSS,
                head=links.PRESENT_HEAD, app_kwargs={"middleware": [Middleware(links.LanguageFromQuery)]})


if __name__ == "__main__":
    main()
