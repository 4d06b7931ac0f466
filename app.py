"""DL Playground: one tab per deep-learning technique, each on a live model.

`python app.py` starts it on http://0.0.0.0:7860 (see `--help`). This file only composes the tabs
from `demos/` and launches; the techniques live in `playground/`.
"""
from __future__ import annotations

import argparse
import logging
import os
import threading
from collections.abc import Callable

import gradio as gr
from starlette.middleware import Middleware

from demos import common, dpo, ema, gan_vs_diffusion, generate, guard, links, math, paged_attention, penalties, speculative
from playground.core.batching import Schedulers
from playground.core.settings import get_settings
from playground.core.timed import TimedWork
from playground.dpo.room import PRESENTER_KEY_ENV
from playground.dpo.training import WHOSE, PolicyTrainer

TABS = [generate, penalties, speculative, ema, dpo, math, paged_attention, gan_vs_diffusion]  # each: TEXT (en/ja) and build()
# what each tab's build() takes of the server's objects: the DPO trainer (dpo trains it, generate answers with it),
# the line for timed work (penalties, speculative and dpo training wait in it) and the batches, one per model, that
# generate's answers and dpo's pairs decode in together (they tell the line when they decode)
SHARED = {generate: ("trainer", "batches"), dpo: ("trainer", "timed", "batches"), penalties: ("timed",),
          speculative: ("timed",)}

HEADER_TEXT: common.Table = {
    "en": {"app_title": "# DL Playground", "app_subtitle":
           "See modern deep-learning techniques work on live models. One tab, one idea.",
           "app_status": "device: {device} ({dtype}, {threads} thread(s)) · model: {model} · hub: {hub}",
           "app_status_engine": " · engine: {engine}",
           "app_status_english_only": "",  # an English page needs no warning that the model answers in English
           "app_policy_reference": "policy: reference model",
           "app_policy_own": "your policy: DPO-trained run {run} (only you), {steps} steps on {pairs} pairs, "
                             "{finished} UTC",
           "app_policy_room": "room policy: published run {run}, {steps} steps on {pairs} pairs, {finished} UTC",
           "app_policy_evicted": "your policy: run {run} was let go to free memory; train again"},
    "ja": {"app_title": "# DL プレイグラウンド", "app_subtitle":
           "最新の深層学習の手法が実際のモデルで動く様子を見てみましょう。1 つのタブに 1 つのアイデア。",
           "app_status": "デバイス: {device}（{dtype}、{threads} スレッド） · モデル: {model} · Hub: {hub}",
           "app_status_engine": " · エンジン: {engine}",
           "app_status_english_only": (" · ⚠ このモデルは英語でしか答えません（日本語の質問にも英語か意味のない文で答えます）。"
                                       "日本語を話すのは Qwen2.5 のプリセットです（Hub かエンジンが使えるとき）。"),
           "app_policy_reference": "方策: 参照モデル",
           "app_policy_own": "あなたの方策: DPO で学習した学習 {run}（あなただけ、{pairs} ペアで {steps} ステップ、"
                             "{finished} UTC）",
           "app_policy_room": "会場の方策: 公開された学習 {run}（{pairs} ペアで {steps} ステップ、{finished} UTC）",
           "app_policy_evicted": "あなたの方策: 学習 {run} はメモリ確保のため破棄されました。もう一度学習してください"},
}
BUILT_KEYS = {"app_policy_{}": lambda: WHOSE}  # the header's keys built at run time (tests/test_ui_text.py)
TEXT_TABLES = [common.COMMON_TEXT, HEADER_TEXT, links.TEXT, *(tab.TEXT for tab in TABS)]
I18N = common.merge_tables(*TEXT_TABLES)


def tab_id(tab) -> str:
    """A tab's id: its module's name, which is also its folder in `demos/` and `playground/`."""
    return tab.__name__.rsplit(".", 1)[-1]


def machine_facts() -> dict[str, str]:
    """Device, default model, Hub and engine state, computed (never typed in) at start-up, for the status line."""
    from playground.core import hub, models

    settings = get_settings()
    device = models.pick_device(settings)
    preset = models.PRESETS.get(settings.preset)
    return {"device": str(device), "dtype": str(models.pick_dtype(device, settings)).removeprefix("torch."),
            "threads": str(settings.threads), "model": settings.preset, "hub": hub.status_text(settings),
            "engine": engine_status(settings.engine_url) if settings.engine_url else "",
            "english_only": "yes" if preset is not None and "ja" not in preset.languages else ""}


def status_line(facts: dict[str, str], request: gr.Request | None) -> str:
    """The machine part of the header in the reader's language; on a Japanese page, that the model answers in
    English when it does (the offline SmolLM2 does: its Japanese is noise), and which presets speak Japanese."""
    line = common.text(HEADER_TEXT, "app_status", request, **facts)
    if facts["engine"]:
        line += common.text(HEADER_TEXT, "app_status_engine", request, **facts)
    if facts["english_only"]:
        line += common.text(HEADER_TEXT, "app_status_english_only", request, **facts)
    return line


