"""The 2-D data the two families race on: Gaussian mixtures whose mode centres are known exactly.

Every set is a mixture of k isotropic Gaussians with one standard deviation, so mode coverage
(`coverage.py`) is counted against the true centres. ring8 and grid25 follow VEEGAN / PacGAN
(Srivastava et al. 2017, https://arxiv.org/abs/1705.07761; Lin et al. 2018,
https://arxiv.org/abs/1712.04086): 8 Gaussians on a circle of radius 2 (std 0.05) and 25 on the
grid {-4, -2, 0, 2, 4}^2 (std 0.1). The papers' stds are finer (VEEGAN's ring 0.02, PacGAN's grid
0.05); a model trained for 20 CPU seconds on one thread does not reach that precision, so ours
are wider (grid at 0.05: ~14/25 modes for DDPM after 15 CPU-s, measured here). Two moons and the spiral are chains of overlapping
Gaussians along the curve, and a drawn set uses the visitor's points as the centres.
"""
from __future__ import annotations

import csv
import io
import json
import math

import numpy as np

from playground.core import checks
from playground.core.checks import shown
from playground.core.errors import InputError

DATASETS = ("ring8", "grid25", "two_moons", "spiral", "drawn")
MAX_DRAWN = 200  # drawn or uploaded centres; more would be a density, not a set of modes
DRAWN_STD = 0.05  # as a fraction of the drawn set's extent
SKETCH_CELLS = 14  # a drawing is binned into 14 x 14 cells: at most 196 centres


def validate_points(points: object, field: str = "gan_vs_diffusion_points") -> np.ndarray:
    """A drawn or uploaded set as a (k, 2) float array: 2..MAX_DRAWN finite, distinct points.

    Refusals are `InputError`s keyed `gan_vs_diffusion_err_points_*` naming `field` (the label key of the box
    or file the points came from), said by the tab in en / ja.

    >>> validate_points([[0, 0], [1, 1]]).shape
    (2, 2)
    """
    if points is None:
        points = []
    try:
        array = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InputError("gan_vs_diffusion_err_points_numbers", field=field, value=shown(points)) from error
    if array.size == 0:
        raise InputError("gan_vs_diffusion_err_points_empty", field=field)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InputError("gan_vs_diffusion_err_points_shape", field=field, shape=str(array.shape))
    if len(array) > MAX_DRAWN:
        raise InputError("gan_vs_diffusion_err_points_too_many", field=field, count=len(array), limit=MAX_DRAWN)
    bad = ~np.isfinite(array).all(axis=1)
    if bad.any():
        raise InputError("gan_vs_diffusion_err_points_not_finite", field=field, row=int(np.argmax(bad)) + 1,
                         value=shown(array[bad][0].tolist()))
    if len(array) < 2 or np.ptp(array, axis=0).max() == 0:
        raise InputError("gan_vs_diffusion_err_points_distinct", field=field)
    return array


def points_from_text(lines: str, field: str = "gan_vs_diffusion_points") -> tuple[tuple[float, float], ...]:
    """'x, y' lines (',' or ';'; a non-numeric first line is a header) or a JSON list of pairs, as tuples.

    Only the format is checked here (a bad line is refused naming `field`, the line and its text,
    escaped); count and values are `validate_points`'.

    >>> points_from_text("x, y\\n-1, 0\\n1; 0.5")
    ((-1.0, 0.0), (1.0, 0.5))
    """
    lines = lines.strip()
    if lines.startswith("["):
        try:
            return tuple((float(x), float(y)) for x, y in json.loads(lines))
        except (ValueError, TypeError) as error:
            raise InputError("gan_vs_diffusion_err_row", field=field, line=1, row=shown(lines)) from error
    rows = [row for row in csv.reader(io.StringIO(lines.replace(";", ","))) if any(cell.strip() for cell in row)]
    points = []
    for number, row in enumerate(rows, 1):
        try:
            if len(row) != 2:
                raise ValueError(row)
            points.append((float(row[0]), float(row[1])))
        except ValueError as error:
            if number == 1 and len(rows) > 1:
                continue  # a header such as "x,y"
            raise InputError("gan_vs_diffusion_err_row", field=field, line=number, row=shown(",".join(row))) from error
    return tuple(points)


