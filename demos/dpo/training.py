"""The training half of the "DPO" tab: a bounded live run, its plots, answers before and after, and publishing.

Why a separate file: collection and training are two ideas with their own widgets; `demos/dpo/__init__.py`
places this section under the collection and hands both the same store and trainer (the server's one,
made by `app.py`, which also lets the Generate tab and the header use what it trained). A finished run is
its visitor's own until they press "Publish to the room" (`Publishing`; with the presenter key if the host
set one): one participant's training never changes the presenter's page.
"""
from __future__ import annotations

import dataclasses
import html
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr

from demos import links
from demos.common import ComponentView, T, labels, session_of, text, timed_turn, user_errors, wait_for_turn
from demos.dpo.text import COMPARE_COLUMNS, TEXT
from playground.core import recorded
from playground.core.models import load_causal_lm
from playground.core.timed import TimedWork
from playground.dpo import figures as dpo_figures
from playground.dpo import loss as dpo
from playground.dpo import training as dpo_training
from playground.dpo.judge import JUDGE_PROMPTS
from playground.dpo.preferences import PreferenceStore

DEFAULTS = dpo_training.TrainConfig()
LESSON = pathlib.Path("assets/dpo/lesson_training.json")  # the default run, by scripts/record_lessons.py
MODES = ("dpo_sft", "dpo")  # the objective Radio's values: DPO + SFT, plain DPO
SOURCES = ("demo", "votes", "both")  # the training pairs Radio's values
BETA_RANGE = dpo_training.BETA_RANGE  # the β slider's range, the config's


def training_pairs(source: str, store: PreferenceStore) -> list[dict]:
    """The demo set, the stored votes or both (`source` is the Radio's value, which Gradio checks).

    A vote on a judge mode prompt (a visitor can type one into section 1) is left out: those prompts
    stay held out, so the leaderboard never judges a policy on what it was trained on.
    """
    demo = dpo_training.load_pairs() if source in ("demo", "both") else []
    votes = store.records() if source in ("votes", "both") else []
    held_out = {prompt.strip() for prompt in JUDGE_PROMPTS}
    return demo + [row for row in votes if row["prompt"][0]["content"].strip() not in held_out]


def comparison_html(progress: dpo_training.Progress, request: gr.Request) -> str:
    """Prompt, reference answer and trained answer side by side; model text is escaped."""
    after = progress.after or [""] * len(progress.before)
    head = "".join(f"<th>{html.escape(text(TEXT, f'dpo_col_{key}', request))}</th>"
                   for key in COMPARE_COLUMNS)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in zip(dpo_training.HELD_OUT_PROMPTS, progress.before, after))
    return f"<table class='dpo-compare'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@dataclass(frozen=True, eq=False)
class TrainingView(ComponentView):
    """The section's components and the server's objects its handlers work with (the one store, trainer
    and line for timed work): handlers answer {component: value}, Gradio leaves the others as they are."""
    status: gr.Markdown
    plot: gr.Plot
    table: gr.HTML
    store: PreferenceStore
    trainer: dpo_training.PolicyTrainer
    timed: TimedWork

    @user_errors(table=TEXT)
    def train(self, mode: str, source: str, steps: float, batch_size: float, learning_rate: float, beta: float,
              lora: bool, continued: bool = False, request: gr.Request = None) -> Iterator[dict]:
        """A run's place in the line ("3 ahead of you"), then its progress; `continued`: from the policy that
        answers this visitor. The finished run is theirs alone (until they publish it)."""
        config = dpo_training.TrainConfig(steps=steps, batch_size=batch_size, learning_rate=learning_rate, beta=beta,
                                          sft=mode == "dpo_sft", lora=lora)  # checked there; the guard checked mode
        figure_labels = labels(TEXT, "dpo_fig_", request)
        with timed_turn(self.timed, request) as place:  # one run at a time, the others see their place
            yield from wait_for_turn(place, request, lambda message: {self.status: message})
            yield from self.run(config, source, continued, figure_labels, request)

    def run(self, config: dpo_training.TrainConfig, source: str, continued: bool, figure_labels: dict[str, str],
            request: gr.Request | None) -> Iterator[dict]:
        """The run's status, plot and answers table after each step and phase."""
        session = session_of(request)
        for progress in self.trainer.train(load_causal_lm(), training_pairs(source, self.store), config, continued,
                                           session):
            if progress.phase == "step":
                last = progress.history[-1]
                status = text(TEXT, "dpo_status_step", request, steps=config.steps, **last.__dict__)
            elif progress.phase == "done":
                status = text(TEXT, "dpo_status_done", request, steps=config.steps,
                              before=progress.health[0][1], after=progress.health[-1][1])
                chain = chain_line(self.trainer.own(session), request)
                status = f"{chain} {status}" if chain else status
            elif progress.phase == "reference":
                status = text(TEXT, "dpo_status_ref", request)
            else:
                status = text(TEXT, "dpo_status_after", request)
            figure = dpo_figures.training_figure(progress.history, progress.health, figure_labels)
            yield {self.status: status, self.plot: figure, self.table: comparison_html(progress, request)}

    @user_errors(table=TEXT)
    def reset(self, request: gr.Request = None) -> str:
        """Discard this visitor's own run (they get the room's policy again); the room is not touched."""
        if self.trainer.reset(session_of(request)):
            return text(TEXT, "dpo_status_reset", request)
        return text(TEXT, "dpo_status_nothing", request)

    def lesson(self, request: gr.Request = None) -> dict:
        """The shipped default run (`LESSON`): its status line, plot and answers before and after, on page load.

        Only shown: the recorded run's policy is not loaded, so the reference model stays live until a run here."""
        data, date, machine = recorded.load(LESSON)
        progress = recorded.rebuild(dpo_training.Progress, data["progress"])
        config = dpo_training.TrainConfig(**data["config"])
        objective = text(TEXT, "dpo_mode_sft", request) if config.sft else text(TEXT, "dpo_mode_plain", request)
        status = text(TEXT, "dpo_train_recorded", request, date=date, machine=machine, objective=objective,
                      steps=config.steps, batch=config.batch_size, beta=config.beta, seconds=data["seconds"],
                      before=progress.health[0][1], after=progress.health[-1][1])
        figure_labels = {**labels(TEXT, "dpo_fig_", request),
                         "title": text(TEXT, "dpo_recorded_fig_title", request, date=date)}
        return {self.status: status,
                self.plot: dpo_figures.training_figure(progress.history, progress.health, figure_labels),
                self.table: comparison_html(progress, request)}

    def continue_choice(self, request: gr.Request = None) -> gr.Checkbox:
        """"Continue from the trained policy": ticked while one answers this visitor (on load, after a run, a
        publish or a reset)."""
        return gr.Checkbox(value=self.trainer.policy_for(session_of(request)) is not None)


