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


def _count(name: str, value: object, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer)) or not math.isfinite(value) \
            or value != int(value) or not 1 <= value <= maximum:
        raise ValueError(f"{name} must be a whole number from 1 to {maximum:,}, got {value!r}.")
    return int(value)


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
    if name not in TRACES:
        raise ValueError(f"trace must be one of {', '.join(TRACES)} or an uploaded CSV, got {name!r}.")
    num_requests = _count("num_requests", num_requests, MAX_REQUESTS)
    shape = TRACES[name]
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
            raise ValueError(f"CSV row {number} needs two columns (prompt tokens, output tokens), got {row!r}.")
        cells = [cell.strip() for cell in row[:2]]
        if number == 1 and not all(cell.lstrip("-").isdigit() for cell in cells):
            continue  # a header
        for column, cell in zip(("prompt", "output"), cells):
            if not cell.lstrip("-").isdigit():
                raise ValueError(f"CSV row {number}: {column} must be a whole number of tokens, got {cell!r}.")
        prompt, output = int(cells[0]), int(cells[1])
        if prompt < 1 or output < 1 or prompt + output > MAX_LENGTH:
            raise ValueError(f"CSV row {number}: lengths must be >= 1 with prompt + output <= {MAX_LENGTH}, "
                             f"got prompt {prompt}, output {output}.")
        prompts.append(prompt)
        outputs.append(output)
        if len(prompts) > MAX_REQUESTS:
            raise ValueError(f"the CSV may hold at most {MAX_REQUESTS:,} requests.")
    if not prompts:
        raise ValueError("the CSV holds no requests: expected rows of `prompt,output` token counts.")
    return Trace(np.array(prompts, dtype=np.int64), np.array(outputs, dtype=np.int64))
