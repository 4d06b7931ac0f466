"""PagedAttention tab: its handlers in both languages, the API through the real server, Chromium, and
the live paged run against the static batch (greedy: the same tokens)."""
from __future__ import annotations

import gradio as gr
import pytest
from conftest import plots_shown_then_screenshot

from demos.common import COMMON_TEXT
from demos.paged_attention import tab
from playground.core.errors import InputError
from playground.paged_attention import figures, live, memory, recorded, simulator, traces

JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})
MODEL = dict(model="llama-13b", gpu="a100-40gb", dtype="fp16", layers=32, kv_heads=8, head_dim=128, params_b=8.0)
CALC = dict(model="llama-13b", gpu="a100-40gb", dtype="fp16", context_length=2048, average_length=500, layers=32,
            kv_heads=8, head_dim=128, params_b=8.0)  # the fields of kv_calculate, by name and in the API's order
RACE = dict(MODEL, trace="sharegpt", csv_path=None, num_requests=100, block_size=16, samples=1, prefix=0)


def race_view() -> tab.RaceView:
    return tab.RaceView(gr.Markdown(), gr.Plot(), gr.Plot(), gr.Plot(), gr.Plot(), gr.Plot(), gr.State(), gr.Radio(),
                        gr.Slider(), gr.Plot())


def test_text_is_bilingual_and_prefixed():
    assert set(tab.TEXT["en"]) == set(tab.TEXT["ja"])
    assert all(key.startswith("paged_attention_") for key in tab.TEXT["en"])
    assert set(figures.LABEL_KEYS) <= set(tab.fig_labels(None)) and set(figures.LABEL_KEYS) <= set(tab.fig_labels(JAPANESE))


def test_calculator_shows_the_papers_800_kb_and_vllms_lines_in_both_languages():
    english, vllm = tab.calculate(**CALC)
    japanese, _ = tab.calculate(JAPANESE, **CALC)
    assert "819,200 B/token" in english and "819,200 B/トークン" in japanese
    assert "tokens that fit" in english and "入るトークン数" in japanese
    capacity = memory.kv_capacity("llama-13b", "a100-40gb")
    assert vllm.startswith(f"# GPU blocks: {capacity.num_blocks}\n")


def test_the_opening_race_is_computed_once_and_drawn_in_the_readers_language():
    view = race_view()
    english, japanese = view.opening(), view.opening(JAPANESE)
    assert set(english) == set(view.outputs())  # the opening race fills every output
    assert english[view.results] is japanese[view.results]  # the same cached results: no simulation per page load
    assert "Opening race" in english[view.table] and "最初の競争" in japanese[view.table]
    for row in ("Orca (Max)", "vLLM (paged)"):
        assert row in english[view.table]
    assert english[view.breakdown].layout.title.text != japanese[view.breakdown].layout.title.text
    plots = (view.breakdown, view.running, view.sweep, view.throughput, view.memory_map, view.usage)
    assert all(english[plot].layout.height for plot in plots)
    # the table shows what the simulator says (paged near 97 %, Max near 23 %)
    paged = english[view.results]["paged"]
    assert f"{100 * paged.token_state_share:.1f} %" in english[view.table]


def test_the_recorded_live_run_opens_labelled_with_its_date_and_machine():
    comparison, date, machine = recorded.load()
    view = tab.LiveView(gr.Markdown(), gr.Plot(), gr.Plot(), gr.Markdown())
    english, japanese = view.recorded(), view.recorded(JAPANESE)
    assert set(english) == set(view.outputs())  # a finished run fills every output
    assert f"Recorded run ({date}, {machine})" in english[view.table] and "記録済みの実行" in japanese[view.table]
    assert comparison.identical and "Outputs identical: **yes**" in english[view.table]
    assert english[view.gantt].layout.height and english[view.slots].layout.height


BAD_RACE = [  # (field, value, what the English message must name); the bad inputs
    ("num_requests", 10**9, r"Requests must be a whole number from 1 to 5000 \(got 1000000000\)"),
    ("num_requests", 0, r"Requests must be a whole number"),
    ("block_size", 0, r"Block size \(paged\) must be a whole number from 8 to 256 \(got 0\)"),
    ("samples", -2, r"Parallel samples per request must be a whole number from 1 to 8 \(got -2\)"),
    ("prefix", 1.5, r"Shared system prefix \(tokens\) must be a whole number from 0 to 1024 \(got 1.5\)"),
    ("trace", "lmsys", r"Trace must be one of \"sharegpt\", \"alpaca\" \(got \"lmsys\"\)"),
]


