"""Tab "PagedAttention" (widgets and handlers): where the KV-cache memory of LLM serving goes, and what paging saves.

Three sections: a calculator (vLLM's start-up arithmetic), an allocator race (five policies on the
same trace, simulated) and a live run (static padded batch vs paged continuous batching on the
offline model). The tab opens finished: the calculator on load, the opening race computed once per
server (`opening_race`, cached; `warm_up` computes it at start-up) and the shipped live run.
Each action's values reach the engine by name, as one checked config (`playground.paged_attention.inputs`):
the guard has already refused what the widget itself does not allow, the config refuses the rest.
"""
from __future__ import annotations

import functools
import html
from collections.abc import Iterator
from dataclasses import dataclass, replace

import gradio as gr
from gradio.context import Context

from demos import links
from demos.common import ComponentView, T, engine_metrics_line, labels, text, user_errors
from demos.paged_attention.text import TEXT
from playground.core.engine import kv_usage
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.paged_attention import (
    calculator,
    figures,
    inputs,
    kv_config,
    live,
    memory,
    race,
    recorded,
    simulator,
    traces,
    vllm_blocks,
)
from playground.paged_attention.inputs import CONFIG, CUSTOM, CalcConfig, ModelChoice, RaceConfig
from playground.paged_attention.simulator import KvSimResult

# The calculator's tables at 1280x720: Gradio's prose lets a cell break anywhere ("layer|s", "トーク|ン"), so
# the wide equation column squeezed the short ones; words stay whole, and kind, count and size on one line.
CSS = """
#paged-calc th, #paged-calc td { overflow-wrap: normal; word-break: normal; }
#paged-calc th:nth-child(-n+3), #paged-calc td:nth-child(-n+3) { white-space: nowrap; }
"""
BUILT_KEYS = {"paged_attention_stage_{}": lambda: live.STAGES, "paged_attention_kind_{}": lambda: kv_config.KINDS}
CALC, RACE = CalcConfig(), RaceConfig()  # what the page opens with; its widgets read their defaults from these


def fig_labels(request: gr.Request | None) -> dict[str, str]:
    return labels(TEXT, "paged_attention_fig_", request)


def _config_text(model: str, config_text: str | None, config_file: str | None) -> str:
    """The pasted config.json, else the uploaded one (read as text, then as JSON only), when the model is 'config.json'."""
    if model != CONFIG:
        return ""
    if config_file:
        with open(config_file, encoding="utf-8", errors="replace") as file:
            return file.read(kv_config.MAX_CONFIG_CHARS + 1)
    return config_text or ""


def model_choice(model: str, gpu: str, dtype: str, layers: int, kv_heads: int, head_dim: int, params_b: float,
                 config_text: str | None = None, config_file: str | None = None) -> ModelChoice:
    """The model and server fields of a request, by name, as one checked `ModelChoice`."""
    return ModelChoice(model, gpu, dtype, layers, kv_heads, head_dim, params_b,
                       _config_text(model, config_text, config_file))


def race_trace(trace: str, csv_path: str | None) -> str | traces.Trace:
    """The uploaded CSV's trace, else the trace named in the list."""
    if csv_path:
        with open(csv_path, encoding="utf-8", errors="replace") as file:
            return traces.trace_from_csv(file.read())
    return trace


def _bytes(value: float) -> str:
    """Bytes as a reader scans them: whole bytes with separators, or MiB / GiB past a mebibyte."""
    if value >= memory.GIB:
        return f"{value / memory.GIB:,.2f} GiB"
    if value >= 2**20:
        return f"{value / 2**20:,.1f} MiB"
    return f"{value:,.0f} B"


def _gap(result: calculator.ModelCapacity, request: gr.Request | None) -> str:
    """The sentence that says why vLLM's count differs from ours, for this model's layer kinds."""
    kinds = {row.group.kind: row for row in result.rows}
    layout = result.vllm
    if kinds.keys() & set(kv_config.STATE_KINDS):
        state = max(row.state_bytes for row in result.rows)
        return text(TEXT, "paged_attention_gap_state", request, block=max(layout.block_sizes.values()), state=state,
                    page=layout.page_bytes)
    if "sliding" in kinds:
        window = kinds["sliding"].group.window
        kept = vllm_blocks.sliding_tokens(window, result.context_length)
        return text(TEXT, "paged_attention_gap_window", request, chunk=vllm_blocks.MAX_NUM_BATCHED_TOKENS,
                    kept=kept, window=min(window, result.context_length))
    return text(TEXT, "paged_attention_gap_blocks", request, block=result.block_size)


