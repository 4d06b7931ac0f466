"""The Math tab's engine checked against independent references: torch autograd for derivatives,
torch.nn.functional for the losses, numpy for the plain formulas. Fast: no model, no server."""
from __future__ import annotations

import contextlib
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from demos.common import COMMON_TEXT, field_label_text, labels
from demos.math.text import TEXT
from playground.core.errors import InputError
from playground.math import cross_entropy as ce
from playground.math import exp_log as el
from playground.math import figures, forms
from playground.math.token_loss import TokenLosses

JAPANESE = SimpleNamespace(headers={"accept-language": "ja"})


def said(error: ValueError, lang: str = "en") -> str:
    """What the page says for `error`: an InputError's key filled from the tab's (or the common) table."""
    if not isinstance(error, InputError):
        return str(error)
    table = TEXT if error.key in TEXT["en"] else COMMON_TEXT
    values = {**error.values, **({"field": field_label(error, lang)} if "field" in error.values else {})}
    return table[lang][error.key].format(**values)


def field_label(error: InputError, lang: str) -> str:
    """The refused field as the page labels it (the error names it by its label key)."""
    return field_label_text(TEXT, error.values["field"], JAPANESE if lang == "ja" else None)


@contextlib.contextmanager
def refused(pattern: str):
    """Like pytest.raises(ValueError, match=pattern) on the English message the reader gets; the
    Japanese one must exist, fill every slot and name the same field."""
    with pytest.raises(ValueError) as caught:
        yield
    english, japanese = said(caught.value), said(caught.value, "ja")
    assert re.search(pattern, english), english
    if isinstance(caught.value, InputError) and "field" in caught.value.values:
        assert caught.value.values["field"] in TEXT["en"], "fields are named by their label keys"
        assert field_label(caught.value, "ja") in japanese and japanese != english, japanese


def figure_labels(lang: str) -> dict[str, str]:
    return labels(TEXT, "curves_fig_", JAPANESE if lang == "ja" else None)


def autograd_slope(fn, x: np.ndarray) -> np.ndarray:
    """d fn / dx at every x, by torch autograd in float64 (an independent reference)."""
    xs = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn(xs).sum().backward()
    return xs.grad.numpy()


# ------------------------------------------------------------------ 1. exponential
@pytest.mark.parametrize("base", [0.3, 2.0, math.e, 5.0])
def test_exp_derivative_matches_autograd(base):
    curve = el.exp_curve(el.ExpQuery(base, 0.5))
    np.testing.assert_allclose(curve.y, base ** curve.x, rtol=1e-14)
    np.testing.assert_allclose(curve.dy, autograd_slope(lambda x: base ** x, curve.x), rtol=1e-12)
    # the tangent touches the curve at x0 with the autograd slope there
    assert curve.tangent.y0 == pytest.approx(base ** 0.5, rel=1e-14)
    assert curve.tangent.slope == pytest.approx(autograd_slope(lambda x: base ** x, np.array([0.5]))[0], rel=1e-12)
    assert curve.tangent.line(np.array([0.5]))[0] == pytest.approx(curve.tangent.y0)


def test_e_is_the_base_whose_derivative_is_itself():
    curve = el.exp_curve(el.ExpQuery(math.e, 1.0))
    np.testing.assert_allclose(curve.dy, curve.y, rtol=1e-15)
    np.testing.assert_allclose(curve.e_x, np.exp(curve.x))
    assert curve.ln_base == pytest.approx(1.0, abs=1e-15)


def test_e_limit_increases_towards_e_with_error_near_e_over_2n():
    limit = el.e_limit(1_000_000)
    assert limit.n[0] == 1 and limit.value[0] == 2.0 and limit.n[-1] == 1_000_000
    assert np.all(np.diff(limit.value) > 0) and np.all(limit.error > 0)
    # e - (1 + 1/n)^n = e/(2n) - 11e/(24n^2) + O(n^-3) (for n > 1e4 float64 round-off of 1 + 1/n shows)
    n = limit.n[(limit.n >= 1000) & (limit.n <= 10_000)].astype(float)
    value = limit.value[(limit.n >= 1000) & (limit.n <= 10_000)]
    np.testing.assert_allclose(math.e - value, math.e / (2 * n) - 11 * math.e / (24 * n ** 2), rtol=1e-5)


