"""What every tab shares: bilingual text, the reader's language, and errors shown as messages.

Why here: `gr.I18n` translates labels in the browser, but text made in Python (plot titles,
messages) must be localised by us from the request's `accept-language`.

The one way to write UI text: each tab keeps *all* its strings in one `TEXT` table
(`{"en": {...}, "ja": {...}}`, every key starting with the tab's prefix) at the top of its module, or in
`text.py` for a tab that is a package; `app.py` merges them into one `gr.I18n`. Labels in the page are
`T("key")`; strings made in Python are `text(TEXT, "key", request)`; figures in `playground/` take a
`labels` mapping made by `labels(TEXT, "prefix_fig_", request)`; bad input raised in the engine is an
`InputError(key, ...)` that `user_errors(TEXT)` says in the reader's language. Keys built at run time
(f-strings) must be listed in `tests/test_ui_text.py`, which checks every one exists in both languages.
"""
from __future__ import annotations

import dataclasses
import functools
import html
import inspect
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import gradio as gr
import numpy as np
from gradio.components.plot import PlotData
from plotly.utils import PlotlyJSONEncoder

from playground.core.batching import Schedulers, ServerBusy, TooManyRequests
from playground.core.engine import configured_engine
from playground.core.errors import InputError
from playground.core.generation import GenerationParams
from playground.core.models import LoadedLM
from playground.core.timed import Place, TimedWork

log = logging.getLogger(__name__)
LANGUAGES = ("en", "ja")
Table = dict[str, dict[str, str]]

T = gr.I18n()  # T("key") marks a label for the browser to translate; tables are merged at launch
# A plot's label (what it shows, in the reader's language) on its own line above the figure: Gradio floats
# it over the figure's top-left corner, where it would hide Plotly's title and subplot titles.
PLOT_CSS = """.block:has(.js-plotly-plot) > label[data-testid="block-label"].float { position: static; margin-bottom: 4px; }"""

