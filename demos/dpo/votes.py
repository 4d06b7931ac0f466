"""Section 1 of the "DPO" tab: vote on pairs of answers, store the votes safely, export or push them.

Arena-style collection (two anonymous answers, one vote) into a SQLite store that keeps every vote
exactly once, export in TRL's format, and a push to the Hub. The pairs come from the policy the
visitor picks: the reference model, or (the default once there is one) the trained policy that answers
them (their own last run, else the one published to the room), so the loop is vote -> train -> vote on
the new policy's answers -> train again. Each vote's
`params` record which policy answered (`policy`; `model_id` names the training run). Engine: `playground/dpo/preferences.py`;
the store is made by `demos/dpo/__init__.py`, the trainer by `app.py`.
"""
from __future__ import annotations

import html
import os
import pathlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import gradio as gr

from demos import links
from demos.common import ComponentView, T, batched_stream, session_of, text, user_errors
from demos.dpo.text import TEXT
from demos.dpo.training import chain_line
from playground.core import checks, recorded
from playground.core.batching import Schedulers
from playground.core.engine import configured_engine
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.dpo.preferences import MAX_COMMENT_CHARS, PROMPTS, HubPushRefused, PreferenceStore, stream_pair_from
from playground.dpo.training import PolicyTrainer

LESSON = pathlib.Path("assets/dpo/lesson_pair.json")  # a pair of the reference model, by scripts/record_lessons.py


def lesson_pair(request: gr.Request = None) -> tuple:
    """The shipped pair, ready to vote on, and the note that says it was recorded (when, where).

    The seed moves on by two, as after a live pair, so the next pair is a fresh one."""
    pair, date, machine = recorded.load(LESSON)
    stored = {key: pair[key] for key in ("prompt", "answer_a", "answer_b", "params")}
    note = text(TEXT, "dpo_recorded", request, date=date, machine=machine)
    return pair["prompt"], pair["answer_a"], pair["answer_b"], stored, pair["seed"] + 2, note


def live_note(request: gr.Request = None) -> str:
    return text(TEXT, "dpo_live", request)


class Votes:
    """The section's handlers, bound to the server's one store, trainer and batches (made by the tab's build())."""

    def __init__(self, store: PreferenceStore, trainer: PolicyTrainer, batches: Schedulers | None = None) -> None:
        self.store = store
        self.trainer = trainer
        self.batches = batches if batches is not None else Schedulers()

    def counts(self, request: gr.Request = None) -> str:
        counts = self.store.counts(session_of(request))
        return text(TEXT, "dpo_counts", request, total=counts.total, session=counts.session,
                    decisive=counts.by_choice["a"] + counts.by_choice["b"], tie=counts.by_choice["tie"],
                    both_bad=counts.by_choice["both_bad"], voters=counts.voters)

    def live_policy(self, request: gr.Request = None) -> tuple[str, str]:
        """Which policy answers this visitor (their own run, the room's, or the reference) and the pair source it
        implies; shown on load, refreshed after their training, publish and reset."""
        session = session_of(request)
        whose, policy = self.trainer.whose(session), self.trainer.policy_for(session)
        if policy is None:
            model = get_settings().preset  # the name only: a page load must not wait for the model to load
            return text(TEXT, f"dpo_live_{whose}", request, model=html.escape(model),
                        run=self.trainer.evicted(session), kept=self.trainer.max_private), "reference"
        if policy.config.sft:
            objective = text(TEXT, "dpo_mode_sft", request)
        else:
            objective = text(TEXT, "dpo_mode_plain", request)
        line = text(TEXT, f"dpo_live_{whose}", request, objective=objective, **policy.summary())
        chain = chain_line(policy, request)
        return f"{line} {chain}" if chain else line, "trained"

    def pairs(self, prompt: str, max_new_tokens: int, seed: int, source: str, request: gr.Request | None):
        """The reference answers from the serving engine when one is set (like Generate), else from here, both
        sides in the model's one batch with every other visitor's answers; the trained policy lives only here."""
        engine = configured_engine() if source == "reference" else None
        if engine:
            def answer(text: str, side) -> Iterator[str]:
                return engine.stream_prompt(text, max_tokens=side.max_new_tokens, temperature=side.temperature,
                                            top_p=side.top_p, seed=side.seed)
            return stream_pair_from(answer, f"engine {engine.root} → {engine.model_id()}", prompt, max_new_tokens,
                                    seed=seed)
        session = session_of(request)
        lm = self.trainer.answering_lm(load_causal_lm(), source, session)  # one read: a publish cannot swap it
        if lm is None and self.trainer.whose(session) == "evicted":
            raise ValueError(text(TEXT, "dpo_err_evicted", request, run=self.trainer.evicted(session),
                                  kept=self.trainer.max_private))
        if lm is None:
            raise ValueError(text(TEXT, "dpo_err_untrained", request))
        return stream_pair_from(lambda asked, side: batched_stream(self.batches, lm, asked, side, request), lm.model_id,
                                prompt, max_new_tokens, seed=seed)

    @user_errors(table=TEXT)
    def undo(self, request: gr.Request) -> str:
        vote_id = self.store.undo_last(session_of(request))
        message = (text(TEXT, "dpo_undone", request, vote_id=vote_id) if vote_id
                   else text(TEXT, "dpo_nothing_to_undo", request))
        return f"{self.counts(request)}\n\n{message}"

    @user_errors(table=TEXT)
    def export(self, conversational: bool) -> str:
        path = tempfile.NamedTemporaryFile(prefix="dpo-preferences-", suffix=".jsonl", delete=False).name
        self.store.export_jsonl(path, conversational=conversational)
        return path

    @user_errors(table=TEXT)
    def push(self, repo_id: str, request: gr.Request) -> str:
        """Push the decisive votes to a private Hub dataset with the server's $HF_TOKEN."""
        try:
            rows, url = self.store.push_to_hub(repo_id, token=os.getenv("HF_TOKEN"))
        except HubPushRefused as refused:  # the engine says why; the reader gets it in their language
            raise ValueError(text(TEXT, f"dpo_push_{refused.reason}", request,
                                  value=html.escape(repr(repo_id)))) from refused
        return text(TEXT, "dpo_pushed", request, rows=rows, repo_id=html.escape(repo_id.strip()), url=url)