@pytest.mark.parametrize("field, value, message", BAD_RACE)
def test_bad_race_inputs_name_the_field_in_both_languages(field, value, message):
    bad = {**RACE, field: value}
    with pytest.raises(gr.Error, match=message):
        race_view().simulate(**bad)
    with pytest.raises(gr.Error, match="指定してください"):  # each field by its Japanese label
        race_view().simulate(JAPANESE, **bad)


@pytest.mark.parametrize("field, value, label", [("context_length", 0, "Context length"), ("layers", -1, "Layers"),
                                                 ("head_dim", 4097, "Head size")])
def test_zero_or_negative_sizes_name_the_field(field, value, label):
    with pytest.raises(gr.Error, match=f"{label}.* must be a whole number .*got {value}"):
        tab.calculate(**{**CALC, "model": "custom", field: value})


@pytest.mark.parametrize("csv, english, japanese", [
    ("prompt,output\n10,20\n5,abc\n", 'CSV row 3: output must be a whole number of tokens (got "abc")', "3 行目"),
    ("prompt,output\n-5,20\n", "CSV row 2: lengths must be at least 1", "長さは 1 以上"),
])
def test_a_csv_with_text_or_negative_lengths_names_the_row(tmp_path, csv, english, japanese):
    path = tmp_path / "trace.csv"
    path.write_text(csv)
    with pytest.raises(gr.Error) as error:
        race_view().simulate(**{**RACE, "csv_path": str(path)})
    assert english in error.value.message
    with pytest.raises(gr.Error) as error:
        race_view().simulate(JAPANESE, **{**RACE, "csv_path": str(path)})
    assert japanese in error.value.message


def test_engine_errors_carry_keys_the_tab_can_say():
    for call in (lambda: simulator.simulate_kv("paged", num_requests=10, block_size=0),
                 lambda: traces.trace_from_csv("prompt,output\n1,x\n"),
                 lambda: memory.kv_capacity("llama-3.1-70b", "t4-16gb")):
        with pytest.raises(InputError) as error:
            call()
        for lang in ("en", "ja"):
            assert {**COMMON_TEXT[lang], **tab.TEXT[lang]}[error.value.key].format(**error.value.values)


def test_a_race_from_the_page_fills_every_output():
    view = race_view()
    outputs = view.simulate(**RACE)
    assert set(outputs) == set(view.outputs())
    assert set(outputs[view.results]) == set(simulator.POLICIES)
    assert outputs[view.results]["paged"].finished == RACE["num_requests"]
    assert all(outputs[plot].layout.height for plot in (view.breakdown, view.running, view.sweep, view.usage))


# ------------------------------------------------------------------ the running app
@pytest.mark.slow
def test_every_endpoint_answers_and_bad_input_comes_back_as_the_message(client):
    table, vllm = client.predict(*CALC.values(), api_name="/kv_calculate")  # by position, in the API's order
    assert "819,200 B/token" in table and "# GPU blocks: 921" in vllm
    outputs = client.predict(**RACE, api_name="/kv_simulate")
    assert "vLLM (paged)" in outputs[0]
    with pytest.raises(Exception, match="Requests must be a whole number from 1 to 5000") as error:
        client.predict(**{**RACE, "num_requests": 10**9}, api_name="/kv_simulate")
    assert "Traceback" not in str(error.value)
    with pytest.raises(Exception, match="Context length"):
        client.predict(**{**CALC, "context_length": 0}, api_name="/kv_calculate")


@pytest.mark.slow
def test_a_bad_value_through_the_api_names_the_fields_japanese_label(app_url):
    from gradio_client import Client

    japanese = Client(app_url, verbose=False, download_files=False, headers={"Accept-Language": "ja"})
    try:  # the guard refuses the value past the box's range; the config refuses a custom size the box allows
        with pytest.raises(Exception, match="ブロックサイズ（paged） は 8 から 256 の整数"):
            japanese.predict(**{**RACE, "block_size": 512}, api_name="/kv_simulate")
        with pytest.raises(Exception, match="パラメータ数（10 億） は"):
            japanese.predict(**{**CALC, "model": "custom", "params_b": 0}, api_name="/kv_calculate")
    finally:
        japanese.close()


