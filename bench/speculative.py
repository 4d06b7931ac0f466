"""Plain vs speculative decoding on the offline model, side by side in one run.

    python bench/speculative.py                       # copy, summarise, story; 128 tokens; median of 5
    python bench/speculative.py --presets early_exit  # the cautionary card
    python bench/speculative.py --target HuggingFaceTB/SmolLM2-1.7B-Instruct  # GPU: draft-model pair

For each preset and repeat it runs, one after the other on one torch thread: our loop with no draft
(plain), our loop with the preset's draft and draft-length schedule (speculative), and transformers'
own greedy `generate` with the same kind of draft (`prompt_lookup_num_tokens`, or `assistant_model`
for a model pair; a fixed length) as a second reference. It prints each run's plain and speculative
seconds, the medians, the speedup (median plain s / median speculative s: greedy, so both runs make
the same tokens and this is the tokens/s ratio), acceptance, target passes and whether the greedy
outputs are identical.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import sys
from dataclasses import replace

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from playground.core.generation import chat_input_ids  # noqa: E402
from playground.core.models import load_causal_lm  # noqa: E402
from playground.speculative.config import SpeculativeConfig  # noqa: E402
from playground.speculative.decoding import speculative_generate  # noqa: E402
from playground.speculative.presets import MODEL_PAIRS, PRESETS, make_draft, transformers_generate  # noqa: E402


def bench_preset(lm, draft_lm, key: str, tokens: int, repeats: int) -> dict:
    preset = PRESETS[key]
    kind = "draft_model" if draft_lm is not None else preset.draft_kind
    gamma, config = preset.num_draft_tokens, replace(preset, draft_kind=kind, max_new_tokens=tokens)
    ids = chat_input_ids(lm, preset.prompt)
    draft = make_draft(config, lm.model, draft_lm.model if draft_lm else None)
    reference = {"assistant_model": draft_lm.model, "num_assistant_tokens": gamma} if draft_lm else (
        {"prompt_lookup_num_tokens": gamma} if kind == "prompt_lookup" else None)
    speculative_generate(lm.model, None, ids, SpeculativeConfig(max_new_tokens=4))  # warm-up: first calls allocate
    plain_s, spec_s, hf_s = [], [], []
    for _ in range(repeats):  # plain and speculative alternate, so drifts in load hit both
        plain = speculative_generate(lm.model, None, ids, config)
        spec = speculative_generate(lm.model, draft, ids, config)
        plain_s.append(plain.wall_s)
        spec_s.append(spec.wall_s)
        if reference is not None:
            hf_tokens, seconds = transformers_generate(lm.model, ids, tokens, **reference)
            hf_s.append(seconds)
    row = {"preset": key, "draft": draft.name, "tokens": len(plain.tokens),
           "gamma": f"{gamma} adaptive" if preset.adaptive_draft else str(gamma),
           "runs": " ".join(f"{p:.2f}/{s:.2f}" for p, s in zip(plain_s, spec_s)),
           "plain_s": statistics.median(plain_s), "spec_s": statistics.median(spec_s),
           "acceptance": spec.acceptance_rate, "passes": f"{plain.target_passes}->{spec.target_passes}",
           "identical": spec.tokens == plain.tokens}
    row["speedup"] = row["plain_s"] / row["spec_s"]
    if hf_s:
        row["hf_s"] = statistics.median(hf_s)
        row["hf_identical"] = hf_tokens == plain.tokens
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--presets", nargs="+", default=["copy", "summarise", "story"], choices=list(PRESETS))
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--target", default=None, help="a target with a draft pair: "
                        + ", ".join(MODEL_PAIRS) + " (needs the Hub; meant for a GPU)")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    lm = load_causal_lm(args.target)
    draft_lm = load_causal_lm(MODEL_PAIRS[args.target]) if args.target else None
    print(f"# {lm.model_id} on {lm.device} ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, {args.threads} torch thread(s), load average "
          f"{os.getloadavg()[0]:.1f}); greedy, {args.tokens} tokens, median of {args.repeats}")
    header = ("preset", "draft", "gamma", "plain s", "spec s", "speedup", "accept", "passes",
              "identical", "HF s", "HF s / ours", "HF identical")
    print(" | ".join(header))
    for key in args.presets:
        r = bench_preset(lm, draft_lm, key, args.tokens, args.repeats)
        hf = (f"{r['hf_s']:.2f} | {r['hf_s'] / r['spec_s']:.2f} | {r['hf_identical']}"
              if "hf_s" in r else "- | - | -")
        print(f"{r['preset']} | {r['draft']} | {r['gamma']} | {r['plain_s']:.2f} | {r['spec_s']:.2f} | "
              f"{r['speedup']:.2f}x | {r['acceptance']:.1%} | {r['passes']} | {r['identical']} | {hf}",
              flush=True)
        print(f"  {r['preset']} runs, plain s / speculative s: {r['runs']}", flush=True)


if __name__ == "__main__":
    main()
