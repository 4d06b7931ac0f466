"""GANs-to-diffusion tab: the shipped race, the API through the real server, two visitors at once, Chromium."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import gradio as gr
import numpy as np
import pytest
from conftest import plots_shown_then_screenshot
from playwright.sync_api import expect

from demos import gan_vs_diffusion as tab
from playground.gan_vs_diffusion.race import RaceConfig, RaceSnapshot

JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})
# a short race through the API: dataset, GAN updates, seed, drawn points, GAN loss, spectral norm, pack,
# D steps, z dim, diffusion T, EMA decay (the slider's minimum is 500 updates: shorter calls are refused)
RACE = ["ring8", 500, 1, "", "non_saturating", False, 1, 1, 2, 20, 0.99]


def test_text_is_bilingual_prefixed_and_the_recorded_run_opens_in_both_languages():
    assert set(tab.TEXT["en"]) == set(tab.TEXT["ja"])
    assert all(key.startswith("gan_vs_diffusion_") for key in tab.TEXT["en"])
    view = tab.RaceView(*(gr.Plot() for _ in range(5)), gr.Markdown(), gr.Markdown())
    english, japanese = view.recorded(), view.recorded(request=JAPANESE)
    assert list(english) == view.outputs()  # one value per output, by component
    assert "Recorded run" in english[view.status] and "記録済み" in japanese[view.status]
    assert english[view.coverage].layout.xaxis.title.text != japanese[view.coverage].layout.xaxis.title.text
    assert all(english[plot].layout.height for plot in view.outputs()[:5])
    assert "(of 8)" in view.recorded("ring8")[view.metrics] and "(of 25)" in view.recorded("spiral")[view.metrics], \
        "a link's dataset opens on its recorded race; one without a recording on the default's"


def test_shipped_races_are_small_finished_and_record_where_they_were_run():
    for path in sorted(tab.ASSETS.glob("*.json")):
        assert path.stat().st_size < 400_000, path
        record = json.loads(path.read_text())
        snapshot = RaceSnapshot.from_dict(record["snapshot"])
        assert snapshot.done and record["date"] and snapshot.machine
        assert snapshot.gan.steps == snapshot.gan.budget == snapshot.gan_updates == RaceConfig.gan_updates
        assert snapshot.diffusion.steps == snapshot.diffusion.budget > snapshot.gan.steps  # the cheaper update
        assert len(snapshot.gan.curve) == len(snapshot.diffusion.curve) >= 5


def test_an_uploaded_csv_fills_the_points_box_and_bad_files_are_said_in_the_readers_language(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("x,y\n-1,0\n1,0\n0,1.5\n")
    assert tab.load_csv(str(good)) == "-1, 0\n1, 0\n0, 1.5"
    huge = tmp_path / "huge.csv"
    huge.write_text("0.5,0.5\n" * 1_000_000)  # a million points: refused after reading 202 lines
    with pytest.raises(gr.Error, match="too many"):
        tab.load_csv(str(huge))
    nan = tmp_path / "nan.csv"
    nan.write_text("0,0\nnan,1\n")
    with pytest.raises(gr.Error, match="2 行目") as error:  # the engine's InputError, said in Japanese
        tab.load_csv(str(nan), JAPANESE)
    assert "NaN" in error.value.message
    binary = tmp_path / "picture.csv"
    binary.write_bytes(bytes(range(128, 256)))
    with pytest.raises(gr.Error) as error:
        tab.load_csv(str(binary), JAPANESE)
    assert error.value.message.startswith(tab.TEXT["ja"]["gan_vs_diffusion_upload"] + ": ファイル \"picture.csv\" は UTF-8")
    assert "Error" not in error.value.message  # no exception names
    assert tab.load_csv(None) == ""


def test_a_drawing_on_the_canvas_becomes_mode_centres_in_the_points_box():
    layer = np.zeros((280, 280, 4), np.uint8)
    layer[10:20, 10:20, 3] = 255  # top-left blob: one cell (cells are 20 px)
    layer[260:270, 260:270, 3] = 255  # bottom-right blob
    lines = tab.use_sketch({"background": None, "layers": [layer], "composite": layer}).splitlines()
    x0, y0 = (float(v) for v in lines[0].split(","))
    x1, y1 = (float(v) for v in lines[1].split(","))
    assert len(lines) == 2 and x0 < -1.5 < 1.5 < y0 and x1 > 1.5 > -1.5 > y1  # y points up
    with pytest.raises(gr.Error, match="empty"):
        tab.use_sketch({"background": None, "layers": [np.zeros((280, 280, 4), np.uint8)], "composite": None})
    with pytest.raises(gr.Error, match="点がありません"):
        tab.use_sketch(None, JAPANESE)


# ------------------------------------------------------------------ the running app
def test_a_bad_drawn_line_over_the_api_names_the_field_by_its_japanese_label_escaped(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False, download_files=False, headers={"Accept-Language": "ja"})
    try:
        with pytest.raises(Exception) as error:  # the drawn set's line goes back escaped, the box named in Japanese
            client.predict("drawn", 500, 0, "0, 0\n<script>x</script>", *RACE[4:], api_name="/gan_race")
        message = str(error.value)
        assert tab.TEXT["ja"]["gan_vs_diffusion_points"] + " の 2 行目: \"&lt;script&gt;x&lt;/script&gt;\"" in message
        assert "<script>" not in message
    finally:
        client.close()


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
    for bad, field in ((["ring8", 0], "GAN updates (diffusion: the same cost) must be a whole number from 500 to 8000"),
                       (["ring8", 1e6], "GAN updates (diffusion: the same cost) must be a whole number from 500 to 8000"),
                       (["ring8", 1500.5], "GAN updates (diffusion: the same cost) must be a whole number from 500 to "
                                           "8000 (got 1500.5)"),
                       (["drawn", 500, 0, ""], "Drawn set (dataset 'drawn')"), (["drawn", 500, 0, "0, 0\nnan, 1"], "not finite")):
        args = bad + RACE[len(bad):]
        with pytest.raises(Exception) as error:
            client.predict(*args, api_name="/gan_race")
        message = str(error.value)
        assert field in message and "Traceback" not in message


def check_recorded_race_on_screen(page, open_tab, console_errors, artifacts, tab_name: str, expected: str,
                                  lang: str) -> None:
    from playwright.sync_api import expect

    open_tab(tab_name)
    expect(page.locator("#gan-status")).to_contain_text(expected, timeout=60_000)
    plots_shown_then_screenshot(page, [f"gan-{plot}" for plot in ("scatter", "trajectory", "coverage", "histogram",
                                                                  "cost")],
                                artifacts / f"gan-vs-diffusion-{lang}.png", console_errors)


@pytest.mark.slow
@pytest.mark.browser
def test_tab_opens_on_the_recorded_race_in_english_and_a_drawing_becomes_points(page, open_tab, console_errors,
                                                                               artifacts):
    check_recorded_race_on_screen(page, open_tab, console_errors, artifacts, "GANs to diffusion", "Recorded run", "en")
    sketch = page.locator("#gan-sketch")
    expect(sketch).not_to_be_visible()  # folded, so the race fills the first screen
    page.locator("#gan-dataset input").click()
    page.get_by_role("option", name="drawn").click()  # choosing the drawn set unfolds where it is made
    sketch.scroll_into_view_if_needed()
    sketch.get_by_role("button", name="Brush").click()  # the label tells the visitor to pick it first
    box = sketch.locator("canvas").first.bounding_box()
    for x, y in ((0.3, 0.3), (0.7, 0.3), (0.5, 0.7)):  # three short strokes, far apart
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        page.mouse.move(box["x"] + x * box["width"] + 8, box["y"] + y * box["height"] + 8, steps=5)
        page.mouse.up()
    page.locator("#gan-use-sketch").click()
    points = page.locator("#gan-points textarea")
    expect(points).not_to_have_value("", timeout=20_000)
    xs = [float(line.split(",")[0]) for line in points.input_value().splitlines()]
    assert min(xs) < -1 and max(xs) > 1  # the left and the right stroke both became modes


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.browser_context_args(locale="ja-JP")
def test_tab_opens_on_the_recorded_race_in_japanese(page, open_tab, console_errors, artifacts):
    check_recorded_race_on_screen(page, open_tab, console_errors, artifacts, "GAN から拡散モデルへ", "記録済み", "ja")
