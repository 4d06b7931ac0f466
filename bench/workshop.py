"""A room at once: N visitors do the workshop exercise together on the real server (issue 25).

Each visitor is its own `gradio_client` session, opened with the page-load call (`/dpo_counts`), then
all are released together and each does the exercise in its own shuffled order: `/generate` (32 greedy
tokens, a prompt of its own), one `/dpo_pair`, one Math `/curves_ce` with random logits and one
PagedAttention `/kv_calculate` with the defaults. Printed per endpoint: p50/p95 of the first visible
update (a streamed token, or the answer) and of completion, errors, busy refusals, hangs, and the wall.

The decode limit is measured in the same run, after the rounds (never at the same time): our scheduler
decoding 32 rows of 32 greedy tokens in this process, on the same thread count as the server; the
model work's limit is the exercise's tokens at that rate, and the ratio is the rounds' model-work wall
over it.

    python bench/workshop.py --visitors 30 --rounds 5
    python bench/workshop.py --visitors 10 --rounds 1    # the small run
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gradio_client import Client  # noqa: E402

from bench.load import BUSY_WORDS, percentile, prompt_of, running_app  # noqa: E402

ACTIONS = ("generate", "dpo_pair", "curves_ce", "kv_calculate")
MODEL_ACTIONS = ("generate", "dpo_pair")
GENERATE_TOKENS = 32
HANG_S = 600.0


def arguments(action: str, visitor: int, rng: random.Random) -> tuple:
    if action == "generate":
        return prompt_of(visitor), GENERATE_TOKENS, 0.0, "reference"
    if action == "curves_ce":
        return round(rng.uniform(-5, 5), 2), round(rng.uniform(-5, 5), 2), round(rng.uniform(-5, 5), 2), rng.randrange(3)
    return ()  # dpo_pair and kv_calculate: the page's defaults


def timed(client: Client, action: str, args: tuple) -> tuple[float, float]:
    """(seconds to the first visible update, seconds to completion) of one call, from its submission."""
    began = time.perf_counter()
    job = client.submit(*args, api_name=f"/{action}")
    first = None
    for _ in job:  # each streamed update; a plain handler yields once, at the end
        first = first or time.perf_counter() - began
    job.result(timeout=HANG_S)
    done = time.perf_counter() - began
    return first or done, done


def one_round(url: str, visitors: int, seed: int) -> dict:
    clients = [Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": HANG_S})
               for _ in range(visitors)]
    for client in clients:  # the page load, before anyone presses anything
        client.predict(api_name="/dpo_counts")
    start = threading.Barrier(visitors + 1)
    lock = threading.Lock()
    found = {"first": defaultdict(list), "done": defaultdict(list), "errors": [], "model_end": 0.0}

    def visitor(index: int) -> None:
        rng = random.Random(seed * 1000 + index)
        order = list(ACTIONS)
        rng.shuffle(order)
        start.wait()
        for action in order:
            try:
                first, done = timed(clients[index], action, arguments(action, index, rng))
            except Exception as error:  # counted, not raised: the figure is the count
                with lock:
                    found["errors"].append(f"{action}: {error}")
                continue
            with lock:
                found["first"][action].append(first)
                found["done"][action].append(done)
                if action in MODEL_ACTIONS:
                    found["model_end"] = max(found["model_end"], time.perf_counter())

    threads = [threading.Thread(target=visitor, args=(i,)) for i in range(visitors)]
    for thread in threads:
        thread.start()
    start.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join()
    found["wall"] = time.perf_counter() - released
    found["model_wall"] = found["model_end"] - released
    for client in clients:
        client.close()
    return found


def decode_rate(threads: int) -> float:
    """Tokens per second of our scheduler at a full batch (32 rows x 32 greedy tokens), in this process."""
    import torch

    from bench.batching import ours
    from playground.core.generation import chat_input_ids
    from playground.core.models import load_causal_lm

    torch.set_num_threads(threads)
    lm = load_causal_lm()
    prompts = [chat_input_ids(lm, prompt_of(user)) for user in range(32)]
    ours(lm, prompts[:2], GENERATE_TOKENS)  # one-time set-up
    seconds = statistics.median(ours(lm, prompts, GENERATE_TOKENS) for _ in range(3))
    return 32 * GENERATE_TOKENS / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=30, help="30, 60 or 100 (any number works)")
    parser.add_argument("--rounds", type=int, default=5, help="the median of each figure over rounds is printed")
    args = parser.parse_args()
    with running_app() as url:
        warm = Client(url, verbose=False, download_files=False)
        pair_tokens = next(parameter["parameter_default"] for parameter in
                           warm.view_api(return_format="dict", print_info=False)["named_endpoints"]["/dpo_pair"]
                           ["parameters"] if parameter["parameter_name"] == "max_new_tokens")
        for action in ACTIONS:  # each path once, so no round pays a first-call cost
            timed(warm, action, arguments(action, 0, random.Random(0)))
        warm.close()
        rounds = [one_round(url, args.visitors, seed) for seed in range(args.rounds)]
    rate = decode_rate(threads=1)
    tokens = args.visitors * (GENERATE_TOKENS + 2 * pair_tokens)
    limit = tokens / rate
    print(f"{args.visitors} visitors x the exercise ({', '.join(ACTIONS)}), {args.rounds} round(s), medians over rounds:")
    for action in ACTIONS:
        first = statistics.median(percentile(r["first"][action], 0.95) for r in rounds)
        done = statistics.median(percentile(r["done"][action], 0.95) for r in rounds)
        p50 = statistics.median(percentile(r["done"][action], 0.5) for r in rounds)
        print(f"  /{action:13} first update p95 {first:5.1f} s   done p50 {p50:5.1f} s  p95 {done:5.1f} s")
    errors = [e for r in rounds for e in r["errors"]]
    busy = sum(any(word in e for word in BUSY_WORDS) for e in errors)
    wall = statistics.median(r["wall"] for r in rounds)
    model_wall = statistics.median(r["model_wall"] for r in rounds)
    per_round = ", ".join(f"{r['wall']:.1f}" for r in rounds)
    print(f"  wall {wall:.1f} s (per round {per_round})   "
          f"errors {len(errors) - busy}   busy refusals {busy}")
    print(f"  decode limit: {rate:.0f} tokens/s at batch 32 (1 thread); the exercise's {tokens:,} tokens need "
          f"{limit:.1f} s; model work took {model_wall:.1f} s = {model_wall / limit:.2f}x the limit")
    for error in sorted(set(errors))[:10]:
        print(f"    error: {error[:160]}")


if __name__ == "__main__":
    main()
