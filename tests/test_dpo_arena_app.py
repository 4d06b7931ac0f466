"""Judge mode in the real app: pairs never say who answered before the vote (raw API stream, gradio_client,
page), the vote reveals it and is stored with both policy ids, the leaderboard and exports, EN and JA."""
from __future__ import annotations

import csv
import json
import os
import pathlib
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from playground.dpo.judge import JUDGE_PROMPTS
from playground.dpo.judge_votes import JudgeStore
from playground.dpo.preferences import PreferenceStore

pytestmark = pytest.mark.slow
NAMES = re.compile(r"reference model|\brun \d|-run\d|DPO run|参照モデル|学習 \d")  # what would give a side away


def server_stores() -> tuple[PreferenceStore, JudgeStore]:
    store = PreferenceStore(os.environ["PLAYGROUND_PREFERENCES_DB"])  # the server's database (conftest)
    return store, JudgeStore(store.backend)


def path_of(file) -> pathlib.Path:
    return pathlib.Path(file["path"] if isinstance(file, dict) else file)


def raw_stream(app_url: str, api_name: str) -> str:
    """Everything the server sends for one call (Gradio's SSE `/call` API): what any client could read."""
    event = httpx.post(f"{app_url}gradio_api/call/{api_name}", json={"data": []}, timeout=30).json()["event_id"]
    return httpx.get(f"{app_url}gradio_api/call/{api_name}/{event}", timeout=300).text


def test_judge_pairs_hide_the_policies_until_the_vote(client, app_url):
    client.predict("", api_name="/dpo_room_reset")  # whatever ran before on this server: only the reference is held
    with pytest.raises(Exception) as error:
        client.predict(api_name="/dpo_judge_pair")
    assert "needs two policies" in str(error.value) and "Traceback" not in str(error.value)
    client.predict("dpo_sft", "demo", 1, 1, 2e-4, 0.1, True, api_name="/dpo_train")
    with pytest.raises(Exception) as error:  # a run nobody published is not the room's to judge
        client.predict(api_name="/dpo_judge_pair")
    assert "publish it to the room" in str(error.value)
    client.predict("", api_name="/dpo_publish")
    store, judge = server_stores()
    before = (store.counts().total, len(judge.votes()))

    # 1. the raw stream of a judge pair: answers and a neutral status, no policy name or id anywhere
    streamed = raw_stream(app_url, "dpo_judge_pair")
    assert "event: complete" in streamed and not NAMES.search(streamed), streamed[-2000:]
    final = json.loads(streamed.strip().splitlines()[-1].removeprefix("data:"))  # what we read is the pair itself
    assert final[0] is None and final[1] in JUDGE_PROMPTS and final[2].strip() and final[3].strip()  # state: None

    # 2. over gradio_client: judge three pairs; each reveal names both sides, as stored
    for choice in ("a", "tie", "both_bad"):
        prompt, answer_a, answer_b, _, status = client.predict(api_name="/dpo_judge_pair")
        assert answer_a.strip() and answer_b.strip() and not NAMES.search(status)
        revealed = client.predict(choice, api_name="/dpo_judge_vote")
        vote = judge.votes()[-1]
        assert (vote.prompt, vote.answer_a, vote.answer_b, vote.choice) == (prompt, answer_a, answer_b, choice)
        reveal = revealed[4]  # prompt, answers, choice, then the status line (session state is never sent)
        run = ({vote.policy_a, vote.policy_b} - {"reference"}).pop()
        assert "reference" in (vote.policy_a, vote.policy_b) and re.fullmatch(r"[0-9a-f]{6}-run\d+", run)
        names = {"reference": "reference model", run: r"run \d+"}
        assert re.search(rf"\*\*A\*\* was {names[vote.policy_a]}.*\*\*B\*\* was {names[vote.policy_b]}", reveal)
    with pytest.raises(Exception) as error:  # one vote a pair
        client.predict("a", api_name="/dpo_judge_vote")
    assert "judge pair first" in str(error.value)
    # judge votes never reach the training data
    assert (store.counts().total, len(judge.votes())) == (before[0], before[1] + 3)

    # 3. the leaderboard: the sentence with its interval, ties and both-bad as half a win
    sentences, table, _ = client.predict(api_name="/dpo_leaderboard")
    mine = judge.votes()[-3:]
    run_id = next(p for p in (mine[0].policy_a, mine[0].policy_b) if p != "reference")
    assert re.search(r"beats the reference in \d+ % of \d+ votes \(95 % CI \d+–\d+ %\)", sentences)
    assert "provisional" in sentences and "judged here" in table
    exported = [json.loads(line) for line in path_of(client.predict(api_name="/dpo_judge_export"))
                .read_text(encoding="utf-8").splitlines()]
    assert {(row["policy_a"], row["policy_b"], row["choice"]) for row in exported[-3:]} == {
        (v.policy_a, v.policy_b, v.choice) for v in mine}
    rows = list(csv.DictReader(path_of(client.predict(api_name="/dpo_leaderboard_export")).open(encoding="utf-8")))
    run_row = next(row for row in rows if row["policy_id"] == run_id)
    assert float(run_row["ci_low"]) <= float(run_row["strength"]) <= float(run_row["ci_high"])
    # 4. a room reset: the run stays on the board, labelled, and is no longer judged here
    client.predict("", api_name="/dpo_room_reset")
    assert "reset: no longer judged" in client.predict(api_name="/dpo_leaderboard")[1]
    store.close()


