"""Tab "Generate": the default chat model, or a policy the DPO tab trained, answering a prompt token by token.

The simplest live model in the playground: it shows the model works before any technique is
layered on top, and its `/generate` endpoint is the one workshops script first. "Answer with"
picks the reference model or the trained DPO policy that answers this visitor: their own run
(only they see it) or the one published to the room. The server's one `PolicyTrainer` (made by
`app.py`, trained by the DPO tab) says which, per session.
"""
from __future__ import annotations

import functools
import pathlib
from collections.abc import Callable, Iterator

import gradio as gr

from demos import links
from demos.common import T, Table, batched_stream, session_of, text, user_errors
from playground.core import recorded
from playground.core.batching import Schedulers
from playground.core.engine import Engine
from playground.core.generation import MAX_NEW_TOKENS, TEMPERATURE_RANGE, GenerateRequest
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.dpo.training import WHOSE, PolicyTrainer

TEXT: Table = {
    "en": {
        "generate_tab": "Generate",
        "generate_intro": "Type a prompt; the default model answers token by token. "
                          "Temperature 0 is greedy decoding (always the same answer).",
        "generate_prompt": "Prompt",
        "generate_max_tokens": "Max new tokens",
        "generate_temperature": "Temperature",
        "generate_policy": "Answer with",
        "generate_policy_reference": "Reference model",
        "generate_policy_trained": "Trained DPO policy",
        "generate_policy_reference_info": "No trained policy yet: train one in the DPO tab (section 2) to answer "
                                          "with it.",
        "generate_policy_own_info": "Trained DPO policy: your own run {run} (only you), {steps} steps on {pairs} "
                                    "pairs, finished {finished} UTC.",
        "generate_policy_room_info": "Trained DPO policy: the room's published run {run}, {steps} steps on {pairs} "
                                     "pairs, finished {finished} UTC.",
        "generate_policy_evicted_info": "Your trained DPO policy (run {run}) was let go to free memory: train again "
                                        "in the DPO tab.",
        "generate_err_untrained": "There is no trained DPO policy for you yet: train one in the DPO tab, "
                                  "or answer with the reference model.",
        "generate_err_evicted": "Your trained DPO policy (run {run}) was let go to free memory (this server keeps "
                                "the {kept} most recent visitors' runs): train again in the DPO tab, or answer with "
                                "the reference model.",
        "generate_button": "Generate",
        "generate_stop": "Stop",
        "generate_output": "Answer",
        "generate_recorded": "Recorded run ({date}, {machine}): the reference model's greedy answer to the prompt "
                             "above, {tokens} tokens in {seconds:.1f} s. Press **Generate** to run it live.",
        "generate_live": "Live answer from this server.",
        "generate_recorded_trained": "Recorded run ({date}, {machine}): the **reference model's** greedy answer to "
                                     "the prompt above, {tokens} tokens in {seconds:.1f} s. The trained policy is "
                                     "selected: press **Generate** to hear it answer.",
    },
    "ja": {
        "generate_tab": "生成",
        "generate_intro": "プロンプトを入力すると、既定のモデルがトークンごとに答えます。"
                          "温度 0 は貪欲法（毎回同じ答え）です。",
        "generate_prompt": "プロンプト",
        "generate_max_tokens": "最大新規トークン数",
        "generate_temperature": "温度",
        "generate_policy": "回答するモデル",
        "generate_policy_reference": "参照モデル",
        "generate_policy_trained": "DPO で学習した方策",
        "generate_policy_reference_info": "学習した方策はまだありません。DPO タブ（セクション 2）で学習すると選べます。",
        "generate_policy_own_info": "DPO で学習した方策: あなた自身の学習 {run}（あなただけ）、{pairs} ペアで {steps} "
                                    "ステップ、{finished} UTC に完了。",
        "generate_policy_room_info": "DPO で学習した方策: 会場に公開された学習 {run}、{pairs} ペアで {steps} ステップ、"
                                     "{finished} UTC に完了。",
        "generate_policy_evicted_info": "あなたの学習した方策（学習 {run}）はメモリ確保のため破棄されました。DPO タブで"
                                        "もう一度学習してください。",
        "generate_err_untrained": "あなたが使える DPO で学習した方策がまだありません。DPO タブで学習するか、"
                                  "参照モデルで回答してください。",
        "generate_err_evicted": "あなたの学習した方策（学習 {run}）はメモリ確保のため破棄されました（このサーバーは"
                                "直近 {kept} 人分の学習だけを保持します）。DPO タブでもう一度学習するか、参照モデルで"
                                "回答してください。",
        "generate_button": "生成",
        "generate_stop": "停止",
        "generate_output": "回答",
        "generate_recorded": "記録済みの実行（{date}、{machine}）: 上のプロンプトへの参照モデルの貪欲法による回答です"
                             "（{tokens} トークン、{seconds:.1f} 秒）。**生成** を押すとその場で実行します。",
        "generate_live": "このサーバーで生成した回答です。",
        "generate_recorded_trained": "記録済みの実行（{date}、{machine}）: 上のプロンプトへの**参照モデル**の貪欲法による"
                                     "回答です（{tokens} トークン、{seconds:.1f} 秒）。学習した方策が選ばれています。"
                                     "**生成** を押すとその回答が見られます。",
    },
}
BUILT_KEYS = {"generate_policy_{}_info": lambda: WHOSE}  # what "trained" is for this visitor (tests/test_ui_text.py)
PROMPT = "Write a short poem about the ocean."
DEFAULTS = GenerateRequest(PROMPT)
LESSON = pathlib.Path("assets/generate/lesson.json")  # PROMPT answered with DEFAULTS, by scripts/record_lessons.py


