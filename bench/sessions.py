"""Memory and time per session: many new sessions, one after another, on the real server (issue 30).

Starts `python app.py` offline on a free port (no preload: nothing but sessions moves its memory),
then opens `--sessions` new sessions one after another, each making the calls a visitor's page makes
first: `/dpo_counts` (a page-load event) and one `/curves_ce`, through Gradio's HTTP API with a new
session hash each (tests/visitor.py). Every `--every` sessions it prints the server's RSS
(/proc/<pid>/status). Then `--clients` new `gradio_client` sessions, timed in three parts: the
Client() itself (it fetches the page's config and API description), its first call (the server
builds the new session's state) and a second call (the same call in an existing session).

    python bench/sessions.py --sessions 1000 --every 100
    python bench/sessions.py --sessions 1000 --capacity 10000    # Gradio's default session capacity
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from deploy.local import Piece, wait_until_ready  # noqa: E402
from deploy.postgres_server import free_port  # noqa: E402
from tests.conftest import SERVER_ENV  # noqa: E402
from tests.visitor import Visitor  # noqa: E402


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def one_session(url: str) -> None:
    visitor = Visitor(url)
    try:
        visitor.call("dpo_counts")
        visitor.call("curves_ce", 0.0, 0.0, 0.0, 1)
    finally:
        visitor.close()


def timed_client(url: str) -> tuple[float, float, float]:
    """Seconds for Client(), its first call (a new session on the server) and a second call."""
    started = time.perf_counter()
    client = Client(url, verbose=False, download_files=False)
    made = time.perf_counter()
    client.predict(api_name="/dpo_counts")
    first = time.perf_counter()
    client.predict(api_name="/dpo_counts")
    second = time.perf_counter()
    client.close()
    return made - started, first - made, second - first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--every", type=int, default=100, help="print RSS every this many sessions")
    parser.add_argument("--clients", type=int, default=10, help="gradio_client sessions to time at the end")
    parser.add_argument("--capacity", type=int, help="PLAYGROUND_SESSION_CAPACITY for the server (default: the app's)")
    args = parser.parse_args()
    port = free_port()
    env = {**os.environ, **SERVER_ENV, "PLAYGROUND_PREFERENCES_DB": tempfile.mktemp(suffix=".sqlite3")}
    if args.capacity:
        env["PLAYGROUND_SESSION_CAPACITY"] = str(args.capacity)
    server = Piece.start("app", [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), "--no-preload"],
                         Path(tempfile.mkdtemp(prefix="bench-sessions-")), env, port)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_ready(url + "gradio_api/info", server.process)
        one_session(url)  # the first calls import and build what every later session reuses
        print(f"server pid {server.process.pid}, log {server.log}\nsessions  RSS MiB  s/session (last {args.every})")
        print(f"{0:8d}  {rss_mib(server.process.pid):7.0f}")
        started = time.perf_counter()
        for done in range(1, args.sessions + 1):
            one_session(url)
            if done % args.every == 0:
                print(f"{done:8d}  {rss_mib(server.process.pid):7.0f}  {(time.perf_counter() - started) / args.every:.3f}",
                      flush=True)
                started = time.perf_counter()
        parts = [timed_client(url) for _ in range(args.clients)]
        made, first, second = (statistics.median(column) for column in zip(*parts))
        print(f"gradio_client, median of {args.clients}: Client() {made:.3f} s, first call {first:.3f} s, "
              f"second call {second:.3f} s (a new session's own cost ~ first - second = {first - second:.3f} s)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
