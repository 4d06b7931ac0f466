"""Section 1 of the "DPO" tab: vote on pairs of answers, store the votes safely, export or push them.

Arena-style collection (two anonymous answers, one vote) into a SQLite store that keeps every vote
exactly once, export in TRL's format, and a push to the Hub. The pairs come from the live policy:
the reference model, or the policy the last training run left (vote -> train -> vote again).
Engine: `playground/dpo/preferences.py`; the store and the trainer are made by `demos/dpo/__init__.py`.
"""
from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Callable, Iterator

import gradio as gr

from demos.common import T, Table, text, user_errors
from playground.core.models import load_causal_lm
from playground.core.settings import get_settings
from playground.dpo.preferences import PROMPTS, HubPushRefused, PreferenceStore, stream_pair
from playground.dpo.training import PolicyTrainer

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
        "dpo_live_reference": "**Live policy:** the reference model ({model}). New pairs come from it.",
        "dpo_live_trained": "**Live policy:** trained here ({objective}, {steps} steps on {pairs} pairs). New pairs "
                            "come from it; *Reset to the reference model* switches back.",
        "dpo_push_repo": "Hub dataset id (user/name; pushed as a private dataset)",
        "dpo_push_button": "Push to the Hub",
        "dpo_pushed": "Pushed {rows} preference rows to [{repo_id}]({url}) (private).",
        "dpo_push_repo_id": "Hub dataset id must look like user/name (letters, digits, - _ .), got {value}.",
        "dpo_push_no_token": "Pushing to the Hub needs a write token: start the server with HF_TOKEN set "
                             "(https://huggingface.co/settings/tokens), or export the JSONL file instead.",
        "dpo_push_offline": "The Hub is switched off on this server (offline mode): export the JSONL file instead.",
        "dpo_push_empty": "There are no decisive votes (A or B better) to push yet: vote on a few pairs.",
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
        "dpo_live_reference": "**現在の方策:** 参照モデル（{model}）。新しいペアはこのモデルが答えます。",
        "dpo_live_trained": "**現在の方策:** このサーバーで学習したもの（{objective}、{pairs} ペアで {steps} ステップ）。"
                            "新しいペアはこの方策が答えます。「参照モデルに戻す」で元に戻ります。",
        "dpo_push_repo": "Hub のデータセット ID（user/name、非公開で送信）",
        "dpo_push_button": "Hub に送信",
        "dpo_pushed": "{rows} 行の選好データを [{repo_id}]({url}) に送信しました（非公開）。",
        "dpo_push_repo_id": "Hub のデータセット ID は user/name の形（英数字と - _ .）にしてください。入力: {value}",
        "dpo_push_no_token": "Hub への送信には書き込みトークンが必要です。HF_TOKEN を設定してサーバーを起動するか"
                             "（https://huggingface.co/settings/tokens）、JSONL ファイルをエクスポートしてください。",
        "dpo_push_offline": "このサーバーでは Hub が無効です（オフラインモード）。JSONL ファイルをエクスポートしてください。",
        "dpo_push_empty": "送信できる判定済みの投票（A または B が良い）がまだありません。いくつか投票してください。",
    },
}


def session_of(request: gr.Request | None) -> str:
    return (getattr(request, "session_hash", None) or "api")[:64]


