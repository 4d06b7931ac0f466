"""Judge mode's engine: the Bradley-Terry fit against FastChat's recipe and a closed form, the bootstrap's
coverage on votes drawn from known strengths, how ties and both-bad count, the scheduler's balance, the
kept runs of the trainer, and the judge votes on SQLite and a real PostgreSQL."""
from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter

import numpy as np
import pytest

from playground.dpo import arena
from playground.dpo import training as dpo_training
from playground.dpo.judge import JUDGE_PROMPTS, Arena, next_matchup
from playground.dpo.judge_votes import JudgeStore
from playground.dpo.preferences import PROMPTS, PreferenceStore
from tests.test_dpo_preferences import location, postgres  # noqa: F401  (fixtures: both backends)

POLICIES = ["reference", "r1", "r2", "r3"]


def draw_votes(strengths: dict[str, float], n: int, rng: np.random.Generator, tie_rate: float = 0.0) -> list:
    """Votes on random pairs: a tie with `tie_rate`, else A wins with σ(θ_A − θ_B)."""
    names, votes = list(strengths), []
    for _ in range(n):
        a, b = rng.choice(len(names), 2, replace=False)
        p = 1 / (1 + math.exp(strengths[names[b]] - strengths[names[a]]))
        choice = "tie" if rng.random() < tie_rate else ("a" if rng.random() < p else "b")
        votes.append((names[a], names[b], choice))
    return votes


def fastchat_mle(votes: list, players: list[str], **options) -> np.ndarray:
    """FastChat's `compute_mle_elo` (fastchat/serve/monitor/elo_analysis.py), on log-odds instead of Elo points:
    two rows per ordered pair, wins weighted 2 and ties 1 (half a win each way), logistic regression without
    an intercept. Written out here from the published recipe, independently of `arena`."""
    from sklearn.linear_model import LogisticRegression

    index = {p: i for i, p in enumerate(players)}
    wins = np.zeros((len(players), len(players)))
    for a, b, choice in votes:
        i, j = index[a], index[b]
        if choice == "a":
            wins[i, j] += 2
        elif choice == "b":
            wins[j, i] += 2
        else:  # "tie" and "tie (bothbad)"
            wins[i, j] += 1
            wins[j, i] += 1
    rows, labels, weights = [], [], []
    for i, j in itertools.combinations(range(len(players)), 2):
        if wins[i, j] + wins[j, i] == 0:
            continue
        x = np.zeros(len(players))
        x[i], x[j] = 1.0, -1.0
        rows += [x, x]
        labels += [1, 0]
        weights += [wins[i, j], wins[j, i]]
    model = LogisticRegression(fit_intercept=False, tol=1e-10, max_iter=10_000, **options)
    model.fit(np.array(rows), np.array(labels), sample_weight=np.array(weights))
    return model.coef_[0]


def test_fit_matches_fastchats_logistic_regression():
    rng = np.random.default_rng(3)
    votes = draw_votes(dict(zip(POLICIES, [0.0, 0.3, 0.9, -0.4])), 400, rng, tie_rate=0.15)
    votes += [("r1", "r2", "both_bad")] * 7  # both bad counts as a tie, as FastChat's "tie (bothbad)"
    ours = {s.policy: s.strength for s in arena.leaderboard(votes, l2=0.0, resamples=100).standings}
    theirs = fastchat_mle(votes, POLICIES, penalty=None)  # identified up to a shift: compare to the reference
    for i, name in enumerate(POLICIES):
        assert ours[name] == pytest.approx(theirs[i] - theirs[0], rel=1e-4, abs=1e-6)
    # with the prior: sklearn's L2 (½‖w‖² + C·loss, C = 1/λ) on the design without the reference's column
    anchored = {s.policy: s.strength for s in arena.leaderboard(votes, resamples=100).standings}
    for name, expected in ridge_without_reference(votes, POLICIES).items():
        assert anchored[name] == pytest.approx(expected, rel=1e-4)

def ridge_without_reference(votes: list, players: list[str]) -> dict[str, float]:
    """sklearn's L2 logistic regression on the design without the reference's column: θ_ref = 0, as `arena` does."""
    from sklearn.linear_model import LogisticRegression

    others = players[1:]
    rows, labels, weights = [], [], []
    for a, b, choice in votes:
        x = np.zeros(len(others))
        if a in others:
            x[others.index(a)] += 1.0
        if b in others:
            x[others.index(b)] -= 1.0
        score = arena.SCORES[choice]  # a tie is half a row each way
        rows += [x, x]
        labels += [1, 0]
        weights += [score, 1 - score]
    model = LogisticRegression(fit_intercept=False, C=1 / arena.L2, tol=1e-12, max_iter=10_000)
    model.fit(np.array(rows), np.array(labels), sample_weight=np.array(weights))
    return dict(zip(others, model.coef_[0]))


