"""Tab "Sampling penalties": repetition, frequency and presence penalties, live and exact.

The same prompt and seed run without and with penalties, side by side; a step scrubber shows what
the penalties did to the next-token distribution, a sweep shows the trend, and an explainer plot
shows why the multiplicative penalty depends on where the logits sit. The math is in
`playground/penalties.py`; this module only wires widgets to it.
"""
from __future__ import annotations

from typing import Iterator

import gradio as gr

from demos.common import T, Table, lang_of, text, user_errors
from playground.generation import MAX_NEW_TOKENS, GenerationParams
from playground.models import load_causal_lm
from playground.penalties import (ADDITIVE_RANGE, CONVENTIONS, LAST_N_RANGE, REPETITION_RANGE,
                                  PenaltyConfig, explainer_data)
from playground.penalty_decoding import (SWEEP_POINTS, SWEEP_RANGES, first_changed_step,
                                         side_by_side, sweep_penalty)
from playground.penalty_figures import explainer_figure, step_figure, sweep_figure
from playground.text_metrics import highlight_repeats, text_metrics

POEM = "Write a short poem about the ocean."
EXAMPLES = [[POEM, 1.3, 0.0, 0.0, "vllm"], [POEM, 1.0, 0.8, 0.4, "vllm"],
            ["List ten fruits.", 1.3, 0.0, 0.0, "hf"],
            ["Describe a forest in three sentences.", 1.15, 0.3, 0.3, "llama.cpp"]]
FIGURE_KEYS = ("before_bar", "reason_not_penalised", "reason_prompt", "reason_output", "token_axis",
               "prob_axis", "prompt_count", "output_count", "before", "after_repetition",
               "after_frequency", "after_presence", "distinct_2", "repeated_rate", "metric_axis",
               "none", "repetition", "frequency", "presence", "curve_title", "shift_title",
               "logit_in", "logit_out")
METRIC_KEYS = ("distinct_1", "distinct_2", "distinct_3", "repeated_rate", "tokens", "eos")
STEP_COLUMNS = ("token", "prompt_count", "output_count", "before", "after_repetition",
                "after_frequency", "after_presence", "p_before", "p_after")