class Votes:
    """The section's handlers, bound to the server's one store and trainer (made by the tab's build())."""

    def __init__(self, store: PreferenceStore, trainer: PolicyTrainer) -> None:
        self.store = store
        self.trainer = trainer

    def counts(self, request: gr.Request = None) -> str:
        counts = self.store.counts(session_of(request))
        return text(COLLECT_TEXT, "dpo_counts", request, total=counts.total, session=counts.session,
                    decisive=counts.by_choice["a"] + counts.by_choice["b"], tie=counts.by_choice["tie"],
                    both_bad=counts.by_choice["both_bad"], voters=counts.voters)

    def live_policy(self, request: gr.Request = None) -> str:
        """Which model answers the next pairs: shown in the tab, refreshed after training and reset."""
        policy = self.trainer.policy
        if policy is None:
            model = get_settings().preset  # the name only: a page load must not wait for the model to load
            return text(COLLECT_TEXT, "dpo_live_reference", request, model=html.escape(model))
        objective = "DPO + SFT" if policy.config.sft else "DPO"
        return text(COLLECT_TEXT, "dpo_live_trained", request, objective=objective, steps=policy.steps_done,
                    pairs=policy.pairs)

    @user_errors
    def new_pair(self, prompt: str, max_new_tokens: float, seed: float, request: gr.Request) -> Iterator[tuple]:
        pair = None
        lm = self.trainer.answering_lm(load_causal_lm())  # the trained policy once there is one
        for pair in stream_pair(lm, prompt, int(max_new_tokens), seed=int(seed)):
            yield pair.answer_a, pair.answer_b, None, gr.update()
        yield pair.answer_a, pair.answer_b, pair.__dict__, int(seed) + 2  # the next pair gets fresh seeds

    @user_errors
    def vote(self, pair: dict | None, choice: str | None, comment: str, request: gr.Request) -> tuple:
        if not pair:
            raise ValueError(text(COLLECT_TEXT, "dpo_no_pair", request))
        if not choice:
            raise ValueError(text(COLLECT_TEXT, "dpo_no_choice", request))
        vote_id = self.store.add_vote(session_of(request), pair["prompt"], pair["answer_a"], pair["answer_b"],
                                      choice, comment or "", pair["params"])  # committed before we answer
        a, b = pair["params"]["a"], pair["params"]["b"]
        message = text(COLLECT_TEXT, "dpo_voted", request, vote_id=vote_id, ta=a["temperature"], sa=a["seed"],
                       tb=b["temperature"], sb=b["seed"])
        return None, None, "", f"{self.counts(request)}\n\n{html.escape(message)}"

    @user_errors
    def undo(self, request: gr.Request) -> str:
        vote_id = self.store.undo_last(session_of(request))
        message = (text(COLLECT_TEXT, "dpo_undone", request, vote_id=vote_id) if vote_id
                   else text(COLLECT_TEXT, "dpo_nothing_to_undo", request))
        return f"{self.counts(request)}\n\n{message}"

    @user_errors
    def export(self, conversational: bool) -> str:
        path = tempfile.NamedTemporaryFile(prefix="dpo-preferences-", suffix=".jsonl", delete=False).name
        self.store.export_jsonl(path, conversational=bool(conversational))
        return path

    @user_errors
    def push(self, repo_id: str, request: gr.Request) -> str:
        """Push the decisive votes to a private Hub dataset with the server's $HF_TOKEN."""
        try:
            rows, url = self.store.push_to_hub(repo_id, token=os.getenv("HF_TOKEN"))
        except HubPushRefused as refused:  # the engine says why; the reader gets it in their language
            raise ValueError(text(COLLECT_TEXT, f"dpo_push_{refused.reason}", request,
                                  value=html.escape(repr(repo_id)))) from refused
        return text(COLLECT_TEXT, "dpo_pushed", request, rows=rows, repo_id=html.escape(repo_id.strip()), url=url)


def build(store: PreferenceStore, trainer: PolicyTrainer) -> tuple[gr.Markdown, Callable[..., str]]:
    """The voting section; returns the live-policy line and its handler, refreshed after training."""
    handlers = Votes(store, trainer)
    gr.Markdown(T("dpo_intro"))
    live = gr.Markdown(elem_id="dpo-live-policy")
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
    gr.on(None, handlers.live_policy, None, live, api_name="dpo_policy")
    make_pair.click(handlers.new_pair, [prompt, max_tokens, seed], [answer_a, answer_b, pair, seed],
                    api_name="dpo_pair", concurrency_id="llm", concurrency_limit=2)
    vote_button.click(handlers.vote, [pair, choice, comment], [pair, choice, comment, counts], api_name="dpo_vote")
    undo_button.click(handlers.undo, None, counts, api_name="dpo_undo")
    export_button.click(handlers.export, conversational, export_file, api_name="dpo_export")
    push_button.click(handlers.push, repo_id, push_status, api_name="dpo_push")
    return live, handlers.live_policy