@dataclass(frozen=True)
class Publishing:
    """The room's side of the section: a visitor's run goes live for everyone, or the room goes back to the
    reference; both need the presenter key when the host set one (`room.PRESENTER_KEY_ENV`)."""
    trainer: dpo_training.PolicyTrainer

    @user_errors(table=TEXT)
    def publish(self, key: str = "", request: gr.Request = None) -> str:
        policy = self.trainer.publish(session_of(request), key)
        return text(TEXT, "dpo_published", request, run=policy.run)

    @user_errors(table=TEXT)
    def reset_room(self, key: str = "", request: gr.Request = None) -> str:
        if self.trainer.reset_room(key):
            return text(TEXT, "dpo_room_reset", request)
        return text(TEXT, "dpo_room_nothing", request)

    def can_publish(self, request: gr.Request = None) -> gr.Button:
        """The publish button works once this visitor has a finished run of their own."""
        return gr.Button(interactive=self.trainer.own(session_of(request)) is not None)


def chain_line(policy: dpo_training.Policy | None, request: gr.Request | None) -> str:
    """"Run 2, continued from run 1 (32 steps in all)." with a continued run's "Done" and the policy line; "" for
    a run from the reference (it says nothing new)."""
    if policy is None or not policy.continued_from:
        return ""
    return text(TEXT, "dpo_status_continued", request, **policy.summary())


def lesson_record(progress: dpo_training.Progress, config: dpo_training.TrainConfig, seconds: float) -> dict:
    """What `LESSON` holds (scripts/record_lessons.py writes it): the finished run, its settings, its wall time."""
    return {"progress": dataclasses.asdict(progress), "config": dataclasses.asdict(config), "seconds": seconds}


def link_controls() -> dict[str, gr.components.Component]:
    """The training controls a link can set, by the name it gives each (`?tab=dpo&mode=dpo&beta=0.5&steps=8`),
    made unrendered: `build` places them, and `linked_controls` reads a link against the same definitions."""
    return {
        "mode": gr.Radio([(T("dpo_mode_sft"), MODES[0]), (T("dpo_mode_plain"), MODES[1])], value=MODES[0],
                         label=T("dpo_mode"), elem_id="dpo-mode", render=False),
        "source": gr.Radio([(T("dpo_data_demo"), "demo"), (T("dpo_data_votes"), "votes"), (T("dpo_data_both"), "both")],
                           value="demo", label=T("dpo_data"), elem_id="dpo-source", render=False),
        "steps": gr.Slider(1, dpo_training.MAX_STEPS, value=DEFAULTS.steps, step=1, label=T("dpo_steps"),
                           elem_id="dpo-steps", render=False),
        "beta": gr.Slider(*BETA_RANGE, value=DEFAULTS.beta, step=0.01, label=T("dpo_beta"), elem_id="dpo-beta",
                          render=False),
        "lora": gr.Checkbox(value=DEFAULTS.lora, label=T("dpo_lora"), elem_id="dpo-lora", render=False)}


def linked_controls(params: dict[str, str]) -> dict:
    """`?tab=dpo&section=train&mode=dpo&beta=0.5&steps=8...`: the values a link gives, by name, each checked by its
    control (a bad one is left out, and the control keeps its value)."""
    controls = link_controls()
    found = links.linked_values(params, controls)
    return {name: found[component] for name, component in controls.items() if component in found}


