"""GANs-to-diffusion tab: the shipped race, the API through the real server, two visitors at once, Chromium."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from demos import gan_vs_diffusion as tab
from playground.gan_vs_diffusion.race import RaceSnapshot

JAPANESE = SimpleNamespace(headers={"accept-language": "ja-JP,ja;q=0.9"})
# a short race through the API: dataset, budget, seed, drawn points, GAN loss, spectral norm, pack,
# D steps, z dim, diffusion T, EMA decay (the slider's minimum budget is 10 s: shorter calls are refused)
RACE = ["ring8", 10, 1, "", "non_saturating", False, 1, 1, 2, 20, 0.99]


def test_text_is_bilingual_prefixed_and_the_recorded_run_opens_in_both_languages():
    assert set(tab.TEXT["en"]) == set(tab.TEXT["ja"])
    assert all(key.startswith("gan_vs_diffusion_") for key in tab.TEXT["en"])
    english, japanese = tab.recorded(None), tab.recorded(JAPANESE)
    assert "Recorded run" in english[-1] and "記録済み" in japanese[-1]
    assert english[2].layout.xaxis.title.text != japanese[2].layout.xaxis.title.text
    assert all(figure.layout.height for figure in english[:5])


def test_shipped_races_are_small_finished_and_record_where_they_were_run():
    for path in sorted(tab.ASSETS.glob("*.json")):
        assert path.stat().st_size < 400_000, path
        record = json.loads(path.read_text())
        snapshot = RaceSnapshot.from_dict(record["snapshot"])
        assert snapshot.done and record["date"] and snapshot.machine
        assert snapshot.gan.cpu_seconds >= snapshot.budget_s and snapshot.diffusion.cpu_seconds >= snapshot.budget_s
        assert len(snapshot.gan.curve) == len(snapshot.diffusion.curve) >= 5


def test_drawn_points_parse_from_lines_or_json_and_bad_rows_name_the_field():
    assert tab.parse_points("0, 0\n1;2\n") == ((0.0, 0.0), (1.0, 2.0))
    assert tab.parse_points("[[0, 1], [2, 3]]") == ((0.0, 1.0), (2.0, 3.0))
    assert tab.parse_points("  ") is None
    with pytest.raises(ValueError, match="drawn points"):
        tab.parse_points("1 2 3")


# ------------------------------------------------------------------ the running app
@pytest.mark.slow
def test_gan_race_streams_snapshots_refuses_bad_input_and_two_visitors_get_their_own_runs(app_url, client):
    from gradio_client import Client

    def run(seed: int) -> list:
        own = Client(app_url, verbose=False, download_files=False)
        try:
            job = own.submit(*RACE[:2], seed, *RACE[3:], api_name="/gan_race")
            return [*job] or [job.result()]
        finally:
            own.close()

    with ThreadPoolExecutor(max_workers=2) as pool:  # two visitors racing at once
        first, second = pool.map(run, [1, 2])
    for updates in (first, second):
        assert len(updates) >= 2 and "Finished" in updates[-1][-1]
        assert "modes covered (of 8)" in updates[-1][5]
    assert first[-1][5] != second[-1][5]  # different seeds: different tables, none mixed into the other
    for bad, field in ((["ring8", 0], "budget"), (["ring8", 1e6], "budget"),
                       (["drawn", 10, 0, ""], "drawn points"), (["drawn", 10, 0, "0, 0\nnan, 1"], "not finite")):
        args = bad + RACE[len(bad):]
        with pytest.raises(Exception) as error:
            client.predict(*args, api_name="/gan_race")
        message = str(error.value)
        assert (field in message or "minimum" in message or "maximum" in message) and "Traceback" not in message


def check_recorded_race_on_screen(page, open_tab, console_errors, artifacts, tab_name: str, expected: str,
                                  lang: str) -> None:
    from playwright.sync_api import expect

    open_tab(tab_name)
    expect(page.locator("#gan-status")).to_contain_text(expected, timeout=60_000)
    for plot in ("scatter", "trajectory", "coverage", "histogram", "cost"):
        expect(page.locator(f"#gan-{plot} .js-plotly-plot")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / f"gan-vs-diffusion-{lang}.png"), full_page=True)
    assert not console_errors, console_errors


@pytest.mark.slow
@pytest.mark.browser
def test_tab_opens_on_the_recorded_race_in_english(page, open_tab, console_errors, artifacts):
    check_recorded_race_on_screen(page, open_tab, console_errors, artifacts, "GANs to diffusion", "Recorded run", "en")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.browser_context_args(locale="ja-JP")
def test_tab_opens_on_the_recorded_race_in_japanese(page, open_tab, console_errors, artifacts):
    check_recorded_race_on_screen(page, open_tab, console_errors, artifacts, "GAN から拡散モデルへ", "記録済み", "ja")
