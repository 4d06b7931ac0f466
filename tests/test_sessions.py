"""Memory per session stays bounded: the server keeps at most PLAYGROUND_SESSION_CAPACITY sessions' state.

What each new session leaves behind is Gradio's: a `SessionState` holding its own copy of every
block's config (bench/sessions.py: +0.77 MiB per session, linear, with Gradio's default capacity of
10,000). `app.py` passes the capacity to `launch(state_session_capacity=...)`; past it Gradio drops
the least recently used session. Here a server with a capacity of 50 takes 50 sessions, then 150
more: unbounded, its RSS would grow by ~115 MiB (150 x 0.77); bounded, it stays within 40 MiB. A
dropped session's visitor is not refused: its next call starts a fresh session.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from conftest import ROOT, SERVER_ENV, free_port, wait_until_ready
from visitor import Visitor

from bench.sessions import one_session, rss_mib
from deploy.local import Piece

pytestmark = pytest.mark.slow
CAPACITY = 50


@pytest.fixture(scope="module")
def small_server(tmp_path_factory) -> Iterator[Piece]:
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "PLAYGROUND_SESSION_CAPACITY": str(CAPACITY)}
    server = Piece.start("app", [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port),
                                 "--no-preload"], tmp_path_factory.mktemp("sessions"), env, port)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/gradio_api/info", server.process)
        yield server
    finally:
        server.stop()


def test_rss_stops_growing_past_the_session_capacity(small_server):
    url = f"http://127.0.0.1:{small_server.port}/"
    first = Visitor(url)
    first.call("dpo_counts")
    for _ in range(CAPACITY):
        one_session(url)
    filled = rss_mib(small_server.process.pid)
    for _ in range(3 * CAPACITY):
        one_session(url)
    grown = rss_mib(small_server.process.pid) - filled
    assert grown < 40, f"RSS grew {grown:.0f} MiB over {3 * CAPACITY} sessions past the capacity"
    assert "Votes stored" in first.call("dpo_counts")[0]  # dropped long ago: a fresh session, no error
