"""Cross-entropy on a live language model: -log p of every real next token of a sentence.

A causal LM predicts token t+1 from tokens 1..t with a softmax over its vocabulary; its training
loss is the mean over positions of -log p(actual next token), exactly the batch cross-entropy of
section 5 with one "sample" per position and the vocabulary as classes. Perplexity is exp(loss).
Reference: https://huggingface.co/docs/transformers/perplexity
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import torch

from playground.core import checks
from playground.core.errors import InputError
from playground.core.models import LoadedLM

MAX_SENTENCE_CHARS = 1000  # a few sentences: one forward pass of the 135M model in well under a second


@dataclass(frozen=True)
class TokenLosses:
    """Per-token surprise of a sentence under the model."""
    tokens: list[str]  # the predicted tokens (positions 2..T), as text
    neg_log_p: list[float]  # -log p(token | the tokens before it), nats
    probability: list[float]  # p(token | the tokens before it)
    mean: float  # the cross-entropy: mean of neg_log_p
    perplexity: float  # exp(mean)
    model_loss: float  # transformers' own loss, model(ids, labels=ids).loss, for comparison
    first_token: str  # not scored: nothing comes before it


@torch.inference_mode()
def token_losses(lm: LoadedLM, sentence: str) -> TokenLosses:
    """-log p of each next token of `sentence` (plain text, no chat template), and their mean.

    The (T, vocab) logits at position t score token t+1: loss_t = -log_softmax(logits_t)[id_{t+1}].
    """
    sentence = checks.text("curves_sentence", sentence, MAX_SENTENCE_CHARS).strip()
    ids = lm.tokenizer(sentence, return_tensors="pt").input_ids.to(lm.device)  # (1, T)
    if ids.shape[1] < 2:
        raise InputError("curves_err_single_token", field="curves_sentence")
    output = lm.model(ids, labels=ids)
    log_p = torch.log_softmax(output.logits[0, :-1].double(), dim=-1)  # (T-1, vocab): predicts tokens 2..T
    neg_log_p = -log_p.gather(-1, ids[0, 1:, None])[:, 0]  # (T-1,)
    mean = float(neg_log_p.mean())
    tokens = [lm.tokenizer.decode([int(i)]) for i in ids[0]]
    return TokenLosses(tokens[1:], neg_log_p.tolist(), torch.exp(-neg_log_p).tolist(), mean, math.exp(mean),
                       float(output.loss), tokens[0])


def token_label(position: int, token: str) -> str:
    """A unique, HTML-safe axis label: Plotly reads <br>, <b> etc. in labels, model text must not."""
    return f"{position}: {html.escape(token.replace(chr(10), '↵'))}"
