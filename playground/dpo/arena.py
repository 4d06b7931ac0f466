"""The judge-mode leaderboard: Bradley-Terry strengths of the policies, with 95 % bootstrap intervals.

Model (Bradley & Terry 1952): P(i beats j) = σ(θ_i − θ_j), with θ_reference = 0, so θ_i is the log-odds
that policy i beats the reference. The fit maximises

    Σ_pairs [ s_ij (θ_i − θ_j) − n_ij log(1 + exp(θ_i − θ_j)) ] − (λ/2) Σ_i θ_i²

where n_ij votes compared i with j and s_ij is i's score in them: 1 a win, ½ a tie, ½ a "both bad".
That is FastChat's `compute_mle_elo` (a logistic regression on pairwise outcomes, each tie entered as
half a win for both sides; "tie (bothbad)" counted as a tie), with the reference as the anchor instead of
an Elo offset, solved by Newton's method for every bootstrap resample at once.

Why ties as half a win and not a tie model (Rao-Kupper, Davidson): a tie model spends a parameter on
how often people tie, which a dozen votes cannot pin down, and its strengths no longer match the
Arena's published recipe that the tests check against. Why "both bad" as a tie: it says nothing about
which of the two is better. Why λ (a Gaussian prior on θ, standard deviation 1/√λ ≈ 3.2 log-odds):
without it a 6-0 record has an infinite maximum, and so does half of its bootstrap resamples; the
prior pulls towards the reference, so it can only make a run look *less* different from it.

Bootstrap (FastChat's `get_bootstrap_result`): resample the votes with replacement, refit, take the
2.5th and 97.5th percentiles. Resampling V votes only changes how many fall in each (pair, outcome)
cell, so one resample is one multinomial draw over those cells: exact, and 1,000 resamples are one
(1000, cells) array. `bench/arena.py` times it.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

REFERENCE = "reference"  # the policy id of the untrained model: the anchor, θ = 0
SCORES = {"a": 1.0, "b": 0.0, "tie": 0.5, "both_bad": 0.5}  # side A's score for each choice (SCORES of preferences)
L2 = 0.1  # λ: the prior's precision (standard deviation 1/√λ ≈ 3.2 log-odds)
RESAMPLES = 1000
PROVISIONAL_VOTES = 10  # a policy in fewer judge votes than this is marked provisional
LEVEL = 0.95
MAX_NEWTON_STEPS = 100
MAX_STEP = 2.0  # log-odds per Newton step at most: no overshoot from θ = 0 on a lopsided record


@dataclass(frozen=True)
class HeadToHead:
    """A run's direct votes against the reference: its share (wins + half of ties and both-bad) and interval."""
    votes: int
    wins: int
    ties: int
    both_bad: int
    losses: int
    share: float
    low: float
    high: float


@dataclass(frozen=True)
class Standing:
    """One policy's row of the leaderboard."""
    policy: str
    rank: int  # 1 + how many policies are better beyond doubt (their low end above this one's high end)
    strength: float  # θ, log-odds of beating the reference; 0 for the reference itself
    low: float  # 95 % bootstrap interval of θ (the reference's is [0, 0]: it is the anchor)
    high: float
    votes: int  # judge votes this policy took part in
    wins: int
    ties: int
    both_bad: int
    losses: int
    provisional: bool  # fewer than PROVISIONAL_VOTES votes
    versus_reference: HeadToHead | None  # None for the reference, and for a run never paired with it


@dataclass(frozen=True)
class Leaderboard:
    standings: list[Standing]  # strongest first
    votes: int
    resamples: int


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free σ(x)


def fit_strengths(first: np.ndarray, second: np.ndarray, votes: np.ndarray, scores: np.ndarray, players: int,
                  l2: float = L2) -> np.ndarray:
    """θ maximising the module's objective, for many data sets at once; player 0 is the anchor (θ_0 = 0).

    `first`, `second`: (pairs,) player indices; `votes`, `scores`: (sets, pairs) n_ij and s_ij (first
    player's score). Returns (sets, players). With `l2=0` every player must be linked to player 0 by
    votes that are not all one-sided, or the maximum does not exist.

    >>> fit_strengths(np.array([0]), np.array([1]), np.array([[4.0]]), np.array([[1.0]]), 2, l2=0.0).round(4)
    array([[0.    , 1.0986]])
    """
    incidence = np.zeros((len(first), players))  # (pairs, players): +1 for the first player, −1 for the second
    incidence[np.arange(len(first)), first] = 1.0
    incidence[np.arange(len(first)), second] = -1.0
    theta = np.zeros((votes.shape[0], players))
    for _ in range(MAX_NEWTON_STEPS):
        # 1. win probabilities of each pair's first player under the current θ
        p = sigmoid(theta @ incidence.T)  # (sets, pairs)
        # 2. gradient and (negated) Hessian of the penalised log-likelihood, the anchor's row and column dropped
        gradient = ((scores - votes * p) @ incidence - l2 * theta)[:, 1:]
        weight = votes * p * (1.0 - p)
        hessian = np.einsum("sp,pk,pl->skl", weight, incidence[:, 1:], incidence[:, 1:]) + l2 * np.eye(players - 1)
        # 3. a Newton step, shortened to at most MAX_STEP in any coordinate
        step = np.linalg.solve(hessian, gradient[..., None])[..., 0]
        step *= np.minimum(1.0, MAX_STEP / np.maximum(np.abs(step).max(axis=1, keepdims=True), 1e-300))
        theta[:, 1:] += step
        if np.abs(step).max() < 1e-10:
            break
    return theta


