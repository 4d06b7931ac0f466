"""The engine of DL Playground: one package per tab, plus `core`. No Gradio in here.

Tab name -> folder: Generate -> `core/` (`batching`, `generation`), Sampling penalties -> `penalties/`,
Speculative decoding -> `speculative/`, EMA -> `ema/`, DPO -> `dpo/`, Math -> `math/`,
PagedAttention -> `paged_attention/`, GANs to diffusion -> `gan_vs_diffusion/`. Shared pieces (settings,
models, generation, batching) are in `core/`. A technique package imports `core` and never another technique.
"""
