"""Write bench/gpu_configs/copy_preset.json: the copy preset's token ids and its acceptance on CPU.

    python scripts/make_gpu_copy_preset.py       # offline SmolLM2-135M-Instruct, CPU, ~20 s

Why a file: the GPU machine has no network and our offline model (a 98 MB GGUF) cannot travel
there, so `bench/gpu.py` gets the prompt as token ids (no tokenizer needed) and the acceptance of
prompt lookup measured here with the real model, to place its cost ratios on Leviathan's curve.
Timing does not depend on the weights; acceptance does, so it is measured where the weights are.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
from dataclasses import replace

os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground.core.generation import chat_input_ids  # noqa: E402
from playground.core.models import load_causal_lm  # noqa: E402
from playground.speculative.decoding import speculative_generate  # noqa: E402
from playground.speculative.presets import PRESETS, make_draft  # noqa: E402

OUT = ROOT / "bench" / "gpu_configs" / "copy_preset.json"
MODEL_ID = "HuggingFaceTB/SmolLM2-135M-Instruct"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    torch.set_num_threads(1)
    lm = load_causal_lm(MODEL_ID)
    preset = PRESETS["copy"]
    ids = chat_input_ids(lm, preset.prompt)
    config = replace(preset, adaptive_draft=False)  # a fixed gamma, as the GPU bench replays it
    plain = speculative_generate(lm.model, None, ids, config)
    fast = speculative_generate(lm.model, make_draft(config, lm.model), ids, config)
    report = {
        "_source": f"scripts/make_gpu_copy_preset.py: PRESETS['copy'] through {MODEL_ID}'s chat "
                   "template, greedy, plain and prompt lookup through playground.speculative",
        "model": MODEL_ID, "gamma": preset.num_draft_tokens, "max_new_tokens": preset.max_new_tokens,
        "prompt_ids": ids[0].tolist(),
        "cpu": {"alpha": round(fast.alpha, 4), "acceptance_rate": round(fast.acceptance_rate, 4),
                "tokens": len(fast.tokens), "target_passes": [plain.target_passes, fast.target_passes],
                "identical": fast.tokens == plain.tokens,
                "speedup": round(fast.tokens_per_s / plain.tokens_per_s, 3),
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
                           "1 thread, float32",
                "date": datetime.date.today().isoformat()},
    }
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}: {len(report['prompt_ids'])} prompt ids, alpha {fast.alpha:.3f}, "
          f"acceptance {fast.acceptance_rate:.1%}, passes {plain.target_passes} -> {fast.target_passes}")


if __name__ == "__main__":
    main()
