"""Bench the DPO preference store: 1,000 concurrent votes through two replicas, SQLite vs PostgreSQL.

Run: `python bench/preferences.py` (about a minute; needs Debian's postgresql, as the tests do).
Each run is the tests' workload on a fresh database: 50 voter threads, 20 votes each, alternating
between two store instances ("replicas") on the same database; every vote is a durable commit
(SQLite `synchronous=FULL`, PostgreSQL `synchronous_commit=on`). The PostgreSQL server is the
tests' throw-away one (default settings: fsync on). Prints the median of --runs runs, side by side.
"""
from __future__ import annotations

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from deploy.postgres_server import PostgresServer, find_bin_dir  # noqa: E402
from playground.dpo.preferences import PreferenceStore  # noqa: E402
from tests.test_dpo_preferences import vote_concurrently  # noqa: E402  (the test's own workload)


def one_run(location: str, voters: int, votes_each: int) -> float:
    """Seconds for voters x votes_each votes through two replicas; checks every row landed."""
    replicas = [PreferenceStore(location), PreferenceStore(location)]
    start = time.perf_counter()
    errors = vote_concurrently(replicas, voters, votes_each)
    seconds = time.perf_counter() - start
    stored = replicas[0].counts().total
    for replica in replicas:
        replica.close()
    if errors or stored != voters * votes_each:
        raise RuntimeError(f"{stored} rows stored, {len(errors)} errors: {errors[:1]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--voters", type=int, default=50)
    parser.add_argument("--votes-each", type=int, default=20)
    args = parser.parse_args()
    total = args.voters * args.votes_each
    bin_dir = find_bin_dir()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed: run `bash scripts/install.sh --test`.")
    times: dict[str, list[float]] = {"sqlite": [], "postgres": []}
    with PostgresServer(bin_dir) as server, tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):  # interleaved, so a busy moment of the box hits both backends
            times["sqlite"].append(one_run(str(pathlib.Path(folder) / f"run{run}.db"), args.voters, args.votes_each))
            times["postgres"].append(one_run(server.create_database(f"run{run}"), args.voters, args.votes_each))
    print(f"{total:,} concurrent votes ({args.voters} voters x {args.votes_each}, 2 replicas), "
          f"median of {args.runs} runs:")
    for backend, seconds in times.items():
        median = statistics.median(seconds)
        print(f"  {backend:9s} {median:6.2f} s  {total / median:7.0f} votes/s  (runs: "
              f"{', '.join(f'{s:.2f}' for s in seconds)})")
    ratio = statistics.median(times["postgres"]) / statistics.median(times["sqlite"])
    print(f"  ratio     PostgreSQL / SQLite time = {ratio:.2f}")


if __name__ == "__main__":
    main()
