"""A hostile API client on the real server: every bad value is refused clearly, by field, in the reader's language.

`tests/fuzz.py` reads `view_api()` and the page's components, so every endpoint and parameter is covered
without a list here. A sample (one value per parameter that no field allows, in English and Japanese) takes
~30 s; the full run tries every value on every parameter (in Japanese, every refused one), ~7 min. Both are in
the README's test command; neither in the fast subset, which starts no app server (`tests/test_guard.py` covers
the guard there, on a small server of its own).
"""
from __future__ import annotations

import collections

import pytest

from tests import fuzz


def unclear(outcomes: list[fuzz.Outcome]) -> list[str]:
    return [f"{outcome.verdict} {outcome.case.field.endpoint} {outcome.case.field.name}={outcome.case.description}: "
            f"{outcome.message[:200]!r}" for outcome in outcomes if outcome.verdict not in ("clear", "accepted")]


@pytest.mark.slow  # quick (~15 s a language), but on the real app server, which the fast subset never starts
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_a_sample_of_bad_values_on_every_endpoint_is_refused_clearly(app_url, lang):
    outcomes = fuzz.fuzz(app_url, lang, sample=True)
    endpoints = {outcome.case.field.endpoint for outcome in outcomes}
    assert len(endpoints) >= 25 and len(outcomes) >= 100, (len(endpoints), len(outcomes))
    assert not unclear(outcomes), unclear(outcomes)
    assert all(outcome.verdict == "clear" for outcome in outcomes)  # each sampled value is one no field allows


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_bad_value_on_every_endpoint_is_refused_clearly_or_allowed(app_url, lang):
    """English: every value on every parameter. Japanese: every value that no field allows (the refusals, whose
    language is the point; the allowed values run the same handlers in either language)."""
    outcomes = fuzz.fuzz(app_url, lang, refusals_only=lang == "ja")
    print(lang, dict(collections.Counter(outcome.verdict for outcome in outcomes)), len(outcomes), "calls")
    assert len(outcomes) >= (900 if lang == "en" else 600)
    assert not unclear(outcomes), unclear(outcomes)
