"""What every tab shares: bilingual text, the reader's language, and errors shown as messages.

Why here: `gr.I18n` translates labels in the browser, but text made in Python (plot titles,
messages) must be localised by us from the request's `accept-language`. Every tab declares its
strings as `{"en": {...}, "ja": {...}}` tables; `app.py` merges them into one `gr.I18n`.
"""
from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any

import gradio as gr

log = logging.getLogger(__name__)
LANGUAGES = ("en", "ja")
Table = dict[str, dict[str, str]]

T = gr.I18n()  # T("key") marks a label for the browser to translate; tables are merged at launch

COMMON_TEXT: Table = {
    "en": {
        "error_title": "Please check the input",
        "error_internal_title": "Server error",
        "error_internal": "Something went wrong on the server: {error}. Try again, or reload the page.",
    },
    "ja": {
        "error_title": "入力を確認してください",
        "error_internal_title": "サーバーエラー",
        "error_internal": "サーバーでエラーが起きました: {error}。もう一度試すか、ページを再読み込みしてください。",
    },
}


def merge_tables(*tables: Table) -> gr.I18n:
    """One gr.I18n from every tab's table; a key missing in one language is a bug, so fail."""
    merged: Table = {lang: {} for lang in LANGUAGES}
    for table in tables:
        missing = set(table["en"]) ^ set(table["ja"])
        if missing:
            raise KeyError(f"UI text without both English and Japanese: {sorted(missing)}")
        for lang in LANGUAGES:
            clash = set(merged[lang]) & set(table[lang])
            if clash:
                raise KeyError(f"UI text keys used by two tabs: {sorted(clash)}")
            merged[lang].update(table[lang])
    return gr.I18n(**merged)


def lang_of(request: gr.Request | None) -> str:
    """'ja' when the browser prefers Japanese, else 'en' (API clients send no preference)."""
    headers = getattr(request, "headers", None) or {}
    preferred = (headers.get("accept-language") or "").lower()
    return "ja" if preferred.startswith("ja") else "en"


def text(table: Table, key: str, request: gr.Request | None, **values: Any) -> str:
    """A string made in Python, in the reader's language."""
    return table[lang_of(request)][key].format(**values)


def _request_in(args: tuple, kwargs: dict) -> gr.Request | None:
    """The handler's `gr.Request`, wherever Gradio passed it, so errors speak the reader's language."""
    return next((value for value in (*args, *kwargs.values()) if isinstance(value, gr.Request)), None)


def _as_user_error(error: Exception, request: gr.Request | None) -> gr.Error:
    if isinstance(error, ValueError):
        return gr.Error(str(error), title=text(COMMON_TEXT, "error_title", request))
    log.exception("Unexpected error in a tab handler")
    return gr.Error(text(COMMON_TEXT, "error_internal", request, error=type(error).__name__),
                    title=text(COMMON_TEXT, "error_internal_title", request))


def user_errors(handler: Callable) -> Callable:
    """Show a handler's `ValueError` as a clear message in the page, never as a traceback.

    Works for plain functions and for generators (streaming handlers). Unexpected errors are
    logged with their traceback on the server and shown to the user as a short message.
    """
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def stream(*args: Any, **kwargs: Any):
            try:
                yield from handler(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as error:
                raise _as_user_error(error, _request_in(args, kwargs)) from error
        return stream

    @functools.wraps(handler)
    def call(*args: Any, **kwargs: Any):
        try:
            return handler(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as error:
            raise _as_user_error(error, _request_in(args, kwargs)) from error
    return call