def test_two_players_closed_form_and_the_sentence_numbers():
    # two players, no prior: the MLE is θ = logit(score share): 32 wins, 4 ties, 14 losses of 50 -> 34/50
    votes = [("reference", "r2", "b")] * 32 + [("r2", "reference", "tie")] * 4 + [("r2", "reference", "b")] * 14
    board = arena.leaderboard(votes, l2=0.0)
    run = next(s for s in board.standings if s.policy == "r2")
    assert run.strength == pytest.approx(math.log(34 / 16), rel=1e-9)
    head = run.versus_reference
    assert (head.votes, head.wins, head.ties, head.losses) == (50, 32, 4, 14) and head.share == pytest.approx(0.68)
    # the bootstrap interval of a share of 50 votes: close to the normal approximation ± 1.96·sqrt(p(1-p)/n)
    half_width = 1.96 * math.sqrt(0.68 * 0.32 / 50)
    assert head.low == pytest.approx(0.68 - half_width, abs=0.03) and head.high == pytest.approx(0.68 + half_width,
                                                                                                 abs=0.03)


def test_ties_and_both_bad_count_as_half_a_win_each():
    votes = [("reference", "r1", "tie"), ("r1", "reference", "both_bad"), ("reference", "r1", "b")]
    board = arena.leaderboard(votes, resamples=100)
    run = next(s for s in board.standings if s.policy == "r1")
    reference = next(s for s in board.standings if s.policy == "reference")
    assert (run.wins, run.ties, run.both_bad, run.losses, run.votes) == (1, 1, 1, 0, 3)
    assert (reference.wins, reference.ties, reference.both_bad, reference.losses) == (0, 1, 1, 1)
    assert run.versus_reference.share == pytest.approx(2 / 3)  # (1 + ½ + ½) / 3
    assert run.provisional and reference.strength == 0.0 and (reference.low, reference.high) == (0.0, 0.0)


def test_synthetic_votes_recover_the_order_and_the_intervals_cover_about_95_percent():
    truth = dict(zip(POLICIES, [0.0, 0.4, 0.8, 1.2]))
    covered, orders = [], 0
    for trial in range(120):
        votes = draw_votes(truth, 300, np.random.default_rng(1000 + trial))
        board = arena.leaderboard(votes, resamples=400, seed=trial)
        orders += [s.policy for s in board.standings] == ["r3", "r2", "r1", "reference"]
        covered += [s.low <= truth[s.policy] <= s.high for s in board.standings if s.policy != "reference"]
    coverage = np.mean(covered)
    # 360 indicators at a true 95 %: sd ~1.1 %; a wrong interval (e.g. 68 %) is far outside this band
    assert 0.91 <= coverage <= 0.985, coverage
    assert orders >= 100, orders  # 0.4 apart with ~150 votes a policy: the order is right most of the time


def test_many_votes_one_sided_stay_finite():
    board = arena.leaderboard([("reference", "r1", "b")] * 6)
    run = board.standings[0]
    assert run.policy == "r1" and 1.0 < run.strength < 6.0 and np.isfinite([run.low, run.high]).all()
    with pytest.raises(ValueError, match="resamples"):
        arena.leaderboard([("reference", "r1", "b")], resamples=10)


def test_csv_has_a_row_per_policy_with_its_interval():
    board = arena.leaderboard([("reference", "r1", "b")] * 3 + [("reference", "r1", "a")], resamples=100)
    lines = arena.leaderboard_csv(board, {"r1": "run 1"}, {"r1": "here"}).splitlines()
    assert lines[0].split(",") == list(arena.CSV_COLUMNS) and len(lines) == 3
    row = dict(zip(arena.CSV_COLUMNS, lines[1].split(",")))
    assert row["policy"] == "run 1" and row["vs_reference_votes"] == "4" and float(row["vs_reference_share"]) == 0.75


def test_scheduler_balances_pairs_sides_and_prompts():
    rng, voted, prompts = random.Random(0), Counter(), Counter()
    sides = Counter()
    for _ in range(600):
        m = next_matchup(POLICIES, voted, {}, prompts, rng)
        pair = frozenset((m.policy_a, m.policy_b))
        voted[pair] += 1
        prompts[pair, m.prompt] += 1
        sides[m.policy_a] += 1
    assert set(voted.values()) == {100}  # 6 pairs, least compared first: exactly equal
    assert max(prompts.values()) - min(prompts.values()) <= 1
    # each policy is on side A in half of its 300 pairs: a fair coin, 4 sd band ~ ±35
    assert all(abs(sides[p] - 150) <= 35 for p in POLICIES), sides
    # concurrent visitors: with equal votes, a pair handed out here is not handed out again at once
    handed = Counter()
    for _ in range(6):
        m = next_matchup(POLICIES, voted, handed, prompts, rng)
        handed[frozenset((m.policy_a, m.policy_b))] += 1
    assert set(handed.values()) == {1}
    with pytest.raises(ValueError, match="two policies"):
        next_matchup(["reference"], {}, {}, {}, rng)


