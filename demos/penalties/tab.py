"""Tab "Sampling penalties": repetition, frequency and presence penalties, live and exact.

The same prompt and seed run without and with penalties, side by side; a step scrubber shows what
the penalties did to the next-token distribution, a sweep shows the trend, and an explainer plot
shows why the multiplicative penalty depends on where the logits sit. The math is in
`playground/penalties/`; this module only wires widgets to it.
"""
from __future__ import annotations

import html
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr

from demos import links
from demos.common import ComponentView, T, engine_message, labels, text, timed_turn, user_errors, wait_for_turn
from demos.penalties.text import TEXT
from playground.core import recorded
from playground.core.engine import configured_engine
from playground.core.errors import InputError
from playground.core.generation import MAX_NEW_TOKENS, TEMPERATURE_RANGE, GenerationParams
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.core.text_metrics import highlight_repeats, text_metrics
from playground.core.timed import TimedWork
from playground.penalties.decoding import SweepPoint, TracedRun, first_changed_step, side_by_side, sweep_penalty
from playground.penalties.figures import engine_step_figure, explainer_figure, step_figure, sweep_figure
from playground.penalties.processors import (
    ADDITIVE_RANGE,
    CONVENTIONS,
    LAST_N_RANGE,
    REPETITION_RANGE,
    SHIFT_RANGE,
    PenaltyConfig,
    explainer_data,
)
from playground.penalties.requests import POEM, SWEEP_POINTS, SWEEP_RANGES, TOP_P_RANGE, PairRequest, SweepRequest
from playground.penalties.served import EngineRun, engine_run

EXAMPLES = [[POEM, 1.3, 0.0, 0.0, "vllm"], [POEM, 1.0, 0.8, 0.4, "vllm"],
            ["List ten fruits.", 1.3, 0.0, 0.0, "hf"],
            ["Describe a forest in three sentences.", 1.15, 0.3, 0.3, "llama.cpp"]]
METRIC_ROWS = (("distinct_1", "distinct_1"), ("distinct_2", "distinct_2"), ("distinct_3", "distinct_3"),
               ("repeated_rate", "repeated_ngram_rate"), ("tokens", "tokens"), ("eos", "eos_reached"))  # key, field
STEP_COLUMNS = ("token", "prompt_count", "output_count", "before", "after_repetition",
                "after_frequency", "after_presence", "p_before", "p_after")
METRIC_COLUMNS = ("metric", "plain", "penalised")
# keys built at run time, with the values they take (checked by tests/test_ui_text.py)
BUILT_KEYS = {"penalties_row_{}": lambda: [key for key, _ in METRIC_ROWS],
              "penalties_col_{}": lambda: METRIC_COLUMNS + STEP_COLUMNS,
              "penalties_name_{}": lambda: SWEEP_RANGES}

DEFAULT = PairRequest()  # the controls as the page opens
DEFAULT_SWEEP = SweepRequest()
LESSON = pathlib.Path("assets/penalties/lesson.json")  # the poem pair and sweep, by scripts/record_lessons.py


def as_html(model_text: str) -> str:
    """Escaped model text with repeats marked, keeping its line breaks."""
    return f'<div style="white-space: pre-wrap">{highlight_repeats(model_text)}</div>'


def figure_labels(request: gr.Request | None, **formatted: str) -> dict[str, str]:
    """The figures' words in the reader's language, plus titles already filled in by the caller."""
    return {**labels(TEXT, "penalties_fig_", request), **formatted}


def headers(keys: tuple[str, ...], request: gr.Request | None) -> list[str]:
    return [text(TEXT, f"penalties_col_{key}", request) for key in keys]


def metrics_table(plain: TracedRun, penalised: TracedRun, request: gr.Request | None) -> dict:
    yes, no = text(TEXT, "penalties_yes", request), text(TEXT, "penalties_no", request)
    columns = [text_metrics(run.text, len(run.new_ids), run.eos_reached) for run in (plain, penalised)]
    rows = []
    for key, field in METRIC_ROWS:
        values = [getattr(m, field) for m in columns]
        values = [(yes if v else no) if isinstance(v, bool) else round(v, 3) for v in values]
        rows.append([text(TEXT, f"penalties_row_{key}", request), *values])
    return {"headers": headers(METRIC_COLUMNS, request), "data": rows}


