"""Every request's values checked against the page's own components, before Gradio touches them.

Why one guard for the whole app: a value of the wrong JSON type (null, "abc" for a number, 1.5 for a
whole number, a list, an unknown choice, a file that is not there) fails or is silently cast inside
Gradio's preprocessing, before any handler runs, and the reader gets Gradio's generic "the upstream app
has raised an exception" or an English-only "Value ... is not in the list of choices" that names no
field. Here every input component of the event is read the way the page defines it (range, whole
number, choices, file types, table shape) and a bad value is refused in the reader's language, naming
the field by its label, the value and what is allowed. It runs where the request is known: the root
`Blocks.process_api`, which every queued or direct call passes through. The page's own widgets never
send such values; API clients and edited requests do. The handlers still check what only they know
(a prompt's length in tokens, a config's consistency) through `playground.core.checks`.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import gradio as gr
from gradio import utils as gradio_utils
from gradio.i18n import I18nData
from gradio_client import utils as client_utils

from demos.common import COMMON_TEXT, Table, lang_of
from playground.core.checks import is_number, shown
from playground.core.errors import InputError

MAX_TABLE_ROWS = 1_000  # the largest table any tab's Dataframe takes (Math's are 2-8 rows)
MAX_TABLE_COLUMNS = 64
MAX_TEXT = 200_000  # characters of any text field; each tab's own, smaller limits are said by its handler
MAX_CHOICES_SHOWN = 12


def is_whole(component: gr.components.Component) -> bool:
    """A Number with precision 0, or a Slider whose minimum and step are whole: the page offers only integers."""
    if isinstance(component, gr.Number):
        return component.precision == 0
    return all(float(part).is_integer() for part in (component.minimum or 0, component.step or 1))


def check_number(component: gr.components.Component, value: Any) -> None:
    """A finite real number (not a boolean) in the component's range, whole where the page offers only integers."""
    whole = is_whole(component)
    low, high = component.minimum, component.maximum
    bounds = {"low": "-∞" if low is None else shown(low), "high": "∞" if high is None else shown(high)}
    bounded = low is not None or high is not None
    key = {(True, True): "common_err_whole", (True, False): "common_err_whole_any",
           (False, True): "common_err_range", (False, False): "common_err_number"}[whole, bounded]
    if value is None and component.value is None:
        return  # an optional number left blank, as the page allows
    if (not is_number(value) or not math.isfinite(value) or (whole and not float(value).is_integer())
            or (low is not None and value < low) or (high is not None and value > high)):
        raise InputError(key, value=shown(value), **bounds)


def choice_values(component: gr.components.Component) -> list[Any]:
    """What an API client sends for a choice: the value half of each (label, value) pair."""
    return [choice[1] if isinstance(choice, (tuple, list)) else choice for choice in component.choices or []]


def _same_kind(value: Any, choice: Any) -> bool:
    """Whether `value` is `choice` as JSON sends it: a number for a number (the browser sends the choice 1.0 as
    1), text for text; "1" is not the choice 1, nor true the choice 1."""
    numbers = (int, float)
    if isinstance(value, numbers) and isinstance(choice, numbers):
        return not isinstance(value, bool) and not isinstance(choice, bool)
    return type(value) is type(choice)


def check_choice(component: gr.components.Component, value: Any) -> None:
    """One of the choices (a list of them for a multi-select), or any short text where custom values are allowed."""
    allowed = choice_values(component)
    listed = ", ".join(shown(choice) for choice in allowed[:MAX_CHOICES_SHOWN]) + (
        ", …" if len(allowed) > MAX_CHOICES_SHOWN else "")
    several = isinstance(component, gr.CheckboxGroup) or getattr(component, "multiselect", False)
    values = value if several and isinstance(value, list) else [value]
    if several and not isinstance(value, list):
        raise InputError("common_err_choices", value=shown(value), allowed=listed)
    for item in values:
        if getattr(component, "allow_custom_value", False) and isinstance(item, str) and len(item) <= MAX_TEXT:
            continue
        if item is None and component.value is None and not several:
            continue  # nothing chosen yet, as the page allows
        if isinstance(item, bool) or item not in allowed or not _same_kind(item, allowed[allowed.index(item)]):
            raise InputError("common_err_choices" if several else "common_err_choice", value=shown(item), allowed=listed)


def check_text(component: gr.components.Component, value: Any) -> None:
    if value is None and component.value is None:
        return
    if not isinstance(value, str):
        raise InputError("common_err_text", value=shown(value))
    limit = min(component.max_length or MAX_TEXT, MAX_TEXT)  # the box's own limit binds API callers too
    if len(value) > limit:
        raise InputError("common_err_text_long", length=len(value), limit=limit)


def check_boolean(component: gr.components.Component, value: Any) -> None:
    if not isinstance(value, bool):
        raise InputError("common_err_boolean", value=shown(value))


def check_upload(value: Any, file_types: list[str] | None) -> None:
    """A file this server received by upload (any other path is refused), that exists and has an allowed type."""
    types = ", ".join(file_types or ())
    path = value.get("path") if isinstance(value, Mapping) else None
    if not isinstance(path, str) or not path:
        raise InputError("common_err_file", value=shown(value), allowed=types or "*")
    if file_types and not client_utils.is_valid_file(path, file_types):  # the test gr.File makes, said by field
        raise InputError("common_err_file_type", value=shown(os.path.basename(path)), allowed=types)
    if not gradio_utils.is_in_or_equal(gradio_utils.abspath(path), gradio_utils.get_upload_folder()) \
            or not os.path.isfile(path):
        raise InputError("common_err_file_missing", value=shown(os.path.basename(path)))