TEXT: Table = {
    "en": {
        "penalties_tab": "Sampling penalties",
        "penalties_intro": (
            "Penalties lower the logits *x* of tokens that already occurred (*c* = how often).\n"
            "**Repetition** (CTRL): *x / r* if *x* > 0 else *x · r*, once per seen token. "
            "**Frequency**: *x − f·c*. **Presence**: *x − p·[c > 0]*.\n\n"
            "Engines count different tokens: **vllm** (= OpenAI) repetition over prompt + output, "
            "frequency/presence over the output only; **hf** (transformers) repetition over all input "
            "ids and no frequency/presence; **llama.cpp** all three over the last N tokens, prompt "
            "included. Penalties run *before* temperature *T*, so an additive penalty acts as "
            "*f / T* afterwards. Special tokens count too: a prompt-inclusive penalty also lowers "
            "the end-of-turn token (★ in the chart)."),
        "penalties_prompt": "Prompt",
        "penalties_repetition": "Repetition penalty r (1 = off)",
        "penalties_frequency": "Frequency penalty f (0 = off)",
        "penalties_presence": "Presence penalty p (0 = off)",
        "penalties_convention": "Convention (which tokens are counted)",
        "penalties_last_n": "last N (llama.cpp only)",
        "penalties_temperature": "Temperature (0 = greedy)",
        "penalties_top_p": "Top-p",
        "penalties_seed": "Seed",
        "penalties_max_tokens": "Max new tokens",
        "penalties_button": "Generate both",
        "penalties_stop": "Stop",
        "penalties_plain": "Without penalties",
        "penalties_penalised": "With penalties",
        "penalties_repeats_note": "Highlighted: words inside a 4-gram that already occurred earlier.",
        "penalties_metrics": "Metrics",
        "penalties_scrubber": "Step scrubber: the next-token distribution at one step (with-penalties run)",
        "penalties_step": "Generation step",
        "penalties_step_table": "Logits at each stage for the shown tokens",
        "penalties_sweep_heading": "Sweep one penalty over its range (the other two off)",
        "penalties_sweep_which": "Penalty to sweep",
        "penalties_sweep_points": "Points",
        "penalties_sweep_button": "Run sweep",
        "penalties_explainer_heading": "Explainer: logit in → logit out, and shifting every logit",
        "penalties_shift": "Shift all logits of the toy distribution by",
        "penalties_before_bar": "before penalties",
        "penalties_reason_not_penalised": "after: not penalised",
        "penalties_reason_prompt": "after: penalised (in prompt only)",
        "penalties_reason_output": "after: penalised (in output, ×count)",
        "penalties_token_axis": "token (★ special, ✓ chosen)",
        "penalties_prob_axis": "probability",
        "penalties_prompt_count": "in prompt",
        "penalties_output_count": "in output",
        "penalties_before": "logit before",
        "penalties_after_repetition": "after repetition",
        "penalties_after_frequency": "after frequency",
        "penalties_after_presence": "after presence",
        "penalties_p_before": "p before",
        "penalties_p_after": "p after",
        "penalties_token": "token",
        "penalties_distinct_1": "distinct-1",
        "penalties_distinct_2": "distinct-2",
        "penalties_distinct_3": "distinct-3",
        "penalties_repeated_rate": "repeated 4-gram rate",
        "penalties_tokens": "length (tokens)",
        "penalties_eos": "end of turn reached",
        "penalties_metric": "metric",
        "penalties_metric_axis": "value (0 to 1)",
        "penalties_none": "no penalty",
        "penalties_repetition": "repetition",
        "penalties_frequency": "frequency",
        "penalties_presence": "presence",
        "penalties_curve_title": "logit in → out (token seen once)",
        "penalties_shift_title": "toy distribution, * = seen once",
        "penalties_logit_in": "logit in",
        "penalties_logit_out": "logit out",
        "penalties_step_title": "Step {step}: chose {token}. {scale}",
        "penalties_scale": "After temperature {temperature:g}, f and p act as {f:.2f} and {p:.2f}.",
        "penalties_greedy": "Greedy: probabilities at temperature 1.",
        "penalties_sweep_title": "Sweeping the {penalty} penalty",
        "penalties_sweep_axis": "{penalty} penalty",
        "penalties_yes": "yes",
        "penalties_no": "no",
    },
    "ja": {
        "penalties_tab": "サンプリングのペナルティ",
        "penalties_intro": (
            "ペナルティは、すでに出現したトークンのロジット *x* を下げます（*c* = 出現回数）。\n"
            "**繰り返し**（CTRL）: *x* > 0 なら *x / r*、それ以外は *x · r*（既出トークンに 1 回だけ）。"
            "**頻度**: *x − f·c*。**存在**: *x − p·[c > 0]*。\n\n"
            "数えるトークンはエンジンごとに違います。**vllm**（= OpenAI）は繰り返しをプロンプト＋出力、"
            "頻度・存在を出力だけで数えます。**hf**（transformers）は繰り返しを全入力で数え、頻度・存在は"
            "ありません。**llama.cpp** は 3 つとも直近 N トークン（プロンプト含む）で数えます。"
            "ペナルティは温度 *T* の *前* にかかるので、加算型は後から見ると *f / T* として効きます。"
            "特殊トークンも数えられます。プロンプトを含むペナルティはターン終了トークンも下げます"
            "（グラフの ★）。"),
        "penalties_prompt": "プロンプト",
        "penalties_repetition": "繰り返しペナルティ r（1 = なし）",
        "penalties_frequency": "頻度ペナルティ f（0 = なし）",
        "penalties_presence": "存在ペナルティ p（0 = なし）",
        "penalties_convention": "流儀（どのトークンを数えるか）",
        "penalties_last_n": "直近 N（llama.cpp のみ）",
        "penalties_temperature": "温度（0 = 貪欲法）",
        "penalties_top_p": "Top-p",
        "penalties_seed": "シード",
        "penalties_max_tokens": "最大新規トークン数",
        "penalties_button": "両方を生成",
        "penalties_stop": "停止",
        "penalties_plain": "ペナルティなし",
        "penalties_penalised": "ペナルティあり",
        "penalties_repeats_note": "強調表示: それ以前に出現した 4-gram に含まれる単語。",
        "penalties_metrics": "指標",
        "penalties_scrubber": "ステップ・スクラバー: あるステップでの次トークン分布（ペナルティありの実行）",
        "penalties_step": "生成ステップ",
        "penalties_step_table": "表示中のトークンの各段階のロジット",
        "penalties_sweep_heading": "1 つのペナルティを範囲全体で掃引（他の 2 つはオフ）",
        "penalties_sweep_which": "掃引するペナルティ",
        "penalties_sweep_points": "点の数",
        "penalties_sweep_button": "掃引を実行",
        "penalties_explainer_heading": "解説: ロジットの入力 → 出力と、全ロジットのシフト",
        "penalties_shift": "おもちゃの分布の全ロジットをずらす量",
        "penalties_before_bar": "ペナルティ前",
        "penalties_reason_not_penalised": "後: ペナルティなし",
        "penalties_reason_prompt": "後: ペナルティあり（プロンプトのみに出現）",
        "penalties_reason_output": "後: ペナルティあり（出力に出現、×回数）",
        "penalties_token_axis": "トークン（★ 特殊、✓ 選択）",
        "penalties_prob_axis": "確率",
        "penalties_prompt_count": "プロンプト内",
        "penalties_output_count": "出力内",
        "penalties_before": "ペナルティ前のロジット",
        "penalties_after_repetition": "繰り返し後",
        "penalties_after_frequency": "頻度後",
        "penalties_after_presence": "存在後",
        "penalties_p_before": "前の確率",
        "penalties_p_after": "後の確率",
        "penalties_token": "トークン",
        "penalties_distinct_1": "distinct-1",
        "penalties_distinct_2": "distinct-2",
        "penalties_distinct_3": "distinct-3",
        "penalties_repeated_rate": "4-gram の繰り返し率",
        "penalties_tokens": "長さ（トークン）",
        "penalties_eos": "ターン終了に到達",
        "penalties_metric": "指標",
        "penalties_metric_axis": "値（0〜1）",
        "penalties_none": "ペナルティなし",
        "penalties_repetition": "繰り返し",
        "penalties_frequency": "頻度",
        "penalties_presence": "存在",
        "penalties_curve_title": "ロジット入力 → 出力（1 回出現したトークン）",
        "penalties_shift_title": "おもちゃの分布（* = 1 回出現）",
        "penalties_logit_in": "入力ロジット",
        "penalties_logit_out": "出力ロジット",
        "penalties_step_title": "ステップ {step}: {token} を選択。{scale}",
        "penalties_scale": "温度 {temperature:g} の後、f と p は {f:.2f} と {p:.2f} として効きます。",
        "penalties_greedy": "貪欲法: 温度 1 での確率。",
        "penalties_sweep_title": "{penalty}ペナルティの掃引",
        "penalties_sweep_axis": "{penalty}ペナルティ",
        "penalties_yes": "はい",
        "penalties_no": "いいえ",
    },
}
DEFAULT = PenaltyConfig(repetition_penalty=1.3)
DEFAULT_PARAMS = GenerationParams()


