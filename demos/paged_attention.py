"""Tab "PagedAttention": where the KV-cache memory of LLM serving goes, and what paging it saves.

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
from gradio.context import Context

from demos import links
from demos.common import ComponentView, T, Table, engine_metrics_line, labels, text, user_errors
from demos.fields import Slider, field_label
from playground.core.engine import kv_usage
from playground.core.generation import is_whole_number
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.paged_attention import figures, live, memory, recorded, simulator, traces
from playground.paged_attention.simulator import KvSimResult

CUSTOM = "custom"
TEXT: Table = {
    "en": {
        "paged_attention_tab": "PagedAttention",
        "paged_attention_intro": "Every running request keeps a **KV cache**: a key and a value vector per layer and "
            "KV head for each of its tokens. Systems before vLLM reserved it contiguously for the maximum length and "
            "wasted most of it; **PagedAttention** (Kwon et al., SOSP 2023) stores it in 16-token blocks allocated on "
            "demand, so almost nothing is wasted and more requests run at once.",
        "paged_attention_calc": "### 1. Calculator", "paged_attention_model": "Model", "paged_attention_gpu": "GPU",
        "paged_attention_dtype": "Data type (weights and KV)", "paged_attention_context": "Context length (tokens)",
        "paged_attention_average": "Average request length (tokens)",
        "paged_attention_custom": "Your own model (choose 'custom' above)",
        "paged_attention_layers": "Layers", "paged_attention_kv_heads": "KV heads",
        "paged_attention_head_dim": "Head size", "paged_attention_params": "Parameters (billions)",
        "paged_attention_vllm": "What vLLM would print",
        "paged_attention_formula": "2 × {layers} layers × {heads} KV heads × {head_dim} × {size} B = {total:,} B/token",
        "paged_attention_calc_result": "**KV bytes per token** = {formula}\n\n"
            "| | |\n|---|---|\n| weights | {weights:.1f} GiB |\n| KV budget (0.9 × {memory} GiB − weights) | "
            "{budget:.1f} GiB |\n| tokens that fit | {tokens:,} |\n| requests of {context:,} tokens (reserved for the "
            "maximum) | {max_requests:,} |\n| requests of {average:,} tokens (allocated on demand) | {avg_requests:,} |",
        "paged_attention_race": "### 2. Allocator race\nThe same requests (all arriving at once) served under five "
            "policies, one token per sequence per step, on the model and GPU chosen above. Shares are averaged over "
            "the steps in which requests wait for memory.",
        "paged_attention_trace": "Trace", "paged_attention_csv": "Or upload a CSV: prompt,output token counts",
        "paged_attention_requests": "Requests", "paged_attention_block": "Block size (paged)",
        "paged_attention_samples": "Parallel samples per request", "paged_attention_prefix": "Shared system prefix (tokens)",
        "paged_attention_run_race": "Run the race", "paged_attention_map_policy": "Memory map of",
        "paged_attention_map_step": "Snapshot",
        "paged_attention_race_table": "| policy | token states | mean running | preemptions | est. tokens/s |\n"
            "|---|---|---|---|---|\n{rows}\n\nThroughput is a **roofline estimate** (each step reads the weights and "
            "the live KV once from memory), not a measurement.",
        "paged_attention_live": "### 3. Live paged run\nThe same 8 requests (4 to 96 new tokens) on SmolLM2-135M on "
            "this CPU: a static padded batch through `generate`, then transformers' continuous batching with "
            "16-token pages. Greedy decoding, so the answers must be identical.",
        "paged_attention_prefix_caching": "Also: a long shared system prompt, prefix caching on vs off (~40 s more)",
        "paged_attention_run_live": "Run live (~30-60 s)", "paged_attention_stop": "Stop",
        "paged_attention_recorded": "Recorded run ({date}, {machine}). Press **Run live** for a fresh one.",
        "paged_attention_fresh": "Live run on this server, just now.",
        "paged_attention_live_table": "{source}\n\n| | static batch | paged |\n|---|---|---|\n"
            "| wall time | {s_sec:.1f} s | {p_sec:.1f} s |\n| tokens/s | {s_tps:.1f} | {p_tps:.1f} |\n"
            "| mean completion time | {s_done:.1f} s | {p_done:.1f} s |\n| peak KV | {s_kv:.1f} MiB | {p_kv:.1f} MiB |\n\n"
            "Outputs identical: **{identical}**.{prefix}",
        "paged_attention_prefix_line": "\n\nShared system prompt of {tokens} tokens: CPU time {on:.1f} s with prefix "
            "caching, {off:.1f} s without ({ratio:.1f}× less).",
        "paged_attention_answers": "Answers (paged run)",
        "paged_attention_err_whole": "{field} must be a whole number from {low:,} to {high:,} (got {value}).",
        "paged_attention_err_number": "{field} must be a number from {low:g} to {high:g} (got {value}).",
        "paged_attention_err_choice": "{field} must be one of {allowed} (got {value}).",
        "paged_attention_err_positive": "{field} must be a positive number (got {value}).",
        "paged_attention_err_weights": "The weights of {model} in {dtype} ({weights:.1f} GiB) do not fit in "
            "{share:.0%} of {gpu} ({memory} GiB): choose a larger GPU or a smaller data type.",
        "paged_attention_err_never_fits": "Request {request} ({prompt} prompt + {output} output tokens, {samples} "
            "sample(s)) never fits in the KV cache of {capacity:,} tokens: choose a larger GPU, a smaller model or "
            "data type, or fewer samples.",
        "paged_attention_err_csv_columns": "CSV row {row} needs two columns, prompt tokens and output tokens "
            "(got '{value}').",
        "paged_attention_engine": "### 4. The serving engine's KV cache, live",
        "paged_attention_engine_refresh": "Read the engine's KV usage",
        "paged_attention_engine_usage": "Engine `{url}`: KV cache **{usage:.1%}** in use · **{running:,.0f}** "
            "requests running · **{waiting:,.0f}** waiting · **{preemptions:,.0f}** preemptions since it started "
            "(`vllm:kv_cache_usage_perc`, `vllm:num_requests_running` / `_waiting`, `vllm:num_preemptions`).",
        "paged_attention_engine_none": "KV usage is not exposed by the engine at `{url}` (no Prometheus "
            "`vllm:kv_cache_usage_perc` at `/metrics`): it is not vLLM.",
        "paged_attention_err_csv_number": "CSV row {row}: {column} must be a whole number of tokens (got '{value}').",
        "paged_attention_err_csv_length": "CSV row {row}: lengths must be at least 1 with prompt + output at most "
            "{high:,} (got prompt {prompt}, output {output}).",
        "paged_attention_err_csv_many": "The CSV may hold at most {high:,} requests.",
        "paged_attention_err_csv_empty": "The CSV holds no requests: expected rows of prompt,output token counts.",
        "paged_attention_opening": "Opening race: {requests:,} ShareGPT-like requests, LLaMA-13B on A100-40GB, "
            "block size 16, computed once when the server started.",
        "paged_attention_yes": "yes", "paged_attention_no": "no",
        "paged_attention_plot_breakdown": "Where the KV capacity goes, per allocator policy",
        "paged_attention_plot_throughput": "Estimated throughput per allocator policy",
        "paged_attention_plot_map": "Memory map: which request holds each KV block at one step",
        "paged_attention_plot_running": "Running sequences at each step, per policy",
        "paged_attention_plot_sweep": "Paged: share of KV capacity holding tokens, and throughput, by block size",
        "paged_attention_plot_gantt": "Request lifetimes: static batch vs paged continuous batching",
        "paged_attention_plot_slots": "KV token slots reserved vs used",
        "paged_attention_stage_static": "Static padded batch through generate()…",
        "paged_attention_stage_paged": "Paged continuous batching…",
        "paged_attention_stage_prefix_on": "Shared system prompt, prefix caching on…",
        "paged_attention_stage_prefix_off": "Shared system prompt, prefix caching off…",
        "paged_attention_stage_sweep": "Block sizes…",
        **{f"paged_attention_fig_{key}": value for key, value in {
            "policy_ft": "FasterTransformer", "policy_max": "Orca (Max)", "policy_pow2": "Orca (Pow2)",
            "policy_oracle": "Orca (Oracle)", "policy_paged": "vLLM (paged)", "cat_token": "token states",
            "cat_reserved": "reserved", "cat_internal": "internal fragmentation",
            "cat_external": "external fragmentation", "cat_free": "free", "share": "% of KV capacity",
            "breakdown": "Where the KV capacity goes", "memory_map": "Memory map", "running": "Running sequences",
            "step": "step", "sequences": "sequences", "block_size": "block size (tokens)",
            "sweep": "Paged: block size", "throughput": "Throughput (estimate)", "tokens_per_s": "tokens/s",
            "gantt": "Request lifetimes", "request": "request", "seconds": "seconds", "static": "static padded batch",
            "paged": "paged continuous batching", "kv_slots": "KV slots: reserved vs used", "slots": "token slots",
        }.items()},
    },
    "ja": {
        "paged_attention_tab": "PagedAttention",
        "paged_attention_intro": "実行中のリクエストはそれぞれ **KV キャッシュ**（トークンごと・層ごと・KV ヘッドごとのキーと"
            "値のベクトル）を持ちます。vLLM 以前のシステムはこれを最大長ぶん連続して予約し、大半を無駄にしていました。"
            "**PagedAttention**（Kwon ら、SOSP 2023）は 16 トークンのブロックに必要なときだけ割り当てるので、"
            "無駄はほとんどなく、より多くのリクエストを同時に処理できます。",
        "paged_attention_calc": "### 1. 計算機", "paged_attention_model": "モデル", "paged_attention_gpu": "GPU",
        "paged_attention_dtype": "データ型（重みと KV）", "paged_attention_context": "コンテキスト長（トークン）",
        "paged_attention_average": "リクエストの平均長（トークン）",
        "paged_attention_custom": "独自のモデル（上で 'custom' を選択）",
        "paged_attention_layers": "層数", "paged_attention_kv_heads": "KV ヘッド数",
        "paged_attention_head_dim": "ヘッドの次元", "paged_attention_params": "パラメータ数（10 億）",
        "paged_attention_vllm": "vLLM が表示する行",
        "paged_attention_formula": "2 × {layers} 層 × {heads} KV ヘッド × {head_dim} × {size} B = {total:,} B/トークン",
        "paged_attention_calc_result": "**トークンあたりの KV バイト数** = {formula}\n\n"
            "| | |\n|---|---|\n| 重み | {weights:.1f} GiB |\n| KV 予算（0.9 × {memory} GiB − 重み） | {budget:.1f} GiB |\n"
            "| 入るトークン数 | {tokens:,} |\n| {context:,} トークンのリクエスト（最大長で予約） | {max_requests:,} |\n"
            "| {average:,} トークンのリクエスト（必要時に割り当て） | {avg_requests:,} |",
        "paged_attention_race": "### 2. アロケータ競争\n同じリクエスト群（一斉に到着）を 5 つの方式で処理します。"
            "1 ステップで各系列が 1 トークン生成し、モデルと GPU は上で選んだものです。割合はメモリ待ちの"
            "リクエストがあるステップで平均しています。",
        "paged_attention_trace": "トレース", "paged_attention_csv": "または CSV をアップロード: prompt,output のトークン数",
        "paged_attention_requests": "リクエスト数", "paged_attention_block": "ブロックサイズ（paged）",
        "paged_attention_samples": "リクエストあたりの並列サンプル数", "paged_attention_prefix": "共有システムプレフィックス（トークン）",  # noqa: E501
        "paged_attention_run_race": "競争を実行", "paged_attention_map_policy": "メモリマップの方式",
        "paged_attention_map_step": "スナップショット",
        "paged_attention_race_table": "| 方式 | トークン状態 | 平均実行数 | プリエンプション | 推定トークン/秒 |\n"
            "|---|---|---|---|---|\n{rows}\n\nスループットは**ルーフライン推定**（各ステップで重みと使用中の KV を"
            "メモリから 1 回読む）であり、実測ではありません。",
        "paged_attention_live": "### 3. ページングの実演\n同じ 8 件のリクエスト（新規トークン 4〜96）を、この CPU 上の "
            "SmolLM2-135M で処理します。`generate` による静的なパディング付きバッチと、16 トークンのページを使う "
            "transformers の連続バッチングです。貪欲デコードなので答えは同一のはずです。",
        "paged_attention_prefix_caching": "長い共有システムプロンプトでプレフィックスキャッシュのオン/オフも比較（約 40 秒追加）",
        "paged_attention_run_live": "実行（約 30〜60 秒）", "paged_attention_stop": "停止",
        "paged_attention_recorded": "記録済みの実行（{date}、{machine}）。**実行** を押すと新しく実行します。",
        "paged_attention_fresh": "このサーバーでたった今実行した結果です。",
        "paged_attention_live_table": "{source}\n\n| | 静的バッチ | paged |\n|---|---|---|\n"
            "| 経過時間 | {s_sec:.1f} 秒 | {p_sec:.1f} 秒 |\n| トークン/秒 | {s_tps:.1f} | {p_tps:.1f} |\n"
            "| 平均完了時間 | {s_done:.1f} 秒 | {p_done:.1f} 秒 |\n| KV のピーク | {s_kv:.1f} MiB | {p_kv:.1f} MiB |\n\n"
            "出力は同一: **{identical}**。{prefix}",
        "paged_attention_prefix_line": "\n\n{tokens} トークンの共有システムプロンプト: CPU 時間はプレフィックスキャッシュ"
            "ありで {on:.1f} 秒、なしで {off:.1f} 秒（{ratio:.1f} 分の 1）。",
        "paged_attention_answers": "回答（paged の実行）",
        "paged_attention_err_whole": "{field} は {low:,} から {high:,} の整数で指定してください（入力値: {value}）。",
        "paged_attention_err_number": "{field} は {low:g} から {high:g} の数で指定してください（入力値: {value}）。",
        "paged_attention_err_choice": "{field} は {allowed} のいずれかを指定してください（入力値: {value}）。",
        "paged_attention_err_positive": "{field} は正の数で指定してください（入力値: {value}）。",
        "paged_attention_err_weights": "{model} の {dtype} の重み（{weights:.1f} GiB）が {gpu}（{memory} GiB）の "
            "{share:.0%} に収まりません。より大きな GPU か小さいデータ型を選んでください。",
        "paged_attention_err_never_fits": "リクエスト {request}（プロンプト {prompt} + 出力 {output} トークン、サンプル "
            "{samples} 個）は {capacity:,} トークンの KV キャッシュに収まりません。より大きな GPU、小さいモデルや"
            "データ型、または少ないサンプル数を選んでください。",
        "paged_attention_err_csv_columns": "CSV の {row} 行目にはプロンプトと出力のトークン数の 2 列が必要です"
            "（入力: '{value}'）。",
        "paged_attention_engine": "### 4. サービングエンジンの KV キャッシュ（ライブ）",
        "paged_attention_engine_refresh": "エンジンの KV 使用量を読む",
        "paged_attention_engine_usage": "エンジン `{url}`: KV キャッシュ使用率 **{usage:.1%}** · 実行中 **{running:,.0f}** 件 · "
            "待機 **{waiting:,.0f}** 件 · 起動以来のプリエンプション **{preemptions:,.0f}** 回"
            "（`vllm:kv_cache_usage_perc`、`vllm:num_requests_running` / `_waiting`、`vllm:num_preemptions`）。",
        "paged_attention_engine_none": "`{url}` のエンジンは KV 使用量を公開していません（`/metrics` に Prometheus の "
            "`vllm:kv_cache_usage_perc` がありません）。vLLM ではありません。",
        "paged_attention_err_csv_number": "CSV の {row} 行目: {column} はトークン数（整数）で指定してください"
            "（入力: '{value}'）。",
        "paged_attention_err_csv_length": "CSV の {row} 行目: 長さは 1 以上、プロンプト + 出力は {high:,} 以下に"
            "してください（入力: プロンプト {prompt}、出力 {output}）。",
        "paged_attention_err_csv_many": "CSV に入れられるリクエストは {high:,} 件までです。",
        "paged_attention_err_csv_empty": "CSV にリクエストがありません。prompt,output のトークン数の行が必要です。",
        "paged_attention_opening": "最初の競争: ShareGPT 風の {requests:,} リクエスト、A100-40GB 上の LLaMA-13B、"
            "ブロックサイズ 16。サーバー起動時に一度だけ計算しました。",
        "paged_attention_yes": "はい", "paged_attention_no": "いいえ",
        "paged_attention_plot_breakdown": "方式ごとの KV 容量の使われ方",
        "paged_attention_plot_throughput": "方式ごとの推定スループット",
        "paged_attention_plot_map": "メモリマップ: あるステップで各 KV ブロックを持つリクエスト",
        "paged_attention_plot_running": "方式ごとの各ステップで実行中の系列数",
        "paged_attention_plot_sweep": "paged: ブロックサイズごとのトークンが占める KV 容量の割合とスループット",
        "paged_attention_plot_gantt": "リクエストの生存期間: 静的バッチと paged 連続バッチング",
        "paged_attention_plot_slots": "KV トークンスロット: 予約と使用",
        "paged_attention_stage_static": "generate() による静的パディングバッチ…",
        "paged_attention_stage_paged": "paged 連続バッチング…",
        "paged_attention_stage_prefix_on": "共有システムプロンプト、プレフィックスキャッシュあり…",
        "paged_attention_stage_prefix_off": "共有システムプロンプト、プレフィックスキャッシュなし…",
        "paged_attention_stage_sweep": "ブロックサイズ…",
        **{f"paged_attention_fig_{key}": value for key, value in {
            "policy_ft": "FasterTransformer", "policy_max": "Orca (Max)", "policy_pow2": "Orca (Pow2)",
            "policy_oracle": "Orca (Oracle)", "policy_paged": "vLLM（paged）", "cat_token": "トークン状態",
            "cat_reserved": "予約済み", "cat_internal": "内部断片化", "cat_external": "外部断片化", "cat_free": "空き",
            "share": "KV 容量の %", "breakdown": "KV 容量の使われ方", "memory_map": "メモリマップ",
            "running": "実行中の系列数", "step": "ステップ", "sequences": "系列数", "block_size": "ブロックサイズ（トークン）",
            "sweep": "paged: ブロックサイズ", "throughput": "スループット（推定）", "tokens_per_s": "トークン/秒",
            "gantt": "リクエストの生存期間", "request": "リクエスト", "seconds": "秒", "static": "静的パディングバッチ",
            "paged": "paged 連続バッチング", "kv_slots": "KV スロット: 予約 vs 使用", "slots": "トークンスロット",
        }.items()},
    },
}
BUILT_KEYS = {"paged_attention_stage_{}": lambda: live.STAGES}
DEFAULT_MODEL, DEFAULT_GPU, DEFAULT_DTYPE = "llama-13b", "a100-40gb", "fp16"
CALC_DEFAULTS = (DEFAULT_MODEL, DEFAULT_GPU, DEFAULT_DTYPE, 2048, 500)  # model, GPU, dtype, context, average
CUSTOM_DEFAULTS = (32, 8, 128, 8.0)  # a custom model's layers, KV heads, head size, billions of parameters
RACE_DEFAULTS = {"trace": "sharegpt", "num_requests": 1000, "block_size": 16}
SWEEP_SIZES = (8, 16, 32, 64, 128, 256)
SWEEP_REQUESTS = 300  # the block-size sweep runs six simulations; fewer requests keep it near a second
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


def _model(model: str, layers: float, kv_heads: float, head_dim: float, params_b: float,
           request: gr.Request | None) -> str | memory.ModelPreset:
    if model != CUSTOM:
        return model
    if isinstance(params_b, bool) or not isinstance(params_b, (int, float)) or not 0.001 <= params_b <= 2000:
        raise ValueError(text(TEXT, "paged_attention_err_number", request, low=0.001, high=2000, value=params_b,
                              field=text(TEXT, "paged_attention_params", request)))
    return memory.ModelPreset(
        CUSTOM, _whole(layers, text(TEXT, "paged_attention_layers", request), 1, 1000, request),
        _whole(kv_heads, text(TEXT, "paged_attention_kv_heads", request), 1, 1000, request),
        _whole(head_dim, text(TEXT, "paged_attention_head_dim", request), 1, 4096, request),
        float(params_b) * 1e9, memory.MAX_CONTEXT)


@user_errors(table=TEXT)
def calculate(model: str, gpu: str, dtype: str, context_length: float, average_length: float, layers: float,
              kv_heads: float, head_dim: float, params_b: float, request: gr.Request = None) -> tuple[str, str]:
    """Bytes per token, tokens that fit and vLLM's start-up lines for one model on one GPU."""
    context = _whole(context_length, text(TEXT, "paged_attention_context", request), 1, memory.MAX_CONTEXT, request)
    average = _whole(average_length, text(TEXT, "paged_attention_average", request), 1, memory.MAX_CONTEXT, request)
    result = memory.kv_capacity(_model(model, layers, kv_heads, head_dim, params_b, request), gpu, dtype, context,
                                average)
    preset = result.model
    formula = text(TEXT, "paged_attention_formula", request, layers=preset.num_layers, heads=preset.num_kv_heads,
                   head_dim=preset.head_dim, size=memory.DTYPE_BYTES[dtype], total=result.bytes_per_token)
    table = text(TEXT, "paged_attention_calc_result", request, formula=formula,
                 weights=result.weight_bytes / memory.GIB, memory=result.gpu.memory_gib,
                 budget=result.kv_budget_bytes / memory.GIB, tokens=result.tokens_fit, context=result.context_length,
                 max_requests=result.max_length_requests, average=result.average_length,
                 avg_requests=result.average_length_requests)
    return table, result.vllm_lines


