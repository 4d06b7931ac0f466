"""The preference store on both backends (SQLite, a real PostgreSQL server): round trip, export, two replicas
taking 1,000 concurrent votes, a replica killed mid-run, a server crash, and refusals that say why."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import uuid

import pytest

from demos.dpo import text as dpo_text
from deploy.postgres_server import PostgresServer, find_bin_dir, free_port
from playground.core.errors import InputError
from playground.dpo import preferences
from playground.dpo.preferences import PreferenceStore
from tests.conftest import ROOT

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres():
    """One real PostgreSQL server for the session; each test gets its own database on it."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                    "run `bash scripts/install.sh --test` (Debian's postgresql package)")
    with PostgresServer(bin_dir) as server:
        yield server


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path) -> str:
    """Where a test's votes live: a fresh SQLite file, or a fresh database on the session's server."""
    if request.param == "sqlite":
        return str(tmp_path / "votes.db")
    return request.getfixturevalue("postgres").create_database(f"votes_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def open_store(location):
    """open_store(): one more store ("replica") on this test's database; all closed after the test."""
    stores: list[PreferenceStore] = []

    def open_one() -> PreferenceStore:
        stores.append(PreferenceStore(location))
        return stores[-1]

    yield open_one
    for store in stores:
        store.close()


def test_round_trip_counts_undo_and_export(tmp_path, open_store):
    store = open_store()
    params = {"a": {"temperature": 0.7, "seed": 1}, "b": {"temperature": 1.0, "seed": 2}}
    store.add_vote("alice", "Hi?", "Hello!", "Go away.", "a", comment=" friendlier ", params=params)
    store.add_vote("alice", "Hi?", "Meh.", "Hello there!", "b")
    store.add_vote("bob", "日本語？", "はい。", "いいえ。", "tie")
    store.add_vote("bob", "Sky?", "Blue.", "Green.", "both_bad")
    votes = store.votes()
    assert [v.choice for v in votes] == ["a", "b", "tie", "both_bad"]
    assert votes[0].params == params and votes[0].comment == "friendlier"
    counts = store.counts("alice")
    assert (counts.total, counts.session, counts.voters) == (4, 2, 2)
    assert counts.by_choice == {"a": 1, "b": 1, "tie": 1, "both_bad": 1}
    assert counts.per_prompt[0] == ("Hi?", 2)

    # ties and both-bad are stored but not exported; side B's win is un-swapped
    assert store.records(conversational=False) == [
        {"prompt": "Hi?", "chosen": "Hello!", "rejected": "Go away."},
        {"prompt": "Hi?", "chosen": "Hello there!", "rejected": "Meh."}]
    path = tmp_path / "prefs.jsonl"
    assert store.export_jsonl(path) == 2
    from datasets import load_dataset

    dataset = load_dataset("json", data_files=str(path), split="train")
    assert dataset[1]["chosen"] == [{"role": "assistant", "content": "Hello there!"}]
    assert store.to_dataset(conversational=False)["rejected"] == ["Go away.", "Meh."]

    assert store.undo_last("bob") == votes[3].id  # only bob's newest vote goes
    assert store.undo_last("nobody") is None
    assert [v.id for v in open_store().votes()] == [v.id for v in votes[:3]]  # a second replica sees the same


@pytest.mark.parametrize("args, key, field", [  # the shared key, and the field by its label key
    (("s", "p", "a", "b", "maybe"), "common_err_choice", "dpo_choice"),
    (("s", "", "a", "b", "a"), "common_err_empty", "dpo_prompt"),
    (("s", "p", "a", "x" * 9000, "a"), "common_err_too_long", "dpo_answer_b"),
    (("", "p", "a", "b", "a"), "common_err_empty", "dpo_session_id"),
    (("s", "p", "a\x00", "b", "a"), "common_err_control", "dpo_answer_a"),  # PostgreSQL text cannot hold NUL
    (("s", 7, "a", "b", "a"), "common_err_text", "dpo_prompt"),
])
def test_bad_votes_are_refused_with_a_reason(open_store, args, key, field):
    store = open_store()
    with pytest.raises(InputError) as error:
        store.add_vote(*args)
    assert (error.value.key, error.value.values["field"]) == (key, field)
    assert dpo_text.TEXT["en"][field] and dpo_text.TEXT["ja"][field]  # the page names it by its label
    assert store.counts().total == 0


def test_empty_export_to_dataset_explains_itself(open_store):
    with pytest.raises(InputError) as error:
        open_store().to_dataset()
    assert "no decisive votes" in dpo_text.TEXT["en"][error.value.key]


def test_sqlite_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_PREFERENCES_DB", str(tmp_path / "x" / "p.db"))
    assert PreferenceStore().location == str(tmp_path / "x" / "p.db")
    monkeypatch.delenv("PLAYGROUND_PREFERENCES_DB")
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "cache"))
    assert preferences.default_path() == tmp_path / "cache" / "preferences.sqlite3"


