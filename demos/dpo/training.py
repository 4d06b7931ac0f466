"""The training half of the "DPO" tab: a bounded live run, its plots, and answers before and after.

Why a separate file: collection and training are two ideas with their own widgets; `demos/dpo/__init__.py`
places this section under the collection, merges the text tables and hands both the same store and trainer.
"""
from __future__ import annotations

import html
from collections.abc import Iterator

import gradio as gr

from demos.common import T, Table, text, user_errors
from playground.core.models import load_causal_lm
from playground.dpo import figures as dpo_figures
from playground.dpo import loss as dpo
from playground.dpo import training as dpo_training
from playground.dpo.preferences import PreferenceStore

TEXT: Table = {
    "en": {
        "dpo_train_title": "## 2. Train on the preferences",
        "dpo_train_intro": "**DPO** raises the chosen answers' probability relative to a frozen reference and "
                           "lowers the rejected ones'. On its own answers a small model can win that game by "
                           "making *both* answers unlikely and collapse into loops; **DPO + SFT** also keeps "
                           "the chosen answers likely (RPO), which here changed the style without collapse. "
                           "Watch the repeated-3-gram rate: it rises when the model starts to loop. "
                           "Reward accuracy is 0 at step 1 because policy = reference and ties count as wrong.",
        "dpo_mode": "Objective", "dpo_mode_sft": "DPO + SFT", "dpo_mode_plain": "DPO",
        "dpo_data": "Training pairs", "dpo_data_demo": "Demo set", "dpo_data_votes": "Votes", "dpo_data_both": "Both",
        "dpo_steps": "Steps", "dpo_batch": "Pairs per step", "dpo_lr": "Learning rate", "dpo_beta": "β",
        "dpo_lora": "LoRA (unticked: full fine-tune of a copy)",
        "dpo_train_button": "Train", "dpo_stop": "Stop", "dpo_reset": "Reset to the reference model",
        "dpo_status_ref": "Answering the held-out prompts with the reference model...",
        "dpo_status_step": "Step {step}/{steps} · loss {loss:.3f} · margin {margin:.2f} · "
                           "accuracy {accuracy:.2f} · {seconds:.1f} s/step",
        "dpo_status_after": "Answering the held-out prompts with the trained policy...",
        "dpo_status_done": "Done: {steps} steps. Repeated-3-gram rate {before:.2f} → {after:.2f}.",
        "dpo_status_reset": "The trained policy was discarded; the reference model is back.",
        "dpo_status_nothing": "There was no trained policy to reset.",
        "dpo_plot_title": "DPO training, live", "dpo_plot_loss": "loss", "dpo_plot_rewards": "reward",
        "dpo_plot_accuracy": "share", "dpo_plot_step": "step", "dpo_plot_chosen": "chosen",
        "dpo_plot_rejected": "rejected", "dpo_plot_margin": "margin", "dpo_plot_accuracy_line": "reward accuracy",
        "dpo_plot_repeats": "repeated 3-grams",
        "dpo_compare": "**Held-out prompts:** reference (before) and trained policy (after)",
        "dpo_col_prompt": "prompt", "dpo_col_before": "before", "dpo_col_after": "after",
        "dpo_explain_title": "## How the loss pulls", "dpo_betas": "β values",
        "dpo_explain_plot": "DPO loss (solid) and gradient weight σ(−β·margin) (dotted)",
        "dpo_explain_x": "log-ratio margin (chosen − rejected)", "dpo_explain_loss": "loss",
        "dpo_explain_weight": "weight", "dpo_no_betas": "β values: pick at least one (0.05, 0.1, 0.5 or 1.0).",
    },
    "ja": {
        "dpo_train_title": "## 2. 選好で学習する",
        "dpo_train_intro": "**DPO** は固定した参照モデルに対して、選ばれた回答の確率を上げ、選ばれなかった回答の確率を"
                           "下げます。自分の回答で学習すると、小さなモデルは*両方*の回答の確率を下げて勝とうとし、"
                           "同じ言葉を繰り返すように崩壊することがあります。**DPO + SFT** は選ばれた回答の確率も保つ"
                           "（RPO）ので、ここでは崩壊せずに文体が変わりました。3-gram 反復率に注目してください。"
                           "繰り返しが始まると上がります。ステップ 1 の報酬正解率が 0 なのは、方策 = 参照で同点は"
                           "不正解と数えるためです。",
        "dpo_mode": "目的関数", "dpo_mode_sft": "DPO + SFT", "dpo_mode_plain": "DPO",
        "dpo_data": "学習ペア", "dpo_data_demo": "デモセット", "dpo_data_votes": "投票", "dpo_data_both": "両方",
        "dpo_steps": "ステップ数", "dpo_batch": "1 ステップのペア数", "dpo_lr": "学習率", "dpo_beta": "β",
        "dpo_lora": "LoRA（外すとコピーを全パラメータ学習）",
        "dpo_train_button": "学習", "dpo_stop": "停止", "dpo_reset": "参照モデルに戻す",
        "dpo_status_ref": "参照モデルで評価用プロンプトに回答中...",
        "dpo_status_step": "ステップ {step}/{steps} · 損失 {loss:.3f} · マージン {margin:.2f} · "
                           "正解率 {accuracy:.2f} · {seconds:.1f} 秒/ステップ",
        "dpo_status_after": "学習した方策で評価用プロンプトに回答中...",
        "dpo_status_done": "完了: {steps} ステップ。3-gram 反復率 {before:.2f} → {after:.2f}。",
        "dpo_status_reset": "学習した方策を破棄し、参照モデルに戻しました。",
        "dpo_status_nothing": "戻すべき学習済みの方策はありません。",
        "dpo_plot_title": "DPO 学習（ライブ）", "dpo_plot_loss": "損失", "dpo_plot_rewards": "報酬",
        "dpo_plot_accuracy": "割合", "dpo_plot_step": "ステップ", "dpo_plot_chosen": "選ばれた回答",
        "dpo_plot_rejected": "選ばれなかった回答", "dpo_plot_margin": "マージン", "dpo_plot_accuracy_line": "報酬正解率",
        "dpo_plot_repeats": "3-gram 反復率",
        "dpo_compare": "**評価用プロンプト:** 参照モデル（前）と学習した方策（後）",
        "dpo_col_prompt": "プロンプト", "dpo_col_before": "前", "dpo_col_after": "後",
        "dpo_explain_title": "## 損失の引っ張り方", "dpo_betas": "β の値",
        "dpo_explain_plot": "DPO 損失（実線）と勾配の重み σ(−β·マージン)（点線）",
        "dpo_explain_x": "対数比のマージン（選ばれた − 選ばれなかった）", "dpo_explain_loss": "損失",
        "dpo_explain_weight": "重み", "dpo_no_betas": "β の値: 少なくとも 1 つ選んでください（0.05、0.1、0.5、1.0）。",
    },
}
DEFAULTS = dpo_training.TrainConfig()
PLOT_KEYS = ("title", "loss", "rewards", "accuracy", "step", "chosen", "rejected", "margin", "accuracy_line", "repeats")


