"""Who answers whom, without a server: each visitor's own run, the room's published one, the bounds on memory,
the presenter key, and what the header, the DPO line and Generate say to each visitor (issue 27, item 5)."""
from __future__ import annotations

import gc
import weakref

import gradio as gr
import pytest
import torch

from playground.core.batching import Schedulers
from playground.dpo import training as dpo_training
from playground.dpo.room import SessionPolicies, check_key, may_publish, private_bytes

CONFIG = dpo_training.TrainConfig(steps=1, batch_size=1, answer_tokens=4)  # milliseconds on the tiny model


class Run:
    """A stand-in policy: what the registry sees of one (its size comes from the `size` callable)."""

    def __init__(self, run: int, size: int = 1) -> None:
        self.run, self.size = run, size


def registry(**bounds) -> SessionPolicies:
    return SessionPolicies(size=lambda policy: policy.size, mark=lambda policy: policy.run, **bounds)


def visitor(session: str, language: str = "en") -> gr.Request:
    return gr.Request(session_hash=session, headers={"accept-language": language})


def train(trainer: dpo_training.PolicyTrainer, lm, session: str, continued: bool = False) -> dpo_training.Policy:
    list(trainer.train(lm, dpo_training.load_pairs()[:2], CONFIG, continued, session))
    return trainer.own(session)


# ------------------------------------------------------------------ the registry alone
def test_the_least_recently_used_policy_goes_first_and_its_visitor_is_told():
    kept = registry(max_policies=2)
    assert kept.put("a", Run(1)) == [] and kept.put("b", Run(2)) == []
    assert kept.get("a").run == 1  # a used its policy: b's is now the oldest used
    assert kept.put("c", Run(3)) == ["b"]
    assert (kept.get("b"), kept.evicted("b"), len(kept)) == (None, 2, 2)
    assert kept.get("a").run == 1 and kept.get("c").run == 3 and kept.evicted("a") is None
    kept.put("b", Run(4))  # b trains again: its mark goes, and now a's is the oldest used... c's was used last
    assert kept.evicted("b") is None and kept.get("b").run == 4 and kept.evicted("a") == 1


def test_the_byte_bound_keeps_the_newest_even_alone_over_it():
    kept = registry(max_policies=10, max_bytes=100)
    kept.put("a", Run(1, size=60))
    assert kept.put("b", Run(2, size=60)) == ["a"] and kept.bytes == 60  # 120 > 100: the older one goes
    assert kept.put("c", Run(3, size=500)) == ["b"] and kept.get("c").run == 3  # over alone, but the newest stays
    with pytest.raises(ValueError):
        registry(max_policies=0)


def test_a_let_go_policy_is_freed_and_the_marks_are_bounded():
    kept = registry(max_policies=1, marks=2)
    first = Run(1)
    alive = weakref.ref(first)
    kept.put("a", first)
    del first
    kept.put("b", Run(2))
    gc.collect()
    assert alive() is None and kept.evicted("a") == 1  # only its run number is remembered, never the model
    kept.put("c", Run(3)), kept.put("d", Run(4))
    assert kept.evicted("a") is None and kept.evicted("b") == 2 and kept.evicted("c") == 3  # the 2 newest marks
    assert kept.take("d").run == 4 and kept.get("d") is None and kept.take("d") is None


# ------------------------------------------------------------------ the presenter key
def test_publishing_needs_the_presenter_key_only_when_the_host_set_one():
    assert may_publish(None, "") and may_publish("", "anything")  # unset: anyone may publish
    assert may_publish("s3cret", "s3cret") and may_publish("s3cret", " s3cret\n")  # pasted with a newline
    assert not may_publish("s3cret", "S3CRET") and not may_publish("s3cret", "s3cre")
    with pytest.raises(ValueError) as missing:
        check_key("s3cret", "  ")
    with pytest.raises(ValueError) as wrong:
        check_key("s3cret", "guess")
    assert (missing.value.key, wrong.value.key) == ("dpo_err_key_missing", "dpo_err_key_wrong")


