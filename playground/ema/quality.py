"""How good are the samples? Distances between generated and held-out real data, never a model's confidence.

2-D: sliced Wasserstein-1 (Rabin et al. 2011): SW1 = E_w[ W1(<x, w>, <y, w>) ] over random unit
directions w, where 1-D W1 is the mean gap between sorted projections; and the RBF-kernel MMD^2
(Gretton et al. 2012, https://jmlr.org/papers/v13/gretton12a.html). Digits: the Frechet distance
(Heusel et al. 2017, https://arxiv.org/abs/1706.08500) ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^1/2)
on features of a small classifier trained on the real digits, plus k-NN precision/recall (Kynkaanniemi
et al. 2019, https://arxiv.org/abs/1904.06991). A classifier's confidence is no metric: pure noise
can score 0.9, so only distances between feature distributions are used.
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from playground.core.seeding import init_weights_


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor, projections: int = 256, seed: int = 0) -> float:
    """Sliced W1 between two equal-size point clouds (n, d).

    >>> x = torch.randn(500, 2)
    >>> sliced_wasserstein(x, x), sliced_wasserstein(x, x + 1.0) > 0.5
    (0.0, True)
    """
    if a.shape != b.shape:
        raise ValueError(f"sliced_wasserstein needs equal-size samples, got {tuple(a.shape)} and {tuple(b.shape)}.")
    directions = torch.randn(a.shape[1], projections, generator=torch.Generator().manual_seed(seed))
    directions /= directions.norm(dim=0, keepdim=True)  # (d, projections) unit vectors
    gaps = (a @ directions).sort(0).values - (b @ directions).sort(0).values  # (n, projections)
    return gaps.abs().mean().item()


def mmd_rbf(a: torch.Tensor, b: torch.Tensor, bandwidths: tuple[float, ...] = (0.1, 0.3, 1.0)) -> float:
    """Biased MMD^2 with a sum of RBF kernels exp(-|x - y|^2 / (2 h^2)); 0 for identical samples."""
    def kernel(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        squared = torch.cdist(x, y).square()
        return sum(torch.exp(-squared / (2 * h * h)) for h in bandwidths).mean()
    return (kernel(a, a) + kernel(b, b) - 2 * kernel(a, b)).item()


# ------------------------------------------------------------------ digits
@functools.lru_cache(maxsize=1)
def digit_classifier() -> torch.nn.Sequential:
    """A 64-128-32-10 MLP trained on all 1,797 real 8x8 digits (~98% train accuracy, < 1 s).

    Its 32-unit penultimate layer is the feature space for the Frechet distance and precision/recall.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).reshape(-1, 64) / 8.0 - 1.0
    labels = torch.tensor(digits.target)
    net = init_weights_(torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 32),
                                            torch.nn.ReLU(), torch.nn.Linear(32, 10)), torch.Generator().manual_seed(0))
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    with torch.enable_grad():  # callers may be inside no_grad (feature extraction)
        for _ in range(300):
            loss = torch.nn.functional.cross_entropy(net(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return net.eval()


@torch.no_grad()
def digit_features(images: torch.Tensor) -> np.ndarray:
    """(n, 32) classifier features of (n, 1, s, s) images in [-1, 1]; 16x16 images are pooled to 8x8."""
    if images.shape[-1] != 8:
        images = torch.nn.functional.adaptive_avg_pool2d(images, 8)
    return digit_classifier()[:4](images.reshape(len(images), 64).float()).numpy().astype(np.float64)


def _rounding_to_zero(eigenvalues: np.ndarray) -> np.ndarray:
    """Eigenvalues of a PSD matrix with those below eigh's rounding (n * eps * largest) set to 0."""
    rounding = len(eigenvalues) * np.finfo(eigenvalues.dtype).eps * max(eigenvalues.max(), 0.0)
    return np.where(eigenvalues > rounding, eigenvalues, 0.0)


def frechet_distance(x: np.ndarray, y: np.ndarray) -> float:
    """||mu_x - mu_y||^2 + Tr(S_x + S_y - 2 (S_x S_y)^1/2) between Gaussian fits of two feature sets.

    A distance, so never negative. For (nearly) equal sets the traces cancel, so rounding matters:
    eigenvalues of a singular covariance that are 0 come out of LAPACK as +-eps * max eigenvalue,
    and their square roots (~1e-8 of the scale each) would inflate Tr (S_x S_y)^1/2 and push the
    distance below 0 (-1.4e-6 on one CPU for the digit features). Eigenvalues under that rounding
    level count as 0, and what rounding is left is clamped at 0.

    >>> x = np.random.default_rng(0).normal(size=(200, 4))
    >>> frechet_distance(x, x) >= 0.0, frechet_distance(x, x + 1.0) > 3.9
    (True, True)
    """
    mu_x, mu_y = x.mean(0), y.mean(0)
    cov_x, cov_y = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    # Tr (S_x S_y)^1/2 = sum sqrt(eig(S_x^1/2 S_y S_x^1/2)): symmetric, so stable when S is singular
    values, vectors = np.linalg.eigh(cov_x)
    root_x = (vectors * np.sqrt(_rounding_to_zero(values))) @ vectors.T
    trace_root = np.sqrt(_rounding_to_zero(np.linalg.eigvalsh(root_x @ cov_y @ root_x))).sum()
    return max(0.0, float(((mu_x - mu_y) ** 2).sum() + np.trace(cov_x) + np.trace(cov_y) - 2 * trace_root))


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    """Precision: share of fakes inside some real point's k-NN ball; recall: the same, roles swapped."""
    def covered(centres: np.ndarray, queries: np.ndarray) -> float:
        inside = np.sqrt(((centres[:, None] - centres[None]) ** 2).sum(-1))
        radii = np.sort(inside, axis=1)[:, k]  # distance to the k-th neighbour (index 0 is itself)
        gaps = np.sqrt(((queries[:, None] - centres[None]) ** 2).sum(-1))  # (queries, centres)
        return float((gaps <= radii[None]).any(1).mean())
    return covered(real, fake), covered(fake, real)


def digit_scores(samples: torch.Tensor, reference: torch.Tensor) -> dict[str, float]:
    """Frechet distance (lower is better), precision and recall (higher is better) vs real digits."""
    fake, real = digit_features(samples.clamp(-1, 1)), digit_features(reference)
    precision, recall = precision_recall(real, fake)
    return {"frechet": frechet_distance(real, fake), "precision": precision, "recall": recall}
