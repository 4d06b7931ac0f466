"""Tab "Speculative decoding": plain and speculative decoding of one prompt, side by side, timed.

The two runs go one after the other (never competing for cores) through the same loop of
`playground/speculative/decoding.py`; the tab shows the speedup, why it happens (acceptance), that greedy
output is identical, where each token came from, and where the run sits on Leviathan's curve.
"""
from __future__ import annotations

import html
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from demos import links
from demos.common import ComponentView, T, Table, engine_metrics_line, labels, text, timed_turn, user_errors, wait_for_turn
from playground.core import recorded
from playground.core.engine import spec_decode_counts
from playground.core.generation import MAX_NEW_TOKENS, MAX_PROMPT_CHARS, chat_input_ids
from playground.core.models import LoadedLM, load_causal_lm
from playground.core.settings import get_settings
from playground.core.timed import TimedWork
from playground.speculative.comparison import Comparison, plain_then_speculative
from playground.speculative.config import (
    DRAFT_KINDS,
    EARLY_EXIT_LAYERS,
    MAX_DRAFT_TOKENS,
    TEMPERATURE_RANGE,
    SpeculativeConfig,
)
from playground.speculative.decoding import DecodeResult
from playground.speculative.figures import theory_figure, timeline_figure, token_pieces
from playground.speculative.presets import MODEL_PAIRS, PRESETS, make_draft

if TYPE_CHECKING:
    from torch import nn

