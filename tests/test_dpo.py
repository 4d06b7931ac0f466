"""DPO engine: the loss by hand and against TRL's DPOTrainer, and the bounded training loop."""
from __future__ import annotations

import copy
import threading

import pytest
import torch

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
    figure = dpo_figures.loss_curves_figure(curves, "t", "x", "loss", "weight")
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
    assert ours == pytest.approx(trl_loss, abs=1e-5)
    assert chosen.mean().item() == pytest.approx(metrics["rewards/chosen"], abs=1e-5)
    assert rejected.mean().item() == pytest.approx(metrics["rewards/rejected"], abs=1e-5)
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


@pytest.mark.parametrize("bad", [{"steps": 0}, {"steps": 10**6}, {"learning_rate": float("nan")},
                                 {"beta": -1.0}, {"batch_size": 2.5}])
def test_config_refuses_out_of_range_values(bad):
    with pytest.raises(ValueError):
        dpo_training.TrainConfig(**bad)


def test_tiny_training_run_trains_a_copy_and_leaves_the_shared_model_alone(tiny_lm):
    shared = copy.deepcopy(tiny_lm.model.state_dict())
    pairs = dpo_training.load_pairs()
    assert 8 <= len(pairs) <= 24
    config = dpo_training.TrainConfig(steps=3, batch_size=2, health_every=2, answer_tokens=6, learning_rate=1e-2)
    updates = [(p.phase, len(p.history)) for p in dpo_training.train(tiny_lm, pairs, config)]
    assert updates == [("reference", 0), ("step", 1), ("step", 2), ("step", 3), ("done", 3)]
    policy = dpo_training.current_policy()
    assert policy is not None and policy.steps_done == 3
    progress = list(dpo_training.train(tiny_lm, pairs, config))[-1]
    assert len(progress.before) == len(progress.after) == len(dpo_training.HELD_OUT_PROMPTS)
    assert [step for step, _ in progress.health] == [0, 2, 3]
    assert progress.history[-1].margin > progress.history[0].margin - 1e-6 or progress.history[-1].loss < 0.7
    assert all(torch.equal(shared[k], v) for k, v in tiny_lm.model.state_dict().items())
    assert dpo_training.reset_policy() and dpo_training.current_policy() is None


def test_full_fine_tune_uses_the_untouched_shared_model_as_reference(tiny_lm):
    config = dpo_training.TrainConfig(steps=1, batch_size=2, lora=False, answer_tokens=4, learning_rate=1e-3)
    list(dpo_training.train(tiny_lm, dpo_training.load_pairs()[:2], config))
    policy = dpo_training.current_policy()
    assert policy.reference is tiny_lm.model
    assert any(not torch.equal(a, b) for a, b in zip(policy.model.parameters(), tiny_lm.model.parameters()))
    dpo_training.reset_policy()


def test_only_one_training_job_per_server(tiny_lm):
    config = dpo_training.TrainConfig(steps=2, batch_size=1, answer_tokens=4)
    first = dpo_training.train(tiny_lm, dpo_training.load_pairs(), config)
    next(first)  # the first job holds the slot
    errors = []
    thread = threading.Thread(target=lambda: errors.append(pytest.raises(
        ValueError, lambda: next(dpo_training.train(tiny_lm, dpo_training.load_pairs(), config)))))
    thread.start(), thread.join()
    assert "already in progress" in str(errors[0].value)
    with pytest.raises(ValueError, match="in progress"):
        dpo_training.reset_policy()
    first.close()  # cancelling (as the UI's Stop does) frees the slot
    next(dpo_training.train(tiny_lm, dpo_training.load_pairs(), config))
    with pytest.raises(ValueError, match="no preference pairs"):
        next(dpo_training.train(tiny_lm, [], config))


@pytest.mark.slow
def test_real_model_learns_the_preferences_within_a_few_steps(offline_lm):
    """Integration: DPO + SFT with LoRA on the shipped pairs; reward accuracy must exceed chance."""
    config = dpo_training.TrainConfig(steps=4, batch_size=4, answer_tokens=16, health_every=4)
    progress = list(dpo_training.train(offline_lm, dpo_training.load_pairs(), config))[-1]
    accuracies = [m.accuracy for m in progress.history]
    print("accuracy per step:", accuracies, "margins:", [round(m.margin, 2) for m in progress.history])
    assert accuracies[0] <= 0.5  # step 1: policy == reference, all rewards tie (ties count as wrong)
    assert max(accuracies[1:]) > 0.5 and progress.history[-1].margin > progress.history[0].margin
    assert all(rate < 0.5 for _, rate in progress.health)  # no collapse into loops
    dpo_training.reset_policy()
