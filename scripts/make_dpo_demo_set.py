"""Build the shipped DPO demo preference set from the offline model's own answers.

Why this construction: DPO changes a model visibly only when the chosen and rejected answers differ
in a way the model can pick up in a few CPU steps, and when both are answers it could give itself
(on-policy). So each pair is one greedy answer of SmolLM2-135M-Instruct, cut at 64 tokens
(rejected: it rambles and stops mid-sentence), and its own first sentence (chosen: concise, ends
cleanly). Trained on these, the model learns to stop after one sentence, which anyone can see.
The Japanese prompts are asked too, but the 135M model mostly echoes them instead of answering;
such pairs would teach echoing, so they are skipped (the script prints them), and the shipped set
is English only unless a larger preset answers in Japanese.

Run: `PLAYGROUND_OFFLINE=1 python scripts/make_dpo_demo_set.py` (about 2 minutes on 1 CPU thread).
Writes `assets/dpo/demo_pairs.jsonl` in TRL's conversational preference format.
"""
from __future__ import annotations

import json
import pathlib
import re
import sys

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground.core.generation import GenerationParams, stream_generate  # noqa: E402
from playground.core.models import load_causal_lm  # noqa: E402

OUT = ROOT / "assets" / "dpo" / "demo_pairs.jsonl"
MAX_ANSWER_TOKENS = 64
PROMPTS = [
    "What is the capital of France?", "Why is the sky blue?", "What is photosynthesis?",
    "How do I make a cup of tea?", "What is a black hole?", "Why do cats purr?",
    "What is machine learning?", "How does a rainbow form?", "What is the largest ocean?",
    "Why do leaves change color in autumn?", "What is gravity?", "How do bees make honey?",
    "What is the internet?", "Why do we need sleep?", "What is a volcano?", "How do plants drink water?",
    "What is a computer?", "Why do we have seasons?", "What is DNA?", "How do airplanes fly?",
    "What is an atom?", "Why is exercise good for you?",
    "日本の首都はどこですか？", "空はなぜ青いのですか？", "光合成とは何ですか？", "お茶の入れ方を教えてください。",
    "火山とは何ですか？", "なぜ睡眠が必要なのですか？", "虹はどうやってできますか？", "機械学習とは何ですか？",
]
SENTENCE_END = re.compile(r"(.+?[.!?。！？])(\s|$)", re.S)


def first_sentence(prompt: str, answer: str) -> str | None:
    """The answer's first complete sentence; None when it has none, is all of it or echoes the prompt."""
    match = SENTENCE_END.match(answer.strip())
    if not match:
        return None
    sentence = match.group(1).strip()
    echoes = sentence.rstrip("?？。.") in prompt or prompt.rstrip("?？。.") in sentence
    return sentence if len(sentence) < len(answer.strip()) and not echoes else None


def main() -> None:
    torch.set_num_threads(1)
    lm = load_causal_lm()
    params = GenerationParams(max_new_tokens=MAX_ANSWER_TOKENS, temperature=0.0)
    rows = []
    for prompt in PROMPTS:
        *_, answer = stream_generate(lm, prompt, params)
        chosen = first_sentence(prompt, answer)
        print(f"{prompt!r}\n  rejected: {answer.strip()[:90]!r}...\n  chosen: {chosen!r}", flush=True)
        if chosen:
            rows.append({"prompt": [{"role": "user", "content": prompt}],
                         "chosen": [{"role": "assistant", "content": chosen}],
                         "rejected": [{"role": "assistant", "content": answer.strip()}]})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {len(rows)} pairs to {OUT}")


if __name__ == "__main__":
    main()
