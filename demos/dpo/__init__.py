"""Tab "DPO": vote on answer pairs, train on the votes live, see the effect, judge the policies blind.

Modules: `votes` (pairs, votes, export, push; the live-policy line), `training` (the live run),
`judge` (blind judge pairs of the policies and their leaderboard), `text` (every string, English and
Japanese). `build(trainer, timed, batches)` makes the server's one preference store and hands it, with
the server's one policy trainer (made by `app.py`), to the sections.
"""
from demos import links
from demos.dpo import judge, training, votes
from demos.dpo.text import BUILT_KEYS, TEXT
from playground.core.batching import Schedulers
from playground.core.timed import TimedWork
from playground.dpo.judge import Arena
from playground.dpo.judge_votes import JudgeStore
from playground.dpo.preferences import PreferenceStore
from playground.dpo.training import PolicyTrainer

SECTIONS = {"vote": "dpo-section-vote", "train": "dpo-section-train",
            "judge": "dpo-section-judge"}  # ?section=judge: its elem_id


def build(trainer: PolicyTrainer, timed: TimedWork, batches: Schedulers) -> list:
    """One store (at $PLAYGROUND_PREFERENCES_DB or in the cache folder) per server; returns the events after
    which the policy that answers the visitor may have changed (their finished run, a publish, a reset), for
    the app to refresh what shows it on their page.
    Training runs take their turn in `timed`, the server's one line for timed work; pairs decode in `batches`
    with every other visitor's answers."""
    store = PreferenceStore()
    live, live_policy = votes.build(store, trainer, batches)
    changes = [event.then(live_policy, None, live, api_visibility="private")
               for event in training.build(store, trainer, timed)]
    judge.build(Arena(JudgeStore(store.backend)), trainer, batches)  # judge votes: same database, own table
    links.scroll_to_section("dpo", SECTIONS)
    return changes


__all__ = ["BUILT_KEYS", "SECTIONS", "TEXT", "build"]
