"""Bad input named by a key, so the page can say it in the reader's language.

Why a key and not a sentence: `playground/` holds no UI text. The engine says *what* is wrong
(`key`, the values that make it so); the tab's text table says it in English and Japanese. The
English `str()` is for logs and library users; `tests/test_ui_text.py` checks every key exists.
"""
from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """A ValueError whose message is the UI-text `key` filled with `values`.

    >>> error = InputError("common_err_range", field="seed", low=0, high=9, value=12)
    >>> error.key, error.values["field"]
    ('common_err_range', 'seed')
    >>> isinstance(error, ValueError)
    True
    """

    def __init__(self, key: str, **values: Any) -> None:
        details = ", ".join(f"{name}={value!r}" for name, value in values.items())
        super().__init__(f"{key}({details})")
        self.key = key
        self.values = values
