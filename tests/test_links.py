"""The page's query string: `?lang=` wins over the browser's language, `?tab=` selects a tab.

The middleware is tested on a real Starlette app serving HTML (the shape of Gradio's page), the
whole thing in real Chromium against the real server (browser tests, marked slow).
"""
from __future__ import annotations

import re

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


SMALLEST_PLOT_TEXT = ("Math.min(99, ...[...document.querySelectorAll('.js-plotly-plot')].filter(plot => plot.offsetParent)"
                      ".flatMap(plot => [...plot.querySelectorAll('text')]).filter(t => t.textContent.trim()"
                      " && t.getBBox().width > 0).map(t => parseFloat(getComputedStyle(t).fontSize)))")


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_presenter_mode_fits_every_tab_to_a_1280x720_projector(page, app_url, artifacts, lang):
    """Explanations and the status line folded, nothing wider than the screen, every plot shorter than it,
    no plot text under 18 px."""
    from playwright.sync_api import expect

    import app

    page.set_viewport_size({"width": 1280, "height": 720})
    for tab in (app.tab_id(module) for module in app.TABS):
        page.goto(app_url + f"?lang={lang}&tab={tab}&present=1", wait_until="domcontentloaded")
        expect(page.locator(f"#tab-{tab}")).to_be_visible(timeout=60_000)
        expect(page.locator("#status-line")).to_be_hidden()
        assert page.locator(".lesson-notes").count() and not page.locator(".lesson-notes:visible").count()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280, f"{tab} scrolls sideways"
        if tab != "generate":  # the one tab without a plot: wait for the others' lessons to draw
            expect(page.locator(".js-plotly-plot:visible").first).to_be_visible(timeout=60_000)
        tallest = page.evaluate("Math.max(0, ...[...document.querySelectorAll('.js-plotly-plot')]"
                                ".filter(plot => plot.offsetParent).map(plot => plot.getBoundingClientRect().height))")
        assert tallest <= 720, f"a plot of {tab} is {tallest} px tall"
        if tab != "generate":  # room-readable: no text on a drawn plot under links.ROOM_FONT_PX
            page.wait_for_function(SMALLEST_PLOT_TEXT + f" >= {links.ROOM_FONT_PX}", timeout=20_000)
        page.screenshot(path=str(artifacts / f"present-{lang}-{tab}.png"))


def test_a_speculative_link_fills_its_preset_then_single_controls():
    from demos import speculative
    from playground.speculative.presets import PRESETS

    values = speculative.linked_controls({"preset": "summarise", "gamma": "3", "kind": "nonsense"})
    assert values[0] == PRESETS["summarise"].prompt and values[2] == 3
    assert values[1] == PRESETS["summarise"].draft_kind, "a bad kind in a link must leave the preset's"
    assert all(isinstance(value, dict) for value in speculative.linked_controls({"gamma": "0"}))
    assert speculative.linked_controls({"preset": "story", "prompt": "Why is the sky blue?"})[0] == "Why is the sky blue?"
    assert speculative.link_prompt(PRESETS["summarise"].prompt) == ("summarise", "")
    assert speculative.link_prompt("Why is the sky blue?") == ("", "Why is the sky blue?")


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
    link = page.locator("#speculative-link textarea, #speculative-link input")
    page.locator("#speculative-copy-link").click()
    expect(link).to_have_value(re.compile(r"tab=speculative&preset=summarise&kind=\w+&gamma=3"), timeout=10_000)
    page.locator("#speculative-prompt textarea").fill("Why is the sky blue?")  # no preset's prompt: the link carries it
    page.locator("#speculative-copy-link").click()
    expect(link).to_have_value(re.compile(r"tab=speculative&prompt=Why\+is\+the\+sky\+blue%3F&kind="), timeout=10_000)
    page.goto(link.input_value(), wait_until="domcontentloaded")
    expect(page.locator("#speculative-prompt textarea")).to_have_value("Why is the sky blue?", timeout=60_000)
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


def test_links_to_the_other_tabs_fill_their_controls_and_ignore_bad_values():
    from demos import ema, gan_vs_diffusion, paged_attention
    from demos.dpo import training
    from demos.math import tab as math_tab

    assert training.linked_controls({"mode": "dpo", "beta": "0.5", "steps": "8", "lora": "false"}) == {
        "mode": "dpo", "steps": 8, "beta": 0.5, "lora": False}  # by name; a link's other values stay
    assert ema.linked_controls({"step": "250", "decay": "0.9999", "schedule": "constant"})[:4] == [
        250, gr_skip(), 0.9999, "constant"]
    assert paged_attention.linked_controls({"model": "llama-3.1-70b", "context": "8192"}) == {  # by name; the
        "model": "llama-3.1-70b", "context": 8192, "gpu": "2x-h100-80gb", "dtype": "fp16"}  # server it fits on
    assert gan_vs_diffusion.linked_controls({"dataset": "ring8", "updates": "4000"}) == ["ring8", 4000, gr_skip(), gr_skip()]
    assert math_tab.linked_section({"section": "llm"})[1] == "llm"
    bad = [training.linked_controls({"mode": "ppo", "beta": "0", "steps": "1.5", "lora": "yes"}),
           ema.linked_controls({"step": "7", "decay": "1.5", "dataset": "mnist", "schedule": "x", "cosine": "1"}),
           paged_attention.linked_controls({"model": "gpt-5", "gpu": "tpu", "dtype": "int3", "context": "0",
                                            "average": "x"}),
           gan_vs_diffusion.linked_controls({"dataset": "nope", "updates": "99999", "seed": "-1", "loss": "l2"}),
           math_tab.linked_section({"section": "nine"})]
    assert all(value == gr_skip() for values in bad for value in values), bad