@pytest.mark.parametrize("kwargs, word", [
    ({"base": 1.0}, "base a = 1 has ln a = 0"), ({"base": 0.0}, r"base a must be between 0\.2 and 5 \(got 0\)"),
    ({"base": float("nan")}, r"\(got NaN\)"), ({"x0": 10.0}, r"point x₀ \(tangent\) must be between -2 and 2"),
    ({"base": 5.01}, "base a must be between 0.2 and 5"), ({"base": "2"}, r"\(got \"2\"\)")])
def test_exp_refuses_bad_input_in_the_sliders_range(kwargs, word):
    with refused(word):
        el.ExpQuery(**kwargs)


# ------------------------------------------------------------------ 2. logarithm
@pytest.mark.parametrize("base", [2.0, math.e, 10.0, 1.5])
def test_log_and_its_derivative_match_numpy_and_autograd(base):
    curve = el.log_curve(el.LogQuery(base, 2.0))
    np.testing.assert_allclose(curve.y, np.log(curve.x) / np.log(base), rtol=1e-14)
    expected = autograd_slope(lambda x: torch.log(x) / math.log(base), curve.x)
    np.testing.assert_allclose(curve.dy, expected, rtol=1e-12)
    assert curve.tangent.slope == pytest.approx(1 / (2.0 * math.log(base)), rel=1e-14)


def test_finite_difference_error_follows_truncation_then_round_off():
    fd = el.finite_difference(2.0)
    assert fd.exact == 0.5
    # truncation: forward error ~ h / (2 x^2) for moderate h
    moderate = (fd.h > 1e-4) & (fd.h < 1e-2)
    np.testing.assert_allclose(fd.forward_error[moderate], fd.h[moderate] / (2 * 2.0 ** 2), rtol=0.02)
    # central difference is second order: far better at the same moderate h
    assert np.all(fd.central_error[moderate] < fd.forward_error[moderate] / 100)
    # round-off: the best h is near sqrt(float64 eps) ~ 1e-8, and the tiniest h is worse again
    assert 1e-10 < fd.best_h < 1e-6
    assert fd.forward_error[0] > 100 * fd.forward_error.min()


def test_finite_difference_keeps_x_minus_h_positive():
    fd = el.finite_difference(0.1)  # the slider's smallest x0
    assert np.all(fd.h < 0.1) and np.all(np.isfinite(fd.central))


@pytest.mark.parametrize("p, q, power, base", [(3.0, 5.0, 2.5, math.e), (0.1, 100.0, -5.0, 10.0),
                                               (2.0, 2.0, 0.0, 2.0)])
def test_log_rules_hold_numerically(p, q, power, base):
    rules = {rule.name: rule for rule in el.log_rules(el.LogQuery(base=base, p=p, q=q, power=power))}
    assert set(rules) == {"product", "quotient", "power", "change_of_base"}
    assert rules["product"].left == pytest.approx(np.log(p * q) / np.log(base), rel=1e-12, abs=1e-15)
    assert rules["power"].right == pytest.approx(power * np.log(p) / np.log(base), rel=1e-12, abs=1e-15)
    assert all(rule.difference < 1e-12 for rule in rules.values())


@pytest.mark.parametrize("kwargs, word", [
    ({"p": 0.0}, r"p \(rules\) must be between 0\.1 and 100 \(got 0\)"), ({"power": 6}, r"power r \(rules\)"),
    ({"base": 1.0}, "must be between 1.5 and 10"), ({"x0": None}, r"\(got null\)")])
def test_log_query_refuses_what_its_sliders_do_not_offer(kwargs, word):
    with refused(word):
        el.LogQuery(**kwargs)


