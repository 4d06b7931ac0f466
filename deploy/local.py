"""deploy/compose.yaml's stack on one machine without Docker: PostgreSQL, an engine, N app replicas, nginx.

    python3 deploy/local.py                     # 2 replicas; throw-away PostgreSQL; llama.cpp's server
    python3 deploy/local.py --replicas 4 --port 8080 --postgres-url postgresql://... --engine-url http://gpu:8000/v1

Each piece is the real program compose would run, started from the same files (deploy/topology.py
reads compose.yaml): a PostgreSQL cluster in a temp folder (deploy/postgres_server.py) or the
database you give; llama.cpp's OpenAI-compatible server on the offline GGUF standing in for vLLM
(this machine has no GPU), or the engine you give; the app replicas with compose's environment
(`PLAYGROUND_PREFERENCES_URL`, `PLAYGROUND_ENGINE_URL`, with 127.0.0.1 ports where compose has
service names), each started by the Dockerfile's `CMD`; Debian's nginx with deploy/nginx.conf, its
upstream and listen lines pointed at those ports (and its temp and log files in the stack's
folder; its access log also names the replica that answered). Prints the URL; Ctrl-C (or SIGTERM)
stops everything, nginx first, the database last. The tests through nginx (tests/test_stack.py)
start the stack with `start()`.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

if __package__ in (None, ""):  # `python3 deploy/local.py`: the repository's root, not deploy/, is the import root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy.postgres_server import PostgresServer, find_bin_dir, free_port  # noqa: E402
from deploy.topology import Topology  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ENGINE_ALIAS = "smollm2-135m-q4_1"  # the name llama.cpp's server gives the offline GGUF (what /v1/models reports)


def wait_until_ready(url: str, process: subprocess.Popen, timeout_s: float = 180) -> float:
    """Seconds until `url` answers 200; an error as soon as `process` exits (its log says why)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if process.poll() is not None:
            raise RuntimeError(f"the process behind {url} exited early with code {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} was not ready after {timeout_s} s")


@dataclass
class Piece:
    """One started program, its log, and how it ends: SIGTERM, then SIGKILL after `grace_s`."""

    name: str
    process: subprocess.Popen
    log: Path
    port: int = 0

    @classmethod
    def start(cls, name: str, command: Sequence[str], folder: Path, env: Mapping[str, str] | None = None,
              port: int = 0) -> Piece:
        log = folder / f"{name}.log"
        with open(log, "w") as out:  # the child keeps its own copy of the descriptor
            # its own session: a Ctrl-C reaches only this script, which stops the pieces in order
            process = subprocess.Popen(list(command), cwd=ROOT, env=dict(env or os.environ), stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        return cls(name, process, log, port)

    def stop(self, grace_s: float = 15) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Stack:
    """The running pieces; `stop()` ends them in the reverse of compose's start order."""

    folder: Path
    url: str = ""
    preferences_url: str = ""
    engine_url: str = ""
    postgres: PostgresServer | None = None
    engine: Piece | None = None
    replicas: list[Piece] = field(default_factory=list)
    nginx: Piece | None = None

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def pieces(self) -> list[Piece]:
        return [piece for piece in (self.engine, *self.replicas, self.nginx) if piece]

    def stop(self) -> None:
        for piece in reversed(self.pieces()):
            piece.stop()
        if self.postgres:
            self.postgres.stop()


def engine_command(port: int, threads: int = 1) -> list[str]:
    """llama.cpp's OpenAI-compatible server (llama-cpp-python[server]) on the offline GGUF, 127.0.0.1 only.

    It decodes one request at a time; by default a new request cuts the running one short (its stream just
    ends), which empties a DPO pair (both answers are asked for at once) and any answer when two replicas
    share the engine: `--interrupt_requests False` makes requests wait their turn instead."""
    from playground.core.offline_gguf import locate_gguf
    from playground.core.settings import get_settings

    return [sys.executable, "-m", "llama_cpp.server", "--model", str(locate_gguf(get_settings().cache_dir)),
            "--model_alias", ENGINE_ALIAS, "--n_threads", str(threads), "--n_ctx", "2048",
            "--interrupt_requests", "False", "--host", "127.0.0.1", "--port", str(port)]


def start_engine(folder: Path, threads: int = 1) -> Piece:
    """The engine, ready to answer (its model list is served)."""
    port = free_port()
    engine = Piece.start("engine", engine_command(port, threads), folder, port=port)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}/v1/models", engine.process, timeout_s=120)
    except Exception:
        engine.stop()
        raise
    return engine


def nginx_binary() -> str:
    return os.getenv("NGINX_BIN") or shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_command(conf: Path, folder: Path) -> list[str]:
    """nginx in the foreground (our child, stopped by us), with its prefix, error log and pid in `folder`."""
    return [nginx_binary(), "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log"),
            "-g", f"daemon off; pid {folder / 'nginx.pid'};"]