def test_postgres_url_from_the_environment_wins_over_the_file(postgres, tmp_path, monkeypatch):
    url = postgres.create_database("from_env")
    monkeypatch.setenv("PLAYGROUND_PREFERENCES_DB", str(tmp_path / "unused.db"))
    monkeypatch.setenv("PLAYGROUND_PREFERENCES_URL", f" {url} ")
    with PreferenceStore() as store:
        store.add_vote("s", "Hi?", "Hello!", "Go away.", "a")
        assert store.location == url.replace(postgres.password, "***")  # never shows the password
    monkeypatch.delenv("PLAYGROUND_PREFERENCES_URL")
    with PreferenceStore(url) as replica:
        assert [v.answer_a for v in replica.votes()] == ["Hello!"]
    assert not (tmp_path / "unused.db").exists()


def start_replicas_together(location, replicas: int = 6) -> tuple[list[PreferenceStore], list[BaseException]]:
    """`replicas` threads open a store on `location` at the same moment (a barrier); the opened stores and errors."""
    opened, errors = [], []
    barrier = threading.Barrier(replicas)

    def start_replica() -> None:
        barrier.wait()
        try:
            opened.append(PreferenceStore(location))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start_replica) for _ in range(replicas)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return opened, errors


def test_schema_is_created_once_when_replicas_start_together(location):
    """Six replicas open an empty database at the same moment: no "already exists" race, one version row."""
    opened, errors = start_replicas_together(location)
    assert not errors and len(opened) == 6
    with opened[0].backend.read() as connection:
        assert connection.execute("SELECT version FROM preferences_schema_version").fetchall() == [(1,)]
    for store in opened:
        store.close()


def test_sqlite_files_switched_to_wal_by_six_replicas_at_once_never_refuse_one(tmp_path):
    """SQLite says "database is locked" at once, not after its timeout, to a connection that switches a file to
    WAL while another does (5 starts in 150 failed before the retry): 40 rounds of six replicas at once."""
    for round_number in range(40):
        opened, errors = start_replicas_together(tmp_path / f"votes-{round_number}.db")
        for store in opened:
            store.close()
        assert not errors and len(opened) == 6, (round_number, errors)


def test_a_newer_schema_is_refused_not_misread(open_store):
    store = open_store()
    with store.backend.write() as connection:
        connection.execute("UPDATE preferences_schema_version SET version = 2")
    with pytest.raises(RuntimeError, match="schema version 2; this code reads version 1"):
        open_store()


def vote_concurrently(replicas: list[PreferenceStore], voters: int = 50, votes_each: int = 20) -> list[BaseException]:
    """`voters` threads, each casting `votes_each` votes through replica `index % len(replicas)`; returns errors.

    Voter i's vote j is session `voter-i`, prompt `prompt j`, answer A `A i/j` (unique per vote). Also
    used by `bench/preferences.py`.
    """
    errors: list[BaseException] = []

    def voter(index: int) -> None:
        store = replicas[index % len(replicas)]
        try:
            for vote in range(votes_each):
                store.add_vote(f"voter-{index}", f"prompt {vote}", f"A {index}/{vote}", f"B {index}/{vote}",
                               "a" if vote % 2 else "b")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_replicas_take_one_thousand_concurrent_votes_exactly_once(open_store, tmp_path):
    """50 voters, 20 votes each, half of them on each replica: 1,000 rows, and one export from both."""
    replicas = [open_store(), open_store()]
    errors = vote_concurrently(replicas)
    assert not errors
    votes = replicas[0].votes()
    assert len(votes) == 1000 and len({v.id for v in votes}) == 1000
    assert len({(v.session_id, v.answer_a) for v in votes}) == 1000  # each exactly once
    assert replicas[0].counts().voters == replicas[1].counts().voters == 50
    assert replicas[1].votes() == votes
    exports = [replica.export_jsonl(tmp_path / f"replica-{i}.jsonl") for i, replica in enumerate(replicas)]
    assert exports == [1000, 1000]
    assert (tmp_path / "replica-0.jsonl").read_bytes() == (tmp_path / "replica-1.jsonl").read_bytes()


REPLICA = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    from playground.dpo.preferences import PreferenceStore
    store = PreferenceStore(sys.argv[1])
    for i in range(int(sys.argv[4])):
        vote_id = store.add_vote(sys.argv[3], f"prompt {i}", f"answer A {i}", f"answer B {i}", "a")
        print(vote_id, i, flush=True)  # printed only after the commit returned: a confirmed vote
    store.close()
""")


def start_replica(location: str, session: str, votes: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", REPLICA, location, str(ROOT), session, str(votes)],
                            stdout=subprocess.PIPE, text=True)


def confirmed_votes(lines, until: int | None = None) -> dict[int, int]:
    """vote id -> index, from a replica's output (stops reading after `until` votes)."""
    confirmed = {}
    for line in lines:
        vote_id, index = map(int, line.split())
        confirmed[vote_id] = index
        if until and len(confirmed) >= until:
            break
    return confirmed


