"""deploy/: the compose file wires what docs/serving.md says, and nginx accepts its configuration.

Docker cannot run on the CI (no daemon), so the files are checked as data: the compose file is
parsed with PyYAML and its services, ports and environment asserted; `nginx -t` (Debian's nginx,
installed by `scripts/install.sh --test`, or $NGINX_BIN) tests the nginx.conf that deploy/local.py
runs: the Docker service name replaced by 127.0.0.1 ports (nginx resolves upstream names at load
time), its temp, pid and log paths moved into a temp folder. The stack itself runs in
tests/test_stack.py.
"""
from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from deploy.local import nginx_binary, nginx_command
from deploy.topology import Topology
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"]


def upstream(conf: str) -> str:
    (block,) = re.findall(r"upstream playground \{(.*?)\}", conf, flags=re.S)
    return block


def test_compose_has_replicas_behind_nginx_a_vllm_server_and_postgres(services):
    assert set(services) == {"nginx", "app", "vllm", "postgres"}
    assert services["nginx"]["ports"] == ["${PUBLIC_PORT:-80}:80"]  # the only published port
    assert all("ports" not in services[name] for name in ("app", "vllm", "postgres"))
    assert services["app"]["deploy"]["replicas"] == "${APP_REPLICAS:-4}"
    assert (ROOT / services["app"]["build"]["context"].replace("..", ".") / services["app"]["build"]["dockerfile"]
            ).is_file()
    assert services["nginx"]["depends_on"]["app"]["condition"] == "service_healthy"
    assert {"postgres", "vllm"} <= set(services["app"]["depends_on"])
    assert services["vllm"]["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]


def test_the_app_reaches_postgres_and_vllm_by_their_service_names(services):
    app = services["app"]["environment"]
    assert re.fullmatch(r"postgresql://playground:\$\{POSTGRES_PASSWORD:\?[^}]*\}@postgres:5432/votes",
                        app["PLAYGROUND_PREFERENCES_URL"])
    postgres = services["postgres"]["environment"]
    assert (postgres["POSTGRES_USER"], postgres["POSTGRES_DB"]) == ("playground", "votes")
    vllm_port = services["vllm"]["command"][services["vllm"]["command"].index("--port") + 1]
    assert app["PLAYGROUND_ENGINE_URL"] == f"http://vllm:{vllm_port}/v1"
    assert services["app"]["expose"] == [app["GRADIO_SERVER_PORT"]]


def test_nginx_is_sticky_by_client_ip_and_passes_streams_through(services):
    conf = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    block = upstream(conf)
    assert "ip_hash;" in block
    assert re.findall(r"server (\S+);", block) == [f"app:{services['app']['environment']['GRADIO_SERVER_PORT']}"]
    for directive in ("proxy_pass http://playground;", "proxy_buffering off;", "proxy_http_version 1.1;",
                      "proxy_set_header Upgrade $http_upgrade;"):
        assert directive in conf


def test_nginx_accepts_the_configuration_deploy_local_runs(tmp_path):
    """The file `deploy/local.py` hands nginx: compose's nginx.conf with two replicas' ports and its own paths."""
    nginx = nginx_binary()
    if not os.path.isfile(nginx):
        pytest.skip("nginx is not installed: run `bash scripts/install.sh --test` (Debian's nginx) or set NGINX_BIN")
    conf = Topology.load().nginx_conf(["127.0.0.1:7861", "127.0.0.1:7862"], ["127.0.0.1:8080"], tmp_path)
    assert upstream(conf).count("server 127.0.0.1:") == 2 and "app:" not in conf and "listen 80;" not in conf
    (tmp_path / "nginx.conf").write_text(conf, encoding="utf-8")
    result = subprocess.run([*nginx_command(tmp_path / "nginx.conf", tmp_path), "-t"], capture_output=True, text=True)
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr


def test_the_local_stack_reads_its_pieces_from_compose(services):
    """What deploy/local.py runs comes from compose.yaml: the app's environment (service names become local
    ports, nothing added or dropped), the replica default, the app's command and health check."""
    topology = Topology.load()
    environment = topology.app_environment({"postgres": "127.0.0.1:5433", "vllm": "127.0.0.1:8001"},
                                           {"POSTGRES_PASSWORD": "s3cret"})
    assert environment["PLAYGROUND_PREFERENCES_URL"] == "postgresql://playground:s3cret@127.0.0.1:5433/votes"
    assert environment["PLAYGROUND_ENGINE_URL"] == "http://127.0.0.1:8001/v1"
    assert set(environment) == set(services["app"]["environment"])
    assert topology.replicas({}) == 4 and topology.replicas({"APP_REPLICAS": "2"}) == 2
    assert topology.app_command() == ["python", "app.py"] and topology.app_health_path() == "/gradio_api/info"
    with pytest.raises(KeyError, match="POSTGRES_PASSWORD"):
        topology.app_environment({"postgres": "127.0.0.1:5433", "vllm": "127.0.0.1:8001"}, {})
    with pytest.raises(KeyError, match="vllm"):
        topology.app_environment({"postgres": "127.0.0.1:5433"}, {"POSTGRES_PASSWORD": "s3cret"})
