"""The training half of the "DPO" tab: a bounded live run, its plots, and answers before and after.

Why a separate file: collection and training are two ideas with their own widgets; `demos/dpo/__init__.py`
places this section under the collection and hands both the same store and trainer (the server's one,
made by `app.py`, which also lets the Generate tab and the header use what it trained).
"""
from __future__ import annotations

import html
from collections.abc import Iterator

import gradio as gr

from demos import links
from demos.common import T, labels, text, user_errors
from demos.dpo.text import COMPARE_COLUMNS, TEXT
from playground.core.models import load_causal_lm
from playground.dpo import figures as dpo_figures
from playground.dpo import loss as dpo
from playground.dpo import training as dpo_training
from playground.dpo.preferences import PreferenceStore

DEFAULTS = dpo_training.TrainConfig()


def training_pairs(source: str, store: PreferenceStore) -> list[dict]:
    """The demo set, the stored votes or both (`source` is the Radio's value, which Gradio checks)."""
    demo = dpo_training.load_pairs() if source in ("demo", "both") else []
    return demo + (store.records() if source in ("votes", "both") else [])


def comparison_html(progress: dpo_training.Progress, request: gr.Request) -> str:
    """Prompt, reference answer and trained answer side by side; model text is escaped."""
    after = progress.after or [""] * len(progress.before)
    head = "".join(f"<th>{html.escape(text(TEXT, f'dpo_col_{key}', request))}</th>"
                   for key in COMPARE_COLUMNS)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in zip(dpo_training.HELD_OUT_PROMPTS, progress.before, after))
    return f"<table class='dpo-compare'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


class Training:
    """The section's handlers, bound to the server's one store and trainer (made by the tab's build())."""

    def __init__(self, store: PreferenceStore, trainer: dpo_training.PolicyTrainer) -> None:
        self.store = store
        self.trainer = trainer

    @user_errors(table=TEXT)
    def train(self, mode: str, source: str, steps: float, batch_size: float, learning_rate: float, beta: float,
              lora: bool, request: gr.Request) -> Iterator[tuple]:
        config = dpo_training.TrainConfig(steps=int(steps), batch_size=int(batch_size),
                                          learning_rate=float(learning_rate), beta=float(beta), sft=mode == "dpo_sft",
                                          lora=bool(lora))
        figure_labels = labels(TEXT, "dpo_fig_", request)
        for progress in self.trainer.train(load_causal_lm(), training_pairs(source, self.store), config):
            if progress.phase == "step":
                last = progress.history[-1]
                status = text(TEXT, "dpo_status_step", request, steps=config.steps, **last.__dict__)
            elif progress.phase == "done":
                status = text(TEXT, "dpo_status_done", request, steps=config.steps,
                              before=progress.health[0][1], after=progress.health[-1][1])
            elif progress.phase == "reference":
                status = text(TEXT, "dpo_status_ref", request)
            else:
                status = text(TEXT, "dpo_status_after", request)
            figure = dpo_figures.training_figure(progress.history, progress.health, figure_labels)
            yield status, figure, comparison_html(progress, request)

    @user_errors(table=TEXT)
    def reset(self, request: gr.Request) -> str:
        if self.trainer.reset():
            return text(TEXT, "dpo_status_reset", request)
        return text(TEXT, "dpo_status_nothing", request)


@user_errors(table=TEXT)
def explainer(betas: list[float], request: gr.Request):
    if not betas:
        raise ValueError(text(TEXT, "dpo_no_betas", request))
    return dpo_figures.loss_curves_figure(dpo.loss_curves(tuple(sorted(betas))), labels(TEXT, "dpo_loss_fig_", request))


def build(store: PreferenceStore, trainer: dpo_training.PolicyTrainer) -> list:
    """The training section; returns the events after which the live policy may have changed."""
    handlers = Training(store, trainer)
    gr.Markdown(T("dpo_train_title"))
    gr.Markdown(T("dpo_train_intro"), elem_classes=links.NOTES)
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
