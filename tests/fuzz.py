"""A hostile API client: every named endpoint, one parameter at a time replaced by bad values chosen by its type.

Generic over the running app: it reads `view_api()` and the page's config (each parameter's component,
range, choices, file types), so a new tab or input is fuzzed without a line here. Each answer is
classed:
- `clear`: refused with a message that names the field as the page labels it, in the request's language,
  with no exception name, traceback or Gradio's generic "verbose error reporting";
- `unclear`: refused otherwise; `silent`: a value the field does not allow (wrong type, not finite, out of
  the component's range, 1.5 for a whole number, an unknown choice) was accepted;
- `accepted`: a value the field allows (text with markup, a seed of 0) ran; `hang`: no answer in time.
After each endpoint a cheap good call must still answer (the server neither crashed nor wedged).

`python3 -m tests.fuzz http://127.0.0.1:7860/ [--lang ja] [--sample]` prints the counts and each unclear,
silent or hanging case; `tests/test_fuzz.py` runs it on the test server.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import math
import re
import time
import uuid
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
from gradio_client import Client

GENERIC = ("upstream Gradio app", "verbose error", "Something went wrong", "Traceback", "TypeError", "AttributeError",
           "KeyError", "IndexError", "cannot convert", "could not convert", "not in the list of choices",
           "Invalid file type", "UnicodeDecodeError", "NoneType", "has no attribute", "invalid literal", "Errno",
           "ValidationError", "サーバーでエラー")
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
HOSTILE_TEXT = "<img src=x onerror=alert(1)><script>alert(1)</script>"
ACCEPT_WAIT_S = 2.5  # an allowed value that starts real work is cancelled after this long
HANG_S = 60.0  # a refusal comes at once; no answer at all in this long is a hang


@dataclasses.dataclass(frozen=True)
class Field:
    """One parameter of one endpoint, as the page's component defines it."""
    endpoint: str
    name: str
    kind: str  # the component type: slider, number, checkbox, radio, dropdown, checkboxgroup, textbox, file, ...
    props: dict
    label_key: str | None


@dataclasses.dataclass(frozen=True)
class Case:
    field: Field
    value: Any
    must_refuse: bool
    description: str


@dataclasses.dataclass(frozen=True)
class Outcome:
    case: Case
    lang: str
    verdict: str  # clear, unclear, silent, accepted, hang
    message: str


def label_key(props: dict) -> str | None:
    label = props.get("label")
    if isinstance(label, str) and label.startswith("__i18n__"):
        return json.loads(label.removeprefix("__i18n__"))["key"]
    return None


def fields_of(client: Client) -> dict[str, tuple[int, list[Field]]]:
    """Each named endpoint's function index and inputs, in order, with their components (state inputs included)."""
    components = {component["id"]: component for component in client.config["components"]}
    endpoints = {}
    for dependency in client.config["dependencies"]:
        name = dependency.get("api_name")
        if not name or dependency.get("api_visibility") not in (None, "public"):
            continue
        inputs = [components[i] for i in dependency["inputs"]]
        endpoints["/" + name] = dependency["id"], [Field("/" + name, str(component["props"].get("label")), component["type"],
                                       component["props"], label_key(component["props"])) for component in inputs]
    return endpoints


def with_states(fields: list[Field], values: list[Any]) -> list[Any]:
    """`values` (one per parameter) with null in each state input's place: the page's data list, as the server reads it."""
    given = iter(values)
    return [None if field.kind == "state" else next(given) for field in fields]


def choices(field: Field) -> list[Any]:
    return [choice[1] if isinstance(choice, list) else choice for choice in field.props.get("choices") or []]


