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

import copy
import json
import math
import pathlib
import random
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from playground.core.checks import flag, in_range, whole_number
from playground.core.errors import InputError
from playground.core.generation import MAX_SEED
from playground.core.models import LoadedLM
from playground.core.text_metrics import repeated_ngram_rate
from playground.dpo.loss import completion_logps, dpo_loss, sft_loss
from playground.dpo.room import SessionPolicies, check_key, private_bytes

DEMO_PAIRS_PATH = pathlib.Path(__file__).resolve().parents[2] / "assets" / "dpo" / "demo_pairs.jsonl"
# all English: the offline model answers Japanese with noise, so a Japanese row would teach nothing (issue 27)
HELD_OUT_PROMPTS = ("What is the moon?", "Why do birds sing?", "What is electricity?", "What is the ocean?")
MAX_STEPS = 64
MAX_BATCH = 8  # pairs per step: batch 4 already costs 14 s a step on 2 CPUs
BETA_RANGE = (0.01, 1.0)  # the β slider's range: below 0.01 the policy drifts anywhere, above 1 it barely moves
LEARNING_RATE_RANGE = (1e-6, 1e-2)  # 2e-4 suits LoRA, ~1e-5 a full fine-tune; past 1e-2 the run diverges


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 16  # 16 x batch 2: see docs/measured.md, "DPO" (first run and later runs), answers visibly concise
    batch_size: int = 2  # pairs per step; batch 4 cost 14 s/step and 4.6 GB peak (over the 4 GB budget)
    learning_rate: float = 2e-4  # LoRA rate; use ~1e-5 for a full fine-tune
    beta: float = 0.1  # small beta: the policy may move far from the reference
    sft: bool = True  # "DPO + SFT": also maximise the chosen answers' likelihood (RPO)
    lora: bool = True  # False: full fine-tune of a copy, reference = the untouched shared model
    lora_r: int = 16
    max_answer_tokens: int = 64  # completions are cut here: CPU time grows with length
    health_every: int = 8  # measure the repeated-3-gram rate every N steps (each costs a ~7 s generation)
    answer_tokens: int = 48  # length of the before/after and health answers
    seed: int = 0

    def __post_init__(self) -> None:
        """Each field checked once (`playground.core.checks`), named by its label key, and stored as checked (an
        API's 16.0 steps is 16; 1.5 is refused). The steps, pairs and β bounds are the page's sliders'."""
        checked = dict(
            steps=whole_number("dpo_steps", self.steps, 1, MAX_STEPS),
            batch_size=whole_number("dpo_batch", self.batch_size, 1, MAX_BATCH),
            learning_rate=in_range("dpo_lr", self.learning_rate, *LEARNING_RATE_RANGE),
            beta=in_range("dpo_beta", self.beta, *BETA_RANGE),
            sft=flag("dpo_mode", self.sft), lora=flag("dpo_lora", self.lora),
            lora_r=whole_number("dpo_lora_r", self.lora_r, 1, 64),
            max_answer_tokens=whole_number("dpo_max_answer_tokens", self.max_answer_tokens, 8, 256),
            health_every=whole_number("dpo_health_every", self.health_every, 1, MAX_STEPS),
            answer_tokens=whole_number("dpo_answer_tokens", self.answer_tokens, 4, 128),
            seed=whole_number("dpo_train_seed", self.seed, 0, MAX_SEED))
        for name, value in checked.items():
            object.__setattr__(self, name, value)


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
    return collate_sequences([(p, c) for p, c, _ in pairs] + [(p, r) for p, _, r in pairs], pad_id)


