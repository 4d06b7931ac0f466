"""The public API: every endpoint has a stable name that starts with its tab's prefix.

Gradio names an event after its function when no `api_name` is given (`/explain_4`,
`/shipped_images_1`): such names change when code moves, so clients break. Helper events that
are not API are `api_visibility="private"` and do not appear here at all.
"""
from __future__ import annotations

import pytest

# Tab module -> the prefix its public endpoints start with (Math keeps `curves_`, its first name).
PREFIXES = {"generate": "generate", "penalties": "penalties_", "speculative": "speculative_",
            "ema": "ema_", "dpo": "dpo_", "math": "curves_", "paged_attention": "kv_",
            "gan_vs_diffusion": "gan_"}


@pytest.fixture(scope="module")
def api_info(built_demo) -> dict:
    return built_demo.get_api_info()


def test_every_tab_has_a_prefix():
    import app

    assert {tab.__name__.rsplit(".", 1)[-1] for tab in app.TABS} <= set(PREFIXES)


def test_every_public_endpoint_starts_with_its_tab_prefix(api_info):
    names = [name.lstrip("/") for name in api_info["named_endpoints"]]
    assert names, "the app exposes no API at all"
    stray = [name for name in names if not name.startswith(tuple(PREFIXES.values()))]
    assert not stray, f"endpoints without a tab prefix (name them, or make them private): {stray}"
    assert not api_info.get("unnamed_endpoints"), api_info.get("unnamed_endpoints")


def test_documented_endpoints_are_there(api_info):
    names = {name.lstrip("/") for name in api_info["named_endpoints"]}
    assert {"generate", "penalties_generate", "penalties_sweep", "speculative_compare", "ema_train",
            "dpo_pair", "dpo_vote", "dpo_train", "curves_ce", "curves_llm"} <= names