def step_view(state: dict | None, step: float, request: gr.Request | None = None):
    """The scrubber: one step's chart and stage-by-stage table from the stored trace."""
    if not state or not state["run"].steps:
        return gr.skip(), gr.skip()  # nothing generated yet: leave the empty chart
    run, params = state["run"], state["params"]
    trace = run.steps[min(int(step), len(run.steps) - 1)]
    if params.temperature:
        scale = text(TEXT, "penalties_scale", request, temperature=params.temperature,
                     f=state["config"].frequency_penalty / params.temperature,
                     p=state["config"].presence_penalty / params.temperature)
    else:
        scale = text(TEXT, "penalties_greedy", request)
    chosen = trace.labels[trace.token_ids.index(trace.chosen_id)]
    title = text(TEXT, "penalties_step_title", request, step=trace.step, token=chosen, scale=scale)
    stages = [trace.logits[name] for name in STEP_COLUMNS[3:7]]
    rows = [[label, pc, oc, *(round(s[i], 3) for s in stages), round(pb, 4), round(pa, 4)]
            for i, (label, pc, oc, pb, pa) in enumerate(zip(trace.labels, trace.prompt_counts,
                                                            trace.output_counts, trace.prob_before,
                                                            trace.prob_after))]
    return (step_figure(trace, figure_labels(request, step_title=title)),
            {"headers": headers(STEP_COLUMNS, request), "data": rows})


@dataclass(frozen=True, eq=False)
class GenerateView(ComponentView):
    """The components a side-by-side run fills: its handler answers {component: value}, and Gradio
    leaves the components it does not name as they are. `timed`: the server's line for timed work."""
    plain: gr.HTML
    penalised: gr.HTML
    metrics: gr.Dataframe
    step: gr.Slider
    step_plot: gr.Plot
    step_table: gr.Dataframe
    state: gr.State
    timed: TimedWork

    @user_errors(table=TEXT)
    def generate(self, request: gr.Request = None, **inputs: object) -> Iterator[dict]:
        """Both answers as they grow, then the metrics and the step scrubber at the first changed step.

        `inputs`: the run's controls by their API names (`pair_request`). The traced runs take their turn
        in the server's line for timed work ("3 ahead of you")."""
        run = pair_request(**inputs)
        with timed_turn(self.timed, request) as place:
            yield from wait_for_turn(place, request, lambda message: {self.plain: message})
            for plain, penalised in side_by_side(load_causal_lm(), run.prompt, run.penalties, run.params):
                yield {self.plain: as_html(plain.text), self.penalised: as_html(penalised.text)}
        yield self.finished(plain, penalised, run.params, run.penalties, request)

    def finished(self, plain: TracedRun, penalised: TracedRun, params: GenerationParams, config: PenaltyConfig,
                 request: gr.Request | None) -> dict:
        """Every output of a finished pair: texts, metrics, and the scrubber at the first changed step."""
        state = {"run": penalised, "params": params, "config": config}
        step = first_changed_step(penalised)
        step_plot, step_table = step_view(state, step, request)
        return {self.plain: as_html(plain.text), self.penalised: as_html(penalised.text),
                self.metrics: metrics_table(plain, penalised, request),
                self.step: gr.Slider(minimum=0, maximum=max(len(penalised.steps) - 1, 1), value=step),
                self.step_plot: step_plot, self.step_table: step_table, self.state: state}

    def lesson(self, request: gr.Request = None) -> dict:
        """The shipped poem pair (`LESSON`), shown on page load exactly as a finished live run."""
        data = recorded.load(LESSON)[0]
        return self.finished(recorded.rebuild(TracedRun, data["plain"]), recorded.rebuild(TracedRun, data["penalised"]),
                             GenerationParams(**data["params"]), PenaltyConfig(**data["config"]), request)


