"""The DPO tab in the real app: its API endpoints through gradio_client, and the loop in Chromium."""
from __future__ import annotations

import json
import pathlib
import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow


def test_pair_vote_export_over_the_api(client):
    with pytest.raises(Exception) as error:
        client.predict("a", "", api_name="/dpo_vote")  # no pair yet: a clear message, no traceback
    assert "pair" in str(error.value) and "Traceback" not in str(error.value)
    answer_a, answer_b, next_seed = client.predict("Say hello.", 8, 5, api_name="/dpo_pair")
    assert answer_a.strip() and answer_b.strip() and next_seed == 7
    for comment, message in (("x" * 501, "has 501 characters; the limit is 500"),  # the box's max_length, API too
                             ("a\x00b", "contains a control character at position 2")):
        with pytest.raises(Exception) as error:
            client.predict("b", comment, api_name="/dpo_vote")
        assert message in str(error.value) and "Traceback" not in str(error.value)
    counts = client.predict("b", "API vote", api_name="/dpo_vote")[-1]  # the refused votes left the pair in place
    assert re.search(r"you: 1\b", counts)
    exported = client.predict(False, api_name="/dpo_export")
    rows = [json.loads(line) for line in pathlib.Path(exported["path"] if isinstance(exported, dict) else exported)
            .read_text(encoding="utf-8").splitlines()]
    assert {"prompt": "Say hello.", "chosen": answer_b, "rejected": answer_a} in rows
    assert "removed" in client.predict(api_name="/dpo_undo")


def test_push_without_a_token_and_the_live_policy_over_the_api(client):
    with pytest.raises(Exception) as error:
        client.predict("user/votes", api_name="/dpo_push")  # the test server has no HF_TOKEN
    assert "HF_TOKEN" in str(error.value) and "Traceback" not in str(error.value)
    with pytest.raises(Exception) as error:
        client.predict("not a repo id", api_name="/dpo_push")
    assert "user/name" in str(error.value) and "not a repo id" in str(error.value)
    line, source = client.predict(api_name="/dpo_policy")
    assert "reference model" in line and source == "reference"
    assert "Votes stored" in client.predict(api_name="/dpo_counts")


def test_training_refuses_bad_settings_over_the_api(client):
    with pytest.raises(Exception) as error:
        client.predict("dpo_sft", "demo", 4, 4, 1.0, 0.1, True, api_name="/dpo_train")  # the config's range
    assert "Learning rate must be between 1e-06 and 0.01 (got 1" in str(error.value)
    assert "Traceback" not in str(error.value)
    with pytest.raises(Exception) as error:
        client.predict("dpo_sft", "demo", 10**6, 4, 2e-4, 0.1, True, api_name="/dpo_train")
    assert "Steps must be a whole number from 1 to 64" in str(error.value)  # the slider's own bound, by the guard


def test_a_bad_value_through_the_api_names_the_fields_japanese_label(app_url):
    from gradio_client import Client

    japanese = Client(app_url, verbose=False, download_files=False, headers={"Accept-Language": "ja"})
    try:  # a null objective is refused (it used to train plain DPO), by the field's Japanese label
        with pytest.raises(Exception, match="目的関数 は"):
            japanese.predict(None, "demo", 4, 2, 2e-4, 0.1, True, api_name="/dpo_train")
        with pytest.raises(Exception, match="学習率 は"):
            japanese.predict("dpo_sft", "demo", 4, 2, 0.5, 0.1, True, api_name="/dpo_train")
    finally:
        japanese.close()