TEXT: Table = {
    "en": {
        "speculative_tab": "Speculative decoding",
        "speculative_intro": "A cheap **draft** guesses the next γ tokens; the big **target** model checks "
            "all of them in **one** forward pass and keeps the prefix it agrees with, plus one token of "
            "its own. Greedy output is **token-identical** to plain decoding; sampling keeps the target's "
            "distribution exactly. Plain runs first, then speculative, on the same prompt.",
        "speculative_presets": "Presets", "speculative_preset_copy": "Copy / fix a paragraph",
        "speculative_preset_summarise": "Summarise", "speculative_preset_story": "Open-ended story",
        "speculative_preset_early_exit": "Cautionary: early exit",
        "speculative_prompt": "Prompt", "speculative_target": "Target model",
        "speculative_kind": "Draft", "speculative_kind_prompt_lookup": "Prompt lookup (n-gram, no model)",
        "speculative_kind_early_exit": "Early exit (target's first k layers)",
        "speculative_kind_draft_model": "Draft model (GPU presets: 1.7B→135M, Qwen 1.5B→0.5B)",
        "speculative_gamma": "Draft length γ", "speculative_layers": "Early-exit layers k",
        "speculative_adaptive": "Adaptive γ (+2 after all guesses kept, −1 after a miss; γ is the start)",
        "speculative_sample": "Sampling (off = greedy)", "speculative_temperature": "Temperature",
        "speculative_max_tokens": "Max new tokens", "speculative_seed": "Seed",
        "speculative_button": "Compare", "speculative_stop": "Stop",
        "speculative_recorded": "Recorded run ({date}, {machine}): the **Copy / fix a paragraph** preset, plain then speculative "
            "decoding with prompt lookup: **{speedup:.2f}×** the tokens per second. Press **Compare** for a live run.",
        "speculative_live": "Live run on this server, just now.",
        "speculative_plain_output": "Plain decoding", "speculative_spec_output": "Speculative decoding",
        "speculative_raw": "Raw numbers (the API's answer)",
        "speculative_explain_title": "Why it is faster, and when it is not",
        "speculative_explain": "**Why it works.** Decoding one token reads all the weights; checking 5 "
            "tokens at once reads them once too. On a GPU a pass over γ+1 positions costs almost the same "
            "as over 1, so every kept guess is nearly free. On this CPU the 49k-word output head makes a "
            "5-position pass cost about 1.35-1.6× a 1-position pass, so guesses must be right more often "
            "to pay off (the dotted curve uses that measured cost v).\n\n"
            "**Prompt lookup** guesses by finding the last few tokens earlier in the prompt and proposing "
            "what followed: free, and excellent when the answer copies the input (copy/fix ≈2-3×, "
            "summary ≈1.4×), useless for a free story (slower than plain).\n\n"
            "**Early exit** (cautionary card): the target's first k layers + its head, untrained for "
            "this, agree with the full model on only a few percent of tokens here, so it is slower. "
            "LayerSkip trains the model so its early layers can exit; without that, do not expect a win.\n\n"
            "**Draft model** needs a second model with the same vocabulary (GPU presets). Exactness: "
            "greedy keeps the longest agreeing prefix; sampling accepts a guess x with probability "
            "min(1, p(x)/q(x)) and otherwise samples norm(max(0, p − q)), which leaves the output "
            "distribution exactly p (Leviathan et al. 2023; Chen et al. 2023).",
        "speculative_legend": "Colours: <span class='spec-draft'>accepted draft token</span> "
            "<span class='spec-correction'>target's correction</span> "
            "<span class='spec-bonus'>bonus token (all guesses kept)</span> "
            "<span class='spec-target'>target token (no guess)</span>",
        "speculative_row_time": "Wall time (s)", "speculative_row_rate": "Tokens/s",
        "speculative_row_passes": "Target forward passes", "speculative_row_speedup": "Speedup (ratio of tokens/s)",
        "speculative_row_acceptance": "Acceptance (kept / guessed)",
        "speculative_row_mean": "Mean kept per round", "speculative_row_identical": "Identical output",
        "speculative_row_costs": "Measured costs (in plain steps)",
        "speculative_col_metric": "Metric", "speculative_col_plain": "Plain",
        "speculative_col_spec": "Speculative", "speculative_yes": "yes", "speculative_no": "no",
        "speculative_sampled_note": "(sampling: outputs differ by design, both follow the target)",
        "speculative_plot_timeline": "Time of each target pass: drafting vs verifying, against plain steps",
        "speculative_plot_theory": "Expected speedup against the acceptance rate α, with this run on the curve",
        "speculative_fig_timeline_title": "Per target pass: draft vs verify time",
        "speculative_fig_draft": "draft", "speculative_fig_verify": "verify (target pass)",
        "speculative_fig_plain_step": "one plain step", "speculative_fig_round": "round (target pass)",
        "speculative_fig_ms": "milliseconds", "speculative_fig_theory_title": "Expected speedup vs acceptance α",
        "speculative_fig_theory_ideal": "Leviathan: γ={gamma}, c={c:.3f}, verify = 1 step",
        "speculative_fig_theory_measured_v": "with measured verify cost v={v:.2f}",
        "speculative_fig_measured": "this run", "speculative_fig_break_even": "break-even (1×)",
        "speculative_fig_alpha": "per-token acceptance α", "speculative_fig_speedup": "speedup (× tokens/s)",
        "speculative_fig_hover": "{guessed} guessed, {kept} kept, +{tokens} tokens",
        "speculative_err_needs_pair": "{field}: the draft-model kind needs a draft model: choose a target with a "
            "draft pair ({pairs}), or use prompt lookup.",
        "speculative_contended": "⚠️ **Contended:** other visitors' model work ran during this timing, so both "
            "times are slower than on a quiet server and the speedup is less certain. Compare again when it is "
            "quieter.",
        "speculative_engine_heading": "### The serving engine's speculative decoding",
        "speculative_engine_note": "vLLM **skips speculation** for any request with a frequency or presence penalty "
            "or with logprobs: those requests decode one token at a time, and its counters do not move "
            "(vLLM `v1/spec_decode/utils.py`; vLLM issues #18902, #34497).",
        "speculative_engine_refresh": "Read the engine's counters",
        "speculative_engine_counts": "Engine `{url}` since it started: **{drafted:,.0f}** draft tokens, "
            "**{accepted:,.0f}** accepted, acceptance **{acceptance}** (`vllm:spec_decode_num_accepted_tokens` / "
            "`vllm:spec_decode_num_draft_tokens`).",
        "speculative_engine_none": "The engine at `{url}` exposes no speculative-decoding counters (no Prometheus "
            "`vllm:spec_decode_*` at `/metrics`): it is not vLLM, or it runs without a draft.",
    },
    "ja": {
        "speculative_tab": "投機的デコーディング",
        "speculative_intro": "安価な**ドラフト**が次の γ トークンを推測し、大きな**ターゲット**モデルがそれらを"
            "**1 回**の順伝播でまとめて検証して、一致した先頭部分と自分のトークン 1 つを採用します。"
            "貪欲法の出力は通常のデコーディングと**トークン単位で同一**、サンプリングでもターゲットの分布が"
            "厳密に保たれます。同じプロンプトで通常→投機的の順に実行します。",
        "speculative_presets": "プリセット", "speculative_preset_copy": "段落のコピー・修正",
        "speculative_preset_summarise": "要約", "speculative_preset_story": "自由な物語",
        "speculative_preset_early_exit": "注意例: 早期終了",
        "speculative_prompt": "プロンプト", "speculative_target": "ターゲットモデル",
        "speculative_kind": "ドラフト", "speculative_kind_prompt_lookup": "プロンプト参照（n-gram、モデル不要）",
        "speculative_kind_early_exit": "早期終了（ターゲットの最初の k 層）",
        "speculative_kind_draft_model": "ドラフトモデル（GPU 用: 1.7B→135M、Qwen 1.5B→0.5B）",
        "speculative_gamma": "ドラフト長 γ", "speculative_layers": "早期終了の層数 k",
        "speculative_adaptive": "γ を適応的に変える（全て採用で +2、外れで −1。γ は初期値）",
        "speculative_sample": "サンプリング（オフ = 貪欲法）", "speculative_temperature": "温度",
        "speculative_max_tokens": "最大新規トークン数", "speculative_seed": "シード",
        "speculative_button": "比較", "speculative_stop": "停止",
        "speculative_recorded": "記録済みの実行（{date}、{machine}）: **段落のコピー・修正** プリセットを通常のデコーディング、"
            "次にプロンプト参照による投機的デコーディングで実行し、トークン/秒は **{speedup:.2f} 倍** でした。"
            "**比較** を押すとその場で実行します。",
        "speculative_live": "このサーバーでたった今実行した結果です。",
        "speculative_plain_output": "通常のデコーディング", "speculative_spec_output": "投機的デコーディング",
        "speculative_raw": "生の数値（API の応答）",
        "speculative_explain_title": "なぜ速いのか、速くならないのはいつか",
        "speculative_explain": "**仕組み。** 1 トークンのデコードでも全重みを読みます。5 トークンをまとめて"
            "検証しても読むのは 1 回です。GPU では γ+1 位置の計算は 1 位置とほぼ同じコストなので、採用された"
            "推測はほぼ無料です。この CPU では 4.9 万語の出力層のため 5 位置の計算が 1 位置の約 1.35〜1.6 倍"
            "かかり、推測がより多く当たらないと得になりません（点線はその測定コスト v を使った曲線）。\n\n"
            "**プロンプト参照**は直前の数トークンをプロンプト中から探し、その続きを提案します。コストはゼロで、"
            "答えが入力を写す場合（コピー・修正 ≈2〜3 倍、要約 ≈1.4 倍）に非常に有効ですが、自由な物語では"
            "役に立たず通常より遅くなります。\n\n"
            "**早期終了**（注意例）: ターゲットの最初の k 層と出力層は、そのための学習なしではフルモデルと"
            "ここで数 % しか一致せず、遅くなります。LayerSkip は早い層で抜けられるように学習します。"
            "学習なしでは速くなりません。\n\n"
            "**ドラフトモデル**には同じ語彙の 2 つ目のモデルが必要です（GPU 用プリセット）。厳密性: 貪欲法は"
            "一致する最長の先頭部分を採用し、サンプリングは推測 x を確率 min(1, p(x)/q(x)) で採用し、"
            "却下時は norm(max(0, p − q)) から引き直すため、出力分布は厳密に p になります"
            "（Leviathan ら 2023、Chen ら 2023）。",
        "speculative_legend": "色: <span class='spec-draft'>採用されたドラフトトークン</span> "
            "<span class='spec-correction'>ターゲットによる訂正</span> "
            "<span class='spec-bonus'>ボーナストークン（推測を全て採用）</span> "
            "<span class='spec-target'>ターゲットのトークン（推測なし）</span>",
        "speculative_row_time": "実時間（秒）", "speculative_row_rate": "トークン/秒",
        "speculative_row_passes": "ターゲットの順伝播回数", "speculative_row_speedup": "高速化（トークン/秒の比）",
        "speculative_row_acceptance": "採用率（採用 / 推測）",
        "speculative_row_mean": "1 ラウンドあたりの平均採用数", "speculative_row_identical": "出力が同一",
        "speculative_row_costs": "測定コスト（通常 1 ステップ単位）",
        "speculative_col_metric": "指標", "speculative_col_plain": "通常",
        "speculative_col_spec": "投機的", "speculative_yes": "はい", "speculative_no": "いいえ",
        "speculative_sampled_note": "（サンプリング: 出力は異なって当然で、どちらもターゲットの分布に従います）",
        "speculative_plot_timeline": "ターゲットの順伝播ごとの時間: ドラフトと検証、通常のステップとの比較",
        "speculative_plot_theory": "採用率 α に対する期待高速化と、曲線上の今回の実行",
        "speculative_fig_timeline_title": "ターゲットの順伝播ごと: ドラフト時間と検証時間",
        "speculative_fig_draft": "ドラフト", "speculative_fig_verify": "検証（ターゲットの順伝播）",
        "speculative_fig_plain_step": "通常の 1 ステップ", "speculative_fig_round": "ラウンド（ターゲットの順伝播）",
        "speculative_fig_ms": "ミリ秒", "speculative_fig_theory_title": "採用率 α に対する期待高速化",
        "speculative_fig_theory_ideal": "Leviathan: γ={gamma}, c={c:.3f}, 検証 = 1 ステップ",
        "speculative_fig_theory_measured_v": "測定した検証コスト v={v:.2f} の場合",
        "speculative_fig_measured": "今回の実行", "speculative_fig_break_even": "損益分岐（1 倍）",
        "speculative_fig_alpha": "トークンごとの採用率 α", "speculative_fig_speedup": "高速化（トークン/秒の倍率）",
        "speculative_fig_hover": "推測 {guessed} 個、採用 {kept} 個、+{tokens} トークン",
        "speculative_err_needs_pair": "{field}: ドラフトモデル方式にはドラフトモデルが必要です。ドラフトの組がある"
            "ターゲット（{pairs}）を選ぶか、プロンプト参照を使ってください。",
        "speculative_contended": "⚠️ **競合あり:** この計測中にほかの訪問者のモデル処理が動いていたため、"
            "どちらの時間も空いているサーバーより遅く、高速化の値も確かではありません。空いているときに"
            "もう一度比較してください。",
        "speculative_engine_heading": "### サービングエンジンの投機的デコーディング",
        "speculative_engine_note": "vLLM は頻度・存在ペナルティや logprobs を指定したリクエストでは**投機を行いません**。"
            "そのリクエストは 1 トークンずつデコードされ、カウンターも増えません"
            "（vLLM `v1/spec_decode/utils.py`、vLLM issue #18902、#34497）。",
        "speculative_engine_refresh": "エンジンのカウンターを読む",
        "speculative_engine_counts": "エンジン `{url}` の起動以来: ドラフト **{drafted:,.0f}** トークン、"
            "採用 **{accepted:,.0f}**、採用率 **{acceptance}**（`vllm:spec_decode_num_accepted_tokens` / "
            "`vllm:spec_decode_num_draft_tokens`）。",
        "speculative_engine_none": "`{url}` のエンジンは投機的デコーディングのカウンターを公開していません"
            "（`/metrics` に Prometheus の `vllm:spec_decode_*` がありません）。vLLM でないか、ドラフトなしで動いています。",
    },
}
# keys built at run time, with the values they take (checked by tests/test_ui_text.py)
BUILT_KEYS = {"speculative_preset_{}": lambda: PRESETS, "speculative_kind_{}": lambda: DRAFT_KINDS}
LESSON = pathlib.Path("assets/speculative/lesson.json")  # the copy preset's run, by scripts/record_lessons.py
CSS = """<style>
.spec-out {white-space: pre-wrap; line-height: 1.7; font-size: 0.95rem}
.spec-draft {background: #c8f7c5} .spec-correction {background: #ffc9c9}
.spec-bonus {background: #c9dcff} .spec-target {background: #eeeeee}
</style>"""