def assert_stored(votes: dict, session: str, confirmed: dict[int, int]) -> None:
    for vote_id, index in confirmed.items():
        vote = votes[vote_id]
        assert (vote.session_id, vote.prompt, vote.answer_a) == (session, f"prompt {index}", f"answer A {index}")


def test_a_replica_killed_mid_run_loses_no_confirmed_vote(location, open_store):
    """Two replica processes vote; one is SIGKILLed mid-run; the other finishes; every confirmed vote is there."""
    open_store()  # schema in place before either starts
    survivor = start_replica(location, "survivor", 300)
    victim = start_replica(location, "victim", 100_000)
    victim_confirmed = confirmed_votes(victim.stdout, until=40)
    os.kill(victim.pid, signal.SIGKILL)  # mid-run, likely between or inside transactions
    victim.wait()
    survivor_out, _ = survivor.communicate(timeout=300)
    assert survivor.returncode == 0
    survivor_confirmed = confirmed_votes(survivor_out.splitlines())
    assert len(survivor_confirmed) == 300
    votes = {v.id: v for v in open_store().votes()}
    assert_stored(votes, "victim", victim_confirmed)
    assert_stored(votes, "survivor", survivor_confirmed)
    assert sum(v.session_id == "survivor" for v in votes.values()) == 300
    assert sum(v.session_id == "victim" for v in votes.values()) >= len(victim_confirmed)
    json.dumps([v.prompt for v in votes.values()])  # every row readable after the kill


def test_postgres_server_crash_keeps_confirmed_votes_and_the_pool_reconnects(postgres):
    """`pg_ctl stop -m immediate` is a crash (no checkpoint): what COMMIT confirmed is replayed from the WAL."""
    with PreferenceStore(postgres.create_database("crash")) as store:
        confirmed = [store.add_vote("s", f"prompt {i}", f"A {i}", f"B {i}", "a") for i in range(25)]
        postgres.restart(stop_mode="immediate")
        assert [v.id for v in store.votes()] == confirmed  # the same pool, reconnected
        store.add_vote("s", "after", "A", "B", "b")
        assert store.counts().total == 26


def test_unreachable_or_refused_postgres_says_why_without_the_password(postgres):
    nobody_listens = postgres.url().replace(f":{postgres.port}/", f":{free_port()}/")
    with pytest.raises(ConnectionError, match="Cannot reach the preference database") as refused:
        PreferenceStore(nobody_listens, timeout_s=5)
    assert postgres.password not in str(refused.value) and "***" in str(refused.value)
    wrong_password = postgres.url().replace(postgres.password, "not-the-password")
    with pytest.raises(ConnectionError, match="password authentication failed"):
        PreferenceStore(wrong_password, timeout_s=5)


def test_a_url_of_another_database_is_refused():
    with pytest.raises(ValueError, match="must start with postgresql://"):
        PreferenceStore("mysql://user:secret@host/db")


@pytest.mark.parametrize("repo_id, token, offline, reason", [
    ("user/votes", None, False, "no_token"),
    ("user/votes", "", True, "no_token"),
    ("not a repo", "hf_x", False, "repo_id"),
    ("a/b/c", "hf_x", False, "repo_id"),
    ("user/votes", "hf_x", True, "offline"),
])
def test_push_to_hub_refuses_with_a_reason_the_ui_can_translate(open_store, monkeypatch, repo_id, token, offline,
                                                                 reason):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("PLAYGROUND_OFFLINE", "1" if offline else "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1" if offline else "0")
    store = open_store()
    store.add_vote("s", "Hi?", "Hello!", "Go away.", "a")
    with pytest.raises(preferences.HubPushRefused) as refused:
        store.push_to_hub(repo_id, token=token)
    assert refused.value.reason == reason and isinstance(refused.value, ValueError)


def test_push_to_hub_sends_the_decisive_votes_in_trl_format(open_store, monkeypatch):
    """No network: `Dataset.push_to_hub` is replaced by a recorder; everything before it is real."""
    from datasets import Dataset

    pushed = []
    monkeypatch.setattr(Dataset, "push_to_hub", lambda self, repo_id, **kw: pushed.append((self, repo_id, kw)))
    monkeypatch.setenv("PLAYGROUND_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    store = open_store()
    with pytest.raises(preferences.HubPushRefused, match="no decisive votes"):
        store.push_to_hub("user/votes")
    store.add_vote("s", "Hi?", "Meh.", "Hello there!", "b")
    store.add_vote("s", "Sky?", "Blue.", "Green.", "tie")  # stored, never pushed
    assert store.push_to_hub(" user/votes ") == (1, "https://huggingface.co/datasets/user/votes")
    (dataset, repo_id, options), = pushed
    assert repo_id == "user/votes" and options == {"token": "hf_from_env", "private": True}
    assert dataset.to_list() == [{"prompt": [{"role": "user", "content": "Hi?"}],
                                  "chosen": [{"role": "assistant", "content": "Hello there!"}],
                                  "rejected": [{"role": "assistant", "content": "Meh."}]}]