def test_whole_numbers_are_refused_not_truncated():
    with refused(r"largest n in \(1 \+ 1/n\)ⁿ must be a whole number from 1 to 1000000 \(got 1\.5\)"):
        el.e_limit(1.5)
    with refused(r"target class must be a whole number from 0 to 2 \(got 0\.5\)"):
        ce.ce_one_sample([1.0, 2.0, 3.0], 0.5)
    with refused(r"face whose probability the right plot sweeps must be a whole number from 1 to 6 \(got 5\.5\)"):
        ce.dice_from_table([[face, 1, 1.0] for face in range(1, 7)], 5.5)


# ------------------------------------------------------------------ 3. dice likelihood
def test_dice_nll_equals_torch_nll_loss_over_the_throws():
    counts, probs = [3, 2, 4, 1, 3, 7], ce.normalise([1, 2, 1, 1, 1, 4])
    dice = ce.dice_likelihood(counts, probs)
    throws = torch.repeat_interleave(torch.arange(6), torch.tensor(counts))  # each throw as a label
    reference = F.nll_loss(torch.log(torch.tensor(probs)).expand(len(throws), 6), throws, reduction="sum")
    assert dice.nll == pytest.approx(float(reference), rel=1e-12)
    assert dice.likelihood == pytest.approx(float(np.prod(probs ** np.array(counts))), rel=1e-12)
    assert dice.log_likelihood == pytest.approx(math.log(dice.likelihood), rel=1e-12)
    np.testing.assert_allclose(dice.per_face.sum(), dice.nll)


def test_dice_nll_is_smallest_at_the_observed_frequencies():
    counts = np.array([3, 2, 4, 1, 3, 7])
    dice = ce.dice_likelihood(counts, [1 / 6] * 6, face=5)
    np.testing.assert_allclose(dice.frequencies, counts / 20)
    rng = np.random.default_rng(0)
    for probs in rng.dirichlet(np.ones(6), size=50):
        assert ce.dice_likelihood(counts, probs).nll >= dice.nll_at_frequencies - 1e-12
    # the swept curve bottoms out at n_6 / N = 7 / 20 (to the grid's 0.005 step)
    assert dice.sweep[np.argmin(dice.sweep_nll)] == pytest.approx(0.35, abs=0.005)


def test_dice_zero_probability_for_a_seen_face_is_clipped_and_flagged():
    dice = ce.dice_likelihood([1, 0, 0, 0, 0, 1], [0.0, 0.2, 0.2, 0.2, 0.2, 0.2])
    assert dice.clipped.tolist() == [True, False, False, False, False, False]
    assert dice.nll == pytest.approx(-math.log(ce.EPS) - math.log(0.2))
    # an unseen face with p = 0 costs nothing and is not flagged
    assert not ce.dice_likelihood([0, 1, 1, 1, 1, 1], [0.0, 0.2, 0.2, 0.2, 0.2, 0.2]).clipped.any()


@pytest.mark.parametrize("counts, probs, word", [
    ([1, 1, 1, 1, 1, -1], [1 / 6] * 6, "counts"), ([0] * 6, [1 / 6] * 6, "counts"),
    ([1.5, 1, 1, 1, 1, 1], [1 / 6] * 6, "counts"), ([1] * 6, [0.2] * 6, "sums to"),
    ([1] * 5, [0.2] * 5, "counts")])
def test_dice_refuses_bad_input(counts, probs, word):
    with refused(word):
        ce.dice_likelihood(counts, probs)


def test_dice_table_normalises_weights_and_counts_faces_from_one():
    rows = [[face, count, 2.0] for face, count in zip(range(1, 7), [1, 2, 3, 4, 5, 6])]
    dice = ce.dice_from_table(rows, face=6)
    assert dice.face == 5 and np.allclose(dice.probs, 1 / 6)
    with refused("6 rows"):
        ce.dice_from_table(rows[:5], face=1)
    with refused("empty"):
        ce.dice_from_table([*rows[:5], [6, float("nan"), 1.0]], face=1)