def gr_skip():
    import gradio as gr

    return gr.skip()


LINKED_VIEWS = [  # (link, {selector: value the control shows}, {selector: text the view shows}, section in view)
    pytest.param("?tab=dpo&section=train&mode=dpo&steps=8&beta=0.5&lora=false",
                 {"#dpo-steps input[type=number]": "8", "#dpo-beta input[type=number]": "0.5"},
                 {"#dpo-train-status": "Recorded run"}, "#dpo-section-train", id="dpo"),
    # (no `step=` here: sampling another shipped checkpoint costs seconds of CPU; the unit test above reads it)
    pytest.param("?tab=ema&section=live&decay=0.9999&schedule=constant&cosine=true",
                 {"#ema-decay input[type=number]": "0.9999", "#ema-schedule input[value=constant]": "constant"},
                 {"#ema-metrics": "Recorded run"}, "#ema-section-live", id="ema"),
    pytest.param("?tab=paged_attention&section=live&model=llama-3.1-70b&gpu=h100-80gb&dtype=fp8&context=8192",
                 {"#paged-model input": "llama-3.1-70b", "#paged-gpu input": "h100-80gb",
                  "#paged-context input": "8192"}, {"#paged-calc": "requests of 8,192 tokens"},
                 "#paged-section-live", id="paged_attention"),
    pytest.param("?tab=gan_vs_diffusion&dataset=ring8&updates=4000&seed=3",
                 {"#gan-dataset input": "ring8", "#gan-budget input[type=number]": "4000", "#gan-seed input": "3"},
                 {"#gan-metrics": "(of 8)"}, None, id="gan_vs_diffusion"),
    pytest.param("?tab=gan_vs_diffusion&dataset=nope&updates=99999",  # bad values: the tab still opens, defaults stay
                 {"#gan-dataset input": "grid25", "#gan-budget input[type=number]": "3000"},
                 {"#gan-metrics": "(of 25)"}, None, id="bad-values"),
]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("link, controls, shown, section", LINKED_VIEWS)
def test_a_deep_link_opens_its_tab_with_its_controls_and_view(page, app_url, link, controls, shown, section):
    from playwright.sync_api import expect

    tab = link.split("tab=")[1].split("&")[0]
    page.goto(app_url + link, wait_until="domcontentloaded")
    page.wait_for_selector("#main-tabs", timeout=60_000)
    expect(page.locator(f"#tab-{tab}")).to_be_visible(timeout=20_000)
    for selector, value in controls.items():
        expect(page.locator(selector).first).to_have_value(value, timeout=20_000)
    for selector, value in shown.items():
        expect(page.locator(selector)).to_contain_text(value, timeout=20_000)
    if section:
        expect(page.locator(section)).to_be_in_viewport(timeout=10_000)


@pytest.mark.browser
@pytest.mark.slow
def test_copy_link_carries_the_section_of_dpo_and_math(page, app_url):
    import re

    from playwright.sync_api import expect

    page.goto(app_url + "?tab=dpo&beta=0.3", wait_until="domcontentloaded")
    page.wait_for_selector("#main-tabs", timeout=60_000)
    expect(page.locator("#dpo-beta input[type=number]")).to_have_value("0.3", timeout=20_000)
    page.locator("#dpo-copy-link").click()
    expect(page.locator("#dpo-link textarea, #dpo-link input").first).to_have_value(
        re.compile(r"tab=dpo&section=train&mode=dpo_sft&source=demo&steps=16&beta=0.3&lora=true$"), timeout=10_000)
    page.get_by_role("tab", name="Math", exact=True).click()
    page.locator("#curves-sections").get_by_role("tab", name="6. Binary").click()
    page.locator("#math-copy-link").click()
    expect(page.locator("#math-link textarea, #math-link input").first).to_have_value(
        re.compile(r"tab=math&section=binary$"), timeout=10_000)


def test_every_link_in_the_presenters_guide_opens_a_real_tab_section_and_values():
    """docs/present.md is read aloud on stage: a renamed tab, section or preset must fail here, not there."""
    import pathlib
    import re
    from urllib.parse import parse_qs

    import app
    from demos import dpo, ema, gan_vs_diffusion, paged_attention, speculative
    from demos.dpo import training
    from demos.math import tab as math_tab
    from demos.penalties import tab as penalties_tab

    guide = (pathlib.Path(__file__).parents[1] / "docs" / "present.md").read_text(encoding="utf-8")
    queries = re.findall(r"HOST/\?([^`\s)]+)", guide)
    assert len(queries) >= 20
    tabs = {app.tab_id(tab) for tab in app.TABS}
    sections = {"ema": ema.SECTIONS, "dpo": dpo.SECTIONS, "paged_attention": paged_attention.SECTIONS,
                "math": math_tab.SECTIONS}
    linkers = {"penalties": penalties_tab.linked_controls, "speculative": speculative.linked_controls,
               "ema": ema.linked_controls, "dpo": training.linked_controls,
               "paged_attention": paged_attention.linked_controls, "gan_vs_diffusion": gan_vs_diffusion.linked_controls}
    for query in queries:
        params = {name: values[-1] for name, values in parse_qs(query, strict_parsing=True).items()}
        tab = params.pop("tab")
        assert tab in tabs, query
        assert params.pop("lang", "en") in common.LANGUAGES and params.pop("present", "1") == "1", query
        if "section" in params:
            assert params.pop("section") in sections[tab], query
        for name, value in params.items():  # each control the link fills is one its tab reads and accepts
            assert any(v != gr_skip() for v in linkers[tab]({name: value})), (query, name)