def target_choices() -> list[str]:
    return list(dict.fromkeys([get_settings().preset, *MODEL_PAIRS]))


def decoded(tokenizer, result: DecodeResult) -> str:
    return tokenizer.decode(result.tokens, skip_special_tokens=True)


def coloured_html(tokenizer, result: DecodeResult, request: gr.Request | None) -> str:
    return pieces_html(token_pieces(tokenizer, result.tokens), result.origins, request)


def pieces_html(pieces: list[str], origins: list[str], request: gr.Request | None) -> str:
    """Each token's text coloured by where it came from. Model text is escaped; only our own legend
    (from TEXT) is markup."""
    spans = [f"<span class='spec-{origin}'>{html.escape(piece)}</span>" for piece, origin in zip(pieces, origins)]
    legend = text(TEXT, "speculative_legend", request)
    return CSS + f"<small>{legend}</small><div class='spec-out'>{''.join(spans)}</div>"


def stats_markdown(comparison: Comparison, sampled: bool, request: gr.Request | None) -> str:
    plain, spec = comparison.plain, comparison.speculative
    identical = text(TEXT, "speculative_yes", request) if comparison.identical else text(TEXT, "speculative_no", request)
    if sampled:
        identical += " " + text(TEXT, "speculative_sampled_note", request)
    rows = [(text(TEXT, "speculative_row_time", request), f"{plain.wall_s:.2f}", f"{spec.wall_s:.2f}"),
            (text(TEXT, "speculative_row_rate", request), f"{plain.tokens_per_s:.1f}", f"{spec.tokens_per_s:.1f}"),
            (text(TEXT, "speculative_row_passes", request), str(plain.target_passes),
             f"{spec.target_passes} (−{comparison.passes_saved})"),
            (text(TEXT, "speculative_row_speedup", request), "1.00×", f"**{comparison.speedup:.2f}×**"),
            (text(TEXT, "speculative_row_acceptance", request), "–",
             f"{spec.acceptance_rate:.1%} (α = {spec.alpha:.2f})"),
            (text(TEXT, "speculative_row_mean", request), "–", f"{comparison.mean_kept_per_round:.2f}"),
            (text(TEXT, "speculative_row_costs", request), "1",
             f"c = {comparison.draft_cost:.3f}, v = {comparison.verify_cost:.2f}"),
            (text(TEXT, "speculative_row_identical", request), "", identical)]
    header = (text(TEXT, "speculative_col_metric", request), text(TEXT, "speculative_col_plain", request),
              text(TEXT, "speculative_col_spec", request))
    return "\n".join(f"| {a} | {b} | {c} |" for a, b, c in [header, ("---", "---", "---"), *rows])