def _trace(trace: str, csv_path: str | None) -> str | traces.Trace:
    if csv_path:
        with open(csv_path, encoding="utf-8", errors="replace") as file:
            return traces.trace_from_csv(file.read())
    return trace


def race_views(results: dict[str, KvSimResult], sweep: dict[int, KvSimResult], note: str,
               request: gr.Request | None) -> tuple:
    """Every output of the race section from finished simulations (nothing is recomputed)."""
    names = fig_labels(request)
    rows = "\n".join(f"| {names[f'policy_{p}']} | {100 * r.token_state_share:.1f} % | {r.mean_running:.1f} | "
                     f"{r.preemptions:,} | {r.tokens_per_second:,.0f} |" for p, r in results.items())
    paged = results["paged"]
    middle = len(paged.snapshots) // 2
    return (note + text(TEXT, "paged_attention_race_table", request, rows=rows),
            figures.breakdown_figure(results, names), figures.running_figure(results, names),
            figures.sweep_figure(sweep, names), figures.throughput_figure(results, names),
            figures.memory_map_figure(paged, middle, names), results,
            gr.Radio(value="paged"), gr.Slider(maximum=len(paged.snapshots) - 1, value=middle))


@user_errors(table=TEXT)
def simulate(model: str, gpu: str, dtype: str, layers: float, kv_heads: float, head_dim: float, params_b: float,
             trace: str, csv_path: str | None, num_requests: float, block_size: float, samples: float, prefix: float,
             request: gr.Request = None, progress=gr.Progress()) -> tuple:
    """All five policies on one trace, the block-size sweep, and the figures."""
    options = dict(
        model=_model(model, layers, kv_heads, head_dim, params_b, request), gpu=gpu, dtype=dtype,
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
    return race_views(results, sweep, "", request)


@functools.cache
def opening_race() -> tuple[dict[str, KvSimResult], dict[int, KvSimResult]]:
    """The race the tab opens with, computed once per server (results are never modified)."""
    options = dict(model=DEFAULT_MODEL, gpu=DEFAULT_GPU, dtype=DEFAULT_DTYPE, trace=RACE_DEFAULTS["trace"])
    results = simulator.compare_policies(num_requests=RACE_DEFAULTS["num_requests"],
                                         block_size=RACE_DEFAULTS["block_size"], **options)
    return results, simulator.block_size_sweep(SWEEP_SIZES, num_requests=SWEEP_REQUESTS, **options)


def opening(request: gr.Request = None) -> tuple:
    results, sweep = opening_race()
    note = text(TEXT, "paged_attention_opening", request, requests=RACE_DEFAULTS["num_requests"]) + "\n\n"
    return race_views(results, sweep, note, request)


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
        0: links.linked_choice(params, "model", memory.MODELS), 1: links.linked_choice(params, "gpu", memory.GPUS),
        2: links.linked_choice(params, "dtype", memory.DTYPE_BYTES),
        3: links.linked_number(params, "context", 1, memory.MAX_CONTEXT, whole=True),
        4: links.linked_number(params, "average", 1, memory.MAX_CONTEXT, whole=True)})


