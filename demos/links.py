"""The page's query string: `?lang=ja|en`, `?tab=<id>` and `?present=1`, so a slide can link a view.

Why a middleware for the language: Gradio picks the page's language from `navigator.language`
before any `head` script of ours runs, so `?lang=` is applied by writing a two-line script at the top
of the HTML page itself; strings made in Python read `?lang=` from the request (`common.lang_of`),
since Gradio passes the page's query parameters with every event. State lives in the URL, never in a
session id that dies with a restart.
"""
from __future__ import annotations

import html
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

import gradio as gr
from gradio.events import Dependency

from demos import guard
from demos.common import LANGUAGES, T, Table, lang_of
from playground.core.errors import InputError

TEXT: Table = {
    "en": {"links_copy": "Copy link to this view", "links_link": "Link to this view",
           "links_placeholder": "Press the button: the link to this view appears here, copied to the clipboard."},
    "ja": {"links_copy": "この画面へのリンクをコピー", "links_link": "この画面へのリンク",
           "links_placeholder": "ボタンを押すと、この画面へのリンクがここに表示され、クリップボードにコピーされます。"},
}
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}

# Larger type for a 1280x720 projector; long explanations (elem_classes "lesson-notes") fold away.
PRESENT_CSS = """
.present .gradio-container { --text-sm: 16px; --text-md: 19px; --text-lg: 22px; --text-xl: 26px; --text-xxl: 30px;
  --prose-text-size: 19px; --block-label-text-size: 16px; --block-info-text-size: 15px; font-size: 19px; }
.present .gradio-container { max-width: 100% !important; padding: 4px 12px !important; }
.present .prose h1 { font-size: 1.6em; } .present .prose h3 { font-size: 1.25em; }
.present .lesson-notes { display: none; }
.present .js-plotly-plot, .present .plot-container { max-height: 72vh; }
.present .gradio-container button { font-size: 18px !important; }
.copy-link-button { white-space: nowrap; word-break: keep-all; }
"""
NOTES = ["lesson-notes"]  # elem_classes of a tab's longer explanations: presenter mode folds them
ROOM_FONT_PX = 18  # presenter mode: the smallest text on a plot, readable from the back of a room
# Presenter mode enlarges every plot's text to ROOM_FONT_PX, one mechanism for all tabs: in the browser,
# because the figures are built per request and Gradio's postprocessing does not know the page's URL.
# Every half second each drawn plot whose text is smaller gets one relayout (axes, legend, annotations and
# subplot titles, sliders) and one restyle (colour bars); Plotly then reflows its margins (automargin).
PRESENT_HEAD = """<script>
if (new URLSearchParams(location.search).get('present') === '1') {
  document.documentElement.classList.add('present');
  const ROOM = ROOM_FONT_PX;
  const roomLayout = (layout) => {
    const update = {};
    const grow = (key, size) => { if ((size || 12) < ROOM) update[key] = ROOM; };
    grow('font.size', layout.font && layout.font.size);
    grow('legend.font.size', layout.legend && layout.legend.font && layout.legend.font.size);
    if (layout.title && layout.title.text) grow('title.font.size', layout.title.font && layout.title.font.size);
    for (const key of Object.keys(layout)) {
      if (!/^[xy]axis[0-9]*$/.test(key) || !layout[key]) continue;
      // a log axis labels its minor ticks (2, 5) at 3/4 of the tick font: grow it so those reach ROOM too
      const tick = layout[key].type === 'log' ? Math.ceil(ROOM / 0.75) : ROOM;
      if (((layout[key].tickfont || {}).size || 12) < tick) update[key + '.tickfont.size'] = tick;
      grow(key + '.title.font.size', layout[key].title && layout[key].title.font && layout[key].title.font.size);
      if (!layout[key].automargin) update[key + '.automargin'] = true;
    }
    (layout.annotations || []).forEach((note, i) => grow(`annotations[${i}].font.size`, note.font && note.font.size));
    (layout.sliders || []).forEach((slider, i) => {
      grow(`sliders[${i}].font.size`, slider.font && slider.font.size);
      const current = slider.currentvalue || {};
      grow(`sliders[${i}].currentvalue.font.size`, current.font && current.font.size);
    });
    return update;
  };
  setInterval(() => {
    if (!window.Plotly) return;
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
      if (!plot._fullLayout || !plot.offsetParent) continue;
      const update = roomLayout(plot._fullLayout);
      if (Object.keys(update).length) window.Plotly.relayout(plot, update);
      const bars = (plot._fullData || []).map((trace, i) => [trace, i]).filter(([trace]) =>
        trace.colorbar && ((trace.colorbar.tickfont || {}).size || 12) < ROOM);
      if (bars.length) window.Plotly.restyle(plot, {'colorbar.tickfont.size': ROOM, 'colorbar.title.font.size': ROOM},
                                             bars.map(([, i]) => i));
    }
  }, 500);
}
</script>""".replace("ROOM_FONT_PX", str(ROOM_FONT_PX))