COMMON_TEXT: Table = {
    "en": {
        "error_title": "Please check the input",
        "error_internal_title": "Server error",
        "error_internal": "Something went wrong on the server: {error}. Try again, or reload the page.",
        "common_err_range": "{field} must be between {low} and {high} (got {value}).",
        "common_err_whole": "{field} must be a whole number from {low} to {high} (got {value}).",
        "common_err_number": "{field} must be a number (got {value}).",
        "common_err_arguments": "This action takes {wanted} values (got {got}).",
        "common_err_whole_any": "{field} must be a whole number (got {value}).",
        "common_err_choice": "{field} must be one of {allowed} (got {value}).",
        "common_err_choices": "{field} must be a list of some of {allowed} (got {value}).",
        "common_err_boolean": "{field} must be true or false (got {value}).",
        "common_err_text": "{field} must be text (got {value}).",
        "common_err_text_long": "{field} has {length:,} characters; the limit is {limit:,}.",
        "common_err_too_long": "{field} has {length:,} characters; the limit is {limit:,}. Shorten it.",
        "common_err_control": "{field} contains a control character at position {position}: remove it.",
        "common_err_file": "{field} must be an uploaded file of type {allowed} (got {value}).",
        "common_err_file_type": "{field} must be a file of type {allowed} (got {value}).",
        "common_err_file_missing": "{field}: the file {value} was not uploaded to this server (or is gone). Upload it again.",
        "common_err_table": "{field} must be a table of at most {rows:,} rows and {columns} columns, "
                            "each row as long as the header, each cell a number or text (got {value}).",
        "common_err_table_shape": "{field} must have {low} to {high} rows of {columns} numbers (got {rows} rows "
                                  "of {got} numbers).",
        "common_err_table_cell": "{field}, row {row}: every cell must be a finite number (got {value}).",
        "common_err_image": "{field} must be a drawing: background, layers and composite images (got {value}).",
        "common_err_empty": "{field} is empty: please enter some text.",
        "common_err_prompt_empty": "The prompt is empty: type something for the model to work on.",
        "common_err_prompt_long": "The prompt has {length:,} characters; the limit is {limit:,}. Shorten it.",
        "common_err_max_new_tokens": "The max new tokens setting must be a whole number from {low} to {high} "
                                     "(got {value}).",
        "common_err_temperature": "The temperature must be between {low} (greedy) and {high} (got {value}).",
        "common_err_top_p": "The top-p must be in (0, 1] (got {value}).",
        "common_err_seed": "The seed must be a whole number from {low} to {high:,} (got {value}).",
        "common_err_engine_url": "Engine URL {value!r} must start with http:// or https://.",
        "common_err_engine_down": "The serving engine at {url} does not answer. Is it running? The local tabs still work.",
        "common_err_engine_slow": "The serving engine at {url} did not answer in time. Try again, or ask for fewer tokens.",
        "common_err_engine_status": "The serving engine at {url} refused the request (HTTP {status}): {detail}",
        "common_err_engine_model": "The serving engine at {url} serves {served}, not {expected}.",
        "common_ahead": "⏳ {ahead} ahead of you: runs that are timed go one at a time, yours starts when they finish.",
        "common_quiet": "⏳ Your turn: waiting for {running} other visitor generation(s) to finish, so they do not "
                        "slow the timing.",
        "common_busy": "The server is busy: try again in a minute.",
        "common_batch_too_many": "Too many requests from you: {limit} are already running. Wait for one to "
                                 "finish (or press Stop), then try again.",
        "common_timed_too_many": "You already have a run waiting or running: wait for it to finish (or press Stop), "
                                 "then try again.",
    },
    "ja": {
        "error_title": "入力を確認してください",
        "error_internal_title": "サーバーエラー",
        "error_internal": "サーバーでエラーが起きました: {error}。もう一度試すか、ページを再読み込みしてください。",
        "common_err_range": "{field} は {low} から {high} の範囲で指定してください（入力値: {value}）。",
        "common_err_whole": "{field} は {low} から {high} の整数で指定してください（入力値: {value}）。",
        "common_err_number": "{field} は数値で指定してください（入力値: {value}）。",
        "common_err_arguments": "この操作は {wanted} 個の値を受け取ります（入力: {got} 個）。",
        "common_err_whole_any": "{field} は整数で指定してください（入力値: {value}）。",
        "common_err_choice": "{field} は {allowed} のいずれかを指定してください（入力値: {value}）。",
        "common_err_choices": "{field} は {allowed} から選んだリストで指定してください（入力値: {value}）。",
        "common_err_boolean": "{field} は true か false で指定してください（入力値: {value}）。",
        "common_err_text": "{field} はテキストで指定してください（入力値: {value}）。",
        "common_err_text_long": "{field} が {length:,} 文字あります。上限は {limit:,} 文字です。",
        "common_err_too_long": "{field} が {length:,} 文字あります。上限は {limit:,} 文字です。短くしてください。",
        "common_err_control": "{field} の {position} 文字目に制御文字があります。取り除いてください。",
        "common_err_file": "{field} は {allowed} 形式のアップロードファイルで指定してください（入力値: {value}）。",
        "common_err_file_type": "{field} は {allowed} 形式のファイルにしてください（入力値: {value}）。",
        "common_err_file_missing": ("{field}: ファイル {value} はこのサーバーにアップロードされていません"
                                    "（または削除されました）。もう一度アップロードしてください。"),
        "common_err_table": "{field} は {rows:,} 行・{columns} 列以内の表で、各行の長さが見出しと同じ、各セルが数値か"
                            "テキストである必要があります（入力値: {value}）。",
        "common_err_table_shape": "{field} は {columns} 個の数値からなる行を {low} から {high} 行にしてください"
                                  "（入力: {rows} 行、各行 {got} 個）。",
        "common_err_table_cell": "{field} の {row} 行目: セルはすべて有限の数値にしてください（入力値: {value}）。",
        "common_err_image": "{field} は描画（背景・レイヤー・合成画像）で指定してください（入力値: {value}）。",
        "common_err_empty": "{field} が空です。テキストを入力してください。",
        "common_err_prompt_empty": "プロンプトが空です。モデルに渡すテキストを入力してください。",
        "common_err_prompt_long": "プロンプトが {length:,} 文字あります。上限は {limit:,} 文字です。短くしてください。",
        "common_err_max_new_tokens": "最大新規トークン数は {low} から {high} の整数で指定してください（入力値: {value}）。",
        "common_err_temperature": "温度は {low}（貪欲）から {high} の範囲で指定してください（入力値: {value}）。",
        "common_err_top_p": "top-p は 0 より大きく 1 以下で指定してください（入力値: {value}）。",
        "common_err_seed": "シードは {low} から {high:,} の整数で指定してください（入力値: {value}）。",
        "common_err_engine_url": "エンジンの URL {value!r} は http:// か https:// で始めてください。",
        "common_err_engine_down": ("{url} のサービングエンジンが応答しません。起動していますか？"
                                   "ローカルのタブはそのまま使えます。"),
        "common_err_engine_slow": ("{url} のサービングエンジンが時間内に応答しませんでした。"
                                   "もう一度試すか、トークン数を減らしてください。"),
        "common_err_engine_status": "{url} のサービングエンジンがリクエストを拒否しました（HTTP {status}）: {detail}",
        "common_err_engine_model": "{url} のサービングエンジンが提供しているのは {served} で、{expected} ではありません。",
        "common_ahead": "⏳ あと {ahead} 件待ち: 時間を計る実行は 1 件ずつ順番に動きます。前の実行が終わると始まります。",
        "common_quiet": "⏳ 順番が来ました。計測が遅くならないよう、ほかの訪問者の生成 {running} 件が終わるのを待っています。",
        "common_busy": "サーバーが混み合っています。1 分ほどしてからもう一度お試しください。",
        "common_batch_too_many": "リクエストが多すぎます。すでに {limit} 件を実行中です。どれかが終わるまで待つか"
                                 "「停止」を押してから、もう一度お試しください。",
        "common_timed_too_many": "すでに実行が待機中か実行中です。終わるまで待つか「停止」を押してから、もう一度お試しください。",
    },
}