# ------------------------------------------------------------------ the trainer: two visitors and the room
def test_a_run_answers_only_its_visitor_until_it_is_published(tiny_lm):
    import app
    from demos.dpo.votes import Votes
    from demos.generate import Generate

    trainer = dpo_training.PolicyTrainer(presenter_key="s3cret")
    facts = {"device": "cpu", "dtype": "float32", "threads": "1", "model": "m", "hub": "offline", "engine": "",
             "english_only": "yes"}
    header = app.policy_status(trainer, facts)
    mine = train(trainer, tiny_lm, "a")
    # 1. a's run answers a only: b asks for the trained policy and gets none; the pages say so
    assert trainer.whose("a") == "own" and trainer.answering_lm(tiny_lm, "trained", "a").model is mine.model
    assert trainer.whose("b") == "reference" and trainer.answering_lm(tiny_lm, "trained", "b") is None
    assert trainer.answering_lm(tiny_lm, None, "b") is tiny_lm and trainer.judged == []
    assert f"your policy: DPO-trained run {mine.run} (only you)" in header(visitor("a"))
    assert "英語でしか答えません" in header(visitor("b", "ja")) and "⚠" not in header(visitor("b"))
    assert "あなただけ" in header(visitor("a", "ja")) and header(visitor("b")).endswith("policy: reference model")
    assert Generate(trainer, Schedulers()).policy_choice(visitor("b"))["value"] == "reference"
    assert Votes(None, trainer).live_policy(visitor("b"))[1] == "reference"
    assert "only you" in Votes(None, trainer).live_policy(visitor("a"))[0]
    # 2. publishing needs the key; then the run is the room's: b (and anyone new) gets it, and it is judged
    for key, refusal in (("", "dpo_err_key_missing"), ("guess", "dpo_err_key_wrong")):
        with pytest.raises(ValueError, match=refusal):
            trainer.publish("a", key)
    with pytest.raises(ValueError, match="dpo_err_nothing_to_publish"):
        trainer.publish("b", "s3cret")
    assert trainer.publish("a", "s3cret") is mine
    for session in ("a", "b", "new"):
        assert trainer.whose(session) == "room" and trainer.policy_for(session) is mine
    assert f"room policy: published run {mine.run}" in header(visitor("b")) and "公開された学習" in header(visitor("b", "ja"))
    assert Generate(trainer, Schedulers()).policy_choice(visitor("b"))["value"] == "trained"
    assert [p.id for p in trainer.judged] == [mine.id]
    # 3. b continues from the room's run, privately; a still gets the room's; discarding brings b back to it
    theirs = train(trainer, tiny_lm, "b", continued=True)
    assert theirs.continued_from == mine.run and trainer.policy_for("a") is mine and trainer.policy_for("b") is theirs
    assert trainer.reset("b") and trainer.policy_for("b") is mine and not trainer.reset("b")
    # 4. the room goes back to the reference only with the key
    with pytest.raises(ValueError, match="dpo_err_key_wrong"):
        trainer.reset_room("guess")
    assert trainer.reset_room("s3cret") and trainer.whose("b") == "reference" and trainer.gone(mine.id) == "reset"


def test_a_visitor_whose_run_was_let_go_is_told_not_answered_by_another(tiny_lm):
    import app
    from demos.generate import Generate

    trainer = dpo_training.PolicyTrainer(private=SessionPolicies(max_policies=1, size=lambda p: p.bytes,
                                                                 mark=lambda p: p.run))
    lost = train(trainer, tiny_lm, "a")
    train(trainer, tiny_lm, "room")
    trainer.publish("room")
    train(trainer, tiny_lm, "b")  # one private slot: a's run goes
    assert trainer.whose("a") == "evicted" and trainer.answering_lm(tiny_lm, "trained", "a") is None
    assert f"run {lost.run} was let go" in app.policy_status(trainer, app.machine_facts())(visitor("a"))
    with pytest.raises(gr.Error, match=f"run {lost.run}\\) was let go"):
        list(Generate(trainer, Schedulers()).generate("Hi", 4, 0.0, "trained", visitor("a")))
    for attempt in (lambda: next(trainer.train(tiny_lm, dpo_training.load_pairs()[:2], CONFIG, True, "a")),
                    lambda: trainer.publish("a")):
        with pytest.raises(ValueError, match="dpo_err_evicted"):
            attempt()
    assert not trainer.reset("a") and trainer.whose("a") == "room"  # discarding: the room's policy again
    trainer.forget("b")  # b's page was closed
    assert trainer.own("b") is None and trainer.whose("b") == "room"


def test_a_lora_policy_holds_only_its_adapter(tiny_lm):
    """The frozen base weights are the shared model's own tensors; what the policy keeps is r·(in + out) per
    linear layer (LoRA's A and B), counted here from the layers' shapes, plus the copied buffers."""
    policy = dpo_training.make_policy(tiny_lm, CONFIG)
    reference = {p.data_ptr() for p in tiny_lm.model.parameters()}
    base = [p for n, p in policy.model.named_parameters() if "lora_" not in n]
    assert base and all(p.data_ptr() in reference and not p.requires_grad for p in base)
    linears = [m for n, m in tiny_lm.model.named_modules() if isinstance(m, torch.nn.Linear) and "lm_head" not in n]
    adapter = sum(CONFIG.lora_r * (m.in_features + m.out_features) for m in linears) * 4  # float32
    buffers = sum(b.untyped_storage().nbytes() for b in policy.model.buffers())
    assert private_bytes(policy.model, tiny_lm.model) == adapter + buffers
    full = dpo_training.make_policy(tiny_lm, dpo_training.TrainConfig(steps=1, lora=False))
    weights = sum(p.numel() * 4 for p in tiny_lm.model.parameters())  # tied embeddings counted once
    assert private_bytes(full.model, tiny_lm.model) == weights + buffers
