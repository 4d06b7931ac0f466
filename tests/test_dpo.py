"""DPO engine: the loss by hand and against TRL's DPOTrainer, and the bounded training loop."""
from __future__ import annotations

import copy
import threading
import time

import gradio as gr
import pytest
import torch

from demos.dpo import text as dpo_text
from playground.core.batching import Schedulers
from playground.core.errors import InputError
from playground.core.timed import TimedWork
from playground.dpo import figures as dpo_figures
from playground.dpo import loss as dpo
from playground.dpo import training as dpo_training
from playground.dpo.preferences import PreferenceStore
from tests.conftest import make_tiny_lm

PAIRS = [  # short on purpose: no truncation on either side, so TRL and we see the same tokens
    ("What is 2+2?", "4.", "Let me think about numbers for a long while, maybe five"),
    ("Name a colour.", "Blue.", "Colours are many and I could not possibly pick one"),
    ("空は何色？", "青です。", "空の色はいろいろあります、とても長い話になります"),
]


def test_loss_matches_the_formula_by_hand():
    policy_chosen, policy_rejected = torch.tensor([-1.0, -5.0]), torch.tensor([-3.0, -2.0])
    ref_chosen, ref_rejected = torch.tensor([-2.0, -4.0]), torch.tensor([-2.0, -4.0])
    inputs = [t.clone() for t in (policy_chosen, policy_rejected, ref_chosen, ref_rejected)]
    losses, chosen, rejected = dpo.dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.5)
    # pair 0: rewards 0.5*(1) and 0.5*(-1), margin 1 -> -log sigmoid(1); pair 1: 0.5*(-1), 0.5*(2) -> -log sigmoid(-1.5)
    assert torch.allclose(chosen, torch.tensor([0.5, -0.5])) and torch.allclose(rejected, torch.tensor([-0.5, 1.0]))
    expected = torch.tensor([torch.log1p(torch.exp(torch.tensor(-1.0))), torch.log1p(torch.exp(torch.tensor(1.5)))])
    assert torch.allclose(losses, expected, atol=1e-6)
    for before, after in zip(inputs, (policy_chosen, policy_rejected, ref_chosen, ref_rejected)):
        assert torch.equal(before, after)  # inputs not mutated
    with pytest.raises(ValueError, match="beta"):
        dpo.dpo_loss(policy_chosen, policy_rejected, ref_chosen, ref_rejected, beta=0.0)


def test_gradient_weight_is_sigmoid_of_minus_beta_margin():
    # Eq. 8: d loss / d margin = -beta * sigmoid(-beta * margin); the curves tabulate sigmoid(-beta * margin)
    margin = torch.tensor([3.0], requires_grad=True)
    loss, _, _ = dpo.dpo_loss(margin, torch.zeros(1), torch.zeros(1), torch.zeros(1), beta=0.5)
    loss.sum().backward()
    curves = dpo.loss_curves(betas=(0.5,), span=3.0, points=3)
    assert margin.grad.item() == pytest.approx(-0.5 * curves.weights[0][2], abs=1e-7)
    figure = dpo_figures.loss_curves_figure(curves, {"title": "t", "x": "x", "loss": "loss", "weight": "weight"})
    assert figure.layout.height and len(figure.data) == 2


@pytest.fixture()
def exported(tmp_path):
    store = PreferenceStore(tmp_path / "votes.db")
    for index, (prompt, good, bad) in enumerate(PAIRS):  # alternate sides: export must un-swap them
        a, b, choice = (good, bad, "a") if index % 2 == 0 else (bad, good, "b")
        store.add_vote("tester", prompt, a, b, choice)
    store.add_vote("tester", "tie prompt", "x", "y", "tie")  # stored, not exported
    path = tmp_path / "prefs.jsonl"
    assert store.export_jsonl(path) == len(PAIRS)
    return path