def as_html(model_text: str) -> str:
    """Escaped model text with repeats marked, keeping its line breaks."""
    return f'<div style="white-space: pre-wrap">{highlight_repeats(model_text)}</div>'


def words(request: gr.Request | None, keys: tuple[str, ...] = FIGURE_KEYS) -> dict[str, str]:
    return {key: text(TEXT, f"penalties_{key}", request) for key in keys}


def metrics_table(plain, penalised, request) -> list[list]:
    yes, no = text(TEXT, "penalties_yes", request), text(TEXT, "penalties_no", request)
    columns = [text_metrics(run.text, len(run.new_ids), run.eos_reached) for run in (plain, penalised)]
    fields = ("distinct_1", "distinct_2", "distinct_3", "repeated_ngram_rate", "tokens", "eos_reached")
    rows = []
    for key, field in zip(METRIC_KEYS, fields):
        values = [getattr(m, field) for m in columns]
        values = [(yes if v else no) if isinstance(v, bool) else round(v, 3) for v in values]
        rows.append([text(TEXT, f"penalties_{key}", request), *values])
    return rows


def step_view(state: dict | None, step: float, request: gr.Request | None = None):
    """The scrubber: one step's chart and stage-by-stage table from the stored trace."""
    if not state or not state["run"].steps:
        return gr.skip(), gr.skip()
    run, params = state["run"], state["params"]
    trace = run.steps[min(int(step), len(run.steps) - 1)]
    if params.temperature:
        scale = text(TEXT, "penalties_scale", request, temperature=params.temperature,
                     f=state["config"].frequency_penalty / params.temperature,
                     p=state["config"].presence_penalty / params.temperature)
    else:
        scale = text(TEXT, "penalties_greedy", request)
    chosen = trace.labels[trace.token_ids.index(trace.chosen_id)]
    figure_words = {**words(request), "step_title": text(TEXT, "penalties_step_title", request,
                                                         step=trace.step, token=chosen, scale=scale)}
    stages = [trace.logits[name] for name in STEP_COLUMNS[3:7]]
    rows = [[label, pc, oc, *(round(s[i], 3) for s in stages), round(pb, 4), round(pa, 4)]
            for i, (label, pc, oc, pb, pa) in enumerate(zip(trace.labels, trace.prompt_counts,
                                                            trace.output_counts, trace.prob_before,
                                                            trace.prob_after))]
    headers = [text(TEXT, f"penalties_{key}", request) for key in STEP_COLUMNS]
    return step_figure(trace, figure_words), gr.Dataframe(value=rows, headers=headers)