def training_pairs(source: str, store: PreferenceStore) -> list[dict]:
    if source not in ("demo", "votes", "both"):
        raise ValueError(f"training pairs must be demo, votes or both, got {source!r}.")
    demo = dpo_training.load_pairs() if source in ("demo", "both") else []
    return demo + (store.records() if source in ("votes", "both") else [])


def comparison_html(progress: dpo_training.Progress, request: gr.Request) -> str:
    """Prompt, reference answer and trained answer side by side; model text is escaped."""
    after = progress.after or [""] * len(progress.before)
    head = "".join(f"<th>{html.escape(text(TEXT, f'dpo_col_{key}', request))}</th>"
                   for key in ("prompt", "before", "after"))
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in zip(dpo_training.HELD_OUT_PROMPTS, progress.before, after))
    return f"<table class='dpo-compare'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


class Training:
    """The section's handlers, bound to the server's one store and trainer (made by the tab's build())."""

    def __init__(self, store: PreferenceStore, trainer: dpo_training.PolicyTrainer) -> None:
        self.store = store
        self.trainer = trainer

    @user_errors
    def train(self, mode: str, source: str, steps: float, batch_size: float, learning_rate: float, beta: float,
              lora: bool, request: gr.Request) -> Iterator[tuple]:
        config = dpo_training.TrainConfig(steps=int(steps), batch_size=int(batch_size),
                                          learning_rate=float(learning_rate), beta=float(beta), sft=mode == "dpo_sft",
                                          lora=bool(lora))
        labels = {key: text(TEXT, f"dpo_plot_{key}", request) for key in PLOT_KEYS}
        for progress in self.trainer.train(load_causal_lm(), training_pairs(source, self.store), config):
            if progress.phase == "step":
                last = progress.history[-1]
                status = text(TEXT, "dpo_status_step", request, steps=config.steps, **last.__dict__)
            elif progress.phase == "done":
                status = text(TEXT, "dpo_status_done", request, steps=config.steps,
                              before=progress.health[0][1], after=progress.health[-1][1])
            else:
                status = text(TEXT, f"dpo_status_{'ref' if progress.phase == 'reference' else 'after'}", request)
            figure = dpo_figures.training_figure(progress.history, progress.health, labels)
            yield status, figure, comparison_html(progress, request)

    @user_errors
    def reset(self, request: gr.Request) -> str:
        return text(TEXT, "dpo_status_reset" if self.trainer.reset() else "dpo_status_nothing", request)


