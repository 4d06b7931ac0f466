"""Tab "DPO": vote on pairs of answers, store the votes safely, train on them live, see the effect.

The whole loop of preference tuning in one tab, sized for a 15-minute workshop: Arena-style
collection (two anonymous answers, one vote), a SQLite store that keeps every vote exactly once,
export in TRL's format, and a bounded DPO run (section 2, `demos/dpo_train.py`) whose plots and
before/after answers everyone watches. Engine: `playground/preferences.py`, `dpo.py`, `dpo_training.py`.
"""
from __future__ import annotations

import functools
import html
import tempfile
from typing import Iterator

import gradio as gr

from demos.dpo import training as dpo_train
from demos.common import LANGUAGES, T, Table, text, user_errors
from playground.core.models import load_causal_lm
from playground.dpo.preferences import PROMPTS, PreferenceStore, stream_pair

COLLECT_TEXT: Table = {
    "en": {
        "dpo_tab": "DPO",
        "dpo_intro": "# Direct Preference Optimization\nPick a prompt and get two answers from the same model "
                     "(different temperature and seed, sides shuffled). Vote for the better one; the votes "
                     "train the model in section 2. Every vote is saved before it is confirmed.",
        "dpo_collect_title": "## 1. Vote", "dpo_prompt": "Prompt (pick one or type your own)",
        "dpo_pair_button": "New pair", "dpo_answer_a": "Answer A", "dpo_answer_b": "Answer B",
        "dpo_choice": "Your vote", "dpo_choice_a": "A is better", "dpo_choice_b": "B is better",
        "dpo_choice_tie": "Tie", "dpo_choice_bad": "Both bad", "dpo_comment": "Comment (optional)",
        "dpo_vote_button": "Vote", "dpo_undo": "Undo my last vote", "dpo_export_button": "Export (TRL JSONL)",
        "dpo_export_file": "Preference data", "dpo_conversational": "Conversational format (lists of messages)",
        "dpo_settings": "Generation settings", "dpo_max_tokens": "Max new tokens", "dpo_seed": "Seed",
        "dpo_counts": "**Votes stored:** {total} (you: {session}) · A/B decided: {decisive} · tie: {tie} · "
                      "both bad: {both_bad} · voters: {voters}",
        "dpo_voted": "Vote #{vote_id} saved. Side A was temperature {ta}, seed {sa}; side B temperature {tb}, "
                     "seed {sb}. Ask for a new pair.",
        "dpo_undone": "Vote #{vote_id} removed.", "dpo_nothing_to_undo": "You have no vote to undo.",
        "dpo_no_pair": "Generate a pair of answers first (New pair), then vote.",
        "dpo_no_choice": "Choose A, B, tie or both bad before voting.",
    },
    "ja": {
        "dpo_tab": "DPO（直接選好最適化）",
        "dpo_intro": "# 直接選好最適化（DPO）\nプロンプトを選ぶと、同じモデルが 2 つの回答を出します（温度とシードが"
                     "異なり、左右はランダム）。良い方に投票してください。投票はセクション 2 でモデルの学習に使われます。"
                     "投票は確定表示の前に保存されます。",
        "dpo_collect_title": "## 1. 投票", "dpo_prompt": "プロンプト（選ぶか入力）",
        "dpo_pair_button": "新しいペア", "dpo_answer_a": "回答 A", "dpo_answer_b": "回答 B",
        "dpo_choice": "あなたの投票", "dpo_choice_a": "A が良い", "dpo_choice_b": "B が良い",
        "dpo_choice_tie": "引き分け", "dpo_choice_bad": "どちらも悪い", "dpo_comment": "コメント（任意）",
        "dpo_vote_button": "投票", "dpo_undo": "直前の投票を取り消す", "dpo_export_button": "エクスポート（TRL JSONL）",
        "dpo_export_file": "選好データ", "dpo_conversational": "会話形式（メッセージのリスト）",
        "dpo_settings": "生成の設定", "dpo_max_tokens": "最大新規トークン数", "dpo_seed": "シード",
        "dpo_counts": "**保存された投票:** {total}（あなた: {session}）· A/B の判定: {decisive} · 引き分け: {tie} · "
                      "どちらも悪い: {both_bad} · 投票者: {voters}",
        "dpo_voted": "投票 #{vote_id} を保存しました。A は温度 {ta}・シード {sa}、B は温度 {tb}・シード {sb} でした。"
                     "新しいペアを出してください。",
        "dpo_undone": "投票 #{vote_id} を取り消しました。", "dpo_nothing_to_undo": "取り消す投票はありません。",
        "dpo_no_pair": "先に「新しいペア」で回答を 2 つ出してから投票してください。",
        "dpo_no_choice": "投票する前に A・B・引き分け・どちらも悪いのいずれかを選んでください。",
    },
}
TEXT: Table = {lang: {**COLLECT_TEXT[lang], **dpo_train.TEXT[lang]} for lang in LANGUAGES}


@functools.cache
def preference_store() -> PreferenceStore:
    """One store per server process, at $PLAYGROUND_PREFERENCES_DB or in the cache folder."""
    return PreferenceStore()