def points_from_sketch(drawn: np.ndarray, cells: int = SKETCH_CELLS, extent: float = 2.0) -> np.ndarray:
    """Mode centres from a drawing: the mean drawn pixel of each occupied cell of a cells x cells grid.

    `drawn` is an (H, W) boolean mask (True = ink); the picture maps onto [-extent, extent]^2 with y up,
    so a stroke becomes a chain of overlapping modes, like the moons and the spiral. At most cells^2
    centres (14^2 = 196 <= MAX_DRAWN).

    >>> mask = np.zeros((100, 100), bool); mask[10, 10] = mask[90, 90] = True
    >>> points_from_sketch(mask).round(2).tolist()
    [[-1.6, 1.6], [1.6, -1.6]]
    """
    drawn = np.asarray(drawn, dtype=bool)
    if drawn.ndim != 2 or not drawn.any():
        raise InputError("gan_vs_diffusion_err_points_empty", field="gan_vs_diffusion_sketch")
    rows, columns = np.nonzero(drawn)
    height, width = drawn.shape
    cell = (rows * cells // height) * cells + columns * cells // width  # cell index of each ink pixel
    counts = np.bincount(cell, minlength=cells * cells)
    occupied = counts > 0
    x = np.bincount(cell, columns, cells * cells)[occupied] / counts[occupied] / width  # 0..1, left to right
    y = np.bincount(cell, rows, cells * cells)[occupied] / counts[occupied] / height  # 0..1, top to bottom
    return validate_points(np.stack([(2 * x - 1) * extent, (1 - 2 * y) * extent], 1), "gan_vs_diffusion_sketch")


def _curve_modes(name: str) -> np.ndarray:
    if name == "two_moons":  # 2 half circles of radius 1, 10 centres each (sklearn's make_moons layout)
        angles = np.linspace(0, math.pi, 10)
        upper = np.stack([np.cos(angles), np.sin(angles)], 1)
        lower = np.stack([1 - np.cos(angles), 0.5 - np.sin(angles)], 1)
        return np.concatenate([upper, lower]) * 2 - [1.0, 0.5]
    turns = np.linspace(0.5, 3.0, 20) * math.pi  # spiral: r grows linearly with the angle
    return np.stack([turns * np.cos(turns), turns * np.sin(turns)], 1) / 2.5


def toy_modes(name: str, points: object = None) -> np.ndarray:
    """The (k, 2) mode centres of `name`; "drawn" takes them from `points`.

    >>> toy_modes("ring8").shape, toy_modes("grid25").shape, toy_modes("grid25")[0].tolist()
    ((8, 2), (25, 2), [-4.0, -4.0])
    """
    if name == "ring8":
        angles = np.arange(8) * (2 * math.pi / 8)
        return 2.0 * np.stack([np.cos(angles), np.sin(angles)], 1)
    if name == "grid25":
        return np.array([[x, y] for x in range(-4, 5, 2) for y in range(-4, 5, 2)], dtype=np.float64)
    if name in ("two_moons", "spiral"):
        return _curve_modes(name)
    checks.one_of("gan_vs_diffusion_dataset", name, DATASETS)
    return validate_points(points)  # drawn


def mode_std(name: str, points: object = None) -> float:
    """The standard deviation of every Gaussian in `name` (high quality = within 3 of these)."""
    if name == "ring8":
        return 0.05  # VEEGAN uses 0.02: finer than a 20 CPU-s, one-thread model reaches
    if name == "grid25":
        return 0.1  # PacGAN uses 0.05: measured here, DDPM reached only ~14/25 at 0.05 in 15 CPU-s

    if name in ("two_moons", "spiral"):
        return 0.08  # neighbouring centres overlap: the sample looks like a curve
    return DRAWN_STD * float(np.ptp(toy_modes(name, points), axis=0).max())


def toy_samples(name: str, n: int, seed: int, points: object = None) -> np.ndarray:
    """`n` (n, 2) points from `name`: a uniformly chosen mode plus Gaussian noise of `mode_std`.

    >>> toy_samples("ring8", 4, seed=0).shape
    (4, 2)
    """
    modes = toy_modes(name, points)
    rng = np.random.default_rng(seed)
    chosen = rng.integers(0, len(modes), n)
    return modes[chosen] + rng.normal(0.0, mode_std(name, points), (n, 2))


def data_scale(name: str, points: object = None) -> float:
    """One number to divide coordinates by so both networks see unit-variance data (per-axis RMS of the centres)."""
    modes = toy_modes(name, points)
    centred = modes - modes.mean(axis=0)
    return float(np.sqrt((centred ** 2).mean())) or 1.0


def frame_of(modes: list, margin: float = 0.35) -> tuple[list[float], list[float]]:
    """The plot frame of a data set: its mode centres' box widened by `margin` of their largest extent.

    Fixed, not autoscaled: one far-off sample (y = -1,500 in a live race) would otherwise shrink the 25
    modes to a dot. The discriminator heatmap (`race._heatmap`) and both scatter panels (`figures`) use it.

    >>> frame_of([[-4, -4], [4, 4]])
    ([-6.8, 6.8], [-6.8, 6.8])
    """
    low, high = np.min(modes, axis=0), np.max(modes, axis=0)
    pad = margin * float(np.max(high - low))
    return [round(float(low[0] - pad), 4), round(float(high[0] + pad), 4)], [round(float(low[1] - pad), 4),
                                                                             round(float(high[1] + pad), 4)]