def sweep_labels(penalty: str, request: gr.Request | None) -> dict[str, str]:
    name = text(TEXT, f"penalties_name_{penalty}", request)
    return figure_labels(request, sweep_title=text(TEXT, "penalties_sweep_title", request, penalty=name),
                         sweep_axis=text(TEXT, "penalties_sweep_axis", request, penalty=name))


def engine_step_view(run: EngineRun | None, step: float, request: gr.Request | None = None):
    """The engine's own next-token bars at the scrubber's step (its last step if its answer is shorter)."""
    if run is None or not run.top_logprobs:
        return gr.skip()
    index = min(int(step or 0), len(run.top_logprobs) - 1)
    probs, chosen = run.step(index)
    title = text(TEXT, "penalties_engine_step_title", request, step=index, model=run.model)
    return engine_step_figure(probs, chosen, figure_labels(request, engine_title=title))


def engine_sent_line(run: EngineRun, request: gr.Request | None) -> str:
    """Where the request went and exactly what it sent (escaped: URLs and model ids come from outside)."""
    sent = ", ".join(f"`{name}={value:g}`" for name, value in run.penalties.items())
    return text(TEXT, "penalties_engine_sent", request, url=html.escape(run.url), model=html.escape(run.model),
                kind=run.kind, sent=sent)


@dataclass(frozen=True, eq=False)
class EngineView(ComponentView):
    """The engine column: the same prompt and penalties through the serving engine's own implementation."""
    status: gr.Markdown
    answer: gr.HTML
    plot: gr.Plot
    state: gr.State

    @user_errors(table=TEXT)
    def generate(self, request: gr.Request = None, **inputs: object) -> Iterator[dict]:
        """The engine's answer and its top log-probabilities; an engine that fails is said here, in place.
        `inputs`: the local run's, by name (`pair_request`)."""
        asked = pair_request(**inputs)
        yield {self.status: text(TEXT, "penalties_engine_asking", request), self.answer: "", self.plot: None,
               self.state: None}
        try:
            run = engine_run(configured_engine(), asked.prompt, asked.penalties, asked.params)
        except InputError as error:  # the request is checked above: this is the engine failing
            yield {self.status: engine_message(error, request)}
            return
        yield {self.status: engine_sent_line(run, request), self.answer: as_html(run.text),
               self.plot: engine_step_view(run, 0, request), self.state: run}


def engine_column() -> EngineView:
    """The engine's column beside the local two (built only when an engine is set)."""
    with gr.Column():
        gr.Markdown(T("penalties_engine_heading"))
        status = gr.Markdown(elem_id="penalties-engine-status")
        answer = gr.HTML(elem_id="penalties-engine")
        plot = gr.Plot(label=T("penalties_plot_engine"), elem_id="penalties-engine-plot")
        gr.Markdown(T("penalties_engine_note"))
    return EngineView(status, answer, plot, gr.State())


def pair_request(prompt: str, repetition: float, frequency: float, presence: float, convention: str, last_n: float,
                 temperature: float, top_p: float, seed: float, max_new_tokens: float) -> PairRequest:
    """A side-by-side run's controls, as the API names them (`/penalties_generate`), checked as one request."""
    return PairRequest(prompt, temperature, top_p, seed, max_new_tokens,
                       penalties=PenaltyConfig(repetition, frequency, presence, convention, last_n))


@user_errors(table=TEXT)
def sweep(request: gr.Request = None, progress=gr.Progress(), **inputs: object):
    """The sweep's figure, a point at a time; `inputs` are `SweepRequest`'s fields by name (the API's names)."""
    asked = SweepRequest(**inputs)
    total, words = asked.points, sweep_labels(asked.penalty, request)
    done = []
    for point in sweep_penalty(load_causal_lm(), asked):
        done.append(point)
        progress((len(done), total))
        yield sweep_figure(done, words)