def test_a_run_is_its_visitors_own_until_published_then_the_rooms(client, app_url):
    """Two sessions (issue 27, item 5): A's run answers A only; B's Generate, pairs and policy line keep the
    reference; A publishes; then B and a fresh session C get A's run; the room goes back to the reference."""
    import os

    from gradio_client import Client

    from playground.dpo.preferences import PreferenceStore

    store = PreferenceStore(os.environ["PLAYGROUND_PREFERENCES_DB"])  # the server's store
    visitor_b, visitor_c = Client(app_url, verbose=False), Client(app_url, verbose=False)
    try:
        client.predict("", api_name="/dpo_room_reset")  # whatever ran before on this server: the room's reference
        with pytest.raises(Exception) as error:
            client.predict("Say hi", 4, 0.0, "trained", api_name="/generate")
        assert "no trained DPO policy" in str(error.value) and "Traceback" not in str(error.value)
        client.predict("dpo_sft", "demo", 1, 1, 2e-4, 0.1, True, api_name="/dpo_train")  # the smallest run
        line, source = client.predict(api_name="/dpo_policy")
        run = re.search(r"your own run (\d+)", line).group(1)  # earlier tests may have trained: count on from theirs
        assert source == "trained" and "only you" in line and "1 steps" in line
        mine = client.predict("Say hi", 4, 0.0, "trained", api_name="/generate")
        assert mine.strip()
        # 1. B still has the reference everywhere
        line_b, source_b = visitor_b.predict(api_name="/dpo_policy")
        assert source_b == "reference" and "reference model" in line_b and f"run {run}" not in line_b
        for call in (lambda: visitor_b.predict("Say hi", 4, 0.0, "trained", api_name="/generate"),
                     lambda: visitor_b.predict("Say hello.", 8, 5, "trained", api_name="/dpo_pair")):
            with pytest.raises(Exception) as error:
                call()
            assert "no trained" in str(error.value)
        # 2. A publishes: B's trained policy and pairs are A's run, and a fresh session C is told so
        assert f"Run {run} is now the room's policy" in client.predict("", api_name="/dpo_publish")
        assert f"published run {run}" in visitor_b.predict(api_name="/dpo_policy")[0]
        assert visitor_b.predict("Say hi", 4, 0.0, "trained", api_name="/generate") == mine  # greedy: the same model
        visitor_b.predict("Say hello.", 8, 5, "trained", api_name="/dpo_pair")
        visitor_b.predict("a", "", api_name="/dpo_vote")
        vote = store.votes()[-1]
        assert vote.params["policy"] == "trained" and f"DPO run {run}" in vote.params["model_id"]
        visitor_b.predict(api_name="/dpo_undo")
        assert f"published run {run}" in visitor_c.predict(api_name="/dpo_policy")[0]
        # 3. discarding is personal (A has nothing of its own now), resetting the room is for everyone
        assert "no trained policy of your own" in client.predict(api_name="/dpo_reset")
        assert "back on the reference model" in client.predict("", api_name="/dpo_room_reset")
        assert visitor_c.predict(api_name="/dpo_policy")[1] == "reference"
    finally:
        client.predict("", api_name="/dpo_room_reset")
        visitor_b.close(), visitor_c.close()
        store.close()


@pytest.mark.browser
def test_vote_is_counted_and_training_updates_the_plots(page: Page, open_tab, console_errors, artifacts):
    open_tab("DPO")
    counts = page.locator("#dpo-counts")
    expect(counts).to_contain_text("Votes stored", timeout=30_000)
    before = int(re.search(r"you: (\d+)", counts.inner_text()).group(1))

    # 1. two answers appear (the seed moves on when both are complete)
    page.get_by_text("Generation settings").click()
    expect(page.locator("#dpo-seed input")).to_have_value("2", timeout=30_000)  # after the recorded pair (seed 0)
    page.locator("#dpo-pair-button").click()
    expect(page.locator("#dpo-seed input")).to_have_value("4", timeout=120_000)  # the live pair of seeds 2 and 3
    for side in ("a", "b"):
        expect(page.locator(f"#dpo-answer-{side} textarea")).not_to_have_value("")
    # 2. a vote increments the visible count
    page.locator("#dpo-choice").get_by_label("A is better").check()  # section 3 has its own vote
    page.locator("#dpo-vote-button").click()
    expect(counts).to_contain_text(f"you: {before + 1})", timeout=30_000)
    page.screenshot(path=str(artifacts / "dpo-voted.png"), full_page=True)

    # 3. a short training run starts and the plots update
    for slider, value in (("dpo-steps", "2"), ("dpo-batch", "2")):
        box = page.locator(f"#{slider} input[type=number]")
        box.fill(value)
        box.press("Enter")
    page.locator("#dpo-train-button").click()
    status = page.locator("#dpo-train-status")
    expect(status).to_contain_text("Step 1/2", timeout=180_000)
    expect(page.locator("#dpo-train-plot .js-plotly-plot")).to_be_visible()
    expect(page.locator("#dpo-live-policy")).to_contain_text("reference model")
    expect(status).to_contain_text("Done: 2 steps", timeout=180_000)
    expect(page.locator("#dpo-live-policy")).to_contain_text("only you", timeout=30_000)  # pairs now come from it
    expect(page.locator("#dpo-compare")).to_contain_text("What is the moon?")
    page.screenshot(path=str(artifacts / "dpo-trained.png"), full_page=True)
    page.locator("#dpo-reset").click()  # the reset is visible: the live policy line goes back
    expect(page.locator("#dpo-live-policy")).to_contain_text("reference model", timeout=30_000)
    assert not console_errors, console_errors