@dataclass(frozen=True, eq=False)
class PairView(ComponentView):
    """What a new pair fills: its handler answers {component: value} (the seed only once both answers are done)."""
    answer_a: gr.Textbox
    answer_b: gr.Textbox
    pair: gr.State
    seed: gr.Number
    votes: Votes

    @user_errors(table=TEXT)
    def new_pair(self, prompt: str, max_new_tokens: float, seed: float, source: str = "reference",
                 request: gr.Request = None) -> Iterator[dict]:
        """Both answers as they grow (no pair to vote on until they are complete), then the pair and the next seed."""
        pair = None
        max_new_tokens, seed = int(max_new_tokens), int(seed)  # whole-valued: the guard refused anything else
        for pair in self.votes.pairs(prompt, max_new_tokens, seed, source, request):
            yield {self.answer_a: pair.answer_a, self.answer_b: pair.answer_b, self.pair: None}
        stored = {**pair.__dict__, "params": {**pair.params, "policy": source}}  # model_id names the run
        yield {self.answer_a: pair.answer_a, self.answer_b: pair.answer_b, self.pair: stored,
               self.seed: seed + 2}  # the next pair gets fresh seeds


@dataclass(frozen=True, eq=False)
class VoteView(ComponentView):
    """What a vote fills: the pair, choice and comment are cleared (one vote a pair), the counts say it was saved."""
    pair: gr.State
    choice: gr.Radio
    comment: gr.Textbox
    counts: gr.Markdown
    votes: Votes

    @user_errors(table=TEXT)
    def vote(self, pair: dict | None, choice: str | None, comment: str, request: gr.Request = None) -> dict:
        if not pair:
            raise ValueError(text(TEXT, "dpo_no_pair", request))
        if not choice:
            raise ValueError(text(TEXT, "dpo_no_choice", request))
        comment = checks.text("dpo_comment", comment or "", MAX_COMMENT_CHARS, empty_ok=True)  # the box's max_length
        vote_id = self.votes.store.add_vote(session_of(request), pair["prompt"], pair["answer_a"], pair["answer_b"],
                                            choice, comment, pair["params"])  # committed before we answer
        a, b = pair["params"]["a"], pair["params"]["b"]
        message = text(TEXT, "dpo_voted", request, vote_id=vote_id, ta=a["temperature"], sa=a["seed"],
                       tb=b["temperature"], sb=b["seed"],
                       policy=text(TEXT, f"dpo_pairs_{pair['params'].get('policy', 'reference')}", request))
        return {self.pair: None, self.choice: None, self.comment: "",
                self.counts: f"{self.votes.counts(request)}\n\n{html.escape(message)}"}


