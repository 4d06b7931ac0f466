"""The few checks every tab's config makes of its inputs, each refusing with one shared `InputError` key.

Why one set: a range, a whole number, a choice, a finite number, a text and a table are checked the
same way in every tab, so each says the same thing in the same words (`common_err_*` in
`demos/common.py`, English and Japanese). `field` is the UI-text key of the field's label, so the page
names the field as it labels it; the value is echoed by `shown` (short, escaped, never 309 digits).
Nothing is clamped or truncated: a value the field does not allow is refused.
"""
from __future__ import annotations

import html
import math
from collections.abc import Collection, Sequence
from typing import Any

from playground.core.errors import InputError

SHOWN_CHARACTERS = 40  # a refused value is echoed this long at most


def shown(value: Any) -> str:
    """A refused value as a message quotes it: numbers in 6 significant digits, text cut short, markup escaped.

    >>> shown(1e308), shown(0.5), shown(float("nan")), shown(12), shown(None), shown(True)
    ('1e+308', '0.5', 'NaN', '12', 'null', 'true')
    >>> shown("<b>" + "x" * 50)
    '"&lt;b&gt;xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"'
    """
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.6g}".replace("inf", "∞")
    if isinstance(value, int):
        return f"{value:.6g}" if abs(value) >= 10**15 else str(value)
    text = value if isinstance(value, str) else repr(value)
    cut = text[:SHOWN_CHARACTERS] + ("…" if len(text) > SHOWN_CHARACTERS else "")
    return html.escape(f'"{cut}"' if isinstance(value, str) else cut, quote=False)


def is_number(value: Any) -> bool:
    """A real number, not a boolean (JSON's true is not 1 here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def in_range(field: str, value: Any, low: float, high: float) -> float:
    """`value` as a float when it is a finite number in [low, high].

    >>> in_range("x_beta", 0.5, 0.0, 1.0)
    0.5
    >>> in_range("x_beta", float("nan"), 0.0, 1.0)
    Traceback (most recent call last):
    playground.core.errors.InputError: common_err_range(field='x_beta', low='0', high='1', value='NaN')
    """
    if not is_number(value) or not math.isfinite(value) or not low <= value <= high:
        raise InputError("common_err_range", field=field, low=shown(low), high=shown(high), value=shown(value))
    return float(value)


def whole_number(field: str, value: Any, low: int, high: int) -> int:
    """`value` as an int when it is a whole number in [low, high]; 1.5 is refused, not truncated.

    >>> whole_number("x_steps", 3.0, 1, 10)
    3
    >>> whole_number("x_steps", 0.5, 0, 10)
    Traceback (most recent call last):
    playground.core.errors.InputError: common_err_whole(field='x_steps', low='0', high='10', value='0.5')
    """
    if (not is_number(value) or not math.isfinite(value) or not float(value).is_integer()
            or not low <= value <= high):
        raise InputError("common_err_whole", field=field, low=shown(low), high=shown(high), value=shown(value))
    return int(value)


def one_of(field: str, value: Any, allowed: Collection[Any]) -> Any:
    """`value` when it is one of `allowed` (of the same type: JSON's true is not the choice 1).

    >>> one_of("x_mode", "dpo", ("dpo", "dpo_sft"))
    'dpo'
    >>> one_of("x_mode", None, ("dpo", "dpo_sft"))
    Traceback (most recent call last):
    playground.core.errors.InputError: common_err_choice(field='x_mode', allowed='"dpo", "dpo_sft"', value='null')
    """
    if not any(value == choice and type(value) is type(choice) for choice in allowed):
        raise InputError("common_err_choice", field=field, allowed=", ".join(shown(choice) for choice in allowed),
                         value=shown(value))
    return value


def flag(field: str, value: Any) -> bool:
    """`value` when it is true or false; "yes", 1 and null are refused.

    >>> flag("x_lora", False)
    False
    """
    if not isinstance(value, bool):
        raise InputError("common_err_boolean", field=field, value=shown(value))
    return value


def text(field: str, value: Any, limit: int, empty_ok: bool = False, stored: bool = False) -> str:
    """`value` when it is text of at most `limit` characters, without control characters other than tab and newline.

    `stored`: text a vote store keeps (a model's answer may carry any control character, and a vote on it is still
    a vote), where only NUL is refused: PostgreSQL's text cannot hold it, and SQLite refuses it too.

    >>> text("x_prompt", "Hi\\n", 10)
    'Hi\\n'
    >>> text("x_prompt", "a\\x00b", 10)
    Traceback (most recent call last):
    playground.core.errors.InputError: common_err_control(field='x_prompt', position=2)
    """
    if not isinstance(value, str):
        raise InputError("common_err_text", field=field, value=shown(value))
    if not value.strip() and not empty_ok:
        raise InputError("common_err_empty", field=field)
    if len(value) > limit:
        raise InputError("common_err_too_long", field=field, length=len(value), limit=limit)
    for position, character in enumerate(value, start=1):
        if character == "\x00" or (not stored and ((ord(character) < 32 and character not in "\t\n\r")
                                                     or ord(character) == 127)):
            raise InputError("common_err_control", field=field, position=position)
    return value


def table_shape(field: str, rows: Sequence[Sequence[Any]], row_range: tuple[int, int],
                columns: int) -> list[list[float]]:
    """`rows` as floats when there are `row_range` rows of `columns` finite numbers each.

    >>> table_shape("x_table", [[1, 2.5]], (1, 3), 2)
    [[1.0, 2.5]]
    >>> table_shape("x_table", [[1, 2], [3]], (1, 3), 2)
    Traceback (most recent call last):
    playground.core.errors.InputError: common_err_table_shape(field='x_table', low=1, high=3, columns=2, rows=2, got='[2, 1]')
    """
    low, high = row_range
    widths = [len(row) for row in rows]
    if not low <= len(rows) <= high or any(width != columns for width in widths):
        raise InputError("common_err_table_shape", field=field, low=low, high=high, columns=columns,
                         rows=len(rows), got=shown(widths))
    for number, row in enumerate(rows, start=1):
        for cell in row:
            if not is_number(cell) or not math.isfinite(cell):
                raise InputError("common_err_table_cell", field=field, row=number, value=shown(cell))
    return [[float(cell) for cell in row] for row in rows]
