"""The guard refuses a request's bad values by field, in the reader's language, before Gradio (demos/guard.py)."""
from __future__ import annotations

import gradio as gr
import httpx
import pytest
from conftest import free_port
from gradio_client import Client

from demos import guard
from demos.common import COMMON_TEXT, T

TABLE = {"en": {"x_length": "Length", "x_rate": "Learning rate", "x_mode": "Mode", "x_flag": "Flag", "x_note": "Note"},
         "ja": {"x_length": "長さ", "x_rate": "学習率", "x_mode": "モード", "x_flag": "フラグ", "x_note": "メモ"}}
ENGLISH, JAPANESE = {"Accept-Language": "en"}, {"Accept-Language": "ja"}


@pytest.fixture(scope="module")
def small_server():
    """A real Gradio server behind the guard: one input of each kind, and an event that widens the slider."""
    tables = {lang: {**COMMON_TEXT[lang], **TABLE[lang]} for lang in TABLE}
    with guard.CheckedBlocks(tables) as demo:
        length = gr.Slider(1, 8, value=3, step=1, label=T("x_length"))
        rate = gr.Number(0.01, minimum=1e-5, maximum=0.1, label=T("x_rate"))
        mode = gr.Radio([("Plain", "plain"), ("Fancy", "fancy")], value="plain", label=T("x_mode"))
        flag = gr.Checkbox(True, label=T("x_flag"))
        note = gr.Textbox("", label=T("x_note"))
        out = gr.Textbox()
        gr.Button().click(lambda *values: " ".join(map(repr, values)), [length, rate, mode, flag, note], out,
                          api_name="x_echo")
        gr.Button().click(lambda: gr.Slider(maximum=20, value=5), None, length, api_name="x_widen")
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True,
                i18n=gr.I18n(**TABLE))
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def refusal(client: Client, *values) -> str:
    with pytest.raises(Exception) as refused:
        client.predict(*values, api_name="/x_echo")
    return str(refused.value)


GOOD = (4, 0.05, "fancy", False, "hi")


def with_one(position: int, value) -> tuple:
    return (*GOOD[:position], value, *GOOD[position + 1:])


def test_good_values_pass_unchanged(small_server):
    assert Client(small_server, verbose=False).predict(*GOOD, api_name="/x_echo") == "4 0.05 'fancy' False 'hi'"


@pytest.mark.parametrize(("position", "value", "english", "japanese"), [
    (0, 9, "Length must be a whole number from 1 to 8 (got 9).", "長さ は 1 から 8 の整数で指定してください（入力値: 9）"),
    (0, 2.5, "Length must be a whole number from 1 to 8 (got 2.5).", "長さ は 1 から 8 の整数で指定してください（入力値: 2.5）"),
    (0, "abc", 'Length must be a whole number from 1 to 8 (got "abc").', "長さ は 1 から 8 の整数"),
    (1, 1e308, "Learning rate must be between 1e-05 and 0.1 (got 1e+308).", "学習率 は 1e-05 から 0.1 の範囲"),
    (1, None, "Learning rate must be between 1e-05 and 0.1 (got null).", "学習率 は"),
    (1, True, "Learning rate must be between 1e-05 and 0.1 (got true).", "学習率 は"),
    (2, "Fancy", 'Mode must be one of "plain", "fancy" (got "Fancy").', 'モード は "plain", "fancy" のいずれか'),
    (3, "yes", 'Flag must be true or false (got "yes").', "フラグ は true か false で指定してください"),
    (3, 1, "Flag must be true or false (got 1).", "フラグ は true か false"),
    (4, 5, "Note must be text (got 5).", "メモ はテキストで指定してください（入力値: 5）。"),
    pytest.param(4, "x" * 300_000, "Note has 300,000 characters; the limit is 200,000.", "メモ が 300,000 文字あります",
                 id="long-text"),
], ids=lambda value: str(value)[:20])
def test_a_bad_value_is_refused_by_its_field_in_the_readers_language(small_server, position, value, english, japanese):
    assert refusal(Client(small_server, verbose=False, headers=ENGLISH), *with_one(position, value)) == english
    assert japanese in refusal(Client(small_server, verbose=False, headers=JAPANESE), *with_one(position, value))


def test_a_value_with_markup_is_echoed_escaped(small_server):
    message = refusal(Client(small_server, verbose=False), *with_one(2, "<script>alert(1)</script>"))
    assert "&lt;script&gt;" in message and "<script>" not in message


def test_not_a_number_and_too_few_values_are_named_too(small_server):
    """NaN is valid Python JSON (which the server reads) but not what gradio_client sends: a raw call."""
    def raw(data: list) -> str:
        session = "guard-test"
        event = httpx.post(small_server + "gradio_api/queue/join", timeout=10,
                           headers={**ENGLISH, "Content-Type": "application/json"},
                           content=f'{{"data": {data}, "fn_index": 0, "session_hash": "{session}"}}').json()
        assert "event_id" in event
        with httpx.stream("GET", small_server + "gradio_api/queue/data", params={"session_hash": session},
                          timeout=10) as stream:
            for line in stream.iter_lines():
                if '"process_completed"' in line:
                    return line
        raise AssertionError("no answer")

    assert "Length must be a whole number from 1 to 8 (got NaN)." in raw('[NaN, 0.05, "plain", true, ""]')
    assert "Learning rate must be between 1e-05 and 0.1 (got ∞)." in raw('[4, Infinity, "plain", true, ""]')
    assert "This action takes 5 values (got 2)." in raw("[4, 0.05]")


def test_the_range_follows_an_event_that_updates_the_slider(small_server):
    """The session's updated component is the one checked: the widened slider takes 15, refuses 25."""
    client = Client(small_server, verbose=False)
    client.predict(api_name="/x_widen")
    assert client.predict(*with_one(0, 15), api_name="/x_echo").startswith("15 ")
    assert refusal(client, *with_one(0, 25)) == "Length must be a whole number from 1 to 20 (got 25)."


def test_every_input_of_the_app_is_of_a_kind_the_guard_checks(built_demo):
    """A new kind of input component would pass unchecked: each event input is checked or session state."""
    kinds = tuple(kind for kinds, _ in guard.CHECKS for kind in (kinds if isinstance(kinds, tuple) else (kinds,)))
    inputs = {component for function in built_demo.fns.values() for component in function.inputs}
    unchecked = [f"{type(component).__name__} {component.elem_id or component.label}" for component in inputs
                 if not component.stateful and not isinstance(component, kinds)]
    assert len(inputs) > 60 and not unchecked, unchecked
