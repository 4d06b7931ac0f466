"""The page's query string: `?lang=` wins over the browser's language, `?tab=` selects a tab.

The middleware is tested on a real Starlette app serving HTML (the shape of Gradio's page), the
whole thing in real Chromium against the real server (browser tests, marked slow).
"""
from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from demos import common, links

PAGE = "<!doctype html><html><head><title>x</title></head><body>page</body></html>"


@pytest.fixture(scope="module")
def server() -> TestClient:
    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(PAGE)),
                            Route("/config", lambda request: JSONResponse({"lang": "<head>"}))],
                    middleware=[Middleware(links.LanguageFromQuery)])
    return TestClient(app)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_the_page_reports_the_chosen_language_before_anything_else(server, lang):
    response = server.get(f"/?tab=math&lang={lang}")
    assert response.status_code == 200
    script = links.language_script(lang).decode()
    assert response.text.startswith("<!doctype html><html><head>" + script + "<title>")
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize("query", ["", "?lang=fr", "?tab=math"])
def test_without_a_language_of_ours_the_page_is_untouched(server, query):
    assert server.get("/" + query).text == PAGE


def test_only_the_page_is_rewritten(server):
    assert server.get("/config?lang=ja").json() == {"lang": "<head>"}


class FakeRequest:
    def __init__(self, query: dict[str, str], accept: str = "en-US") -> None:
        self.query_params, self.headers = query, {"accept-language": accept}


@pytest.mark.parametrize("query, accept, expected", [({"lang": "ja"}, "en-US", "ja"), ({"lang": "en"}, "ja-JP", "en"),
                                                     ({"lang": "de"}, "ja-JP", "ja"), ({}, "en-US", "en")])
def test_query_language_wins_over_the_browser(query, accept, expected):
    assert common.lang_of(FakeRequest(query, accept)) == expected


def test_the_switch_keeps_the_other_parameters_and_escapes_them():
    switch = links.language_links(FakeRequest({"tab": "math", "x": '"><script>'}))
    assert 'href="?tab=math&amp;x=%22%3E%3Cscript%3E&amp;lang=ja"' in switch
    assert "<b>English</b>" in switch and "<script>" not in switch


def test_an_unknown_tab_leaves_the_first_one():
    import gradio as gr

    assert links.selected_tab(FakeRequest({"tab": "nope"}), ["generate", "math"]) is not None
    chosen = links.selected_tab(FakeRequest({"tab": "Math"}), ["generate", "math"])
    assert isinstance(chosen, gr.Tabs) and chosen.selected == "math"
    assert not isinstance(links.selected_tab(FakeRequest({"tab": "nope"}), ["generate", "math"]), gr.Tabs)


@pytest.mark.browser
@pytest.mark.slow
def test_a_link_opens_its_tab_in_its_language_in_presenter_mode(page, app_url, artifacts):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(app_url + "?lang=ja&tab=math&present=1", wait_until="domcontentloaded")
    page.wait_for_selector("#main-tabs", timeout=60_000)
    expect(page.get_by_role("tab", name="数学")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#language-switch")).to_contain_text("English")
    assert page.evaluate("document.documentElement.classList.contains('present')")
    page.screenshot(path=str(artifacts / "link-ja-math-present.png"))
    page.locator("#language-switch a").click()
    expect(page.get_by_role("tab", name="Math")).to_have_attribute("aria-selected", "true")


def test_a_speculative_link_fills_its_preset_then_single_controls():
    from demos import speculative
    from playground.speculative.presets import PRESETS

    values = speculative.linked_controls({"preset": "summarise", "gamma": "3", "kind": "nonsense"})
    assert values[0] == PRESETS["summarise"].prompt and values[2] == 3
    assert values[1] == PRESETS["summarise"].draft_kind, "a bad kind in a link must leave the preset's"
    assert all(isinstance(value, dict) for value in speculative.linked_controls({"gamma": "0"}))


def test_a_penalties_link_fills_its_example():
    from demos.penalties import tab

    assert tab.linked_controls({"example": "2", "presence": "1.5"}) == [*tab.EXAMPLES[1][:3], 1.5, tab.EXAMPLES[1][4]]
    assert all(isinstance(value, dict) for value in tab.linked_controls({"example": "99", "repetition": "0"}))


@pytest.mark.browser
@pytest.mark.slow
def test_deep_links_fill_the_controls_and_copy_link_makes_one(page, app_url):
    from playwright.sync_api import expect

    from playground.speculative.presets import PRESETS

    page.goto(app_url + "?tab=speculative&preset=summarise&gamma=3", wait_until="domcontentloaded")
    page.wait_for_selector("#main-tabs", timeout=60_000)
    expect(page.locator("#speculative-prompt textarea")).to_have_value(PRESETS["summarise"].prompt, timeout=20_000)
    expect(page.locator("#speculative-gamma input[type=number]")).to_have_value("3")
    page.locator("#speculative-copy-link").click()
    expect(page.locator("#speculative-link textarea, #speculative-link input")).to_have_value(
        __import__("re").compile(r"tab=speculative.*gamma=3"), timeout=10_000)
    page.goto(app_url + "?tab=penalties&example=2", wait_until="domcontentloaded")
    page.wait_for_selector("#main-tabs", timeout=60_000)
    expect(page.get_by_role("tab", name="Penalties", exact=False).first).to_have_attribute("aria-selected", "true")
    expect(page.locator("#penalties-frequency input[type=number]")).to_have_value("0.8", timeout=20_000)


@pytest.mark.browser
@pytest.mark.slow
def test_a_math_link_opens_its_section(page, app_url):
    from playwright.sync_api import expect

    page.goto(app_url + "?tab=math&section=binary", wait_until="domcontentloaded")
    page.wait_for_selector("#main-tabs", timeout=60_000)
    expect(page.locator("#curves-section-6")).to_be_visible(timeout=20_000)  # section 6 of 8: binary
    expect(page.locator("#curves-binary-plot .js-plotly-plot")).to_be_visible(timeout=20_000)
    expect(page.locator("#curves-section-1")).to_be_hidden()