# ------------------------------------------------------------------ 4. one sample
def one_sample_cases() -> list[tuple[list[float], int]]:
    """Hand-picked logits, gaps across the whole accepted range |z| <= 100, and random vectors."""
    cases = [([2.0, 1.0, 0.1], 0), ([2.0, 1.0, 0.1], 2), ([-100.0, 100.0], 0), ([100.0, -100.0], 1),
             ([100.0, -100.0], 0), ([0.0] * 10, 9), ([100.0] * 9 + [-100.0], 9)]
    cases += [([gap / 2, -gap / 2], 1) for gap in np.linspace(0.0, 200.0, 41)]  # 27.6 is at gap ~27.6
    rng = np.random.default_rng(0)
    for k in (2, 3, 5, 10):
        cases += [(rng.uniform(-100, 100, k).round(3).tolist(), int(rng.integers(k))) for _ in range(5)]
    return cases


@pytest.mark.parametrize("logits, target", one_sample_cases())
def test_one_sample_matches_torch_cross_entropy(logits, target):
    # torch's F.cross_entropy is log-softmax then NLL: exact up to float64 rounding even where
    # y_target underflows, e.g. ([100, -100], 1) -> 200 (log of a clipped y stopped at 27.63)
    sample = ce.ce_one_sample(logits, target)
    z = torch.tensor([logits], dtype=torch.float64)
    np.testing.assert_allclose(sample.probs, torch.softmax(z, -1)[0].numpy(), rtol=1e-12, atol=1e-300)
    reference = float(F.cross_entropy(z, torch.tensor([target])))
    # rounding of z - logsumexp(z) is relative to the logits' size (100), not to a loss near 0
    assert sample.loss == pytest.approx(reference, rel=1e-12, abs=1e-14 * max(1.0, np.abs(logits).max()))
    assert np.count_nonzero(sample.terms) <= 1 and sample.terms[target] == sample.loss


def test_one_sample_refuses_bad_input():
    with refused("target"):
        ce.ce_one_sample([1.0, 2.0], 2)
    with refused("logits"):
        ce.ce_one_sample([1.0], 0)


# ------------------------------------------------------------------ 5. batch
def random_batch(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, k, n), rng.dirichlet(np.ones(k), size=n)


@pytest.mark.parametrize("n, k", [(1, 2), (4, 3), (32, 10)])
def test_batch_mean_matches_torch_with_labels_and_with_one_hot(n, k):
    labels, probs = random_batch(n, k)
    snapshot = probs.copy()
    by_label = ce.batch_ce(labels, probs)
    by_one_hot = ce.batch_ce(np.eye(k)[labels], probs)
    log_y = torch.log(torch.tensor(probs))
    reference = float(F.cross_entropy(log_y, torch.tensor(labels)))
    assert by_label.mean == pytest.approx(reference, rel=1e-12)
    assert by_label.total == pytest.approx(reference * n, rel=1e-12)
    assert by_one_hot.mean == pytest.approx(reference, rel=1e-12)
    assert by_label.torch_nll_loss == pytest.approx(reference, rel=1e-12)
    assert by_one_hot.torch_nll_loss is None  # soft/one-hot rows give no labels for nll_loss
    np.testing.assert_allclose(by_label.per_sample, -np.log(probs[np.arange(n), labels]), rtol=1e-12)
    np.testing.assert_array_equal(probs, snapshot)  # input not mutated


def test_batch_with_soft_targets_matches_torch_probability_targets():
    _, probs = random_batch(5, 4, seed=1)
    _, soft = random_batch(5, 4, seed=2)
    batch = ce.batch_ce(soft, probs)
    reference = F.cross_entropy(torch.log(torch.tensor(probs)), torch.tensor(soft))
    assert batch.mean == pytest.approx(float(reference), rel=1e-12)
    assert batch.torch_cross_entropy == pytest.approx(float(reference), rel=1e-12)


