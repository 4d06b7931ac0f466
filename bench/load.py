"""Many users on one box: N gradio_client users call the real server at once (issue 14).

Starts `python app.py` offline on a free port, waits until the model is warm, then N threads,
each with its own `Client` (its own session), call `/generate` with 16 greedy tokens and a prompt
of their own, all released together. Prints p50/p95 latency, errors (busy refusals counted apart),
and whether every user got the answer to its own prompt (the same answer a lone request gets).

Two kinds of session, in alternate rounds of one run (`--sessions both`, the default):
- "open": each client first makes the call a browser's page load makes (`/dpo_counts`, one of the
  page's load events), so its Gradio session exists before the burst, as for a visitor who opened
  the page and then pressed Generate.
- "cold": the burst is each client's first call (the issue's measurement). Gradio then builds the
  new session's copy of every block's config (404 blocks here, ~56 ms each session on this CPU, on
  the server's event loop, one session after another), inside the measured time.

    python bench/load.py --users 30 --repeats 5
    python bench/load.py --users 100
    python bench/load.py --users 30 --endpoint curves_ce --sessions open
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gradio_client import Client  # noqa: E402

from tests.conftest import running_app as serving  # noqa: E402

BUSY_WORDS = ("busy", "Too many requests", "Queue is full")


def prompt_of(user: int) -> str:
    return f"User {user}: name one animal whose name starts with the letter {chr(65 + user % 26)}."


def call(client: Client, endpoint: str, user: int) -> str:
    if endpoint == "generate":
        return client.predict(prompt_of(user), 16, 0.0, "reference", api_name="/generate")
    return str(client.predict(2.0 - 0.1 * (user % 10), 0.5, -1.0, user % 3, api_name="/curves_ce"))


def one_round(url: str, users: int, endpoint: str, expected: dict[int, str], open_sessions: bool) -> dict:
    """All users at once: latencies of the successes, error texts, and answers that were not their own."""
    # gradio_client's default 20 s read timeout would count a slow answer as an error; a browser waits
    clients = [Client(url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})
               for _ in range(users)]
    if open_sessions:  # what the page load does in a browser, before the visitor presses anything
        for client in clients:
            client.predict(api_name="/dpo_counts")
    start = threading.Barrier(users)
    latencies, errors, wrong = [], [], []
    lock = threading.Lock()

    def user(index: int) -> None:
        start.wait()
        began = time.perf_counter()
        try:
            answer = call(clients[index], endpoint, index)
        except Exception as error:  # counted and printed, not raised: the figure is the count
            with lock:
                errors.append(str(error))
            return
        with lock:
            latencies.append(time.perf_counter() - began)
            if index in expected and answer != expected[index]:
                wrong.append(index)

    threads = [threading.Thread(target=user, args=(i,)) for i in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    return {"latencies": latencies, "errors": errors, "wrong": wrong}


@contextmanager
def running_app() -> Iterator[str]:
    """The real app (`tests.conftest.running_app`), its log in a temporary file that is kept and named."""
    with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as log, serving(Path(log.name)) as url:
        yield url
    print(f"  server log: {log.name}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30, help="10, 30 or 100 (any number works)")
    parser.add_argument("--repeats", type=int, default=1, help="rounds; the median of each figure is printed")
    parser.add_argument("--endpoint", default="generate", choices=["generate", "curves_ce"])
    parser.add_argument("--sessions", default="both", choices=["both", "open", "cold"],
                        help="open: each client's session made before the burst, as a page load does; "
                             "cold: the burst is each client's first call; both: alternate rounds of each")
    args = parser.parse_args()

    with running_app() as url:
        warm = Client(url, verbose=False, download_files=False)
        expected = {}
        if args.endpoint == "generate":  # each user's answer alone (greedy: the one it must get in the crowd)
            expected = {user: call(warm, "generate", user) for user in range(min(args.users, 30))}
        else:
            call(warm, args.endpoint, 0)
        warm.close()
        kinds = ["open", "cold"] if args.sessions == "both" else [args.sessions]
        rounds = {kind: [] for kind in kinds}
        for _ in range(args.repeats):  # alternate, so both kinds see the same state of the box
            for kind in kinds:
                rounds[kind].append(one_round(url, args.users, args.endpoint, expected, kind == "open"))
    print(f"{args.users} users x /{args.endpoint}, {args.repeats} round(s) per kind of session, median over rounds:")
    for kind, kind_rounds in rounds.items():
        report(kind, kind_rounds)


def report(kind: str, rounds: list[dict]) -> None:
    p50 = statistics.median(percentile(r["latencies"], 0.5) for r in rounds)
    p95 = statistics.median(percentile(r["latencies"], 0.95) for r in rounds)
    busy = [sum(any(w in e for w in BUSY_WORDS) for e in r["errors"]) for r in rounds]
    other = [len(r["errors"]) - b for r, b in zip(rounds, busy)]
    per_round = ", ".join(f"{percentile(r['latencies'], 0.95):.1f}" for r in rounds)
    print(f"  {kind} sessions: p50 {p50:.1f} s   p95 {p95:.1f} s   (p95 per round {per_round})")
    print(f"    served {[len(r['latencies']) for r in rounds]}   busy refusals {busy}   other errors {other}   "
          f"not their own answer {[r['wrong'] for r in rounds]}")
    for error in {e for r in rounds for e in r["errors"]}:
        print(f"    error: {error[:160]}")


if __name__ == "__main__":
    main()