@user_errors
def generate(prompt: str, repetition: float, frequency: float, presence: float, convention: str,
             last_n: float, temperature: float, top_p: float, seed: float, max_new_tokens: float,
             request: gr.Request = None) -> Iterator[tuple]:
    config = PenaltyConfig.from_ui(repetition, frequency, presence, convention, last_n)
    params = GenerationParams.from_ui(max_new_tokens, temperature, top_p, seed)
    lm = load_causal_lm()
    skip = (gr.skip(),) * 5
    for plain, penalised in side_by_side(lm, prompt, config, params):
        yield (as_html(plain.text), as_html(penalised.text)) + skip
    state = {"run": penalised, "params": params, "config": config}
    step = first_changed_step(penalised)
    slider = gr.Slider(minimum=0, maximum=max(len(penalised.steps) - 1, 1), value=step)
    yield (as_html(plain.text), as_html(penalised.text), metrics_table(plain, penalised, request), slider,
           *step_view(state, step, request), state)


@user_errors
def sweep(prompt: str, penalty: str, points: float, convention: str, last_n: float,
          temperature: float, top_p: float, seed: float, max_new_tokens: float,
          request: gr.Request = None, progress=gr.Progress()):
    base = PenaltyConfig.from_ui(1.0, 0.0, 0.0, convention, last_n)
    params = GenerationParams.from_ui(max_new_tokens, temperature, top_p, seed)
    if points is None or float(points) != int(float(points)):
        raise ValueError(f"sweep points must be a whole number, got {points!r}.")
    name = text(TEXT, f"penalties_{penalty.removesuffix('_penalty')}", request) \
        if penalty in SWEEP_RANGES else penalty
    figure_words = {**words(request), "sweep_title": text(TEXT, "penalties_sweep_title", request, penalty=name),
                    "sweep_axis": text(TEXT, "penalties_sweep_axis", request, penalty=name)}
    done = []
    progress((0, int(points)))
    for point in sweep_penalty(load_causal_lm(), prompt, penalty, int(points), base, params):
        done.append(point)
        progress((len(done), int(points)))
        yield sweep_figure(done, figure_words)


@user_errors
def explain(repetition: float, frequency: float, presence: float, shift: float,
            request: gr.Request = None):
    data = explainer_data(PenaltyConfig.from_ui(repetition, frequency, presence, "vllm", 64), shift)
    return explainer_figure(data["logits"], data["curves"], data["token_names"], data["shift_probs"],
                            words(request))


