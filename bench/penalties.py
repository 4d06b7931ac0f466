"""Per-step cost of greedy generation with `PenaltyLogitsProcessor` vs without, side by side.

Runs the offline SmolLM2-135M through `model.generate`, alternating the two settings round by
round so machine load hits both alike, and also times one processor call on its own (the real
vocabulary, the real context length). Usage: `python bench/penalties.py [--rounds 5 --tokens 64]`.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import statistics
import sys
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
os.environ.setdefault("PLAYGROUND_OFFLINE", "1")

from playground.core.generation import chat_input_ids  # noqa: E402
from playground.core.models import load_causal_lm  # noqa: E402
from playground.penalties.processors import PenaltyLogitsProcessor  # noqa: E402

PROMPT = "Write a short poem about the ocean."


def per_step_ms(lm, input_ids: torch.Tensor, tokens: int, processors: list) -> float:
    """Milliseconds per generated token of one greedy `generate` call."""
    start = time.perf_counter()
    with torch.inference_mode():
        out = lm.model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False,
                                temperature=None, top_p=None, top_k=None,
                                pad_token_id=lm.tokenizer.eos_token_id, logits_processor=processors)
    return 1000 * (time.perf_counter() - start) / (out.shape[1] - input_ids.shape[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    parser.add_argument("--tokens", type=int, default=64, help="new tokens per generate (default 64)")
    args = parser.parse_args()
    torch.set_num_threads(int(os.getenv("PLAYGROUND_THREADS", "1")))
    lm = load_causal_lm()
    input_ids = chat_input_ids(lm, PROMPT)
    processor = PenaltyLogitsProcessor(input_ids.shape[1], repetition_penalty=1.3,
                                       frequency_penalty=0.5, presence_penalty=0.5)
    per_step_ms(lm, input_ids, 8, [])  # warm-up
    plain, penalised = [], []
    for round_index in range(args.rounds):
        order = [(plain, []), (penalised, [processor])]
        for times, processors in (order if round_index % 2 == 0 else order[::-1]):
            times.append(per_step_ms(lm, input_ids, args.tokens, processors))
    # one processor call alone, at the context length of the last step
    context = torch.randint(0, lm.model.config.vocab_size, (1, input_ids.shape[1] + args.tokens))
    scores = torch.randn(1, lm.model.config.vocab_size)
    calls = 200
    start = time.perf_counter()
    for _ in range(calls):
        processor(context, scores)
    call_ms = 1000 * (time.perf_counter() - start) / calls
    base, with_penalties = statistics.median(plain), statistics.median(penalised)
    print(f"model {lm.model_id} ({lm.source}), {torch.get_num_threads()} thread(s), "
          f"{args.rounds} rounds x {args.tokens} greedy tokens, r=1.3 f=0.5 p=0.5 (vllm)")
    print(f"{'':28}{'median ms/step':>16}{'all rounds':>40}")
    print(f"{'without processor':28}{base:16.2f}    {', '.join(f'{t:.1f}' for t in plain)}")
    print(f"{'with PenaltyLogitsProcessor':28}{with_penalties:16.2f}    "
          f"{', '.join(f'{t:.1f}' for t in penalised)}")
    print(f"ratio with/without (median): {with_penalties / base:.4f} "
          f"(overhead {100 * (with_penalties / base - 1):+.2f} %, target <= +2 %)")
    print(f"one processor call alone: {call_ms:.3f} ms = {100 * call_ms / base:.2f} % of a step")


if __name__ == "__main__":
    main()