def engine_message(error: InputError, request: gr.Request | None) -> str:
    """A serving engine's failure (down, slow, refused, another model) said in the reader's language, for a
    tab that shows it in place of the engine's part: the local parts of the page keep working."""
    return text(COMMON_TEXT, error.key, request, **error.values)


def engine_metrics_line(table: Table, request: gr.Request | None, read: Callable[[dict[str, float]], dict | None],
                        none_key: str, found_key: str) -> str:
    """One line about the configured engine's `/metrics`: `found_key` filled with what `read` found, or
    `none_key` when the engine exposes none of it, or why the engine could not be asked (reader's language)."""
    try:
        engine = configured_engine()
        metrics = engine.metrics()
    except InputError as error:
        return engine_message(error, request)
    found, url = read(metrics), html.escape(engine.root)
    if found is None:
        return text(table, none_key, request, url=url)
    return text(table, found_key, request, url=url, **found)


class ComponentView:
    """Base of a handler's view dataclass: its component fields are the output components, in order.

    Why: a handler that answers `{component: value}` needs the same list as its event's outputs;
    deriving it from the fields keeps the two from drifting apart. Other fields (a server object
    the handler works with, such as the `TimedWork` line) are not outputs.
    """

    def outputs(self) -> list[gr.components.Component]:
        return [value for field in dataclasses.fields(self)
                if isinstance(value := getattr(self, field.name), gr.components.Component)]


def _rounded(value: Any, digits: int) -> Any:
    """`value` with every float (in lists, dicts and numpy arrays) cut to `digits` significant digits."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        value = value.tolist()
    if isinstance(value, float):
        return float(f"{value:.{digits}g}")
    if isinstance(value, (list, tuple)):
        return [_rounded(item, digits) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item, digits) for key, item in value.items()}
    return value


def plot_data(figure, digits: int = 4) -> PlotData:
    """A Plotly figure as `gr.Plot` sends it, trimmed of what cannot be seen; the same picture.

    Trimmed: floats cut to `digits` significant digits (float64 is ~18 characters a number; a plot
    400 px wide shows 4 digits), and the theme's styles for trace types the figure does not have
    (Plotly's default template styles ~40 of them, half of a small figure's JSON). Cached, a
    PlotData also skips Gradio's own `to_json` on every later request.
    """
    spec = figure.to_plotly_json()
    template = spec.get("layout", {}).get("template", {})
    if "data" in template:
        used = {trace.get("type", "scatter") for trace in spec["data"]}
        template["data"] = {kind: styles for kind, styles in template["data"].items() if kind in used}
    return PlotData(type="plotly", plot=json.dumps(_rounded(spec, digits), cls=PlotlyJSONEncoder, separators=(",", ":")))


def session_of(request: gr.Request | None) -> str:
    """The visitor's Gradio session ("api" without one): who cast a vote, whose trained policy answers."""
    return (getattr(request, "session_hash", None) or "api")[:64]


@contextmanager
def timed_turn(work: TimedWork, request: gr.Request | None) -> Iterator[Place]:
    """This visitor's place in the server's line for timed work (playground/core/timed.py), left on exit.

    Past the line's limits the visitor is told at once, in their language, never kept waiting.
    """
    try:
        place = work.join(getattr(request, "session_hash", None))
    except TooManyRequests as error:
        raise ValueError(text(COMMON_TEXT, "common_timed_too_many", request)) from error
    except ServerBusy as error:
        raise ValueError(text(COMMON_TEXT, "common_busy", request)) from error
    with place:
        yield place


def batched_stream(batches: Schedulers, lm: LoadedLM, prompt: str, params: GenerationParams,
                   request: gr.Request | None) -> Iterator[str]:
    """The answer so far, decoded in the model's one batch with every other visitor's (playground/core/batching.py).

    Queued (or refused, in the reader's language, at once) when called, before the first read, so a
    caller can ask for several answers and read them together. Closing it frees its row.
    """
    try:
        return batches.stream(lm, prompt, params, session=getattr(request, "session_hash", None))
    except TooManyRequests as error:
        raise ValueError(text(COMMON_TEXT, "common_batch_too_many", request, limit=error.limit)) from error
    except ServerBusy as error:
        raise ValueError(text(COMMON_TEXT, "common_busy", request)) from error