def test_batch_torch_values_come_from_the_unclipped_probabilities():
    # torch must be an independent check, not our clipped log Y fed back: where a target's y is
    # below EPS it gives -log y (inf for 0), ours -log EPS; elsewhere the two agree
    probs = np.array([[1e-15, 1 - 1e-15], [0.5, 0.5], [0.0, 1.0]])
    batch = ce.batch_ce([0, 1, 1], probs)
    unclipped = torch.log(torch.tensor(probs))
    assert batch.torch_nll_loss == pytest.approx(float(F.nll_loss(unclipped, torch.tensor([0, 1, 1]))), rel=1e-12)
    assert batch.torch_nll_loss == pytest.approx((-math.log(1e-15) - math.log(0.5)) / 3, rel=1e-12)
    assert batch.torch_cross_entropy == pytest.approx(batch.torch_nll_loss, rel=1e-12)
    assert batch.mean == pytest.approx((-math.log(ce.EPS) - math.log(0.5)) / 3, rel=1e-12)
    assert batch.clipped_targets == 1  # the 0 in row 3 is not a target: it changes nothing
    zero = ce.batch_ce([0, 1], [[0.0, 1.0], [0.5, 0.5]])
    assert math.isinf(zero.torch_nll_loss) and math.isinf(zero.torch_cross_entropy) and math.isfinite(zero.mean)


def test_batch_zero_prediction_for_the_target_is_clipped_not_infinite():
    probs = np.array([[0.0, 1.0], [0.5, 0.5]])
    assert math.isinf(float(F.nll_loss(torch.log(torch.tensor(probs)), torch.tensor([0, 1]))))  # the problem
    batch = ce.batch_ce([0, 1], probs)
    assert batch.clipped.tolist() == [[True, False], [False, False]]
    assert batch.per_sample[0] == pytest.approx(-math.log(ce.EPS))
    clamped = torch.log(torch.tensor(probs).clamp_min(ce.EPS))
    assert batch.mean == pytest.approx(float(F.nll_loss(clamped, torch.tensor([0, 1]))), rel=1e-12)
    # a zero on a non-target class costs nothing
    assert ce.batch_ce([1], [[0.0, 1.0]]).mean == 0.0


@pytest.mark.parametrize("targets, probs, word", [
    ([0, 1], [[0.5, 0.4], [0.5, 0.5]], "row 1 sums to"), ([0, 2], [[0.5, 0.5], [0.5, 0.5]], "labels"),
    ([0.5], [[0.5, 0.5]], "labels"),
    ([0], [[-0.5, 1.5]], r"\[0, 1\]"), ([0] * 33, [[0.5, 0.5]] * 33, "rows")])
def test_batch_refuses_bad_input(targets, probs, word):
    with refused(word):
        ce.batch_ce(targets, probs)


def test_mismatched_shapes_are_a_callers_slip_not_a_readers_input():
    with pytest.raises(TypeError, match="shape"):  # the page's table gives one target per row by construction
        ce.batch_ce([0], [[0.5, 0.5], [0.5, 0.5]])


def test_batch_table_reads_label_then_probabilities():
    batch = ce.batch_from_table([[2, 0.2, 0.3, 0.5]])  # N = 1
    assert batch.labels.tolist() == [2] and batch.mean == pytest.approx(-math.log(0.5))
    with refused("empty"):
        ce.batch_from_table([[0, 0.5, float("nan"), 0.5]])


