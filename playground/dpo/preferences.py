"""A preference store that keeps every vote of a workshop exactly once, and exports it for DPO.

Where the votes live (`vote_backends`): one SQLite file by default, or PostgreSQL when
`PLAYGROUND_PREFERENCES_URL=postgresql://...` is set, so many app replicas share one set of votes.
Either way a vote is one small row written in its own transaction, and `add_vote` returns only after
the commit is durable, so a vote the UI has confirmed survives a killed server. The schema is
created on first use and carries a version row (`preferences_schema_version`), so a later layout can
be recognised instead of misread. The export is TRL's preference format
(https://huggingface.co/docs/trl/dataset_formats): `prompt`, `chosen`, `rejected`, conversational
(lists of messages) or plain strings.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import random
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from playground.core import checks
from playground.core.checks import one_of
from playground.core.errors import InputError
from playground.core.generation import MAX_PROMPT_CHARS, GenerationParams, stream_generate, validate_prompt
from playground.core.models import LoadedLM
from playground.core.settings import Settings, get_settings
from playground.dpo.vote_backends import Backend, create_schema, open_backend

CHOICES = ("a", "b", "tie", "both_bad")  # "tie" and "both_bad" are stored, never exported as pairs
MAX_ANSWER_CHARS = 8000
MAX_COMMENT_CHARS = 500
MAX_SESSION_CHARS = 64
SCHEMA_VERSION = 1  # bump with a migration when the layout of `votes` changes
SCHEMA = (  # one statement each; {id_column} comes from the backend
    "CREATE TABLE IF NOT EXISTS preferences_schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS votes (
        id {id_column},
        created DOUBLE PRECISION NOT NULL,
        session_id TEXT NOT NULL,
        prompt TEXT NOT NULL,
        answer_a TEXT NOT NULL,
        answer_b TEXT NOT NULL,
        choice TEXT NOT NULL CHECK (choice IN ('a', 'b', 'tie', 'both_bad')),
        comment TEXT NOT NULL DEFAULT '',
        params TEXT NOT NULL DEFAULT '{{}}'  -- JSON text (kept as written): settings of each side, model id
    )""",
    "CREATE INDEX IF NOT EXISTS votes_by_session ON votes (session_id, id)",
    f"INSERT INTO preferences_schema_version (version) SELECT {SCHEMA_VERSION}"
    " WHERE NOT EXISTS (SELECT 1 FROM preferences_schema_version)",
)


PROMPTS = (  # the prompt list of the collection UI, both languages; people may also type their own
    "Explain what a neural network is.", "Give me a tip for learning a new language.",
    "What should I pack for a day at the beach?", "How do I make a cup of tea?", "Why is the sky blue?",
    "Write one sentence about autumn.", "ニューラルネットワークとは何ですか？", "新しい言語を学ぶコツを教えてください。",
    "海に行くときの持ち物は？", "秋についての文を一つ書いてください。",
)


@dataclass(frozen=True)
class Pair:
    """Two anonymous answers to one prompt, and the settings each side was generated with."""
    prompt: str
    answer_a: str
    answer_b: str
    params: dict[str, Any]  # {"a": {...GenerationParams...}, "b": {...}, "model_id": ...}


def stream_pair(lm: LoadedLM, prompt: str, max_new_tokens: int = 64, temperatures: tuple[float, float] = (0.7, 1.0),
                seed: int = 0) -> Iterator[Pair]:
    """Answer twice with different temperatures and seeds, sides shuffled by `seed`; yields as tokens arrive.

    Why two sampled answers of one model: an Arena-style vote needs two plausible answers that differ,
    and pairs of the model's own answers (on-policy) are what DPO learns from best.
    """
    yield from stream_pair_from(lambda text, side: stream_generate(lm, text, side), lm.model_id, prompt,
                                max_new_tokens, temperatures, seed)


def stream_pair_from(answer: Callable[[str, GenerationParams], Iterator[str]], model_id: str, prompt: str,
                     max_new_tokens: int = 64, temperatures: tuple[float, float] = (0.7, 1.0),
                     seed: int = 0) -> Iterator[Pair]:
    """`stream_pair` with any answerer (a local model, a batch, a serving engine): `answer(prompt, params)` streams
    text. Both answers are asked for before either is read, so a batch decodes them in the same steps, and they
    grow side by side; if the second is refused, the first is closed (and its row freed) unread."""
    prompt = validate_prompt(prompt)
    sides = [GenerationParams(max_new_tokens, t, seed=seed + i) for i, t in enumerate(temperatures)]
    random.Random(seed).shuffle(sides)  # which setting lands on A is hidden from the voter
    params = {"a": asdict(sides[0]), "b": asdict(sides[1]), "model_id": model_id}
    answers = ["", ""]
    with contextlib.ExitStack() as asked:
        streams = [asked.enter_context(contextlib.closing(answer(prompt, side))) for side in sides]
        for side, text in side_by_side(streams):
            answers[side] = text
            yield Pair(prompt, answers[0], answers[1], params)