@user_errors
def explainer(betas: list[float], request: gr.Request):
    if not betas:
        raise ValueError(text(TEXT, "dpo_no_betas", request))
    words = {key: text(TEXT, f"dpo_explain_{key}", request) for key in ("plot", "x", "loss", "weight")}
    return dpo_figures.loss_curves_figure(dpo.loss_curves(tuple(sorted(betas))), words["plot"], words["x"],
                                  words["loss"], words["weight"])


def build(store: PreferenceStore, trainer: dpo_training.PolicyTrainer) -> list:
    """The training section; returns the events after which the live policy may have changed."""
    handlers = Training(store, trainer)
    gr.Markdown(T("dpo_train_title"))
    gr.Markdown(T("dpo_train_intro"))
    with gr.Row():
        mode = gr.Radio([(T("dpo_mode_sft"), "dpo_sft"), (T("dpo_mode_plain"), "dpo")], value="dpo_sft",
                        label=T("dpo_mode"), elem_id="dpo-mode")
        source = gr.Radio([(T("dpo_data_demo"), "demo"), (T("dpo_data_votes"), "votes"), (T("dpo_data_both"), "both")],
                          value="demo", label=T("dpo_data"), elem_id="dpo-source")
        lora = gr.Checkbox(value=DEFAULTS.lora, label=T("dpo_lora"), elem_id="dpo-lora")
    with gr.Row():
        steps = gr.Slider(1, dpo_training.MAX_STEPS, value=DEFAULTS.steps, step=1, label=T("dpo_steps"),
                          elem_id="dpo-steps")
        batch = gr.Slider(1, 8, value=DEFAULTS.batch_size, step=1, label=T("dpo_batch"), elem_id="dpo-batch")
        learning_rate = gr.Number(value=DEFAULTS.learning_rate, label=T("dpo_lr"), elem_id="dpo-lr")
        beta = gr.Slider(0.01, 1.0, value=DEFAULTS.beta, step=0.01, label=T("dpo_beta"), elem_id="dpo-beta")
    with gr.Row():
        run = gr.Button(T("dpo_train_button"), variant="primary", elem_id="dpo-train-button")
        stop = gr.Button(T("dpo_stop"), elem_id="dpo-stop")
        reset_button = gr.Button(T("dpo_reset"), elem_id="dpo-reset")
    status = gr.Markdown(elem_id="dpo-train-status")
    plot = gr.Plot(elem_id="dpo-train-plot", show_label=False)
    gr.Markdown(T("dpo_compare"))
    table = gr.HTML(elem_id="dpo-compare")
    event = run.click(handlers.train, [mode, source, steps, batch, learning_rate, beta, lora], [status, plot, table],
                      api_name="dpo_train", concurrency_id="dpo_train", concurrency_limit=1)
    stop.click(None, cancels=[event], api_visibility="private")
    reset_event = reset_button.click(handlers.reset, None, status, api_name="dpo_reset", concurrency_id="dpo_train",
                                     concurrency_limit=1)

    gr.Markdown(T("dpo_explain_title"))
    betas = gr.CheckboxGroup([0.05, 0.1, 0.5, 1.0], value=[0.05, 0.1, 0.5, 1.0], label=T("dpo_betas"),
                             elem_id="dpo-betas")
    explain = gr.Plot(elem_id="dpo-explainer", show_label=False)
    gr.on(None, explainer, betas, explain, api_name="dpo_explainer")  # on page load and when the β values change
    return [event, reset_event]
