"""Record the runs the Penalties, Speculative and DPO tabs open with into assets/<tab>/lesson*.json.

Each tab shows its run on page load, labelled with the date and machine, until a visitor runs it
live: the poem without and with penalties (and a sweep of the repetition penalty), the copy
preset's plain and speculative decoding, and a pair of answers to vote on. About two minutes of
CPU on the offline SmolLM2-135M; rerun after changing a tab's defaults.
Usage: PLAYGROUND_OFFLINE=1 python scripts/record_lessons.py
"""
from __future__ import annotations

import dataclasses
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


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
    proposer = make_draft(preset.draft_kind, lm.model, None, preset.early_exit_layers)
    events = plain_then_speculative(lm.model, proposer, chat_input_ids(lm, preset.prompt), preset.max_new_tokens,
                                    preset.num_draft_tokens, False, 1.0, 0, preset.adaptive_draft)
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


def main() -> None:
    os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
    import torch

    from playground.core.models import load_causal_lm

    torch.set_num_threads(1)
    lm = load_causal_lm()
    for record in (record_penalties, record_speculative, record_dpo):
        print(record(lm), flush=True)


if __name__ == "__main__":
    main()