def engine_status(url: str) -> str:
    """`<url> → <served model>`, or `<url> → ✗` when the engine does not answer at start-up."""
    from playground.core.engine import Engine
    from playground.core.errors import InputError

    try:
        return f"{url} → {Engine(url, timeout_s=3).model_id()}"
    except InputError:
        return f"{url} → ✗"


def policy_status(trainer: PolicyTrainer, facts: dict[str, str]) -> Callable[..., str]:
    """The status line's handler: the machine (`machine_facts()`) and which policy answers this visitor (their own
    run, the room's published one, or the reference), in the reader's language."""
    def status(request: gr.Request = None) -> str:
        session = common.session_of(request)
        policy = trainer.policy_for(session)
        details = policy.summary() if policy is not None else {"run": trainer.evicted(session)}
        whose = common.text(HEADER_TEXT, f"app_policy_{trainer.whose(session)}", request, **details)
        return f"{status_line(facts, request)} · {whose}"
    return status


def build_demo() -> gr.Blocks:
    """The page; one `PolicyTrainer`, `TimedWork` line and `Schedulers` per server, handed to the tabs that use them."""
    trainer = PolicyTrainer(presenter_key=os.getenv(PRESENTER_KEY_ENV))  # unset: anyone may publish to the room
    timed = TimedWork()
    shared = {"trainer": trainer, "timed": timed, "batches": Schedulers(activity=timed.other_work)}
    facts = machine_facts()
    status = policy_status(trainer, facts)
    built = {}
    with guard.CheckedBlocks(I18N.translations, title="DL Playground") as demo:
        gr.Markdown(common.T("app_title"))
        # presenter mode folds these two: the projector's 720 pixels go to the lesson
        gr.Markdown(common.T("app_subtitle"), elem_classes=links.NOTES)
        line = gr.Markdown(status_line(facts, None), elem_id="status-line", elem_classes=links.NOTES)
        switch = gr.HTML(links.language_links(None), elem_id="language-links")
        with gr.Tabs(elem_id="main-tabs") as tabs:
            for tab in TABS:
                name = tab_id(tab)
                with gr.Tab(common.T(f"{name}_tab"), id=name, elem_id=f"tab-{name}"):
                    built[tab] = tab.build(*(shared[name] for name in SHARED.get(tab, ())))
        ids = [tab_id(tab) for tab in TABS]

        def apply_query(request: gr.Request):
            """`?lang=`, `?tab=` of the link the page was opened with."""
            return links.language_links(request), links.selected_tab(request, ids)

        demo.load(apply_query, None, [switch, tabs], api_visibility="private", queue=False)
        demo.load(status, None, line, api_visibility="private")

        def session_ended(request: gr.Request) -> None:
            """A closed page's own run (unpublished: nobody else can use it) goes now, not when newer runs push it out."""
            trainer.forget(common.session_of(request))

        demo.unload(session_ended)
        generate_policy, generate_choice = built[generate]
        for change in built[dpo]:  # the visitor's run, publish or reset: their header and Generate's choice follow
            change.then(status, None, line, api_visibility="private").then(
                generate_choice, None, generate_policy, api_visibility="private")
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
    parser.add_argument("--engine-url", help="an OpenAI-compatible serving engine (vLLM, llama.cpp's server) "
                        "for Generate; env PLAYGROUND_ENGINE_URL; default: models run in this process")
    parser.add_argument("--no-preload", action="store_true",
                        help="load the default model (and the tabs' precomputed views) on first use "
                        "instead of at start-up")
    return parser.parse_args()


def apply_args(args: argparse.Namespace) -> None:
    """Flags become environment settings, so engine code reads one source of truth."""
    if args.offline:
        os.environ["PLAYGROUND_OFFLINE"] = "1"
    for flag, variable in [("device", "PLAYGROUND_DEVICE"), ("dtype", "PLAYGROUND_DTYPE"),
                           ("preset", "PLAYGROUND_PRESET"), ("threads", "PLAYGROUND_THREADS"),
                           ("engine_url", "PLAYGROUND_ENGINE_URL")]:
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
    queue_size = int(os.getenv("QUEUE_MAX_SIZE", "128"))
    demo.queue(max_size=queue_size, default_concurrency_limit=2)
    # Gradio runs each handler (and each step of a streaming one) in a worker thread, 40 by default: a room's
    # answers wait on their model's batch while holding one each, and the instant tabs' handlers then wait for a
    # free thread behind them (issue 25). A waiting thread costs nothing, so every queued job may hold one.
    # Gradio keeps every session's copy of all the page's block configs (~0.8 MiB here) until it holds this many
    # sessions, then drops the least recently used: its default (10,000) lets RSS grow by gigabytes in a day
    demo.launch(server_name=args.host, server_port=args.port, i18n=I18N, ssr_mode=False, max_threads=2 * queue_size,
                state_session_capacity=int(os.getenv("PLAYGROUND_SESSION_CAPACITY", "200")),
                theme=gr.themes.Soft(), footer_links=["api", "settings"],
                css=links.PRESENT_CSS + common.PLOT_CSS + "".join(getattr(tab, "CSS", "") for tab in TABS),
                head=links.PRESENT_HEAD, app_kwargs={"middleware": [Middleware(links.LanguageFromQuery)]})


if __name__ == "__main__":
    main()