def check_file(component: gr.components.Component, value: Any) -> None:
    """No file (the handler says if it needs one), or an upload of the component's types."""
    if value is not None:
        check_upload(value, component.file_types)


def check_table(component: gr.components.Component, value: Any) -> None:
    """Headers and rows of equal length, within the size any tab takes, each cell a number, text or blank."""
    data = value.get("data") if isinstance(value, Mapping) else None
    headers = value.get("headers") if isinstance(value, Mapping) else None
    if not isinstance(data, list) or not isinstance(headers, list) or not all(isinstance(row, list) for row in data):
        raise InputError("common_err_table", value=shown(value), rows=MAX_TABLE_ROWS, columns=MAX_TABLE_COLUMNS)
    if len(data) > MAX_TABLE_ROWS or len(headers) > MAX_TABLE_COLUMNS or any(len(row) != len(headers) for row in data):
        raise InputError("common_err_table", value=f"{len(data)} × {sorted({len(row) for row in data})}",
                         rows=MAX_TABLE_ROWS, columns=MAX_TABLE_COLUMNS)
    if any(cell is not None and (isinstance(cell, bool) or not isinstance(cell, (int, float, str))) for row in data
           for cell in row):
        raise InputError("common_err_table", value=shown(value), rows=MAX_TABLE_ROWS, columns=MAX_TABLE_COLUMNS)


def check_image_editor(component: gr.components.Component, value: Any) -> None:
    """An editor's payload: a mapping of background, layers and composite (each an uploaded image or none)."""
    if value is None:
        return
    if not isinstance(value, Mapping) or not isinstance(value.get("layers", []), list):
        raise InputError("common_err_image", value=shown(value))
    for part in (value.get("background"), value.get("composite"), *value.get("layers", [])):
        if part is not None:
            check_upload(part, None)


def check_example(component: gr.components.Component, value: Any) -> None:
    """A row of an examples table, by its position (what the page sends when an example is clicked)."""
    count = len(component.samples or ())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
        raise InputError("common_err_whole", value=shown(value), low=0, high=count - 1)


CHECKS = ((gr.Checkbox, check_boolean), (gr.Dataset, check_example), ((gr.Slider, gr.Number), check_number),
          ((gr.Radio, gr.Dropdown, gr.CheckboxGroup), check_choice), (gr.Textbox, check_text),
          (gr.File, check_file), (gr.Dataframe, check_table), (gr.ImageEditor, check_image_editor))


def check_value(component: gr.components.Component, value: Any) -> None:
    """Raise `InputError` (without the field) when `value` is not one the component offers."""
    for kinds, check in CHECKS:
        if isinstance(component, kinds):
            check(component, value)
            return


def field_name(component: gr.components.Component, table: Table, lang: str) -> str:
    """The field as the page labels it, in `lang` (a `T(key)` label looked up in the merged text table)."""
    label = component.label
    if isinstance(label, I18nData):
        return table[lang].get(label.key, label.key)
    return str(label) if label else type(component).__name__


def refusal(component: gr.components.Component, error: InputError, table: Table, request: gr.Request | None) -> gr.Error:
    """The reader's-language message: this field, the value it got and what it allows."""
    lang = lang_of(request)
    message = COMMON_TEXT[lang][error.key].format(field=field_name(component, table, lang), **error.values)
    return gr.Error(message, title=COMMON_TEXT[lang]["error_title"])


class CheckedBlocks(gr.Blocks):
    """`gr.Blocks` that refuses a request's bad values by field before Gradio preprocesses them (module docstring).

    `table` is the app's merged text table (`gr.I18n.translations`, every language), which names the fields.
    """

    def __init__(self, table: Table, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field_table = table

    def check_inputs(self, block_fn: Any, inputs: list[Any], state: Any, request: gr.Request | None) -> None:
        if len(inputs) < len(block_fn.inputs):  # more are ignored, as Gradio does
            lang = lang_of(request)
            raise gr.Error(COMMON_TEXT[lang]["common_err_arguments"].format(wanted=len(block_fn.inputs), got=len(inputs)),
                           title=COMMON_TEXT[lang]["error_title"])
        for component, value in zip(block_fn.inputs, inputs, strict=False):
            if not isinstance(component, gr.components.Component) or component.stateful:
                continue
            if state is not None and component._id in state:
                component = state[component._id]  # the component as an earlier event of this session updated it
            try:
                check_value(component, value)
            except InputError as error:
                raise refusal(component, error, self.field_table, request) from None

    async def process_api(self, block_fn: Any, inputs: list[Any], state: Any = None, request: Any = None,
                          iterator: Any = None, *args: Any, **kwargs: Any) -> dict[str, Any]:
        function = self.fns[block_fn] if isinstance(block_fn, int) else block_fn
        if iterator is None and not function.batch and function.preprocess:  # a new call, not a stream's next step
            self.check_inputs(function, inputs, state, request if isinstance(request, gr.Request) else None)
        return await super().process_api(block_fn, inputs, state, request, iterator, *args, **kwargs)

