"""Runs recorded by a script and shipped as JSON, so a tab opens on a finished lesson without a click.

Why recorded and not computed at start-up: the lesson runs of the LLM tabs take over a minute of CPU
on the offline model; a shipped run costs nothing at start-up (nor on a 2-core CI box) and is shown
labelled with its date and machine, next to a button that runs it live. `save` writes a dict with
both; `load` reads it back; `rebuild` turns `dataclasses.asdict` output back into the dataclasses.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import pathlib
import platform
import types
import typing
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[2]


def machine() -> str:
    """The machine a run was recorded on, as a visitor should read it."""
    return f"{platform.machine()}, {os.cpu_count()} CPU core(s), 1 torch thread"


def save(data: dict[str, Any], path: pathlib.Path) -> pathlib.Path:
    """`data` plus the date (UTC) and the machine, as compact JSON at `path`."""
    stamped = {**data, "recorded": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
               "machine": machine()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stamped, ensure_ascii=False, separators=(",", ":")))
    return path


def load(path: pathlib.Path) -> tuple[dict[str, Any], str, str]:
    """(data, date, machine) of a shipped run; a relative path is read from the repository root."""
    data = json.loads((path if path.is_absolute() else ROOT / path).read_text(encoding="utf-8"))
    return data, data["recorded"], data["machine"]


def rebuild(cls: type, data: dict[str, Any]) -> Any:
    """A dataclass from `dataclasses.asdict` output, nested dataclasses too (fields typed `X`, `list[X]`, `X | None`).

    >>> Leaf = dataclasses.make_dataclass("Leaf", [("value", int)])
    >>> Tree = dataclasses.make_dataclass("Tree", [("leaves", list[Leaf]), ("best", Leaf | None, None)])
    >>> rebuild(Tree, {"leaves": [{"value": 1}], "best": {"value": 2}})
    Tree(leaves=[Leaf(value=1)], best=Leaf(value=2))
    """
    hints = typing.get_type_hints(cls)
    return cls(**{field.name: _value(hints[field.name], data[field.name])
                  for field in dataclasses.fields(cls) if field.init and field.name in data})


def _value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    if dataclasses.is_dataclass(hint):
        return rebuild(hint, value)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is list and args and dataclasses.is_dataclass(args[0]):
        return [rebuild(args[0], item) for item in value]
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in args if dataclasses.is_dataclass(arg)]
        return rebuild(inner[0], value) if inner else value
    return value