def query_language(query: str) -> str | None:
    """'ja' or 'en' from a raw query string, None when absent or not one of ours.

    >>> query_language("tab=math&lang=ja"), query_language("lang=fr"), query_language("")
    ('ja', None, None)
    """
    value = parse_qs(query).get("lang", [""])[-1].lower()
    return value if value in LANGUAGES else None


def language_script(lang: str) -> bytes:
    """Makes the browser report `lang` as its language before Gradio reads it."""
    value = json.dumps(lang)
    return (f"<script>Object.defineProperty(navigator,'language',{{get:()=>{value}}});"
            f"Object.defineProperty(navigator,'languages',{{get:()=>[{value}]}});</script>").encode()


class LanguageFromQuery:
    """ASGI middleware: `GET /?lang=ja` serves the page with `language_script('ja')` first in `<head>`."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        lang = query_language(scope.get("query_string", b"").decode("latin-1")) if scope["type"] == "http" else None
        if lang is None or scope.get("method") != "GET" or scope.get("path") != "/":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def collect(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            page = bytes(body)
            headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
            is_html = any(name.lower() == b"content-type" and value.startswith(b"text/html") for name, value in headers)
            if is_html and not any(name.lower() == b"content-encoding" for name, _ in headers):
                page = page.replace(b"<head>", b"<head>" + language_script(lang), 1)
            await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, collect)


def language_links(request: gr.Request | None) -> str:
    """The EN/JA switch: links to this same view in each language, the other query parameters kept."""
    params = query(request)
    current = lang_of(request)
    links = []
    for lang in LANGUAGES:
        name = html.escape(LANGUAGE_NAMES[lang])
        href = html.escape("?" + urlencode({**params, "lang": lang}))
        links.append(f"<b>{name}</b>" if lang == current else f'<a href="{href}" hreflang="{lang}">{name}</a>')
    return '<span id="language-switch">' + " · ".join(links) + "</span>"


def query(request: gr.Request | None) -> dict[str, str]:
    """The page's query parameters (empty for API clients)."""
    return {str(key): str(value) for key, value in (getattr(request, "query_params", None) or {}).items()}


def link_script(tab: str, names: list[str], fixed: dict[str, str] | None = None) -> str:
    """JS for a "copy link" button: this page's URL with `tab`, `fixed` and the controls' values as parameters.

    Runs in the browser only (no server round trip); the link is also shown, since the clipboard
    needs a secure context that a workshop's LAN address may not be. Empty values are left out (a
    control that has nothing to say, like Speculative's own prompt while a preset's is shown).
    """
    return (f"(...values) => {{ const names = {json.dumps(names)}; const url = new URL(location.href);"
            f" url.search = ''; const params = new URLSearchParams(location.search);"
            f" for (const key of ['lang', 'present']) if (params.get(key)) url.searchParams.set(key, params.get(key));"
            f" url.searchParams.set('tab', {json.dumps(tab)});"
            f" for (const [key, value] of Object.entries({json.dumps(fixed or {})})) url.searchParams.set(key, value);"
            f" names.forEach((name, i) => {{ if (values[i] !== '' && values[i] != null)"
            f" url.searchParams.set(name, String(values[i])); }});"
            f" navigator.clipboard?.writeText(url.href).catch(() => {{}}); return url.href; }}")