def opening_calculation(request: gr.Request) -> tuple[str, str]:
    """The calculator as the page opens, for the link's values (else the defaults), read from the link itself.

    Why not from the controls: this runs as the link's values reach the page, and the browser may still
    send a number box's old value (a deep link to 8,192 tokens was seen computed for 2,048)."""
    params = links.query(request)
    values = list(CALC_DEFAULTS)
    if links.names_tab(params, "paged_attention"):
        values = linked_controls(params, values)
    return calculate(*values, *CUSTOM_DEFAULTS, request=request)


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
        table = text(TEXT, "paged_attention_live_table", request, source=source, s_sec=static.seconds,
                     p_sec=paged.seconds, s_tps=static.tokens_per_second, p_tps=paged.tokens_per_second,
                     s_done=static.mean_completion, p_done=paged.mean_completion, s_kv=static.peak_kv_bytes / 2**20,
                     p_kv=paged.peak_kv_bytes / 2**20, identical=identical, prefix=prefix)
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
        model = gr.Dropdown([*memory.MODELS, CUSTOM], value=model_value, label=T("paged_attention_model"),
                            elem_id="paged-model")
        gpu = gr.Dropdown(list(memory.GPUS), value=gpu_value, label=T("paged_attention_gpu"), elem_id="paged-gpu")
        dtype = gr.Radio(list(memory.DTYPE_BYTES), value=dtype_value, label=T("paged_attention_dtype"))
        # numbers without Gradio's own bounds: the handlers check them and name the field in the reader's language
        context = gr.Number(context_value, precision=0, label=T("paged_attention_context"), elem_id="paged-context")
        average = gr.Number(average_value, precision=0, label=T("paged_attention_average"))
    with gr.Accordion(T("paged_attention_custom"), open=False):
        with gr.Row():
            layers_value, kv_heads_value, head_dim_value, params_value = CUSTOM_DEFAULTS
            layers = gr.Number(layers_value, precision=0, label=T("paged_attention_layers"))
            kv_heads = gr.Number(kv_heads_value, precision=0, label=T("paged_attention_kv_heads"))
            head_dim = gr.Number(head_dim_value, precision=0, label=T("paged_attention_head_dim"))
            params_b = gr.Number(params_value, label=T("paged_attention_params"))
    calc_inputs = [model, gpu, dtype, context, average, layers, kv_heads, head_dim, params_b]
    linked = links.when_linked("paged_attention", linked_controls, calc_inputs[:5])
    links.copy_link_row("paged_attention", dict(zip(("model", "gpu", "dtype", "context", "average"), calc_inputs)))
    links.scroll_to_section("paged_attention", SECTIONS)
    with gr.Row():
        calc_table = gr.Markdown(elem_id="paged-calc")
        vllm = gr.Code(label=T("paged_attention_vllm"), language=None, elem_id="paged-vllm")
    # one calculation at a time, in the order asked, so the last one asked is the one left on screen
    gr.on([c.change for c in calc_inputs], calculate, calc_inputs, [calc_table, vllm], api_name="kv_calculate",
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
        snapshot = Slider(0, simulator.MAX_SNAPSHOTS, value=0, step=1, label=field_label(TEXT, "paged_attention_map_step"))
    memory_plot = gr.Plot(label=T("paged_attention_plot_map"), elem_id="paged-map")
    with gr.Row():
        running = gr.Plot(label=T("paged_attention_plot_running"), elem_id="paged-running")
        sweep = gr.Plot(label=T("paged_attention_plot_sweep"), elem_id="paged-sweep")
    results = gr.State()
    race_inputs = [model, gpu, dtype, layers, kv_heads, head_dim, params_b, trace, csv_file, num_requests, block,
                   samples, prefix]
    race_outputs = [race_table, breakdown, running, sweep, throughput, memory_plot, results, policy, snapshot]
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
