"""The Speculative decoding tab in the real app: gradio_client API and Chromium."""
from __future__ import annotations

import re

import pytest
from gradio_client import Client
from playwright.sync_api import Page, expect

from playground.speculative.presets import PRESETS

pytestmark = pytest.mark.slow
TARGET = "HuggingFaceTB/SmolLM2-135M-Instruct"


def compare(client, prompt=PRESETS["copy"].prompt, kind="prompt_lookup", gamma=10, layers=8,
            sampled=False, max_tokens=24, adaptive=True):
    return client.predict(prompt, TARGET, kind, gamma, layers, sampled, 0.7, max_tokens, 0, adaptive,
                          api_name="/speculative_compare")


def test_compare_returns_identical_texts_timings_and_acceptance(client):
    plain_text, spec_html, stats, _, _, summary = compare(client)
    assert summary["identical"] is True
    assert summary["plain_text"] == summary["speculative_text"] == plain_text
    assert "lighthouse" in plain_text
    assert summary["plain_s"] > 0 and summary["speculative_s"] > 0
    rates = summary["speculative_tokens_per_s"] / summary["plain_tokens_per_s"]
    assert summary["speedup"] == pytest.approx(rates, rel=0.01)  # a ratio of tokens/s
    assert 0 < summary["acceptance_rate"] <= 1
    assert summary["target_passes_speculative"] < summary["target_passes_plain"] == 24
    assert "spec-draft" in spec_html and "Speedup" in stats


@pytest.mark.parametrize("change, message", [
    (dict(gamma=0), "Draft length γ must be a whole number from 1 to 16"), (dict(gamma=2.5), "whole number"),
    (dict(prompt=""), "empty"),
    (dict(kind="draft_model"), "draft model"),
    (dict(kind="early_exit", layers=29, max_tokens=600), "Max new tokens must be a whole number from 1 to 512"),
], ids=["gamma-0", "gamma-fraction", "empty-prompt", "draft-model-without-pair", "max-tokens-600"])
def test_bad_input_is_a_clear_error(client, change, message):
    with pytest.raises(Exception) as error:
        compare(client, **change)
    assert "Traceback" not in str(error.value) and message in str(error.value)


def test_a_japanese_api_client_is_told_the_field_by_its_japanese_label(app_url):
    """A value the guard lets through (a kind the page offers) that the config and the draft refuse, said in
    Japanese and naming the field as the Japanese page labels it."""
    japanese = Client(app_url, verbose=False, download_files=False, headers={"Accept-Language": "ja"})
    with pytest.raises(Exception) as error:
        japanese.predict(prompt="   ", target_id=TARGET, api_name="/speculative_compare")
    assert "プロンプト が空です" in str(error.value)
    with pytest.raises(Exception) as error:
        compare(japanese, kind="draft_model")
    assert "ドラフト: ドラフトモデル方式には" in str(error.value) and "Traceback" not in str(error.value)


@pytest.mark.browser
def test_tab_compares_and_colours_tokens(page: Page, open_tab, console_errors, artifacts):
    open_tab("Speculative decoding")
    page.locator("#speculative-max-tokens input[type=number]").fill("32")
    page.locator("#speculative-max-tokens input[type=number]").press("Enter")
    page.locator("#speculative-button").click()
    # the tab opens on the recorded 128-token run: wait for the live one's 32 plain passes
    expect(page.locator("#speculative-stats")).to_contain_text(re.compile(r"Target forward passes\s+32\s"),
                                                               timeout=120_000)
    expect(page.locator("#speculative-stats")).to_contain_text("Speedup")
    expect(page.locator("#speculative-plain textarea")).to_have_value(re.compile("lighthouse"))
    expect(page.locator("#speculative-spec .spec-draft").first).to_be_visible()
    expect(page.locator("#speculative-stats")).to_contain_text("yes")
    page.screenshot(path=str(artifacts / "speculative-compare.png"), full_page=True)
    expect(page.locator("#speculative-theory")).to_contain_text("Expected speedup")
    assert not console_errors, console_errors
