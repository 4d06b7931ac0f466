"""One browser tab's worth of calls without a browser: Gradio's documented HTTP API with one session hash.

`POST /gradio_api/call/<name>` with the session hash, then that event's server-sent stream (the API
Gradio's docs give for curl). Why not `gradio_client`: it cannot pick the address it connects from
(nginx's `ip_hash` balances by that address; tests/test_stack.py), and it fetches the page's config
and API description for every new session (bench/sessions.py measures both ways).
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import httpx


class VisitorError(Exception):
    """What the visitor saw instead of an answer: the app's message, or a connection that broke."""


class Visitor:
    """One browser tab's calls (to a replica, or through nginx) from `address` (any 127.x.y.z), one session hash."""

    def __init__(self, url: str, address: str = "127.0.0.1", language: str = "en") -> None:
        self.address = address
        self.http = httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address=address),
                                 headers={"Accept-Language": language}, timeout=120)
        self.reload()

    def reload(self) -> None:
        """A new session, as when the page is loaded again."""
        self.session = secrets.token_hex(6)

    def stream(self, name: str, *data: object) -> Iterator[list]:
        """Each update of the event's outputs as it arrives; the app's error message raises VisitorError."""
        try:
            posted = self.http.post(f"gradio_api/call/{name}", json={"data": list(data), "session_hash": self.session})
            posted.raise_for_status()
            with self.http.stream("GET", f"gradio_api/call/{name}/{posted.json()['event_id']}") as response:
                kind = None
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        kind = line.removeprefix("event: ")
                    elif line.startswith("data: ") and kind in ("generating", "complete", "error"):
                        payload = json.loads(line.removeprefix("data: "))
                        if kind == "error":
                            raise VisitorError(payload)
                        yield payload
                        if kind == "complete":
                            return
        except httpx.HTTPError as error:
            raise VisitorError(f"{type(error).__name__}: {error}") from error
        raise VisitorError("the event stream ended without a result")

    def call(self, name: str, *data: object) -> list:
        *_, last = self.stream(name, *data)
        return last

    def close(self) -> None:
        self.http.close()
