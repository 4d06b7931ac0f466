"""A real, throw-away PostgreSQL server for tests, benches and deploy/local.py: Debian's `postgresql` package, one temp folder.

Why not a mock: what the store must get right across replicas (one row per vote under
concurrency, nothing confirmed lost when a process dies) is the server's behaviour. `initdb`
refuses to run as root, so as root (the CI) the cluster belongs to the `postgres` user
(`runuser`); it listens on 127.0.0.1 only, on a free port, with a random password (scram-sha-256),
so the tests use a URL exactly like a deployment's. Installed by `scripts/install.sh --test`.
"""
from __future__ import annotations

import glob
import os
import pathlib
import secrets
import shutil
import socket
import subprocess
import tempfile


def find_bin_dir() -> pathlib.Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb, or $PG_BIN_DIR."""
    candidates = [os.environ["PG_BIN_DIR"]] if os.getenv("PG_BIN_DIR") else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(pathlib.Path(p).parent.name),
                         reverse=True)
    return next((pathlib.Path(c) for c in candidates if (pathlib.Path(c) / "initdb").is_file()), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """`with PostgresServer() as server: url = server.create_database("t1")`; stopped and deleted on exit."""

    def __init__(self, bin_dir: pathlib.Path, user: str = "playground") -> None:
        self.bin_dir = bin_dir
        self.user = user
        self.password = secrets.token_hex(12)
        self.port = free_port()
        # /tmp itself, not pytest's tmp_path: that is private to root, and the server runs as `postgres`
        self.folder = pathlib.Path(tempfile.mkdtemp(prefix="playground-pg-"))
        self.data = self.folder / "data"
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.as_owner, *args], capture_output=True, text=True, cwd=self.folder)
        if result.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stdout}{result.stderr}")

    def start(self) -> PostgresServer:
        password_file = self.folder / "password"
        password_file.write_text(self.password)
        if self.as_owner:
            shutil.chown(password_file, "postgres", "postgres")
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", self.user, "--pwfile", str(password_file),
                  "--auth", "scram-sha-256", "--encoding", "UTF8", "--locale", "C.UTF-8")
        password_file.unlink()
        self.restart()
        return self

    def restart(self, stop_mode: str | None = None) -> None:
        """Start the server; with `stop_mode` ("immediate" = a crash: no checkpoint) stop it first."""
        if stop_mode:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "stop", "-m", stop_mode, "-w")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories='{self.folder}'"
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "-t", "60", "start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new, empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self.data.is_dir():
            subprocess.run([*self.as_owner, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast",
                            "-w"], capture_output=True, cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
