"""Tab "Math": exponentials, logarithms, their derivatives and cross-entropy, as live Plotly plots.

For teachers: eight sections build cross-entropy up from a^x, each with a short explanation, an
interactive plot and the computed numbers. The maths lives in `playground/math/` (`exp_log`,
`cross_entropy`, `forms`, `token_loss`), figures in `playground/math/figures.py`; the text in
`demos/math/text.py`. This module only wires widgets to them.
"""
from __future__ import annotations

import contextlib
import functools
import json
import math
from collections.abc import Callable, Iterator

import gradio as gr
import plotly.graph_objects as go

from demos import links
from demos.common import T, labels, lang_of, plot_data, text, user_errors
from demos.math.text import TEXT
from playground.core.cache import LRU
from playground.core.models import load_causal_lm
from playground.math import cross_entropy as ce
from playground.math import exp_log as el
from playground.math import figures, forms
from playground.math.token_loss import MAX_SENTENCE_CHARS, token_losses

__all__ = ["BUILT_KEYS", "TEXT", "build"]
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]
# slider drags redraw, latest value wins; answers are cached, so many run at once without waiting on each other
LIVE = dict(trigger_mode="always_last", show_progress="hidden", concurrency_id="curves", concurrency_limit=8)
DICE_ROWS = [[1, 3, 1.0], [2, 2, 1.0], [3, 4, 1.0], [4, 1, 1.0], [5, 3, 1.0], [6, 7, 1.0]]
BATCH_ROWS = [[0, 0.7, 0.2, 0.1], [1, 0.1, 0.6, 0.3], [2, 0.2, 0.5, 0.3], [2, 0.05, 0.05, 0.9]]
LOGITS = (2.0, 1.0, 0.1)  # section 4's sliders z0, z1, z2 start here
SECTIONS = ("exp", "log", "likelihood", "ce", "batch", "binary", "matrix", "llm")  # in page order, numbered from 1
PLOTS = ("exp", "limit", "log", "fd", "dice", "ce", "batch", "binary", "matrix", "grad", "llm")  # label: curves_plot_<name>
BUILT_KEYS = {"curves_{}_md": lambda: SECTIONS, "curves_section_{}": lambda: SECTIONS, "curves_z{}": lambda: range(len(LOGITS)),
              "curves_rule_{}": lambda: el.RULE_NAMES, "curves_plot_{}": lambda: PLOTS}  # f-string keys and their values


def _labels(request: gr.Request | None) -> dict[str, str]:
    """The figures' labels in the reader's language."""
    return labels(TEXT, "curves_fig_", request)


def _sci(value: float) -> str:
    """A number for LaTeX: 1.36e-04 -> 1.36 \\times 10^{-4} (0 stays 0)."""
    if value == 0:
        return "0"
    mantissa, exponent = f"{value:.2e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def _clipped_note(count: int, request: gr.Request | None) -> str:
    return text(TEXT, "curves_clipped", request, count=count) if count else ""


@user_errors(table=TEXT)
def exp_section(base: float, x0: float, request: gr.Request = None):
    curve = el.exp_curve(el.ExpQuery(base=base, x0=x0))
    numbers = text(TEXT, "curves_exp_numbers", request, x0=curve.tangent.x0, y0=curve.tangent.y0, slope=curve.tangent.slope,
                   ln_a=curve.ln_base)
    return figures.exp_figure(curve, _labels(request)), numbers


@user_errors(table=TEXT)
def e_limit_section(n_max: int, request: gr.Request = None):
    limit = el.e_limit(n_max)
    numbers = text(TEXT, "curves_limit_numbers", request, limit=limit.value[-1], n=int(limit.n[-1]),
                   gap=_sci(limit.error[-1]), e=math.e)
    return figures.e_limit_figure(limit, _labels(request)), numbers


@user_errors(table=TEXT)
def log_section(base: float, x0: float, p: float, q: float, power: float, request: gr.Request = None):
    query = el.LogQuery(base=base, x0=x0, p=p, q=q, power=power)
    curve, fd = el.log_curve(query), el.finite_difference(query.x0)
    rules = "\n".join(f"| {text(TEXT, f'curves_rule_{rule.name}', request)} | {rule.left:.12g} | "
                      f"{rule.right:.12g} | {rule.difference:.1e} |" for rule in el.log_rules(query))
    numbers = text(TEXT, "curves_log_numbers", request, x0=query.x0, y0=curve.tangent.y0, slope=curve.tangent.slope,
                   best_h=_sci(fd.best_h), best_error=_sci(float(fd.forward_error.min())), rules=rules)
    names = _labels(request)
    return figures.log_figure(curve, names), figures.finite_difference_figure(fd, names), numbers


