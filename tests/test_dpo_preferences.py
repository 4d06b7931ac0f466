"""The preference store: round trip, export, 50 concurrent voters, and a writer killed mid-run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from playground.dpo import preferences
from playground.dpo.preferences import PreferenceStore
from tests.conftest import ROOT


def test_round_trip_counts_undo_and_export(tmp_path):
    store = PreferenceStore(tmp_path / "votes.db")
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
    assert [v.id for v in PreferenceStore(tmp_path / "votes.db").votes()] == [v.id for v in votes[:3]]


@pytest.mark.parametrize("args, message", [
    (("s", "p", "a", "b", "maybe"), "vote must be one of"),
    (("s", "", "a", "b", "a"), "prompt is empty"),
    (("s", "p", "a", "x" * 9000, "a"), "limit"),
    (("", "p", "a", "b", "a"), "session id"),
])
def test_bad_votes_are_refused_with_a_reason(tmp_path, args, message):
    store = PreferenceStore(tmp_path / "votes.db")
    with pytest.raises(ValueError, match=message):
        store.add_vote(*args)
    assert store.counts().total == 0


def test_empty_export_to_dataset_explains_itself(tmp_path):
    with pytest.raises(ValueError, match="no decisive votes"):
        PreferenceStore(tmp_path / "votes.db").to_dataset()


def test_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_PREFERENCES_DB", str(tmp_path / "x" / "p.db"))
    assert PreferenceStore().path == tmp_path / "x" / "p.db"
    monkeypatch.delenv("PLAYGROUND_PREFERENCES_DB")
    monkeypatch.setenv("PLAYGROUND_CACHE", str(tmp_path / "cache"))
    assert preferences.default_path() == tmp_path / "cache" / "preferences.sqlite3"


def test_fifty_voters_twenty_votes_each_store_exactly_one_thousand_rows(tmp_path):
    store = PreferenceStore(tmp_path / "votes.db")
    errors: list[BaseException] = []

    def voter(index: int) -> None:
        try:
            for vote in range(20):
                store.add_vote(f"voter-{index}", f"prompt {vote}", f"A {index}/{vote}", f"B {index}/{vote}",
                               "a" if vote % 2 else "b")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    votes = store.votes()
    assert len(votes) == 1000
    assert len({(v.session_id, v.answer_a) for v in votes}) == 1000  # each exactly once
    assert store.counts().voters == 50


WRITER = textwrap.dedent("""
    import sys
    sys.path.insert(0, sys.argv[2])
    from playground.dpo.preferences import PreferenceStore
    store = PreferenceStore(sys.argv[1])
    for i in range(100000):
        vote_id = store.add_vote("writer", f"prompt {i}", f"answer A {i}", f"answer B {i}", "a")
        print(vote_id, i, flush=True)  # printed only after the commit returned: a confirmed vote
""")


def test_a_killed_writer_loses_no_confirmed_vote(tmp_path):
    path = tmp_path / "votes.db"
    PreferenceStore(path)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(ROOT)], stdout=subprocess.PIPE,
                              text=True)
    confirmed = {}
    for line in writer.stdout:
        vote_id, index = map(int, line.split())
        confirmed[vote_id] = index
        if len(confirmed) >= 40:
            break
    os.kill(writer.pid, signal.SIGKILL)  # mid-run, likely between or inside transactions
    writer.wait()
    votes = {v.id: v for v in PreferenceStore(path).votes()}
    for vote_id, index in confirmed.items():
        assert votes[vote_id].prompt == f"prompt {index}" and votes[vote_id].answer_a == f"answer A {index}"
    assert len(votes) >= len(confirmed)
    json.dumps([v.prompt for v in votes.values()])  # every row readable after the kill


@pytest.mark.parametrize("repo_id, token, offline, reason", [
    ("user/votes", None, False, "no_token"),
    ("user/votes", "", True, "no_token"),
    ("not a repo", "hf_x", False, "repo_id"),
    ("a/b/c", "hf_x", False, "repo_id"),
    ("user/votes", "hf_x", True, "offline"),
])
def test_push_to_hub_refuses_with_a_reason_the_ui_can_translate(tmp_path, monkeypatch, repo_id, token, offline,
                                                                 reason):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("PLAYGROUND_OFFLINE", "1" if offline else "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1" if offline else "0")
    store = PreferenceStore(tmp_path / "votes.db")
    store.add_vote("s", "Hi?", "Hello!", "Go away.", "a")
    with pytest.raises(preferences.HubPushRefused) as refused:
        store.push_to_hub(repo_id, token=token)
    assert refused.value.reason == reason and isinstance(refused.value, ValueError)


def test_push_to_hub_sends_the_decisive_votes_in_trl_format(tmp_path, monkeypatch):
    """No network: `Dataset.push_to_hub` is replaced by a recorder; everything before it is real."""
    from datasets import Dataset

    pushed = []
    monkeypatch.setattr(Dataset, "push_to_hub", lambda self, repo_id, **kw: pushed.append((self, repo_id, kw)))
    monkeypatch.setenv("PLAYGROUND_OFFLINE", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    store = PreferenceStore(tmp_path / "votes.db")
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