def copy_link_row(tab: str, controls: dict[str, gr.components.Component], fixed: dict[str, str] | None = None) -> None:
    """A "copy link to this view" button and the link it made, for `?tab=<tab>&<name>=<value>...`.

    `fixed`: parameters the link always carries (`section=train` for a row inside that section).
    """
    with gr.Row():
        button = gr.Button(T("links_copy"), size="sm", scale=0, min_width=240, elem_id=f"{tab}-copy-link",
                           elem_classes=["copy-link-button"])  # the Japanese label breaks before "ー" otherwise
        shown = gr.Textbox(label=T("links_link"), show_label=False, placeholder=T("links_placeholder"),
                           interactive=False, max_lines=1, elem_id=f"{tab}-link")
    button.click(None, list(controls.values()), shown, js=link_script(tab, list(controls), fixed),
                 api_visibility="private")


def names_tab(params: dict[str, str], tab: str) -> bool:
    """Whether the link's `?tab=` is `tab` (any case): only then do its other parameters apply to that tab.

    >>> names_tab({"tab": "Math"}, "math"), names_tab({}, "math")
    (True, False)
    """
    return params.get("tab", "").lower() == tab




def parsed(component: gr.components.Component, raw: str) -> Any:
    """A link's text as the value the component takes (a number, a flag, a choice, text); None when it is not one.

    Checked by the guard's own test of the component (its range, whole numbers, choices), so a link can
    set exactly what the page's widget could, and a mistyped value is ignored rather than refused.
    """
    if isinstance(component, (gr.Slider, gr.Number)):
        try:
            value: Any = float(raw)
        except ValueError:
            return None
        value = int(value) if guard.is_whole(component) and value.is_integer() else value
    elif isinstance(component, gr.Checkbox):
        value = {"true": True, "false": False}.get(raw)
    else:
        value = raw
    try:
        guard.check_value(component, value)
    except InputError:
        return None
    return value


def linked_values(params: dict[str, str], controls: dict[str, gr.components.Component]) -> dict[Any, Any]:
    """`{component: value}` for each control whose name the link carries with a value the control allows."""
    found = {}
    for name, component in controls.items():
        value = parsed(component, params[name]) if name in params else None
        if value is not None:
            found[component] = value
    return found


@dataclass(frozen=True, eq=False)
class DeepLink:
    """A tab's `?tab=<tab>&<name>=<value>...`: which control each name sets, and an optional preset first.

    The page-load handler itself (`__call__`), so a test can find every tab's links in the built page and
    ask what a query would set (`values`) without a browser.
    """
    tab: str
    controls: dict[str, gr.components.Component]
    preset: Callable[[dict[str, str]], dict[Any, Any]] | None = None
    extra: tuple[gr.components.Component, ...] = ()

    def outputs(self) -> list[gr.components.Component]:
        return [*self.controls.values(), *self.extra]

    def values(self, params: dict[str, str]) -> dict[Any, Any]:
        """`{component: value}` this query sets: the preset's, then each named control's (a bad value ignored)."""
        if not names_tab(params, self.tab):
            return {}
        return {**(self.preset(params) if self.preset else {}), **linked_values(params, self.controls)}

    def __call__(self, request: gr.Request) -> Any:
        values, outputs = self.values(query(request)), self.outputs()
        if not values:  # Gradio would read an empty dict as a lone output's value
            return gr.skip() if len(outputs) == 1 else [gr.skip()] * len(outputs)
        return values


