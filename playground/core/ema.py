"""Exponential moving average (EMA) of a model's weights: one extra copy, averaged after every step.

The raw weights jump around with each minibatch's gradient noise; their moving average sits closer
to the centre of that noise, and samples from it are visibly cleaner in diffusion models. Formula,
after optimizer step n: theta_ema <- d_n * theta_ema + (1 - d_n) * theta, i.e.
`theta_ema.lerp_(theta, 1 - d_n)`. The decay d_n has a warm-up so the average forgets the random
initialisation quickly (see `decay_at`).

References: Polyak & Juditsky 1992; Ho et al. 2020 (https://arxiv.org/abs/2006.11239, EMA 0.9999);
adapted from diffusers' `EMAModel` (src/diffusers/training_utils.py, itself from torch-ema) with the
same step counting, but one fused `torch._foreach_lerp_` instead of a loop or a sub/sub pair.
"""
from __future__ import annotations

from collections.abc import Iterator

import torch

SCHEDULES = ("cap", "power", "constant")


def effective_decay(step: int, decay: float, schedule: str = "cap", update_after_step: int = 0,
                    inv_gamma: float = 1.0, power: float = 2 / 3) -> float:
    """The decay d_n used by update number `step` (1 = the first update), counted as diffusers does.

    With n = step - update_after_step - 1, the first update (n <= 0) copies the weights (decay 0)
    for "cap" and "power"; "constant" uses `decay` at once. The "cap" reaches 0.999 only at step
    8,991, so decay 0.999 and 0.9999 are identical before that.

    >>> effective_decay(8991, 0.9999), round(effective_decay(100, 0.9999, "power"), 4)
    (0.999, 0.9536)
    >>> effective_decay(1, 0.9, "cap"), effective_decay(1, 0.9, "constant")
    (0.0, 0.9)
    """
    n = step - update_after_step - 1
    if step <= update_after_step:
        return 0.0
    if schedule == "constant":
        return decay
    if n <= 0:
        return 0.0
    if schedule == "cap":
        warm = (1 + n) / (10 + n)
    else:
        warm = 1 - (1 + n / inv_gamma) ** -power
    return min(warm, decay)


class EMA:
    """A shadow copy of `model`'s parameters, updated in place after each optimizer step.

    Args:
        model: the network being trained; its parameters are copied once as the starting shadow.
        decay: the largest decay used. 0.999 averages over ~1,000 steps, 0.9999 over ~10,000.
        schedule: how the decay warms up with the update count n (see `decay_at`):
            "cap" = min(decay, (1+n)/(10+n)) (CompVis / Stable Diffusion and diffusers' default);
            "power" = min(decay, 1 - (1 + n/inv_gamma)^-power) (diffusers' `use_ema_warmup`);
            "constant" = decay from the first update (it remembers the random init for ~1/(1-decay)
            steps: the cautionary case).
        update_after_step: updates before this only copy the weights (no averaging yet).
        inv_gamma, power: the "power" warm-up's constants; power 2/3 suits ~1M-step runs, 3/4 shorter ones.

    >>> net = torch.nn.Linear(2, 1)
    >>> ema = EMA(net, decay=0.9)
    >>> ema.update(net)  # the first update copies the weights
    0.0
    >>> ema.num_updates, round(ema.decay_at(2), 4), ema.decay_at(10_000)
    (1, 0.1818, 0.9)
    """

    def __init__(self, model: torch.nn.Module, decay: float = 0.999, schedule: str = "cap",
                 update_after_step: int = 0, inv_gamma: float = 1.0, power: float = 2 / 3) -> None:
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"EMA decay must be in [0, 1), got {decay}. Try 0.999 (or 0.9999 for long runs).")
        if schedule not in SCHEDULES:
            raise ValueError(f"EMA schedule {schedule!r} is unknown; choose one of {', '.join(SCHEDULES)}.")
        if update_after_step < 0:
            raise ValueError(f"update_after_step must be >= 0, got {update_after_step}.")
        if inv_gamma <= 0 or power <= 0:
            raise ValueError(f"inv_gamma and power must be > 0, got {inv_gamma} and {power}.")
        self.decay, self.schedule, self.update_after_step = decay, schedule, update_after_step
        self.inv_gamma, self.power = inv_gamma, power
        self.num_updates = 0  # optimizer steps seen so far (diffusers' `optimization_step`)
        self.shadow = [p.detach().clone() for p in model.parameters()]
        self._stored: list[torch.Tensor] = []

    def decay_at(self, step: int) -> float:
        """The decay used by update number `step` (1 = the first update); see `effective_decay`."""
        return effective_decay(step, self.decay, self.schedule, self.update_after_step, self.inv_gamma, self.power)

    def _params(self, model: torch.nn.Module) -> list[torch.Tensor]:
        params = list(model.parameters())  # callers run under no_grad: no detach needed
        if len(params) != len(self.shadow):
            raise ValueError(f"the model has {len(params)} parameter tensors, the EMA tracks "
                             f"{len(self.shadow)}: pass the same model the EMA was made from.")
        return params

    @torch.no_grad()
    def update(self, model: torch.nn.Module) -> float:
        """Average the current weights in; call once after each optimizer step. Returns the decay used."""
        self.num_updates += 1
        decay = self.decay_at(self.num_updates)
        # shadow <- shadow + (1 - decay) * (param - shadow): one fused kernel, no temporary copy
        torch._foreach_lerp_(self.shadow, self._params(model), 1.0 - decay)
        return decay

    @torch.no_grad()
    def store(self, model: torch.nn.Module) -> None:
        """Keep a copy of the raw weights, so `restore` can put them back after sampling with EMA."""
        self._stored = [p.clone() for p in self._params(model)]

    @torch.no_grad()
    def copy_to(self, model: torch.nn.Module) -> None:
        """Load the EMA weights into `model` (call `store` first if training goes on)."""
        torch._foreach_copy_(self._params(model), self.shadow)

    @torch.no_grad()
    def restore(self, model: torch.nn.Module) -> None:
        """Put back the raw weights saved by `store`."""
        if not self._stored:
            raise ValueError("restore() needs a store() first: nothing was stored.")
        torch._foreach_copy_(self._params(model), self._stored)
        self._stored = []

    def state_dict(self) -> dict:
        """Settings, step count and shadow tensors, enough to resume or to save the EMA weights."""
        return {"decay": self.decay, "schedule": self.schedule, "update_after_step": self.update_after_step,
                "inv_gamma": self.inv_gamma, "power": self.power, "num_updates": self.num_updates,
                "shadow": [s.clone() for s in self.shadow]}

    def load_state_dict(self, state: dict) -> None:
        """The inverse of `state_dict`; checks the shadow shapes so a wrong model fails loudly."""
        shadow = state["shadow"]
        if [s.shape for s in shadow] != [s.shape for s in self.shadow]:
            raise ValueError("EMA state_dict shapes do not match this model's parameters.")
        if state["schedule"] not in SCHEDULES or not 0.0 <= state["decay"] < 1.0:
            raise ValueError(f"EMA state_dict has an invalid schedule/decay: {state['schedule']!r}, {state['decay']}.")
        for key in ("decay", "schedule", "update_after_step", "inv_gamma", "power", "num_updates"):
            setattr(self, key, state[key])
        self.shadow = [s.clone().to(t.device, t.dtype) for s, t in zip(shadow, self.shadow)]

    def named_shadow(self, model: torch.nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
        """(name, EMA tensor) pairs in `model`'s parameter order, e.g. to save a checkpoint."""
        for (name, _), tensor in zip(model.named_parameters(), self.shadow):
            yield name, tensor
