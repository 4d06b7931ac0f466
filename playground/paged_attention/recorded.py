"""The shipped live run: saved by scripts/record_paged_run.py, shown when the tab opens."""
from __future__ import annotations

import dataclasses
import datetime
import json
import os
import pathlib
import platform

from playground.paged_attention.live import LiveComparison, LiveRun

ASSET = pathlib.Path("assets/paged_attention/recorded_run.json")
ROOT = pathlib.Path(__file__).resolve().parents[2]


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU core(s), 1 torch thread"


def save(comparison: LiveComparison, path: pathlib.Path) -> pathlib.Path:
    data = dataclasses.asdict(comparison)
    data["recorded"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    data["machine"] = machine()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return path


def load(path: pathlib.Path = ROOT / ASSET) -> tuple[LiveComparison, str, str]:
    """(comparison, date, machine) of the shipped run."""
    data = json.loads(path.read_text())
    runs = {key: LiveRun(**data[key]) if data.get(key) else None for key in ("static", "paged", "prefix_on", "prefix_off")}
    return (LiveComparison(runs["static"], runs["paged"], data["texts"], data["identical"], runs["prefix_on"],
                           runs["prefix_off"]), data["recorded"], data["machine"])
