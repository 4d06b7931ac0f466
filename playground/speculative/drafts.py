"""Draft proposers for speculative decoding: who guesses the next tokens for the target to check.

Three kinds, one small contract (`reset`, `propose`, `rollback`), so the decoding loop in
`playground/speculative/decoding.py` never asks which kind it has:

- `ModelDraft`: a smaller LM with the same vocabulary, run token by token with its own KV cache
  (Leviathan et al. 2023, https://arxiv.org/abs/2211.17192).
- `PromptLookup`: no model at all; find the last n-gram earlier in the context and propose what
  followed it (Saxena 2023, https://github.com/apoorvumang/prompt-lookup-decoding). Free, and very
  good when the answer copies the input (rewrites, summaries, code edits).
- `early_exit_draft`: the target's own first k layers + its final norm and head (the draft of
  LayerSkip / self-speculative decoding, https://arxiv.org/abs/2404.16710). Without the early-exit
  training those papers do, the shallow layers predict badly: a cautionary example.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch
from torch import nn
from transformers import DynamicCache

from playground.core.checks import whole_number

# pick(logits (vocab,)) -> (token id (), its sampling distribution (vocab,) or None when greedy):
# `playground.core.sampling.Sampler.pick`
Pick = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor | None]]


class Proposer(Protocol):
    name: str

    def reset(self) -> None:
        """Forget any state from a previous request."""

    def propose(self, context: torch.Tensor, count: int, pick: Pick) -> tuple[list[int], torch.Tensor | None]:
        """Up to `count` guesses after `context` (1, length), and the draft distributions q they were
        sampled from, (guesses, vocab); None means the guesses are deterministic (q is one-hot)."""

    def rollback(self, length: int) -> None:
        """The target kept only the first `length` tokens of the context: drop cached state past it."""


def truncate_cache(cache: DynamicCache, length: int) -> None:
    """Keep the first `length` positions. transformers 5's `crop` takes MINUS the number to remove
    (a positive value raises), unlike 4.x where it took the length to keep."""
    extra = cache.get_seq_length() - length
    if extra > 0:
        cache.crop(-extra)


class NoDraft:
    """Proposes nothing, so every round is one plain target step: the baseline in the same loop."""
    name = "none (plain decoding)"

    def reset(self) -> None:
        pass

    def propose(self, context: torch.Tensor, count: int, pick: Pick) -> tuple[list[int], None]:
        return [], None

    def rollback(self, length: int) -> None:
        pass


class ModelDraft:
    """A causal LM that shares the target's vocabulary, proposing greedily or by sampling.

    It keeps its own KV cache: each round it feeds only the context tokens it has not seen yet
    (the target's correction or bonus token, and any of its own guesses the cache lost), then one
    token per guess. The last guess is never fed, so the cache holds at most length + count - 1.
    """

    def __init__(self, model: nn.Module, name: str = "draft model"):
        self.model, self.name = model, name
        self.cache = DynamicCache(config=model.config)

    def reset(self) -> None:
        self.cache = DynamicCache(config=self.model.config)

    @torch.inference_mode()
    def propose(self, context: torch.Tensor, count: int, pick: Pick) -> tuple[list[int], torch.Tensor | None]:
        guesses: list[int] = []
        distributions: list[torch.Tensor] = []
        feed = context[:, self.cache.get_seq_length():]  # (1, unseen)
        for _ in range(count):
            logits = self.model(input_ids=feed, past_key_values=self.cache, use_cache=True,
                                logits_to_keep=1).logits[0, -1]  # (vocab,)
            token, q = pick(logits)
            guesses.append(int(token))
            if q is not None:
                distributions.append(q)
            feed = context.new_tensor([[guesses[-1]]])
        return guesses, (torch.stack(distributions) if distributions else None)

    def rollback(self, length: int) -> None:
        truncate_cache(self.cache, length)


class PromptLookup:
    """Propose the tokens that followed the most recent earlier occurrence of the context's last
    n-gram, trying n = max_ngram down to min_ngram. Costs a few tensor comparisons, no model call.

    Why min_ngram 2 by default: a lone matching token (often "the", "," or " a") predicts what
    follows badly, and on a CPU a wrong guess is not free (it widens the verify pass). Replaying
    the greedy answers at gamma 2, guesses after a 1-gram match were kept 12 % of the time
    (summarise; story 10 %) against 70-78 % after a 2- or 3-gram match (copy 50-99 %); proposing
    nothing after a weak match turns those rounds into cheap plain steps. `min_ngram=1` gives the classic prompt lookup (transformers' default too).
    """  # noqa: E501

    def __init__(self, max_ngram: int = 3, min_ngram: int = 2):
        if not 1 <= min_ngram <= max_ngram <= 8:  # the tab always uses the defaults: a library caller's slip
            raise TypeError(f"PromptLookup needs 1 <= min_ngram <= max_ngram <= 8, got {min_ngram!r} and {max_ngram!r}.")
        self.max_ngram, self.min_ngram = max_ngram, min_ngram
        self.name = f"prompt lookup ({min_ngram}-{max_ngram}-gram)"

    def reset(self) -> None:
        pass

    def propose(self, context: torch.Tensor, count: int, pick: Pick) -> tuple[list[int], None]:
        ids = context[0]  # (length,)
        for n in range(self.max_ngram, self.min_ngram - 1, -1):
            if ids.numel() <= n or count == 0:
                continue
            windows = ids.unfold(0, n, 1)[:-1]  # (length - n, n): every earlier n-gram, not the suffix
            starts = (windows == ids[-n:]).all(-1).nonzero().flatten()
            if starts.numel():
                start = int(starts[-1]) + n  # the nearest earlier match: local context predicts best
                return ids[start:start + count].tolist(), None
        return [], None

    def rollback(self, length: int) -> None:
        pass


def early_exit_model(target: nn.Module, layers: int) -> nn.Module:
    """A model of the target's class made of its first `layers` decoder layers, final norm and head.

    The weights are shared (no copy): the shell is built on the meta device and its modules are
    replaced by the target's own. Works for Llama-style models (SmolLM2, Qwen2.5).
    """
    total = target.config.num_hidden_layers
    whole_number("speculative_layers", layers, 1, total - 1)  # this model's own bound, under the slider's
    config = type(target.config).from_dict({**target.config.to_dict(), "num_hidden_layers": layers})
    if getattr(config, "layer_types", None):
        config.layer_types = config.layer_types[:layers]
    with torch.device("meta"):
        shell = type(target)(config)
    shell.model.embed_tokens = target.model.embed_tokens
    shell.model.layers = nn.ModuleList(target.model.layers[:layers])
    shell.model.norm = target.model.norm
    shell.model.rotary_emb = target.model.rotary_emb
    shell.lm_head = target.lm_head
    shell.generation_config = target.generation_config
    return shell.eval()


def early_exit_draft(target: nn.Module, layers: int) -> ModelDraft:
    return ModelDraft(early_exit_model(target, layers), name=f"early exit ({layers} layers)")