def when_linked_controls(tab: str, controls: dict[str, gr.components.Component],
                         preset: Callable[[dict[str, str]], dict[Any, Any]] | None = None,
                         extra: Iterable[gr.components.Component] = ()) -> Dependency:
    """On page load, when the link names this tab, each named control takes the link's value, in one event.

    `preset(query)` may first fill controls as a whole (a preset's values, by component; `extra` are
    other outputs it fills, such as the boxes copy link reads); then the link's own values win. Bad values
    are ignored (a mistyped slide link still opens the tab). One event, so what follows it (`.then`)
    computes once with the final values.
    """
    link = DeepLink(tab, controls, preset, tuple(extra))
    return gr.on(None, link, None, link.outputs(), api_visibility="private", queue=False)


def deep_links(blocks: gr.Blocks) -> dict[str, DeepLink]:
    """Every tab's `DeepLink` in a built page, by tab (for tests and the presenter's guide check)."""
    return {function.fn.tab: function.fn for function in blocks.fns.values() if isinstance(function.fn, DeepLink)}


def scroll_to_section(tab: str, sections: dict[str, str]) -> None:
    """`?tab=<tab>&section=<name>` scrolls to the element `sections[name]` (an elem_id) once its tab shows.

    For tabs whose sections share controls (PagedAttention's race uses the calculator's model and GPU),
    so they stay one page rather than sub-tabs. Runs in the browser; it scrolls again as the plots
    above the section are drawn and move it down, and stops as soon as the reader scrolls.
    """
    script = (f"() => {{ const params = new URLSearchParams(location.search);"
              f" if ((params.get('tab') || '').toLowerCase() !== {json.dumps(tab)}) return;"
              f" const id = ({json.dumps(sections)})[params.get('section')]; if (!id) return;"
              f" let tries = 0, scrolls = 0, moved = false;"
              f" addEventListener('wheel', () => {{ moved = true; }}, {{once: true}});"
              f" addEventListener('touchmove', () => {{ moved = true; }}, {{once: true}});"
              f" const go = () => {{ const target = document.getElementById(id);"
              f" if (moved) return;"
              f" if (target && target.offsetParent !== null) {{ target.scrollIntoView({{block: 'start'}});"
              f" if (++scrolls < 6) setTimeout(go, 500); }}"
              f" else if (++tries < 200) setTimeout(go, 100); }}; go(); }}")
    gr.on(None, None, None, None, js=script, api_visibility="private", queue=False)


def linked_number(params: dict[str, str], name: str, low: float, high: float, whole: bool = False) -> float | None:
    """A link's number if it parses and lies in [low, high], else None (the control keeps its value).

    >>> linked_number({"gamma": "4"}, "gamma", 1, 16, whole=True), linked_number({"gamma": "99"}, "gamma", 1, 16)
    (4, None)
    """
    try:
        value = float(params[name])
    except (KeyError, ValueError):
        return None
    if not low <= value <= high or (whole and not value.is_integer()):
        return None
    return int(value) if whole else value


def linked_choice(params: dict[str, str], name: str, choices: Iterable[str]) -> str | None:
    """A link's value if it is one of `choices`, else None."""
    value = params.get(name)
    return value if value in set(choices) else None






def linked_tab(params: dict[str, str], name: str, tab_ids: Iterable[str]) -> Any:
    """`?<name>=<id>` selects that sub-tab of a `gr.Tabs` (`?tab=math&section=binary`); anything else leaves it."""
    wanted = linked_choice(params, name, tab_ids)
    return gr.Tabs(selected=wanted) if wanted is not None else gr.skip()


def selected_tab(request: gr.Request | None, tab_ids: Iterable[str]) -> Any:
    """`?tab=<id>` selects that tab on load; anything else leaves the first one."""
    wanted = query(request).get("tab", "").lower()
    return gr.Tabs(selected=wanted) if wanted in set(tab_ids) else gr.skip()
