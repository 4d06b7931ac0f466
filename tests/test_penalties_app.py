"""Penalties tab: the real app through gradio_client, and in Chromium."""
from __future__ import annotations

import html
import re

import pytest
from gradio_client import Client
from playwright.sync_api import Page, expect

from playground.core.text_metrics import highlight_repeats, text_metrics

POEM = "Write a short poem about the ocean."


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_model_text_is_escaped_and_repeats_are_marked():
    fragment = highlight_repeats("<script>x</script> one two three four one two three four")
    assert "<script>" not in fragment and "&lt;script&gt;" in fragment
    assert fragment.endswith("<mark>one two three four</mark>")
    assert text_metrics("one two three four one two three four", 8, False).repeated_ngram_rate == 1 / 5  # 5 four-grams, the last repeats the first  # noqa: E501


@pytest.mark.slow
def test_repetition_penalty_lowers_repeats_on_the_poem(client):
    plain, penalised, metrics, *_ = client.predict(
        POEM, 1.3, 0.0, 0.0, "vllm", 64, 0.0, 1.0, 0, 64, api_name="/penalties_generate")
    rows = {row[0]: row[1:] for row in metrics["data"]}
    rate_without, rate_with = rows["repeated 4-gram rate"]
    # the greedy 135M model loops on this prompt; r = 1.3 breaks the loop
    assert rate_without > 0.1
    assert rate_with < rate_without
    assert plain_text(plain).strip() and plain_text(penalised).strip()
    assert plain_text(plain) != plain_text(penalised)


@pytest.mark.slow
def test_hf_convention_refuses_additive_penalties_clearly(client):
    with pytest.raises(Exception) as error:
        client.predict(POEM, 1.3, 0.0, 0.5, "hf", 64, 0.0, 1.0, 0, 8, api_name="/penalties_generate")
    assert "no frequency or presence" in str(error.value) and "Traceback" not in str(error.value)


def test_a_japanese_api_client_is_told_the_field_by_its_japanese_label(app_url):
    """Values the guard lets through (each allowed alone) that the run's config refuses, said in Japanese,
    naming the field as the Japanese page labels it."""
    japanese = Client(app_url, verbose=False, download_files=False, headers={"Accept-Language": "ja"})
    with pytest.raises(Exception) as error:
        japanese.predict(POEM, 1.3, 0.0, 0.5, "hf", 64, 0.0, 1.0, 0, 8, api_name="/penalties_generate")
    assert "流儀（どのトークンを数えるか）: hf の流儀には" in str(error.value)
    with pytest.raises(Exception) as error:
        japanese.predict(" ", "presence_penalty", 3, "vllm", 64, 0.0, 1.0, 0, 12, api_name="/penalties_sweep")
    assert "プロンプト が空です" in str(error.value) and "Traceback" not in str(error.value)


@pytest.mark.slow
def test_sweep_returns_one_point_per_value(client):
    figure = client.predict(POEM, "presence_penalty", 3, "vllm", 64, 0.0, 1.0, 0, 12,
                            api_name="/penalties_sweep")
    plot = figure["plot"] if isinstance(figure, dict) else figure
    assert '"x":[-1.0,0.5,2.0]' in str(plot).replace(" ", "")


@pytest.mark.slow
@pytest.mark.browser
def test_tab_generates_both_outputs_and_the_step_chart(page: Page, open_tab, console_errors, artifacts):
    open_tab("Sampling penalties")
    page.locator("#penalties-repetition input[type=number]").fill("1.5")
    page.locator("#penalties-repetition input[type=number]").press("Enter")
    page.locator("#penalties-max-tokens input[type=number]").fill("32")
    page.locator("#penalties-max-tokens input[type=number]").press("Enter")
    page.locator("#penalties-button").click()
    # the tab opens on the recorded 64-token pair: wait for the live 32-token one (steps 0..31)
    expect(page.locator("#penalties-step input[type=range]")).to_have_attribute("max", "31", timeout=120_000)
    expect(page.locator("#penalties-step-plot .js-plotly-plot")).to_be_visible(timeout=120_000)
    expect(page.locator("#penalties-plain")).to_contain_text("ocean", timeout=5_000)
    expect(page.locator("#penalties-penalised")).not_to_be_empty()
    expect(page.locator("#penalties-metrics")).to_contain_text("distinct-2")
    page.screenshot(path=str(artifacts / "penalties-tab.png"), full_page=True)
    assert not console_errors, console_errors


def test_text_table_has_no_silently_overwritten_keys():
    """A dict literal keeps the last of two equal keys: a label would vanish without an error."""
    import ast
    import pathlib

    source = pathlib.Path(__file__).parents[1] / "demos" / "penalties" / "text.py"
    tables = [node for node in ast.walk(ast.parse(source.read_text()))
              if isinstance(node, ast.Dict) and node.keys and all(
                  isinstance(k, ast.Constant) and str(k.value).startswith("penalties_") for k in node.keys)]
    assert len(tables) == 2  # English and Japanese
    for table in tables:
        keys = [k.value for k in table.keys]
        assert len(keys) == len(set(keys)), sorted(k for k in keys if keys.count(k) > 1)