def start(replicas: int | None = None, port: int = 0, listen_hosts: Sequence[str] = ("127.0.0.1",),
          preferences_url: str = "", engine_url: str = "", threads: int = 1, app_args: Sequence[str] = (),
          env: Mapping[str, str] | None = None) -> Stack:
    """Start the stack in compose's order (database and engine, the replicas once both answer, nginx once every
    replica answers); anything that fails to start stops what had started. `env` is added to the replicas'
    environment under compose's; `port` 0 picks a free one."""
    topology = Topology.load()
    stack = Stack(Path(tempfile.mkdtemp(prefix="playground-stack-")))
    stack.folder.chmod(0o755)  # nginx's workers (not root) write their temp files here
    try:
        variables = dict(os.environ)
        if not preferences_url:
            user, database = topology.postgres_user_and_database()
            bin_dir = find_bin_dir()
            if bin_dir is None:
                raise RuntimeError("PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb): "
                                   "run `bash scripts/install.sh --test`, or pass --postgres-url")
            stack.postgres = PostgresServer(bin_dir, user=user).start()
            stack.postgres.create_database(database)
            variables["POSTGRES_PASSWORD"] = stack.postgres.password
        else:
            variables.setdefault("POSTGRES_PASSWORD", "unused")  # the URL given replaces compose's
        if not engine_url:
            stack.engine = start_engine(stack.folder, threads)
        addresses = {"postgres": f"127.0.0.1:{stack.postgres.port if stack.postgres else 0}",
                     "vllm": f"127.0.0.1:{stack.engine.port if stack.engine else topology.engine_port()}"}
        environment = topology.app_environment(addresses, variables)
        environment["PLAYGROUND_PREFERENCES_URL"] = preferences_url or environment["PLAYGROUND_PREFERENCES_URL"]
        environment["PLAYGROUND_ENGINE_URL"] = engine_url or environment["PLAYGROUND_ENGINE_URL"]
        stack.preferences_url, stack.engine_url = environment["PLAYGROUND_PREFERENCES_URL"], environment["PLAYGROUND_ENGINE_URL"]
        program, *arguments = topology.app_command()  # ["python", "app.py"]: this interpreter, the repository's app.py
        command = [sys.executable if program == "python" else program, *arguments, *app_args]
        for index in range(replicas or topology.replicas(variables)):
            replica_port = free_port()
            replica_env = {**os.environ, **(env or {}), **environment, "PLAYGROUND_THREADS": str(threads),
                           "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(replica_port)}
            stack.replicas.append(Piece.start(f"app-{index + 1}", command, stack.folder, replica_env, replica_port))
        for replica in stack.replicas:  # they start side by side; wait for each
            wait_until_ready(f"http://127.0.0.1:{replica.port}{topology.app_health_path()}", replica.process)
        public_port = port or free_port()
        conf = stack.folder / "nginx.conf"
        conf.write_text(topology.nginx_conf([f"127.0.0.1:{replica.port}" for replica in stack.replicas],
                                            [f"{host}:{public_port}" for host in listen_hosts], stack.folder))
        stack.nginx = Piece.start("nginx", nginx_command(conf, stack.folder), stack.folder, port=public_port)
        stack.url = f"http://{listen_hosts[0]}:{public_port}/"
        wait_until_ready(stack.url.rstrip("/") + topology.app_health_path(), stack.nginx.process, timeout_s=30)
        return stack
    except BaseException:
        stack.stop()
        raise


@contextmanager
def running(**options) -> Iterator[Stack]:
    """`with running(replicas=2) as stack:` the stack, stopped (and its folder kept, for the logs) on exit."""
    stack = start(**options)
    try:
        yield stack
    finally:
        stack.stop()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run deploy/compose.yaml's stack here without Docker.")
    parser.add_argument("--replicas", type=int, help="app replicas (default: compose's APP_REPLICAS default, or $APP_REPLICAS)")
    parser.add_argument("--port", type=int, default=int(os.getenv("PUBLIC_PORT") or 8080),
                        help="nginx's public port (env PUBLIC_PORT; default 8080)")
    parser.add_argument("--host", action="append", dest="hosts",
                        help="address nginx listens on (repeat for several; default 127.0.0.1; 0.0.0.0 for a room)")
    parser.add_argument("--postgres-url", default="", help="a PostgreSQL database for the votes "
                        "(default: a throw-away cluster in a temp folder, deleted at exit)")
    parser.add_argument("--engine-url", default="", help="an OpenAI-compatible engine, e.g. vLLM's http://host:8000/v1 "
                        "(default: llama.cpp's server on the offline GGUF, here)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of each replica and of the engine (default 1)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a SIGTERM stops the pieces like Ctrl-C does
    with running(replicas=args.replicas, port=args.port, listen_hosts=args.hosts or ["127.0.0.1"],
                 preferences_url=args.postgres_url, engine_url=args.engine_url, threads=args.threads) as stack:
        print(f"DL Playground behind nginx: {stack.url}  ({len(stack.replicas)} replicas, engine {stack.engine_url}; "
              f"logs in {stack.folder})\nCtrl-C stops everything.", flush=True)
        reported: set[str] = set()
        try:
            while True:
                time.sleep(2)
                for piece in stack.pieces():
                    if piece.process.poll() is not None and piece.name not in reported:
                        reported.add(piece.name)
                        print(f"{piece.name} exited with code {piece.process.returncode}: see {piece.log}", flush=True)
        except KeyboardInterrupt:
            print("stopping...", flush=True)


if __name__ == "__main__":
    main()
