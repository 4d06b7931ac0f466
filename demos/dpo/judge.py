"""Section 3 of the "DPO" tab: judge the policies blind, and the leaderboard of those votes.

A judge pair (engine: `playground/dpo/judge.py`) is two of this server's policies (the reference and
the runs published to the room: a run only its visitor has seen is not the room's to judge) answering a held-out
prompt; which is which waits in Gradio session state (never sent to the page or the API answer) until
the vote is stored, and is then revealed. The leaderboard (`playground/dpo/arena.py`) fits every
replica's judge votes; it is refitted only when a vote arrived, so the timer that keeps projectors
current costs one COUNT query. Judge votes never train (their own table).
"""
from __future__ import annotations

import html
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import gradio as gr

from demos import links
from demos.common import ComponentView, T, batched_stream, labels, session_of, text, user_errors
from demos.dpo.text import BOARD_COLUMNS, TEXT
from playground.core.batching import Schedulers
from playground.core.models import LoadedLM, load_causal_lm
from playground.dpo import arena
from playground.dpo import figures as dpo_figures
from playground.dpo.judge import Arena, JudgePair, stream_answers
from playground.dpo.preferences import CHOICES
from playground.dpo.training import PolicyTrainer

REFRESH_S = 10  # how often an open page asks whether a vote arrived (the leaderboard then follows)


def percent(share: float) -> str:
    return f"{100 * share:.0f}"


@dataclass(frozen=True)
class Judging:
    """The section's server objects: the arena (store, scheduler, cached leaderboard), trainer and batches."""
    arena: Arena
    trainer: PolicyTrainer
    batches: Schedulers

    def policies(self, lm: LoadedLM) -> dict[str, tuple[LoadedLM, dict[str, Any]]]:
        """Policy id -> (model, what it is) for every policy this server can answer with now."""
        found = {arena.REFERENCE: (lm, {"kind": "reference", "model_id": lm.model_id})}
        for policy in self.trainer.judged:
            judged = self.trainer.judged_lm(lm, policy.id)
            if judged is not None:
                found[policy.id] = (judged, {"kind": "run", **policy.summary()})
        return found

    def status(self, policy_id: str) -> str:
        """One of text.JUDGE_STATUSES: judged here, let go here (reset, retired), or made by another replica or start."""
        if policy_id == arena.REFERENCE or any(p.id == policy_id for p in self.trainer.judged):
            return "here"
        return self.trainer.gone(policy_id) or "elsewhere"

    @user_errors(table=TEXT)
    def export_votes(self) -> str:
        """Every judge vote (all replicas) in a JSONL file; returns its path."""
        with tempfile.NamedTemporaryFile(prefix="dpo-judge-votes-", suffix=".jsonl", delete=False) as out:
            self.arena.store.export_jsonl(out.name)
        return out.name

    def version(self) -> tuple:
        """Changes when a vote arrives anywhere or this server's policies change: then the page redraws."""
        return self.arena.store.version(), tuple(p.id for p in self.trainer.judged), self.trainer.replica


def policy_names(sides: Mapping[str, Mapping[str, Any]], request: gr.Request | None) -> dict[str, str]:
    """Policy id -> "reference model" / "run 2 (from run 1)", with "@replica" when votes came from several."""
    replicas = {side.get("replica") for side in sides.values() if side.get("kind") == "run"}
    names = {}
    for policy_id, side in sides.items():
        if policy_id == arena.REFERENCE:
            names[policy_id] = text(TEXT, "dpo_judge_reference", request)
            continue
        name = text(TEXT, "dpo_judge_run", request, run=side.get("run", "?"))
        if side.get("continued_from"):
            name += text(TEXT, "dpo_judge_from", request, run=side["continued_from"])
        names[policy_id] = name + (f" @{side.get('replica', '')}" if len(replicas) > 1 else "")
    return names


def sentences(board: arena.Leaderboard, names: Mapping[str, str], request: gr.Request | None) -> str:
    """"run 2 beats the reference in 64 % of 50 votes (95 % CI 50–77 %)", one line per run paired with it."""
    if not board.standings:
        return text(TEXT, "dpo_board_empty", request)
    lines = []
    for standing in board.standings:
        head = standing.versus_reference
        if head is None:
            continue
        line = text(TEXT, "dpo_board_sentence", request, name=html.escape(names[standing.policy]),
                    share=percent(head.share), votes=head.votes, low=percent(head.low), high=percent(head.high))
        if standing.provisional:
            line += text(TEXT, "dpo_board_provisional_note", request, threshold=arena.PROVISIONAL_VOTES)
        lines.append(f"- {line}")
    return "\n".join(lines) or text(TEXT, "dpo_board_no_reference", request)


