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
import numpy as np
from gradio.context import Context

from demos import links
from demos.common import ComponentView, T, Table, engine_metrics_line, labels, text, user_errors
from demos.fields import Slider, field_label
from playground.core.engine import kv_usage
from playground.core.generation import is_whole_number
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.paged_attention import calculator, figures, kv_config, live, memory, recorded, simulator, traces, vllm_blocks
from playground.paged_attention.kv_config import KvModel
from playground.paged_attention.simulator import KvSimResult

CUSTOM, CONFIG = "custom", "config.json"  # the user's own model: its sizes, or its config.json
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
        "paged_attention_custom": "Your own model: its sizes ('custom' above) or its config.json ('config.json' above)",
        "paged_attention_kv_dtype": "KV cache data type (auto: the preset's, else as the weights)",
        "paged_attention_config_text": "config.json (paste it here; read as JSON, no code is run)",
        "paged_attention_config_file": "Or upload a config.json",
        "paged_attention_layers": "Layers", "paged_attention_kv_heads": "KV heads",
        "paged_attention_head_dim": "Head size", "paged_attention_params": "Parameters (billions)",
        "paged_attention_vllm": "What vLLM would print",
        "paged_attention_calc_result": "**KV bytes per token** at {context:,} tokens = {per_token} B/token "
            "({model}, KV in {kv_dtype}{per_gpu})\n\n"
            "| layer kind | layers | per layer | equation (n = tokens) | one request of {context:,} tokens |\n"
            "|---|---|---|---|---|\n{rows}\n\n"
            "| | |\n|---|---|\n| weights | {weights:.1f} GiB |\n| KV budget (0.9 × {memory} GiB − weights) | "
            "{budget:.1f} GiB |\n| tokens that fit | {tokens} |\n| requests of {context:,} tokens (reserved for the "
            "maximum) | {max_requests:,} |\n| requests of {average:,} tokens (allocated on demand) | {avg_requests:,} |"
            "\n\n**Cross-check:** vLLM would print a maximum concurrency of **{concurrency:.2f}×** for {context:,} "
            "tokens per request, against {max_requests:,} here. {gap}{defaults}",
        "paged_attention_row": "| {kind} | {count:,} | {per_layer} | `{symbols}` = `{numbers}` | {total} |",
        "paged_attention_per_token": "{value:,} B/token", "paged_attention_per_request": "{value:,} B/request",
        "paged_attention_per_gpu": ", per GPU of {gpus} (tensor parallel)", "paged_attention_no_tokens": "—",
        "paged_attention_gap_blocks": "vLLM counts whole {block}-token blocks; nothing else differs.",
        "paged_attention_gap_window": "vLLM keeps, in each sliding-window layer, the window plus a prefill chunk "
            "({chunk:,} tokens) and one block more: a request's window layers hold up to {kept:,} tokens there, not "
            "{window:,}.",
        "paged_attention_gap_state": "vLLM raises the attention block to {block:,} tokens so one block holds a "
            "layer's fixed state ({state:,} B, padded to {page:,} B).",
        "paged_attention_defaults": "\n\nNot in this config, taken from transformers' defaults for its "
            "`model_type`: {fields}.",
        "paged_attention_kind_full": "full attention", "paged_attention_kind_sliding": "sliding window",
        "paged_attention_kind_mla": "latent (MLA)", "paged_attention_kind_linear": "linear attention (state)",
        "paged_attention_kind_mamba": "Mamba (state)",
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
            "the live KV once from memory), not a measurement.\n\n{usage}",
        "paged_attention_usage": "**Blocks vs tokens** (paged, {block}-token blocks): vLLM's gauge "
            "`vllm:kv_cache_usage_perc` counts blocks, and a block counts as used once it holds one token. While "
            "requests wait it reads a median **{gauge:.1%}** on this trace, where **{tokens:.1%}** of the token slots "
            "hold a token. On 17-token prompts with 2 new tokens each (the shape of vLLM PR #57336, whose server read "
            "66.7 % vs 36.5 %): **{short_gauge:.1%}** vs **{short_tokens:.1%}**, since each prompt takes {short_blocks} "
            "blocks, {short_slots} slots for 17 or 18 tokens.",
        "paged_attention_plot_usage": "KV usage over time: blocks in use (vLLM's gauge) vs token slots holding a "
            "token",
        "paged_attention_err_not_uniform": "The race counts KV in token slots, one cost per token; {model} has "
            "sliding-window or fixed-state layers. Race a full-attention or MLA model; the calculator above shows "
            "{model}.",
        "paged_attention_err_config_empty": "config.json is empty: paste its text or upload the file.",
        "paged_attention_err_config_long": "config.json may have at most {high:,} characters (got {value:,}).",
        "paged_attention_err_config_json": "config.json is not valid JSON at line {line}, column {column}: {error}.",
        "paged_attention_err_config_object": "config.json must be a JSON object {{…}} (got a {value}).",
        "paged_attention_err_config_missing": "config.json has no `{field}`, which a `{model_type}` model needs.",
        "paged_attention_err_config_whole": "`{field}` in config.json must be a whole number from {low:,} to "
            "{high:,} (got {value}).",
        "paged_attention_err_config_flag": "`{field}` in config.json must be true or false (got {value}).",
        "paged_attention_err_config_contradiction": "`{field}` ({value}) contradicts `{other}` ({other_value}) in "
            "config.json: fix one of them.",
        "paged_attention_err_config_model_type": "`model_type` {value} is not one this calculator reads (no guess "
            "is made); it reads: {allowed}.",
        "paged_attention_err_config_layer_type": "`{field}` is {value}, a layer kind this calculator does not "
            "know; it knows: {allowed}.",
        "paged_attention_err_config_kv_scheme": "`{field}` is {value}: only an 8-bit float KV cache (fp8) is read.",
        "paged_attention_err_config_unsupported": "`{field}` = {value} is not read for `{model_type}` (its window "
            "applies to some layers only): remove it or pick a preset.",
        "paged_attention_err_config_split": "{heads} KV heads do not split evenly over {gpus} GPUs (vLLM needs one "
            "to divide the other): choose another server.",
        "paged_attention_err_config_none": "Choose 'config.json' in the model list to use a pasted or uploaded "
            "config, or clear the config box.",
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
            "Outputs identical: **{identical}**.{prefix}{usage}",
        "paged_attention_prefix_line": "\n\nShared system prompt of {tokens} tokens: CPU time {on:.1f} s with prefix "
            "caching, {off:.1f} s without ({ratio:.1f}× less).",
        "paged_attention_answers": "Answers (paged run)",
        "paged_attention_live_usage": "\n\n**Blocks vs tokens**, paged run at its peak: {blocks} of the pool's "
            "{pool} blocks in use, so vLLM's gauge would read **{gauge:.1%}**, while **{tokens:.1%}** of the token "
            "slots hold a token ({held:,} tokens in {slots:,} slots): each request's last block is partly empty.",
        "paged_attention_err_whole": "{field} must be a whole number from {low:,} to {high:,} (got {value}).",
        "paged_attention_err_number": "{field} must be a number from {low:g} to {high:g} (got {value}).",
        "paged_attention_err_choice": "{field} must be one of {allowed} (got {value}).",
        "paged_attention_err_positive": "{field} must be a positive number (got {value}).",
        "paged_attention_err_weights": "The weights of {model} in {dtype} ({weights:.1f} GiB per GPU) do not fit in "
            "{share:.0%} of {gpu} ({memory} GiB per GPU): choose a larger GPU, a server with more GPUs (8x-…) or a "
            "smaller data type.",
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
            "usage": "Blocks vs tokens (paged)", "usage_blocks": "blocks in use (vLLM's gauge)",
            "usage_tokens": "token slots holding a token",
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
        "paged_attention_custom": "独自のモデル: サイズ（上で 'custom'）または config.json（上で 'config.json'）",
        "paged_attention_kv_dtype": "KV キャッシュのデータ型（auto: プリセットの型、なければ重みと同じ）",
        "paged_attention_config_text": "config.json（ここに貼り付け。JSON として読むだけで、コードは実行しません）",
        "paged_attention_config_file": "または config.json をアップロード",
        "paged_attention_layers": "層数", "paged_attention_kv_heads": "KV ヘッド数",
        "paged_attention_head_dim": "ヘッドの次元", "paged_attention_params": "パラメータ数（10 億）",
        "paged_attention_vllm": "vLLM が表示する行",
        "paged_attention_calc_result": "{context:,} トークンでの**トークンあたりの KV バイト数** = {per_token} B/トークン"
            "（{model}、KV は {kv_dtype}{per_gpu}）\n\n"
            "| 層の種類 | 層数 | 1 層あたり | 式（n = トークン数） | {context:,} トークンのリクエスト 1 件 |\n"
            "|---|---|---|---|---|\n{rows}\n\n"
            "| | |\n|---|---|\n| 重み | {weights:.1f} GiB |\n| KV 予算（0.9 × {memory} GiB − 重み） | {budget:.1f} GiB |\n"
            "| 入るトークン数 | {tokens} |\n| {context:,} トークンのリクエスト（最大長で予約） | {max_requests:,} |\n"
            "| {average:,} トークンのリクエスト（必要時に割り当て） | {avg_requests:,} |"
            "\n\n**照合:** vLLM は {context:,} トークンのリクエストの最大同時実行数を **{concurrency:.2f}×** と表示します"
            "（ここでは {max_requests:,} 件）。{gap}{defaults}",
        "paged_attention_row": "| {kind} | {count:,} | {per_layer} | `{symbols}` = `{numbers}` | {total} |",
        "paged_attention_per_token": "{value:,} B/トークン", "paged_attention_per_request": "{value:,} B/リクエスト",
        "paged_attention_per_gpu": "、{gpus} 枚の GPU の 1 枚あたり（テンソル並列）", "paged_attention_no_tokens": "—",
        "paged_attention_gap_blocks": "vLLM は {block} トークンのブロック単位で数えます。違いはそれだけです。",
        "paged_attention_gap_window": "vLLM はスライディングウィンドウ層ごとに、ウィンドウに加えてプリフィルの 1 チャンク"
            "（{chunk:,} トークン）と 1 ブロックを確保します。そのためウィンドウ層は {window:,} ではなく最大 {kept:,} "
            "トークンを持ちます。",
        "paged_attention_gap_state": "vLLM は 1 ブロックに 1 層の固定状態（{state:,} B、{page:,} B に詰め物）が入るよう、"
            "注意層のブロックを {block:,} トークンに広げます。",
        "paged_attention_defaults": "\n\nこの config になく、その `model_type` の transformers の既定値を使った項目: "
            "{fields}。",
        "paged_attention_kind_full": "全注意", "paged_attention_kind_sliding": "スライディングウィンドウ",
        "paged_attention_kind_mla": "潜在ベクトル（MLA）", "paged_attention_kind_linear": "線形注意（状態）",
        "paged_attention_kind_mamba": "Mamba（状態）",
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
            "メモリから 1 回読む）であり、実測ではありません。\n\n{usage}",
        "paged_attention_usage": "**ブロックとトークン**（paged、{block} トークンのブロック）: vLLM のゲージ "
            "`vllm:kv_cache_usage_perc` はブロックを数え、1 トークンでも入ったブロックは使用中と数えます。リクエストが"
            "待っている間、このトレースでは中央値 **{gauge:.1%}** を示しますが、トークンが入っているスロットは "
            "**{tokens:.1%}** です。17 トークンのプロンプトに新規 2 トークン（vLLM PR #57336 の形。そのサーバーは "
            "66.7 % と 36.5 %）では **{short_gauge:.1%}** と **{short_tokens:.1%}**: 各プロンプトが {short_blocks} "
            "ブロック、{short_slots} スロットを 17〜18 トークンに使うためです。",
        "paged_attention_plot_usage": "KV 使用率の推移: 使用中のブロック（vLLM のゲージ）とトークンが入ったスロット",
        "paged_attention_err_not_uniform": "競争は KV をトークンスロット（トークンごとに同じコスト）で数えます。{model} "
            "にはスライディングウィンドウ層または固定状態の層があります。全注意か MLA のモデルで競争してください。{model} "
            "は上の計算機で確認できます。",
        "paged_attention_err_config_empty": "config.json が空です。テキストを貼り付けるかファイルをアップロードしてください。",
        "paged_attention_err_config_long": "config.json は {high:,} 文字までです（入力: {value:,} 文字）。",
        "paged_attention_err_config_json": "config.json が {line} 行 {column} 列で JSON として正しくありません: {error}。",
        "paged_attention_err_config_object": "config.json は JSON オブジェクト {{…}} である必要があります（入力: {value}）。",
        "paged_attention_err_config_missing": "config.json に `{field}` がありません。`{model_type}` のモデルには必要です。",
        "paged_attention_err_config_whole": "config.json の `{field}` は {low:,} から {high:,} の整数で指定してください"
            "（入力値: {value}）。",
        "paged_attention_err_config_flag": "config.json の `{field}` は true か false で指定してください（入力値: {value}）。",
        "paged_attention_err_config_contradiction": "config.json の `{field}`（{value}）が `{other}`（{other_value}）と"
            "矛盾しています。どちらかを直してください。",
        "paged_attention_err_config_model_type": "`model_type` {value} はこの計算機が読める型ではありません（推測はしま"
            "せん）。読める型: {allowed}。",
        "paged_attention_err_config_layer_type": "`{field}` は {value} で、この計算機が知らない層の種類です。知っている"
            "種類: {allowed}。",
        "paged_attention_err_config_kv_scheme": "`{field}` は {value} です。読めるのは 8 ビット浮動小数点の KV キャッシュ"
            "（fp8）だけです。",
        "paged_attention_err_config_unsupported": "`{model_type}` の `{field}` = {value} は読みません（ウィンドウが一部の"
            "層だけに掛かるため）。削除するかプリセットを選んでください。",
        "paged_attention_err_config_split": "{heads} 個の KV ヘッドは {gpus} 枚の GPU に均等に分けられません（vLLM は"
            "一方が他方を割り切る必要があります）。別のサーバーを選んでください。",
        "paged_attention_err_config_none": "貼り付けた、またはアップロードした config を使うには、モデル一覧で "
            "'config.json' を選ぶか、config の欄を空にしてください。",
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
            "出力は同一: **{identical}**。{prefix}{usage}",
        "paged_attention_prefix_line": "\n\n{tokens} トークンの共有システムプロンプト: CPU 時間はプレフィックスキャッシュ"
            "ありで {on:.1f} 秒、なしで {off:.1f} 秒（{ratio:.1f} 分の 1）。",
        "paged_attention_answers": "回答（paged の実行）",
        "paged_attention_live_usage": "\n\n**ブロックとトークン**（paged の実行のピーク）: プールの {pool} ブロック中 "
            "{blocks} ブロックが使用中なので vLLM のゲージは **{gauge:.1%}** を示しますが、トークンが入っているスロットは "
            "**{tokens:.1%}**（{slots:,} スロットに {held:,} トークン）です。各リクエストの最後のブロックが一部空いています。",
        "paged_attention_err_whole": "{field} は {low:,} から {high:,} の整数で指定してください（入力値: {value}）。",
        "paged_attention_err_number": "{field} は {low:g} から {high:g} の数で指定してください（入力値: {value}）。",
        "paged_attention_err_choice": "{field} は {allowed} のいずれかを指定してください（入力値: {value}）。",
        "paged_attention_err_positive": "{field} は正の数で指定してください（入力値: {value}）。",
        "paged_attention_err_weights": "{model} の {dtype} の重み（GPU 1 枚あたり {weights:.1f} GiB）が "
            "{gpu}（1 枚 {memory} GiB）の {share:.0%} に収まりません。より大きな GPU、GPU の多いサーバー（8x-…）、"
            "または小さいデータ型を選んでください。",
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
            "usage": "ブロックとトークン（paged）", "usage_blocks": "使用中のブロック（vLLM のゲージ）",
            "usage_tokens": "トークンが入ったスロット",
        }.items()},
    },
}
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
        kept = min(window - 1 + vllm_blocks.MAX_NUM_BATCHED_TOKENS, result.context_length)
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
        dtype = gr.Radio(list(memory.DTYPE_BYTES), value=dtype_value, label=T("paged_attention_dtype"))
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
    linked = links.when_linked("paged_attention", linked_controls, calc_inputs[:5])
    links.copy_link_row("paged_attention", dict(zip(("model", "gpu", "dtype", "context", "average"), calc_inputs)))
    links.scroll_to_section("paged_attention", SECTIONS)
    # one above the other: the per-layer table needs the page's width at 1280x720
    calc_table = gr.Markdown(elem_id="paged-calc")
    vllm = gr.Code(label=T("paged_attention_vllm"), language=None, elem_id="paged-vllm")
    # one calculation at a time, in the order asked, so the last one asked is the one left on screen
    # a pasted config counts once it is left (not at every keystroke, half-typed JSON)
    triggers = [c.change for c in calc_inputs if c is not config_text] + [config_text.blur]
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
        snapshot = Slider(0, simulator.MAX_SNAPSHOTS, value=0, step=1, label=field_label(TEXT, "paged_attention_map_step"))
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