def load_models(target_id: str, draft_kind: str) -> tuple[LoadedLM, nn.Module | None]:
    """The target (one of `target_choices`, as the guard checks), and the draft model of its pair when the
    draft kind needs one."""
    try:  # a Hub-only model offline is the user's choice to change, so say so plainly
        lm = load_causal_lm(target_id)
        pair = MODEL_PAIRS.get(target_id) if draft_kind == "draft_model" else None
        return lm, load_causal_lm(pair).model if pair else None
    except RuntimeError as error:
        raise ValueError(str(error)) from error


@dataclass(frozen=True, eq=False)
class CompareView(ComponentView):
    """The components a comparison fills: its handler answers {component: value}, and Gradio leaves
    the components it does not name as they are. `timed`: the server's line for timed work."""
    plain: gr.Textbox
    speculative: gr.HTML
    stats: gr.Markdown
    timeline: gr.Plot
    theory: gr.Plot
    raw: gr.JSON
    timed: TimedWork

    @user_errors(table=TEXT)
    def compare(self, prompt: str, target_id: str, draft_kind: str, gamma: float, layers: float,
                sampled: bool, temperature: float, max_new_tokens: float, seed: float, adaptive: bool = True,
                request: gr.Request = None) -> Iterator[dict]:
        """Plain then speculative decoding as they run (`plain_then_speculative`), then the
        measured comparison: texts, stats, both figures and the raw numbers (the API's answer).

        The inputs come by name (the API's names) and become one `SpeculativeConfig`, which checks them.
        The timing waits its turn in the server's line (the stats show "3 ahead of you") and for
        other visitors' generations to stop; if some ran anyway, the result says "contended"."""
        config = SpeculativeConfig(prompt=prompt, draft_kind=draft_kind, num_draft_tokens=gamma, adaptive_draft=adaptive,
                                   early_exit_layers=layers, max_new_tokens=max_new_tokens, do_sample=sampled,
                                   temperature=temperature, seed=seed)
        lm, draft_model = load_models(target_id, config.draft_kind)
        proposer = make_draft(config, lm.model, draft_model)
        ids = chat_input_ids(lm, config.prompt)
        with timed_turn(self.timed, request) as place:
            yield from wait_for_turn(place, request, lambda message: {self.stats: message}, quiet=True)
            for event in plain_then_speculative(lm.model, proposer, ids, config):
                if isinstance(event, Comparison):
                    yield self.measured(event, lm.tokenizer, proposer.name, config.do_sample, request, place.contended)
                elif event.stage == "plain":  # a new run: the previous run's results go
                    yield {self.plain: decoded(lm.tokenizer, event.result), self.speculative: "", self.stats: "",
                           self.timeline: None, self.theory: None, self.raw: None}
                else:
                    yield {self.speculative: coloured_html(lm.tokenizer, event.result, request)}

    def measured(self, result: Comparison, tokenizer, draft_name: str, sampled: bool,
                 request: gr.Request | None, contended: bool = False) -> dict:
        """Every output of a finished comparison; `raw` is the API's answer (`contended`: see compare)."""
        return self.shown(result, decoded(tokenizer, result.plain), decoded(tokenizer, result.speculative),
                          token_pieces(tokenizer, result.speculative.tokens), draft_name, sampled, request, contended)

    def shown(self, result: Comparison, plain_text: str, speculative_text: str, pieces: list[str], draft_name: str,
              sampled: bool, request: gr.Request | None, contended: bool = False) -> dict:
        """`measured` from texts already decoded (a recorded run ships them: no tokenizer needed)."""
        figure_labels = labels(TEXT, "speculative_fig_", request)
        summary = {"plain_text": plain_text, "speculative_text": speculative_text,
                   "draft": draft_name, "gamma": result.num_draft_tokens, **result.summary(), "contended": contended}
        stats = stats_markdown(result, sampled, request)
        if contended:
            stats = text(TEXT, "speculative_contended", request) + "\n\n" + stats
        return {self.plain: plain_text, self.speculative: pieces_html(pieces, result.speculative.origins, request),
                self.stats: stats,
                self.timeline: timeline_figure(result, figure_labels), self.theory: theory_figure(result, figure_labels),
                self.raw: summary}

    def lesson(self, request: gr.Request = None) -> dict:
        """The shipped run of the copy preset (`LESSON`), shown on page load as a finished comparison."""
        data = recorded.load(LESSON)[0]
        return self.shown(recorded.rebuild(Comparison, data["comparison"]), data["plain_text"],
                          data["speculative_text"], data["pieces"], data["draft"], False, request)


