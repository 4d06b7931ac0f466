"""Temperature and top-p sampling from a per-request generator: the one sampler every LLM tab uses.

Why per request: `generate(do_sample=True)` and `torch.manual_seed` use torch's process-wide
generator, so two visitors sampling at once would reseed each other. A `Sampler` owns its
`torch.Generator` (on the logits' device), so each seed gives its answer whatever else runs.
The same object serves our own decoding loops (`pick`, `draw`) and transformers' `generate`
(as the last logits processor).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


def sampling_distribution(logits: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
    """softmax(logits / temperature) over the top-p nucleus: the smallest set of most likely tokens
    whose probabilities reach `top_p` (the most likely token always stays). (..., vocab) floats.

    Holtzman et al. 2019, https://arxiv.org/abs/1904.09751; the same rule as transformers'
    `TemperatureLogitsWarper` then `TopPLogitsWarper` (checked in the tests).

    >>> sampling_distribution(torch.log(torch.tensor([0.5, 0.3, 0.2])), 1.0, 0.7).tolist()
    [0.625, 0.375, 0.0]
    """
    scores = logits.float() / temperature
    if top_p < 1.0:
        sorted_probs, order = scores.softmax(-1).sort(dim=-1, descending=True)
        outside = sorted_probs.cumsum(-1) - sorted_probs >= top_p  # mass before a token already reaches p
        scores = scores.masked_fill(torch.zeros_like(outside).scatter(-1, order, outside), -math.inf)
    return scores.softmax(-1)


@dataclass(frozen=True, eq=False)
class Sampler:
    """Greedy (temperature 0) or temperature + top-p sampling with this request's own generator.

    >>> sampler = Sampler.seeded(temperature=1.0, top_p=1.0, seed=0, device="cpu")
    >>> tokens, probs = sampler.pick(torch.tensor([[0.0, 9.0, 0.0]]))
    >>> tokens.tolist(), probs.shape
    ([1], torch.Size([1, 3]))
    >>> Sampler().pick(torch.tensor([2.0, 5.0, 1.0]))
    (tensor(1), None)
    """
    temperature: float = 0.0  # 0 means greedy: argmax, no randomness
    top_p: float = 1.0  # 1 keeps the whole vocabulary
    generator: torch.Generator | None = None  # needed to sample; on the device of the logits

    @classmethod
    def seeded(cls, temperature: float, top_p: float, seed: int, device: torch.device | str) -> Sampler:
        """A sampler with a fresh generator seeded with `seed` on `device` (none when greedy)."""
        generator = torch.Generator(device=device).manual_seed(seed) if temperature > 0 else None
        return cls(temperature, top_p, generator)

    @property
    def greedy(self) -> bool:
        return self.temperature == 0.0

    def distribution(self, logits: torch.Tensor) -> torch.Tensor:
        """What a draw samples from; when greedy, the plain softmax (temperature 1) a chart can show."""
        if self.greedy:
            return logits.float().softmax(-1)
        return sampling_distribution(logits, self.temperature, self.top_p)

    def draw(self, probs: torch.Tensor) -> torch.Tensor:
        """One token id per row of `probs` (..., vocab) -> (...), from this sampler's generator."""
        return torch.multinomial(probs, 1, generator=self.generator).squeeze(-1)

    def pick(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(token ids (...), the distribution they were drawn from, or None when greedy)."""
        if self.greedy:
            return logits.argmax(-1), None
        probs = self.distribution(logits)
        return self.draw(probs), probs

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        """As transformers' last logits processor: the picked token gets every bit of the mass, so
        `generate`'s greedy step emits it. (batch, vocab) -> a new (batch, vocab) tensor."""
        tokens, _ = self.pick(scores)
        return torch.full_like(scores, -math.inf).scatter(-1, tokens[:, None], 0.0)