@user_errors(table=TEXT)
def likelihood_section(table: list[list], face: int, request: gr.Request = None):
    dice = ce.dice_from_table(table, face)
    numbers = text(TEXT, "curves_likelihood_numbers", request, throws=dice.counts.sum(),
                   likelihood=_sci(dice.likelihood), log_l=dice.log_likelihood, nll=dice.nll, nll_best=dice.nll_at_frequencies,
                   clipped=_clipped_note(int(dice.clipped.sum()), request))
    return figures.dice_figure(dice, _labels(request)), numbers


@user_errors(table=TEXT)
def ce_section(z0: float, z1: float, z2: float, target: int, request: gr.Request = None):
    sample = ce.ce_one_sample([z0, z1, z2], target)
    numbers = text(TEXT, "curves_ce_numbers", request, probs=", ".join(f"{y:.4f}" for y in sample.probs),
                   total=sample.probs.sum(), target=sample.target, loss=sample.loss)
    return figures.one_sample_figure(sample, _labels(request)), numbers


@user_errors(table=TEXT)
def batch_section(table: list[list], request: gr.Request = None):
    batch = ce.batch_from_table(table)
    clipped = _clipped_note(int(batch.clipped.sum()), request)
    if batch.clipped_targets:  # torch got the unclipped log Y: say where its rows differ from ours
        clipped += text(TEXT, "curves_clipped_torch", request, count=batch.clipped_targets)
    numbers = text(TEXT, "curves_batch_numbers", request, losses=", ".join(f"{v:.4f}" for v in batch.per_sample),
                   total=batch.total, mean=batch.mean, torch_ce=batch.torch_cross_entropy,
                   torch_nll=batch.torch_nll_loss, clipped=clipped)
    return figures.batch_figure(batch, _labels(request)), numbers


@user_errors(table=TEXT)
def binary_section(z: float, t: float, request: gr.Request = None):
    binary = forms.binary_ce(z, t)
    numbers = text(TEXT, "curves_binary_numbers", request, z=binary.z0, y=binary.y0, loss=binary.loss0,
                   diff=_sci(binary.max_difference))
    return figures.binary_figure(binary, _labels(request)), numbers


@user_errors(table=TEXT)
def matrix_section(table: list[list], request: gr.Request = None):
    batch = ce.batch_from_table(table)
    matrix, gradient = forms.matrix_form(batch), forms.batch_gradient(batch)
    numbers = text(TEXT, "curves_matrix_numbers", request, matrix=matrix.loss, batch=matrix.batch_mean,
                   diff=_sci(matrix.difference), grad_diff=_sci(gradient.max_difference),
                   step=_sci(gradient.step))
    names = _labels(request)
    return figures.matrix_figure(matrix, names), figures.gradient_figure(gradient, names), numbers


@user_errors(table=TEXT)
def llm_section(sentence: str, request: gr.Request = None):
    lm = load_causal_lm()
    losses = token_losses(lm, sentence)
    numbers = text(TEXT, "curves_llm_numbers", request, count=len(losses.tokens), mean=losses.mean,
                   model_loss=losses.model_loss, perplexity=losses.perplexity, model=lm.model_id)
    return figures.token_loss_figure(losses, _labels(request)), numbers


class Answers:
    """The sections' answers (trimmed figures and numbers) per input and language, in a bounded LRU.

    Why: a workshop's 30 visitors move the same sliders to the same few values; building a Plotly
    figure and its JSON costs ~50 ms of one core, a cached answer almost nothing (issue 14:
    30 concurrent users of `/curves_ce`). The maths is deterministic, so a cached answer is exact.
    """

    def __init__(self, size: int = 1024) -> None:
        self.cache: LRU[tuple] = LRU(size)

    def cached(self, handler: Callable[..., tuple]) -> Callable[..., tuple]:
        """`handler` (a section, wrapped by `user_errors`) answering from the cache; errors are not kept.

        Keyed by its inputs by name (events pass them as `inputs_kwargs`) and the reader's language."""
        @functools.wraps(handler)  # Gradio reads the section's own signature through __wrapped__
        def answer(*args, **kwargs) -> tuple:
            request = next((value for value in (*args, *kwargs.values()) if isinstance(value, gr.Request)), None)
            values = {"args": [value for value in args if not isinstance(value, gr.Request)],
                      **{name: value for name, value in kwargs.items() if not isinstance(value, gr.Request)}}
            key = (handler.__name__, json.dumps(values, default=str, sort_keys=True), lang_of(request))
            return self.cache.get(key, lambda: tuple(plot_data(value) if isinstance(value, go.Figure) else value
                                                     for value in handler(*args, **kwargs)))
        return answer


