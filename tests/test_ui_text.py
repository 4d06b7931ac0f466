"""Every UI-text key the code can use exists in English and in Japanese.

Why a source scan: a key missing from a table fails only when its branch runs (a rare error, one
preset), in front of an audience. The scan reads every `T(...)`, `text(TABLE, ...)`, `labels(TABLE, ...)`
in `demos/` and `app.py`, and every `InputError(...)` and `playground.core.checks` call (whose first argument
is the field's label key) in `playground/`. Literal keys must exist; keys
built with an f-string must be declared with the values they can take, in the tab module's
`BUILT_KEYS` (f-string with `{}` placeholders -> a function returning the values), so a new f-string,
or a new value without its text, fails here. `demos/common.py` (the machinery) is not scanned.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tab_names() -> list[str]:
    import app

    return [tab.__name__.rsplit(".", 1)[-1] for tab in app.TABS]


def _built_keys() -> dict[str, Callable[[], Iterable]]:
    """The app's own built key, then each tab's declared ones."""
    import app

    declared: dict[str, Callable[[], Iterable]] = {"{}_tab": _tab_names, **app.BUILT_KEYS}
    for tab in app.TABS:
        declared.update(getattr(tab, "BUILT_KEYS", {}))
    return declared


def _tables() -> dict[str, dict[str, str]]:
    import app

    merged: dict[str, dict[str, str]] = {"en": {}, "ja": {}}
    for table in app.TEXT_TABLES:
        for lang in merged:
            merged[lang].update(table[lang])
    return merged


def _pattern(node: ast.AST) -> str | None:
    """'literal' for a string, 'a_{}_b' for an f-string, None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


PAGE_KEY_ARGUMENT = {"T": 0, "text": 1, "labels": 1}
ENGINE_KEY_ARGUMENT = {"InputError": 0, **dict.fromkeys(("in_range", "whole_number", "one_of", "flag", "text",
                                                         "table_shape"), 0)}  # playground.core.checks


def _keys_used() -> list[tuple[str, str, int, str | None]]:
    """(kind, file, line, key pattern) for every call that takes a UI-text key."""
    files = [ROOT / "app.py", *sorted((ROOT / "demos").rglob("*.py")), *sorted((ROOT / "playground").rglob("*.py"))]
    files.remove(ROOT / "demos" / "common.py")
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            in_engine = path.is_relative_to(ROOT / "playground")
            is_check = isinstance(node.func, ast.Attribute) and getattr(node.func.value, "id", None) == "checks"
            position = (ENGINE_KEY_ARGUMENT if in_engine or is_check else PAGE_KEY_ARGUMENT).get(name)
            if position is None or len(node.args) <= position or path.name == "checks.py":
                continue
            found.append((name, str(path.relative_to(ROOT)), node.lineno, _pattern(node.args[position])))
    return found


def test_the_scan_finds_the_keys():
    kinds = {kind for kind, *_ in _keys_used()}
    assert {"T", "text", "labels", "InputError"} <= kinds, kinds


def test_every_key_is_a_literal_or_a_listed_pattern():
    built = _built_keys()
    unknown = [f"{file}:{line} {kind}({pattern})" for kind, file, line, pattern in _keys_used()
               if pattern is None or ("{}" in pattern and pattern not in built)]
    assert not unknown, ("keys built at run time must be f-strings declared in the tab's BUILT_KEYS with "
                         f"their values: {unknown}")


def test_every_key_exists_in_both_languages():
    tables, built = _tables(), _built_keys()
    missing = []
    for kind, file, line, pattern in _keys_used():
        if pattern is None:
            continue
        if kind == "labels":
            if not any(key.startswith(pattern) for key in tables["en"]):
                missing.append(f"{file}:{line} no key starts with {pattern!r}")
            continue
        if "{}" in pattern:
            count = pattern.count("{}")
            values = list(built.get(pattern, list)())
            keys = [pattern.format(*(value if count > 1 else (value,))) for value in values]
        else:
            keys = [pattern]
        missing += [f"{file}:{line} {key} ({lang})" for key in keys for lang in tables if key not in tables[lang]]
    assert not missing, missing


def test_every_built_key_has_values():
    empty = [pattern for pattern, values in _built_keys().items() if not list(values())]
    assert not empty, f"built keys without values, so nothing of them is checked: {empty}"


def test_both_languages_have_the_same_keys():
    tables = _tables()
    assert set(tables["en"]) == set(tables["ja"]), sorted(set(tables["en"]) ^ set(tables["ja"]))



def test_every_plot_says_what_it_shows_in_both_languages(built_demo):
    """No plot is the bare "Plot" Gradio shows for a plot without a label (issue 16)."""
    import gradio as gr
    from gradio.i18n import I18nData

    tables = _tables()
    plots = [block for block in built_demo.blocks.values() if isinstance(block, gr.Plot)]
    assert len(plots) >= 30, f"only {len(plots)} plots found: is the page built?"
    unlabelled = [plot.elem_id for plot in plots if not isinstance(plot.label, I18nData)
                  or any(plot.label.key not in tables[lang] for lang in tables) or plot.show_label is False]
    assert not unlabelled, f"plots without a shown label in both languages: {unlabelled}"