def wait_for_turn(place: Place, request: gr.Request | None, show: Callable[[str], Any],
                  quiet: bool = False) -> Iterator[Any]:
    """`show("3 ahead of you")` each time the place moves; with `quiet`, then while other model work ends.

    `show` turns the message into what the handler yields (its status output); a handler does
    `yield from wait_for_turn(...)` inside `with timed_turn(...)` and then does its work.
    """
    for ahead in place.waiting():
        yield show(text(COMMON_TEXT, "common_ahead", request, ahead=ahead))
    if quiet:
        for running in place.quiet():
            yield show(text(COMMON_TEXT, "common_quiet", request, running=running))


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
    """The page's `?lang=` if it is one of ours, else 'ja' when the browser prefers Japanese, else 'en'.

    Gradio sends the page's query parameters with every event, so a link with `?lang=ja` speaks
    Japanese on a borrowed English laptop; API clients send neither and get English.
    """
    chosen = str((getattr(request, "query_params", None) or {}).get("lang", "")).lower()
    if chosen in LANGUAGES:
        return chosen
    headers = getattr(request, "headers", None) or {}
    preferred = (headers.get("accept-language") or "").lower()
    return "ja" if preferred.startswith("ja") else "en"


def text(table: Table, key: str, request: gr.Request | None, **values: Any) -> str:
    """A string made in Python, in the reader's language."""
    return table[lang_of(request)][key].format(**values)


def labels(table: Table, prefix: str, request: gr.Request | None) -> dict[str, str]:
    """Every string of `table` whose key starts with `prefix`, keyed without it: a figure's labels.

    >>> labels({"en": {"x_fig_loss": "loss", "x_tab": "X"}, "ja": {"x_fig_loss": "損失", "x_tab": "X"}}, "x_fig_", None)
    {'loss': 'loss'}
    """
    return {key.removeprefix(prefix): value for key, value in table[lang_of(request)].items()
            if key.startswith(prefix)}


def field_label_text(table: Table | None, field: str, request: gr.Request | None) -> str:
    """The label of the field whose UI-text key is `field` (as `playground.core.checks` names it), in the reader's
    language; a field that is not a key of the tab's table (a library caller's own name) is quoted as it is."""
    lang = lang_of(request)
    for source in (table, COMMON_TEXT):
        if source is not None and field in source[lang]:
            return source[lang][field]
    return field


def _request_in(args: tuple, kwargs: dict) -> gr.Request | None:
    """The handler's `gr.Request`, wherever Gradio passed it, so errors speak the reader's language."""
    return next((value for value in (*args, *kwargs.values()) if isinstance(value, gr.Request)), None)


def _as_user_error(error: Exception, request: gr.Request | None, table: Table | None) -> gr.Error:
    if isinstance(error, InputError):
        source = table if table is not None and error.key in table["en"] else COMMON_TEXT
        values = {**error.values, **({"field": field_label_text(table, error.values["field"], request)}
                                     if "field" in error.values else {})}
        return gr.Error(text(source, error.key, request, **values), title=text(COMMON_TEXT, "error_title", request))
    if isinstance(error, ValueError):
        return gr.Error(str(error), title=text(COMMON_TEXT, "error_title", request))
    log.exception("Unexpected error in a tab handler")
    return gr.Error(text(COMMON_TEXT, "error_internal", request, error=type(error).__name__),
                    title=text(COMMON_TEXT, "error_internal_title", request))


def user_errors(handler: Callable | None = None, table: Table | None = None) -> Callable:
    """Show a handler's `ValueError` as a clear message in the page, never as a traceback.

    `@user_errors` or `@user_errors(table=TEXT)`: an `InputError` is said from the tab's table (or
    the common one) in the reader's language. Works for plain functions and for generators
    (streaming handlers). Unexpected errors are logged with their traceback on the server and shown
    to the user as a short message.
    """
    if handler is None:
        return functools.partial(user_errors, table=table)
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def stream(*args: Any, **kwargs: Any):
            try:
                yield from handler(*args, **kwargs)
            except gr.Error:
                raise
            except Exception as error:
                raise _as_user_error(error, _request_in(args, kwargs), table) from error
        return stream

    @functools.wraps(handler)
    def call(*args: Any, **kwargs: Any):
        try:
            return handler(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as error:
            raise _as_user_error(error, _request_in(args, kwargs), table) from error
    return call