@user_errors(table=TEXT)
def explain(repetition: float, frequency: float, presence: float, shift: float,
            request: gr.Request = None):
    data = explainer_data(PenaltyConfig(repetition, frequency, presence), shift)
    return explainer_figure(data["logits"], data["curves"], data["token_names"], data["shift_probs"],
                            figure_labels(request))


def lesson_sweep(request: gr.Request = None):
    """The shipped sweep of `DEFAULT_SWEEP` on the poem, shown on page load."""
    data = recorded.load(LESSON)[0]
    return sweep_figure([SweepPoint(**point) for point in data["sweep"]], sweep_labels(DEFAULT_SWEEP.penalty, request))


def lesson_note(request: gr.Request = None) -> str:
    """Says that what the page opened with was recorded, when and where."""
    _, date, machine = recorded.load(LESSON)
    return text(TEXT, "penalties_recorded", request, date=date, machine=machine)


def live_note(request: gr.Request = None) -> str:
    return text(TEXT, "penalties_live", request)


def example_values(params: dict[str, str], controls: list[gr.components.Component]) -> dict:
    """`?tab=penalties&example=2` (1-based, as listed): that example's values on `controls`, by component."""
    number = links.linked_number(params, "example", 1, len(EXAMPLES), whole=True)
    return dict(zip(controls, EXAMPLES[number - 1])) if number is not None else {}


