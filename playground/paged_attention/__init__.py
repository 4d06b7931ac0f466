"""PagedAttention: store each request's KV cache in fixed-size blocks allocated on demand.

Systems before vLLM reserved every request's KV cache contiguously for its maximum length and wasted
most of it; paging (Kwon et al., SOSP 2023, https://arxiv.org/abs/2309.06180) wastes only the last,
partly filled block, so more requests run at once. KV bytes per token = 2 * L * H_kv * d * b for full
attention; sliding-window, MLA, linear-attention and Mamba layers cost otherwise (`kv_config`).
Modules: `kv_config` (a model's layer kinds from its config.json or a preset, checked in one place), `memory`
(bytes per token, model and GPU presets, the server that fits), `calculator` (the per-layer-kind table and
what fits), `vllm_blocks` (vLLM's block layout and its "Maximum concurrency" line), `traces` (ShareGPT- and
Alpaca-like lengths, CSV upload), `simulator` (buddy-allocated Orca policies vs paged blocks), `inputs` (the
tab's checked configs: `CalcConfig`, `RaceConfig`), `race` (the race the tab shows), `usage` (vLLM's
block-level usage gauge vs the token-level fill), `live` (static padded batch vs transformers' paged
continuous batching on SmolLM2-135M), `recorded` (the shipped live run), `figures`.
"""