def side_by_side(streams: list[Iterator[str]]) -> Iterator[tuple[int, str]]:
    """(index, item) from each stream in turn until all end: two answers of one batch arrive in the same steps.

    >>> list(side_by_side([iter("ab"), iter("xyz")]))
    [(0, 'a'), (1, 'x'), (0, 'b'), (1, 'y'), (1, 'z')]
    """
    running = dict(enumerate(streams))
    while running:
        for index, stream in list(running.items()):
            try:
                yield index, next(stream)
            except StopIteration:
                del running[index]


def default_path(settings: Settings | None = None) -> pathlib.Path:
    """$PLAYGROUND_PREFERENCES_DB, else `<cache dir>/preferences.sqlite3`."""
    configured = os.getenv("PLAYGROUND_PREFERENCES_DB")
    return pathlib.Path(configured) if configured else (settings or get_settings()).cache_dir / "preferences.sqlite3"


@dataclass(frozen=True)
class Vote:
    id: int
    session_id: str
    prompt: str
    answer_a: str
    answer_b: str
    choice: str
    comment: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Counts:
    total: int
    by_choice: dict[str, int]  # every choice in CHOICES, zeros included
    session: int  # votes of the asking session
    voters: int  # distinct sessions
    per_prompt: list[tuple[str, int]]  # most voted prompts first




