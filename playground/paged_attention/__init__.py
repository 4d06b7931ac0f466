"""PagedAttention: store each request's KV cache in fixed-size blocks allocated on demand.

Systems before vLLM reserved every request's KV cache contiguously for its maximum length and wasted
most of it; paging (Kwon et al., SOSP 2023, https://arxiv.org/abs/2309.06180) wastes only the last,
partly filled block, so more requests run at once. KV bytes per token = 2 * L * H_kv * d * b.
Modules: `memory` (bytes per token, model and GPU presets, vLLM's block count), `traces` (ShareGPT-
and Alpaca-like lengths, CSV upload), `simulator` (buddy-allocated Orca policies vs paged blocks),
`live` (static padded batch vs transformers' paged continuous batching on SmolLM2-135M),
`recorded` (the shipped live run), `figures`.
"""
