"""Speculative decoding: a cheap draft guesses gamma tokens, the target checks them in ONE pass.

The target scores context + guesses together and keeps the longest prefix it agrees with, plus
one token of its own (a correction, or a bonus when every guess was kept), so each target pass
yields 1 to gamma + 1 tokens. Greedy verification keeps the target's greedy output token for
token; with sampling, the modified rejection rule keeps the target's distribution p exactly:

    accept a guess x ~ q with probability min(1, p(x) / q(x)); else sample norm(max(0, p - q)).

With per-token acceptance alpha and a draft step costing c target steps, the expected speedup is
(1 - alpha^(gamma+1)) / ((1 - alpha)(gamma*c + 1)) (Leviathan et al. 2023, Theorem 3.8).

References: Leviathan, Kalman, Matias 2023, https://arxiv.org/abs/2211.17192 ; Chen et al. 2023,
https://arxiv.org/abs/2302.01318 .
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch
from torch import nn
from transformers import DynamicCache

from playground.core.generation import end_token_ids
from playground.core.sampling import Sampler
from playground.speculative.config import MAX_DRAFT_TOKENS, SpeculativeConfig
from playground.speculative.drafts import ModelDraft, NoDraft, Proposer, truncate_cache


# ----------------------------------------------------------------- verification, the lesson
def residual_distribution(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """norm(max(0, p - q)): where the target wants more mass than the draft gave. (vocab,)"""
    residual = (p - q).clamp(min=0.0)
    total = residual.sum()
    return residual / total if total > 0 else p  # total is 0 only if p == q, when nothing is rejected


def verify_greedy(target_logits: torch.Tensor, guesses: list[int]) -> tuple[int, int]:
    """(number of guesses kept, the target's own next token). target_logits: (guesses + 1, vocab)."""
    choices = target_logits.argmax(-1).tolist()
    kept = 0
    while kept < len(guesses) and choices[kept] == guesses[kept]:
        kept += 1
    return kept, choices[kept]


def verify_sampled(p: torch.Tensor, q: torch.Tensor | None, guesses: list[int],
                   sampler: Sampler) -> tuple[int, int]:
    """The modified rejection sampling of Leviathan et al. (Algorithm 1) and Chen et al.

    p: target distributions (guesses + 1, vocab); q: draft distributions (guesses, vocab), or None
    for a deterministic draft, where q is one-hot (accept with probability p(x), resample from p
    without x). Every tensor and the sampler's generator live on p's device.
    """
    for i, x in enumerate(guesses):
        q_i = q[i] if q is not None else torch.nn.functional.one_hot(
            torch.tensor(x, device=p.device), p.shape[-1]).to(p.dtype)
        r = torch.rand((), generator=sampler.generator, device=p.device)  # r ~ U(0, 1)
        if r < torch.clamp(p[i, x] / q_i[x], max=1.0):
            continue  # 1. accepted: the next guess is checked
        return i, int(sampler.draw(residual_distribution(p[i], q_i)))  # 2. rejected: resample, stop
    return len(guesses), int(sampler.draw(p[len(guesses)]))  # 3. all kept: a bonus token from p


# ----------------------------------------------------------------- the decoding loop
def next_draft_length(current: int, guessed: int, kept: int) -> int:
    """The adaptive draft length: +2 after a round that kept every guess, -1 after a miss, within
    1..MAX_DRAFT_TOKENS (transformers' "heuristic" `num_assistant_tokens_schedule`).

    Why: a fixed gamma is either too short where the answer copies long runs or too long where it
    drifts, and on a CPU every extra position widens the verify pass (3 positions cost ~1.3-1.7
    plain steps). The next length depends only on earlier rounds, never on the guesses being
    checked, so greedy output stays identical and sampling keeps the target's distribution.

    >>> next_draft_length(2, 2, 2), next_draft_length(4, 4, 1), next_draft_length(1, 1, 0)
    (4, 3, 1)
    """
    if kept == guessed:
        return min(current + 2, MAX_DRAFT_TOKENS)
    return max(current - 1, 1)


@dataclass(frozen=True)
class Round:
    """One target pass: what the draft guessed, what was kept, and where the time went."""
    guesses: list[int]
    kept: int
    tokens: list[int]  # tokens this round added (cut at max_new_tokens and after end-of-sequence)
    origins: list[str]  # per token: "draft" (kept guess), "correction", "bonus" or "target" (no guess)
    draft_s: float
    verify_s: float


@dataclass
class DecodeResult:
    rounds: list[Round] = field(default_factory=list)
    wall_s: float = 0.0  # time spent inside the decoder (not in whoever consumes the stream)

    @property
    def tokens(self) -> list[int]:
        return [t for r in self.rounds for t in r.tokens]

    @property
    def origins(self) -> list[str]:
        return [o for r in self.rounds for o in r.origins]

    @property
    def target_passes(self) -> int:
        return len(self.rounds)

    @property
    def proposed(self) -> int:
        return sum(len(r.guesses) for r in self.rounds)

    @property
    def accepted(self) -> int:
        return sum(r.kept for r in self.rounds)

    @property
    def acceptance_rate(self) -> float:
        """Kept guesses / all guesses (guesses after a rejection count as not kept)."""
        return self.accepted / self.proposed if self.proposed else 0.0

    @property
    def alpha(self) -> float:
        """Per-token acceptance alpha of the theory: kept / checked, where a round checks its kept
        guesses plus the one it rejected (maximum-likelihood estimate of a geometric run)."""
        checked = sum(r.kept + (r.kept < len(r.guesses)) for r in self.rounds)
        return self.accepted / checked if checked else 0.0

    @property
    def tokens_per_s(self) -> float:
        return len(self.tokens) / self.wall_s if self.wall_s > 0 else 0.0


def _now(device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)  # GPU work is asynchronous: wait before reading the clock
    return time.perf_counter()


def check_pair(target: nn.Module, draft: Proposer, input_ids: torch.Tensor) -> None:
    """What the config cannot say: one prompt at a time, and a draft model that speaks the target's vocabulary.

    Neither comes from a reader's input (the tab tokenizes one prompt and pairs models of one family),
    so these are a library caller's mistakes, not refusals of a request."""
    if input_ids.dim() != 2 or input_ids.shape[0] != 1:
        raise NotImplementedError(f"input_ids must have shape (1, length): batch size 1 only, got "
                                  f"{tuple(input_ids.shape)}. Run prompts one at a time.")
    if isinstance(draft, ModelDraft):
        target_vocab, draft_vocab = target.config.vocab_size, draft.model.config.vocab_size
        if target_vocab != draft_vocab:
            raise TypeError(f"The draft's vocabulary ({draft_vocab}) differs from the target's "
                            f"({target_vocab}); pick a draft from the same model family.")


# As a decorator, inference_mode is entered around each step and left at every yield: grad mode is
# thread-local, and a `with` block held across a yield switched gradients off for whatever else
# ran on the consuming Gradio worker thread (a later training request failed).
@torch.inference_mode()
def decode(target: nn.Module, draft: Proposer | nn.Module | None, input_ids: torch.Tensor,
           config: SpeculativeConfig) -> Iterator[DecodeResult]:
    """Speculative decoding that yields the running result after every target pass.

    `draft` is a proposer from `playground.speculative.drafts`, a model (wrapped as a
    `ModelDraft`), or None for plain decoding through the very same loop and model calls (every
    round then is one step). `config` gives the decoding settings (its values are checked when it is
    made); with `config.adaptive_draft`, `num_draft_tokens` is the first round's length and
    `next_draft_length` sets each later one.
    """
    draft = NoDraft() if draft is None else ModelDraft(draft) if isinstance(draft, nn.Module) else draft
    check_pair(target, draft, input_ids)
    max_new_tokens, do_sample = config.max_new_tokens, config.do_sample
    stop, device = end_token_ids(target), input_ids.device
    sampler = Sampler.seeded(config.temperature if do_sample else 0.0, 1.0, config.seed, device)
    cache, result, context = DynamicCache(config=target.config), DecodeResult(), input_ids
    draft.reset()
    produced, draft_length = 0, config.num_draft_tokens
    while produced < max_new_tokens:
        start = _now(device)
        # 1. the draft guesses up to gamma tokens (never more than the budget can use)
        count = min(draft_length, max_new_tokens - produced - 1)
        guesses, q = draft.propose(context, count, sampler.pick)
        drafted = _now(device)
        # 2. the target scores the unseen context tail and every guess in one forward pass
        length = context.shape[1]
        feed = torch.cat([context[:, cache.get_seq_length():], context.new_tensor([guesses])], 1)
        logits = target(input_ids=feed, past_key_values=cache, use_cache=True,
                        logits_to_keep=len(guesses) + 1).logits[0]  # (guesses + 1, vocab)
        # 3. keep the agreed prefix, add the target's own token, forget the rest in both caches
        if do_sample:
            p = sampler.distribution(logits)
            kept, extra = verify_sampled(p, q, guesses, sampler)
        else:
            kept, extra = verify_greedy(logits, guesses)
        new = guesses[:kept] + [extra]
        origins = ["draft"] * kept + ["target" if not guesses else
                                      "bonus" if kept == len(guesses) else "correction"]
        truncate_cache(cache, length + kept)
        draft.rollback(length + kept)
        if config.adaptive_draft and guesses:
            draft_length = next_draft_length(draft_length, len(guesses), kept)
        context = torch.cat([context, context.new_tensor([new])], 1)
        # 4. stop at the token budget or after an end-of-sequence token
        new = new[:max_new_tokens - produced]
        ends = [i for i, token in enumerate(new) if token in stop]
        if ends:
            new = new[:ends[0] + 1]
        produced += len(new)
        done = _now(device)
        result.rounds.append(Round(guesses, kept, new, origins[:len(new)],
                                   drafted - start, done - drafted))
        result.wall_s += done - start
        yield result
        if ends:
            return


def speculative_generate(target: nn.Module, draft: Proposer | nn.Module | None, input_ids: torch.Tensor,
                         config: SpeculativeConfig) -> DecodeResult:
    """The whole answer at once (see `decode`).

    >>> from transformers import LlamaConfig, LlamaForCausalLM
    >>> from playground.speculative.drafts import PromptLookup
    >>> _ = torch.manual_seed(0)
    >>> tiny = LlamaForCausalLM(LlamaConfig(vocab_size=50, hidden_size=16, intermediate_size=32,
    ...     num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1)).eval()
    >>> prompt = torch.tensor([[1, 2, 3, 4, 1, 2]])
    >>> fast = speculative_generate(tiny, PromptLookup(), prompt, SpeculativeConfig(max_new_tokens=8, num_draft_tokens=3))
    >>> plain = speculative_generate(tiny, None, prompt, SpeculativeConfig(max_new_tokens=8))
    >>> fast.tokens == plain.tokens, fast.target_passes <= plain.target_passes
    (True, True)
    """
    result = DecodeResult()
    for result in decode(target, draft, input_ids, config):
        pass
    return result
