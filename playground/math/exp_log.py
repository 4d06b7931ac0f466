"""Exponentials and logarithms, and their derivatives: the curves cross-entropy is built from.

a^x grows at a rate proportional to itself, d/dx a^x = a^x ln a, and e = lim (1 + 1/n)^n is the
one base where that factor is 1. Its inverse, log_a x, has slope 1/(x ln a); a finite difference
(log(x+h) - log x)/h approaches 1/x with error ~ h/(2x^2) until float64 round-off (~eps/h) wins.
Reference: any calculus text, e.g. https://en.wikipedia.org/wiki/Exponential_function and
https://en.wikipedia.org/wiki/Numerical_differentiation (the error trade-off).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from playground.core import checks
from playground.core.errors import InputError

X_RANGE = (-3.0, 3.0)  # the plotted x of a^x: readable on one plot for every base the page offers
LOG_X_RANGE = (0.05, 6.0)  # the plotted x of log_a x (> 0); 0.05 shows the dive towards -inf
POINTS = 241
RULE_NAMES = ("product", "quotient", "power", "change_of_base")  # what `log_rules` returns, in order
N_MAX_RANGE = (1, 1_000_000)  # the largest n of (1 + 1/n)^n; the page's slider offers the same


def _not_one(field: str, base: float) -> float:
    """A base other than 1 (ln 1 = 0: 1^x is flat and log_1 x undefined); the page's sliders pass through 1."""
    if abs(base - 1.0) < 1e-9:
        raise InputError("curves_err_base_one", field=field, value=base)
    return base


@dataclass(frozen=True)
class ExpQuery:
    """Section 1's inputs: the base a of a^x and the point x0 of the tangent; the page's sliders read these ranges."""
    base: float = 2.0
    x0: float = 1.0
    BASE_RANGE: ClassVar[tuple[float, float]] = (0.2, 5.0)
    X0_RANGE: ClassVar[tuple[float, float]] = (-2.0, 2.0)

    def __post_init__(self) -> None:
        checked = {"base": _not_one("curves_base", checks.in_range("curves_base", self.base, *self.BASE_RANGE)),
                   "x0": checks.in_range("curves_x0", self.x0, *self.X0_RANGE)}
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class LogQuery:
    """Section 2's inputs: log base, tangent point, and p, q, r of the rules; the page's sliders read these ranges."""
    base: float = math.e
    x0: float = 1.0
    p: float = 3.0
    q: float = 5.0
    power: float = 2.5
    BASE_RANGE: ClassVar[tuple[float, float]] = (1.5, 10.0)
    X0_RANGE: ClassVar[tuple[float, float]] = (0.1, 5.0)
    RULE_RANGE: ClassVar[tuple[float, float]] = (0.1, 100.0)  # p and q: logarithms need positive numbers
    POWER_RANGE: ClassVar[tuple[float, float]] = (-5.0, 5.0)

    def __post_init__(self) -> None:
        checked = {"base": _not_one("curves_log_base", checks.in_range("curves_log_base", self.base, *self.BASE_RANGE)),
                   "x0": checks.in_range("curves_log_x0", self.x0, *self.X0_RANGE),
                   "p": checks.in_range("curves_p", self.p, *self.RULE_RANGE),
                   "q": checks.in_range("curves_q", self.q, *self.RULE_RANGE),
                   "power": checks.in_range("curves_power", self.power, *self.POWER_RANGE)}
        for name, value in checked.items():  # frozen: set once, as checked
            object.__setattr__(self, name, value)


@dataclass(frozen=True)
class Tangent:
    """The point (x0, y0) on a curve and the tangent y = y0 + slope (x - x0) through it."""
    x0: float
    y0: float
    slope: float

    def line(self, x: np.ndarray) -> np.ndarray:
        return self.y0 + self.slope * (x - self.x0)


@dataclass(frozen=True)
class ExpCurve:
    """y = a^x, its derivative a^x ln a, and e^x for comparison, on one x grid."""
    base: float
    x: np.ndarray
    y: np.ndarray  # a^x
    dy: np.ndarray  # a^x ln a
    e_x: np.ndarray  # e^x, the curve that is its own derivative
    tangent: Tangent
    ln_base: float  # the ratio dy / y, the same at every x


def exp_curve(query: ExpQuery = ExpQuery()) -> ExpCurve:
    """a^x and (a^x)' = a^x ln a, with the tangent at x0.

    >>> c = exp_curve(ExpQuery(math.e, 0.0))
    >>> round(c.tangent.slope, 12), round(c.ln_base, 12)
    (1.0, 1.0)
    """
    base, x0 = query.base, query.x0
    x = np.linspace(*X_RANGE, POINTS)
    ln_a = math.log(base)
    y = base ** x
    return ExpCurve(base, x, y, y * ln_a, np.exp(x), Tangent(x0, base ** x0, base ** x0 * ln_a), ln_a)