def build(timed: TimedWork) -> None:
    """The tab; `timed` is the server's one line for timed work (app.build_demo makes it)."""
    gr.Markdown(T("penalties_intro"), elem_classes=links.NOTES)
    prompt = gr.Textbox(label=T("penalties_prompt"), value=POEM, lines=2, elem_id="penalties-prompt")
    with gr.Row():
        repetition = gr.Slider(*REPETITION_RANGE, value=DEFAULT.penalties.repetition_penalty, step=0.05,
                            label=T("penalties_repetition_label"), elem_id="penalties-repetition")
        frequency = gr.Slider(*ADDITIVE_RANGE, value=DEFAULT.penalties.frequency_penalty, step=0.05,
                           label=T("penalties_frequency_label"), elem_id="penalties-frequency")
        presence = gr.Slider(*ADDITIVE_RANGE, value=DEFAULT.penalties.presence_penalty, step=0.05,
                          label=T("penalties_presence_label"), elem_id="penalties-presence")
    with gr.Row():
        convention = gr.Radio(list(CONVENTIONS), value=DEFAULT.penalties.convention, label=T("penalties_convention"))
        last_n = gr.Slider(*LAST_N_RANGE, value=DEFAULT.penalties.last_n, step=1, label=T("penalties_last_n"))
        temperature = gr.Slider(*TEMPERATURE_RANGE, value=DEFAULT.temperature, step=0.05,
                             label=T("penalties_temperature"))
        top_p = gr.Slider(*TOP_P_RANGE, value=DEFAULT.top_p, step=0.05, label=T("penalties_top_p"))
        seed = gr.Number(value=DEFAULT.seed, precision=0, label=T("penalties_seed"))
        max_tokens = gr.Slider(1, MAX_NEW_TOKENS, value=DEFAULT.max_new_tokens, step=1,
                            label=T("penalties_max_tokens"), elem_id="penalties-max-tokens")
    gr.Examples(EXAMPLES, [prompt, repetition, frequency, presence, convention],
                example_labels=[f"{p} · r={r} f={f} p={q} · {c}" for p, r, f, q, c in EXAMPLES])
    example_controls = [prompt, repetition, frequency, presence, convention]
    links.when_linked_controls("penalties", {"repetition": repetition, "frequency": frequency, "presence": presence,
                                             "convention": convention},
                               preset=lambda params: example_values(params, example_controls), extra=[prompt])
    links.copy_link_row("penalties", {"repetition": repetition, "frequency": frequency, "presence": presence,
                                      "convention": convention})
    with gr.Row():
        run = gr.Button(T("penalties_button"), variant="primary", elem_id="penalties-button")
        stop = gr.Button(T("penalties_stop"))
    note = gr.Markdown(elem_id="penalties-lesson-note")
    gr.Markdown(T("penalties_repeats_note"))
    with gr.Row():
        with gr.Column():
            gr.Markdown(T("penalties_plain_heading"))
            plain = gr.HTML(elem_id="penalties-plain")
        with gr.Column():
            gr.Markdown(T("penalties_penalised_heading"))
            penalised = gr.HTML(elem_id="penalties-penalised")
        engine = engine_column() if get_settings().engine_url else None
    metrics = gr.Dataframe(label=T("penalties_metrics"), interactive=False, elem_id="penalties-metrics")
    gr.Markdown(T("penalties_scrubber"))
    step = gr.Slider(0, 1, value=0, step=1, label=T("penalties_step"), elem_id="penalties-step")
    step_plot = gr.Plot(label=T("penalties_plot_step"), elem_id="penalties-step-plot")
    step_table = gr.Dataframe(label=T("penalties_step_table"), interactive=False)
    state = gr.State()
    # by name, in the API's order of parameters (`pair_request`)
    inputs = {"prompt": prompt, "repetition": repetition, "frequency": frequency, "presence": presence,
              "convention": convention, "last_n": last_n, "temperature": temperature, "top_p": top_p, "seed": seed,
              "max_new_tokens": max_tokens}
    view = GenerateView(plain, penalised, metrics, step, step_plot, step_table, state, timed)
    # concurrency_limit=None: each run waits in `timed`, which shows its place (playground/core/timed.py)
    event = run.click(view.generate, inputs_kwargs=inputs, outputs=view.outputs(), api_name="penalties_generate",
                      concurrency_limit=None)
    stop.click(None, cancels=[event], api_visibility="private")
    run.click(live_note, None, note, api_visibility="private", queue=False)
    # the page opens on the shipped poem pair, its step chart and its sweep (a lesson without a click)
    gr.on(None, view.lesson, None, view.outputs(), api_visibility="private")
    gr.on(None, lesson_note, None, note, api_visibility="private", queue=False)
    step.release(step_view, [state, step], [step_plot, step_table], api_visibility="private")
    if engine:  # on the same click, beside the local runs; the engine batches requests itself
        run.click(engine.generate, inputs_kwargs=inputs, outputs=engine.outputs(), api_name="penalties_engine",
                  concurrency_limit=None)
        step.change(engine_step_view, [engine.state, step], engine.plot, api_visibility="private")

    gr.Markdown(T("penalties_sweep_heading"))
    with gr.Row():
        which = gr.Radio([(T(f"penalties_name_{name}"), name) for name in SWEEP_RANGES],
                         value=DEFAULT_SWEEP.penalty, label=T("penalties_sweep_which"))
        points = gr.Slider(*SWEEP_POINTS, value=DEFAULT_SWEEP.points, step=1, label=T("penalties_sweep_points"))
        sweep_button = gr.Button(T("penalties_sweep_button"), elem_id="penalties-sweep-button")
    sweep_plot = gr.Plot(label=T("penalties_plot_sweep"), elem_id="penalties-sweep-plot")
    sweep_button.click(sweep, inputs_kwargs={"prompt": prompt, "penalty": which, "points": points, "convention": convention,
                                             "last_n": last_n, "temperature": temperature, "top_p": top_p, "seed": seed,
                                             "max_new_tokens": max_tokens}, outputs=sweep_plot, api_name="penalties_sweep",
                       concurrency_id="llm", concurrency_limit=2)
    gr.on(None, lesson_sweep, None, sweep_plot, api_visibility="private")

    gr.Markdown(T("penalties_explainer_heading"))
    shift = gr.Slider(*SHIFT_RANGE, value=0.0, step=0.5, label=T("penalties_shift"))
    explainer_plot = gr.Plot(label=T("penalties_plot_explainer"), elem_id="penalties-explainer-plot")
    # triggers=None: on page load and on every change of the inputs; a figure, not public API
    gr.on(None, explain, inputs_kwargs={"repetition": repetition, "frequency": frequency, "presence": presence,
                                        "shift": shift}, outputs=explainer_plot, api_visibility="private")
