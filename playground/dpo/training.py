"""A bounded, live DPO run on preference pairs, with a frozen reference and a collapse alarm.

Own loop, not TRL's `DPOTrainer`: the lesson is the loss, so the loop calls `dpo.dpo_loss` (checked
against `DPOTrainer` in the tests) and yields metrics after every step, which the UI plots and can
cancel between steps, with no Trainer callbacks, threads or accelerate state. LoRA (peft) on a
private copy of the shared model by default: the reference is the same model with the adapter
switched off, and the other tabs never see the training. "DPO + SFT" adds the RPO-style negative
log-likelihood of the chosen answers (TRL `loss_type=["sigmoid", "sft"]`), which on a small model
trained on its own answers keeps the target style without collapse. Health: the repeated-3-gram
rate of a few greedy answers (0 = no repeats; a collapsed model says "Italy, Italy, Italy").
"""
from __future__ import annotations

import contextlib
import copy
import json
import math
import pathlib
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import torch

from playground.dpo.loss import completion_logps, dpo_loss, sft_loss
from playground.core.models import LoadedLM
from playground.core.text_metrics import repeated_ngram_rate

DEMO_PAIRS_PATH = pathlib.Path(__file__).resolve().parents[2] / "assets" / "dpo" / "demo_pairs.jsonl"
HELD_OUT_PROMPTS = ("What is the moon?", "Why do birds sing?", "What is electricity?", "海とは何ですか？")
MAX_STEPS = 64


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 16  # 16 x batch 2: 109 s and 3.2 GB peak on an idle 2-core CPU, answers visibly concise
    batch_size: int = 2  # pairs per step; batch 4 cost 14 s/step and 4.6 GB peak (over the 4 GB budget)
    learning_rate: float = 2e-4  # LoRA rate; use ~1e-5 for a full fine-tune
    beta: float = 0.1  # small beta: the policy may move far from the reference
    sft: bool = True  # "DPO + SFT": also maximise the chosen answers' likelihood (RPO)
    lora: bool = True  # False: full fine-tune of a copy, reference = the untouched shared model
    lora_r: int = 16
    max_answer_tokens: int = 64  # completions are cut here: CPU time grows with length
    health_every: int = 4  # measure the repeated-3-gram rate every N steps (costs a generation)
    answer_tokens: int = 48  # length of the before/after and health answers
    seed: int = 0

    def __post_init__(self) -> None:
        checks = [("steps", self.steps, 1, MAX_STEPS), ("batch size", self.batch_size, 1, 8),
                  ("LoRA rank", self.lora_r, 1, 64), ("max answer tokens", self.max_answer_tokens, 8, 256),
                  ("health every", self.health_every, 1, MAX_STEPS), ("answer tokens", self.answer_tokens, 4, 128)]
        for name, value, low, high in checks:
            if not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")
        if not (math.isfinite(self.learning_rate) and 0 < self.learning_rate <= 1e-2):
            raise ValueError(f"learning rate must be in (0, 0.01], got {self.learning_rate!r}; try 2e-4 with LoRA.")
        if not (math.isfinite(self.beta) and 0 < self.beta <= 5):
            raise ValueError(f"beta must be in (0, 5], got {self.beta!r}; 0.1 is the usual value.")


@dataclass(frozen=True)
class StepMetrics:
    step: int
    loss: float
    chosen_reward: float  # mean beta * log(pi/ref) of the chosen answers
    rejected_reward: float
    margin: float  # mean (chosen - rejected) reward
    accuracy: float  # share of pairs with chosen reward > rejected reward (ties count as wrong)
    seconds: float


@dataclass
class Progress:
    """What the run has to show so far; the generator yields it after every phase."""
    phase: str  # "reference", "step", "after", "done"
    history: list[StepMetrics] = field(default_factory=list)
    health: list[tuple[int, float]] = field(default_factory=list)  # (step, repeated-3-gram rate)
    before: list[str] = field(default_factory=list)  # reference answers to HELD_OUT_PROMPTS
    after: list[str] = field(default_factory=list)  # trained policy answers


# ------------------------------------------------------------------ data
def load_pairs(path: pathlib.Path | str = DEMO_PAIRS_PATH) -> list[dict[str, Any]]:
    return [json.loads(line) for line in pathlib.Path(path).read_text(encoding="utf-8").splitlines() if line]


def _messages(value: Any, role: str) -> list[dict[str, str]]:
    return value if isinstance(value, list) else [{"role": role, "content": str(value)}]


