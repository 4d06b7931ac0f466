"""Cross-entropy built up from likelihood: dice throws, one softmax sample, then a batch.

The likelihood of observed counts n_k under predicted probabilities p_k is prod_k p_k^{n_k}; its
negative log, -sum_k n_k log p_k, turns a vanishing product into a sum. With one-hot targets t and
softmax outputs y = softmax(z) that is cross-entropy, E = -sum_k t_k log y_k, and over N samples
E = -(1/N) sum_i sum_k t_ik log y_ik, which is what `torch.nn.functional.cross_entropy` computes.
Reference: Bishop, Pattern Recognition and Machine Learning, sec. 4.3.4 (eq. 4.108);
https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from playground.core import checks
from playground.core.checks import shown
from playground.core.errors import InputError

EPS = 1e-12  # y is clipped to [EPS, 1] before log, because log 0 = -inf (a loss of infinity)
MAX_CLASSES = 10
MAX_SAMPLES = 32
MAX_COUNT = 1000  # throws per dice face
DICE_HEADERS = ["face", "n", "w"]  # the dice table's columns: face, throws, weight
SUM_TOLERANCE = 1e-6  # how far a row of probabilities may sum from 1 (typing 0.7, 0.2, 0.1 is fine)


def clipped_log(y: np.ndarray, eps: float = EPS) -> tuple[np.ndarray, np.ndarray]:
    """(log max(y, eps), mask of entries that were clipped): -log 0 would be an infinite loss."""
    y = np.asarray(y, dtype=np.float64)
    return np.log(np.maximum(y, eps)), y < eps


def check_probabilities(probs: np.ndarray, symbol: str = "Y", field: str = "curves_batch_table") -> np.ndarray:
    """Rows of non-negative numbers that sum to 1; refuses (never rescales) anything else.

    `symbol` is the matrix's symbol on the page (Y for predictions, T for targets, p for the dice), `field`
    the label key of the table it came from; an entry is named by its row and its column, the symbol's
    lower case and the class (y0, y1, ...).
    """
    probs = np.asarray(probs, dtype=np.float64)
    rows = np.atleast_2d(probs)  # a single distribution is row 1
    bad = np.argwhere(~((rows >= 0) & (rows <= 1)))  # NaN fails both comparisons
    if bad.size:
        row, column = (int(i) for i in bad[0])
        raise InputError("curves_err_probability", field=field, symbol=symbol, row=row + 1, column=f"{symbol.lower()}{column}",
                         value=float(rows[row, column]))
    sums = rows.sum(axis=-1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > SUM_TOLERANCE)
    if bad.size:
        raise InputError("curves_err_row_sum", field=field, symbol=symbol, row=int(bad[0]) + 1, value=float(sums[bad[0]]))
    return probs


def normalise(weights: list[float]) -> np.ndarray:
    """Non-negative weights -> probabilities w / sum(w) (the UI's sliders are weights)."""
    weights = np.asarray(weights, dtype=np.float64)
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise InputError("curves_err_weights", field="curves_dice_table", value=shown(weights.tolist()))
    return weights / weights.sum()


def softmax(logits: np.ndarray) -> np.ndarray:
    """softmax(z)_k = exp(z_k - max z) / sum_j exp(z_j - max z), over the last axis."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log softmax(z)_k = (z_k - max z) - log sum_j exp(z_j - max z), as torch computes it.

    Never log(softmax): once a class's y underflows (a logit gap past ~745) or is clipped, the
    log of it is lost, while this form stays exact: log_softmax([100, -100])[1] = -200.
    """
    z = np.asarray(logits, dtype=np.float64)
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


# ------------------------------------------------------------------ 3. dice likelihood
@dataclass(frozen=True)
class DiceLikelihood:
    """Counts n_k, predicted p_k and the likelihood chain L -> log L -> NLL = -log L."""
    counts: np.ndarray  # (6,) throws per face
    probs: np.ndarray  # (6,) predicted probability per face
    likelihood: float  # prod p_k^n_k (underflows to 0 for many throws: why we take logs)
    log_likelihood: float  # sum n_k log p_k
    nll: float  # -log_likelihood
    per_face: np.ndarray  # (6,) -n_k log p_k, the NLL's terms
    clipped: np.ndarray  # (6,) bool: p_k = 0 with n_k > 0 was clipped to EPS
    frequencies: np.ndarray  # (6,) n_k / N: the p that minimises the NLL (maximum likelihood)
    nll_at_frequencies: float
    face: int  # the face whose probability the curve sweeps
    sweep: np.ndarray  # probabilities given to `face`, the other faces rescaled to fill 1 - p
    sweep_nll: np.ndarray


def dice_likelihood(counts: list[int], probs: list[float], face: int = 5) -> DiceLikelihood:
    """Likelihood of dice counts under predicted face probabilities, and its NLL.

    >>> d = dice_likelihood([1, 1, 1, 1, 1, 1], [1 / 6] * 6)
    >>> round(d.nll, 6) == round(6 * math.log(6), 6)
    True
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.shape != (6,) or np.any(counts < 0) or np.any(counts > MAX_COUNT) \
            or np.any(counts != np.round(counts)) or counts.sum() == 0:
        raise InputError("curves_err_counts", field="curves_dice_table", value=shown(counts.tolist()), high=MAX_COUNT)
    probs = check_probabilities(probs, "p", "curves_dice_table")
    if probs.shape != (6,):  # the table gives 6 by construction: a caller's slip
        raise TypeError(f"dice probabilities need 6 values, one per face; got {probs.size}.")
    face = checks.whole_number("curves_face", face, 0, 5)  # 0-based here, 1..6 on the page
    log_p, clipped = clipped_log(probs)
    log_likelihood = float(np.sum(counts * log_p))
    frequencies = counts / counts.sum()
    sweep = np.linspace(0.005, 0.995, 199)
    others = np.delete(probs, face)
    others = others / others.sum() if others.sum() > 0 else np.full(5, 0.2)  # keep their ratios
    sweep_probs = np.insert(np.outer(1 - sweep, others), face, sweep, axis=1)  # (199, 6)
    return DiceLikelihood(
        counts, probs, math.exp(log_likelihood), log_likelihood, -log_likelihood, -counts * log_p,
        clipped & (counts > 0), frequencies,
        float(-np.sum(counts * clipped_log(frequencies)[0] * (counts > 0))), face, sweep,
        -(clipped_log(sweep_probs)[0] @ counts))


# ------------------------------------------------------------------ 4. one sample
@dataclass(frozen=True)
class OneSampleCE:
    """Logits z -> y = softmax(z) -> E = -sum_k t_k log y_k for a one-hot t."""
    logits: np.ndarray  # (K,)
    probs: np.ndarray  # (K,)
    target: int
    terms: np.ndarray  # (K,) -t_k log y_k: zero except at the target
    loss: float
    curve_y: np.ndarray  # y in (0, 1] for the -log y curve
    curve_loss: np.ndarray


def ce_one_sample(logits: list[float], target: int) -> OneSampleCE:
    """Cross-entropy of one sample with a class-index target, -log_softmax(z)[target] like torch.

    >>> s = ce_one_sample([0.0, 0.0], 1)
    >>> round(s.loss, 12) == round(math.log(2), 12), ce_one_sample([100.0, -100.0], 1).loss
    (True, 200.0)
    """
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim != 1 or not 2 <= z.size <= MAX_CLASSES or not np.all(np.abs(z) <= 100):
        raise InputError("curves_err_logits", value=shown(z.tolist()), high=MAX_CLASSES)
    target = checks.whole_number("curves_target", target, 0, z.size - 1)
    y = softmax(z)
    t = np.eye(z.size)[target]
    terms = -t * log_softmax(z)  # log of the clipped y would stop at -log EPS = 27.6
    curve_y = np.linspace(0.005, 1.0, 200)
    return OneSampleCE(z, y, target, terms, float(terms.sum()), curve_y, -np.log(curve_y))


# ------------------------------------------------------------------ 5. a batch
@dataclass(frozen=True)
class BatchCE:
    """E = -(1/N) sum_i sum_k t_ik log y_ik, with torch's value beside ours.

    Ours clips y to EPS before the log; torch's values are computed independently, from the
    unclipped torch.log(Y). They agree except where a target's y was clipped: there torch gives
    -log y (inf for y = 0), ours -log EPS ~ 27.6 (`clipped_targets` counts those entries).
    """
    targets: np.ndarray  # (N, K) T: one-hot rows (from labels) or soft target distributions
    labels: np.ndarray | None  # (N,) class indices when the targets were given as labels
    probs: np.ndarray  # (N, K) Y, as given
    log_probs: np.ndarray  # (N, K) log max(Y, EPS)
    clipped: np.ndarray  # (N, K) bool: entries of Y below EPS
    per_sample: np.ndarray  # (N,) -sum_k t_ik log y_ik
    total: float
    mean: float
    torch_cross_entropy: float  # F.cross_entropy(torch.log(Y), labels, or T for soft targets); unclipped
    torch_nll_loss: float | None  # F.nll_loss(torch.log(Y), labels), unclipped; None for soft targets

    @property
    def clipped_targets(self) -> int:
        """Clipped entries that a target weighs (t > 0): where torch's unclipped answer differs."""
        return int((self.clipped & (self.targets > 0)).sum())


def targets_matrix(targets: np.ndarray | list, classes: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Labels (N,) -> one-hot T (N, K); a (N, K) matrix of target distributions is checked and kept."""
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim == 1:
        bad = np.flatnonzero((targets != np.round(targets)) | (targets < 0) | (targets >= classes))
        if bad.size:
            raise InputError("curves_err_label", field="curves_batch_table", row=int(bad[0]) + 1, value=float(targets[bad[0]]),
                             high=classes - 1)
        labels = targets.astype(np.int64)
        return np.eye(classes)[labels], labels
    return check_probabilities(targets, "T"), None


def batch_ce(targets: np.ndarray | list, probs: np.ndarray | list, eps: float = EPS) -> BatchCE:
    """Mean cross-entropy over N samples, written as the double sum, and torch's answer.

    torch gets the unclipped log Y, so it is an independent check: F.cross_entropy takes it as
    logits (log_softmax(log Y) = log Y), F.nll_loss as log-probabilities. For soft targets with a
    0 in Y, torch's 0 * log 0 is nan.

    >>> b = batch_ce([0, 1], [[0.5, 0.5], [0.25, 0.75]])
    >>> round(b.mean, 12) == round(-(math.log(0.5) + math.log(0.75)) / 2, 12)
    True
    """
    probs = np.atleast_2d(np.asarray(probs, dtype=np.float64))
    n, k = probs.shape
    if not 1 <= n <= MAX_SAMPLES or not 2 <= k <= MAX_CLASSES:
        raise InputError("curves_err_batch_size", field="curves_batch_table", value=f"{n} x {k}", max_rows=MAX_SAMPLES,
                         max_classes=MAX_CLASSES)
    probs = check_probabilities(probs, "Y")
    t, labels = targets_matrix(targets, k)
    if t.shape != probs.shape:
        raise TypeError(f"targets have shape {t.shape} but predictions {probs.shape}: one target per row.")
    log_y, clipped = clipped_log(probs, eps)
    per_sample = np.array([-sum(t[i, c] * log_y[i, c] for c in range(k)) for i in range(n)])  # the double sum
    unclipped = torch.log(torch.from_numpy(probs))  # -inf where y = 0: torch sees what we clipped
    target = torch.from_numpy(t if labels is None else labels)
    reference_nll = None if labels is None else float(F.nll_loss(unclipped, target))
    return BatchCE(t, labels, probs, log_y, clipped, per_sample, float(per_sample.sum()),
                   float(per_sample.sum() / n), float(F.cross_entropy(unclipped, target)), reference_nll)


# ------------------------------------------------------------------ tables as the UI edits them
def read_table(rows: list[list], name: str, headers: list[str]) -> np.ndarray:
    """The table's cells as floats, or an InputError naming the table (`name`, its label key), row and column to fix.

    Rows arrive as the browser or an API client sends them: numbers or numeric text, None or ""
    for an empty cell, and rows of any length, so every cell is checked here.

    >>> read_table([[1, "2.5"]], "curves_batch_table", ["a", "b"]).tolist()
    [[1.0, 2.5]]
    """
    columns = ", ".join(headers)
    if not rows or not any(rows):
        raise InputError("curves_err_table_empty", field=name, columns=columns)
    table = np.empty((len(rows), len(headers)))
    for r, row in enumerate(rows, start=1):
        cells = list(row) if isinstance(row, (list, tuple)) else [row]
        if len(cells) != len(headers):
            raise InputError("curves_err_row_cells", field=name, row=r, value=len(cells), needed=len(headers),
                             columns=columns)
        for c, (cell, header) in enumerate(zip(cells, headers)):
            where = dict(field=name, row=r, column=header, value=shown(cell))
            try:
                value = math.nan if cell is None or str(cell).strip() == "" else float(cell)
            except (TypeError, ValueError):
                raise InputError("curves_err_cell_text", **where) from None
            if math.isnan(value):  # pandas and the browser send an emptied cell as NaN or nothing
                raise InputError("curves_err_cell_empty", **where)
            if math.isinf(value):
                raise InputError("curves_err_cell_infinite", **where)
            table[r - 1, c] = value
    return table


def dice_from_table(rows: list[list[float]], face: int) -> DiceLikelihood:
    """Rows (face, count n, weight w) -> `dice_likelihood(n, w / sum w)`; `face` is 1..6 here."""
    face = checks.whole_number("curves_face", face, 1, 6)
    table = read_table(rows, "curves_dice_table", DICE_HEADERS)
    if table.shape[0] != 6:
        raise InputError("curves_err_dice_rows", field="curves_dice_table", value=table.shape[0])
    return dice_likelihood(table[:, 1], normalise(table[:, 2]), face - 1)


def batch_headers(classes: int) -> list[str]:
    """The batch table's columns: the target label t, then one probability y_k per class."""
    return ["t", *(f"y{k}" for k in range(classes))]


def batch_from_table(rows: list[list[float]], eps: float = EPS) -> BatchCE:
    """Rows (target label, y_0, ..., y_K-1) -> `batch_ce(labels, Y)`; the first row sets K."""
    width = len(rows[0]) if rows and isinstance(rows[0], (list, tuple)) else 0
    if rows and not 3 <= width <= MAX_CLASSES + 1:
        raise InputError("curves_err_batch_width", field="curves_batch_table", value=width, high=MAX_CLASSES)
    table = read_table(rows, "curves_batch_table", batch_headers(max(width - 1, 2)))
    return batch_ce(table[:, 0], table[:, 1:], eps)