@pytest.mark.slow
def test_a_bad_csv_upload_names_the_row(client, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "trace.csv"
    path.write_text("prompt,output\n12,40\nabc,7\n")
    with pytest.raises(Exception, match=r'CSV row 3: prompt must be a whole number of tokens \(got "abc"\)'):
        client.predict(**{**RACE, "csv_path": handle_file(str(path))}, api_name="/kv_simulate")


@pytest.mark.slow
def test_the_live_run_through_the_api_reports_identical_outputs(client):
    table, *_ = client.predict(False, api_name="/kv_live")
    assert "Live run on this server" in table and "Outputs identical: **yes**" in table


# ------------------------------------------------------------------ the live engine
@pytest.mark.slow
def test_the_live_paged_runs_greedy_outputs_are_the_static_batchs(offline_lm):
    comparison = live.compare(offline_lm)
    assert comparison.static.output_tokens == comparison.paged.output_tokens
    assert comparison.identical
    # each request stops at its own limit (or an end token), so the lengths differ as the requests do
    lengths = [len(tokens) for tokens in comparison.paged.output_tokens]
    assert all(n <= r.max_new_tokens for n, r in zip(lengths, live.DEFAULT_REQUESTS)) and len(set(lengths)) > 3
    # paged blocks hold the real lengths; the padded batch reserves the longest for everyone
    assert comparison.paged.kv_slots < comparison.static.kv_slots


# ------------------------------------------------------------------ Chromium
def check_tab_on_screen(page, open_tab, console_errors, artifacts, lang: str, race: str, recorded_text: str) -> None:
    from playwright.sync_api import expect

    open_tab("PagedAttention")
    expect(page.locator("#paged-calc")).to_contain_text("819,200", timeout=60_000)
    expect(page.locator("#paged-race-table")).to_contain_text(race, timeout=60_000)
    expect(page.locator("#paged-live-table")).to_contain_text(recorded_text, timeout=60_000)
    plots_shown_then_screenshot(page, [f"paged-{plot}" for plot in ("breakdown", "throughput", "map", "running",
                                                                    "sweep", "gantt", "slots")],
                                artifacts / f"paged-attention-{lang}.png", console_errors)


@pytest.mark.slow
@pytest.mark.browser
def test_tab_opens_finished_in_english(page, open_tab, console_errors, artifacts):
    check_tab_on_screen(page, open_tab, console_errors, artifacts, "en", "Opening race", "Recorded run")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.browser_context_args(locale="ja-JP")
def test_tab_opens_finished_in_japanese(page, open_tab, console_errors, artifacts):
    check_tab_on_screen(page, open_tab, console_errors, artifacts, "ja", "最初の競争", "記録済み")


@pytest.mark.slow
@pytest.mark.browser
def test_picking_a_model_too_big_for_the_gpu_moves_it_to_a_server_in_one_calculation(page, open_tab, console_errors):
    from playwright.sync_api import expect

    open_tab("PagedAttention")
    expect(page.locator("#paged-calc")).to_contain_text("819,200", timeout=60_000)  # LLaMA-13B on an A100-40GB
    events = []
    page.on("request", lambda request: events.append(request.post_data) if "queue/join" in request.url else None)
    page.locator("#paged-model input").click()
    page.get_by_role("option", name="deepseek-v3", exact=True).click()
    expect(page.locator("#paged-gpu input")).to_have_value("8x-h200-141gb", timeout=20_000)
    expect(page.locator("#paged-dtype input[value=fp8]")).to_be_checked()
    expect(page.locator("#paged-calc")).to_contain_text("= 35,136 B/token", timeout=30_000)  # 61 × 576 × 1 B
    page.wait_for_timeout(1500)  # a second calculation (from the GPU or data type changing) would be asked by now
    assert len(events) == 1, events  # one calculation, with the final server
    assert page.locator('[data-testid="toast-body"]').count() == 0  # no refusal of the A100 on the way
    # the tab's CSS reached the page: kind, layer count and size stay on one line (no "layer|s" at 1280x720)
    assert page.locator("#paged-calc th").evaluate_all("cells => cells.map(c => getComputedStyle(c).whiteSpace)")[:4] \
        == ["nowrap", "nowrap", "nowrap", "normal"]
    page.locator("#paged-context input").fill("4096")  # the other controls still compute as the reader changes them
    expect(page.locator("#paged-calc")).to_contain_text("at 4,096 tokens = 35,136 B/token", timeout=30_000)
    page.locator("#paged-gpu input").click()
    page.get_by_role("option", name="8x-h100-80gb", exact=True).click()  # chosen by hand: refused, naming the fit
    expect(page.locator('[data-testid="toast-body"]')).to_contain_text("Choose GPU 8x-h200-141gb", timeout=30_000)
    assert not console_errors, console_errors
