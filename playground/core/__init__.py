"""What every tab shares: settings, the Hub probe, the models, bounded generation, batching and text metrics.

One shared, lazily loaded copy of each model per process; generation is validated, batched and streamed.
Modules: `settings`, `hub` (one Hub probe), `models` (presets, one shared copy of each model), `offline_gguf`
(the default model from a PyPI wheel), `generation` (bounds and streaming), `sampling` (temperature + top-p from
a per-request generator), `batching` (continuous batching: every visitor's request for one model in one
forward), `timed` (timing-sensitive work one job at a time, each waiter told its place), `engine` (an
OpenAI-compatible serving engine as a backend), `recorded` (runs shipped as JSON that tabs open on), `cache`
(a bounded LRU owned by its server), `errors` (`InputError`: bad input named by a key), `checks` (the range,
whole-number, choice, flag, text and table checks every tab's config makes, with shared keys), `text_metrics`,
`seeding`, `ema` (an EMA of model weights, used by the EMA and the GANs-to-diffusion tabs).
"""
