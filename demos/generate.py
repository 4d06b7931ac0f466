"""Tab "Generate": the default chat model answering a prompt, streamed token by token.

The simplest live model in the playground: it shows the model works before any technique is
layered on top, and its `/generate` endpoint is the one workshops script first.
"""
from __future__ import annotations

from collections.abc import Iterator

import gradio as gr

from demos.common import T, Table, user_errors
from playground.core.generation import MAX_NEW_TOKENS, GenerationParams, stream_generate
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
    },
}
DEFAULTS = GenerationParams()


@user_errors
def generate(prompt: str, max_new_tokens: float, temperature: float) -> Iterator[str]:
    params = GenerationParams.from_ui(max_new_tokens, temperature)
    yield from stream_generate(load_causal_lm(), prompt, params)


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
    event = run.click(generate, [prompt, max_tokens, temperature], answer, api_name="generate",
                      concurrency_id="llm", concurrency_limit=2)
    stop.click(None, cancels=[event], api_visibility="private")
