"""Where the votes live: one SQLite file (one box, the default) or PostgreSQL (many app replicas).

Why two backends behind one small interface: the store's rules (what a valid vote is, what the
export looks like) are the same everywhere, only the connection, the transaction and two column
types differ. `PreferenceStore` writes its SQL once, with `?` placeholders; a backend hands out
connections whose `execute(sql, params)` runs it and says how its dialect differs (`sql()`,
`id_column`). Both promise the same thing: a write that returned is on disk.

- `SQLiteBackend`: WAL mode (readers never block the writer), `BEGIN IMMEDIATE` serialises
  writers, `synchronous=FULL` makes COMMIT durable; a fresh connection per call, so any thread or
  process may share the file. One box only: SQLite's locks do not work over network filesystems.
- `PostgresBackend`: psycopg 3 with a `psycopg_pool.ConnectionPool` per replica; every connection
  runs with `synchronous_commit=on` (COMMIT returns after the WAL flush, whatever the server's
  default); the pool checks a connection before lending it, so a restarted server costs nothing
  but a reconnect. Schema creation takes an advisory lock, so replicas starting together do not race.
"""
from __future__ import annotations

import contextlib
import pathlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = ("postgresql", "postgres")
SCHEMA_LOCK = 0x766F746573  # pg_advisory_xact_lock key ("votes" in ASCII): one schema creator at a time


class Backend(Protocol):
    """What `PreferenceStore` needs from a database."""

    location: str  # where the votes live, never with a password: for logs and error messages
    id_column: str  # the SQL type of `votes.id`: an integer that grows with every insert

    def read(self) -> contextlib.AbstractContextManager[Any]:
        """A connection for reading; `.execute(sql, params)` returns a cursor."""

    def write(self) -> contextlib.AbstractContextManager[Any]:
        """A connection inside one transaction: committed (durably) on exit, rolled back on error."""

    def lock_schema(self, connection: Any) -> None:
        """Inside `write()`: wait until no other process is creating the schema."""

    def sql(self, query: str) -> str:
        """The store's `?`-placeholder SQL in this backend's dialect."""

    def close(self) -> None:
        """Let go of connections; the store is unusable afterwards."""


def create_schema(backend: Backend, statements: Sequence[str], version_table: str) -> int | None:
    """Run a store's `CREATE ... IF NOT EXISTS` statements once, however many replicas start together, and
    return the schema version the database holds (the caller refuses one it cannot read).

    Each statement may name `{id_column}`, the backend's auto-increment key.
    """
    with backend.write() as connection:
        backend.lock_schema(connection)
        for statement in statements:
            connection.execute(statement.format(id_column=backend.id_column))
        return connection.execute(f"SELECT MAX(version) FROM {version_table}").fetchone()[0]


def is_postgres_url(location: object) -> bool:
    return isinstance(location, str) and urlsplit(location).scheme in POSTGRES_SCHEMES


def redact(url: str) -> str:
    """The URL with its password replaced by `***`, safe to log or show."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class SQLiteBackend:
    """Votes in one SQLite file on this machine."""

    id_column = "INTEGER PRIMARY KEY AUTOINCREMENT"  # AUTOINCREMENT: an undone vote's id is never reused

    def __init__(self, path: pathlib.Path | str, timeout_s: float) -> None:
        self.path = pathlib.Path(path)
        self.location = str(self.path)
        self.timeout_s = timeout_s
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._use_wal()

    def _use_wal(self) -> None:
        """Put the file in WAL mode (persistent: stored in the file), waiting up to the timeout for it.

        Why a loop: while another connection switches the same file (replicas starting together),
        SQLite answers "database is locked" at once, without waiting its busy timeout (seen in 5 of 150
        starts of six at once; `tests/test_dpo_preferences.py`)."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            try:
                with self.read() as connection:
                    connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=self.timeout_s, isolation_level=None)
        try:
            connection.execute("PRAGMA synchronous=FULL")  # durable at COMMIT, not just at checkpoint
            yield connection
        finally:
            connection.close()

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """Taken at once (`IMMEDIATE`: no lock-upgrade deadlock between two readers turned writers)."""
        with self.read() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def lock_schema(self, connection: sqlite3.Connection) -> None:
        """Nothing to do: `BEGIN IMMEDIATE` already admits one writer at a time."""

    def sql(self, query: str) -> str:
        return query

    def close(self) -> None:
        """Nothing held between calls."""


class PostgresBackend:
    """Votes in a PostgreSQL database shared by every app replica."""

    id_column = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str, timeout_s: float, pool_size: int = 10) -> None:
        import psycopg  # here, not at the top: a SQLite-only install never loads libpq
        from psycopg_pool import ConnectionPool

        self.location = redact(url)
        options = {"connect_timeout": max(1, round(min(timeout_s, 30))), "application_name": "dl-playground",
                   "options": "-c synchronous_commit=on"}
        try:  # one direct connection first: a wrong URL fails now, with libpq's reason
            psycopg.connect(url, **options).close()
        except psycopg.Error as error:
            raise ConnectionError(f"Cannot reach the preference database {self.location} "
                                  f"(PLAYGROUND_PREFERENCES_URL): {str(error).strip()}") from error
        # min_size=1: a replica keeps one warm connection; max_size bounds what N replicas take from the
        # server's max_connections (100 by default). `timeout`: how long a vote waits for a free connection.
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, timeout=timeout_s, kwargs=options,
                                   check=ConnectionPool.check_connection, name="preferences", open=False)
        self.pool.open(wait=True, timeout=timeout_s)

    @contextlib.contextmanager
    def read(self) -> Iterator[Any]:
        with self.pool.connection() as connection:  # commits on a clean exit, rolls back on an error
            yield connection

    write = read  # every pooled connection already runs its work in one transaction

    def lock_schema(self, connection: Any) -> None:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))  # released at COMMIT

    def sql(self, query: str) -> str:
        return query.replace("?", "%s")  # the store's SQL has no other `?` and no `%`

    def close(self) -> None:
        self.pool.close()


def open_backend(location: pathlib.Path | str, timeout_s: float) -> Backend:
    """A `postgresql://` (or `postgres://`) URL -> PostgreSQL; anything else is a SQLite file path."""
    if is_postgres_url(location):
        return PostgresBackend(str(location), timeout_s)
    if isinstance(location, str) and "://" in location:  # a URL of another database, not a file name
        raise ValueError(f"PLAYGROUND_PREFERENCES_URL must start with postgresql:// (or postgres://), got "
                         f"{redact(location)!r}; leave it empty for the SQLite file.")
    return SQLiteBackend(location, timeout_s)
