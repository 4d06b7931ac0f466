"""Mode coverage, the VEEGAN / PacGAN protocol for 2-D mixtures.

Draw 2,500 samples; a sample is *high quality* if it lies within 3 standard deviations of its
nearest mode centre; a mode is *covered* if at least 100 high-quality samples fall on it (ring8,
k = 8). For other k the threshold is scaled with the expected share, 100 * (8 / k) * (n / 2,500),
i.e. 32 % of what a perfect sampler puts on each mode: 32 samples for grid25 (a perfect sampler
puts 100 on each of its 25 modes, so PacGAN's unscaled 100 would be a coin flip even for the data).
Srivastava et al. 2017 (https://arxiv.org/abs/1705.07761), Lin et al. 2018 (https://arxiv.org/abs/1712.04086).
"""
from __future__ import annotations

import numpy as np

from playground.gan_vs_diffusion.toy_data import mode_std, toy_modes

PROTOCOL_SAMPLES = 2_500
RING8_THRESHOLD = 100  # high-quality samples a ring8 mode needs, out of 2,500


def mode_threshold(k: int, n: int = PROTOCOL_SAMPLES) -> float:
    """High-quality samples a mode needs: 100 for k = 8 and n = 2,500, scaled by 8/k and n/2,500.

    >>> mode_threshold(8), mode_threshold(25)
    (100.0, 32.0)
    """
    return RING8_THRESHOLD * (8 / k) * (n / PROTOCOL_SAMPLES)


def mode_coverage(samples: np.ndarray, name: str, points: object = None) -> dict:
    """Covered modes, high-quality share, KL(mode histogram || uniform) and per-mode counts.

    `kl_uniform` uses the histogram of high-quality samples over the k modes (0 = perfectly even,
    log k = all on one mode; no high-quality samples at all also gives log k).

    >>> from playground.gan_vs_diffusion.toy_data import toy_samples
    >>> result = mode_coverage(toy_samples("ring8", 2500, seed=0), "ring8")
    >>> result["modes"], result["high_quality"] > 0.99
    (8, True)
    """
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
        raise ValueError(f"samples must have shape (n, 2) with n >= 1; got {samples.shape}.")
    modes = toy_modes(name, points)
    finite = np.isfinite(samples).all(axis=1)  # a diverged model's NaNs count as low quality
    distances = np.linalg.norm(np.nan_to_num(samples)[:, None, :] - modes[None, :, :], axis=2)  # (n, k)
    nearest = distances.argmin(axis=1)
    good = finite & (distances[np.arange(len(samples)), nearest] <= 3 * mode_std(name, points))
    counts = np.bincount(nearest[good], minlength=len(modes))
    threshold = mode_threshold(len(modes), len(samples))
    share = counts / counts.sum() if counts.sum() else np.zeros(len(modes))
    nonzero = share > 0  # KL(p || uniform) = log k + sum p log p; no high-quality samples at all counts as log k
    kl = float(np.log(len(modes)) + (share[nonzero] * np.log(share[nonzero])).sum()) if counts.sum() else \
        float(np.log(len(modes)))
    return {"modes": int((counts >= threshold).sum()), "k": len(modes), "high_quality": float(good.mean()),
            "kl_uniform": kl, "counts": counts.tolist(), "threshold": threshold}
