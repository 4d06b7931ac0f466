"""The engine backend against a real llama.cpp server (llama-cpp-python[server]) on the offline GGUF.

The server is installed by the test set-up (`scripts/install.sh --test`) and started here on
127.0.0.1 and a free port, one torch-free CPU thread. References: the server's own greedy answer
(a plain HTTP request, not our client), its own penalty implementation, and a stopped server.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import httpx
import pytest
from conftest import free_port, running_app

from deploy.local import ENGINE_ALIAS, start_engine
from playground.core.engine import Engine, spec_decode_acceptance
from playground.core.errors import InputError

pytestmark = pytest.mark.slow
ALIAS = ENGINE_ALIAS
MESSAGES = [{"role": "user", "content": "List the days of the week."}]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory) -> Iterator[str]:
    """The engine deploy/local.py runs: llama.cpp's server on the offline GGUF, one thread."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.fail("llama-cpp-python[server] is not installed: run `bash scripts/install.sh --test`")
    engine = start_engine(tmp_path_factory.mktemp("llama"))
    try:
        yield f"http://127.0.0.1:{engine.port}"
    finally:
        engine.stop()


def server_greedy(url: str, **extra) -> str:
    """The server's own answer, asked with a plain HTTP request (no client of ours)."""
    body = {"model": ALIAS, "messages": MESSAGES, "max_tokens": 24, "temperature": 0.0, **extra}
    response = httpx.post(url + "/v1/chat/completions", json=body, timeout=120)
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def test_the_engine_names_its_model_and_kind(llama_server):
    engine = Engine(llama_server + "/v1")
    assert engine.model_id() == ALIAS
    assert engine.kind() == "llama.cpp"
    with pytest.raises(InputError) as error:
        engine.model_id("meta-llama/Llama-3.1-8B")
    assert error.value.key == "common_err_engine_model" and ALIAS in error.value.values["served"]


def test_streamed_greedy_answer_is_the_servers_own(llama_server):
    engine = Engine(llama_server)
    texts = list(engine.stream_chat(MESSAGES, model=ALIAS, max_tokens=24))
    assert len(texts) > 3, "the answer came in one piece, not streamed"
    assert all(later.startswith(earlier) for earlier, later in zip(texts, texts[1:]))
    assert texts[-1] == server_greedy(llama_server)
    assert engine.chat(MESSAGES, model=ALIAS, max_tokens=24).text == texts[-1]


def test_penalties_reach_the_engine_as_it_defines_them(llama_server):
    engine = Engine(llama_server)
    penalties = {"repeat_penalty": 1.8, "repeat_last_n": 64, "frequency_penalty": 1.0}
    penalised = engine.chat(MESSAGES, model=ALIAS, max_tokens=24, penalties=penalties).text
    assert penalised == server_greedy(llama_server, **penalties)
    assert penalised != server_greedy(llama_server), "these penalties changed nothing: the test shows nothing"


def test_top_logprobs_are_distributions(llama_server):
    answer = Engine(llama_server).chat(MESSAGES, model=ALIAS, max_tokens=4, top_logprobs=5)
    assert len(answer.top_logprobs) == 4
    for top in answer.top_logprobs:
        assert 1 <= len(top) <= 5 and all(value <= 1e-6 for value in top.values())


def test_a_stopped_engine_is_a_clear_error():
    engine = Engine(f"http://127.0.0.1:{free_port()}", timeout_s=5)
    with pytest.raises(InputError) as error:
        list(engine.stream_chat(MESSAGES, model=ALIAS, max_tokens=4))
    assert error.value.key == "common_err_engine_down"
    with pytest.raises(InputError):
        engine.models()


def test_a_url_without_a_scheme_is_refused():
    with pytest.raises(InputError) as error:
        Engine("localhost:8000")
    assert error.value.key == "common_err_engine_url"


def test_acceptance_from_real_vllm_metric_names():
    assert spec_decode_acceptance({"vllm:spec_decode_num_draft_tokens_total": 8.0,
                                   "vllm:spec_decode_num_accepted_tokens_total": 2.0}) == 0.25


@pytest.fixture(scope="module")
def engine_app(llama_server, tmp_path_factory) -> Iterator[str]:
    """`python app.py` with `PLAYGROUND_ENGINE_URL` set to the llama.cpp server."""
    with running_app(tmp_path_factory.mktemp("engine-app") / "server.log", "--no-preload",
                     "--engine-url", llama_server + "/v1") as url:
        yield url


def test_generate_through_the_engine_is_the_servers_greedy_answer(engine_app, llama_server):
    from gradio_client import Client

    client = Client(engine_app, verbose=False, download_files=False)
    try:
        answer = client.predict(MESSAGES[0]["content"], 24, 0.0, "reference", api_name="/generate")
    finally:
        client.close()
    assert answer == server_greedy(llama_server)
    config = httpx.get(engine_app + "config", timeout=10).text
    assert f"engine: {llama_server}/v1 \u2192 {ALIAS}" in config.encode().decode("unicode_escape") or \
        f"engine: {llama_server}/v1 → {ALIAS}" in config, "the header does not name the engine and its model"


def test_a_strong_repeat_penalty_lowers_the_engines_repeats(llama_server):
    """llama.cpp's own repeat_penalty, sent through the Penalties tab's mapping, breaks the poem's loop."""
    from playground.core.generation import GenerationParams
    from playground.core.text_metrics import text_metrics
    from playground.penalties.processors import PenaltyConfig
    from playground.penalties.served import engine_penalties

    engine, poem = Engine(llama_server), [{"role": "user", "content": "Write a short poem about the ocean."}]
    rates = []
    for config in (PenaltyConfig(convention="llama.cpp"), PenaltyConfig(1.8, convention="llama.cpp")):
        answer = engine.chat(poem, model=ALIAS, max_tokens=GenerationParams(64).max_new_tokens,
                             penalties=engine_penalties(config, "llama.cpp"))
        rates.append(text_metrics(answer.text, 64, False).repeated_ngram_rate)
    assert rates[1] < rates[0], rates


def engine_inputs(max_new_tokens: int) -> dict:
    """The Penalties tab's inputs by name, as the page passes them: repetition 1.3 in llama.cpp's convention."""
    return {"prompt": MESSAGES[0]["content"], "repetition": 1.3, "frequency": 0.0, "presence": 0.0,
            "convention": "llama.cpp", "last_n": 64, "temperature": 0.0, "top_p": 1.0, "seed": 0,
            "max_new_tokens": max_new_tokens}


def test_the_penalties_engine_column_says_a_stopped_engine_in_place(monkeypatch):
    from demos.penalties.tab import EngineView

    monkeypatch.setenv("PLAYGROUND_ENGINE_URL", f"http://127.0.0.1:{free_port()}")
    view = EngineView("status", "answer", "plot", "state")
    last = list(view.generate(**engine_inputs(8)))[-1]
    assert "does not answer" in last["status"] and "local tabs still work" in last["status"]


def test_the_penalties_engine_column_is_the_servers_own_penalised_answer(llama_server, monkeypatch):
    from demos.penalties.tab import EngineView

    monkeypatch.setenv("PLAYGROUND_ENGINE_URL", llama_server + "/v1")
    view = EngineView("status", "answer", "plot", "state")
    last = list(view.generate(**engine_inputs(12)))[-1]
    expected = server_greedy(llama_server, max_tokens=12, repeat_penalty=1.3, frequency_penalty=0.0,
                             presence_penalty=0.0)
    assert last["state"].text == expected and "repeat_penalty=1.3" in last["status"]
    assert last["plot"].layout.height and last["plot"].layout.title.text