def board_table(board: arena.Leaderboard, names: Mapping[str, str], statuses: Mapping[str, str],
                request: gr.Request | None) -> str:
    """The leaderboard as an HTML table (names escaped), strongest first; provisional rows marked."""
    if not board.standings:
        return ""
    head = "".join(f"<th>{html.escape(text(TEXT, f'dpo_board_col_{c}', request))}</th>" for c in BOARD_COLUMNS)
    rows = []
    for s in board.standings:
        name = html.escape(names[s.policy])
        if s.provisional:
            name += f" <em>({html.escape(text(TEXT, 'dpo_board_provisional', request))})</em>"
        versus = s.versus_reference
        cells = [str(s.rank), name, f"{s.strength:+.2f} [{s.low:+.2f}, {s.high:+.2f}]", str(s.votes),
                 f"{s.wins} / {s.ties} / {s.both_bad} / {s.losses}",
                 f"{percent(versus.share)} % [{percent(versus.low)}–{percent(versus.high)} %] · n = {versus.votes}"
                 if versus else "–",
                 html.escape(text(TEXT, f"dpo_judge_status_{statuses[s.policy]}", request))]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f"<table class='dpo-board'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


@dataclass(frozen=True, eq=False)
class BoardView(ComponentView):
    """The leaderboard's components; `shown` is the version this page last drew (session state)."""
    shown: gr.State
    sentences: gr.Markdown
    table: gr.HTML
    plot: gr.Plot
    judging: Judging

    def standing(self, request: gr.Request | None) -> tuple[arena.Leaderboard, dict[str, str], dict[str, str]]:
        """The (cached) leaderboard, each policy's name as the page says it, and each policy's status."""
        board, sides = self.judging.arena.leaderboard()
        names = policy_names(sides, request)
        return board, names, {policy: self.judging.status(policy) for policy in names}

    def draw(self, request: gr.Request | None) -> dict:
        version = self.judging.version()
        board, names, statuses = self.standing(request)
        figure = dpo_figures.leaderboard_figure(board, names, labels(TEXT, "dpo_board_fig_", request))
        return {self.shown: version, self.sentences: sentences(board, names, request),
                self.table: board_table(board, names, statuses, request), self.plot: figure}

    @user_errors(table=TEXT)
    def show(self, request: gr.Request = None) -> dict:
        return self.draw(request)

    @user_errors(table=TEXT)
    def refresh(self, shown: Any, request: gr.Request = None) -> dict:
        """The timer's tick: redraw only when a vote arrived or the policies changed (no flicker otherwise)."""
        if shown == self.judging.version():  # each output skipped: Gradio reads an empty dict as too few values
            return {output: gr.skip() for output in self.outputs()}
        return self.draw(request)

    @user_errors(table=TEXT)
    def export_csv(self, request: gr.Request = None) -> str:
        board, names, statuses = self.standing(request)
        with tempfile.NamedTemporaryFile("w", prefix="dpo-leaderboard-", suffix=".csv", delete=False,
                                         encoding="utf-8") as out:
            out.write(arena.leaderboard_csv(board, names, statuses))
        return out.name


@dataclass(frozen=True, eq=False)
class JudgeView(ComponentView):
    """What a judge pair and its vote fill; the pair's identities wait in `pending` (server-side state)."""
    pending: gr.State
    prompt: gr.Textbox
    answer_a: gr.Textbox
    answer_b: gr.Textbox
    choice: gr.Radio
    status: gr.Markdown
    judging: Judging
    board: BoardView

    @user_errors(table=TEXT)
    def new_pair(self, request: gr.Request = None):
        """Both answers as they grow (nothing to vote on until both are complete); who answered stays hidden."""
        lm = load_causal_lm()
        policies = self.judging.policies(lm)
        if len(policies) < 2:
            raise ValueError(text(TEXT, "dpo_judge_need_run", request))
        matchup = self.judging.arena.next_matchup(list(policies))
        params = self.judging.arena.generation_params()
        yield {self.pending: None, self.prompt: matchup.prompt, self.answer_a: "", self.answer_b: "",
               self.choice: None, self.status: text(TEXT, "dpo_judge_decoding", request)}

        def answer(policy_id: str):
            return batched_stream(self.judging.batches, policies[policy_id][0], matchup.prompt, params, request)

        answer_a = answer_b = ""
        for answer_a, answer_b in stream_answers(matchup, answer):
            yield {self.answer_a: answer_a, self.answer_b: answer_b}
        sides = {"a": policies[matchup.policy_a][1], "b": policies[matchup.policy_b][1]}
        pair = JudgePair(matchup, answer_a, answer_b, {"generation": params.__dict__, "sides": sides,
                                                       "model_id": lm.model_id})
        yield {self.pending: pair, self.prompt: matchup.prompt, self.answer_a: answer_a, self.answer_b: answer_b,
               self.choice: None, self.status: text(TEXT, "dpo_judge_ready", request)}  # all of it: what the API returns

    @user_errors(table=TEXT)
    def vote(self, pending: JudgePair | None, choice: str | None, request: gr.Request = None) -> dict:
        """Store the vote, then (only then) say who was who; the leaderboard follows."""
        if pending is None:
            raise ValueError(text(TEXT, "dpo_judge_no_pair", request))
        if choice not in CHOICES:
            raise ValueError(text(TEXT, "dpo_no_choice", request))
        vote_id = self.judging.arena.vote(session_of(request), pending, choice)  # committed before we answer
        m, sides = pending.matchup, pending.params["sides"]
        names = policy_names({m.policy_a: sides["a"], m.policy_b: sides["b"]}, request)
        reveal = text(TEXT, "dpo_judge_revealed", request, vote_id=vote_id, a=html.escape(names[m.policy_a]),
                      b=html.escape(names[m.policy_b]), choice=text(TEXT, f"dpo_judge_choice_{choice}", request))
        return {self.pending: None, self.choice: None, self.status: reveal, **self.board.draw(request)}


