"""EMA engine: the shadow against diffusers' EMAModel and the closed form, training, metrics, checkpoints."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers.training_utils import EMAModel

from demos.ema import TEXT as EMA_TEXT
from playground.core.ema import EMA
from playground.core.errors import InputError
from playground.ema import diffusion
from playground.ema import quality as sample_quality


def random_walk(model: torch.nn.Module, steps: int, seed: int = 0):
    """Move the weights like noisy SGD would; yields after each move."""
    generator = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        with torch.no_grad():
            for p in model.parameters():
                p.add_(0.05 * torch.randn(p.shape, generator=generator))
        yield


def small_net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))


@pytest.mark.parametrize("schedule, update_after_step, warmup", [
    ("cap", 0, False), ("cap", 7, False), ("power", 0, True), ("power", 5, True)])
def test_shadow_equals_diffusers_ema_model(schedule, update_after_step, warmup):
    # Same settings and the same sequence of weights: our shadow must match diffusers' EMAModel
    # (whose first update copies the weights) to float precision after 300 updates.
    net = small_net()
    ours = EMA(net, decay=0.99, schedule=schedule, update_after_step=update_after_step, power=0.75)
    reference = EMAModel(net.parameters(), decay=0.99, update_after_step=update_after_step,
                         use_ema_warmup=warmup, inv_gamma=1.0, power=0.75)
    for _ in random_walk(net, 300):
        used = ours.update(net)
        reference.step(net.parameters())
        assert used == pytest.approx(reference.cur_decay_value, abs=1e-12)
    for mine, theirs in zip(ours.shadow, reference.shadow_params):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=1e-6)
    # ... and the EMA is not just the current weights
    assert not torch.allclose(ours.shadow[0], net[0].weight)


def test_constant_decay_equals_the_closed_form():
    # shadow_K = d^K theta_0 + (1 - d) * sum_j d^(K - j) theta_j, with theta_0 the initial weights
    net, decay = small_net(), 0.9
    ema = EMA(net, decay=decay, schedule="constant")
    history = [net[0].weight.detach().clone()]
    for _ in random_walk(net, 50):
        ema.update(net)
        history.append(net[0].weight.detach().clone())
    steps = len(history) - 1
    expected = decay**steps * history[0] + sum(
        (1 - decay) * decay ** (steps - j) * history[j] for j in range(1, steps + 1))
    torch.testing.assert_close(ema.shadow[0], expected, rtol=0, atol=1e-6)


def test_cap_warmup_makes_0999_and_09999_identical_for_9000_steps():
    # (1 + n)/(10 + n) reaches 0.999 only at update 8,991 (n = 8,990)
    low, high = EMA(small_net(), decay=0.999), EMA(small_net(), decay=0.9999)
    assert [low.decay_at(s) for s in range(1, 8991)] == [high.decay_at(s) for s in range(1, 8991)]
    assert low.decay_at(8990) < 0.999 and low.decay_at(8991) == pytest.approx(0.999)
    assert high.decay_at(8992) > 0.999


def test_store_copy_to_restore_round_trip_and_state_dict():
    net = small_net()
    ema = EMA(net, decay=0.9)
    for _ in random_walk(net, 20):
        ema.update(net)
    raw = [p.detach().clone() for p in net.parameters()]
    ema.store(net)
    ema.copy_to(net)
    assert all(torch.equal(p, s) for p, s in zip(net.parameters(), ema.shadow))
    ema.restore(net)
    assert all(torch.equal(p, r) for p, r in zip(net.parameters(), raw))
    with pytest.raises(ValueError, match="store"):
        ema.restore(net)
    copy = EMA(small_net(), decay=0.5)
    copy.load_state_dict(ema.state_dict())
    assert copy.num_updates == 20 and copy.decay == 0.9
    assert all(torch.equal(a, b) for a, b in zip(copy.shadow, ema.shadow))


@pytest.mark.parametrize("kwargs, word", [({"decay": 1.0}, "decay"), ({"schedule": "linear"}, "schedule"),
                                          ({"update_after_step": -1}, "update_after_step")])
def test_bad_settings_are_clear_errors(kwargs, word):
    with pytest.raises(ValueError, match=word):
        EMA(small_net(), **kwargs)


@pytest.mark.parametrize("name, value, key, field", [
    ("steps", 0, "common_err_whole", "ema_steps"), ("steps", 100.5, "common_err_whole", "ema_steps"),
    ("learning_rate", 5.0, "common_err_range", "ema_lr"), ("dataset", "cifar", "common_err_choice", "ema_dataset"),
    ("ema_decay", 1.0, "common_err_range", "ema_decay"), ("ema_decay", float("nan"), "common_err_range", "ema_decay"),
    ("schedule", "linear", "common_err_choice", "ema_schedule"), ("cosine_lr", "yes", "common_err_boolean", "ema_cosine"),
    ("seed", 2**32, "common_err_whole", "ema_seed"), ("eval_every", 10**6, "common_err_whole", "ema_every")])
def test_train_config_refuses_with_the_shared_key_naming_the_field_by_its_label_key(name, value, key, field):
    with pytest.raises(InputError) as error:
        diffusion.TrainConfig(**{name: value})
    assert (error.value.key, error.value.values["field"]) == (key, field)
    assert field in EMA_TEXT["en"] and field in EMA_TEXT["ja"]


def test_train_config_keeps_whole_numbers_as_ints_and_the_largest_seed_has_a_held_out_set():
    config = diffusion.TrainConfig(steps=300.0, seed=4.0, eval_every=500)  # every > steps: scored at the end only
    assert (config.steps, config.seed) == (300, 4) and type(config.steps) is int
    assert diffusion.reference_seed(2**32 - 1) == 0  # sklearn takes seeds below 2**32


# ------------------------------------------------------------------ metrics
def test_sliced_wasserstein_and_mmd_against_known_answers():
    x = diffusion.toy_samples("two_moons", 1000, seed=0)
    # In 1-D a shift by c moves every sorted point by c: W1 = |c|
    line = torch.randn(400, 1)
    # float32 means over 400 x 256 gaps: good to ~1e-6 of the value, whatever the summation order
    assert sample_quality.sliced_wasserstein(line, line + 0.3) == pytest.approx(0.3, rel=3e-5)
    scale = x.abs().mean().item()  # the data's own size: what "zero" is measured against
    assert 0.0 <= sample_quality.sliced_wasserstein(x, x) <= 1e-6 * scale
    # MMD^2 is a difference of kernel means, each up to 3 (three RBFs <= 1): zero relative to that
    kernel_scale = 3.0
    assert sample_quality.mmd_rbf(x, x) == pytest.approx(0.0, abs=1e-6 * kernel_scale)
    other = diffusion.toy_samples("two_moons", 1000, seed=1)
    assert sample_quality.mmd_rbf(x, other) < sample_quality.mmd_rbf(x, torch.randn(1000, 2))


def test_digit_scores_rank_real_digits_above_noise():
    real = diffusion.digits_images()
    held_out, rest = real[:300], real[300:600]
    noise = torch.rand(300, 1, 8, 8) * 2 - 1
    good, bad = sample_quality.digit_scores(rest, held_out), sample_quality.digit_scores(noise, held_out)
    assert good["frechet"] < bad["frechet"] / 5
    assert good["precision"] > 0.6 and bad["precision"] < 0.2
    # Frechet distance of a set with itself: never negative, and 0 up to rounding relative to the
    # traces that cancel (Tr S ~ 1e3 here; the covariance has rank 30 of 32, which once gave -1.36e-6)
    features = sample_quality.digit_features(held_out)
    trace = np.trace(np.cov(features, rowvar=False))
    assert 0.0 <= sample_quality.frechet_distance(features, features) <= 1e-10 * trace


# ------------------------------------------------------------------ training
def test_two_moons_training_scores_both_weight_sets_and_its_ema_is_the_reference_ema():
    config = diffusion.TrainConfig(steps=300, eval_every=1, num_samples=64, sampling_steps=5, batch_size=64)
    reference = None
    for history in diffusion.train(config):  # yields after every update (eval_every=1)
        if reference is None:  # diffusers' EMAModel; its first step copies the weights, like ours did
            reference = EMAModel([p.detach().clone() for p in history.model.parameters()], decay=0.999)
        reference.step(history.model.parameters())
    assert history.step == 300 and len(history.eval_steps) == 300
    for metrics in (history.metrics_raw, history.metrics_ema):
        assert set(metrics) == {"sliced_w1_x100", "mmd"}
        assert all(torch.isfinite(torch.tensor(v)).all() for v in metrics.values())
    for mine, theirs in zip(history.ema.shadow, reference.shadow_params):
        torch.testing.assert_close(mine, theirs, rtol=0, atol=1e-6)
    assert any(not torch.allclose(s, p) for s, p in zip(history.ema.shadow, history.model.parameters()))
    assert not torch.equal(history.samples_raw, history.samples_ema)
    assert history.weight_ema[-1] == pytest.approx(history.ema.shadow[-2].view(-1)[0].item())


@pytest.mark.parametrize("seed", range(5))
def test_frechet_distance_of_a_low_rank_set_with_itself_is_zero_not_negative(seed):
    # rank 3 in 16 dimensions: 13 eigenvalues are 0 up to eigh's rounding, whose square roots once
    # made FD(x, x) ~ -4e-8 of the trace on every seed; 0 up to float64 rounding of the trace now
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(100, 3)) @ rng.normal(size=(3, 16)) * 10
    trace = np.trace(np.cov(x, rowvar=False))
    assert 0.0 <= sample_quality.frechet_distance(x, x) <= 1e-12 * trace
    assert sample_quality.frechet_distance(x, x + 1.0) == pytest.approx(16.0, rel=1e-9)  # ||mu shift||^2


def test_frechet_distance_matches_the_scipy_sqrtm_formula():
    from scipy import linalg

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(300, 8)), rng.normal(size=(300, 8)) @ rng.normal(size=(8, 8)) + 1.0
    cov_x, cov_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    expected = ((x.mean(0) - y.mean(0)) ** 2).sum() + np.trace(cov_x + cov_y - 2 * linalg.sqrtm(cov_x @ cov_y).real)
    scale = np.trace(cov_x) + np.trace(cov_y)  # the terms that cancel: rounding is relative to them
    assert sample_quality.frechet_distance(x, y) == pytest.approx(expected, abs=1e-10 * scale)
