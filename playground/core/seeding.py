"""Reproducible weight initialisation without torch's process-wide generator.

Why: `torch.manual_seed` in a request path reseeds every other request running at the same time.
Modules initialise from that global generator, so we redraw their weights from the request's own
`torch.Generator`, with exactly PyTorch's default distributions (`reset_parameters` of each layer).
"""
from __future__ import annotations

import math

import torch
from torch import nn

_CONVOLUTIONS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


@torch.no_grad()
def init_weights_(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Redraw every Linear, convolution and Embedding of `model` from `generator`, in place.

    Same laws as PyTorch's defaults: weight ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
    1/sqrt(fan_in)), bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)); embeddings ~ N(0, 1). Norm layers
    start at ones and zeros, which needs no randomness. Any other layer with its own random
    parameters is refused, so nothing silently stays drawn from the global generator.

    >>> a, b = nn.Linear(4, 3), nn.Linear(4, 3)
    >>> _ = init_weights_(a, torch.Generator().manual_seed(0)); _ = init_weights_(b, torch.Generator().manual_seed(0))
    >>> torch.equal(a.weight, b.weight) and bool(a.weight.abs().max() <= 0.5)
    True
    """
    for module in model.modules():
        if isinstance(module, (nn.Linear, *_CONVOLUTIONS)):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            if module.bias is not None:
                fan_in, _ = nn.init._calculate_fan_in_and_fan_out(module.weight)
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
                nn.init.uniform_(module.bias, -bound, bound, generator=generator)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, generator=generator)
        elif any(True for _ in module.parameters(recurse=False)) and not isinstance(
                module, (nn.LayerNorm, nn.GroupNorm, nn.BatchNorm1d, nn.BatchNorm2d, nn.RMSNorm)):
            raise TypeError(f"init_weights_ cannot redraw {type(module).__name__}'s parameters; add it here.")
    return model