def tokenize_pair(tokenizer, row: dict[str, Any], max_answer_tokens: int) -> tuple[list[int], list[int], list[int]]:
    """(prompt ids, chosen ids, rejected ids) through the chat template, as TRL's DPOTrainer does.

    The completion is what the template adds after the prompt with its generation prompt (answer
    text and end-of-turn tokens); the prompt is the longest prefix the three renderings share.
    """
    prompt = _messages(row["prompt"], "user")

    def render(messages: list[dict[str, str]], **options: Any) -> list[int]:
        return tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True, **options)["input_ids"]

    prompt_ids = render(prompt, add_generation_prompt=True)
    full = [render(prompt + _messages(row[key], "assistant")) for key in ("chosen", "rejected")]
    shared = min(next((i for i, (a, b) in enumerate(zip(prompt_ids, ids)) if a != b), min(len(prompt_ids), len(ids)))
                 for ids in full)
    return prompt_ids[:shared], full[0][shared:][:max_answer_tokens], full[1][shared:][:max_answer_tokens]


def collate(pairs: list[tuple[list[int], list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded batch of 2B sequences, chosen first then rejected (TRL's layout)."""
    sequences = [(p, c) for p, c, _ in pairs] + [(p, r) for p, _, r in pairs]
    length = max(len(p) + len(c) for p, c in sequences)
    input_ids = torch.full((len(sequences), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros_like(input_ids)
    completion_mask = torch.zeros_like(input_ids)
    for row, (prompt, completion) in enumerate(sequences):
        ids = prompt + completion
        input_ids[row, :len(ids)] = torch.tensor(ids)
        attention_mask[row, :len(ids)] = 1
        completion_mask[row, len(prompt):len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "completion_mask": completion_mask}


# ------------------------------------------------------------------ health and answers
HEALTH_NGRAM = 3  # the collapse alarm counts repeated token 3-grams ("Italy, Italy, Italy")


def mean_repeat_rate(answers: list[list[int]]) -> float:
    """Mean share of token 3-grams that already occurred in their answer (0: none; ->1: a loop)."""
    return sum(repeated_ngram_rate(answer, HEALTH_NGRAM) for answer in answers) / len(answers)


@torch.inference_mode()
def greedy_answers(model, tokenizer, prompts: tuple[str, ...], max_new_tokens: int) -> list[list[int]]:
    """Greedy answers to several prompts in one left-padded batch; returns the new token ids."""
    prompt_ids = [tokenizer.apply_chat_template([{"role": "user", "content": p}], add_generation_prompt=True,
                                                tokenize=True, return_dict=True)["input_ids"] for p in prompts]
    length = max(map(len, prompt_ids))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    input_ids = torch.tensor([[pad] * (length - len(ids)) + ids for ids in prompt_ids], device=model.device)
    attention_mask = torch.tensor([[0] * (length - len(ids)) + [1] * len(ids) for ids in prompt_ids],
                                  device=model.device)
    output = model.generate(input_ids=input_ids, attention_mask=attention_mask, max_new_tokens=max_new_tokens,
                            do_sample=False, temperature=None, top_p=None, top_k=None, pad_token_id=pad)
    answers = []
    for row in output[:, length:].tolist():
        answers.append(row[:row.index(tokenizer.eos_token_id) + 1] if tokenizer.eos_token_id in row else row)
    return answers


# ------------------------------------------------------------------ the one trained policy per server
@dataclass
class Policy:
    model: Any  # peft model (LoRA) or a full copy, in train mode while training
    reference: Any | None  # None with LoRA: the adapter is switched off instead
    config: TrainConfig
    steps_done: int = 0

    def reference_context(self):
        """Run the reference: LoRA disabled, or the frozen shared model."""
        return self.model.disable_adapter() if self.reference is None else contextlib.nullcontext()


_policy: Policy | None = None
_job = threading.Lock()  # one training job per server; the UI queue holds the others


def current_policy() -> Policy | None:
    return _policy


def reset_policy() -> bool:
    """Forget the trained policy (the app goes back to the reference); True if there was one."""
    global _policy
    if not _job.acquire(blocking=False):
        raise ValueError("A training run is in progress; reset the policy after it has finished.")
    try:
        had, _policy = _policy is not None, None
    finally:
        _job.release()
    return had


def make_policy(lm: LoadedLM, config: TrainConfig) -> Policy:
    """A trainable copy: the shared model must stay untouched for every other tab."""
    torch.manual_seed(config.seed)
    model = copy.deepcopy(lm.model)
    if not config.lora:
        return Policy(model.train(), lm.model.eval(), config)
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(r=config.lora_r, lora_alpha=2 * config.lora_r, lora_dropout=0.0,
                      target_modules="all-linear", task_type="CAUSAL_LM")
    return Policy(get_peft_model(model, lora).train(), None, config)


def policy_logps(policy: Policy, batch: dict[str, torch.Tensor]):
    """Summed completion log-probs of the policy (with grad) and of the reference (without)."""
    args = (batch["input_ids"], batch["attention_mask"], batch["completion_mask"])
    with torch.no_grad(), policy.reference_context():
        reference_model = policy.model if policy.reference is None else policy.reference
        ref_logps, _ = completion_logps(reference_model, *args)
    logps, token_logps = completion_logps(policy.model, *args)
    return logps, token_logps, ref_logps


def train_step(policy: Policy, optimizer: torch.optim.Optimizer, batch: dict[str, torch.Tensor],
               step: int) -> StepMetrics:
    """One optimiser step on a collated batch (steps 2-4 of `train`), timed; also what `bench/gpu.py` runs.

    The batch is built on the CPU by `collate` and moved here to the policy's device (CUDA, MPS).
    """
    start = time.perf_counter()
    batch = {key: value.to(policy.model.device) for key, value in batch.items()}
    # 2. log-probs of chosen and rejected under the policy and the frozen reference
    logps, token_logps, ref_logps = policy_logps(policy, batch)
    chosen, rejected = logps.chunk(2)
    ref_chosen, ref_rejected = ref_logps.chunk(2)
    # 3. the DPO loss, plus the chosen answers' likelihood in "DPO + SFT"
    losses, chosen_rewards, rejected_rewards = dpo_loss(chosen, rejected, ref_chosen, ref_rejected,
                                                        policy.config.beta)
    loss = losses.mean()
    if policy.config.sft:
        loss = loss + sft_loss(token_logps.chunk(2)[0], batch["completion_mask"].chunk(2)[0])
    # 4. one optimiser step
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    policy.steps_done = step
    return StepMetrics(step, loss.item(), chosen_rewards.mean().item(), rejected_rewards.mean().item(),
                       (chosen_rewards - rejected_rewards).mean().item(),
                       (chosen_rewards > rejected_rewards).float().mean().item(), time.perf_counter() - start)


def train(lm: LoadedLM, pairs: list[dict[str, Any]], config: TrainConfig) -> Iterator[Progress]:
    """Train a new policy on `pairs`, yielding progress after every step; it stays as `current_policy()`."""
    global _policy
    if not pairs:
        raise ValueError("There are no preference pairs to train on: vote on a few pairs or use the demo set.")
    if not _job.acquire(blocking=False):
        raise ValueError("A training run is already in progress on this server; wait for it to finish.")
    try:
        tokenizer = lm.tokenizer
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        data = [tokenize_pair(tokenizer, row, config.max_answer_tokens) for row in pairs]
        progress = Progress("reference")
        before = greedy_answers(lm.model, tokenizer, HELD_OUT_PROMPTS, config.answer_tokens)
        progress.before = tokenizer.batch_decode(before, skip_special_tokens=True)
        progress.health.append((0, mean_repeat_rate(before)))
        yield progress
        _policy = policy = make_policy(lm, config)
        trainable = [p for p in policy.model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
        order = random.Random(config.seed)
        queue: list[int] = []
        for step in range(1, config.steps + 1):
            # 1. draw the next batch of pairs (reshuffled every epoch)
            while len(queue) < config.batch_size:
                queue += order.sample(range(len(data)), len(data))
            batch = collate([data[i] for i in queue[:config.batch_size]], pad_id)
            del queue[:config.batch_size]
            # 2-4. log-probs, the loss, one optimiser step
            progress.history.append(train_step(policy, optimizer, batch, step))
            progress.phase = "step"
            if step % config.health_every == 0 and step < config.steps:
                answers = greedy_answers(policy.model, tokenizer, HELD_OUT_PROMPTS, config.answer_tokens)
                progress.health.append((step, mean_repeat_rate(answers)))
            yield progress
        policy.model.eval()
        progress.phase = "after"
        after = greedy_answers(policy.model, tokenizer, HELD_OUT_PROMPTS, config.answer_tokens)
        progress.after = tokenizer.batch_decode(after, skip_special_tokens=True)
        progress.health.append((config.steps, mean_repeat_rate(after)))
        progress.phase = "done"
        yield progress
    finally:
        _job.release()