def test_judge_prompts_were_never_trained_on():
    trained = {row["prompt"] if isinstance(row["prompt"], str) else row["prompt"][0]["content"]
               for row in dpo_training.load_pairs()}
    assert not set(JUDGE_PROMPTS) & (trained | set(PROMPTS) | set(dpo_training.HELD_OUT_PROMPTS))


def test_judge_votes_on_both_backends_never_become_training_data(location, tmp_path):  # noqa: F811
    replicas = [PreferenceStore(location), PreferenceStore(location)]  # two app replicas, one database
    try:
        judges = [JudgeStore(store.backend) for store in replicas]
        sides = {"a": {"kind": "reference"}, "b": {"kind": "run", "run": 1, "replica": "aa"}}
        judges[0].add("s1", "What is a rainforest?", "Trees.", "A forest.", "reference", "aa-run1", "b",
                      {"sides": sides, "generation": {"seed": 3}})
        judges[1].add("s2", "日本語？", "はい。", "いいえ。", "aa-run1", "reference", "both_bad",
                      {"sides": {"a": sides["b"], "b": sides["a"]}})
        with pytest.raises(ValueError, match="two different policies"):
            judges[1].add("s2", "Hi?", "x", "y", "reference", "reference", "a")
        assert replicas[0].records() == [] and replicas[0].counts().total == 0  # not training data
        assert judges[1].outcomes() == [("reference", "aa-run1", "b"), ("aa-run1", "reference", "both_bad")]
        assert judges[0].version() == (2, judges[0].votes()[-1].id)
        pairs, prompts = judges[0].pair_counts()
        assert pairs == {frozenset(("reference", "aa-run1")): 2}
        assert prompts[frozenset(("reference", "aa-run1")), "日本語？"] == 1
        assert judges[0].sides()["aa-run1"]["run"] == 1
        path = tmp_path / "judge.jsonl"
        assert judges[1].export_jsonl(path) == 2
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert rows[1]["prompt"] == "日本語？" and rows[1]["policy_a"] == "aa-run1" and rows[1]["choice"] == "both_bad"
        assert set(rows[0]) >= {"prompt", "answer_a", "answer_b", "policy_a", "policy_b", "choice", "time"}
        board, seen = Arena(judges[1], seed=0, resamples=100).leaderboard()  # every replica's votes
        assert board.votes == 2 and set(seen) == {"reference", "aa-run1"}
    finally:
        for store in replicas:
            store.close()


def test_trainer_keeps_the_last_published_runs_for_judging_and_says_why_others_went(tiny_lm):
    trainer = dpo_training.PolicyTrainer(replica="abc123")
    config = dpo_training.TrainConfig(steps=1, batch_size=1, answer_tokens=4)
    pairs = dpo_training.load_pairs()[:2]
    for round_ in range(dpo_training.KEPT_RUNS + 1):  # each round continues from the room's last published run
        list(trainer.train(tiny_lm, pairs, config, continued=round_ > 0, session="presenter"))
        trainer.publish("presenter")
    list(trainer.train(tiny_lm, pairs, config, session="participant"))  # never published: never judged
    ids = [p.id for p in trainer.judged]
    assert ids == [f"abc123-run{n}" for n in range(2, dpo_training.KEPT_RUNS + 2)]
    assert trainer.gone("abc123-run1") == "retired" and trainer.judged[-1].continued_from == dpo_training.KEPT_RUNS
    assert trainer.judged_lm(tiny_lm, ids[0]) is not None and trainer.judged_lm(tiny_lm, "abc123-run1") is None
    assert trainer.own("participant").id not in ids and trainer.gone(trainer.own("participant").id) is None
    assert trainer.reset_room() and trainer.judged == [] and {trainer.gone(i) for i in ids} == {"reset"}


def test_a_vote_on_a_judge_prompt_never_becomes_training_data(tmp_path):
    from demos.dpo.training import training_pairs

    store = PreferenceStore(tmp_path / "votes.db")
    store.add_vote("s1", "Name a colour.", "Blue.", "Seven.", "a")
    store.add_vote("s1", JUDGE_PROMPTS[0], "A good answer.", "A bad one.", "a")  # typed into section 1 by hand
    store.add_vote("s1", f"  {JUDGE_PROMPTS[1]}\n", "A good answer.", "A bad one.", "b")
    assert len(store.records()) == 3
    rows = training_pairs("votes", store)
    assert [row["prompt"][0]["content"] for row in rows] == ["Name a colour."]
    assert len(training_pairs("both", store)) == len(training_pairs("demo", store)) + 1