def calc_table(result: calculator.ModelCapacity, request: gr.Request | None) -> str:
    """The calculator's answer: the per-layer-kind table, the budget, the requests that fit, the cross-check."""
    chosen = result.deployment
    rows = []
    for row in result.rows:
        per_layer = (text(TEXT, "paged_attention_per_request", request, value=row.state_bytes) if row.state_bytes
                     else text(TEXT, "paged_attention_per_token", request, value=row.bytes_per_token))
        rows.append(text(TEXT, "paged_attention_row", request, kind=text(TEXT, f"paged_attention_kind_{row.group.kind}",
                                                                         request),
                         count=row.group.count, per_layer=per_layer, symbols=row.symbols, numbers=row.numbers,
                         total=_bytes(row.bytes_at_context)))
    per_token = result.bytes_per_token
    defaults = chosen.model.defaults_used
    tokens = result.tokens_fit
    return text(TEXT, "paged_attention_calc_result", request, context=result.context_length,
                per_token=f"{per_token:,.0f}" if per_token == int(per_token) else f"{per_token:,.1f}",
                model=html.escape(chosen.model.name), kv_dtype=chosen.kv_dtype,
                per_gpu=text(TEXT, "paged_attention_per_gpu", request, gpus=chosen.gpu.count) if chosen.gpu.count > 1
                else "", rows="\n".join(rows), weights=chosen.weight_bytes / memory.GIB, memory=chosen.gpu.memory_gib,
                budget=chosen.kv_budget_bytes / memory.GIB,
                tokens=f"{tokens:,}" if tokens is not None else text(TEXT, "paged_attention_no_tokens", request),
                max_requests=result.context_requests, average=result.average_length,
                avg_requests=result.average_requests, concurrency=result.vllm.concurrency, gap=_gap(result, request),
                defaults=text(TEXT, "paged_attention_defaults", request, fields=", ".join(
                    f"`{name}` = {value}" for name, value in defaults)) if defaults else "")


def answer(config: CalcConfig, request: gr.Request | None) -> tuple[str, str]:
    """The calculator's table and vLLM's start-up lines for one checked question."""
    result = config.capacity()
    return calc_table(result, request), result.vllm.lines


@user_errors(table=TEXT)
def calculate(request: gr.Request = None, *, model: str, gpu: str, dtype: str, context_length: int,
              average_length: int, layers: int, kv_heads: int, head_dim: int, params_b: float,
              config_text: str | None = None, config_file: str | None = None, kv_dtype: str = "auto") -> tuple[str, str]:
    """`kv_calculate`: the per-layer-kind table, requests that fit and vLLM's start-up lines, for one model on one
    server (the fields by name, as the API names them)."""
    chosen = model_choice(model, gpu, dtype, layers, kv_heads, head_dim, params_b, config_text, config_file)
    return answer(CalcConfig(chosen, context_length, average_length, kv_dtype), request)


