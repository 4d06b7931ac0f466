"""Tab "PagedAttention" (widgets and handlers): where the KV-cache memory of LLM serving goes, and what paging saves.

Three sections: a calculator (vLLM's start-up arithmetic), an allocator race (five policies on the
same trace, simulated) and a live run (static padded batch vs paged continuous batching on the
offline model). The tab opens finished: the calculator on load, the opening race computed once per
server (`opening_race`, cached; `warm_up` computes it at start-up) and the shipped live run.
Numbers from the page are checked here against the tab's bounds and named by their label; the
engine checks its own (wider) bounds for library callers.
"""
from __future__ import annotations

import functools
import html
from collections.abc import Iterator
from dataclasses import dataclass

import gradio as gr
import numpy as np
from gradio.context import Context

from demos import links
from demos.common import ComponentView, T, engine_metrics_line, labels, text, user_errors
from demos.paged_attention.text import TEXT
from playground.core.engine import kv_usage
from playground.core.generation import is_whole_number
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.paged_attention import calculator, figures, kv_config, live, memory, recorded, simulator, traces, vllm_blocks
from playground.paged_attention.kv_config import KvModel
from playground.paged_attention.simulator import KvSimResult

CUSTOM, CONFIG = "custom", "config.json"  # the user's own model: its sizes, or its config.json
# The calculator's tables at 1280x720: Gradio's prose lets a cell break anywhere ("layer|s", "トーク|ン"), so
# the wide equation column squeezed the short ones; words stay whole, and kind, count and size on one line.
CSS = """
#paged-calc th, #paged-calc td { overflow-wrap: normal; word-break: normal; }
#paged-calc th:nth-child(-n+3), #paged-calc td:nth-child(-n+3) { white-space: nowrap; }
"""
BUILT_KEYS = {"paged_attention_stage_{}": lambda: live.STAGES, "paged_attention_kind_{}": lambda: kv_config.KINDS}
DEFAULT_MODEL, DEFAULT_GPU, DEFAULT_DTYPE = "llama-13b", "a100-40gb", "fp16"
CALC_DEFAULTS = (DEFAULT_MODEL, DEFAULT_GPU, DEFAULT_DTYPE, 2048, 500)  # model, GPU, dtype, context, average
CUSTOM_DEFAULTS = (32, 8, 128, 8.0)  # a custom model's layers, KV heads, head size, billions of parameters
RACE_DEFAULTS = {"trace": "sharegpt", "num_requests": 1000, "block_size": 16}
SWEEP_SIZES = (8, 16, 32, 64, 128, 256)
SWEEP_REQUESTS = 300  # the block-size sweep runs six simulations; fewer requests keep it near a second
SHORT_REQUESTS = 2000  # 17-token prompts: enough to keep the pool saturated for many rounds
# the page's bounds (the engine allows more): what one shared CPU answers in seconds, a map that fits
MAX_RACE_REQUESTS, MAX_BLOCK, MAX_SAMPLES, MAX_PREFIX = 5000, 256, 8, 1024


def fig_labels(request: gr.Request | None) -> dict[str, str]:
    return labels(TEXT, "paged_attention_fig_", request)