@user_errors(table=TEXT)
def explainer(betas: list[float], request: gr.Request):
    if not betas:
        raise ValueError(text(TEXT, "dpo_no_betas", request))
    return dpo_figures.loss_curves_figure(dpo.loss_curves(tuple(sorted(betas))), labels(TEXT, "dpo_loss_fig_", request))


def build(store: PreferenceStore, trainer: dpo_training.PolicyTrainer, timed: TimedWork) -> list:
    """The training section; returns the events after which the policy that answers this visitor may have changed."""
    gr.Markdown(T("dpo_train_title"), elem_id="dpo-section-train")
    gr.Markdown(T("dpo_train_intro"), elem_classes=links.NOTES)
    controls = link_controls()
    with gr.Row():
        mode, source, lora = (controls[name].render() for name in ("mode", "source", "lora"))
        # unticked when the page is built (nothing trained yet), so an API call that leaves it out trains from the
        # reference as before; ticked on load and after each run while a trained policy is live
        continued = gr.Checkbox(value=False, label=T("dpo_continue"), info=T("dpo_continue_info"),
                                elem_id="dpo-continue")
    with gr.Row():
        steps = controls["steps"].render()
        batch = gr.Slider(1, dpo_training.MAX_BATCH, value=DEFAULTS.batch_size, step=1, label=T("dpo_batch"),
                          elem_id="dpo-batch")
        learning_rate = gr.Number(value=DEFAULTS.learning_rate, minimum=dpo_training.LEARNING_RATE_RANGE[0],
                                  maximum=dpo_training.LEARNING_RATE_RANGE[1], label=T("dpo_lr"), elem_id="dpo-lr")
        beta = controls["beta"].render()
    links.when_linked_controls("dpo", controls)
    links.copy_link_row("dpo", controls, fixed={"section": "train"})
    with gr.Row():
        run = gr.Button(T("dpo_train_button"), variant="primary", elem_id="dpo-train-button")
        stop = gr.Button(T("dpo_stop"), elem_id="dpo-stop")
        reset_button = gr.Button(T("dpo_reset"), elem_id="dpo-reset")
    status = gr.Markdown(elem_id="dpo-train-status")
    plot = gr.Plot(label=T("dpo_plot_train"), elem_id="dpo-train-plot")
    gr.Markdown(T("dpo_compare"))
    table = gr.HTML(elem_id="dpo-compare")
    gr.Markdown(T("dpo_publish_intro"), elem_classes=links.NOTES)
    with gr.Row():
        key = gr.Textbox(label=T("dpo_publish_key"), info=T("dpo_publish_key_info"), type="password", max_length=200,
                         visible=trainer.key_required, elem_id="dpo-publish-key")
        publish_button = gr.Button(T("dpo_publish_button"), interactive=False, elem_id="dpo-publish-button")
        room_reset_button = gr.Button(T("dpo_room_reset_button"), elem_id="dpo-room-reset")
    publish_status = gr.Markdown(elem_id="dpo-publish-status")
    view = TrainingView(status, plot, table, store, trainer, timed)
    publishing = Publishing(trainer)
    gr.on(None, view.lesson, None, view.outputs(), api_visibility="private")  # the page opens on a finished run
    event = run.click(view.train, inputs_kwargs={"mode": mode, "source": source, "steps": steps, "batch_size": batch,
                                                 "learning_rate": learning_rate, "beta": beta, "lora": lora,
                                                 "continued": continued},
                      outputs=view.outputs(), api_name="dpo_train",
                      concurrency_limit=None)  # runs wait in `timed`, seeing their place
    stop.click(None, cancels=[event], api_visibility="private")
    reset_event = reset_button.click(view.reset, None, status, api_name="dpo_reset", concurrency_id="dpo_train",
                                     concurrency_limit=1)
    publish_event = publish_button.click(publishing.publish, key, publish_status, api_name="dpo_publish")
    room_event = room_reset_button.click(publishing.reset_room, key, publish_status, api_name="dpo_room_reset")
    changes = [event, reset_event, publish_event, room_event]
    gr.on(None, view.continue_choice, None, continued, api_visibility="private")  # on page load
    gr.on(None, publishing.can_publish, None, publish_button, api_visibility="private")
    for change in changes:
        change.then(view.continue_choice, None, continued, api_visibility="private").then(
            publishing.can_publish, None, publish_button, api_visibility="private")

    gr.Markdown(T("dpo_explain_title"))
    betas = gr.CheckboxGroup([0.05, 0.1, 0.5, 1.0], value=[0.05, 0.1, 0.5, 1.0], label=T("dpo_betas"),
                             elem_id="dpo-betas")
    explain = gr.Plot(label=T("dpo_plot_explainer"), elem_id="dpo-explainer")
    gr.on(None, explainer, betas, explain, api_name="dpo_explainer")  # on page load and when the β values change
    return changes