@pytest.mark.parametrize("loss_type", [["sigmoid"], ["sigmoid", "sft"]], ids=["dpo", "dpo+sft"])
def test_loss_and_rewards_match_trl_dpo_trainer_on_the_same_batch(exported, tmp_path, smollm2_tokenizer, loss_type):
    from datasets import load_dataset
    from trl import DPOConfig, DPOTrainer

    dataset = load_dataset("json", data_files=str(exported), split="train")  # the export, read by `datasets`
    policy = make_tiny_lm(smollm2_tokenizer, seed=1).model.train()
    reference = make_tiny_lm(smollm2_tokenizer, seed=2).model.eval()
    config = DPOConfig(output_dir=str(tmp_path / "trl"), bf16=False, use_cpu=True, beta=0.1, loss_type=loss_type,
                       per_device_train_batch_size=len(PAIRS), max_steps=1, report_to="none",
                       logging_steps=1, save_strategy="no")
    trainer = DPOTrainer(model=policy, ref_model=reference, args=config, train_dataset=dataset,
                         processing_class=smollm2_tokenizer)
    batch = next(iter(trainer.get_train_dataloader()))  # every pair, in TRL's (shuffled) order
    with torch.no_grad():
        trl_loss = trainer.compute_loss(trainer.model, batch).item()
    metrics = {key: values[-1] for key, values in trainer._metrics["train"].items()}

    # ours: our tokenisation, our log-probs, our loss, on the same pairs and the same two models
    rows = [{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"]} for r in dataset]
    data = collate_rows(smollm2_tokenizer, rows)
    with torch.no_grad():
        logps, token_logps = dpo.completion_logps(policy, data["input_ids"], data["attention_mask"],
                                                  data["completion_mask"])
        ref_logps, _ = dpo.completion_logps(reference, data["input_ids"], data["attention_mask"],
                                            data["completion_mask"])
    losses, chosen, rejected = dpo.dpo_loss(*logps.chunk(2), *ref_logps.chunk(2), beta=0.1)
    ours = losses.mean().item()
    if "sft" in loss_type:
        ours += dpo.sft_loss(token_logps.chunk(2)[0], data["completion_mask"].chunk(2)[0]).item()
    # TRL pads and batches differently, so the float32 forward passes sum in another order: each
    # sequence log-prob agrees to ~1e-6 of its own size, not to a fixed number of digits.
    # d loss / d logp <= beta per log-prob and the SFT term is a per-token mean, so both stay
    # within that error; a reward is beta * (a difference of two log-probs).
    logp_error = 1e-5 * float(torch.cat([logps, ref_logps]).abs().max())
    assert ours == pytest.approx(trl_loss, abs=2 * logp_error)
    assert chosen.mean().item() == pytest.approx(metrics["rewards/chosen"], abs=2 * 0.1 * logp_error)
    assert rejected.mean().item() == pytest.approx(metrics["rewards/rejected"], abs=2 * 0.1 * logp_error)
    assert abs(chosen.mean().item()) > 1e-3  # two different models: the comparison is not 0 == 0

    # and TRL accepts the export for a real optimiser step
    result = trainer.train()
    assert torch.isfinite(torch.tensor(result.training_loss))


def collate_rows(tokenizer, rows):
    return dpo_training.collate([dpo_training.tokenize_pair(tokenizer, row, 64) for row in rows],
                                tokenizer.pad_token_id)


def test_tokenize_pair_splits_prompt_and_answers_on_the_chat_template(smollm2_tokenizer):
    prompt, chosen, rejected = dpo_training.tokenize_pair(smollm2_tokenizer, {
        "prompt": "Hi?", "chosen": "Hello!", "rejected": "Go away."}, 64)
    assert smollm2_tokenizer.decode(prompt).endswith("<|im_start|>assistant\n")
    assert smollm2_tokenizer.decode(chosen).startswith("Hello!") and "<|im_end|>" in smollm2_tokenizer.decode(chosen)
    assert smollm2_tokenizer.decode(rejected).startswith("Go away.")
    _, short, _ = dpo_training.tokenize_pair(smollm2_tokenizer, {"prompt": "Hi?", "chosen": "a " * 100,
                                                                 "rejected": "b"}, 8)
    assert len(short) == 8


def test_repeated_ngram_rate():
    """The DPO collapse alarm's measure: repeated token 3-grams (shared with the penalties tab)."""
    assert dpo_training.mean_repeat_rate([[1, 2, 3]]) == 0.0
    assert dpo_training.mean_repeat_rate([[5, 5, 5, 5, 5]]) == pytest.approx(2 / 3)  # 3 trigrams, 1 distinct
    assert dpo_training.mean_repeat_rate([[1, 2]]) == 0.0


@pytest.mark.parametrize("bad, key, field", [  # the shared key, and the field by its label key
    ({"steps": 0}, "common_err_whole", "dpo_steps"), ({"steps": 10**6}, "common_err_whole", "dpo_steps"),
    ({"steps": 1.5}, "common_err_whole", "dpo_steps"), ({"batch_size": 9}, "common_err_whole", "dpo_batch"),
    ({"learning_rate": float("nan")}, "common_err_range", "dpo_lr"), ({"beta": -1.0}, "common_err_range", "dpo_beta"),
    ({"beta": 1.5}, "common_err_range", "dpo_beta"),  # past the page's slider: one range, the config's
    ({"sft": None}, "common_err_boolean", "dpo_mode"), ({"lora": "yes"}, "common_err_boolean", "dpo_lora"),
    ({"seed": -1}, "common_err_whole", "dpo_train_seed"), ({"answer_tokens": 2}, "common_err_whole", "dpo_answer_tokens"),
])
def test_config_refuses_out_of_range_values_naming_the_field(bad, key, field):
    with pytest.raises(InputError) as error:
        dpo_training.TrainConfig(**bad)
    assert (error.value.key, error.value.values["field"]) == (key, field)
    assert dpo_text.TEXT["en"][field] and dpo_text.TEXT["ja"][field]


def test_config_stores_whole_numbers_as_ints():
    config = dpo_training.TrainConfig(steps=8.0, batch_size=2.0)
    assert (config.steps, config.batch_size) == (8, 2) and isinstance(config.steps, int)


def test_tiny_training_run_trains_a_copy_and_leaves_the_shared_model_alone(tiny_lm):
    trainer = dpo_training.PolicyTrainer()  # one per server; each test is a server
    shared = copy.deepcopy(tiny_lm.model.state_dict())
    pairs = dpo_training.load_pairs()
    assert 8 <= len(pairs) <= 24
    config = dpo_training.TrainConfig(steps=3, batch_size=2, health_every=2, answer_tokens=6, learning_rate=1e-2)
    updates = [(p.phase, len(p.history)) for p in trainer.train(tiny_lm, pairs, config)]
    assert updates == [("reference", 0), ("step", 1), ("step", 2), ("step", 3), ("done", 3)]
    policy = trainer.own("")
    assert policy is not None and policy.steps_done == 3
    progress = list(trainer.train(tiny_lm, pairs, config))[-1]
    assert len(progress.before) == len(progress.after) == len(dpo_training.HELD_OUT_PROMPTS)
    assert [step for step, _ in progress.health] == [0, 2, 3]
    assert progress.history[-1].margin > progress.history[0].margin - 1e-6 or progress.history[-1].loss < 0.7
    assert all(torch.equal(shared[k], v) for k, v in tiny_lm.model.state_dict().items())
    assert trainer.reset() and trainer.own("") is None


def test_full_fine_tune_uses_the_untouched_shared_model_as_reference(tiny_lm):
    trainer = dpo_training.PolicyTrainer()  # one per server; each test is a server
    config = dpo_training.TrainConfig(steps=1, batch_size=2, lora=False, answer_tokens=4, learning_rate=1e-3)
    list(trainer.train(tiny_lm, dpo_training.load_pairs()[:2], config))
    policy = trainer.own("")
    assert policy.reference is tiny_lm.model
    assert any(not torch.equal(a, b) for a, b in zip(policy.model.parameters(), tiny_lm.model.parameters()))
    trainer.reset()


def test_only_one_training_job_per_server(tiny_lm):
    trainer = dpo_training.PolicyTrainer()  # one per server; each test is a server
    config = dpo_training.TrainConfig(steps=2, batch_size=1, answer_tokens=4)
    first = trainer.train(tiny_lm, dpo_training.load_pairs(), config)
    next(first)  # the first job holds the slot
    errors = []
    thread = threading.Thread(target=lambda: errors.append(pytest.raises(
        ValueError, lambda: next(trainer.train(tiny_lm, dpo_training.load_pairs(), config)))))
    thread.start(), thread.join()
    assert errors[0].value.key == "dpo_err_busy"
    first.close()  # cancelling (as the UI's Stop does) frees the slot
    next(trainer.train(tiny_lm, dpo_training.load_pairs(), config))
    with pytest.raises(ValueError, match="dpo_err_no_pairs"):
        next(trainer.train(tiny_lm, [], config))


@pytest.mark.slow
def test_real_model_learns_the_preferences_within_a_few_steps(offline_lm):
    """Integration: DPO + SFT with LoRA on the shipped pairs; reward accuracy must exceed chance."""
    trainer = dpo_training.PolicyTrainer()
    config = dpo_training.TrainConfig(steps=4, batch_size=4, answer_tokens=16, health_every=4)
    progress = list(trainer.train(offline_lm, dpo_training.load_pairs(), config))[-1]
    accuracies = [m.accuracy for m in progress.history]
    print("accuracy per step:", accuracies, "margins:", [round(m.margin, 2) for m in progress.history])
    assert accuracies[0] <= 0.5  # step 1: policy == reference, all rewards tie (ties count as wrong)
    assert max(accuracies[1:]) > 0.5 and progress.history[-1].margin > progress.history[0].margin
    assert all(rate < 0.5 for _, rate in progress.health)  # no collapse into loops
    trainer.reset()


def _independent_reference_logps(model, tokenizer, pairs):
    """Summed completion log-probs, one unpadded sequence at a time, from the full logits (no slicing)."""
    values = []
    for side in (1, 2):
        for pair in pairs:
            ids = torch.tensor([pair[0] + pair[side]])
            with torch.no_grad():
                logps = torch.log_softmax(model(input_ids=ids).logits[0, :-1], dim=-1)
            targets = ids[0, 1:]
            values.append(logps[len(pair[0]) - 1:, :].gather(-1, targets[len(pair[0]) - 1:, None]).sum().item())
    return torch.tensor(values)


def test_reference_log_probs_are_computed_once_and_match_an_unpadded_forward(tiny_lm):
    trainer = dpo_training.PolicyTrainer()
    tokenizer = tiny_lm.tokenizer
    pairs = [dpo_training.tokenize_pair(tokenizer, row, 64) for row in dpo_training.load_pairs()[:3]]
    cached = trainer.reference_logps(tiny_lm, pairs, tokenizer.pad_token_id)  # (6,) chosen then rejected
    expected = _independent_reference_logps(tiny_lm.model, tokenizer, pairs)
    assert torch.allclose(cached, expected, rtol=1e-5, atol=1e-5 * expected.abs().max().item())

    calls = []
    hook = tiny_lm.model.register_forward_hook(lambda module, *_: calls.append(module is tiny_lm.model))
    try:
        again = trainer.reference_logps(tiny_lm, pairs[::-1], tokenizer.pad_token_id)  # same pairs, new order
        config = dpo_training.TrainConfig(steps=4, batch_size=2, health_every=8, answer_tokens=4, learning_rate=1e-2)
        first = list(trainer.train(tiny_lm, dpo_training.load_pairs()[:4], config))[-1]
        shared_calls_first_run = sum(calls)
        calls.clear()
        second = list(trainer.train(tiny_lm, dpo_training.load_pairs()[:4], config))[-1]
    finally:
        hook.remove()
    assert torch.equal(again, torch.cat([cached[:3].flip(0), cached[3:].flip(0)]))
    assert shared_calls_first_run > 0  # pairs 4 and the reference answers were new
    assert sum(calls) == 0  # second run: reference log-probs and answers came from the cache
    # and the cache changes nothing: the seeded second run repeats the first exactly
    assert [m.loss for m in second.history] == [m.loss for m in first.history]
    assert second.before == first.before and second.after == first.after


def test_lora_init_comes_from_the_run_seed_not_the_global_generator(tiny_lm):
    def lora_a(seed: int) -> list[torch.Tensor]:
        policy = dpo_training.make_policy(tiny_lm, dpo_training.TrainConfig(seed=seed))
        return [p.detach().clone() for n, p in policy.model.named_parameters() if "lora_A" in n]

    torch.manual_seed(123)
    first = lora_a(0)
    torch.manual_seed(456)  # another request moving the global generator changes nothing
    assert all(torch.equal(a, b) for a, b in zip(first, lora_a(0)))
    assert any(not torch.equal(a, b) for a, b in zip(first, lora_a(1)))
    assert first and all(a.abs().sum() > 0 for a in first)


def test_the_trained_policy_answers_the_next_pairs_until_reset(tiny_lm):
    trainer = dpo_training.PolicyTrainer()
    assert trainer.answering_lm(tiny_lm) is tiny_lm  # nothing trained: the reference answers
    config = dpo_training.TrainConfig(steps=2, batch_size=2, answer_tokens=4, learning_rate=1e-2)
    run = trainer.train(tiny_lm, dpo_training.load_pairs()[:4], config)
    next(run), next(run)
    assert trainer.own("") is None  # a run goes live only when it has finished
    list(run)
    answering = trainer.answering_lm(tiny_lm)
    assert answering.model is trainer.own("").model and answering.tokenizer is tiny_lm.tokenizer
    assert "DPO run 1 (2 steps)" in answering.model_id and trainer.own("").pairs == 4
    from playground.dpo.preferences import stream_pair

    *_, pair = stream_pair(answering, "Hi?", max_new_tokens=4, seed=0)  # the voting path runs on the policy
    assert pair.params["model_id"] == answering.model_id
    assert trainer.reset() and trainer.answering_lm(tiny_lm) is tiny_lm


def test_a_pair_decodes_both_sides_in_one_batch_and_equals_the_pair_made_alone(tiny_lm):
    """The voting path (`Votes.pairs`): both sides join the model's batch at once, and each side's seed holds."""
    from demos.common import batched_stream
    from playground.core.batching import Schedulers
    from playground.dpo.preferences import stream_pair, stream_pair_from

    *_, alone = stream_pair(tiny_lm, "Hi?", max_new_tokens=12, temperatures=(0.0, 1.0), seed=3)
    rows: list[int] = []
    hook = tiny_lm.model.register_forward_pre_hook(lambda module, args, kwargs: rows.append(kwargs["input_ids"].shape[0]),
                                                   with_kwargs=True)
    try:
        batches = Schedulers()
        pairs = list(stream_pair_from(lambda asked, side: batched_stream(batches, tiny_lm, asked, side, None),
                                      tiny_lm.model_id, "Hi?", 12, (0.0, 1.0), seed=3))
    finally:
        hook.remove()
    assert (pairs[-1].answer_a, pairs[-1].answer_b) == (alone.answer_a, alone.answer_b) and alone.answer_a
    # one shared-prefix forward, one prefill, then 12 steps of both rows (in turn, it would be 2 x 13 forwards of 1)
    assert max(rows) == 2 and len(rows) <= 14, f"both sides decode together, got batch sizes {rows}"
    assert any(pair.answer_a and pair.answer_b for pair in pairs[:-1]), "the two answers grow side by side"


def test_a_pair_past_the_visitors_limit_is_refused_and_frees_the_half_it_asked_for(tiny_lm, gate):
    from demos.common import batched_stream
    from playground.core.batching import BatchLimits, Schedulers
    from playground.core.generation import GenerationParams
    from playground.dpo.preferences import stream_pair_from

    batches = Schedulers(BatchLimits(max_per_session=2))
    visitor = gr.Request(session_hash="visitor", headers={"accept-language": "ja"})

    def pair(max_new_tokens: int):
        return stream_pair_from(lambda asked, side: batched_stream(batches, tiny_lm, asked, side, visitor),
                                tiny_lm.model_id, "Hi?", max_new_tokens)

    running = batched_stream(batches, tiny_lm, "Hi", GenerationParams(max_new_tokens=500), visitor)
    gate.held_in(1)  # its prefill waits at the gate: one of the visitor's two places is taken
    with pytest.raises(ValueError, match="リクエストが多すぎます"):
        next(pair(400))  # the first half gets the other place, the second is refused
    running.close()
    gate.open(5)
    scheduler = batches.get(tiny_lm)
    deadline = time.monotonic() + 60
    while scheduler.load() != (0, 0) or scheduler._thread is not None:
        assert time.monotonic() < deadline, scheduler.load()
        time.sleep(0.01)
    assert len(gate.sizes) <= 2, f"the refused pair's first half decoded: {len(gate.sizes)} forwards"
    gate.open()
    *_, done = pair(4)
    assert done.answer_a and done.answer_b


def test_every_event_of_the_tab_is_named_dpo_or_private():
    """Wiring only: no anonymous endpoint (`/counts_markdown`, `/explainer` were) in the public API."""
    import gradio as gr

    from demos import dpo as dpo_tab

    with gr.Blocks() as demo:
        dpo_tab.build(dpo_training.PolicyTrainer(), TimedWork(), Schedulers())
    public = [fn.api_name for fn in demo.fns.values() if fn.api_visibility != "private"]
    assert public and all(name.startswith("dpo_") for name in public), public
    assert {"dpo_counts", "dpo_policy", "dpo_explainer", "dpo_push", "dpo_train", "dpo_reset"} <= set(public)


def test_generate_answers_with_the_trained_policy_until_reset(tiny_lm):
    """Greedy answers: the trained policy's differ from the reference's; after a reset they are the reference's."""
    from demos.generate import Generate
    from playground.core.generation import GenerationParams, stream_generate

    trainer = dpo_training.PolicyTrainer()
    params = GenerationParams(max_new_tokens=8, temperature=0.0)

    def answer(policy: str) -> str:
        lm = trainer.answering_lm(tiny_lm, policy, "api")  # "api": the session of a handler called without a request
        return list(stream_generate(lm, "What is the moon?", params))[-1]

    reference = answer("reference")
    assert trainer.answering_lm(tiny_lm, "trained", "api") is None  # nothing trained yet
    config = dpo_training.TrainConfig(steps=4, batch_size=2, answer_tokens=4, learning_rate=1e-2, lora=False)
    list(trainer.train(tiny_lm, dpo_training.load_pairs()[:4], config, session="api"))
    assert trainer.whose("api") == "own" and answer("trained") != reference
    assert answer("reference") == reference  # the shared model is untouched
    summary = trainer.own("api").summary()
    assert summary["run"] == 1 and summary["steps"] == 4 and summary["pairs"] == 4
    choice = Generate(trainer, Schedulers()).policy_choice()
    assert choice["value"] == "trained" and "your own run 1 (only you), 4 steps" in choice["info"]
    assert trainer.reset("api") and trainer.whose("api") == "reference"
    assert trainer.answering_lm(tiny_lm, "trained", "api") is None and answer("reference") == reference
    assert Generate(trainer, Schedulers()).policy_choice()["value"] == "reference"


@pytest.mark.parametrize("language, words", [("en", "no trained DPO policy"), ("ja", "学習した方策がまだありません")])
def test_generate_with_the_trained_policy_before_training_says_so(language, words):
    import gradio as gr

    from demos.generate import Generate

    class Request:  # what user_errors and text() read of a gr.Request
        headers = {"accept-language": language}

    handler = Generate(dpo_training.PolicyTrainer(), Schedulers())
    with pytest.raises(gr.Error) as error:
        list(handler.generate("Hi", 4, 0.0, "trained", Request()))
    assert words in str(error.value) and "Traceback" not in str(error.value)


def test_a_continued_run_starts_from_the_live_policy_and_keeps_the_reference(tiny_lm):
    """The iterative loop (vote -> train -> vote on the new answers -> train again): run 2 starts from run 1's
    weights, not the reference's; the reference, its cached log-probs and the shared model stay untouched."""
    import app
    from demos.dpo.training import TrainingView, chain_line
    from demos.dpo.votes import Votes

    trainer = dpo_training.PolicyTrainer()  # one per server; each test is a server
    shared = copy.deepcopy(tiny_lm.model.state_dict())
    pairs = dpo_training.load_pairs()[:4]
    config = dpo_training.TrainConfig(steps=2, batch_size=2, answer_tokens=4, learning_rate=1e-2)
    view = TrainingView(gr.Markdown(), gr.Plot(), gr.HTML(), None, trainer, TimedWork())
    assert view.continue_choice().value is False  # nothing to continue from: the box starts unticked
    list(trainer.train(tiny_lm, pairs, config, continued=True, session="api"))  # nothing yet: from the reference
    first = trainer.own("api")
    assert view.continue_choice().value is True  # a trained policy is live: the next run continues it by default
    assert first.continued_from == 0 and "DPO run 1 (2 steps)" in trainer.trained_lm(tiny_lm, "api").model_id

    def weights(model) -> dict[str, torch.Tensor]:  # merged LoRA: what the policy computes with
        return {k: v.detach().clone() for k, v in copy.deepcopy(model).merge_and_unload().state_dict().items()}

    start = dpo_training.make_policy(tiny_lm, config, first)  # what run 2 starts from
    trained, started = weights(first.model), weights(start.model)
    assert all(torch.equal(trained[k], started[k]) for k in trained)
    assert any(not torch.equal(trained[k], shared[k]) for k in shared)  # run 1 did move away from the reference
    assert start.model is not first.model and start.reference is tiny_lm.model
    assert all(p.requires_grad == ("lora_" in n) for n, p in start.model.named_parameters())

    list(trainer.train(tiny_lm, pairs, config, continued=True, session="api"))
    second = trainer.own("api")
    assert second.run == 2 and second.continued_from == 1 and second.total_steps == 4
    assert second.reference is tiny_lm.model and second.model is not first.model
    assert all(torch.equal(trained[k], v) for k, v in weights(first.model).items())  # run 1's policy untouched
    assert all(torch.equal(shared[k], v) for k, v in tiny_lm.model.state_dict().items())  # the shared model too
    assert "DPO run 2 (2 steps, continued from run 1, 4 in all)" in trainer.trained_lm(tiny_lm, "api").model_id
    assert "your policy: DPO-trained run 2 (only you)" in app.policy_status(trainer, app.machine_facts())()  # the header says it
    assert "学習 2（あなただけ" in app.policy_status(trainer, app.machine_facts())(JAPANESE)
    assert "continued from run 1" in Votes(None, trainer).live_policy()[0]
    assert chain_line(second, None).startswith("Run 2, continued from run 1 (4 steps in all).")

    full = dpo_training.TrainConfig(steps=1, batch_size=2, answer_tokens=4, learning_rate=1e-3, lora=False)
    merged = dpo_training.make_policy(tiny_lm, full, second)  # a full fine-tune from a LoRA policy: merged first
    assert all(torch.equal(weights(second.model)[k], v) for k, v in merged.model.state_dict().items())
    list(trainer.train(tiny_lm, pairs, full, session="api"))  # unticked: from the reference again
    assert trainer.own("api").run == 3 and trainer.own("api").continued_from == 0
    assert "continued" not in Votes(None, trainer).live_policy()[0]
    trainer.reset("api")
    assert view.continue_choice().value is False


JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})  # what a Japanese browser sends


def test_the_explainers_beta_choices_pass_the_guard_as_the_browser_sends_them():
    """JSON has one number type: the page sends the choice 1.0 as 1, and a page load must not be refused."""
    from demos import guard

    betas = gr.CheckboxGroup([0.05, 0.1, 0.5, 1.0], value=[0.05, 0.1, 0.5, 1.0])
    guard.check_value(betas, [0.05, 0.1, 0.5, 1])
    for bad in ([True], ["1"], [2]):  # still refused: a flag, text, a value not offered
        with pytest.raises(InputError):
            guard.check_value(betas, bad)
