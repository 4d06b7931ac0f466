"""Judge mode: the room compares the *policies* it trained, blind, on prompts that training never saw.

A judge pair is two policies of this server (the reference and its kept runs, `PolicyTrainer.judged`)
answering one prompt of JUDGE_PROMPTS with the same sampling settings; which policy is on which
side is drawn at random and stays on the server (the tab keeps it in Gradio session state, which
is never sent to the browser) until the vote is stored. Scheduling (`next_matchup`), so that every
pair of policies is compared about equally ("The Leaderboard Illusion", arXiv 2504.20879, shows
what uneven sampling does to a ranking):

1. every unordered pair of the policies judged here;
2. keep the pairs with the fewest stored votes (every replica's), then among them the fewest pairs
   handed out by this server (so visitors asking at the same moment get different pairs);
3. one of those at random; sides by a fair coin;
4. the prompt this pair was judged on least often, at random among equals.

`Arena` owns what that needs between requests: the judge store, the generator, the pairs handed
out, and the last leaderboard (reused until a vote arrives).
"""
from __future__ import annotations

import contextlib
import itertools
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from playground.core.generation import GenerationParams
from playground.dpo import arena
from playground.dpo.judge_votes import JudgeStore
from playground.dpo.preferences import side_by_side

JUDGE_PROMPTS = (  # held out: not in the demo training set, the vote prompts or the before/after prompts
    "What is a rainforest?", "How do magnets work?", "Why do we dream?", "What is a good way to start the day?",
    "Explain what a recipe is.", "How do fish breathe?", "What makes a good friend?", "Why does ice float?",
    "月はなぜ光って見えるのですか？", "良い睡眠のコツを教えてください。", "虹はどうしてできるのですか？",
    "雨の日の楽しみ方を教えてください。",
)
JUDGE_TOKENS = 64  # both sides answer with the same settings: only the policy differs
JUDGE_TEMPERATURE = 0.7


@dataclass(frozen=True)
class Matchup:
    """Which policy answers on which side, and the prompt: what the voter must not learn before voting."""
    prompt: str
    policy_a: str
    policy_b: str


@dataclass(frozen=True)
class JudgePair:
    """A finished judge pair, kept server-side until its one vote."""
    matchup: Matchup
    answer_a: str
    answer_b: str
    params: dict[str, Any]  # {"generation": GenerationParams as a dict, "sides": {"a": ..., "b": ...}, "model_id"}


def next_matchup(policies: Sequence[str], voted: Mapping[frozenset, int], handed_out: Mapping[frozenset, int],
                 prompt_votes: Mapping[tuple[frozenset, str], int], rng: random.Random,
                 prompts: Sequence[str] = JUDGE_PROMPTS) -> Matchup:
    """The next pair to judge, by the module's four steps.

    >>> m = next_matchup(["reference", "r1", "r2"], {frozenset(("reference", "r1")): 3,
    ...                  frozenset(("r1", "r2")): 3}, {}, {}, random.Random(0), prompts=["Hi?"])
    >>> sorted((m.policy_a, m.policy_b)), m.prompt
    (['r2', 'reference'], 'Hi?')
    """
    # 1. every unordered pair of the policies judged here
    pairs = [frozenset(pair) for pair in itertools.combinations(sorted(set(policies)), 2)]
    if not pairs:
        raise ValueError("judge mode needs at least two policies: train a run first.")
    # 2. fewest votes (all replicas), then fewest handed out here; 3. one of them at random, sides by a coin
    fewest = min((voted.get(pair, 0), handed_out.get(pair, 0)) for pair in pairs)
    pair = rng.choice([p for p in pairs if (voted.get(p, 0), handed_out.get(p, 0)) == fewest])
    policy_a, policy_b = rng.sample(sorted(pair), 2)
    # 4. the prompt this pair saw least
    least = min(prompt_votes.get((pair, prompt), 0) for prompt in prompts)
    prompt = rng.choice([p for p in prompts if prompt_votes.get((pair, p), 0) == least])
    return Matchup(prompt, policy_a, policy_b)


def stream_answers(matchup: Matchup, answer: Callable[[str], Iterator[str]]) -> Iterator[tuple[str, str]]:
    """(answer A so far, answer B so far) as either grows; `answer(policy_id)` streams that policy's text.

    Both are asked for before either is read, so each joins its model's batch at once and they grow
    side by side; if the second is refused, the first is closed (its row freed) unread.

    >>> list(stream_answers(Matchup("Hi?", "x", "y"), lambda policy: (text for text in (policy, policy * 2))))
    [('x', ''), ('x', 'y'), ('xx', 'y'), ('xx', 'yy')]
    """
    answers = ["", ""]
    with contextlib.ExitStack() as asked:
        streams = [asked.enter_context(contextlib.closing(answer(policy)))
                   for policy in (matchup.policy_a, matchup.policy_b)]
        for side, text in side_by_side(streams):
            answers[side] = text
            yield answers[0], answers[1]


class Arena:
    """The server's judge mode: schedules pairs, stores votes, and keeps the leaderboard of the stored votes.

    `seed`: the scheduler's generator (None: fresh entropy per server, so two replicas do not hand out
    the same sequence); the leaderboard's bootstrap has its own fixed seed.
    """

    def __init__(self, store: JudgeStore, seed: int | None = None, resamples: int = arena.RESAMPLES) -> None:
        self.store = store
        self.resamples = resamples
        self._rng = random.Random(seed)
        self._lock = threading.Lock()  # the generator, the hand-out counts and the cache, between request threads
        self._handed_out: Counter = Counter()
        self._board: tuple[tuple[int, int], arena.Leaderboard, dict] | None = None

    def next_matchup(self, policies: Sequence[str]) -> Matchup:
        voted, prompt_votes = self.store.pair_counts()
        with self._lock:
            matchup = next_matchup(policies, voted, self._handed_out, prompt_votes, self._rng)
            self._handed_out[frozenset((matchup.policy_a, matchup.policy_b))] += 1
        return matchup

    def generation_params(self) -> GenerationParams:
        """Both sides' settings: one sampled seed for the pair, so the two policies differ only in weights."""
        with self._lock:
            seed = self._rng.randrange(2**31)
        return GenerationParams(JUDGE_TOKENS, JUDGE_TEMPERATURE, seed=seed)

    def vote(self, session_id: str, pair: JudgePair, choice: str) -> int:
        """Store the vote on a finished pair (durably); returns its id."""
        m = pair.matchup
        return self.store.add(session_id, m.prompt, pair.answer_a, pair.answer_b, m.policy_a, m.policy_b, choice,
                              pair.params)

    def leaderboard(self) -> tuple[arena.Leaderboard, dict[str, dict[str, Any]]]:
        """The leaderboard of every stored judge vote and what each policy was (`JudgeStore.sides`), refitted
        only when a vote arrived (in any replica)."""
        version = self.store.version()
        with self._lock:
            if self._board is not None and self._board[0] == version:
                return self._board[1:]
        board = arena.leaderboard(self.store.outcomes(), resamples=self.resamples), self.store.sides()
        with self._lock:
            self._board = version, *board
        return board