# ------------------------------------------------------------------ 6. binary
@pytest.mark.parametrize("z, t", [(1.0, 1.0), (-3.0, 1.0), (2.5, 0.0), (0.3, 0.25), (8.0, 0.0)])
def test_binary_matches_torch_bce_and_two_class_softmax(z, t):
    binary = forms.binary_ce(z, t)
    zt = torch.tensor([z], dtype=torch.float64)
    with_logits = float(F.binary_cross_entropy_with_logits(zt, torch.tensor([t], dtype=torch.float64)))
    from_probs = float(F.binary_cross_entropy(torch.sigmoid(zt), torch.tensor([t], dtype=torch.float64)))
    softmax2 = float(F.cross_entropy(torch.tensor([[0.0, z]], dtype=torch.float64),
                                     torch.tensor([[1 - t, t]], dtype=torch.float64)))
    assert binary.loss0 == pytest.approx(with_logits, rel=1e-12)
    assert binary.loss0 == pytest.approx(from_probs, rel=1e-9)
    assert binary.loss0 == pytest.approx(softmax2, rel=1e-12)
    assert binary.y0 == pytest.approx(float(torch.sigmoid(zt)), rel=1e-15)
    assert binary.max_difference < 1e-12


def test_binary_curves_and_stability():
    binary = forms.binary_ce(0.0, 1.0)
    np.testing.assert_allclose(binary.loss_t1, -np.log(binary.y))
    np.testing.assert_allclose(binary.loss_t0, -np.log1p(-binary.y), rtol=1e-12)
    big = np.array([-50.0, 50.0])  # naive -log(sigmoid) would be log(0) for one of these
    reference = F.binary_cross_entropy_with_logits(torch.tensor(big), torch.ones(2, dtype=torch.float64),
                                                   reduction="none").numpy()
    np.testing.assert_allclose(forms.bce_with_logits(big, 1.0), reference, rtol=1e-12)
    with refused(r"target t \(0 or 1; values between are soft labels\) must be between 0 and 1 \(got 2\)"):
        forms.binary_ce(0.0, 2.0)


# ------------------------------------------------------------------ 7. matrix form and gradient
def test_matrix_form_equals_the_double_sum():
    labels, probs = random_batch(6, 3, seed=3)
    batch = ce.batch_ce(labels, probs)
    matrix = forms.matrix_form(batch)
    np.testing.assert_allclose(matrix.hadamard, np.eye(3)[labels] * np.log(probs))
    assert matrix.loss == pytest.approx(batch.mean, rel=1e-12) and matrix.difference < 1e-12


@pytest.mark.parametrize("n, k", [(1, 2), (4, 3), (3, 10)])
def test_softmax_gradient_is_y_minus_t_over_n_like_autograd(n, k):
    rng = np.random.default_rng(n * k)
    logits, targets = rng.normal(size=(n, k)) * 2, np.eye(k)[rng.integers(0, k, n)]
    gradient = forms.softmax_gradient(logits, targets)
    z = torch.tensor(logits, requires_grad=True)
    F.cross_entropy(z, torch.tensor(targets)).backward()
    np.testing.assert_allclose(gradient.analytic, z.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gradient.numerical, z.grad.numpy(), atol=1e-8)
    assert gradient.max_difference < 1e-8
    assert forms.mean_ce_of_logits(logits, targets) == pytest.approx(
        float(F.cross_entropy(torch.tensor(logits), torch.tensor(targets))), rel=1e-12)