def build(store: PreferenceStore, trainer: PolicyTrainer,
          batches: Schedulers) -> tuple[list[gr.components.Component], Callable]:
    """The voting section; returns the live-policy line and pair source, and the handler that refreshes them."""
    handlers = Votes(store, trainer, batches)
    gr.Markdown(T("dpo_intro"), elem_classes=links.NOTES)
    live = gr.Markdown(elem_id="dpo-live-policy")
    gr.Markdown(T("dpo_collect_title"), elem_id="dpo-section-vote")
    pair = gr.State(None)
    prompt = gr.Dropdown(list(PROMPTS), value=PROMPTS[0], allow_custom_value=True, label=T("dpo_prompt"),
                         elem_id="dpo-prompt")
    source = gr.Radio([(T("dpo_pairs_reference"), "reference"), (T("dpo_pairs_trained"), "trained")],
                      value="reference", label=T("dpo_pairs_from"), info=T("dpo_pairs_info"), elem_id="dpo-pairs-from")
    with gr.Accordion(T("dpo_settings"), open=False):
        with gr.Row():
            max_tokens = gr.Slider(8, 128, value=64, step=1, label=T("dpo_max_tokens"), elem_id="dpo-max-tokens")
            seed = gr.Number(value=0, precision=0, label=T("dpo_seed"), elem_id="dpo-seed")
    make_pair = gr.Button(T("dpo_pair_button"), variant="primary", elem_id="dpo-pair-button")
    note = gr.Markdown(elem_id="dpo-lesson-note")
    with gr.Row():
        answer_a = gr.Textbox(label=T("dpo_answer_a"), lines=6, interactive=False, elem_id="dpo-answer-a")
        answer_b = gr.Textbox(label=T("dpo_answer_b"), lines=6, interactive=False, elem_id="dpo-answer-b")
    with gr.Row():
        choice = gr.Radio([(T("dpo_choice_a"), "a"), (T("dpo_choice_b"), "b"), (T("dpo_choice_tie"), "tie"),
                           (T("dpo_choice_bad"), "both_bad")], label=T("dpo_choice"), elem_id="dpo-choice")
        comment = gr.Textbox(label=T("dpo_comment"), max_length=MAX_COMMENT_CHARS, elem_id="dpo-comment")
    with gr.Row():
        vote_button = gr.Button(T("dpo_vote_button"), variant="primary", elem_id="dpo-vote-button")
        undo_button = gr.Button(T("dpo_undo"), elem_id="dpo-undo")
    counts = gr.Markdown(elem_id="dpo-counts")
    with gr.Row():
        conversational = gr.Checkbox(value=True, label=T("dpo_conversational"), elem_id="dpo-conversational")
        export_button = gr.Button(T("dpo_export_button"), elem_id="dpo-export-button")
    export_file = gr.File(label=T("dpo_export_file"), elem_id="dpo-export-file")
    with gr.Row():
        repo_id = gr.Textbox(label=T("dpo_push_repo"), max_length=200, elem_id="dpo-push-repo")
        push_button = gr.Button(T("dpo_push_button"), elem_id="dpo-push-button")
    push_status = gr.Markdown(elem_id="dpo-push-status")

    gr.on(None, handlers.counts, None, counts, api_name="dpo_counts")  # on page load
    gr.on(None, handlers.live_policy, None, [live, source], api_name="dpo_policy")
    # the page opens on a shipped pair, ready for a vote (a lesson without a click)
    gr.on(None, lesson_pair, None, [prompt, answer_a, answer_b, pair, seed, note], api_visibility="private")
    make_pair.click(live_note, None, note, api_visibility="private", queue=False)
    pair_view = PairView(answer_a, answer_b, pair, seed, handlers)
    # no concurrency limit: both sides join the model's batch, which refuses past its limits at once
    make_pair.click(pair_view.new_pair, inputs_kwargs={"prompt": prompt, "max_new_tokens": max_tokens, "seed": seed,
                                                       "source": source}, outputs=pair_view.outputs(),
                    api_name="dpo_pair", concurrency_limit=None)
    vote_view = VoteView(pair, choice, comment, counts, handlers)
    vote_button.click(vote_view.vote, inputs_kwargs={"pair": pair, "choice": choice, "comment": comment},
                      outputs=vote_view.outputs(), api_name="dpo_vote")
    undo_button.click(handlers.undo, None, counts, api_name="dpo_undo")
    export_button.click(handlers.export, conversational, export_file, api_name="dpo_export")
    push_button.click(handlers.push, repo_id, push_status, api_name="dpo_push")
    return [live, source], handlers.live_policy