def session_of(request: gr.Request | None) -> str:
    return (getattr(request, "session_hash", None) or "api")[:64]


def counts_markdown(request: gr.Request = None) -> str:
    counts = preference_store().counts(session_of(request))
    return text(TEXT, "dpo_counts", request, total=counts.total, session=counts.session,
                decisive=counts.by_choice["a"] + counts.by_choice["b"], tie=counts.by_choice["tie"],
                both_bad=counts.by_choice["both_bad"], voters=counts.voters)


@user_errors
def new_pair(prompt: str, max_new_tokens: float, seed: float, request: gr.Request) -> Iterator[tuple]:
    pair = None
    for pair in stream_pair(load_causal_lm(), prompt, int(max_new_tokens), seed=int(seed)):
        yield pair.answer_a, pair.answer_b, None, gr.update()
    yield pair.answer_a, pair.answer_b, pair.__dict__, int(seed) + 2  # the next pair gets fresh seeds


@user_errors
def vote(pair: dict | None, choice: str | None, comment: str, request: gr.Request) -> tuple:
    if not pair:
        raise ValueError(text(TEXT, "dpo_no_pair", request))
    if not choice:
        raise ValueError(text(TEXT, "dpo_no_choice", request))
    vote_id = preference_store().add_vote(session_of(request), pair["prompt"], pair["answer_a"], pair["answer_b"],
                                          choice, comment or "", pair["params"])  # committed before we answer
    a, b = pair["params"]["a"], pair["params"]["b"]
    message = text(TEXT, "dpo_voted", request, vote_id=vote_id, ta=a["temperature"], sa=a["seed"],
                   tb=b["temperature"], sb=b["seed"])
    return None, None, "", f"{counts_markdown(request)}\n\n{html.escape(message)}"


@user_errors
def undo(request: gr.Request) -> str:
    vote_id = preference_store().undo_last(session_of(request))
    message = (text(TEXT, "dpo_undone", request, vote_id=vote_id) if vote_id
               else text(TEXT, "dpo_nothing_to_undo", request))
    return f"{counts_markdown(request)}\n\n{message}"


@user_errors
def export(conversational: bool) -> str:
    path = tempfile.NamedTemporaryFile(prefix="dpo-preferences-", suffix=".jsonl", delete=False).name
    preference_store().export_jsonl(path, conversational=bool(conversational))
    return path


def build() -> None:
    gr.Markdown(T("dpo_intro"))
    gr.Markdown(T("dpo_collect_title"))
    pair = gr.State(None)
    prompt = gr.Dropdown(list(PROMPTS), value=PROMPTS[0], allow_custom_value=True, label=T("dpo_prompt"),
                         elem_id="dpo-prompt")
    with gr.Accordion(T("dpo_settings"), open=False):
        with gr.Row():
            max_tokens = gr.Slider(8, 128, value=64, step=1, label=T("dpo_max_tokens"), elem_id="dpo-max-tokens")
            seed = gr.Number(value=0, precision=0, label=T("dpo_seed"), elem_id="dpo-seed")
    make_pair = gr.Button(T("dpo_pair_button"), variant="primary", elem_id="dpo-pair-button")
    with gr.Row():
        answer_a = gr.Textbox(label=T("dpo_answer_a"), lines=6, interactive=False, elem_id="dpo-answer-a")
        answer_b = gr.Textbox(label=T("dpo_answer_b"), lines=6, interactive=False, elem_id="dpo-answer-b")
    with gr.Row():
        choice = gr.Radio([(T("dpo_choice_a"), "a"), (T("dpo_choice_b"), "b"), (T("dpo_choice_tie"), "tie"),
                           (T("dpo_choice_bad"), "both_bad")], label=T("dpo_choice"), elem_id="dpo-choice")
        comment = gr.Textbox(label=T("dpo_comment"), max_length=500, elem_id="dpo-comment")
    with gr.Row():
        vote_button = gr.Button(T("dpo_vote_button"), variant="primary", elem_id="dpo-vote-button")
        undo_button = gr.Button(T("dpo_undo"), elem_id="dpo-undo")
    counts = gr.Markdown(counts_markdown, elem_id="dpo-counts")
    with gr.Row():
        conversational = gr.Checkbox(value=True, label=T("dpo_conversational"), elem_id="dpo-conversational")
        export_button = gr.Button(T("dpo_export_button"), elem_id="dpo-export-button")
    export_file = gr.File(label=T("dpo_export_file"), elem_id="dpo-export-file")

    make_pair.click(new_pair, [prompt, max_tokens, seed], [answer_a, answer_b, pair, seed], api_name="dpo_pair",
                    concurrency_id="llm", concurrency_limit=2)
    vote_button.click(vote, [pair, choice, comment], [pair, choice, comment, counts], api_name="dpo_vote")
    undo_button.click(undo, None, counts, api_name="dpo_undo")
    export_button.click(export, conversational, export_file, api_name="dpo_export")
    dpo_train.build()
