"""Real Chromium: every tab opens without JavaScript errors, and the Generate tab streams."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_every_tab_opens_cleanly(page: Page, open_tab, console_errors, artifacts):
    open_tab()
    expect(page.locator("#status-line")).to_contain_text("device:")
    tabs = page.get_by_role("tab")
    names = [tabs.nth(i).inner_text() for i in range(tabs.count())]
    assert names, "no tabs found"
    for index, name in enumerate(names):
        page.get_by_role("tab", name=name).click()
        expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / f"tab-{index}-{name.split()[0].lower()}.png"), full_page=True)
    assert not console_errors, console_errors


def test_generate_tab_streams_an_answer(page: Page, open_tab, console_errors, artifacts):
    open_tab()
    page.get_by_role("tab", name="Generate").click()
    page.locator("#generate-prompt textarea").fill("What is the capital of France?")
    page.locator("#generate-button").click()
    expect(page.locator("#generate-output textarea")).to_have_value(
        __import__("re").compile("Paris"), timeout=60_000)
    page.screenshot(path=str(artifacts / "generate-answer.png"), full_page=True)
    assert not console_errors, console_errors


@pytest.mark.browser_context_args(locale="ja-JP")
def test_japanese_locale_translates_the_shell(page: Page, open_tab, artifacts):
    open_tab()
    expect(page.get_by_role("tab", name="生成")).to_be_visible()
    expect(page.locator("body")).to_contain_text("DL プレイグラウンド")
    page.screenshot(path=str(artifacts / "shell-ja.png"), full_page=True)
