"""An OpenAI-compatible serving engine as a backend: vLLM on GPU, llama.cpp's server on CPU.

Why: when a workshop outgrows one box, the answer is a real serving engine, not our own loop. With
`PLAYGROUND_ENGINE_URL` set, tabs can send their prompts to it and show its own counters; without
it, everything stays local. The maintained `openai` client does the HTTP and the server-sent events;
`prometheus_client` parses `/metrics`. Failures become `InputError`s (engine down, slow, serving another
model) that the page says in the reader's language, and the local tabs keep working.
"""
from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import openai
from prometheus_client.parser import text_string_to_metric_families

from playground.core.errors import InputError
from playground.core.settings import get_settings

# The penalty parameters each engine implements, by the names its API takes (sent as extra body).
PENALTY_NAMES = {
    "vllm": ("repetition_penalty", "frequency_penalty", "presence_penalty"),
    "llama.cpp": ("repeat_penalty", "repeat_last_n", "frequency_penalty", "presence_penalty"),
}
OPENAI_FIELDS = {"frequency_penalty", "presence_penalty"}  # the two the OpenAI schema itself has


@dataclass(frozen=True)
class EngineAnswer:
    text: str
    finish_reason: str | None
    top_logprobs: list[dict[str, float]] = field(default_factory=list)  # per generated token
    tokens: list[str] = field(default_factory=list)  # the generated tokens' text, when logprobs were asked for


class Engine:
    """One OpenAI-compatible server at `base_url` (with or without the trailing `/v1`)."""

    def __init__(self, base_url: str, *, timeout_s: float = 60.0) -> None:
        root = base_url.rstrip("/").removesuffix("/v1")
        if not root.startswith(("http://", "https://")):
            raise InputError("common_err_engine_url", value=base_url)
        self.root = root
        self.client = openai.OpenAI(base_url=root + "/v1", api_key="not-needed", timeout=timeout_s, max_retries=0)

    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        """The engine's failures said as keyed messages (also while a stream is being read)."""
        try:
            yield
        except openai.APITimeoutError as error:
            raise InputError("common_err_engine_slow", url=self.root) from error
        except openai.APIConnectionError as error:
            raise InputError("common_err_engine_down", url=self.root) from error
        except openai.APIStatusError as error:
            raise InputError("common_err_engine_status", url=self.root, status=error.status_code,
                             detail=str(error.message)[:200]) from error

    def models(self) -> list[dict]:
        """The served models as the server lists them (`id`, `owned_by`, ...)."""
        with self._errors():
            return [model.model_dump() for model in self.client.models.list()]

    def kind(self) -> str:
        """'vllm' or 'llama.cpp' (the penalty names differ): vLLM lists its models as owned by "vllm"."""
        return "vllm" if any(model.get("owned_by") == "vllm" for model in self.models()) else "llama.cpp"

    def model_id(self, expected: str | None = None) -> str:
        """The served model's id; `expected` that is not served is an error, not a silent other answer."""
        served = [model["id"] for model in self.models()]
        if not served:
            raise InputError("common_err_engine_model", url=self.root, expected=expected or "?", served="-")
        if expected is None:
            return served[0]
        if expected not in served:
            raise InputError("common_err_engine_model", url=self.root, expected=expected, served=", ".join(served))
        return expected

    @staticmethod
    def _request(messages: list[dict], max_tokens: int, temperature: float, top_p: float, seed: int | None,
                 penalties: dict[str, float] | None, top_logprobs: int) -> dict:
        body = {name: value for name, value in (penalties or {}).items() if name not in OPENAI_FIELDS}
        request = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature, "top_p": top_p,
                   "extra_body": body or None}
        request.update({name: value for name, value in (penalties or {}).items() if name in OPENAI_FIELDS})
        if seed is not None:
            request["seed"] = seed
        if top_logprobs:
            request.update(logprobs=True, top_logprobs=top_logprobs)
        return request

    def stream_chat(self, messages: list[dict], *, model: str, max_tokens: int, temperature: float = 0.0,
                    top_p: float = 1.0, seed: int | None = None,
                    penalties: dict[str, float] | None = None) -> Iterator[str]:
        """The answer's text as the engine streams it: the full text so far after each chunk."""
        request = self._request(messages, max_tokens, temperature, top_p, seed, penalties, 0)
        text = ""
        with self._errors(), self.client.chat.completions.create(model=model, stream=True, **request) as stream:
            for chunk in text_deltas(stream):
                text += chunk
                yield text

    def chat(self, messages: list[dict], *, model: str, max_tokens: int, temperature: float = 0.0,
             top_p: float = 1.0, seed: int | None = None, penalties: dict[str, float] | None = None,
             top_logprobs: int = 0) -> EngineAnswer:
        """One whole answer, with the engine's top log-probabilities per token when asked for."""
        request = self._request(messages, max_tokens, temperature, top_p, seed, penalties, top_logprobs)
        with self._errors():
            response = self.client.chat.completions.create(model=model, **request)
        choice = response.choices[0]
        content = (choice.logprobs.content or []) if choice.logprobs else []
        tops = [{item.token: item.logprob for item in token.top_logprobs} for token in content]
        return EngineAnswer(choice.message.content or "", choice.finish_reason, tops, [token.token for token in content])

    def stream_prompt(self, prompt: str, *, max_tokens: int, temperature: float = 0.0, top_p: float = 1.0,
                      seed: int | None = None) -> Iterator[str]:
        """One user turn to the served model (its own chat template applies): the text so far."""
        yield from self.stream_chat([{"role": "user", "content": prompt}], model=self.model_id(),
                                    max_tokens=max_tokens, temperature=temperature, top_p=top_p, seed=seed)

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus counters and gauges (`/metrics`), summed over labels; {} if it serves none."""
        try:
            response = httpx.get(self.root + "/metrics", timeout=5.0)
        except httpx.HTTPError as error:
            raise InputError("common_err_engine_down", url=self.root) from error
        return parse_metrics(response.text) if response.status_code == 200 else {}


@functools.lru_cache(maxsize=4)
def shared_engine(url: str) -> Engine:
    """One client (one connection pool) per engine URL and server process, made on first use.
    A bad URL raises and is not cached, so every request says what is wrong with it."""
    return Engine(url)


def configured_engine() -> Engine | None:
    """The engine of `PLAYGROUND_ENGINE_URL` (`--engine-url`), or None: then every model runs here."""
    url = get_settings().engine_url
    return shared_engine(url) if url else None


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text -> {sample name: value summed over labels} (counters keep their `_total`).

    >>> parse_metrics('# TYPE vllm:num_requests_running gauge\\n'
    ...               'vllm:num_requests_running{engine="0"} 2.0\\nvllm:num_requests_running{engine="1"} 1.0\\n')
    {'vllm:num_requests_running': 3.0}
    """
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