def _whole(value: object, field: str, low: int, high: int, request: gr.Request | None) -> int:
    """A count from the page, or a message naming the field (by its label) and the allowed range."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not is_whole_number(value) \
            or not low <= value <= high:
        raise ValueError(text(TEXT, "paged_attention_err_whole", request, field=field, low=low, high=high, value=value))
    return int(value)


def _config_text(config_text: str | None, config_file: str | None) -> str:
    """The pasted config.json, else the uploaded one (read as text, then as JSON only)."""
    if config_file:
        with open(config_file, encoding="utf-8", errors="replace") as file:
            return file.read(kv_config.MAX_CONFIG_CHARS + 1)
    return config_text or ""


def _model(model: str, layers: float, kv_heads: float, head_dim: float, params_b: float, request: gr.Request | None,
           config_text: str | None = None, config_file: str | None = None) -> str | memory.ModelPreset | KvModel:
    """A preset's name, or the user's own model: its sizes ('custom') or its config.json ('config.json')."""
    if model not in (CUSTOM, CONFIG):
        return model
    if isinstance(params_b, bool) or not isinstance(params_b, (int, float)) or not 0.001 <= params_b <= 2000:
        raise ValueError(text(TEXT, "paged_attention_err_number", request, low=0.001, high=2000, value=params_b,
                              field=text(TEXT, "paged_attention_params", request)))
    if model == CONFIG:
        return kv_config.kv_model(_config_text(config_text, config_file), CONFIG, float(params_b) * 1e9)
    return memory.ModelPreset(
        CUSTOM, _whole(layers, text(TEXT, "paged_attention_layers", request), 1, 1000, request),
        _whole(kv_heads, text(TEXT, "paged_attention_kv_heads", request), 1, 1000, request),
        _whole(head_dim, text(TEXT, "paged_attention_head_dim", request), 1, 4096, request),
        float(params_b) * 1e9, memory.MAX_CONTEXT)


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


@user_errors(table=TEXT)
def calculate(model: str, gpu: str, dtype: str, context_length: float, average_length: float, layers: float,
              kv_heads: float, head_dim: float, params_b: float, config_text: str | None = None,
              config_file: str | None = None, kv_dtype: str = "auto", request: gr.Request = None) -> tuple[str, str]:
    """The per-layer-kind table, requests that fit and vLLM's start-up lines for one model on one server."""
    context = _whole(context_length, text(TEXT, "paged_attention_context", request), 1, memory.MAX_CONTEXT, request)
    average = _whole(average_length, text(TEXT, "paged_attention_average", request), 1, memory.MAX_CONTEXT, request)
    chosen = _model(model, layers, kv_heads, head_dim, params_b, request, config_text, config_file)
    result = calculator.model_capacity(chosen, gpu, dtype, context, average, kv_dtype)
    return calc_table(result, request), result.vllm.lines


def _trace(trace: str, csv_path: str | None) -> str | traces.Trace:
    if csv_path:
        with open(csv_path, encoding="utf-8", errors="replace") as file:
            return traces.trace_from_csv(file.read())
    return trace


SHORT_PROMPT, SHORT_OUTPUT = 17, 2  # the workload of vLLM PR #57336: 17-token prompts, short answers


def short_prompt_race(options: dict, block_size: int, num_requests: int) -> KvSimResult:
    """The paged policy on 17-token prompts, on the same model and GPU: where blocks and tokens part most."""
    trace = traces.Trace(np.full(num_requests, SHORT_PROMPT), np.full(num_requests, SHORT_OUTPUT))
    return simulator.simulate_kv("paged", block_size=block_size, **{**options, "trace": trace,
                                                                       "num_requests": num_requests})