def number_allowed(field: Field, value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return False
    props = field.props
    whole = props.get("precision") == 0 or (field.kind == "slider" and float(props.get("step") or 1).is_integer()
                                            and float(props.get("minimum") or 0).is_integer())
    low, high = props.get("minimum"), props.get("maximum")
    return ((not whole or float(value).is_integer()) and (low is None or value >= low)
            and (high is None or value <= high))


def uploaded(url: str, name: str, content: bytes) -> dict:
    """A file really uploaded to the server, as the page sends it."""
    response = httpx.post(url + "gradio_api/upload", files={"files": (name, content)}, timeout=30)
    response.raise_for_status()
    return {"path": response.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def cases(field: Field, url: str) -> Iterator[Case]:
    """Bad values for `field` by its type; `must_refuse` where no such value is allowed by the component."""
    def case(value: Any, description: str, must_refuse: bool = True) -> Case:
        return Case(field, value, must_refuse, description)

    if field.kind in ("slider", "number"):
        for value, description in ((None, "null"), ("abc", "text"), (math.nan, "NaN"), (math.inf, "inf"),
                                   (-1, "-1"), (0, "0"), (1e9, "1e9"), (1e308, "1e308"), (1.5, "1.5"), (True, "true"),
                                   ([1], "a list")):
            allowed = number_allowed(field, value) and value not in (0, -1, 1e9, 1e308)  # big valid ones may run long
            unbounded_ok = value in (-1, 0, 1e9, 1e308, 1.5) and field.props.get("minimum") is None and (
                value == 1.5 or field.props.get("precision") != 0 or float(value).is_integer())
            if value is None and field.props.get("value") is None:
                continue  # a blank optional number is allowed
            yield case(value, description, not (allowed or number_allowed(field, value) or unbounded_ok))
    elif field.kind == "checkbox":
        for value, description in ((None, "null"), ("yes", "text"), (2, "2"), (0, "0")):
            yield case(value, description)
    elif field.kind in ("radio", "dropdown"):
        custom = field.props.get("allow_custom_value")
        yield case("no-such-choice", "an unknown choice", not custom)
        yield case(0.7, "a number")
        yield case(["a"], "a list")
        if field.props.get("value") is not None:
            yield case(None, "null")
    elif field.kind == "checkboxgroup":
        yield case(["no-such-choice"], "an unknown choice")
        yield case("abc", "text, not a list")
        yield case(None, "null")
    elif field.kind == "textbox":
        yield case(None, "null", field.props.get("value") is not None)
        yield case(5, "a number")
        yield case("", "empty", False)
        yield case("x" * 100_000, "100,000 characters", False)
        yield case("a\x00b", "NUL", False)
        yield case(HOSTILE_TEXT, "markup", False)
        yield case("../../../../etc/passwd", "a path", False)
    elif field.kind == "file":
        yield case({"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, "a server path")
        yield case({"path": "/tmp/no-such-file.csv", "meta": {"_type": "gradio.FileData"}}, "a missing file")
        yield case("abc", "text")
        yield case(uploaded(url, "picture.png", b"\x89PNG\r\n\x1a\n not really"), "an image")
        types = field.props.get("file_types") or [".txt"]
        yield case(uploaded(url, "junk" + types[0], b"\xff\xfe\x00\x01binary\x00junk"), "binary junk", False)
    elif field.kind == "dataframe":
        headers = list(field.props.get("value", {}).get("headers") or ["a", "b"])
        yield case(None, "null")
        yield case("abc", "text")
        yield case({"headers": headers, "data": [[1] * len(headers), [1]]}, "ragged rows")
        yield case({"headers": headers, "data": [[1] * len(headers)] * 5000}, "5,000 rows")
        yield case({"headers": headers, "data": [["abc"] * len(headers)]}, "text cells", False)
        yield case({"headers": headers, "data": [[math.nan] * len(headers)]}, "NaN cells", False)
    elif field.kind == "imageeditor":
        yield case("abc", "text")
        yield case({"background": {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, "layers": [],
                    "composite": None}, "a server path")


def named(fields: list[Field], endpoint_api: dict) -> list[Field]:
    """The parameters (state inputs left out) with the names `view_api()` gives them."""
    names = [parameter["parameter_name"] for parameter in endpoint_api["parameters"]]
    shown_fields = [field for field in fields if field.kind != "state"]
    return [dataclasses.replace(field, name=name) for field, name in zip(shown_fields, names, strict=True)]


def base_arguments(fields: list[Field], endpoint_api: dict) -> list[Any]:
    """The endpoint's defaults (or, for a parameter without one, its first choice, empty text or no file)."""
    defaults = {parameter["parameter_name"]: parameter["parameter_default"]
                for parameter in endpoint_api["parameters"] if parameter.get("parameter_has_default")}
    values = []
    for field in fields:
        if field.name in defaults:
            values.append(defaults[field.name])
        elif field.kind in ("radio", "dropdown"):
            values.append((choices(field) or [None])[0])
        elif field.kind == "textbox":
            values.append("")
        else:
            values.append(None)
    return values


def class_answer(case: Case, lang: str, labels: dict[str, dict[str, str]], error: str | None, finished: bool) -> str:
    if error is None:
        if not finished and not case.must_refuse:
            return "accepted"
        return "silent" if case.must_refuse else "accepted"
    names = {labels[lang].get(case.field.label_key, case.field.name)} if case.field.label_key else {case.field.name}
    named = any(name.strip(" :*") in error for name in names)
    speaks = lang != "ja" or bool(JAPANESE.search(error))
    plain = not any(marker in error for marker in GENERIC)
    field_free = not case.must_refuse  # an allowed value refused by the handler for its own reason names what it likes
    return "clear" if plain and speaks and (named or field_free) else "unclear"


def call(url: str, fn_index: int, arguments: list[Any], headers: dict[str, str]) -> tuple[str | None, bool]:
    """(error message or None, whether it finished) for one call in a session of its own.

    Raw queue protocol rather than `gradio_client`, whose JSON encoder cannot send NaN or infinity
    (Python's json, which the server parses with, can). An allowed value's long work is cancelled once
    its first update shows it started.
    """
    try:
        return one_call(url, fn_index, arguments, headers)
    except httpx.TimeoutException as error:  # not even Gradio's heartbeat came: the server is wedged
        raise TimeoutError(f"no answer in {HANG_S} s") from error


def one_call(url: str, fn_index: int, arguments: list[Any], headers: dict[str, str]) -> tuple[str | None, bool]:
    session = uuid.uuid4().hex
    body = json.dumps({"data": arguments, "fn_index": fn_index, "session_hash": session, "event_data": None,
                       "trigger_id": None})
    with httpx.Client(base_url=url, headers={**headers, "Content-Type": "application/json"}, timeout=HANG_S) as http:
        joined = http.post("gradio_api/queue/join", content=body)
        if joined.status_code != 200:
            return joined.text, True
        event_id = joined.json()["event_id"]
        start = time.monotonic()
        with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                if not line.startswith("data:"):
                    continue
                message = json.loads(line.removeprefix("data:"))
                if message.get("msg") == "process_completed":
                    output = message.get("output") or {}
                    return (None if message.get("success") else str(output.get("error"))), True
                if message.get("msg") == "process_generating" and time.monotonic() - start > ACCEPT_WAIT_S:
                    break
                if time.monotonic() - start > HANG_S:
                    raise TimeoutError(f"no answer in {HANG_S} s")
        http.post("gradio_api/cancel", json={"session_hash": session, "fn_index": fn_index, "event_id": event_id})
        return None, False


def fuzz(url: str, lang: str = "en", sample: bool = False, only: set[str] | None = None,
         health: str = "/curves_ce", refusals_only: bool = False) -> list[Outcome]:
    """Every case on every endpoint; with `refusals_only`, the values no field allows (each refused at once), and
    with `sample` one of those per field."""
    from app import I18N

    labels = I18N.translations
    headers = {"Accept-Language": "ja,en;q=0.5"} if lang == "ja" else {"Accept-Language": "en"}
    client = Client(url, verbose=False, download_files=False, headers=headers)
    api = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    endpoints = fields_of(client)
    outcomes = []
    for endpoint, (fn_index, fields) in endpoints.items():
        if endpoint not in api or (only and endpoint not in only):
            continue
        inputs, fields = fields, named(fields, api[endpoint])
        base = base_arguments(fields, api[endpoint])
        for position, field in enumerate(fields):
            field_cases = [case for case in cases(field, url) if case.must_refuse or not (sample or refusals_only)]
            if sample:
                field_cases = field_cases[zlib.crc32(field.name.encode()) % len(field_cases):][:1] if field_cases else []
            for case in field_cases:
                arguments = [*base[:position], case.value, *base[position + 1:]]
                try:
                    error, finished = call(url, fn_index, with_states(inputs, arguments), headers)
                except TimeoutError:
                    outcomes.append(Outcome(case, lang, "hang", ""))
                    continue
                outcomes.append(Outcome(case, lang, class_answer(case, lang, labels, error, finished), error or ""))
        health_index, health_fields = endpoints[health]
        health_values = base_arguments(named(health_fields, api[health]), api[health])
        error, _ = call(url, health_index, with_states(health_fields, health_values), headers)
        if error is not None:
            outcomes.append(Outcome(Case(Field(endpoint, "health", "", {}, None), None, False, "good call"),
                                    lang, "crash", error))
    client.close()
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--lang", default="en", choices=("en", "ja"))
    parser.add_argument("--sample", action="store_true")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    outcomes = fuzz(args.url, args.lang, args.sample, set(args.only or ()) or None)
    print(dict(collections.Counter(outcome.verdict for outcome in outcomes)), f"{len(outcomes)} calls")
    for outcome in outcomes:
        if outcome.verdict not in ("clear", "accepted"):
            print(f"{outcome.verdict:8} {outcome.case.field.endpoint} {outcome.case.field.name}={outcome.case.description}: "
                  f"{outcome.message[:160]!r}")


if __name__ == "__main__":
    main()
