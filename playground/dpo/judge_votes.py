"""Judge votes: which of two *policies* answered a held-out prompt better, in their own table.

Why a table of their own, beside the preference `votes`: a judge vote measures the training, so it
must never train. `PreferenceStore.records()` (what training and the TRL export read) only sees `votes`;
judge votes leave only through `export_jsonl` here, when the presenter asks for the file. Same
database, same backend (`vote_backends`): one SQLite file, or the PostgreSQL every replica shares, so
the leaderboard counts every replica's votes. Each row keeps both policy ids (`<replica>-run<N>` or
`reference`), and `params` the generation settings and what each side was (run, steps, chain).
"""
from __future__ import annotations

import json
import pathlib
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from playground.core import checks
from playground.core.checks import one_of
from playground.core.generation import MAX_PROMPT_CHARS
from playground.dpo.preferences import CHOICES, MAX_ANSWER_CHARS, MAX_SESSION_CHARS
from playground.dpo.vote_backends import Backend, create_schema

MAX_POLICY_CHARS = 64
SCHEMA_VERSION = 1  # bump with a migration when the layout of `judge_votes` changes
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS judge_schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS judge_votes (
        id {id_column},
        created DOUBLE PRECISION NOT NULL,
        session_id TEXT NOT NULL,
        prompt TEXT NOT NULL,
        answer_a TEXT NOT NULL,
        answer_b TEXT NOT NULL,
        policy_a TEXT NOT NULL,
        policy_b TEXT NOT NULL CHECK (policy_b <> policy_a),
        choice TEXT NOT NULL CHECK (choice IN ('a', 'b', 'tie', 'both_bad')),
        params TEXT NOT NULL DEFAULT '{{}}'  -- JSON text: generation settings, each side's run summary
    )""",
    f"INSERT INTO judge_schema_version (version) SELECT {SCHEMA_VERSION}"
    " WHERE NOT EXISTS (SELECT 1 FROM judge_schema_version)",
)


@dataclass(frozen=True)
class JudgeVote:
    id: int
    created: float  # time.time() of the vote
    session_id: str
    prompt: str
    answer_a: str
    answer_b: str
    policy_a: str
    policy_b: str
    choice: str
    params: dict[str, Any]  # {"generation": {...}, "sides": {"a": summary, "b": summary}, "model_id": ...}


class JudgeStore:
    """Judge votes on the backend of a `PreferenceStore` (its connections, its durability).

    >>> import tempfile; from playground.dpo.preferences import PreferenceStore
    >>> store = PreferenceStore(pathlib.Path(tempfile.mkdtemp()) / "votes.db"); judge = JudgeStore(store.backend)
    >>> judge.add("s1", "Hi?", "Hello!", "Go.", "reference", "ab12cd-run1", "b") > 0, judge.outcomes(), store.records()
    (True, [('reference', 'ab12cd-run1', 'b')], [])
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        version = create_schema(backend, SCHEMA, "judge_schema_version")
        if version != SCHEMA_VERSION:
            raise RuntimeError(f"The judge votes in {backend.location} have schema version {version}; this code "
                               f"reads version {SCHEMA_VERSION}: run the app version that wrote them.")

    def _rows(self, connection: Any, query: str, params: tuple = ()) -> list[tuple]:
        return connection.execute(self.backend.sql(query), params).fetchall()

    def add(self, session_id: str, prompt: str, answer_a: str, answer_b: str, policy_a: str, policy_b: str,
            choice: str, params: dict[str, Any] | None = None) -> int:
        """Store one judge vote; returns its id only after the commit is durable."""
        one_of("dpo_choice", choice, CHOICES)
        if policy_a == policy_b:
            raise ValueError(f"a judge pair needs two different policies, got {policy_a!r} twice.")
        checks.text("dpo_session_id", session_id, MAX_SESSION_CHARS, stored=True)
        checks.text("dpo_prompt", prompt, MAX_PROMPT_CHARS, stored=True)
        checks.text("dpo_answer_a", answer_a, MAX_ANSWER_CHARS, stored=True)
        checks.text("dpo_answer_b", answer_b, MAX_ANSWER_CHARS, stored=True)
        checks.text("dpo_policy_a", policy_a, MAX_POLICY_CHARS, stored=True)
        checks.text("dpo_policy_b", policy_b, MAX_POLICY_CHARS, stored=True)
        row = (time.time(), session_id, prompt, answer_a, answer_b, policy_a, policy_b, choice,
               json.dumps(params or {}, ensure_ascii=False))
        with self.backend.write() as connection:
            (vote_id,), = self._rows(
                connection, "INSERT INTO judge_votes (created, session_id, prompt, answer_a, answer_b, policy_a,"
                " policy_b, choice, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", row)
        return int(vote_id)

    def votes(self) -> list[JudgeVote]:
        with self.backend.read() as connection:
            rows = self._rows(connection, "SELECT id, created, session_id, prompt, answer_a, answer_b, policy_a,"
                                          " policy_b, choice, params FROM judge_votes ORDER BY id")
        return [JudgeVote(*row[:9], json.loads(row[9])) for row in rows]

    def outcomes(self) -> list[tuple[str, str, str]]:
        """(policy A, policy B, choice) of every vote, oldest first: what the leaderboard fits."""
        with self.backend.read() as connection:
            return [tuple(row) for row in self._rows(connection, "SELECT policy_a, policy_b, choice FROM judge_votes"
                                                                 " ORDER BY id")]

    def version(self) -> tuple[int, int]:
        """(rows, newest id): changes with every vote, so a leaderboard computed for it can be reused."""
        with self.backend.read() as connection:
            (count, newest), = self._rows(connection, "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM judge_votes")
        return int(count), int(newest)

    def pair_counts(self) -> tuple[Counter, Counter]:
        """Votes per unordered policy pair, and per (pair, prompt): what the scheduler balances."""
        with self.backend.read() as connection:
            rows = self._rows(connection, "SELECT policy_a, policy_b, prompt, COUNT(*) FROM judge_votes"
                                          " GROUP BY policy_a, policy_b, prompt")
        pairs, prompts = Counter(), Counter()
        for policy_a, policy_b, prompt, count in rows:
            pair = frozenset((policy_a, policy_b))
            pairs[pair] += count
            prompts[pair, prompt] += count
        return pairs, prompts

    def sides(self) -> dict[str, dict[str, Any]]:
        """Each policy's summary (run, steps, chain, replica) as its newest vote recorded it."""
        with self.backend.read() as connection:
            rows = self._rows(connection, "SELECT policy_a, policy_b, params FROM judge_votes ORDER BY id")
        found: dict[str, dict[str, Any]] = {}
        for policy_a, policy_b, params in rows:
            sides = json.loads(params).get("sides", {})
            found.update({policy_a: sides.get("a", {}), policy_b: sides.get("b", {})})
        return found

    def export_jsonl(self, path: pathlib.Path | str) -> int:
        """Every judge vote as JSON Lines (UTF-8): prompt, both answers, both policy ids, choice, ISO time (UTC)."""
        lines = []
        for vote in self.votes():
            lines.append(json.dumps({
                "prompt": vote.prompt, "answer_a": vote.answer_a, "answer_b": vote.answer_b,
                "policy_a": vote.policy_a, "policy_b": vote.policy_b, "choice": vote.choice,
                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(vote.created)),
                "sides": vote.params.get("sides", {}), "generation": vote.params.get("generation", {})},
                ensure_ascii=False) + "\n")
        pathlib.Path(path).write_text("".join(lines), encoding="utf-8")
        return len(lines)
