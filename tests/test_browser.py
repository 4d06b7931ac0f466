"""Real Chromium: every tab opens without JavaScript errors, and the Generate tab streams."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from demos.math.tab import SECTIONS

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
    """The tab opens on the recorded answer, labelled; Generate replaces it with a live one, labelled live."""
    open_tab()
    page.get_by_role("tab", name="Generate").click()
    expect(page.locator("#generate-note")).to_contain_text("Recorded run", timeout=30_000)
    expect(page.locator("#generate-output textarea")).to_have_value(__import__("re").compile("ocean"))
    page.locator("#generate-prompt textarea").fill("What is the capital of France?")
    page.locator("#generate-button").click()
    expect(page.locator("#generate-output textarea")).to_have_value(
        __import__("re").compile("Paris"), timeout=60_000)
    expect(page.locator("#generate-note")).to_contain_text("Live answer from this server.")
    page.screenshot(path=str(artifacts / "generate-answer.png"), full_page=True)
    assert not console_errors, console_errors


@pytest.mark.browser_context_args(locale="ja-JP")
def test_japanese_locale_translates_the_shell(page: Page, open_tab, artifacts):
    open_tab()
    expect(page.get_by_role("tab", name="生成")).to_be_visible()
    expect(page.locator("body")).to_contain_text("DL プレイグラウンド")
    page.screenshot(path=str(artifacts / "shell-ja.png"), full_page=True)


# the outputs each tab must show on first open (issue 16: a lesson on screen at first sight), by elem_id
FIRST_OUTPUTS = {
    "generate": ["generate-output", "generate-note"],
    "penalties": ["penalties-plain", "penalties-penalised", "penalties-metrics", "penalties-lesson-note"],
    "speculative": ["speculative-plain", "speculative-spec", "speculative-stats"],
    "ema": ["ema-shipped-metrics", "ema-metrics"],
    "dpo": ["dpo-answer-a", "dpo-answer-b", "dpo-train-status", "dpo-compare"],
    "paged_attention": ["paged-calc", "paged-vllm", "paged-race-table", "paged-live-table"],
    "gan_vs_diffusion": ["gan-metrics", "gan-status"],
    "math": [f"curves-numbers-{number}" for number in range(1, 9)],
}
# the drawn height: Plotly's responsive resize deletes `layout.height` when a figure sets no width, and draws
# 450 px (its default) for a figure that set no height, so 450 means "no explicit height" (ours never use 450)
PLOT_HAS_DATA = """(id) => { const plot = document.querySelector(`#${id} .js-plotly-plot`);
  return !!plot && plot._fullLayout && plot._fullLayout.height !== 450
    && (plot._fullData || []).some(trace => ['x', 'y', 'z', 'values'].some(key => trace[key] && trace[key].length > 0)); }"""
SHOWS_TEXT = """(id) => { const block = document.getElementById(id); if (!block) return false;
  const field = block.querySelector('textarea'); return ((field ? field.value : block.innerText) || '').trim() !== ''; }"""


def test_no_tab_opens_on_an_empty_plot_or_output(page: Page, app_url, open_tab, console_errors):
    """Every plot of every tab and Math sub-tab has a trace with data and an explicit height; the main outputs
    are filled; nothing was clicked but the tabs."""
    import httpx

    config = httpx.get(app_url + "config", timeout=10).json()
    plots = {block["props"]["elem_id"] for block in config["components"] if block["type"] == "plot"}
    assert len(plots) >= 30, plots
    open_tab()
    checked: set[str] = set()

    def shown(script: str, block: str, timeout_ms: int) -> None:
        try:
            page.wait_for_function(script, arg=block, timeout=timeout_ms)
        except PlaywrightTimeout:
            pytest.fail(f"#{block} is still empty after {timeout_ms / 1000:g} s")
        checked.add(block)

    def check_view(outputs: list[str]) -> None:
        for plot in sorted(plots - checked):
            if page.locator(f"#{plot}").is_visible():
                shown(PLOT_HAS_DATA, plot, 60_000)  # Math's model plot may wait for the model to load
        for output in outputs:  # this view's own outputs: an empty one has no size, so is not "visible" yet
            shown(SHOWS_TEXT, output, 30_000)

    for tab, outputs in FIRST_OUTPUTS.items():
        page.locator(f"#tab-{tab}-button").click()  # Gradio names a tab's button after the tab's elem_id
        expect(page.locator(f"#tab-{tab}")).to_be_visible()
        for number, section in enumerate(SECTIONS if tab == "math" else [None], 1):
            if section:
                page.locator(f"#curves-tab-{section}-button").click()
                expect(page.locator(f"#curves-tab-{section}")).to_be_visible()
            check_view([outputs[number - 1]] if section else outputs)
    expect(page.locator("#ema-live-images img").first).to_be_attached()  # the recorded run's pair of pictures
    missing = (plots - {"penalties-engine-plot"}) | {output for outputs in FIRST_OUTPUTS.values() for output in outputs}
    assert not missing - checked, f"never seen on screen: {sorted(missing - checked)}"
    assert not console_errors, console_errors
