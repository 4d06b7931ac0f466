"""Is the Hugging Face Hub reachable? Asked once per process, with a short time-out.

Why: `from_pretrained("org/name")` without a network retries for a long time before failing. A
demo on stage must not hang, so we probe once (3 s), say so once in the log, and fall back.
"""
from __future__ import annotations

import functools
import logging
import os

from playground.core.settings import Settings

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 3.0



def probe_hub(endpoint: str) -> bool:
    """One HEAD request with a short time-out: any answer below 500 means the Hub is there."""
    import httpx

    try:
        return httpx.head(f"{endpoint}/api/models", timeout=PROBE_TIMEOUT_S).status_code < 500
    except httpx.HTTPError:
        return False


@functools.cache  # once per endpoint and process (two racing first calls may both probe: harmless)
def _reachable(endpoint: str) -> bool:
    answer = probe_hub(endpoint)
    if not answer:
        log.warning("Hugging Face Hub unreachable: using the offline models instead.")
    return answer


def is_reachable(settings: Settings) -> bool:
    """False when offline by setting; else the (cached) answer of one short probe."""
    if settings.offline:
        return False
    return _reachable(os.getenv("HF_ENDPOINT", "https://huggingface.co"))


def status_text(settings: Settings) -> str:
    if settings.offline:
        return "offline (by setting)"
    return "online (Hub reachable)" if is_reachable(settings) else "offline (Hub unreachable)"