def build() -> None:
    gr.Markdown(T("penalties_intro"))
    prompt = gr.Textbox(label=T("penalties_prompt"), value=POEM, lines=2, elem_id="penalties-prompt")
    with gr.Row():
        repetition = gr.Slider(*REPETITION_RANGE, value=DEFAULT.repetition_penalty, step=0.05,
                               label=T("penalties_repetition"), elem_id="penalties-repetition")
        frequency = gr.Slider(*ADDITIVE_RANGE, value=DEFAULT.frequency_penalty, step=0.05,
                              label=T("penalties_frequency"), elem_id="penalties-frequency")
        presence = gr.Slider(*ADDITIVE_RANGE, value=DEFAULT.presence_penalty, step=0.05,
                             label=T("penalties_presence"), elem_id="penalties-presence")
    with gr.Row():
        convention = gr.Radio(list(CONVENTIONS), value=DEFAULT.convention, label=T("penalties_convention"))
        last_n = gr.Slider(*LAST_N_RANGE, value=DEFAULT.last_n, step=1, label=T("penalties_last_n"))
        temperature = gr.Slider(0.0, 2.0, value=DEFAULT_PARAMS.temperature, step=0.05,
                                label=T("penalties_temperature"))
        top_p = gr.Slider(0.05, 1.0, value=DEFAULT_PARAMS.top_p, step=0.05, label=T("penalties_top_p"))
        seed = gr.Number(value=DEFAULT_PARAMS.seed, precision=0, label=T("penalties_seed"))
        max_tokens = gr.Slider(1, MAX_NEW_TOKENS, value=DEFAULT_PARAMS.max_new_tokens, step=1,
                               label=T("penalties_max_tokens"), elem_id="penalties-max-tokens")
    gr.Examples(EXAMPLES, [prompt, repetition, frequency, presence, convention])
    with gr.Row():
        run = gr.Button(T("penalties_button"), variant="primary", elem_id="penalties-button")
        stop = gr.Button(T("penalties_stop"))
    gr.Markdown(T("penalties_repeats_note"))
    with gr.Row():
        plain = gr.HTML(label=T("penalties_plain"), show_label=True, container=True,
                        elem_id="penalties-plain")
        penalised = gr.HTML(label=T("penalties_penalised"), show_label=True, container=True,
                            elem_id="penalties-penalised")
    metrics = gr.Dataframe(label=T("penalties_metrics"), interactive=False, elem_id="penalties-metrics")
    gr.Markdown(T("penalties_scrubber"))
    step = gr.Slider(0, 1, value=0, step=1, label=T("penalties_step"), elem_id="penalties-step")
    step_plot = gr.Plot(elem_id="penalties-step-plot")
    step_table = gr.Dataframe(label=T("penalties_step_table"), interactive=False)
    state = gr.State()
    inputs = [prompt, repetition, frequency, presence, convention, last_n, temperature, top_p, seed,
              max_tokens]
    event = run.click(generate, inputs, [plain, penalised, metrics, step, step_plot, step_table, state],
                      api_name="penalties_generate", concurrency_id="llm", concurrency_limit=2)
    stop.click(None, cancels=[event], api_visibility="private")
    step.release(step_view, [state, step], [step_plot, step_table], api_visibility="private")

    gr.Markdown(T("penalties_sweep_heading"))
    with gr.Row():
        which = gr.Radio([(T(f"penalties_{name.removesuffix('_penalty')}"), name) for name in SWEEP_RANGES],
                         value="repetition_penalty", label=T("penalties_sweep_which"))
        points = gr.Slider(*SWEEP_POINTS, value=5, step=1, label=T("penalties_sweep_points"))
        sweep_button = gr.Button(T("penalties_sweep_button"), elem_id="penalties-sweep-button")
    sweep_plot = gr.Plot(elem_id="penalties-sweep-plot")
    sweep_button.click(sweep, [prompt, which, points, convention, last_n, temperature, top_p, seed,
                               max_tokens], sweep_plot, api_name="penalties_sweep",
                       concurrency_id="llm", concurrency_limit=2)

    gr.Markdown(T("penalties_explainer_heading"))
    shift = gr.Slider(-6.0, 6.0, value=0.0, step=0.5, label=T("penalties_shift"))
    explainer_inputs = [repetition, frequency, presence, shift]
    explainer_plot = gr.Plot(value=explain, inputs=explainer_inputs, elem_id="penalties-explainer-plot")
    for slider in explainer_inputs:
        slider.change(explain, explainer_inputs, explainer_plot, api_visibility="private")
