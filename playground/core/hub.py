"""Is the Hugging Face Hub reachable? Asked once per process, with a short time-out.

Why: `from_pretrained("org/name")` without a network retries for a long time before failing. A
demo on stage must not hang, so we probe once (3 s), say so once in the log, and fall back.
"""
from __future__ import annotations

import logging
import os
import threading

from playground.core.settings import Settings

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 3.0

_answer: bool | None = None
_lock = threading.Lock()


def probe_hub() -> bool:
    import httpx

    endpoint = os.getenv("HF_ENDPOINT", "https://huggingface.co")
    try:
        return httpx.head(f"{endpoint}/api/models", timeout=PROBE_TIMEOUT_S).status_code < 500
    except httpx.HTTPError:
        return False


def is_reachable(settings: Settings) -> bool:
    """False when offline by setting; else the (cached) answer of one short probe."""
    global _answer
    if settings.offline:
        return False
    with _lock:
        if _answer is None:
            _answer = probe_hub()
            if not _answer:
                log.warning("Hugging Face Hub unreachable: using the offline models instead.")
    return _answer


def status_text(settings: Settings) -> str:
    if settings.offline:
        return "offline (by setting)"
    return "online (Hub reachable)" if is_reachable(settings) else "offline (Hub unreachable)"