def lesson_note(request: gr.Request = None) -> str:
    """Says that what the page opened with was recorded, when and where."""
    data, date, machine = recorded.load(LESSON)
    return text(TEXT, "speculative_recorded", request, date=date, machine=machine,
                speedup=recorded.rebuild(Comparison, data["comparison"]).speedup)


def live_note(request: gr.Request = None) -> str:
    return text(TEXT, "speculative_live", request)


def engine_counters(request: gr.Request = None) -> str:
    """The serving engine's drafted / accepted tokens and acceptance, or why there are none."""
    def found(metrics: dict[str, float]) -> dict | None:
        counts = spec_decode_counts(metrics)
        return counts and {"drafted": counts.drafted, "accepted": counts.accepted,
                           "acceptance": "–" if counts.acceptance is None else f"{counts.acceptance:.1%}"}
    return engine_metrics_line(TEXT, request, found, "speculative_engine_none", "speculative_engine_counts")


def engine_section() -> None:
    """The engine's own counters (when an engine is set) and what vLLM does not speculate on."""
    gr.Markdown(T("speculative_engine_heading"))
    gr.Markdown(T("speculative_engine_note"))
    if get_settings().engine_url:
        counters = gr.Markdown(elem_id="speculative-engine-counters")
        refresh = gr.Button(T("speculative_engine_refresh"), size="sm", elem_id="speculative-engine-refresh")
        gr.on([refresh.click], engine_counters, None, counters, api_name="speculative_engine")


