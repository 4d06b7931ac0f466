"""GANs to diffusion: the coverage protocol on known sets, the data, both trainers and the race on tiny budgets."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from demos.gan_vs_diffusion import TEXT as tab_text
from playground.core.errors import InputError
from playground.gan_vs_diffusion import coverage, toy_data
from playground.gan_vs_diffusion.cost import REFERENCE_SECONDS, diffusion_updates_for, update_flops
from playground.gan_vs_diffusion.diffusion import DiffusionConfig, DiffusionTrainer
from playground.gan_vs_diffusion.gan import GANConfig, GANTrainer
from playground.gan_vs_diffusion.race import RaceConfig, RaceSnapshot, race


# ------------------------------------------------------------------ data and coverage
@pytest.mark.parametrize("name, k", [("ring8", 8), ("grid25", 25), ("two_moons", 20), ("spiral", 20)])
def test_samples_from_every_mode_cover_all_k_modes_with_a_high_quality_share_near_99_7_percent(name, k):
    result = coverage.mode_coverage(toy_data.toy_samples(name, 2500, seed=3), name)
    assert result["modes"] == result["k"] == k
    # within 3 sigma of a 2-D Gaussian's centre: 1 - exp(-9/2) = 98.9 % (more where modes overlap)
    assert result["high_quality"] >= 0.98
    assert sum(result["counts"]) == pytest.approx(result["high_quality"] * 2500)
    assert result["kl_uniform"] < 0.02 * math.log(k)


def test_samples_from_three_modes_cover_exactly_three_and_kl_matches_the_formula():
    modes = toy_data.toy_modes("ring8")
    rng = np.random.default_rng(0)
    samples = modes[rng.integers(0, 3, 2500)] + rng.normal(0, 0.05, (2500, 2))
    result = coverage.mode_coverage(samples, "ring8")
    assert result["modes"] == 3
    assert sum(c > 0 for c in result["counts"]) == 3
    share = np.array(result["counts"][:3]) / sum(result["counts"])
    # KL(p || uniform over 8) = log 8 + sum p log p, about log(8/3) for an even split over 3
    assert result["kl_uniform"] == pytest.approx(math.log(8) + (share * np.log(share)).sum(), rel=1e-9)
    assert result["kl_uniform"] == pytest.approx(math.log(8 / 3), rel=0.02)


def test_uniform_noise_has_a_low_high_quality_share_and_nan_samples_count_as_low_quality():
    noise = np.random.default_rng(0).uniform(-5, 5, (2500, 2))
    result = coverage.mode_coverage(noise, "grid25")
    # 25 discs of radius 3 * 0.1 cover 25 * pi * 0.3^2 / 100 = 7.1 % of the square
    assert result["high_quality"] == pytest.approx(25 * math.pi * 0.3 ** 2 / 100, rel=0.2)
    assert result["modes"] == 0
    with_nan = toy_data.toy_samples("ring8", 2500, seed=0)
    with_nan[:1250] = np.nan
    assert coverage.mode_coverage(with_nan, "ring8")["high_quality"] == pytest.approx(0.5, rel=0.02)


def test_threshold_is_100_for_ring8_and_scaled_to_32_for_grid25():
    assert coverage.mode_threshold(8) == 100
    assert coverage.mode_threshold(25) == 32
    assert coverage.mode_threshold(8, 5000) == 200


@pytest.mark.parametrize("points, key", [
    ([], "empty"), (np.zeros((1_000_000, 2)), "too_many"), ([[0, 0], [np.nan, 1]], "not_finite"),
    ([[0, 0, 0]], "shape"), ([[1, 1], [1, 1]], "distinct"), ("abc", "numbers")])
def test_bad_drawn_sets_are_refused_with_a_keyed_message(points, key):
    with pytest.raises(InputError) as error:
        toy_data.toy_modes("drawn", points)
    assert error.value.key == f"gan_vs_diffusion_err_points_{key}"


def test_a_sketch_becomes_one_centre_per_inked_cell_mapped_with_y_up():
    mask = np.zeros((140, 140), bool)
    mask[5:8, 5:8] = True  # top-left cell: pixels 5..7, mean 6 -> x = (2 * 6/140 - 1) * 2
    mask[130, 120:140] = True  # a short stroke along the bottom row: two cells (120..129, 130..139)
    points = toy_data.points_from_sketch(mask)
    expected = [[(2 * 6 / 140 - 1) * 2, (1 - 2 * 6 / 140) * 2],
                [(2 * 124.5 / 140 - 1) * 2, (1 - 2 * 130 / 140) * 2], [(2 * 134.5 / 140 - 1) * 2, (1 - 2 * 130 / 140) * 2]]
    assert points.ravel().tolist() == pytest.approx(np.ravel(expected).tolist(), rel=1e-12)
    full = toy_data.points_from_sketch(np.ones((50, 70), bool))  # every cell inked: 14 x 14 centres, inside the square
    assert len(full) == 196 <= toy_data.MAX_DRAWN and np.abs(full).max() < 2
    with pytest.raises(InputError, match="empty"):
        toy_data.points_from_sketch(np.zeros((10, 10), bool))


def test_a_drawn_set_becomes_the_modes_and_its_samples_cover_them():
    points = [[0, 0], [1, 0], [0, 1]]
    assert toy_data.toy_modes("drawn", points).tolist() == [[0, 0], [1, 0], [0, 1]]
    samples = toy_data.toy_samples("drawn", 2500, seed=0, points=points)
    assert coverage.mode_coverage(samples, "drawn", points)["modes"] == 3


# ------------------------------------------------------------------ trainers
def test_gan_switches_all_train_and_two_runs_with_one_seed_are_identical():
    data = torch.tensor(toy_data.toy_samples("ring8", 1000, seed=0) / 2, dtype=torch.float32)
    for config in (GANConfig(), GANConfig(loss="wgan_gp", spectral_norm=True, pack=2, d_steps=2, z_dim=8)):
        runs = []
        for _ in range(2):
            trainer = GANTrainer(config, data, torch.Generator().manual_seed(5))
            before = [p.clone() for p in trainer.generator.parameters()]
            for _ in range(3):
                trainer.step()
            assert any(not torch.equal(a, b) for a, b in zip(before, trainer.generator.parameters()))
            runs.append(trainer.sample(16, torch.Generator().manual_seed(1)))
        assert torch.equal(*runs) and torch.isfinite(runs[0]).all()
    grid = torch.zeros(5, 2)
    probability = trainer.discriminator_map(grid)
    assert probability.shape == (5,) and ((probability >= 0) & (probability <= 1)).all()


@pytest.mark.parametrize("make, key, field", [
    (lambda: GANConfig(pack=0), "common_err_whole", "gan_vs_diffusion_pack"),
    (lambda: GANConfig(z_dim=2.5), "common_err_whole", "gan_vs_diffusion_z_dim"),  # refused, not truncated to 2
    (lambda: GANConfig(loss="hinge"), "common_err_choice", "gan_vs_diffusion_loss"),
    (lambda: GANConfig(spectral_norm="yes"), "common_err_boolean", "gan_vs_diffusion_spectral"),
    (lambda: GANConfig(pack=3), "gan_vs_diffusion_err_batch_pack", "gan_vs_diffusion_pack"),  # 256 % 3 != 0
    (lambda: DiffusionConfig(timesteps=5), "common_err_whole", "gan_vs_diffusion_timesteps"),
    (lambda: DiffusionConfig(ema_decay=float("nan")), "common_err_range", "gan_vs_diffusion_ema"),
    (lambda: DiffusionConfig(timesteps=20, ddim_steps=21), "common_err_whole", "gan_vs_diffusion_ddim_steps"),
    (lambda: RaceConfig(dataset="cifar"), "common_err_choice", "gan_vs_diffusion_dataset"),
    (lambda: RaceConfig(seed=-1), "common_err_whole", "gan_vs_diffusion_seed"),
    (lambda: RaceConfig(dataset="drawn", points=((0, 0),)), "gan_vs_diffusion_err_points_distinct",
     "gan_vs_diffusion_points"),
])
def test_bad_settings_are_refused_with_the_shared_key_naming_the_field_by_its_label_key(make, key, field):
    with pytest.raises(InputError) as error:
        make()
    assert (error.value.key, error.value.values["field"]) == (key, field)
    assert field in tab_text["en"] and field in tab_text["ja"]  # the page can say it in both languages


def test_whole_numbers_sent_as_floats_are_kept_as_ints():
    config = RaceConfig(gan_updates=600.0, seed=3.0, gan=GANConfig(pack=2.0), diffusion=DiffusionConfig(timesteps=20.0))
    assert (config.gan_updates, config.seed, config.gan.pack, config.diffusion.timesteps) == (600, 3, 2, 20)
    assert all(type(value) is int for value in (config.gan_updates, config.seed, config.gan.pack))


def test_drawn_points_parse_from_lines_csv_or_json_and_a_bad_line_is_named_and_escaped():
    assert toy_data.points_from_text("0, 0\n1;2\n") == ((0.0, 0.0), (1.0, 2.0))
    assert toy_data.points_from_text("x,y\n0,1\n\n2,3") == ((0.0, 1.0), (2.0, 3.0))  # a header row and a blank line
    assert toy_data.points_from_text("[[0, 1], [2, 3]]") == ((0.0, 1.0), (2.0, 3.0))
    assert toy_data.points_from_text("  ") == ()
    with pytest.raises(InputError) as error:
        toy_data.points_from_text("0, 0\n<img src=x onerror=alert(1)>", "gan_vs_diffusion_upload")
    assert error.value.key == "gan_vs_diffusion_err_row" and error.value.values["field"] == "gan_vs_diffusion_upload"
    assert error.value.values["line"] == 2 and error.value.values["row"] == '"&lt;img src=x onerror=alert(1)&gt;"'


def test_diffusion_loss_falls_and_the_trajectory_ends_at_the_returned_samples():
    data = torch.tensor(toy_data.toy_samples("ring8", 2000, seed=0) / 2, dtype=torch.float32)
    trainer = DiffusionTrainer(DiffusionConfig(timesteps=20, ddim_steps=4), data, torch.Generator().manual_seed(0))
    for _ in range(30):
        trainer.step()
    assert trainer.steps == 30 and trainer.ema.num_updates == 30
    samples, frames, steps = trainer.sample(50, torch.Generator().manual_seed(2), keep=10, frames=5)
    assert torch.equal(frames[-1], samples[:10]) and steps[0] == 20 and steps[-1] == 0
    assert trainer.sample(50, torch.Generator().manual_seed(2), sampler="ddim").shape == (50, 2)
    with pytest.raises(LookupError, match="sampler"):  # a caller's typo, not a reader's input
        trainer.sample(5, torch.Generator(), sampler="euler")


# ------------------------------------------------------------------ the race
@pytest.mark.parametrize("updates", [0, 10**6, 1500.5, float("nan")])
def test_out_of_range_or_fractional_budgets_are_refused(updates):
    with pytest.raises(InputError) as error:
        RaceConfig(gan_updates=updates)
    assert error.value.key == "common_err_whole" and error.value.values["field"] == "gan_vs_diffusion_budget"


def test_equal_cost_gives_diffusion_the_measured_ratio_and_scales_with_counted_flops():
    ratio = REFERENCE_SECONDS["gan"] / REFERENCE_SECONDS["diffusion"]
    assert diffusion_updates_for(1000, GANConfig(), DiffusionConfig()) == round(1000 * ratio)
    # the FLOPs of one update, counted here by hand for the default GAN: D is 2 -> 128 -> 128 -> 128 -> 1 and G
    # 2 -> 128 -> 128 -> 128 -> 2; a linear layer costs 2 * in * out FLOPs per sample forward and twice that
    # backward (grad of input and of weight), except the first layer of a network whose input needs no grad
    d_layers, g_layers = [(2, 128), (128, 128), (128, 128), (128, 1)], [(2, 128), (128, 128), (128, 128), (128, 2)]
    forward = lambda layers: sum(2 * i * o for i, o in layers)
    backward = lambda layers, input_grad: (sum(4 * i * o for i, o in layers)
                                           - (0 if input_grad else 2 * layers[0][0] * layers[0][1]))
    batch = GANConfig().batch_size
    d_update = 2 * batch * (forward(d_layers) + backward(d_layers, False)) + batch * forward(g_layers)  # real and fake
    g_update = batch * (forward(g_layers) + backward(g_layers, False) + forward(d_layers) + backward(d_layers, True))
    generator = torch.Generator().manual_seed(0)
    assert update_flops(GANTrainer(GANConfig(), torch.randn(512, 2, generator=generator), generator)) == d_update + g_update
    # five D steps per G step cost about five D updates more; diffusion's T does not change an update's cost
    five = diffusion_updates_for(1000, GANConfig(d_steps=5), DiffusionConfig())
    assert five == pytest.approx(1000 * ratio * (5 * d_update + g_update) / (d_update + g_update), rel=1e-3)
    assert diffusion_updates_for(1000, GANConfig(), DiffusionConfig(timesteps=500)) == round(1000 * ratio)


def test_a_tiny_race_spends_both_budgets_in_updates_and_ends_with_costs():
    config = RaceConfig(dataset="ring8", gan_updates=60, snapshots=2, slice_updates=20, train_points=2000,
                        diffusion=DiffusionConfig(timesteps=20, ddim_steps=5))
    snapshots = list(race(config))
    final = snapshots[-1]
    assert final.done and not any(s.done for s in snapshots[:-1]) and len(snapshots) >= 2
    assert final.gan.steps == final.gan.budget == 60
    assert final.diffusion.steps == final.diffusion.budget == diffusion_updates_for(60, GANConfig(), config.diffusion)
    for state in (final.gan, final.diffusion):
        assert state.cpu_seconds > 0 and state.curve[-1][0] == 100.0
        assert len(state.samples) == 600 and state.coverage["k"] == 8
    assert [s.gan.steps * s.diffusion.budget for s in snapshots] == [s.diffusion.steps * s.gan.budget for s in snapshots], \
        "both models are always at the same share of their budgets"
    assert set(final.cost) == {"gan", "ddpm", "ddim"} and final.cost["ddpm"]["steps"] == 20
    assert len(final.trajectory) == len(final.trajectory_steps) == 11
    assert RaceSnapshot.from_dict(final.to_dict()) == final
    again = list(race(config))[-1]  # counted in updates: the same seed gives the same race, whatever the CPU does
    assert again.gan.samples == final.gan.samples and again.diffusion.coverage == final.diffusion.coverage


def test_stop_ends_the_race_with_a_final_snapshot_and_seeds_reproduce_the_data():
    calls = []
    config = RaceConfig(dataset="grid25", gan_updates=5000, slice_updates=10, train_points=1000,
                        diffusion=DiffusionConfig(timesteps=20))
    snapshots = list(race(config, should_stop=lambda: calls.append(1) or len(calls) > 2))
    assert snapshots[-1].done and snapshots[-1].gan.steps == 20
    again = next(race(config, should_stop=lambda: True))
    assert again.real == snapshots[-1].real and again.done


def _default_race_modes(args: tuple[str, int]) -> tuple[int, int, int]:
    """(diffusion modes, GAN modes, k) at the end of a default race; one torch thread (a worker process)."""
    dataset, seed = args
    torch.set_num_threads(1)
    *_, final = race(RaceConfig(dataset=dataset, seed=seed, snapshots=1))
    return final.diffusion.coverage["modes"], final.gan.coverage["modes"], len(final.modes)


@pytest.mark.slow
def test_the_pages_claims_hold_for_the_defaults_on_3_seeds():
    """What the tab and docs/present.md say: at equal compute diffusion covers every mode of grid25 on every
    seed, the GAN drops modes on every seed and how many changes with the seed.

    The race is counted in updates, so these numbers are the same on any CPU (up to float rounding in the
    GAN's chaotic training: hence the margins). Measured on the 2-core box: diffusion 25/25 from ~500
    updates; GAN 20 / 17 / 13 of 25 at the default 3,000 updates (seeds 0 / 1 / 2).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_default_race_modes, [("grid25", seed) for seed in range(3)]))
    for diffusion_modes, gan_modes, k in results:
        assert diffusion_modes == k == 25, results
        assert gan_modes <= k - 3, results  # the GAN misses at least 3 modes
    assert len({gan for _, gan, _ in results}) > 1, results  # and which, and how many, depends on the seed