def _cells(outcomes: Sequence[tuple[str, str, str]], index: Mapping[str, int]) -> tuple[np.ndarray, ...]:
    """Votes per (pair, side-A score) cell: (first, second, score of first, count) arrays, first < second."""
    cells: dict[tuple[int, int, float], int] = {}
    for policy_a, policy_b, choice in outcomes:
        a, b, score = index[policy_a], index[policy_b], SCORES[choice]
        key = (a, b, score) if a < b else (b, a, 1.0 - score)
        cells[key] = cells.get(key, 0) + 1
    keys = sorted(cells)
    return (np.array([k[0] for k in keys]), np.array([k[1] for k in keys]), np.array([k[2] for k in keys]),
            np.array([cells[k] for k in keys], dtype=float))


def _pairs(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, ...]:
    """The pairs the cells belong to: (pair first, pair second, (cells, pairs) matrix that sums cells per pair)."""
    pairs = sorted(set(zip(first.tolist(), second.tolist())))
    to_pair = np.zeros((len(first), len(pairs)))  # (cells, pairs)
    for cell, key in enumerate(zip(first.tolist(), second.tolist())):
        to_pair[cell, pairs.index(key)] = 1.0
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]), to_pair


def leaderboard(outcomes: Sequence[tuple[str, str, str]], reference: str = REFERENCE, resamples: int = RESAMPLES,
                l2: float = L2, seed: int = 0) -> Leaderboard:
    """Strengths, intervals, counts and head-to-heads against `reference` from (policy A, policy B, choice) votes.

    `seed`: the bootstrap's generator, fixed so a page refresh shows the same interval for the same votes.

    >>> board = leaderboard([("reference", "r1", "b")] * 3 + [("r1", "reference", "tie")], resamples=200)
    >>> [(s.policy, s.votes, s.provisional) for s in board.standings], board.standings[0].versus_reference.share
    ([('r1', 4, True), ('reference', 4, True)], 0.875)
    """
    if resamples < 100:
        raise ValueError(f"resamples must be at least 100 for a 95 % interval, got {resamples}.")
    if not outcomes:
        return Leaderboard([], 0, resamples)
    names = sorted({p for a, b, _ in outcomes for p in (a, b)} - {reference})
    players = [reference, *names]
    index = {name: i for i, name in enumerate(players)}
    first, second, score, counts = _cells(outcomes, index)
    pair_first, pair_second, to_pair = _pairs(first, second)
    # 1. the fit on the votes themselves, then on `resamples` multinomial resamples of the cells
    rng = np.random.default_rng(seed)
    drawn = np.vstack([counts, rng.multinomial(int(counts.sum()), counts / counts.sum(), size=resamples)])
    votes, scores = drawn @ to_pair, (drawn * score) @ to_pair  # (1 + resamples, pairs)
    theta = fit_strengths(pair_first, pair_second, votes, scores, len(players), l2)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(theta[1:], [tail, 100 - tail], axis=0)
    # 2. each run's direct votes against the reference, resampled with the same draws
    versus = {}
    for cell_pair, (a, b) in enumerate(zip(pair_first.tolist(), pair_second.tolist())):
        if a == 0:
            with np.errstate(invalid="ignore", divide="ignore"):
                shares = 1.0 - scores[:, cell_pair] / votes[:, cell_pair]  # the run is the pair's second player
            versus[b] = (shares[0], *np.nanpercentile(shares[1:], [tail, 100 - tail]))
    # 3. counts per policy, from its own side of each vote
    kinds = ("votes", "wins", "ties", "both_bad", "losses")
    tally = {name: dict.fromkeys(kinds, 0) for name in players}
    direct = {name: dict.fromkeys(kinds, 0) for name in players}  # against the reference only
    for policy_a, policy_b, choice in outcomes:
        for me, other, mine in ((policy_a, policy_b, "a"), (policy_b, policy_a, "b")):
            kind = ("wins" if choice == mine else "ties" if choice == "tie" else "both_bad" if choice == "both_bad"
                    else "losses")
            for row in (tally[me], *((direct[me],) if other == reference else ())):
                row["votes"] += 1
                row[kind] += 1
    standings = []
    for i, name in enumerate(players):
        head = (HeadToHead(**direct[name], share=float(versus[i][0]), low=float(versus[i][1]),
                           high=float(versus[i][2])) if i in versus else None)
        better = sum(1 for j in range(len(players)) if j != i and low[j] > high[i])
        standings.append(Standing(name, better + 1, float(theta[0, i]), float(low[i]), float(high[i]),
                                  **tally[name], provisional=tally[name]["votes"] < PROVISIONAL_VOTES,
                                  versus_reference=head))
    standings.sort(key=lambda s: (-s.strength, s.policy))
    return Leaderboard(standings, len(outcomes), resamples)


CSV_COLUMNS = ("rank", "policy_id", "policy", "strength", "ci_low", "ci_high", "votes", "wins", "ties", "both_bad",
               "losses", "provisional", "vs_reference_votes", "vs_reference_share", "vs_reference_ci_low",
               "vs_reference_ci_high", "status")


def leaderboard_csv(board: Leaderboard, names: Mapping[str, str], statuses: Mapping[str, str]) -> str:
    """The leaderboard as CSV text (one row a policy, CSV_COLUMNS); `names`/`statuses` as the page shows them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in board.standings:
        head = s.versus_reference
        writer.writerow([s.rank, s.policy, names.get(s.policy, s.policy), f"{s.strength:.4f}", f"{s.low:.4f}",
                         f"{s.high:.4f}", s.votes, s.wins, s.ties, s.both_bad, s.losses, int(s.provisional),
                         *((head.votes, f"{head.share:.4f}", f"{head.low:.4f}", f"{head.high:.4f}") if head
                           else ("", "", "", "")), statuses.get(s.policy, "")])
    return out.getvalue()
