"""Tab "DPO": vote on answer pairs, train on the votes live, see the effect, vote on the new answers.

Modules: `votes` (pairs, votes, export, push; the live-policy line), `training` (the live run).
`build()` makes the server's one preference store and one policy trainer and hands both to the
two sections, so neither section imports the other.
"""
from demos.common import LANGUAGES, Table
from demos.dpo import training, votes
from playground.dpo.preferences import PreferenceStore
from playground.dpo.training import PolicyTrainer

TEXT: Table = {lang: {**votes.COLLECT_TEXT[lang], **training.TEXT[lang]} for lang in LANGUAGES}


def build() -> None:
    """One store (at $PLAYGROUND_PREFERENCES_DB or in the cache folder) and one trainer per server."""
    store, trainer = PreferenceStore(), PolicyTrainer()
    live, live_policy = votes.build(store, trainer)
    for event in training.build(store, trainer):  # a run that finished, or a reset, changes the live policy
        event.then(live_policy, None, live, api_visibility="private")


__all__ = ["TEXT", "build"]