@dataclass(frozen=True, eq=False)
class PresetControls(ComponentView):
    """The controls a preset sets, and the two hidden boxes copy link reads (`link_prompt`)."""
    prompt: gr.Textbox
    kind: gr.Radio
    gamma: gr.Slider
    adaptive: gr.Checkbox
    layers: gr.Slider
    max_tokens: gr.Slider
    sampled: gr.Checkbox
    preset_name: gr.Textbox
    own_prompt: gr.Textbox

    def preset(self, key: str) -> dict:
        """The preset `key` (a `SpeculativeConfig`) on the controls, sampling off."""
        config = PRESETS[key]
        return {self.kind: config.draft_kind, self.gamma: config.num_draft_tokens, self.adaptive: config.adaptive_draft,
                self.layers: config.early_exit_layers, self.max_tokens: config.max_new_tokens,
                self.sampled: config.do_sample, **self.prompted(config.prompt)}

    def prompted(self, prompt: str) -> dict:
        """The prompt box and what copy link carries for it."""
        name, own = link_prompt(prompt)
        return {self.prompt: prompt, self.preset_name: name, self.own_prompt: own}

    def linked(self, params: dict[str, str]) -> dict:
        """`?tab=speculative&preset=summarise&prompt=...`: a preset, then a `prompt=` of the page's length
        (what copy link writes when the prompt on screen is no preset's) in place of the preset's; the other
        controls a link names are set by `links.when_linked_controls`."""
        values = self.preset(params["preset"]) if params.get("preset") in PRESETS else {}
        own = params.get("prompt", "").strip()
        return {**values, **(self.prompted(own) if 0 < len(own) <= MAX_PROMPT_CHARS else {})}