@contextlib.contextmanager
def _section(key: str, shown: gr.Textbox) -> Iterator[None]:
    """Section `key` of SECTIONS as a sub-tab (id `key`, for `?tab=math&section=<key>`): its explanation, in a
    column the browser tests find by number. Choosing it writes `key` into `shown` (in the browser), which
    the copy-link row reads."""
    with gr.Tab(T(f"curves_section_{key}"), id=key, elem_id=f"curves-tab-{key}") as tab:
        with gr.Column(elem_id=f"curves-section-{SECTIONS.index(key) + 1}", elem_classes=["curves-section"]):
            gr.Markdown(T(f"curves_{key}_md"), latex_delimiters=LATEX)
            yield
    tab.select(None, None, shown, js=f"() => {json.dumps(key)}", api_visibility="private", queue=False)


def _plot(name: str) -> gr.Plot:
    return gr.Plot(label=T(f"curves_plot_{name}"), elem_id=f"curves-{name}-plot")


def _numbers(number: int) -> gr.Markdown:
    return gr.Markdown(latex_delimiters=LATEX, elem_id=f"curves-numbers-{number}")


def build() -> None:
    answers = Answers()  # one cache per built tab (per server), not per process
    gr.Markdown(T("curves_intro"), elem_classes=links.NOTES)
    shown = gr.Textbox(SECTIONS[0], visible="hidden", elem_id="curves-shown-section")  # the sub-tab on screen
    links.copy_link_row("math", {"section": shown})
    with gr.Tabs(elem_id="curves-sections") as sections:
        with _section("exp", shown):
            with gr.Row():
                base = gr.Slider(*el.ExpQuery.BASE_RANGE, value=el.ExpQuery.base, step=0.01, label=T("curves_base"),
                                 elem_id="curves-exp-base")
                x0 = gr.Slider(*el.ExpQuery.X0_RANGE, value=el.ExpQuery.x0, step=0.05, label=T("curves_x0"),
                               elem_id="curves-exp-x0")
            with gr.Row():
                with gr.Column():
                    exp_plot, exp_numbers = _plot("exp"), _numbers(1)
                with gr.Column():
                    n_max = gr.Slider(*el.N_MAX_RANGE, value=10_000, step=1, label=T("curves_n_max"),
                               elem_id="curves-n-max")
                    limit_plot = _plot("limit")
                    limit_numbers = gr.Markdown(latex_delimiters=LATEX, elem_id="curves-limit-numbers")
        gr.on(None, answers.cached(exp_section), inputs_kwargs={"base": base, "x0": x0}, outputs=[exp_plot, exp_numbers],
              api_name="curves_exp", **LIVE)
        gr.on(None, answers.cached(e_limit_section), inputs_kwargs={"n_max": n_max}, outputs=[limit_plot, limit_numbers],
              api_name="curves_e_limit", **LIVE)

        with _section("log", shown):
            with gr.Row():
                log_base = gr.Slider(*el.LogQuery.BASE_RANGE, value=el.LogQuery.base, step=0.001, label=T("curves_log_base"))
                log_x0 = gr.Slider(*el.LogQuery.X0_RANGE, value=el.LogQuery.x0, step=0.05, label=T("curves_log_x0"),
                                   elem_id="curves-log-x0")
            with gr.Row():
                p = gr.Slider(*el.LogQuery.RULE_RANGE, value=el.LogQuery.p, step=0.1, label=T("curves_p"))
                q = gr.Slider(*el.LogQuery.RULE_RANGE, value=el.LogQuery.q, step=0.1, label=T("curves_q"))
                power = gr.Slider(*el.LogQuery.POWER_RANGE, value=el.LogQuery.power, step=0.1, label=T("curves_power"))
            with gr.Row():
                log_plot, fd_plot = _plot("log"), _plot("fd")
            log_numbers = _numbers(2)
        gr.on(None, answers.cached(log_section),
              inputs_kwargs={"base": log_base, "x0": log_x0, "p": p, "q": q, "power": power},
              outputs=[log_plot, fd_plot, log_numbers], api_name="curves_log", **LIVE)

        with _section("likelihood", shown):
            # type="array": the cells reach the engine as sent, so a ragged or non-numeric table gets a
            # message naming the cell instead of failing in Gradio's pandas conversion
            dice = gr.Dataframe(DICE_ROWS, headers=ce.DICE_HEADERS, datatype="number", type="array",
                                label=T("curves_dice_table"), static_columns=[0], elem_id="curves-dice")
            face = gr.Slider(1, 6, value=6, step=1, label=T("curves_face"))
            dice_plot, dice_numbers = _plot("dice"), _numbers(3)
        gr.on(None, answers.cached(likelihood_section), inputs_kwargs={"table": dice, "face": face},
              outputs=[dice_plot, dice_numbers], api_name="curves_likelihood", **LIVE)

        with _section("ce", shown):
            with gr.Row():
                logits = [gr.Slider(-5.0, 5.0, value=value, step=0.05, label=T(f"curves_z{k}"),
                                 elem_id=f"curves-z{k}")
                          for k, value in enumerate(LOGITS)]
                target = gr.Slider(0, 2, value=0, step=1, label=T("curves_target"))
            ce_plot, ce_numbers = _plot("ce"), _numbers(4)
        gr.on(None, answers.cached(ce_section), inputs_kwargs={"z0": logits[0], "z1": logits[1], "z2": logits[2],
                                                               "target": target},
              outputs=[ce_plot, ce_numbers], api_name="curves_ce", **LIVE)

        with _section("batch", shown):
            batch = gr.Dataframe(BATCH_ROWS, headers=ce.batch_headers(3), datatype="number", type="array",
                                 label=T("curves_batch_table"), elem_id="curves-batch")
            batch_plot, batch_numbers = _plot("batch"), _numbers(5)
        gr.on(None, answers.cached(batch_section), inputs_kwargs={"table": batch}, outputs=[batch_plot, batch_numbers],
              api_name="curves_batch", **LIVE)

        with _section("binary", shown):
            with gr.Row():
                z = gr.Slider(-8.0, 8.0, value=1.0, step=0.05, label=T("curves_z"), elem_id="curves-binary-z")
                t = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label=T("curves_t"))
            binary_plot, binary_numbers = _plot("binary"), _numbers(6)
        gr.on(None, answers.cached(binary_section), inputs_kwargs={"z": z, "t": t}, outputs=[binary_plot, binary_numbers],
              api_name="curves_binary", **LIVE)

        with _section("matrix", shown):
            with gr.Row():
                matrix_plot, gradient_plot = _plot("matrix"), _plot("grad")
            matrix_numbers = _numbers(7)
        gr.on(None, answers.cached(matrix_section), inputs_kwargs={"table": batch},
              outputs=[matrix_plot, gradient_plot, matrix_numbers], api_name="curves_matrix", **LIVE)

        with _section("llm", shown):
            sentence = gr.Textbox("The capital of France is Paris.", label=T("curves_sentence"),
                                  max_length=MAX_SENTENCE_CHARS, elem_id="curves-sentence")
            score = gr.Button(T("curves_llm_button"), variant="primary", elem_id="curves-llm-button")
            llm_plot, llm_numbers = _plot("llm"), _numbers(8)
        gr.on([score.click, sentence.submit], llm_section, inputs_kwargs={"sentence": sentence},
              outputs=[llm_plot, llm_numbers], api_name="curves_llm", concurrency_id="llm", concurrency_limit=2)
    # on page load, after a link's section: the default sentence, scored once per server by the real model
    # (cached), so section 8 opens on its plot; in its own queue, so page loads never take the "llm" slots
    links.when_linked_controls("math", {}, preset=linked_section(sections, shown), extra=[sections, shown]).then(
        answers.cached(llm_section), [sentence], [llm_plot, llm_numbers], api_visibility="private",
        concurrency_id="curves_llm_open", concurrency_limit=1)


def linked_section(sections: gr.Tabs, shown: gr.Textbox) -> Callable[[dict[str, str]], dict]:
    """`?tab=math&section=binary`: that sub-tab, and its name for the copy-link row (a name not in SECTIONS: none)."""
    def preset(params: dict[str, str]) -> dict:
        wanted = links.linked_choice(params, "section", SECTIONS)
        return {} if wanted is None else {sections: gr.Tabs(selected=wanted), shown: wanted}
    return preset
