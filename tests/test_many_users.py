"""Many users on the session's app server (issue 14): a bounded load test, bad input among good, per-session limits."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from gradio_client import Client

pytestmark = pytest.mark.slow


def prompt_of(user: int) -> str:
    return f"User {user}: name one fruit that starts with the letter {'ABCGKLMOPR'[user]}."


def raw_error(app_url: str, data: list) -> str:
    """The error stream of one raw-HTTP call to /generate (raw HTTP can send NaN, JSON clients cannot)."""
    body = json.dumps({"data": data}).replace('"NaN"', "NaN")
    response = httpx.post(app_url + "gradio_api/call/generate", content=body,
                          headers={"content-type": "application/json"}, timeout=30)
    if response.status_code != 200:
        return response.text
    return httpx.get(app_url + f"gradio_api/call/generate/{response.json()['event_id']}", timeout=120).text


def test_ten_users_get_their_own_answers_while_bad_input_is_refused_by_name(app_url, client):
    alone = {user: client.predict(prompt_of(user), 6, 0.0, "reference", api_name="/generate") for user in range(10)}
    bad = {"empty": (["", 6, 0.0, "reference"], "empty"),
           "long": (["x" * 100_000, 6, 0.0, "reference"], "prompt"),
           "nan": (["hi", 6, "NaN", "reference"], "temperature"),
           # refused by the guard, before the handler, naming the field (demos/guard.py)
           "tokens": (["hi", 10**9, 0.0, "reference"], "max new tokens must be a whole number from 1 to")}

    def good(user: int) -> str:
        own = Client(app_url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})
        try:
            return own.predict(prompt_of(user), 6, 0.0, "reference", api_name="/generate")
        finally:
            own.close()

    with ThreadPoolExecutor(max_workers=14) as pool:
        answers = pool.map(good, range(10))
        errors = {name: pool.submit(raw_error, app_url, data) for name, (data, _) in bad.items()}
        together = dict(zip(range(10), answers))
    assert together == alone  # 0 errors, each its own prompt's answer, untouched by the bad calls
    for name, (_, field) in bad.items():
        stream = errors[name].result()
        assert "error" in stream and field in stream.lower() and "Traceback" not in stream, (name, stream[:300])


def test_a_session_past_its_limit_is_refused_at_once(app_url):
    own = Client(app_url, verbose=False, download_files=False, httpx_kwargs={"timeout": 300})
    try:
        jobs = [own.submit(f"Count from 1 to 100, call {i}.", 64, 0.0, "reference", api_name="/generate")
                for i in range(3)]  # one session, three at once: the limit is two
        outcomes = []
        for job in jobs:
            try:
                outcomes.append(job.result(timeout=300))
            except Exception as error:
                outcomes.append(error)
        refused = [o for o in outcomes if isinstance(o, Exception)]
        assert len(refused) == 1 and "Too many requests" in str(refused[0]), outcomes
    finally:
        own.close()
