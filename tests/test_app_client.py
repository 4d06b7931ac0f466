"""The real app in a subprocess, called through gradio_client and raw HTTP."""
from __future__ import annotations

import httpx
import pytest
from gradio_client import Client

from demos.common import LANGUAGES

pytestmark = pytest.mark.slow


def test_generate_streams_real_text(client):
    job = client.submit("What is the capital of France?", 16, 0.0, api_name="/generate")
    partials = list(job)
    assert "Paris" in job.result()
    assert len(partials) >= 2


def test_the_generate_tabs_recorded_answer_is_what_the_live_server_answers(client):
    """The Generate tab opens on a shipped answer: the same prompt and controls, run live, give the same text."""
    from demos import generate
    from playground.core import recorded

    data, _, _ = recorded.load(generate.LESSON)
    live = client.predict(data["prompt"], data["params"]["max_new_tokens"], data["params"]["temperature"],
                          api_name="/generate")
    assert live == data["answer"]


@pytest.mark.parametrize("prompt, max_tokens, temperature", [
    ("", 16, 0.0), ("x" * 100_000, 16, 0.0), ("hi", 0, 0.0), ("hi", 10**9, 0.0),
], ids=["empty-prompt", "prompt-100k-chars", "max-tokens-0", "max-tokens-1e9"])
def test_bad_input_is_a_clear_error_and_the_server_keeps_serving(client, prompt, max_tokens, temperature):
    with pytest.raises(Exception) as error:
        client.predict(prompt, max_tokens, temperature, api_name="/generate")
    assert "Traceback" not in str(error.value)
    assert any(word in str(error.value) for word in ("empty", "limit", "Max new tokens must be a whole number from 1 to 512"))
    assert client.predict("Say hi", 4, 0.0, api_name="/generate")


def test_a_japanese_client_is_told_in_japanese_which_field_is_wrong(app_url, client):
    """The core's checks are keys said in the reader's language: a Japanese browser's header gets Japanese."""
    japanese = Client(app_url, verbose=False, download_files=False, headers={"accept-language": "ja-JP,ja;q=0.9"})
    try:
        with pytest.raises(Exception) as error:
            japanese.predict("   ", 16, 0.0, api_name="/generate")
        assert "プロンプト が空です" in str(error.value) and "Traceback" not in str(error.value)
        with pytest.raises(Exception) as error:
            japanese.predict("x" * 3000, 16, 0.0, api_name="/generate")
        assert "3,000 文字" in str(error.value) and "上限は 2,000 文字" in str(error.value)
    finally:
        japanese.close()
    with pytest.raises(Exception) as error:  # the same request without the header: English
        client.predict("   ", 16, 0.0, api_name="/generate")
    assert "Prompt is empty" in str(error.value)


def test_nan_temperature_over_raw_http_is_refused(app_url, client):
    """JSON clients cannot send NaN; raw HTTP can. The server must answer and keep serving."""
    body = '{"data": ["hi", 8, NaN, "reference"]}'  # raw HTTP sends every input, the policy too
    response = httpx.post(app_url + "gradio_api/call/generate", content=body,
                          headers={"content-type": "application/json"}, timeout=30)
    if response.status_code == 200:
        event_id = response.json()["event_id"]
        stream = httpx.get(app_url + f"gradio_api/call/generate/{event_id}", timeout=60).text
        assert "event: error" in stream and "temperature" in stream.lower()
    else:
        assert response.status_code in (400, 422)
    assert client.predict("Say hi", 4, 0.0, api_name="/generate")


def test_every_ui_string_has_both_languages():
    import app

    translations = app.I18N.translations_dict
    assert set(translations) == set(LANGUAGES)
    assert set(translations["en"]) == set(translations["ja"])
    assert all(translations["ja"][key] for key in translations["ja"])


def test_concurrent_users_get_their_own_answers(app_url, client):
    """A workshop at once: every user's greedy answer equals the one they get alone."""
    from concurrent.futures import ThreadPoolExecutor

    prompts = [f"Name a colour that starts with the letter {letter}." for letter in "BGPRWY"]
    alone = {prompt: client.predict(prompt, 6, 0.0, api_name="/generate") for prompt in prompts}

    def ask(prompt: str) -> tuple[str, str]:
        own = Client(app_url, verbose=False, download_files=False)
        try:
            return prompt, own.predict(prompt, 6, 0.0, api_name="/generate")
        finally:
            own.close()

    with ThreadPoolExecutor(max_workers=len(prompts)) as pool:
        together = dict(pool.map(ask, prompts))
    assert together == alone
