"""`Slider` and `Number`: Gradio's own, except that a value out of range is refused by naming the field.

Why: Gradio checks a slider's (or a bounded number's) range itself, before our handler runs, and says
only "Value 1000000000 is greater than maximum value 512.": an API caller with six numbers cannot tell
which one it was. The check runs where the reader's language is not known (no request yet), so the
message gives the field, as the page labels it, and its range in English and Japanese. The label is a
`field_label(TEXT, key)`: the browser translates it like any `T(key)`, and it carries both languages' names
itself, because Gradio rebuilds a component from its constructor arguments when an event updates it.
The page draws both components exactly as Gradio's own (`is_template`). Gradio writes a type stub,
`demos/fields.pyi`, beside any module that defines a component class, when it is imported: git ignores it.
"""
from __future__ import annotations

from typing import Any

import gradio as gr
from gradio.i18n import I18nData

from demos.common import COMMON_TEXT, LANGUAGES, Table


class FieldLabel(I18nData):
    """A label key for the browser to translate, with the field's name in each language for messages."""

    def __init__(self, key: str, names: dict[str, str]):
        super().__init__(key)
        self.names = names


def field_label(table: Table, key: str) -> FieldLabel:
    """The label of a bounded input: `T(key)` that can also name the field in an error.

    >>> field_label({"en": {"x_n": "Count"}, "ja": {"x_n": "個数"}}, "x_n").names
    {'en': 'Count', 'ja': '個数'}
    """
    return FieldLabel(key, {lang: table[lang][key] for lang in LANGUAGES})


def refuse_out_of_range(component: gr.components.Component, value: Any) -> None:
    """Raise the bilingual message when `value` is outside the component's [minimum, maximum]."""
    low, high = component.minimum, component.maximum
    if value is None or not ((low is not None and value < low) or (high is not None and value > high)):
        return
    label = component.label
    names = label.names if isinstance(label, FieldLabel) else dict.fromkeys(LANGUAGES, str(label))
    message = "\n".join(COMMON_TEXT[lang]["common_err_range"].format(
        field=names[lang], low="-∞" if low is None else low, high="∞" if high is None else high, value=value)
        for lang in LANGUAGES)
    raise gr.Error(message, title=" / ".join(COMMON_TEXT[lang]["error_title"] for lang in LANGUAGES))


class Slider(gr.Slider):
    """`gr.Slider` whose out-of-range error names the field (module docstring); label it with `field_label`."""
    is_template = True

    def preprocess(self, payload: float) -> float:
        refuse_out_of_range(self, payload)
        return super().preprocess(payload)


class Number(gr.Number):
    """`gr.Number` whose out-of-range error names the field (module docstring); label it with `field_label`."""
    is_template = True

    def preprocess(self, payload: float | None) -> float | int | None:
        refuse_out_of_range(self, payload)
        return super().preprocess(payload)