def live_start(request: gr.Request = None) -> tuple[str, str]:
    """Clears the recorded answer before a live one streams in, so the two are never shown as one."""
    return "", text(TEXT, "generate_live", request)


class Generate:
    """The tab's handlers, bound to the server's one DPO trainer and its batches (one per model, shared with DPO)."""

    def __init__(self, trainer: PolicyTrainer, batches: Schedulers) -> None:
        self.trainer = trainer
        self.batches = batches

    @functools.cached_property
    def engine(self) -> Engine | None:
        """The serving engine's client, made on first use and kept: one connection pool per server.
        A bad URL is not kept, so every request says what is wrong with it."""
        url = get_settings().engine_url
        return Engine(url) if url else None

    @user_errors(table=TEXT)
    def generate(self, prompt: str, max_new_tokens: float, temperature: float, policy: str = "reference",
                 request: gr.Request = None) -> Iterator[str]:
        """The answer as it grows; the inputs come by name and are checked as one `GenerateRequest`."""
        asked = GenerateRequest(prompt, max_new_tokens, temperature, policy)
        params = asked.params
        if asked.policy == "reference" and self.engine:  # the trained policy lives only here, so it always runs here
            yield from self.engine.stream_prompt(asked.prompt.strip(), max_tokens=params.max_new_tokens,
                                                 temperature=params.temperature, top_p=params.top_p, seed=params.seed)
            return
        session = session_of(request)
        lm = self.trainer.answering_lm(load_causal_lm(), asked.policy, session)  # one read: a publish cannot swap it
        if lm is None and self.trainer.whose(session) == "evicted":
            raise ValueError(text(TEXT, "generate_err_evicted", request, run=self.trainer.evicted(session),
                                  kept=self.trainer.max_private))
        if lm is None:
            raise ValueError(text(TEXT, "generate_err_untrained", request))
        yield from batched_stream(self.batches, lm, asked.prompt, params, request)

    def policy_choice(self, request: gr.Request = None) -> dict:
        """The radio's value and what "trained" means for this visitor: their own run, the room's, or none yet."""
        session = session_of(request)
        whose, policy = self.trainer.whose(session), self.trainer.policy_for(session)
        details = policy.summary() if policy is not None else {"run": self.trainer.evicted(session)}
        return gr.update(value="reference" if policy is None else "trained",
                         info=text(TEXT, f"generate_policy_{whose}_info", request, **details))

    def lesson(self, request: gr.Request = None) -> tuple[str, str]:
        """The shipped answer to the default prompt and the note that says it was recorded (when, where, how fast),
        and that it is the reference's when the trained policy is selected on load (the screen never contradicts)."""
        data, date, machine = recorded.load(LESSON)
        facts = {"date": date, "machine": machine, "tokens": data["tokens"], "seconds": data["seconds"]}
        if self.trainer.policy_for(session_of(request)) is not None:
            return data["answer"], text(TEXT, "generate_recorded_trained", request, **facts)
        return data["answer"], text(TEXT, "generate_recorded", request, **facts)


def build(trainer: PolicyTrainer, batches: Schedulers) -> tuple[gr.Radio, Callable[..., dict]]:
    """The tab; returns the policy radio and its refresh handler, which the app runs after the visitor's DPO
    training, publish and reset.
    `batches`: the server's one batch per model (app.py), which the DPO tab's pairs join too."""
    handlers = Generate(trainer, batches)
    gr.Markdown(T("generate_intro"), elem_classes=links.NOTES)
    prompt = gr.Textbox(label=T("generate_prompt"), value=PROMPT,
                        lines=2, elem_id="generate-prompt")
    with gr.Row():
        max_tokens = gr.Slider(1, MAX_NEW_TOKENS, value=DEFAULTS.max_new_tokens, step=1,
                            label=T("generate_max_tokens"), elem_id="generate-max-tokens")
        temperature = gr.Slider(*TEMPERATURE_RANGE, value=DEFAULTS.temperature, step=0.05,
                             label=T("generate_temperature"), elem_id="generate-temperature")
        policy = gr.Radio([(T("generate_policy_reference"), "reference"), (T("generate_policy_trained"), "trained")],
                          value="reference", label=T("generate_policy"), info=T("generate_policy_reference_info"),
                          elem_id="generate-policy")
    with gr.Row():
        run = gr.Button(T("generate_button"), variant="primary", elem_id="generate-button")
        stop = gr.Button(T("generate_stop"), elem_id="generate-stop")
    answer = gr.Textbox(label=T("generate_output"), lines=8, elem_id="generate-output")
    note = gr.Markdown(elem_id="generate-note")
    started = run.click(live_start, None, [answer, note], api_visibility="private", queue=False)
    # No concurrency limit: every request goes straight to its model's scheduler, which batches
    # them and refuses past its limits at once.
    event = started.then(handlers.generate, inputs_kwargs={"prompt": prompt, "max_new_tokens": max_tokens,
                                                           "temperature": temperature, "policy": policy},
                         outputs=answer, api_name="generate", concurrency_limit=None)
    stop.click(None, cancels=[event], api_visibility="private")
    gr.on(None, handlers.policy_choice, None, policy, api_visibility="private")  # on page load
    gr.on(None, handlers.lesson, None, [answer, note], api_visibility="private")  # a finished answer at first sight
    return policy, handlers.policy_choice
