"""What every tab shares: settings, the Hub probe, the models, bounded generation and text metrics.

One shared, lazily loaded copy of each model per process; generation is validated and streamed.
Modules: `settings`, `hub`, `models`, `offline_gguf`, `generation`, `sampling` (temperature + top-p from a
per-request generator), `text_metrics`, `seeding`, `ema` (an EMA of model weights, used by the EMA and the
GANs-to-diffusion tabs).
"""
