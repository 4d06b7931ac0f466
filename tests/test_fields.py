"""Bounded inputs refuse a value out of range by naming the field, in English and Japanese (demos/fields.py)."""
from __future__ import annotations

import gradio as gr
import pytest
from conftest import free_port
from gradio_client import Client

from demos.common import T
from demos.fields import FieldLabel, Number, Slider, field_label

TABLE = {"en": {"x_length": "Length", "x_rate": "Learning rate"}, "ja": {"x_length": "長さ", "x_rate": "学習率"}}


def test_every_bounded_input_of_the_app_names_its_field_in_both_languages(built_demo):
    import app

    tables = app.I18N.translations_dict
    bounded = [block for block in built_demo.blocks.values()
               if isinstance(block, (gr.Slider, gr.Number)) and (block.minimum is not None or block.maximum is not None)]
    assert len(bounded) > 40, len(bounded)  # every tab's sliders
    for block in bounded:
        assert isinstance(block, (Slider, Number)) and isinstance(block.label, FieldLabel), (block.elem_id, block.label)
        assert block.label.names == {lang: tables[lang][block.label.key] for lang in ("en", "ja")}
        assert block.get_block_name() in ("slider", "number")  # drawn by Gradio's own component


@pytest.fixture(scope="module")
def small_server():
    """A real Gradio server with one slider and one bounded number, and an event that widens the slider."""
    with gr.Blocks() as demo:
        length = Slider(1, 8, value=3, step=1, label=field_label(TABLE, "x_length"))
        rate = Number(0.01, minimum=1e-5, maximum=0.1, label=field_label(TABLE, "x_rate"))
        unnamed = Slider(0, 1, value=0, label=T("x_length"))  # a plain label still gets a message
        out = gr.Textbox()
        gr.Button().click(lambda *values: " ".join(map(str, values)), [length, rate, unnamed], out, api_name="x_echo")
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


def test_out_of_range_values_are_refused_by_field_name(small_server):
    client = Client(small_server, verbose=False)
    assert client.predict(4, 0.05, 0.5, api_name="/x_echo") == "4 0.05 0.5"
    assert refusal(client, 9, 0.05, 0) == ("Length must be between 1 and 8 (got 9).\n"
                                          "長さ は 1 から 8 の範囲で指定してください（入力値: 9）。")
    assert "Learning rate must be between 1e-05 and 0.1 (got 1.0)." in refusal(client, 4, 1.0, 0)
    assert "学習率" in refusal(client, 4, 1e-9, 0)
    assert "must be between 0 and 1 (got 2)" in refusal(client, 4, 0.05, 2)


def test_the_name_survives_an_event_that_updates_the_slider(small_server):
    """Gradio rebuilds an updated component from its constructor arguments, in the session: the label
    carries the names, so the message after an update still names the field, with the new range."""
    client = Client(small_server, verbose=False)
    client.predict(api_name="/x_widen")
    assert client.predict(15, 0.05, 0, api_name="/x_echo") == "15 0.05 0"
    assert refusal(client, 25, 0.05, 0).startswith("Length must be between 1 and 20 (got 25).")
