"""The same cross-entropy in other forms: binary with a sigmoid, matrices, and its gradient y - t.

Binary: E = -t log y - (1 - t) log(1 - y) with y = sigmoid(z), which equals the 2-class softmax
cross-entropy with logits (0, z), since softmax(0, z)_2 = 1 / (1 + e^-z). Matrix: for targets T and
predictions Y (N x K), E = -(1/N) 1^T (T ⊙ log Y) 1 = -(1/N) tr(T^T log Y). Gradient: for
Y = softmax(Z), dE/dZ = (Y - T) / N, checked here against central finite differences.
Reference: Bishop, PRML, eqs. 4.90 and 4.109; https://en.wikipedia.org/wiki/Cross-entropy
"""
from __future__ import annotations

import math  # noqa: F401 (used by the doctests)
from dataclasses import dataclass

import numpy as np

from playground.core import checks
from playground.math.cross_entropy import BatchCE, softmax

Z_RANGE = (-8.0, 8.0)  # logits beyond +-8 give sigmoid within 3e-4 of 0 or 1: nothing new to see


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), without overflow for very negative z."""
    z = np.asarray(z, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def bce_with_logits(z: np.ndarray, t: float) -> np.ndarray:
    """-t log sigmoid(z) - (1 - t) log(1 - sigmoid(z)) = log(1 + e^z) - t z, written as
    max(z, 0) - t z + log(1 + e^-|z|) so that neither e^z overflows nor large terms cancel (as torch does)."""
    z = np.asarray(z, dtype=np.float64)
    return np.maximum(z, 0.0) - t * z + np.log1p(np.exp(-np.abs(z)))


def softmax2_ce(z: np.ndarray, t: float) -> np.ndarray:
    """The 2-class softmax cross-entropy with logits (0, z) and target distribution (1 - t, t)."""
    logits = np.stack([np.zeros_like(np.asarray(z, dtype=np.float64)), z], axis=-1)  # (..., 2)
    log_y = logits - np.logaddexp(logits[..., 0], logits[..., 1])[..., None]
    return -((1 - t) * log_y[..., 0] + t * log_y[..., 1])


# ------------------------------------------------------------------ 6. binary
@dataclass(frozen=True)
class BinaryCE:
    """BCE curves over y for t = 0 and t = 1, and the sigmoid form against the 2-class softmax."""
    y: np.ndarray  # grid in (0, 1)
    loss_t1: np.ndarray  # -log y
    loss_t0: np.ndarray  # -log(1 - y)
    z: np.ndarray  # logit grid
    sigmoid_loss: np.ndarray  # BCE(sigmoid(z), t)
    softmax_loss: np.ndarray  # CE(softmax(0, z), (1 - t, t))
    max_difference: float  # max |sigmoid_loss - softmax_loss| over the grid: ~1e-16
    z0: float
    t: float
    y0: float  # sigmoid(z0)
    loss0: float


def binary_ce(z0: float = 1.0, t: float = 1.0) -> BinaryCE:
    """Binary cross-entropy at the logit z0 for a (possibly soft) target t in [0, 1].

    >>> b = binary_ce(0.0, 1.0)
    >>> round(b.loss0, 12) == round(math.log(2), 12), b.max_difference < 1e-12
    (True, True)
    """
    z0 = checks.in_range("curves_z", z0, *Z_RANGE)
    t = checks.in_range("curves_t", t, 0.0, 1.0)  # 0 or 1 for hard labels, between for soft ones
    y = np.linspace(0.005, 0.995, 199)
    z = np.linspace(*Z_RANGE, 241)
    sigmoid_loss, softmax_loss = bce_with_logits(z, t), softmax2_ce(z, t)
    return BinaryCE(y, -np.log(y), -np.log(1 - y), z, sigmoid_loss, softmax_loss,
                    float(np.max(np.abs(sigmoid_loss - softmax_loss))), z0, t,
                    float(sigmoid(z0)), float(bce_with_logits(z0, t)))


# ------------------------------------------------------------------ 7. matrix form and gradient
@dataclass(frozen=True)
class MatrixCE:
    """The batch as matrices: T, log Y, T ⊙ log Y, and E = -(1/N) tr(T^T log Y)."""
    targets: np.ndarray  # (N, K) T
    log_probs: np.ndarray  # (N, K) log Y (clipped)
    hadamard: np.ndarray  # (N, K) T ⊙ log Y
    loss: float  # -(1/N) tr(T^T log Y)
    batch_mean: float  # section 5's double sum, for comparison
    difference: float


def matrix_form(batch: BatchCE) -> MatrixCE:
    """Cross-entropy of a batch as a trace of matrix products, next to the double sum.

    >>> from playground.math.cross_entropy import batch_ce
    >>> m = matrix_form(batch_ce([0, 1], [[0.5, 0.5], [0.25, 0.75]]))
    >>> m.difference < 1e-12
    True
    """
    t, log_y = batch.targets, batch.log_probs
    loss = float(-np.trace(t.T @ log_y) / t.shape[0])
    return MatrixCE(t, log_y, t * log_y, loss, batch.mean, abs(loss - batch.mean))


@dataclass(frozen=True)
class SoftmaxGradient:
    """dE/dZ for E = mean CE(softmax(Z), T): analytic (Y - T)/N beside central differences."""
    logits: np.ndarray  # (N, K) Z
    analytic: np.ndarray  # (N, K)
    numerical: np.ndarray  # (N, K)
    max_difference: float
    step: float


def mean_ce_of_logits(logits: np.ndarray, targets: np.ndarray) -> float:
    """-(1/N) sum T ⊙ log softmax(Z), with log softmax from logsumexp (no log 0 here)."""
    log_y = logits - np.logaddexp.reduce(logits, axis=-1, keepdims=True)
    return float(-np.sum(targets * log_y) / logits.shape[0])


def softmax_gradient(logits: np.ndarray, targets: np.ndarray, step: float = 1e-5) -> SoftmaxGradient:
    """Gradient of mean softmax cross-entropy w.r.t. the logits, two ways.

    >>> g = softmax_gradient(np.array([[0.0, 0.0]]), np.array([[0.0, 1.0]]))
    >>> g.analytic.tolist(), g.max_difference < 1e-8
    ([[0.5, -0.5]], True)
    """
    z = np.asarray(logits, dtype=np.float64)
    t = np.asarray(targets, dtype=np.float64)
    if z.shape != t.shape or z.ndim != 2:
        raise TypeError(f"logits {z.shape} and targets {t.shape} must be the same (N, K) shape.")  # a caller's slip
    if not 0 < step <= 1e-2:  # a caller's slip too: the page always uses the default
        raise TypeError(f"step = {step} must be in (0, 0.01]; 1e-5 balances truncation and round-off.")
    numerical = np.zeros_like(z)
    for index in np.ndindex(*z.shape):  # 1. nudge one logit up and down  2. slope of the loss
        bump = np.zeros_like(z)
        bump[index] = step
        numerical[index] = (mean_ce_of_logits(z + bump, t) - mean_ce_of_logits(z - bump, t)) / (2 * step)
    analytic = (softmax(z) - t) / z.shape[0]
    return SoftmaxGradient(z, analytic, numerical, float(np.max(np.abs(analytic - numerical))), step)


def batch_gradient(batch: BatchCE) -> SoftmaxGradient:
    """The gradient for section 5's batch, taking Z = log Y as logits (softmax(log Y) = Y)."""
    return softmax_gradient(batch.log_probs, batch.targets)

