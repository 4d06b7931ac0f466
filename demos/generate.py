"""Tab "Generate": the default chat model answering a prompt, streamed token by token.

The simplest live model in the playground: it shows the model works before any technique is
layered on top, and its `/generate` endpoint is the one workshops script first.
"""
from __future__ import annotations

from collections.abc import Iterator

import gradio as gr

from demos.common import T, Table, text, user_errors
from playground.core.batching import Schedulers, ServerBusy, TooManyRequests
from playground.core.generation import MAX_NEW_TOKENS, GenerationParams
from playground.core.models import load_causal_lm

TEXT: Table = {
    "en": {
        "generate_tab": "Generate",
        "generate_intro": "Type a prompt; the default model answers token by token. "
                          "Temperature 0 is greedy decoding (always the same answer).",
        "generate_prompt": "Prompt",
        "generate_max_tokens": "Max new tokens",
        "generate_temperature": "Temperature",
        "generate_button": "Generate",
        "generate_stop": "Stop",
        "generate_output": "Answer",
        "generate_too_many": "Too many requests from you: {limit} are already running. Wait for one to "
                             "finish (or press Stop), then try again.",
        "generate_busy": "The server is busy: try again in a minute.",
    },
    "ja": {
        "generate_tab": "生成",
        "generate_intro": "プロンプトを入力すると、既定のモデルがトークンごとに答えます。"
                          "温度 0 は貪欲法（毎回同じ答え）です。",
        "generate_prompt": "プロンプト",
        "generate_max_tokens": "最大新規トークン数",
        "generate_temperature": "温度",
        "generate_button": "生成",
        "generate_stop": "停止",
        "generate_output": "回答",
        "generate_too_many": "リクエストが多すぎます。すでに {limit} 件を実行中です。どれかが終わるまで待つか"
                             "「停止」を押してから、もう一度お試しください。",
        "generate_busy": "サーバーが混み合っています。1 分ほどしてからもう一度お試しください。",
    },
}
DEFAULTS = GenerationParams()


@user_errors(table=TEXT)
def generate(prompt: str, max_new_tokens: float, temperature: float, request: gr.Request | None,
             schedulers: Schedulers) -> Iterator[str]:
    """Stream the answer; it decodes in one batch with every other visitor's (`playground/core/batching.py`)."""
    params = GenerationParams.from_ui(max_new_tokens, temperature)
    try:
        answer = schedulers.stream(load_causal_lm(), prompt, params, session=getattr(request, "session_hash", None))
    except TooManyRequests as error:
        raise ValueError(text(TEXT, "generate_too_many", request, limit=error.limit)) from error
    except ServerBusy as error:
        raise ValueError(text(TEXT, "generate_busy", request)) from error
    yield from answer


def build() -> None:
    gr.Markdown(T("generate_intro"))
    prompt = gr.Textbox(label=T("generate_prompt"), value="Write a short poem about the ocean.",
                        lines=2, elem_id="generate-prompt")
    with gr.Row():
        max_tokens = gr.Slider(1, MAX_NEW_TOKENS, value=DEFAULTS.max_new_tokens, step=1,
                               label=T("generate_max_tokens"), elem_id="generate-max-tokens")
        temperature = gr.Slider(0.0, 2.0, value=DEFAULTS.temperature, step=0.05,
                                label=T("generate_temperature"), elem_id="generate-temperature")
    with gr.Row():
        run = gr.Button(T("generate_button"), variant="primary", elem_id="generate-button")
        stop = gr.Button(T("generate_stop"), elem_id="generate-stop")
    answer = gr.Textbox(label=T("generate_output"), lines=8, elem_id="generate-output")
    schedulers = Schedulers()  # this page's batches, one per model object

    def generate_batched(prompt: str, max_new_tokens: float, temperature: float,
                         request: gr.Request) -> Iterator[str]:
        yield from generate(prompt, max_new_tokens, temperature, request, schedulers)

    # No concurrency limit: every request goes straight to the model's scheduler, which batches
    # them and refuses past its limits at once.
    event = run.click(generate_batched, [prompt, max_tokens, temperature], answer, api_name="generate",
                      concurrency_limit=None)
    stop.click(None, cancels=[event], api_visibility="private")