@dataclass(frozen=True)
class ELimit:
    """(1 + 1/n)^n for growing n, and how far each is from e."""
    n: np.ndarray
    value: np.ndarray
    error: np.ndarray  # e - value, ~ e / (2n) for large n


def e_limit(n_max: int = 10_000) -> ELimit:
    """The compound-interest limit (1 + 1/n)^n -> e, on n = 1 .. n_max (log-spaced).

    >>> lim = e_limit(1000)
    >>> int(lim.n[-1]), bool(lim.error[-1] < 2e-3)
    (1000, True)
    """
    n_max = checks.whole_number("curves_n_max", n_max, *N_MAX_RANGE)
    n = np.unique(np.round(np.logspace(0, math.log10(n_max), 60)).astype(np.int64))
    value = (1.0 + 1.0 / n) ** n
    return ELimit(n, value, math.e - value)


@dataclass(frozen=True)
class LogCurve:
    """y = log_a x and its derivative 1 / (x ln a), with the tangent at x0."""
    base: float
    x: np.ndarray
    y: np.ndarray
    dy: np.ndarray
    tangent: Tangent


def log_curve(query: LogQuery = LogQuery()) -> LogCurve:
    """log_a x = ln x / ln a and (log_a x)' = 1 / (x ln a).

    >>> c = log_curve(LogQuery(2.0, 4.0))
    >>> round(c.tangent.y0, 12), round(c.tangent.slope * 4 * math.log(2), 12)
    (2.0, 1.0)
    """
    base, x0 = query.base, query.x0
    x = np.linspace(*LOG_X_RANGE, POINTS)
    ln_a = math.log(base)
    return LogCurve(base, x, np.log(x) / ln_a, 1.0 / (x * ln_a),
                    Tangent(x0, math.log(x0) / ln_a, 1.0 / (x0 * ln_a)))


@dataclass(frozen=True)
class FiniteDifference:
    """Slopes of ln at x0 from finite steps h, against the exact 1/x0."""
    x0: float
    h: np.ndarray
    forward: np.ndarray  # (ln(x0 + h) - ln x0) / h, error ~ h / (2 x0^2)
    central: np.ndarray  # (ln(x0 + h) - ln(x0 - h)) / 2h, error ~ h^2 / (3 x0^3)
    exact: float
    forward_error: np.ndarray  # |forward - 1/x0|
    central_error: np.ndarray
    best_h: float  # the h with the smallest forward error: truncation meets round-off here


def finite_difference(x0: float = 1.0) -> FiniteDifference:
    """Finite-difference slopes of ln x at x0 for h = 1e-14 .. 1e-1 (float64).

    >>> fd = finite_difference(2.0)
    >>> bool(fd.forward_error.min() < 1e-7), fd.exact
    (True, 0.5)
    """
    x0 = checks.in_range("curves_log_x0", x0, *LogQuery.X0_RANGE)
    h = np.logspace(-14, -1, 53)
    h = h[h < x0]  # the central difference needs x0 - h > 0
    forward = (np.log(x0 + h) - np.log(x0)) / h
    central = (np.log(x0 + h) - np.log(x0 - h)) / (2 * h)
    forward_error = np.abs(forward - 1.0 / x0)
    return FiniteDifference(x0, h, forward, central, 1.0 / x0, forward_error,
                            np.abs(central - 1.0 / x0), float(h[np.argmin(forward_error)]))


@dataclass(frozen=True)
class LogRule:
    """One logarithm rule evaluated on both sides, e.g. log(pq) and log p + log q."""
    name: str  # one of RULE_NAMES
    left: float
    right: float

    @property
    def difference(self) -> float:
        return abs(self.left - self.right)


def log_rules(query: LogQuery = LogQuery()) -> list[LogRule]:
    """The product, quotient, power and change-of-base rules computed numerically for p, q > 0.

    >>> [rule.difference < 1e-12 for rule in log_rules(LogQuery(base=10.0))]
    [True, True, True, True]
    """
    base, p, q, power = query.base, query.p, query.q, query.power

    def log(v: float) -> float:
        return math.log(v) / math.log(base)
    sides = [(log(p * q), log(p) + log(q)), (log(p / q), log(p) - log(q)), (log(p ** power), power * log(p)),
             (log(p), math.log10(p) / math.log10(base))]  # in the order of RULE_NAMES
    return [LogRule(name, left, right) for name, (left, right) in zip(RULE_NAMES, sides, strict=True)]