@pytest.mark.browser
def test_train_judge_six_pairs_and_read_the_leaderboard_in_english_and_japanese(page: Page, open_tab, console_errors,
                                                                                artifacts, app_url, client):
    try:
        judge_six_pairs_in_english_then_read_japanese(page, open_tab, console_errors, artifacts, app_url)
    finally:  # the server is shared by the session's tests: later ones start from the reference policy
        client.predict("", api_name="/dpo_room_reset")


def judge_six_pairs_in_english_then_read_japanese(page: Page, open_tab, console_errors, artifacts, app_url) -> None:
    open_tab("DPO")
    for slider, value in (("dpo-steps", "2"), ("dpo-batch", "1")):
        box = page.locator(f"#{slider} input[type=number]")
        box.fill(value)
        box.press("Enter")
    page.locator("#dpo-train-button").click()
    expect(page.locator("#dpo-train-status")).to_contain_text("Done: 2 steps", timeout=240_000)
    page.locator("#dpo-publish-button").click()  # judge mode judges the room's runs
    expect(page.locator("#dpo-publish-status")).to_contain_text("is now the room's policy", timeout=30_000)
    status = page.locator("#dpo-judge-status")
    for vote in range(6):
        page.locator("#dpo-judge-pair-button").click()
        expect(status).to_contain_text("Which answer is better?", timeout=120_000)
        # before the vote the section shows answers only: no side is named
        section = page.locator("#dpo-judge-prompt, #dpo-judge-answer-a, #dpo-judge-answer-b, #dpo-judge-status")
        assert not NAMES.search(" ".join(section.all_inner_texts()))
        page.locator("#dpo-judge-choice").get_by_label(("A is better", "B is better", "Tie")[vote % 3]).check()
        page.locator("#dpo-judge-vote-button").click()
        expect(status).to_contain_text(re.compile(r"Judge vote #\d+ saved"), timeout=30_000)
    sentences = page.locator("#dpo-board-sentences")
    expect(sentences).to_contain_text("beats the reference in", timeout=30_000)
    expect(sentences).to_contain_text("95 % CI")
    expect(page.locator("#dpo-board-table")).to_contain_text("provisional")
    expect(page.locator("#dpo-board-plot .js-plotly-plot")).to_be_visible()
    assert page.locator("#dpo-board-plot .js-plotly-plot .errorbar").count() >= 1  # the intervals are drawn
    page.locator("#dpo-section-judge").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "dpo-arena-en.png"), full_page=True)

    page.goto(app_url + "?lang=ja&tab=dpo&section=judge", wait_until="domcontentloaded")
    expect(page.locator("#dpo-board-sentences")).to_contain_text("参照モデルに勝っています", timeout=60_000)
    expect(page.locator("#dpo-board-sentences")).to_contain_text("95 % 信頼区間")
    expect(page.locator("#dpo-board-table")).to_contain_text("暫定")
    expect(page.locator("#dpo-board-plot .js-plotly-plot")).to_be_visible()
    page.screenshot(path=str(artifacts / "dpo-arena-ja.png"), full_page=True)
    assert not console_errors, console_errors