def collate_sequences(sequences: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded batch of (prompt, completion) sequences with the mask of the completion tokens."""
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


# ------------------------------------------------------------------ the trained policy and who owns it
Pair = tuple[list[int], list[int], list[int]]  # (prompt ids, chosen ids, rejected ids)
REFERENCE_CACHE_PAIRS = 4096  # summed reference log-probs kept per trainer (two floats a pair)


@dataclass
class Policy:
    """A trained policy: its model, the frozen reference it was measured against, and how it was made."""
    model: Any  # peft model (LoRA) or a full copy; in eval mode once its run has finished
    reference: Any  # the untouched shared model (with LoRA the same weights as the adapter switched off)
    config: TrainConfig
    steps_done: int = 0
    pairs: int = 0  # how many preference pairs it was trained on
    run: int = 0  # 1 for the server's first finished run, 2 for the next...: which policy answered a vote
    finished_at: float = 0.0  # time.time() when it went live
    continued_from: int = 0  # the run whose weights this run started from; 0: it started from the reference
    earlier_steps: int = 0  # steps of the runs before it in that chain (0 for a run from the reference)
    replica: str = ""  # the trainer (server) that made it: policy ids are unique across replicas and restarts
    bytes: int = 0  # memory it holds of its own (room.private_bytes): a LoRA adapter, or a whole copy

    @property
    def id(self) -> str:
        """How judge votes name it, in every replica's database: "<replica>-run<N>"."""
        return f"{self.replica}-run{self.run}"

    @property
    def total_steps(self) -> int:
        """Steps away from the reference, over every run of the chain (vote -> train -> vote -> train)."""
        return self.earlier_steps + self.steps_done

    def summary(self) -> dict[str, Any]:
        """What the page says about it: run number, steps, pairs, when it finished (HH:MM, UTC), and the
        run it continued (`continued_from`, 0 for none) with the steps of the whole chain."""
        return {"run": self.run, "steps": self.steps_done, "pairs": self.pairs,
                "finished": time.strftime("%H:%M", time.gmtime(self.finished_at)),
                "continued_from": self.continued_from, "total_steps": self.total_steps, "replica": self.replica}

    def name(self) -> str:
        """How votes and answers name it: "DPO run 2 (16 steps, continued from run 1, 32 in all)"."""
        if not self.continued_from:
            return f"DPO run {self.run} ({self.steps_done} steps)"
        return (f"DPO run {self.run} ({self.steps_done} steps, continued from run {self.continued_from}, "
                f"{self.total_steps} in all)")


def make_policy(lm: LoadedLM, config: TrainConfig, start: Policy | None = None) -> Policy:
    """A trainable copy: the shared model must stay untouched for every other tab.

    From the shared model, or with `start` (a finished policy) from a copy of its weights: the next
    round of the iterative loop, vote -> train -> vote on the new policy's answers -> train again.
    The reference stays the shared model either way (`start` is not modified), so the cached
    reference log-probs stay valid: DPO keeps measuring how far the whole chain has moved.
    A LoRA start keeps its adapter and trains it on (`config.lora_r` does not apply); a full
    fine-tune from a LoRA start merges the adapter into the copy first; LoRA on a full
    fine-tune's weights adds a fresh adapter.

    A LoRA copy shares the shared model's weight tensors (frozen, never written) instead of copying
    them, so each kept LoRA policy costs its adapter, not a model (`room.private_bytes`); a full
    fine-tune, and a merge, write the weights and get their own copy.

    LoRA's A matrices are drawn from a generator seeded by `config.seed` (peft's own init uses
    torch's global generator, which concurrent requests would share); B starts at zero, so the
    policy starts equal to its starting weights.
    """
    from peft import PeftModel

    source = lm.model if start is None else start.model
    frozen = {} if not config.lora else {id(p): p for p in lm.model.parameters()}  # deepcopy reuses these
    model = copy.deepcopy(source, frozen)
    chain = {} if start is None else {"continued_from": start.run, "earlier_steps": start.total_steps}
    if isinstance(model, PeftModel):
        if config.lora:  # train the copied adapter on
            for name, parameter in model.named_parameters():
                parameter.requires_grad_("lora_" in name)
            return Policy(model.train(), lm.model, config, **chain)
        model = model.merge_and_unload()
    if not config.lora:
        model.requires_grad_(True)
        return Policy(model.train(), lm.model, config, **chain)
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(r=config.lora_r, lora_alpha=2 * config.lora_r, lora_dropout=0.0,
                      target_modules="all-linear", task_type="CAUSAL_LM")
    model = get_peft_model(model, lora)
    generator = torch.Generator().manual_seed(config.seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_A" in name:  # peft's default: kaiming_uniform_(a=sqrt(5))
                torch.nn.init.kaiming_uniform_(parameter, a=math.sqrt(5), generator=generator)
    return Policy(model.train(), lm.model, config, **chain)


def _as_lm(policy: Policy | None, lm: LoadedLM) -> LoadedLM | None:
    """`policy` as a model with `lm`'s tokenizer, or None when there is none or it was trained on another model."""
    if policy is None or policy.reference is not lm.model:
        return None
    return LoadedLM(policy.model, lm.tokenizer, f"{lm.model_id} + {policy.name()}", "trained on this server")


POLICIES = ("reference", "trained")  # who answers: the shared model, or the trained policy that answers you
KEPT_RUNS = 3  # published runs a server keeps for judge mode (LoRA: 18.6 MiB each; a full fine-tune 513 MiB)
WHOSE = ("own", "evicted", "room", "reference")  # the session's own run, its run let go, the room's, none
GONE = ("reset", "retired")  # why a run of this server is no longer judged: a room reset, or KEPT_RUNS newer runs


class PolicyTrainer:
    """One per server, made by `app.py` and handed to the tabs: the training slot, who answers whom, the caches.

    Why an object: whoever trains owns what it trained. A finished run belongs to the session that
    trained it (`room.SessionPolicies`, bounded) and answers only that visitor, until it is published
    to the room (`publish`, with the presenter key when the host set one): then it answers every
    visitor who has no run of their own. The vote pairs, the Generate tab and the header ask it which
    policy answers a session (`policy_for`, `answering_lm`); tests make their own trainer. Why the
    caches: the reference never changes, so its log-probs of a pair and its greedy answers to the
    held-out prompts are computed once per server, not in every step of every run.

    Judge mode pairs the reference with the last KEPT_RUNS *published* runs (`judged`): the room judges
    what it was shown; a run nobody published stays out of everyone's judge pairs and the leaderboard.
    The trainer keeps them until a room reset (or newer runs) lets them go, and remembers why (`gone`).

    >>> trainer = PolicyTrainer()
    >>> trainer.whose("a visitor"), trainer.policy_for("a visitor"), trainer.reset("a visitor"), trainer.judged
    ('reference', None, False, [])
    """

    def __init__(self, replica: str | None = None, presenter_key: str | None = None,
                 private: SessionPolicies | None = None) -> None:
        self._job = threading.Lock()  # one training job per server; the UI queue holds the others
        self._lock = threading.Lock()  # the room's policy and the kept runs change together
        self._room: Policy | None = None  # the published policy: what a visitor without a run of their own gets
        self._own = private if private is not None else SessionPolicies(size=lambda p: p.bytes, mark=lambda p: p.run)
        self._runs = 0  # finished runs, so each trained policy has its own number
        self.replica = replica or secrets.token_hex(3)  # a new name per start: the weights do not outlive it
        self._presenter_key = presenter_key or None  # publishing needs it when set (room.PRESENTER_KEY_ENV)
        self._kept: OrderedDict[int, Policy] = OrderedDict()  # published run -> policy, oldest first
        self._gone: dict[str, str] = {}  # policy id -> one of GONE
        self._reference_logps: OrderedDict[tuple, tuple[float, float]] = OrderedDict()
        self._reference_answers: dict[tuple, list[list[int]]] = {}

    @property
    def room(self) -> Policy | None:
        """The policy published to the room, or None while the reference model answers the room."""
        return self._room

    @property
    def key_required(self) -> bool:
        """Whether publishing (and a room reset) needs the presenter key."""
        return self._presenter_key is not None

    @property
    def max_private(self) -> int:
        """How many visitors' own runs are kept at most (the oldest used goes first)."""
        return self._own.max_policies

    def own(self, session: str) -> Policy | None:
        """The session's own finished run, not published (None if it has none, or it was let go)."""
        return self._own.get(session)

    def evicted(self, session: str) -> int | None:
        """The run number of the session's own policy if it was let go for memory, until it trains or resets."""
        return self._own.evicted(session)

    def whose(self, session: str) -> str:
        """One of WHOSE: what answers `session` when it asks for the trained policy, and whose that is."""
        if self.own(session) is not None:
            return "own"
        if self.evicted(session) is not None:  # told, never silently answered by another policy
            return "evicted"
        return "reference" if self._room is None else "room"

    def policy_for(self, session: str) -> Policy | None:
        """The trained policy that answers `session`: its own run, else the room's (None: the reference answers,
        or its own run was let go and it has not trained or reset since)."""
        own = self.own(session)
        if own is not None:
            return own
        return None if self.evicted(session) is not None else self._room

    @property
    def judged(self) -> list[Policy]:
        """The published runs judge mode may pair with the reference, oldest first (a copy: safe to iterate)."""
        return list(self._kept.values())

    def gone(self, policy_id: str) -> str | None:
        """Why a policy of this server is no longer judged ("reset", "retired"), or None."""
        return self._gone.get(policy_id)

    def judged_lm(self, lm: LoadedLM, policy_id: str) -> LoadedLM | None:
        """The kept run `policy_id` with `lm`'s tokenizer, or None when this server no longer holds it."""
        return _as_lm(next((p for p in self.judged if p.id == policy_id), None), lm)

    def trained_lm(self, lm: LoadedLM, session: str = "") -> LoadedLM | None:
        """The policy that answers `session` with `lm`'s tokenizer, or None when none trained on `lm` does.

        One read of the policy, so a publish or reset during a request cannot swap the model half way.
        """
        return _as_lm(self.policy_for(session), lm)

    def answering_lm(self, lm: LoadedLM, policy: str | None = None, session: str = "") -> LoadedLM | None:
        """The model for `policy` ("reference" or "trained"; None: whichever answers `session` now);
        None if "trained" has none yet."""
        if policy is None:
            policy = "reference" if self.policy_for(session) is None else "trained"
        return lm if policy == "reference" else self.trained_lm(lm, session)

    def publish(self, session: str, key: str | None = None) -> Policy:
        """The session's own run goes live for the room (and into judge mode); refused without the key."""
        check_key(self._presenter_key, key)
        lost = self.evicted(session)
        policy = self._own.take(session)
        if policy is None and lost is not None:
            raise InputError("dpo_err_evicted", run=lost, kept=self.max_private)
        if policy is None:
            raise InputError("dpo_err_nothing_to_publish")
        with self._lock:
            self._room = policy
            self._kept[policy.run] = policy
            while len(self._kept) > KEPT_RUNS:
                self._gone[self._kept.popitem(last=False)[1].id] = "retired"
        return policy

    def reset(self, session: str = "") -> bool:
        """Forget the session's own run (it then gets the room's policy); True if there was one."""
        return self._own.take(session) is not None

    def reset_room(self, key: str | None = None) -> bool:
        """The room goes back to the reference and its published runs leave judge mode; True if one was live."""
        check_key(self._presenter_key, key)
        with self._lock:
            had, self._room = self._room is not None, None
            self._gone.update(dict.fromkeys((p.id for p in self._kept.values()), "reset"))
            self._kept.clear()
        return had

    def forget(self, session: str) -> None:
        """The session ended (its page was closed): its own run, if unpublished, is let go at once."""
        self._own.take(session)

    def reference_logps(self, lm: LoadedLM, pairs: list[Pair], pad_id: int) -> torch.Tensor:
        """Summed reference log-probs, (2B,) chosen first then rejected; only unseen pairs are computed."""
        keys = [(lm.model_id, tuple(p), tuple(c), tuple(r)) for p, c, r in pairs]
        missing = [pair for key, pair in zip(keys, pairs) if key not in self._reference_logps]
        if missing:
            with torch.inference_mode():
                chosen, rejected = (completion_logps(lm.model, **_forward_args(missing, side, pad_id, lm.model.device))[0]
                                    .tolist() for side in (1, 2))
            for pair, values in zip(missing, zip(chosen, rejected)):
                self._reference_logps[(lm.model_id, *map(tuple, pair))] = values
        for key in keys:
            self._reference_logps.move_to_end(key)
        while len(self._reference_logps) > REFERENCE_CACHE_PAIRS:
            self._reference_logps.popitem(last=False)
        values = [self._reference_logps[key] for key in keys]
        return torch.tensor([c for c, _ in values] + [r for _, r in values])

    def reference_answers(self, lm: LoadedLM, max_new_tokens: int) -> list[list[int]]:
        """The reference's greedy answers to HELD_OUT_PROMPTS (deterministic, so computed once)."""
        key = (lm.model_id, HELD_OUT_PROMPTS, max_new_tokens)
        if key not in self._reference_answers:
            self._reference_answers[key] = greedy_answers(lm.model, lm.tokenizer, HELD_OUT_PROMPTS, max_new_tokens)
        return self._reference_answers[key]

    def train(self, lm: LoadedLM, pairs: list[dict[str, Any]], config: TrainConfig,
              continued: bool = False, session: str = "") -> Iterator[Progress]:
        """Train a new policy on `pairs`, yielding progress after every step; when the run ends it becomes
        `session`'s own policy (nobody else's until it is published).

        `continued`: start from the weights of the policy that answers `session` (its own run, else the
        room's), when one trained on `lm` does (else from the reference). A stopped run leaves the
        session's previous policy as it was.
        """
        if not pairs:
            raise InputError("dpo_err_no_pairs")
        if not self._job.acquire(blocking=False):
            raise InputError("dpo_err_busy")
        try:
            if continued and self.whose(session) == "evicted":
                raise InputError("dpo_err_evicted", run=self.evicted(session), kept=self.max_private)
            start = self.policy_for(session) if continued else None  # one read: a publish cannot swap it
            yield from self._run(lm, pairs, config, start if start is not None and start.reference is lm.model
                                 else None, session)
        finally:
            self._job.release()

    def _run(self, lm: LoadedLM, pairs: list[dict[str, Any]], config: TrainConfig,
             start: Policy | None, session: str) -> Iterator[Progress]:
        tokenizer = lm.tokenizer
        pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        data = [tokenize_pair(tokenizer, row, config.max_answer_tokens) for row in pairs]
        progress = Progress("reference")
        before = self.reference_answers(lm, config.answer_tokens)
        progress.before = tokenizer.batch_decode(before, skip_special_tokens=True)
        progress.health.append((0, mean_repeat_rate(before)))
        yield progress
        policy = make_policy(lm, config, start)
        policy.pairs = len(data)
        trainable = [p for p in policy.model.parameters() if p.requires_grad]
        optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
        order = random.Random(config.seed)
        queue: list[int] = []
        for step in range(1, config.steps + 1):
            # 1. draw the next batch of pairs (reshuffled every epoch)
            while len(queue) < config.batch_size:
                queue += order.sample(range(len(data)), len(data))
            batch = [data[i] for i in queue[:config.batch_size]]
            del queue[:config.batch_size]
            # 2-4. log-probs, the loss, one optimiser step; the reference's log-probs are cached per pair
            progress.phase = "step"
            progress.history.append(train_step(policy, optimizer, batch, self.reference_logps(lm, batch, pad_id),
                                               pad_id, step))
            if step % config.health_every == 0 and step < config.steps:
                answers = greedy_answers(policy.model, tokenizer, HELD_OUT_PROMPTS, config.answer_tokens)
                progress.health.append((step, mean_repeat_rate(answers)))
            yield progress
        policy.model.eval()
        progress.phase = "after"
        after = greedy_answers(policy.model, tokenizer, HELD_OUT_PROMPTS, config.answer_tokens)
        progress.after = tokenizer.batch_decode(after, skip_special_tokens=True)
        progress.health.append((config.steps, mean_repeat_rate(after)))
        self._runs += 1
        policy.run, policy.finished_at, policy.replica = self._runs, time.time(), self.replica
        policy.bytes = private_bytes(policy.model, lm.model)
        self._own.put(session, policy)
        progress.phase = "done"
        yield progress


def train_step(policy: Policy, optimizer: torch.optim.Optimizer, batch: list[Pair], reference_logps: torch.Tensor,
               pad_id: int, step: int) -> StepMetrics:
    """One optimiser step on a batch of tokenised pairs, timed; `bench/gpu.py` runs it too.

    `reference_logps` is (2B,), chosen first: the frozen reference's summed log-probs of the batch.
    Inputs are built on the CPU and moved to the policy's device here (CUDA, MPS).
    """
    start = time.perf_counter()
    device = policy.model.device
    # 2. log-probs of chosen and rejected under the policy (one pass per side: less padding)
    chosen_args, rejected_args = (_forward_args(batch, side, pad_id, device) for side in (1, 2))
    chosen, chosen_tokens = completion_logps(policy.model, **chosen_args)
    rejected, _ = completion_logps(policy.model, **rejected_args)
    ref_chosen, ref_rejected = reference_logps.to(device).chunk(2)
    # 3. the DPO loss, plus the chosen answers' likelihood in "DPO + SFT"
    losses, chosen_rewards, rejected_rewards = dpo_loss(chosen, rejected, ref_chosen, ref_rejected,
                                                        policy.config.beta)
    loss = losses.mean()
    if policy.config.sft:
        loss = loss + sft_loss(chosen_tokens, chosen_args["completion_mask"])
    # 4. one optimiser step
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    policy.steps_done = step
    return StepMetrics(step, loss.item(), chosen_rewards.mean().item(), rejected_rewards.mean().item(),
                       (chosen_rewards - rejected_rewards).mean().item(),
                       (chosen_rewards > rejected_rewards).float().mean().item(), time.perf_counter() - start)


def _forward_args(pairs: list[Pair], side: int, pad_id: int, device: torch.device | str) -> dict[str, torch.Tensor]:
    """Model inputs for one side of the pairs (1: chosen, 2: rejected), padded among themselves, on `device`."""
    return {key: value.to(device) for key, value in collate_sequences([(pair[0], pair[side]) for pair in pairs],
                                                                       pad_id).items()}