def link_prompt(prompt: str) -> tuple[str, str]:
    """What "copy link" carries for this prompt: (the preset whose prompt it is, "") or ("", the prompt itself)."""
    name = next((key for key, preset in PRESETS.items() if preset.prompt == prompt), "")
    return (name, "") if name else ("", prompt)


def build(timed: TimedWork) -> None:
    """The tab; `timed` is the server's one line for timed work (app.build_demo makes it)."""
    gr.Markdown(T("speculative_intro"), elem_classes=links.NOTES)
    default = PRESETS["copy"]
    with gr.Row():
        gr.Markdown(T("speculative_presets"))
        preset_buttons = {key: gr.Button(T(f"speculative_preset_{key}"), size="sm",
                                         elem_id=f"speculative-preset-{key}") for key in PRESETS}
    prompt = gr.Textbox(label=T("speculative_prompt"), value=default.prompt, lines=5,
                        elem_id="speculative-prompt")
    with gr.Row():
        target = gr.Dropdown(target_choices(), value=target_choices()[0], label=T("speculative_target"))
        kind = gr.Radio([(T(f"speculative_kind_{k}"), k) for k in DRAFT_KINDS], value=default.draft_kind,
                        label=T("speculative_kind"), elem_id="speculative-kind")
    with gr.Row():
        gamma = gr.Slider(1, MAX_DRAFT_TOKENS, value=default.num_draft_tokens, step=1,
                       label=T("speculative_gamma"), elem_id="speculative-gamma")
        adaptive = gr.Checkbox(default.adaptive_draft, label=T("speculative_adaptive"),
                               elem_id="speculative-adaptive")
        layers = gr.Slider(*EARLY_EXIT_LAYERS, value=default.early_exit_layers, step=1, label=T("speculative_layers"))
        max_tokens = gr.Slider(1, MAX_NEW_TOKENS, value=default.max_new_tokens, step=1,
                            label=T("speculative_max_tokens"), elem_id="speculative-max-tokens")
    with gr.Row():
        sampled = gr.Checkbox(default.do_sample, label=T("speculative_sample"))
        temperature = gr.Slider(*TEMPERATURE_RANGE, value=default.temperature, step=0.05, label=T("speculative_temperature"))
        seed = gr.Number(default.seed, precision=0, label=T("speculative_seed"))
    with gr.Row():
        run = gr.Button(T("speculative_button"), variant="primary", elem_id="speculative-button")
        stop = gr.Button(T("speculative_stop"))
    with gr.Row():
        plain_out = gr.Textbox(label=T("speculative_plain_output"), lines=10, elem_id="speculative-plain")
        with gr.Column():
            gr.Markdown(T("speculative_spec_output"))
            spec_out = gr.HTML(elem_id="speculative-spec")
    note = gr.Markdown(elem_id="speculative-lesson-note")
    stats = gr.Markdown(elem_id="speculative-stats")
    with gr.Row():
        timeline = gr.Plot(label=T("speculative_plot_timeline"), elem_id="speculative-timeline")
        theory = gr.Plot(label=T("speculative_plot_theory"), elem_id="speculative-theory")
    with gr.Accordion(T("speculative_raw"), open=False):
        raw = gr.JSON(elem_id="speculative-raw")
    with gr.Accordion(T("speculative_explain_title"), open=False):
        gr.Markdown(T("speculative_explain"), elem_classes=links.NOTES)
    # what copy link carries: hidden boxes, not gr.State (a JS handler reads a State as null);
    # a preset's prompt goes as its name, any other prompt as itself
    preset_name = gr.Textbox("copy", visible=False, elem_id="speculative-link-preset")
    own_prompt = gr.Textbox("", visible=False, elem_id="speculative-link-prompt")
    controls = PresetControls(prompt, kind, gamma, adaptive, layers, max_tokens, sampled, preset_name, own_prompt)
    for key, button in preset_buttons.items():
        button.click(lambda key=key: controls.preset(key), None, controls.outputs(), api_visibility="private")
    prompt.change(link_prompt, prompt, [preset_name, own_prompt], api_visibility="private", queue=False)
    links.when_linked_controls("speculative", {"kind": kind, "gamma": gamma, "adaptive": adaptive, "max_tokens": max_tokens},
                               preset=controls.linked, extra=[prompt, layers, sampled, preset_name, own_prompt])
    links.copy_link_row("speculative", {"preset": preset_name, "prompt": own_prompt, "kind": kind, "gamma": gamma,
                                        "adaptive": adaptive, "max_tokens": max_tokens})
    view = CompareView(plain_out, spec_out, stats, timeline, theory, raw, timed)
    # concurrency_limit=None: every compare reaches its handler at once and waits in `timed`, which
    # shows its place and bounds the line (playground/core/timed.py)
    # by name, in the API's order of parameters
    event = run.click(view.compare, inputs_kwargs={"prompt": prompt, "target_id": target, "draft_kind": kind, "gamma": gamma,
                                                   "layers": layers, "sampled": sampled, "temperature": temperature,
                                                   "max_new_tokens": max_tokens, "seed": seed, "adaptive": adaptive},
                      outputs=view.outputs(), api_name="speculative_compare", concurrency_limit=None)
    stop.click(None, cancels=[event], api_visibility="private")
    run.click(live_note, None, note, api_visibility="private", queue=False)
    # the page opens on the shipped run of the copy preset and its speedup (a lesson without a click)
    gr.on(None, view.lesson, None, view.outputs(), api_visibility="private")
    gr.on(None, lesson_note, None, note, api_visibility="private", queue=False)
    engine_section()
