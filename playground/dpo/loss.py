"""Direct Preference Optimization: the loss, per example, and the log-probs it is computed on.

DPO trains a policy straight from pairs (prompt, chosen, rejected), with no reward model: it pushes
up the policy's log-probability ratio to a frozen reference on the chosen answer and down on the
rejected one, and beta sets how far the policy may drift from the reference.

    loss_i   = -log sigmoid( beta * ((log pi(y_c|x) - log ref(y_c|x)) - (log pi(y_r|x) - log ref(y_r|x))) )
    reward_i =  beta * (log pi(y|x) - log ref(y|x))       (the "implicit reward" of an answer y)

Rafailov et al. 2023, "Direct Preference Optimization: Your Language Model is Secretly a Reward
Model", https://arxiv.org/abs/2305.18290 (Eq. 7). log pi(y|x) is summed over the completion tokens
only, as in TRL's `DPOTrainer` (https://huggingface.co/docs/trl/dpo_trainer), which the tests match.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def dpo_loss(policy_chosen_logps: torch.Tensor, policy_rejected_logps: torch.Tensor,
             ref_chosen_logps: torch.Tensor, ref_rejected_logps: torch.Tensor,
             beta: float = 0.1) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-example DPO loss and implicit rewards; every input is (batch,) of summed completion log-probs.

    Returns (losses, chosen_rewards, rejected_rewards), each (batch,). The rewards are detached:
    they are for plots and reward accuracy, the gradient flows through `losses` only.

    >>> losses, chosen, rejected = dpo_loss(torch.tensor([-1.0]), torch.tensor([-3.0]),
    ...                                     torch.tensor([-2.0]), torch.tensor([-2.0]), beta=0.5)
    >>> round(losses.item(), 4), chosen.item(), rejected.item()   # -log sigmoid(0.5 * (1 - (-1)))
    (0.3133, 0.5, -0.5)
    """
    if not beta > 0:
        raise ValueError(f"beta must be > 0 (0.1 is the paper's usual value), got {beta!r}.")
    chosen_logratios = policy_chosen_logps - ref_chosen_logps  # (batch,)
    rejected_logratios = policy_rejected_logps - ref_rejected_logps  # (batch,)
    losses = -F.logsigmoid(beta * (chosen_logratios - rejected_logratios))
    return losses, beta * chosen_logratios.detach(), beta * rejected_logratios.detach()


def completion_logps(model: torch.nn.Module, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                     completion_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(summed log-probs of the completion tokens, per-token log-probs), shapes (batch,), (batch, T-1).

    Token t is predicted from the logits at t-1, so logits and labels are shifted by one; prompt
    and padding positions (completion_mask 0) contribute nothing. Why `logits_to_keep`: the output
    head (49k vocabulary on SmolLM2) and its log-softmax are a fifth of a forward pass, and the
    prompt positions before the batch's first completion token never need them.
    """
    first = max(int(completion_mask.float().argmax(dim=1).min()), 1)  # earliest completion token in the batch
    keep = input_ids.shape[1] - (first - 1)  # logits at positions first-1 .. T-1
    logits = model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, logits_to_keep=keep).logits
    logps = torch.log_softmax(logits[:, :-1].float(), dim=-1)  # (batch, T-first, vocab)
    token_logps = logps.gather(-1, input_ids[:, first:, None]).squeeze(-1)  # (batch, T-first)
    token_logps = F.pad(token_logps * completion_mask[:, first:], (first - 1, 0))  # (batch, T-1), prompt = 0
    return token_logps.sum(dim=1), token_logps


def sft_loss(token_logps: torch.Tensor, completion_mask: torch.Tensor) -> torch.Tensor:
    """Negative log-likelihood per chosen completion token (mean over all of them in the batch).

    The RPO-style extra term (Pang et al. 2024, https://arxiv.org/abs/2404.19733) that TRL adds
    with `loss_type=["sigmoid", "sft"]`: it keeps the chosen answers likely, so DPO cannot win by
    making both answers unlikely, which is what collapses a small model on its own answers.
    """
    mask = completion_mask[:, 1:].bool()
    return -token_logps[mask].mean()


@dataclass(frozen=True)
class LossCurves:
    """The DPO loss and its gradient weight over a range of reward margins, for several beta."""
    margins: list[float]  # (log pi/ref)_chosen - (log pi/ref)_rejected, before beta
    betas: list[float]
    losses: list[list[float]]  # [beta][margin]
    weights: list[list[float]]  # sigmoid(-beta * margin): how hard a pair still pulls (Eq. 8)


def loss_curves(betas: tuple[float, ...] = (0.05, 0.1, 0.5, 1.0), span: float = 40.0,
                points: int = 161) -> LossCurves:
    """Tabulate the loss and the per-pair gradient weight sigma(-beta * margin) of the paper's Eq. 8.

    >>> curves = loss_curves(betas=(0.1,), points=3)
    >>> [round(x, 4) for x in curves.weights[0]]   # pairs already ranked right pull less
    [0.982, 0.5, 0.018]
    """
    margins = torch.linspace(-span, span, points, dtype=torch.float64)
    losses = [(-F.logsigmoid(beta * margins)).tolist() for beta in betas]
    weights = [torch.sigmoid(-beta * margins).tolist() for beta in betas]
    return LossCurves(margins.tolist(), list(betas), losses, weights)