def usage_line(paged: KvSimResult, short: KvSimResult, request: gr.Request | None) -> str:
    """The gauge beside the token fill, on the trace and on short prompts, with the sentence that explains it."""
    gauge, tokens = paged.usage.medians()
    short_gauge, short_tokens = short.usage.medians()
    blocks = -(-SHORT_PROMPT // short.block_size)
    return text(TEXT, "paged_attention_usage", request, block=paged.block_size, gauge=gauge, tokens=tokens,
                short_gauge=short_gauge, short_tokens=short_tokens, short_blocks=blocks,
                short_slots=blocks * short.block_size)


def race_views(results: dict[str, KvSimResult], sweep: dict[int, KvSimResult], short: KvSimResult, note: str,
               request: gr.Request | None) -> tuple:
    """Every output of the race section from finished simulations (nothing is recomputed)."""
    names = fig_labels(request)
    rows = "\n".join(f"| {names[f'policy_{p}']} | {100 * r.token_state_share:.1f} % | {r.mean_running:.1f} | "
                     f"{r.preemptions:,} | {r.tokens_per_second:,.0f} |" for p, r in results.items())
    paged = results["paged"]
    middle = len(paged.snapshots) // 2
    table = text(TEXT, "paged_attention_race_table", request, rows=rows, usage=usage_line(paged, short, request))
    return (note + table,
            figures.breakdown_figure(results, names), figures.running_figure(results, names),
            figures.sweep_figure(sweep, names), figures.throughput_figure(results, names),
            figures.memory_map_figure(paged, middle, names), results,
            gr.Radio(value="paged"), gr.Slider(maximum=len(paged.snapshots) - 1, value=middle),
            figures.usage_figure(paged, names))


@user_errors(table=TEXT)
def simulate(model: str, gpu: str, dtype: str, layers: float, kv_heads: float, head_dim: float, params_b: float,
             trace: str, csv_path: str | None, num_requests: float, block_size: float, samples: float, prefix: float,
             config_text: str | None = None, config_file: str | None = None, request: gr.Request = None,
             progress=gr.Progress()) -> tuple:
    """All five policies on one trace, the block-size sweep, the short-prompt run, and the figures."""
    options = dict(
        model=_model(model, layers, kv_heads, head_dim, params_b, request, config_text, config_file), gpu=gpu,
        dtype=dtype,
        trace=_trace(trace, csv_path),
        num_requests=_whole(num_requests, text(TEXT, "paged_attention_requests", request), 1, MAX_RACE_REQUESTS,
                            request),
        parallel_samples=_whole(samples, text(TEXT, "paged_attention_samples", request), 1, MAX_SAMPLES, request),
        system_prefix=_whole(prefix, text(TEXT, "paged_attention_prefix", request), 0, MAX_PREFIX, request))
    block = _whole(block_size, text(TEXT, "paged_attention_block", request), min(SWEEP_SIZES), MAX_BLOCK, request)
    names, results = fig_labels(request), {}
    for done, policy in enumerate(simulator.POLICIES):  # one policy after the other, so the bar moves
        progress(done / (len(simulator.POLICIES) + 1), desc=names[f"policy_{policy}"])
        results[policy] = simulator.simulate_kv(policy, block_size=block, **options)
    progress(len(results) / (len(results) + 1), desc=text(TEXT, "paged_attention_stage_sweep", request))
    sweep = simulator.block_size_sweep(SWEEP_SIZES, **{**options, "num_requests": min(options["num_requests"],
                                                                                   SWEEP_REQUESTS)})
    short = short_prompt_race({k: v for k, v in options.items() if k != "trace"}, block, SHORT_REQUESTS)
    return race_views(results, sweep, short, "", request)


@functools.cache
def opening_race() -> tuple[dict[str, KvSimResult], dict[int, KvSimResult], KvSimResult]:
    """The race the tab opens with, computed once per server (results are never modified)."""
    options = dict(model=DEFAULT_MODEL, gpu=DEFAULT_GPU, dtype=DEFAULT_DTYPE, trace=RACE_DEFAULTS["trace"])
    results = simulator.compare_policies(num_requests=RACE_DEFAULTS["num_requests"],
                                         block_size=RACE_DEFAULTS["block_size"], **options)
    short = short_prompt_race({k: v for k, v in options.items() if k != "trace"}, RACE_DEFAULTS["block_size"],
                              SHORT_REQUESTS)
    return results, simulator.block_size_sweep(SWEEP_SIZES, num_requests=SWEEP_REQUESTS, **options), short


def opening(request: gr.Request = None) -> tuple:
    results, sweep, short = opening_race()
    note = text(TEXT, "paged_attention_opening", request, requests=RACE_DEFAULTS["num_requests"]) + "\n\n"
    return race_views(results, sweep, short, note, request)


def warm_up() -> None:
    """`app.py` calls this at start-up, so the first visitor does not wait for the opening race."""
    opening_race()


def memory_map(results: dict | None, policy: str, index: float, request: gr.Request = None):
    if not results or policy not in results:
        return gr.skip()
    return figures.memory_map_figure(results[policy], int(index), fig_labels(request))


SECTIONS = {"calculator": "paged-section-calculator", "race": "paged-section-race", "live": "paged-section-live"}


def linked_controls(params: dict[str, str], base: list | None = None) -> list:
    """`?tab=paged_attention&section=race&model=llama-70b&gpu=h100-80gb&dtype=fp8&context=8192&average=1000`:
    the link's model, GPU, dtype and lengths in place of `base` (default: leave each control as it is)."""
    return links.overlay(base or [gr.skip()] * 5, {
        0: links.linked_choice(params, "model", [*memory.MODELS, *memory.CONFIG_PRESETS]),
        1: links.linked_choice(params, "gpu", memory.GPUS),
        2: links.linked_choice(params, "dtype", memory.DTYPE_BYTES),
        3: links.linked_number(params, "context", 1, memory.MAX_CONTEXT, whole=True),
        4: links.linked_number(params, "average", 1, memory.MAX_CONTEXT, whole=True)})


def linked_view(params: dict[str, str], base: list | None = None) -> list:
    """`linked_controls`, and the GPU and data type the linked model fits on when the link's do not
    (`memory.server_for`): a slide's link to DeepSeek-V3 opens on 8x-h200-141gb in fp8, not on a refusal."""
    full = linked_controls(params, list(CALC_DEFAULTS))
    server = memory.server_for(*full[:3])
    values = linked_controls(params, base)
    if server != tuple(full[1:3]):
        values[1:3] = server
    return values


def opening_calculation(request: gr.Request) -> tuple[str, str]:
    """The calculator as the page opens, for the link's values (else the defaults), read from the link itself.

    Why not from the controls: this runs as the link's values reach the page, and the browser may still
    send a number box's old value (a deep link to 8,192 tokens was seen computed for 2,048)."""
    params = links.query(request)
    values = list(CALC_DEFAULTS)
    if links.names_tab(params, "paged_attention"):
        values = linked_view(params, values)
    return calculate(*values, *CUSTOM_DEFAULTS, request=request)


@dataclass(frozen=True, eq=False)
class PickView(ComponentView):
    """What choosing a model in the list changes, in one answer: the server and data type it fits on, and the
    calculation for them (one calculation, with the final values, and no refusal of the previous server)."""
    gpu: gr.Dropdown
    dtype: gr.Radio
    table: gr.Markdown
    vllm: gr.Code

    @user_errors(table=TEXT)
    def pick(self, model: str, gpu: str, dtype: str, context_length: float, average_length: float, layers: float,
             kv_heads: float, head_dim: float, params_b: float, config_text: str | None = None,
             config_file: str | None = None, kv_dtype: str = "auto", request: gr.Request = None) -> dict:
        """A listed model moves to the smallest listed server it fits on (`memory.server_for`) when the chosen one
        cannot hold its weights; 'custom' and 'config.json' keep the server (their sizes are the reader's)."""
        if model not in (CUSTOM, CONFIG):
            gpu, dtype = memory.server_for(model, gpu, dtype)
        table, lines = calculate(model, gpu, dtype, context_length, average_length, layers, kv_heads, head_dim,
                                 params_b, config_text, config_file, kv_dtype, request=request)
        return {self.gpu: gpu, self.dtype: dtype, self.table: table, self.vllm: lines}


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
    def run(self, prefix_caching: bool, request: gr.Request = None, progress=gr.Progress()) -> Iterator[dict]:
        """Static padded batch vs paged continuous batching, live on the offline model; Stop acts between runs.

        While a stage runs only the table changes (it names the stage); the finished comparison fills all."""
        stages = len(live.STAGES) if prefix_caching else 2
        for done, (stage, comparison) in enumerate(live.compare_stages(load_causal_lm(),
                                                                       prefix_caching=bool(prefix_caching))):
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
        model_value, gpu_value, dtype_value, context_value, average_value = CALC_DEFAULTS
        model = gr.Dropdown([*memory.MODELS, *memory.CONFIG_PRESETS, CUSTOM, CONFIG], value=model_value,
                            label=T("paged_attention_model"), elem_id="paged-model")
        gpu = gr.Dropdown(list(memory.GPUS), value=gpu_value, label=T("paged_attention_gpu"), elem_id="paged-gpu")
        dtype = gr.Radio(list(memory.DTYPE_BYTES), value=dtype_value, label=T("paged_attention_dtype"),
                         elem_id="paged-dtype")
        # numbers without Gradio's own bounds: the handlers check them and name the field in the reader's language
        context = gr.Number(context_value, precision=0, label=T("paged_attention_context"), elem_id="paged-context")
        average = gr.Number(average_value, precision=0, label=T("paged_attention_average"))
    kv_dtype = gr.Radio(list(memory.KV_DTYPES), value="auto", label=T("paged_attention_kv_dtype"),
                        elem_id="paged-kv-dtype")
    with gr.Accordion(T("paged_attention_custom"), open=False, elem_id="paged-own-model"):
        with gr.Row():
            layers_value, kv_heads_value, head_dim_value, params_value = CUSTOM_DEFAULTS
            layers = gr.Number(layers_value, precision=0, label=T("paged_attention_layers"))
            kv_heads = gr.Number(kv_heads_value, precision=0, label=T("paged_attention_kv_heads"))
            head_dim = gr.Number(head_dim_value, precision=0, label=T("paged_attention_head_dim"))
            params_b = gr.Number(params_value, label=T("paged_attention_params"))
        with gr.Row():
            config_text = gr.Textbox("", label=T("paged_attention_config_text"), lines=6, max_lines=12, scale=3,
                                     elem_id="paged-config")
            config_file = gr.File(file_types=[".json"], type="filepath", label=T("paged_attention_config_file"),
                                  scale=1, elem_id="paged-config-file")
    calc_inputs = [model, gpu, dtype, context, average, layers, kv_heads, head_dim, params_b, config_text, config_file,
                   kv_dtype]
    linked = links.when_linked("paged_attention", linked_view, calc_inputs[:5])
    links.copy_link_row("paged_attention", dict(zip(("model", "gpu", "dtype", "context", "average"), calc_inputs)))
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
    model.select(pick.pick, calc_inputs, pick.outputs(), api_name="kv_pick_model", concurrency_id="paged_calc",
                 concurrency_limit=1)
    triggers = [gpu.select, dtype.input, context.input, average.input, layers.input, kv_heads.input, head_dim.input,
                params_b.input, kv_dtype.input, config_text.blur, config_file.change]
    gr.on(triggers, calculate, calc_inputs, [calc_table, vllm], api_name="kv_calculate",
          concurrency_id="paged_calc", concurrency_limit=1)

    gr.Markdown(T("paged_attention_race"), elem_id=SECTIONS["race"])
    with gr.Row():
        trace = gr.Dropdown(list(traces.TRACES), value=RACE_DEFAULTS["trace"], label=T("paged_attention_trace"))
        csv_file = gr.File(file_types=[".csv"], type="filepath", label=T("paged_attention_csv"))
        num_requests = gr.Number(RACE_DEFAULTS["num_requests"], precision=0, label=T("paged_attention_requests"),
                                 info=f"1 – {MAX_RACE_REQUESTS:,}", elem_id="paged-requests")
    with gr.Row():
        block = gr.Number(RACE_DEFAULTS["block_size"], precision=0, label=T("paged_attention_block"),
                          info=f"{min(SWEEP_SIZES)} – {MAX_BLOCK}", elem_id="paged-block")
        samples = gr.Number(1, precision=0, label=T("paged_attention_samples"), info=f"1 – {MAX_SAMPLES}")
        prefix = gr.Number(0, precision=0, label=T("paged_attention_prefix"), info=f"0 – {MAX_PREFIX:,}")
        race = gr.Button(T("paged_attention_run_race"), variant="primary", elem_id="paged-race")
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
    race_inputs = [model, gpu, dtype, layers, kv_heads, head_dim, params_b, trace, csv_file, num_requests, block,
                   samples, prefix, config_text, config_file]
    race_outputs = [race_table, breakdown, running, sweep, throughput, memory_plot, results, policy, snapshot,
                    usage_plot]
    race.click(simulate, race_inputs, race_outputs, api_name="kv_simulate", concurrency_id="paged_sim",
               concurrency_limit=2)
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
    event = run.click(view.run, prefix_caching, view.outputs(), api_name="kv_live", concurrency_id="paged_live",
                      concurrency_limit=1)
    stop.click(None, cancels=[event], api_visibility="private")
    if get_settings().engine_url:
        engine_section()

    # the tab opens finished: the calculator on load, the opening race (computed once), the recorded live run
    page = Context.root_block  # the app's gr.Blocks, which owns the load event
    # the link's model on the link's GPU (if it names them), computed from the link itself (opening_calculation)
    linked.then(opening_calculation, None, [calc_table, vllm], api_visibility="private", concurrency_id="paged_calc",
                concurrency_limit=1)
    page.load(opening, None, race_outputs, api_visibility="private")
    page.load(view.recorded, None, view.outputs(), api_visibility="private")
