"""Our scheduler vs transformers' continuous batching (`generate_batch`), in process, side by side.

30 chat prompts x 16 greedy tokens on the default model, all submitted at once; the median wall
time of `--repeats` rounds each. Why this matters: issue 14 lets us use either; we chose ours
because it honours a per-request seed and mixes greedy and sampled rows (see batching.py).

    python bench/batching.py --users 30 --repeats 3
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from transformers import GenerationConfig  # noqa: E402

from bench.load import prompt_of  # noqa: E402
from playground.core.batching import BatchLimits, Scheduler  # noqa: E402
from playground.core.generation import GenerationParams, chat_input_ids  # noqa: E402
from playground.core.models import load_causal_lm  # noqa: E402


def ours(lm, prompts: list[torch.Tensor], tokens: int = 16) -> float:
    """Seconds for our scheduler to decode `tokens` greedy tokens for every prompt, all in one batch."""
    scheduler = Scheduler(lm.model, BatchLimits(max_batch=len(prompts)))
    start = time.perf_counter()
    tickets = [scheduler.submit(ids, GenerationParams(max_new_tokens=tokens)) for ids in prompts]
    for ticket in tickets:
        list(ticket.tokens())
    return time.perf_counter() - start


def theirs(lm, prompts: list[torch.Tensor]) -> float:
    config = GenerationConfig(max_new_tokens=16, do_sample=False, eos_token_id=lm.tokenizer.eos_token_id,
                              pad_token_id=lm.tokenizer.eos_token_id)
    start = time.perf_counter()
    lm.model.generate_batch([ids[0].tolist() for ids in prompts], generation_config=config, warmup=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    lm = load_causal_lm()
    prompts = [chat_input_ids(lm, prompt_of(user)) for user in range(args.users)]
    ours(lm, prompts[:2]), theirs(lm, prompts[:2])  # one-time set-up of each path
    times = {"ours": [], "transformers generate_batch": []}
    for _ in range(args.repeats):
        times["ours"].append(ours(lm, prompts))
        times["transformers generate_batch"].append(theirs(lm, prompts))
    for name, values in times.items():
        print(f"{name:>30}: median {statistics.median(values):.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    main()