def test_batch_gradient_uses_log_y_as_logits():
    batch = ce.batch_ce([0, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    gradient = forms.batch_gradient(batch)
    np.testing.assert_allclose(gradient.analytic, (batch.probs - batch.targets) / 2, atol=1e-12)


# ------------------------------------------------------------------ figures: built from data, localised
def all_figures(lang: str):
    names = figure_labels(lang)
    batch = ce.batch_ce([0, 1], [[0.6, 0.4], [0.3, 0.7]])
    return {
        "exp": figures.exp_figure(el.exp_curve(el.ExpQuery(2.0, 1.0)), names),
        "limit": figures.e_limit_figure(el.e_limit(1000), names),
        "log": figures.log_figure(el.log_curve(el.LogQuery(2.0, 1.0)), names),
        "fd": figures.finite_difference_figure(el.finite_difference(1.0), names),
        "dice": figures.dice_figure(ce.dice_likelihood([1, 2, 3, 4, 5, 6], [1 / 6] * 6), names),
        "ce": figures.one_sample_figure(ce.ce_one_sample([2.0, 1.0, 0.1], 0), names),
        "batch": figures.batch_figure(batch, names),
        "binary": figures.binary_figure(forms.binary_ce(1.0, 1.0), names),
        "matrix": figures.matrix_figure(forms.matrix_form(batch), names),
        "gradient": figures.gradient_figure(forms.batch_gradient(batch), names),
        "llm": figures.token_loss_figure(TokenLosses(["a", "<b>"], [1.0, 2.0], [math.exp(-1), math.exp(-2)], 1.5,
                                                     math.exp(1.5), 1.5, "x"), names),
    }


def test_every_figure_has_height_axis_titles_and_legend_in_both_languages():
    english, japanese = all_figures("en"), all_figures("ja")
    for name, fig in english.items():
        assert fig.layout.height and fig.layout.showlegend, name
        x_titles = [fig.layout[a].title.text for a in fig.layout if a.startswith("xaxis")]
        y_titles = [fig.layout[a].title.text for a in fig.layout if a.startswith("yaxis")]
        assert all(x_titles) and all(y_titles), name
        ja_titles = [japanese[name].layout[a].title.text for a in japanese[name].layout if a.startswith(("xaxis", "yaxis"))]
        names = [trace.name for trace in fig.data], [trace.name for trace in japanese[name].data]
        assert ja_titles != x_titles + y_titles or names[0] != names[1], f"{name} is not translated"


def test_figures_plot_the_data_they_are_given():
    curve = el.exp_curve(el.ExpQuery(3.0, 0.5))
    fig = figures.exp_figure(curve, figure_labels("en"))
    np.testing.assert_array_equal(fig.data[0].y, curve.y)
    assert fig.data[-1].x == (0.5,) and fig.data[-1].y == (curve.tangent.y0,)


@pytest.mark.parametrize("module", [el, ce, forms])
def test_docstring_examples_run(module):
    import doctest

    assert doctest.testmod(module).failed == 0


# ------------------------------------------------------------------ 8. the live model's per-token loss
def test_token_losses_match_log_softmax_and_the_models_own_loss(tiny_lm):
    from playground.math.token_loss import token_losses

    sentence = "The capital of France is Paris."
    losses = token_losses(tiny_lm, sentence)
    ids = tiny_lm.tokenizer(sentence, return_tensors="pt").input_ids
    with torch.no_grad():
        logits = tiny_lm.model(ids).logits[0].double()
    reference = F.cross_entropy(logits[:-1], ids[0, 1:], reduction="none")  # position t predicts t+1
    np.testing.assert_allclose(losses.neg_log_p, reference.numpy(), rtol=1e-9)
    assert len(losses.tokens) == ids.shape[1] - 1 and "".join([losses.first_token, *losses.tokens]) == sentence
    assert losses.mean == pytest.approx(float(reference.mean()), rel=1e-9)
    assert losses.model_loss == pytest.approx(losses.mean, rel=1e-5)  # transformers' loss, float32
    assert losses.perplexity == pytest.approx(math.exp(losses.mean))
    np.testing.assert_allclose(losses.probability, np.exp(-np.array(losses.neg_log_p)))


@pytest.mark.parametrize("sentence, word", [("  ", "empty"), ("x" * 1001, "limit"), ("Hi", "single token")])
def test_token_losses_refuse_unusable_sentences(tiny_lm, sentence, word):
    from playground.math.token_loss import token_losses

    with refused(word):
        token_losses(tiny_lm, sentence)


def test_token_labels_are_html_safe():
    from playground.math.token_loss import token_label

    assert token_label(3, "<br>\n") == "3: &lt;br&gt;↵"


@pytest.mark.slow
def test_real_model_is_confident_about_paris(offline_lm):
    from playground.math.token_loss import token_losses

    losses = token_losses(offline_lm, "The capital of France is Paris.")
    surprise = dict(zip(losses.tokens, losses.neg_log_p))
    assert surprise[" Paris"] < math.log(2)  # p(Paris) > 1/2
    assert surprise[" capital"] > surprise[" Paris"]