def usage_line(paged: KvSimResult, short: KvSimResult, request: gr.Request | None) -> str:
    """The gauge beside the token fill, on the trace and on short prompts, with the sentence that explains it."""
    gauge, tokens = paged.usage.medians()
    short_gauge, short_tokens = short.usage.medians()
    blocks = -(-race.SHORT_PROMPT // short.block_size)
    return text(TEXT, "paged_attention_usage", request, block=paged.block_size, gauge=gauge, tokens=tokens,
                short_gauge=short_gauge, short_tokens=short_tokens, short_blocks=blocks,
                short_slots=blocks * short.block_size)


@dataclass(frozen=True, eq=False)
class RaceView(ComponentView):
    """The race section's outputs: a finished race answers every one of them, by component."""
    table: gr.Markdown
    breakdown: gr.Plot
    running: gr.Plot
    sweep: gr.Plot
    throughput: gr.Plot
    memory_map: gr.Plot
    results: gr.State
    policy: gr.Radio
    snapshot: gr.Slider
    usage: gr.Plot

    def shown(self, finished: race.Race, note: str, request: gr.Request | None) -> dict:
        """Every output of the race section from finished simulations (nothing is recomputed)."""
        names, results = fig_labels(request), finished.results
        rows = "\n".join(f"| {names[f'policy_{p}']} | {100 * r.token_state_share:.1f} % | {r.mean_running:.1f} | "
                         f"{r.preemptions:,} | {r.tokens_per_second:,.0f} |" for p, r in results.items())
        paged = results["paged"]
        middle = len(paged.snapshots) // 2
        table = text(TEXT, "paged_attention_race_table", request, rows=rows,
                     usage=usage_line(paged, finished.short, request))
        return {self.table: note + table, self.breakdown: figures.breakdown_figure(results, names),
                self.running: figures.running_figure(results, names),
                self.sweep: figures.sweep_figure(finished.sweep, names),
                self.throughput: figures.throughput_figure(results, names),
                self.memory_map: figures.memory_map_figure(paged, middle, names), self.results: results,
                self.policy: gr.Radio(value="paged"),
                self.snapshot: gr.Slider(maximum=len(paged.snapshots) - 1, value=middle),
                self.usage: figures.usage_figure(paged, names)}

    @user_errors(table=TEXT)
    def simulate(self, request: gr.Request = None, progress=gr.Progress(), *, model: str, gpu: str, dtype: str,
                 layers: int, kv_heads: int, head_dim: int, params_b: float, trace: str, csv_path: str | None,
                 num_requests: int, block_size: int, samples: int, prefix: int, config_text: str | None = None,
                 config_file: str | None = None) -> dict:
        """`kv_simulate`: all five policies on one trace, the block-size sweep, the short-prompt run, the figures
        (the fields by name, as the API names them)."""
        config = RaceConfig(model_choice(model, gpu, dtype, layers, kv_heads, head_dim, params_b, config_text,
                                         config_file), race_trace(trace, csv_path), num_requests, block_size, samples,
                            prefix)
        names = fig_labels(request)
        stages = len(simulator.POLICIES) + 1

        def stage(done: int, name: str) -> None:  # one policy after the other, so the bar moves
            desc = text(TEXT, "paged_attention_stage_sweep", request) if name == "sweep" else names[f"policy_{name}"]
            progress(done / stages, desc=desc)

        return self.shown(race.run_race(config, stage), "", request)

    def opening(self, request: gr.Request = None) -> dict:
        """The race the tab opens with, computed once per server (`opening_race`)."""
        note = text(TEXT, "paged_attention_opening", request, requests=RACE.num_requests) + "\n\n"
        return self.shown(opening_race(), note, request)


@functools.cache
def opening_race() -> race.Race:
    """The race the tab opens with, computed once per server (results are never modified)."""
    return race.run_race(RACE)


def warm_up() -> None:
    """`app.py` calls this at start-up, so the first visitor does not wait for the opening race."""
    opening_race()


def memory_map(results: dict | None, policy: str, index: float, request: gr.Request = None):
    if not results or policy not in results:
        return gr.skip()
    return figures.memory_map_figure(results[policy], int(index), fig_labels(request))


SECTIONS = {"calculator": "paged-section-calculator", "race": "paged-section-race", "live": "paged-section-live"}


def calc_controls() -> dict[str, gr.components.Component]:
    """The calculator's first row, each by the name a link gives it (`?model=llama-3.1-70b&context=8192`)."""
    chosen = CALC.choice
    return {
        "model": gr.Dropdown(list(inputs.MODEL_CHOICES), value=chosen.model, label=T("paged_attention_model"),
                             elem_id="paged-model"),
        "gpu": gr.Dropdown(list(memory.GPUS), value=chosen.gpu, label=T("paged_attention_gpu"), elem_id="paged-gpu"),
        "dtype": gr.Radio(list(memory.DTYPE_BYTES), value=chosen.dtype, label=T("paged_attention_dtype"),
                          elem_id="paged-dtype"),
        "context": gr.Number(CALC.context_length, precision=0, minimum=1, maximum=memory.MAX_CONTEXT,
                             label=T("paged_attention_context"), elem_id="paged-context"),
        "average": gr.Number(CALC.average_length, precision=0, minimum=1, maximum=memory.MAX_CONTEXT,
                             label=T("paged_attention_average"))}


def linked_controls(params: dict[str, str], controls: dict[str, gr.components.Component] | None = None) -> dict:
    """`?tab=paged_attention&section=race&model=llama-3.1-70b&gpu=h100-80gb&dtype=fp8&context=8192&average=1000`:
    the link's values by name, each checked by its control (bad ones left out), and the GPU and data type the
    linked model fits on when the link's (or the page's) do not (`memory.server_for`): a slide's link to
    DeepSeek-V3 opens on 8x-h200-141gb in fp8, not on a refusal."""
    controls = controls or calc_controls()
    found = links.linked_values(params, controls)
    named = {name: found[component] for name, component in controls.items() if component in found}
    model = named.get("model", CALC.choice.model)
    server = (named.get("gpu", CALC.choice.gpu), named.get("dtype", CALC.choice.dtype))
    if model not in (CUSTOM, CONFIG) and memory.server_for(model, *server) != server:
        named["gpu"], named["dtype"] = memory.server_for(model, *server)
    return named


@dataclass(frozen=True)
class CalcLink:
    """A deep link into the calculator, with the page's controls it fills (`calc_controls`)."""
    controls: dict[str, gr.components.Component]

    def server(self, params: dict[str, str]) -> dict:
        """The GPU and data type a link opens on, by component (the link's, or those its model fits on)."""
        named = linked_controls(params, self.controls)
        return {self.controls[name]: named[name] for name in ("gpu", "dtype") if name in named}

    @user_errors(table=TEXT)
    def opening(self, request: gr.Request = None) -> tuple[str, str]:
        """The calculator as the page opens, for the link's values (else the defaults), read from the link itself.

        Why not from the controls: this runs as the link's values reach the page, and the browser may still
        send a number box's old value (a deep link to 8,192 tokens was seen computed for 2,048)."""
        params = links.query(request)
        named = linked_controls(params, self.controls) if links.names_tab(params, "paged_attention") else {}
        chosen = CALC.choice
        config = CalcConfig(ModelChoice(named.get("model", chosen.model), named.get("gpu", chosen.gpu),
                                        named.get("dtype", chosen.dtype)),
                            named.get("context", CALC.context_length), named.get("average", CALC.average_length))
        return answer(config, request)


@dataclass(frozen=True, eq=False)
class PickView(ComponentView):
    """What choosing a model in the list changes, in one answer: the server and data type it fits on, and the
    calculation for them (one calculation, with the final values, and no refusal of the previous server)."""
    gpu: gr.Dropdown
    dtype: gr.Radio
    table: gr.Markdown
    vllm: gr.Code

    @user_errors(table=TEXT)
    def pick(self, request: gr.Request = None, *, model: str, gpu: str, dtype: str, context_length: int,
             average_length: int, layers: int, kv_heads: int, head_dim: int, params_b: float,
             config_text: str | None = None, config_file: str | None = None, kv_dtype: str = "auto") -> dict:
        """`kv_pick_model` (the fields of `kv_calculate`): a listed model moves to the smallest listed server it
        fits on (`memory.server_for`) when the chosen one cannot hold its weights; 'custom' and 'config.json'
        keep the server (their sizes are the reader's)."""
        chosen = model_choice(model, gpu, dtype, layers, kv_heads, head_dim, params_b, config_text, config_file)
        if chosen.model not in (CUSTOM, CONFIG):
            moved_gpu, moved_dtype = memory.server_for(chosen.model, chosen.gpu, chosen.dtype)
            chosen = replace(chosen, gpu=moved_gpu, dtype=moved_dtype)
        table, lines = answer(CalcConfig(chosen, context_length, average_length, kv_dtype), request)
        return {self.gpu: chosen.gpu, self.dtype: chosen.dtype, self.table: table, self.vllm: lines}


@dataclass(frozen=True, eq=False)
class LiveView(ComponentView):
    """The live section's components: its handlers answer {component: value}, and Gradio leaves the
    components a stage does not name as they are (the previous run's plots stay until the new ones come)."""
    table: gr.Markdown
    gantt: gr.Plot
    slots: gr.Plot
    answers: gr.Markdown

    def shown(self, comparison: live.LiveComparison, source: str, request: gr.Request | None) -> dict:
        """Every output of a finished comparison (live or recorded), headed by where it comes from."""
        names = fig_labels(request)
        static, paged = comparison.static, comparison.paged
        prefix = ""
        if comparison.prefix_on and comparison.prefix_off:
            on, off = comparison.prefix_on.cpu_seconds, comparison.prefix_off.cpu_seconds
            prefix = text(TEXT, "paged_attention_prefix_line", request,
                          tokens=min(comparison.prefix_on.prompt_lengths), on=on, off=off, ratio=off / on)
        identical = text(TEXT, "paged_attention_yes", request) if comparison.identical else \
            text(TEXT, "paged_attention_no", request)
        peak, usage = paged.peak_usage(), ""
        if peak:
            usage = text(TEXT, "paged_attention_live_usage", request, blocks=peak.blocks_used, pool=peak.num_blocks,
                         gauge=peak.block_share, tokens=peak.token_share, held=peak.tokens_held,
                         slots=peak.num_blocks * peak.block_size)
        table = text(TEXT, "paged_attention_live_table", request, source=source, s_sec=static.seconds,
                     p_sec=paged.seconds, s_tps=static.tokens_per_second, p_tps=paged.tokens_per_second,
                     s_done=static.mean_completion, p_done=paged.mean_completion, s_kv=static.peak_kv_bytes / 2**20,
                     p_kv=paged.peak_kv_bytes / 2**20, identical=identical, prefix=prefix, usage=usage)
        answers = "\n".join(f"{i + 1}. {html.escape(answer).replace(chr(10), ' ')}"
                            for i, answer in enumerate(comparison.texts))
        return {self.table: table, self.gantt: figures.gantt_figure(comparison, names),
                self.slots: figures.kv_slots_figure(comparison, names), self.answers: answers}

    def recorded(self, request: gr.Request = None) -> dict:
        """The shipped live run, shown on page load and labelled with its date and machine."""
        comparison, date, machine = recorded.load()
        return self.shown(comparison, text(TEXT, "paged_attention_recorded", request, date=date, machine=machine),
                          request)

    @user_errors(table=TEXT)
    def run(self, request: gr.Request = None, progress=gr.Progress(), *, prefix_caching: bool) -> Iterator[dict]:
        """Static padded batch vs paged continuous batching, live on the offline model; Stop acts between runs.

        While a stage runs only the table changes (it names the stage); the finished comparison fills all."""
        stages = len(live.STAGES) if prefix_caching else 2
        for done, (stage, comparison) in enumerate(live.compare_stages(load_causal_lm(),
                                                                       prefix_caching=prefix_caching)):
            if comparison is None:
                status = text(TEXT, f"paged_attention_stage_{stage}", request)
                progress(done / stages, desc=status)
                yield {self.table: status}
            else:
                yield self.shown(comparison, text(TEXT, "paged_attention_fresh", request), request)


def engine_kv(request: gr.Request = None) -> str:
    """The serving engine's live KV usage, running / waiting requests and preemptions, or why there are none."""
    return engine_metrics_line(TEXT, request, lambda metrics: (usage := kv_usage(metrics)) and usage.__dict__,
                               "paged_attention_engine_none", "paged_attention_engine_usage")


def engine_section() -> None:
    """Section 4, only when an engine is set: what the real paged allocator holds right now."""
    gr.Markdown(T("paged_attention_engine"))
    usage = gr.Markdown(elem_id="paged-engine-kv")
    refresh = gr.Button(T("paged_attention_engine_refresh"), size="sm", elem_id="paged-engine-refresh")
    refresh.click(engine_kv, None, usage, api_name="kv_engine")


def build() -> None:
    gr.Markdown(T("paged_attention_intro"), elem_classes=links.NOTES)
    gr.Markdown(T("paged_attention_calc"), elem_id=SECTIONS["calculator"])
    with gr.Row():
        controls = calc_controls()
    model, gpu, dtype = controls["model"], controls["gpu"], controls["dtype"]
    kv_dtype = gr.Radio(list(memory.KV_DTYPES), value=CALC.kv_dtype, label=T("paged_attention_kv_dtype"),
                        elem_id="paged-kv-dtype")
    chosen = CALC.choice
    with gr.Accordion(T("paged_attention_custom"), open=False, elem_id="paged-own-model"):
        with gr.Row():
            layers = gr.Number(chosen.layers, precision=0, minimum=1, maximum=memory.MAX_LAYERS,
                               label=T("paged_attention_layers"))
            kv_heads = gr.Number(chosen.kv_heads, precision=0, minimum=1, maximum=memory.MAX_LAYERS,
                                 label=T("paged_attention_kv_heads"))
            head_dim = gr.Number(chosen.head_dim, precision=0, minimum=1, maximum=memory.MAX_HEAD_DIM,
                                 label=T("paged_attention_head_dim"))
            params_b = gr.Number(chosen.params_b, minimum=inputs.MIN_PARAMS_B, maximum=inputs.MAX_PARAMS_B,
                                 label=T("paged_attention_params"))
        with gr.Row():
            config_text = gr.Textbox("", label=T("paged_attention_config_text"), lines=6, max_lines=12, scale=3,
                                     elem_id="paged-config")
            config_file = gr.File(file_types=[".json"], type="filepath", label=T("paged_attention_config_file"),
                                  scale=1, elem_id="paged-config-file")
    # by name, in the API's order (as before, when they were positional)
    calc_inputs = dict(model=model, gpu=gpu, dtype=dtype, context_length=controls["context"],
                       average_length=controls["average"], layers=layers, kv_heads=kv_heads, head_dim=head_dim,
                       params_b=params_b, config_text=config_text, config_file=config_file, kv_dtype=kv_dtype)
    # the link's model, context and average as linked; its GPU and data type moved to where the model fits
    link = CalcLink(controls)
    linked = links.when_linked_controls(
        "paged_attention", {name: controls[name] for name in ("model", "context", "average")}, preset=link.server,
        extra=(gpu, dtype))
    links.copy_link_row("paged_attention", controls)
    links.scroll_to_section("paged_attention", SECTIONS)
    # one above the other: the per-layer table needs the page's width at 1280x720
    calc_table = gr.Markdown(elem_id="paged-calc")
    vllm = gr.Code(label=T("paged_attention_vllm"), language=None, elem_id="paged-vllm")
    # One calculation at a time, in the order asked, so the last one asked is the one left on screen.
    # Only what the reader does, not every `change`: a model picked on a server too small moves the GPU and
    # data type in the same answer (`PickView`), and a link sets the controls and computes once
    # (`opening_calculation`); `change` triggers would compute again, or first with the old server, in red.
    # Dropdowns by `select`: Gradio 6.31 sends a dropdown's `input` twice (on the pick, again on the blur after).
    # A pasted config counts once it is left (not at every keystroke, half-typed JSON).
    pick = PickView(gpu, dtype, calc_table, vllm)
    model.select(pick.pick, inputs_kwargs=calc_inputs, outputs=pick.outputs(), api_name="kv_pick_model",
                 concurrency_id="paged_calc", concurrency_limit=1)
    triggers = [gpu.select, dtype.input, controls["context"].input, controls["average"].input, layers.input,
                kv_heads.input, head_dim.input, params_b.input, kv_dtype.input, config_text.blur, config_file.change]
    gr.on(triggers, calculate, inputs_kwargs=calc_inputs, outputs=[calc_table, vllm], api_name="kv_calculate",
          concurrency_id="paged_calc", concurrency_limit=1)

    gr.Markdown(T("paged_attention_race"), elem_id=SECTIONS["race"])
    with gr.Row():
        trace = gr.Dropdown(list(traces.TRACES), value=RACE.trace, label=T("paged_attention_trace"))
        csv_file = gr.File(file_types=[".csv"], type="filepath", label=T("paged_attention_csv"))
        num_requests = gr.Number(RACE.num_requests, precision=0, minimum=1, maximum=inputs.MAX_RACE_REQUESTS,
                                 label=T("paged_attention_requests"), info=f"1 – {inputs.MAX_RACE_REQUESTS:,}",
                                 elem_id="paged-requests")
    with gr.Row():
        block = gr.Number(RACE.block_size, precision=0, minimum=inputs.MIN_BLOCK, maximum=inputs.MAX_BLOCK,
                          label=T("paged_attention_block"), info=f"{inputs.MIN_BLOCK} – {inputs.MAX_BLOCK}",
                          elem_id="paged-block")
        samples = gr.Number(RACE.samples, precision=0, minimum=1, maximum=inputs.MAX_SAMPLES,
                            label=T("paged_attention_samples"), info=f"1 – {inputs.MAX_SAMPLES}")
        prefix = gr.Number(RACE.prefix, precision=0, minimum=0, maximum=inputs.MAX_PREFIX,
                           label=T("paged_attention_prefix"), info=f"0 – {inputs.MAX_PREFIX:,}")
        run_race = gr.Button(T("paged_attention_run_race"), variant="primary", elem_id="paged-race")
    race_table = gr.Markdown(elem_id="paged-race-table")
    with gr.Row():
        breakdown = gr.Plot(label=T("paged_attention_plot_breakdown"), elem_id="paged-breakdown")
        throughput = gr.Plot(label=T("paged_attention_plot_throughput"), elem_id="paged-throughput")
    with gr.Row():
        policy = gr.Radio(list(simulator.POLICIES), value="paged", label=T("paged_attention_map_policy"))
        snapshot = gr.Slider(0, simulator.MAX_SNAPSHOTS, value=0, step=1, label=T("paged_attention_map_step"))
    memory_plot = gr.Plot(label=T("paged_attention_plot_map"), elem_id="paged-map")
    with gr.Row():
        running = gr.Plot(label=T("paged_attention_plot_running"), elem_id="paged-running")
        sweep = gr.Plot(label=T("paged_attention_plot_sweep"), elem_id="paged-sweep")
    usage_plot = gr.Plot(label=T("paged_attention_plot_usage"), elem_id="paged-usage")
    results = gr.State()
    race_view = RaceView(race_table, breakdown, running, sweep, throughput, memory_plot, results, policy, snapshot,
                         usage_plot)
    race_inputs = dict(model=model, gpu=gpu, dtype=dtype, layers=layers, kv_heads=kv_heads, head_dim=head_dim,
                       params_b=params_b, trace=trace, csv_path=csv_file, num_requests=num_requests, block_size=block,
                       samples=samples, prefix=prefix, config_text=config_text, config_file=config_file)
    run_race.click(race_view.simulate, inputs_kwargs=race_inputs, outputs=race_view.outputs(), api_name="kv_simulate",
                   concurrency_id="paged_sim", concurrency_limit=2)
    gr.on([policy.change, snapshot.release], memory_map, [results, policy, snapshot], memory_plot,
          api_visibility="private")

    gr.Markdown(T("paged_attention_live"), elem_id=SECTIONS["live"])
    with gr.Row():
        prefix_caching = gr.Checkbox(False, label=T("paged_attention_prefix_caching"))
        run = gr.Button(T("paged_attention_run_live"), variant="primary", elem_id="paged-live")
        stop = gr.Button(T("paged_attention_stop"), elem_id="paged-stop")
    live_table = gr.Markdown(elem_id="paged-live-table")
    with gr.Row():
        gantt = gr.Plot(label=T("paged_attention_plot_gantt"), elem_id="paged-gantt")
        slots = gr.Plot(label=T("paged_attention_plot_slots"), elem_id="paged-slots")
    answers = gr.Markdown(label=T("paged_attention_answers"), elem_id="paged-answers")
    view = LiveView(live_table, gantt, slots, answers)
    event = run.click(view.run, inputs_kwargs={"prefix_caching": prefix_caching}, outputs=view.outputs(),
                      api_name="kv_live", concurrency_id="paged_live", concurrency_limit=1)
    stop.click(None, cancels=[event], api_visibility="private")
    if get_settings().engine_url:
        engine_section()

    # the tab opens finished: the calculator on load, the opening race (computed once), the recorded live run
    page = Context.root_block  # the app's gr.Blocks, which owns the load event
    # the link's model on the link's GPU (if it names them), computed from the link itself (opening_calculation)
    linked.then(link.opening, None, [calc_table, vllm], api_visibility="private", concurrency_id="paged_calc",
                concurrency_limit=1)
    page.load(race_view.opening, None, race_view.outputs(), api_visibility="private")
    page.load(view.recorded, None, view.outputs(), api_visibility="private")
