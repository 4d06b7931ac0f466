"""The shipped live run: saved by scripts/record_paged_run.py, shown when the tab opens."""
from __future__ import annotations

import dataclasses
import pathlib

from playground.core import recorded
from playground.paged_attention.live import LiveComparison

ASSET = pathlib.Path("assets/paged_attention/recorded_run.json")
ROOT = recorded.ROOT


def save(comparison: LiveComparison, path: pathlib.Path) -> pathlib.Path:
    return recorded.save(dataclasses.asdict(comparison), path)


def load(path: pathlib.Path = ROOT / ASSET) -> tuple[LiveComparison, str, str]:
    """(comparison, date, machine) of the shipped run."""
    data, date, machine = recorded.load(path)
    return recorded.rebuild(LiveComparison, data), date, machine