def build(arena_: Arena, trainer: PolicyTrainer, batches: Schedulers) -> None:
    """The judge section and the leaderboard, at the end of the tab."""
    judging = Judging(arena_, trainer, batches)
    gr.Markdown(T("dpo_judge_title"), elem_id="dpo-section-judge")
    gr.Markdown(T("dpo_judge_intro"), elem_classes=links.NOTES)
    gr.Markdown(T("dpo_judge_replicas"), elem_id="dpo-judge-replicas")
    pending = gr.State(None)
    pair_button = gr.Button(T("dpo_judge_pair_button"), variant="primary", elem_id="dpo-judge-pair-button")
    prompt = gr.Textbox(label=T("dpo_judge_prompt"), interactive=False, elem_id="dpo-judge-prompt")
    with gr.Row():
        answer_a = gr.Textbox(label=T("dpo_answer_a"), lines=5, interactive=False, elem_id="dpo-judge-answer-a")
        answer_b = gr.Textbox(label=T("dpo_answer_b"), lines=5, interactive=False, elem_id="dpo-judge-answer-b")
    with gr.Row():
        choice = gr.Radio([(T("dpo_choice_a"), "a"), (T("dpo_choice_b"), "b"), (T("dpo_choice_tie"), "tie"),
                           (T("dpo_choice_bad"), "both_bad")], label=T("dpo_choice"), elem_id="dpo-judge-choice")
        vote_button = gr.Button(T("dpo_vote_button"), variant="primary", elem_id="dpo-judge-vote-button")
    status = gr.Markdown(elem_id="dpo-judge-status")

    gr.Markdown(T("dpo_board_title"))
    gr.Markdown(T("dpo_board_counting"), elem_classes=links.NOTES)
    shown = gr.State(None)
    board_sentences = gr.Markdown(elem_id="dpo-board-sentences")
    table = gr.HTML(elem_id="dpo-board-table")
    plot = gr.Plot(label=T("dpo_plot_board"), elem_id="dpo-board-plot")
    with gr.Row():
        export_votes = gr.Button(T("dpo_judge_export_button"), elem_id="dpo-judge-export-button")
        export_board = gr.Button(T("dpo_board_export_button"), elem_id="dpo-board-export-button")
    export_file = gr.File(label=T("dpo_judge_export_file"), elem_id="dpo-judge-export-file")

    board = BoardView(shown, board_sentences, table, plot, judging)
    view = JudgeView(pending, prompt, answer_a, answer_b, choice, status, judging, board)
    # no concurrency limit: both sides join their models' batches, which refuse past their limits at once
    pair_button.click(view.new_pair, None, view.outputs(), api_name="dpo_judge_pair", concurrency_limit=None)
    vote_button.click(view.vote, [pending, choice], view.outputs() + board.outputs(), api_name="dpo_judge_vote")
    # on page load; the fit is cached per vote count, so many visitors at once need no line of their own
    gr.on(None, board.show, None, board.outputs(), api_name="dpo_leaderboard", concurrency_limit=None)
    # every open page asks every REFRESH_S: no line of its own (an unchanged board answers with nothing at once),
    # so a room's ticks never wait behind each other
    gr.Timer(REFRESH_S).tick(board.refresh, shown, board.outputs(), api_visibility="private", show_progress="hidden",
                             concurrency_limit=None)
    export_votes.click(judging.export_votes, None, export_file, api_name="dpo_judge_export")
    export_board.click(board.export_csv, None, export_file, api_name="dpo_leaderboard_export")

