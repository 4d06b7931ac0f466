"""deploy/compose.yaml read as data: the one description of the pieces, for Docker Compose and deploy/local.py.

Why read it rather than restate it: `deploy/local.py` runs the same stack without Docker, and two
descriptions would drift. So the app's environment (which variables, which URLs between the
pieces), the replica count, the ports, the health check, the app's command (the Dockerfile's `CMD`)
and nginx's configuration file all come from here; `local.py` only says where each piece runs on
this machine. Anything this module does not know how to map (a new service in a URL, a second
upstream server, a new listen line) is an error, not a silent difference.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent
COMPOSE = DEPLOY / "compose.yaml"
VARIABLE = re.compile(r"\$\{(\w+)(?::([-?])([^}]*))?\}")  # ${NAME}, ${NAME:-default}, ${NAME:?message}
SERVICE_ADDRESS = re.compile(r"(//|@)([a-z][\w-]*):\d+(?=/|$)")  # postgresql://user:pw@postgres:5432/db, http://vllm:8000/v1


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's variable syntax, as Compose reads it: a set, non-empty value wins over `:-default`; `:?` demands one.

    >>> interpolate("${A:-4} ${B:-x}", {"A": "2"})
    '2 x'
    """
    def one(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if variables.get(name):
            return variables[name]
        if kind == "-":
            return rest
        raise KeyError(f"{name} must be set ({rest or 'no default in compose.yaml'})")
    return VARIABLE.sub(one, value)


@dataclass(frozen=True)
class Topology:
    """The services of compose.yaml and what running them elsewhere needs to know about each."""

    services: dict

    @classmethod
    def load(cls, path: Path = COMPOSE) -> Topology:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8"))["services"])

    # ---------------------------------------------------------------- the app replicas
    def replicas(self, variables: Mapping[str, str]) -> int:
        return int(interpolate(str(self.services["app"]["deploy"]["replicas"]), variables))

    def app_port(self) -> int:
        """The port every replica listens on inside its container (nginx's upstream port)."""
        (port,) = self.services["app"]["expose"]
        return int(port)

    def app_health_path(self) -> str:
        """The path of the app's health check (compose asks it before nginx starts)."""
        (path,) = re.findall(r"http://localhost:\d+(/[\w/]*)", " ".join(self.services["app"]["healthcheck"]["test"]))
        return path

    def app_command(self) -> list[str]:
        """The Dockerfile's `CMD` (exec form), the image compose builds for the app."""
        build = self.services["app"]["build"]
        dockerfile = (DEPLOY / build["context"] / build["dockerfile"]).read_text(encoding="utf-8")
        (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, flags=re.M)
        return json.loads(command)

    def app_environment(self, addresses: Mapping[str, str], variables: Mapping[str, str]) -> dict[str, str]:
        """The app service's environment, each URL's `service:port` replaced by `addresses[service]`.

        >>> Topology({"app": {"environment": {"E": "http://vllm:8000/v1"}}}).app_environment({"vllm": "127.0.0.1:9"}, {})
        {'E': 'http://127.0.0.1:9/v1'}
        """
        def local(match: re.Match) -> str:
            if match[2] not in addresses:
                raise KeyError(f"compose.yaml's app reaches the service {match[2]!r}, which deploy/local.py does not run")
            return match[1] + addresses[match[2]]
        return {name: SERVICE_ADDRESS.sub(local, interpolate(str(value), variables))
                for name, value in self.services["app"]["environment"].items()}

    # ---------------------------------------------------------------- the engine and the database
    def engine_port(self) -> int:
        command = self.services["vllm"]["command"]
        return int(command[command.index("--port") + 1])

    def postgres_user_and_database(self) -> tuple[str, str]:
        environment = self.services["postgres"]["environment"]
        return environment["POSTGRES_USER"], environment["POSTGRES_DB"]

    # ---------------------------------------------------------------- nginx
    def nginx_conf_path(self) -> Path:
        """The host file compose mounts as /etc/nginx/nginx.conf."""
        (source,) = [volume.split(":")[0] for volume in self.services["nginx"]["volumes"]
                     if volume.split(":")[1] == "/etc/nginx/nginx.conf"]
        return DEPLOY / source

    def nginx_port(self) -> int:
        """The port nginx listens on in its container (compose publishes it as PUBLIC_PORT)."""
        (mapping,) = self.services["nginx"]["ports"]
        return int(mapping.rsplit(":", 1)[1])

    def nginx_conf(self, upstreams: list[str], listen: list[str], folder: Path) -> str:
        """nginx.conf with the "app" upstream as `upstreams` (host:port each) and `listen` (host:port each)
        for compose's port, and nginx's own files (temp, access log naming the replica) moved into `folder`.
        Everything else, the balancing and proxying included, is the file compose mounts."""
        conf = self.nginx_conf_path().read_text(encoding="utf-8")
        conf = replace_line(conf, rf"server app:{self.app_port()};", [f"server {address};" for address in upstreams])
        conf = replace_line(conf, rf"listen {self.nginx_port()};", [f"listen {address};" for address in listen])
        own_files = "".join(f"    {kind}_temp_path {folder / kind};\n"
                            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        own_files += ("    log_format replica '$remote_addr \"$upstream_addr\" \"$request\" $status';\n"
                      f"    access_log {folder / 'access.log'} replica;\n")
        return conf.replace("http {\n", "http {\n" + own_files, 1)


def replace_line(text: str, statement: str, lines: list[str]) -> str:
    """The one line holding `statement` (a regex; its comment goes too) as `lines`, indented as it was."""
    pattern = re.compile(rf"^([ \t]*){statement}[^\n]*$", flags=re.M)
    found = pattern.findall(text)
    if len(found) != 1:
        raise ValueError(f"nginx.conf has {len(found)} lines with {statement!r}, deploy/local.py expects one")
    return pattern.sub(lambda match: "\n".join(match[1] + line for line in lines), text)
