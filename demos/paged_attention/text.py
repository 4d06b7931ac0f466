"""English and Japanese text of the "PagedAttention" tab (see demos/paged_attention/tab.py), errors and plot
labels included; `tests/test_ui_text.py` checks that both languages have every key."""
from __future__ import annotations

from demos.common import Table

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
            "| memory and capacity (one GPU) | value |\n|---|---|\n| weights | {weights:.1f} GiB |\n"
            "| KV budget (0.9 × {memory} GiB − weights) | "
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
        "paged_attention_err_positive": "{field} must be a positive number (got {value}).",
        # fields only library callers set (no widget on the page): named in refusals all the same
        "paged_attention_bytes_per_value": "Bytes per number", "paged_attention_max_num_seqs": "Max running sequences",
        "paged_attention_gpu_blocks": "GPU blocks (override)", "paged_attention_max_new_tokens": "Max new tokens",
        "paged_attention_live_requests": "Requests of the live run",
        "paged_attention_err_weights": "GPU: the weights of {model} in {dtype} ({weights:.1f} GiB per GPU) do not "
            "fit in {share:.0%} of {gpu} ({memory} GiB per GPU). Choose GPU {fit_gpu} with data type {fit_dtype}, "
            "the smallest listed server where they fit.",
        "paged_attention_err_weights_nowhere": "GPU: the weights of {model} in {dtype} ({weights:.1f} GiB per GPU) "
            "do not fit in {share:.0%} of {gpu} ({memory} GiB per GPU), nor on any listed server even in "
            "{smallest}: choose a model with fewer parameters.",
        "paged_attention_err_never_fits": "Request {request} ({prompt} prompt + {output} output tokens, {samples} "
            "sample(s)) never fits in the KV cache of {capacity:,} tokens: choose a larger GPU, a smaller model or "
            "data type, or fewer samples.",
        "paged_attention_err_csv_columns": "CSV row {row} needs two columns, prompt tokens and output tokens "
            "(got {value}).",
        "paged_attention_engine": "### 4. The serving engine's KV cache, live",
        "paged_attention_engine_refresh": "Read the engine's KV usage",
        "paged_attention_engine_usage": "Engine `{url}`: KV cache **{usage:.1%}** in use · **{running:,.0f}** "
            "requests running · **{waiting:,.0f}** waiting · **{preemptions:,.0f}** preemptions since it started "
            "(`vllm:kv_cache_usage_perc`, `vllm:num_requests_running` / `_waiting`, `vllm:num_preemptions`).",
        "paged_attention_engine_none": "KV usage is not exposed by the engine at `{url}` (no Prometheus "
            "`vllm:kv_cache_usage_perc` at `/metrics`): it is not vLLM.",
        "paged_attention_err_csv_number": "CSV row {row}: {column} must be a whole number of tokens (got {value}).",
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
            "| メモリと容量（GPU 1 枚） | 値 |\n|---|---|\n| 重み | {weights:.1f} GiB |\n"
            "| KV 予算（0.9 × {memory} GiB − 重み） | {budget:.1f} GiB |\n"
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
        "paged_attention_err_positive": "{field} は正の数で指定してください（入力値: {value}）。",
        "paged_attention_bytes_per_value": "1 個の数のバイト数", "paged_attention_max_num_seqs": "同時に実行するシーケンスの上限",
        "paged_attention_gpu_blocks": "GPU ブロック数（上書き）", "paged_attention_max_new_tokens": "最大生成トークン数",
        "paged_attention_live_requests": "ライブ実行のリクエスト数",
        "paged_attention_err_weights": "GPU: {model} の {dtype} の重み（GPU 1 枚あたり {weights:.1f} GiB）が "
            "{gpu}（1 枚 {memory} GiB）の {share:.0%} に収まりません。収まる最小のサーバーは GPU {fit_gpu}、"
            "データ型 {fit_dtype} です。これを選んでください。",
        "paged_attention_err_weights_nowhere": "GPU: {model} の {dtype} の重み（GPU 1 枚あたり {weights:.1f} GiB）が "
            "{gpu}（1 枚 {memory} GiB）の {share:.0%} に収まらず、{smallest} にしても一覧のどのサーバーにも"
            "収まりません。パラメータ数の少ないモデルを選んでください。",
        "paged_attention_err_never_fits": "リクエスト {request}（プロンプト {prompt} + 出力 {output} トークン、サンプル "
            "{samples} 個）は {capacity:,} トークンの KV キャッシュに収まりません。より大きな GPU、小さいモデルや"
            "データ型、または少ないサンプル数を選んでください。",
        "paged_attention_err_csv_columns": "CSV の {row} 行目にはプロンプトと出力のトークン数の 2 列が必要です"
            "（入力: {value}）。",
        "paged_attention_engine": "### 4. サービングエンジンの KV キャッシュ（ライブ）",
        "paged_attention_engine_refresh": "エンジンの KV 使用量を読む",
        "paged_attention_engine_usage": "エンジン `{url}`: KV キャッシュ使用率 **{usage:.1%}** · 実行中 **{running:,.0f}** 件 · "
            "待機 **{waiting:,.0f}** 件 · 起動以来のプリエンプション **{preemptions:,.0f}** 回"
            "（`vllm:kv_cache_usage_perc`、`vllm:num_requests_running` / `_waiting`、`vllm:num_preemptions`）。",
        "paged_attention_engine_none": "`{url}` のエンジンは KV 使用量を公開していません（`/metrics` に Prometheus の "
            "`vllm:kv_cache_usage_perc` がありません）。vLLM ではありません。",
        "paged_attention_err_csv_number": "CSV の {row} 行目: {column} はトークン数（整数）で指定してください"
            "（入力: {value}）。",
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
