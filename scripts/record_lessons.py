"""Record the runs the Generate, Penalties, Speculative, DPO and EMA tabs open with into assets/<tab>/lesson*.json.

Each tab shows its run on page load, labelled with the date and machine, until a visitor runs it
live: the default prompt's greedy answer, the poem without and with penalties (and a sweep of the repetition penalty), the copy
preset's plain and speculative decoding, a pair of answers to vote on, the DPO tab's default
training run (16 LoRA steps, ~2 minutes), and the EMA tab's default live run (two moons, ~30 s).
About four minutes of CPU on the offline SmolLM2-135M; rerun after changing a tab's defaults.
Usage: PLAYGROUND_OFFLINE=1 python scripts/record_lessons.py [generate penalties speculative dpo dpo_training ema]
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def record_generate(lm) -> str:
    """The Generate tab's default prompt and controls: its greedy answer, decoded alone (the tab's batch decodes
    the same tokens: tests/test_batching.py), and the number of tokens it took."""
    import torch

    from demos import generate
    from playground.core import recorded
    from playground.core.generation import GREEDY, chat_input_ids

    input_ids = chat_input_ids(lm, generate.PROMPT)
    start = time.perf_counter()
    with torch.inference_mode():
        output = lm.model.generate(input_ids, attention_mask=torch.ones_like(input_ids), **GREEDY,
                                   max_new_tokens=generate.DEFAULTS.max_new_tokens,
                                   pad_token_id=lm.tokenizer.eos_token_id)
    seconds = time.perf_counter() - start
    new_ids = output[0, input_ids.shape[1]:]
    answer = lm.tokenizer.decode(new_ids, skip_special_tokens=True)
    recorded.save({"prompt": generate.PROMPT, "params": dataclasses.asdict(generate.DEFAULTS), "answer": answer,
                   "tokens": len(new_ids), "seconds": round(seconds, 2)}, ROOT / generate.LESSON)
    return f"generate: {len(new_ids)} tokens in {seconds:.1f} s"


def record_penalties(lm) -> str:
    from demos.penalties import tab
    from playground.core import recorded
    from playground.penalties.decoding import side_by_side, sweep_penalty

    for plain, penalised in side_by_side(lm, tab.POEM, tab.DEFAULT, tab.DEFAULT_PARAMS):
        pass
    penalty, points = tab.DEFAULT_SWEEP
    base = dataclasses.replace(tab.DEFAULT, repetition_penalty=1.0)  # the sweep switches the others off
    sweep = list(sweep_penalty(lm, tab.POEM, penalty, points, base, tab.DEFAULT_PARAMS))
    recorded.save({"config": dataclasses.asdict(tab.DEFAULT), "params": dataclasses.asdict(tab.DEFAULT_PARAMS),
                   "plain": dataclasses.asdict(plain), "penalised": dataclasses.asdict(penalised),
                   "sweep": [dataclasses.asdict(point) for point in sweep]}, ROOT / tab.LESSON)
    return f"penalties: {len(plain.new_ids)} and {len(penalised.new_ids)} tokens, {len(sweep)} sweep points"


def record_speculative(lm) -> str:
    from demos import speculative
    from playground.core import recorded
    from playground.core.generation import chat_input_ids
    from playground.speculative.comparison import Comparison, plain_then_speculative
    from playground.speculative.figures import token_pieces
    from playground.speculative.presets import PRESETS, make_draft

    preset = PRESETS["copy"]
    proposer = make_draft(preset, lm.model)
    events = plain_then_speculative(lm.model, proposer, chat_input_ids(lm, preset.prompt), preset)
    comparison = [event for event in events if isinstance(event, Comparison)][-1]
    recorded.save({"comparison": dataclasses.asdict(comparison), "draft": proposer.name,
                   "plain_text": speculative.decoded(lm.tokenizer, comparison.plain),
                   "speculative_text": speculative.decoded(lm.tokenizer, comparison.speculative),
                   "pieces": token_pieces(lm.tokenizer, comparison.speculative.tokens)}, ROOT / speculative.LESSON)
    return f"speculative: {comparison.speedup:.2f}x, identical={comparison.identical}"


def record_dpo(lm) -> str:
    from demos.dpo import votes
    from playground.core import recorded
    from playground.dpo.preferences import PROMPTS, stream_pair

    seed = 0
    for pair in stream_pair(lm, PROMPTS[0], 64, seed=seed):
        pass
    recorded.save({**dataclasses.asdict(pair), "params": {**pair.params, "policy": "reference"}, "seed": seed},
                  ROOT / votes.LESSON)
    return f"dpo: a pair of {len(pair.answer_a)} and {len(pair.answer_b)} characters"


def record_dpo_training(lm) -> str:
    """The training section's default run (the tab's controls as they open), on the demo set."""
    from demos.dpo import training
    from playground.core import recorded
    from playground.dpo.training import PolicyTrainer, load_pairs

    start = time.perf_counter()
    for progress in PolicyTrainer().train(lm, load_pairs(), training.DEFAULTS):
        pass
    seconds = time.perf_counter() - start
    recorded.save(training.lesson_record(progress, training.DEFAULTS, seconds), ROOT / training.LESSON)
    return f"dpo training: {len(progress.history)} steps in {seconds:.0f} s, repeats {progress.health}"


def record_ema(lm) -> str:
    """The EMA tab's default live run (its controls as they open); the language model is not used."""
    from playground.core import recorded
    from playground.ema import checkpoints, diffusion

    start = time.perf_counter()
    for history in diffusion.train(diffusion.TrainConfig()):
        pass
    seconds = time.perf_counter() - start
    recorded.save(checkpoints.run_record(history, seconds), checkpoints.LIVE_RUN)
    return f"ema: {history.step} steps in {seconds:.0f} s, metrics raw {history.metrics_raw} ema {history.metrics_ema}"


RECORDS = {"generate": record_generate, "penalties": record_penalties, "speculative": record_speculative, "dpo": record_dpo,
           "dpo_training": record_dpo_training, "ema": record_ema}


def main() -> None:
    os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
    import torch

    from playground.core.models import load_causal_lm

    names = sys.argv[1:] or list(RECORDS)
    unknown = set(names) - set(RECORDS)
    if unknown:
        raise SystemExit(f"unknown lesson(s) {sorted(unknown)}; choose from {list(RECORDS)}")
    torch.set_num_threads(1)
    lm = load_causal_lm() if set(names) - {"ema"} else None  # EMA's run needs no language model
    for name in names:
        print(RECORDS[name](lm), flush=True)


if __name__ == "__main__":
    main()