class PreferenceStore:
    """Votes in a SQLite file or a PostgreSQL database. Safe to share between threads, processes and replicas.

    `location`: a file path, or a `postgresql://user:password@host:port/database` URL; by default
    $PLAYGROUND_PREFERENCES_URL when set, else `default_path()`.

    >>> import tempfile; store = PreferenceStore(pathlib.Path(tempfile.mkdtemp()) / "votes.db")
    >>> vote_id = store.add_vote("s1", "Hi?", "Hello!", "Go away.", "a")
    >>> store.records()
    [{'prompt': [{'role': 'user', 'content': 'Hi?'}], 'chosen': [{'role': 'assistant', 'content': 'Hello!'}], \
'rejected': [{'role': 'assistant', 'content': 'Go away.'}]}]
    """

    def __init__(self, location: pathlib.Path | str | None = None, timeout_s: float = 60.0) -> None:
        settings = get_settings()
        self.backend: Backend = open_backend(location or settings.preferences_url or default_path(settings), timeout_s)
        self.location = self.backend.location  # password-free
        version = create_schema(self.backend, SCHEMA, "preferences_schema_version")
        if version != SCHEMA_VERSION:
            self.close()
            raise RuntimeError(f"The preference store {self.location} has schema version {version}; this code "
                               f"reads version {SCHEMA_VERSION}: run the app version that wrote it.")

    def close(self) -> None:
        """Release the database connections (PostgreSQL's pool); SQLite holds none between calls."""
        self.backend.close()

    def __enter__(self) -> PreferenceStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _rows(self, connection: Any, query: str, params: tuple = ()) -> list[tuple]:
        return connection.execute(self.backend.sql(query), params).fetchall()

    def add_vote(self, session_id: str, prompt: str, answer_a: str, answer_b: str, choice: str,
                 comment: str = "", params: dict[str, Any] | None = None) -> int:
        """Store one vote; returns its id only after the commit is durable."""
        one_of("dpo_choice", choice, CHOICES)
        checks.text("dpo_session_id", session_id, MAX_SESSION_CHARS, stored=True)
        checks.text("dpo_prompt", prompt, MAX_PROMPT_CHARS, stored=True)
        checks.text("dpo_answer_a", answer_a, MAX_ANSWER_CHARS, stored=True)
        checks.text("dpo_answer_b", answer_b, MAX_ANSWER_CHARS, stored=True)
        checks.text("dpo_comment", comment, MAX_COMMENT_CHARS, empty_ok=True, stored=True)
        row = (time.time(), session_id, prompt, answer_a, answer_b, choice, comment.strip(),
               json.dumps(params or {}, ensure_ascii=False))
        with self.backend.write() as connection:
            (vote_id,), = self._rows(
                connection, "INSERT INTO votes (created, session_id, prompt, answer_a, answer_b, choice, comment,"
                " params) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", row)
        return int(vote_id)

    def undo_last(self, session_id: str) -> int | None:
        """Delete this session's newest vote; returns its id, or None when it has none."""
        with self.backend.write() as connection:
            deleted = self._rows(connection, "DELETE FROM votes WHERE id = (SELECT id FROM votes WHERE session_id = ?"
                                             " ORDER BY id DESC LIMIT 1) RETURNING id", (session_id,))
        return int(deleted[0][0]) if deleted else None

    def votes(self) -> list[Vote]:
        with self.backend.read() as connection:
            rows = self._rows(connection, "SELECT id, session_id, prompt, answer_a, answer_b, choice, comment,"
                                          " params FROM votes ORDER BY id")
        return [Vote(*row[:7], json.loads(row[7])) for row in rows]

    def counts(self, session_id: str = "") -> Counts:
        with self.backend.read() as connection:
            by_choice = dict.fromkeys(CHOICES, 0)
            by_choice.update(self._rows(connection, "SELECT choice, COUNT(*) FROM votes GROUP BY choice"))
            (session,), = self._rows(connection, "SELECT COUNT(*) FROM votes WHERE session_id = ?", (session_id,))
            (voters,), = self._rows(connection, "SELECT COUNT(DISTINCT session_id) FROM votes")
            # ties broken by the first vote, not by the prompt text: text order depends on the database's collation
            per_prompt = self._rows(connection, "SELECT prompt, COUNT(*) AS n FROM votes GROUP BY prompt"
                                                " ORDER BY n DESC, MIN(id) LIMIT 20")
        return Counts(sum(by_choice.values()), by_choice, session, voters, [tuple(r) for r in per_prompt])

    def records(self, conversational: bool = True) -> list[dict[str, Any]]:
        """Decisive votes (A or B better) as TRL preference rows, oldest first."""
        rows = []
        for vote in self.votes():
            if vote.choice not in ("a", "b"):
                continue
            chosen, rejected = ((vote.answer_a, vote.answer_b) if vote.choice == "a"
                                else (vote.answer_b, vote.answer_a))
            if conversational:
                rows.append({"prompt": [{"role": "user", "content": vote.prompt}],
                             "chosen": [{"role": "assistant", "content": chosen}],
                             "rejected": [{"role": "assistant", "content": rejected}]})
            else:
                rows.append({"prompt": vote.prompt, "chosen": chosen, "rejected": rejected})
        return rows

    def export_jsonl(self, path: pathlib.Path | str, conversational: bool = True) -> int:
        """Write the records as JSON Lines (UTF-8); returns the number of rows."""
        rows = self.records(conversational)
        pathlib.Path(path).write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                                      encoding="utf-8")
        return len(rows)

    def to_dataset(self, conversational: bool = True):
        """The records as a Hugging Face `datasets.Dataset` (what `DPOTrainer` takes)."""
        from datasets import Dataset

        rows = self.records(conversational)
        if not rows:
            raise InputError("dpo_err_no_decisive")
        return Dataset.from_list(rows)

    def push_to_hub(self, repo_id: str, token: str | None = None, private: bool = True) -> tuple[int, str]:
        """Upload the decisive votes as a dataset (TRL's conversational format); returns (rows, URL).

        Needs a write token (argument or $HF_TOKEN) and the Hub switched on. Every refusal is a
        `HubPushRefused` whose `reason` ("repo_id", "no_token", "offline", "empty") the UI translates.
        """
        repo_id = (repo_id or "").strip() if isinstance(repo_id, str) else repo_id
        if not isinstance(repo_id, str) or not HUB_REPO_ID.fullmatch(repo_id):
            raise HubPushRefused("repo_id", f"Hub dataset id must look like user/name (letters, digits, - _ .), "
                                            f"got {repo_id!r}.")
        token = token or os.getenv("HF_TOKEN")
        if not token:
            raise HubPushRefused("no_token", "Pushing to the Hub needs a write token: set HF_TOKEN on the server.")
        if get_settings().offline:
            raise HubPushRefused("offline", "The Hub is switched off (offline mode): export the JSONL file instead.")
        if not self.records():
            raise HubPushRefused("empty", "There are no decisive votes (A or B better) to push yet.")
        dataset = self.to_dataset()
        dataset.push_to_hub(repo_id, token=token, private=private)
        return len(dataset), f"https://huggingface.co/datasets/{repo_id}"


HUB_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}")  # user/name, as the Hub allows


class HubPushRefused(ValueError):
    """Why `push_to_hub` will not push; `reason` is a stable key the UI turns into its own language."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