def text_deltas(stream) -> Iterator[str]:
    """The text deltas of a chat-completions stream (role-only and empty chunks skipped)."""
    for event in stream:
        if event.choices and event.choices[0].delta.content:
            yield event.choices[0].delta.content


def spec_decode_acceptance(metrics: dict[str, float]) -> float | None:
    """vLLM's speculative acceptance: accepted / drafted tokens, None when it has not speculated.

    >>> spec_decode_acceptance({"vllm:spec_decode_num_draft_tokens_total": 40.0,
    ...                         "vllm:spec_decode_num_accepted_tokens_total": 30.0})
    0.75
    >>> spec_decode_acceptance({}) is None
    True
    """
    drafted = metrics.get("vllm:spec_decode_num_draft_tokens_total", 0.0)
    accepted = metrics.get("vllm:spec_decode_num_accepted_tokens_total", 0.0)
    return accepted / drafted if drafted else None


@dataclass(frozen=True)
class SpecDecodeCounts:
    drafted: float  # tokens the draft proposed since the server started
    accepted: float  # of those, tokens the target kept
    acceptance: float | None  # accepted / drafted; None before the first draft


def spec_decode_counts(metrics: dict[str, float]) -> SpecDecodeCounts | None:
    """vLLM's speculative counters, or None when the engine exposes none (llama.cpp, vLLM without a draft).

    >>> spec_decode_counts({"vllm:spec_decode_num_draft_tokens_total": 40.0,
    ...                     "vllm:spec_decode_num_accepted_tokens_total": 30.0}).acceptance
    0.75
    """
    if "vllm:spec_decode_num_draft_tokens_total" not in metrics:
        return None
    return SpecDecodeCounts(metrics["vllm:spec_decode_num_draft_tokens_total"],
                            metrics.get("vllm:spec_decode_num_accepted_tokens_total", 0.0),
                            spec_decode_acceptance(metrics))


@dataclass(frozen=True)
class KvUsage:
    usage: float  # fraction of the KV-cache blocks in use, 0 to 1 (vLLM names it "perc" but sends a fraction)
    running: float  # requests being decoded now
    waiting: float  # requests queued for memory or a slot
    preemptions: float  # requests evicted to make room, since the server started


def kv_usage(metrics: dict[str, float]) -> KvUsage | None:
    """vLLM's live KV-cache gauges (v1 `kv_cache_usage_perc`, v0 `gpu_cache_usage_perc`), or None when absent.

    >>> kv_usage({"vllm:kv_cache_usage_perc": 0.25, "vllm:num_requests_running": 3.0,
    ...           "vllm:num_requests_waiting": 1.0, "vllm:num_preemptions_total": 2.0})
    KvUsage(usage=0.25, running=3.0, waiting=1.0, preemptions=2.0)
    >>> kv_usage({"llamacpp:tokens_predicted_total": 10.0}) is None
    True
    """
    usage = metrics.get("vllm:kv_cache_usage_perc", metrics.get("vllm:gpu_cache_usage_perc"))
    if usage is None:
        return None
    return KvUsage(usage, metrics.get("vllm:num_requests_running", 0.0), metrics.get("vllm:num_requests_waiting", 0.0),
                   metrics.get("vllm:num_preemptions_total", 0.0))
