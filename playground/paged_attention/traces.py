"""Request traces: (prompt length, output length) pairs the allocator simulation serves.

The paper's datasets (ShareGPT: 161 prompt / 338 output tokens on average; Alpaca: 19 / 58; §6.1)
are not shipped; we draw log-normal lengths whose means, after clipping at 2,048 tokens, match
them. A CSV with the columns `prompt,output` (token counts) can replace them.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import numpy as np

from playground.core.checks import one_of, shown, whole_number
from playground.core.errors import InputError

MAX_LENGTH = 2048  # the paper's maximum sequence length (prompt + output)
MAX_REQUESTS = 20_000  # more would keep the shared CPU busy for minutes


@dataclass(frozen=True)
class TraceShape:
    """Log-normal lengths: the means are the paper's, the spreads (sigma) are our choice."""
    prompt_mean: float
    output_mean: float
    prompt_sigma: float
    output_sigma: float


TRACES: dict[str, TraceShape] = {
    "sharegpt": TraceShape(161.31, 337.99, 1.0, 0.9),
    "alpaca": TraceShape(19.31, 58.45, 0.5, 0.8),
}


@dataclass(frozen=True)
class Trace:
    prompt_lengths: np.ndarray  # (requests,) int
    output_lengths: np.ndarray  # (requests,) int, at least 1

    def __len__(self) -> int:
        return len(self.prompt_lengths)


def _lognormal(rng: np.random.Generator, mean: float, sigma: float, size: int, ceiling: int) -> np.ndarray:
    """Log-normal integers >= 1 whose mean after clipping at `ceiling` is `mean` (3 fixed-point steps)."""
    mu = math.log(mean) - sigma**2 / 2
    normal = rng.standard_normal(size)
    for _ in range(3):
        values = np.clip(np.rint(np.exp(mu + sigma * normal)), 1, ceiling)
        mu += math.log(mean / values.mean())
    return np.clip(np.rint(np.exp(mu + sigma * normal)), 1, ceiling).astype(np.int64)


def synthetic_trace(name: str, num_requests: int, seed: int = 0) -> Trace:
    """`num_requests` requests shaped like ShareGPT or Alpaca (prompt + output <= 2,048).

    >>> trace = synthetic_trace("sharegpt", 2000)
    >>> round(trace.prompt_lengths.mean() / 10), round(trace.output_lengths.mean() / 10)
    (16, 34)
    """
    shape = TRACES[one_of("paged_attention_trace", name, tuple(TRACES))]
    num_requests = whole_number("paged_attention_requests", num_requests, 1, MAX_REQUESTS)
    rng = np.random.default_rng(seed)
    prompts = _lognormal(rng, shape.prompt_mean, shape.prompt_sigma, num_requests, MAX_LENGTH - 1)
    outputs = _lognormal(rng, shape.output_mean, shape.output_sigma, num_requests, MAX_LENGTH - 1)
    return Trace(prompts, np.minimum(outputs, MAX_LENGTH - prompts))


def trace_from_csv(text: str) -> Trace:
    """Parse `prompt,output` token counts (one request a row, a header row is optional).

    >>> len(trace_from_csv("prompt,output\\n12,40\\n300,7\\n"))
    2
    """
    prompts, outputs = [], []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) < 2:
            raise InputError("paged_attention_err_csv_columns", row=number, value=shown(",".join(row)))
        cells = [cell.strip() for cell in row[:2]]
        if number == 1 and not all(cell.lstrip("-").isdigit() for cell in cells):
            continue  # a header
        for column, cell in zip(("prompt", "output"), cells):
            if not cell.lstrip("-").isdigit():
                raise InputError("paged_attention_err_csv_number", row=number, column=column, value=shown(cell))
        prompt, output = int(cells[0]), int(cells[1])
        if prompt < 1 or output < 1 or prompt + output > MAX_LENGTH:
            raise InputError("paged_attention_err_csv_length", row=number, prompt=prompt, output=output,
                             high=MAX_LENGTH)
        prompts.append(prompt)
        outputs.append(output)
        if len(prompts) > MAX_REQUESTS:
            raise InputError("paged_attention_err_csv_many", high=MAX_REQUESTS)
    if not prompts:
        raise InputError("paged_attention_err_csv_empty")
    return Trace(np.array(prompts, dtype=np.int64), np.array(outputs, dtype=np.int64))
