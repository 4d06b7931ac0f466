"""Who answers whom: each visitor's own trained policy, and the one the room was shown.

Why: a workshop shares one server. If every finished run went live for everyone, one participant's
training would change the presenter's Generate demo, everyone's vote pairs and the header. So a run
stays its visitor's (their Gradio session's) until someone publishes it to the room, and the host
may require a presenter key for that (`PRESENTER_KEY_ENV`).

Memory: a visitor's policy is a model. A LoRA policy shares the frozen base weights with the shared
model (`training.make_policy`), so it costs its adapter (18.6 MiB for SmolLM2-135M, r = 16, all linear layers); a
full fine-tune is a whole copy (513 MiB in float32). `SessionPolicies` keeps at most
`max_policies` of them and `max_bytes` in all, letting the least recently used go first and
remembering, for a while, whose went, so that visitor is told instead of silently answered by
another policy.
"""
from __future__ import annotations

import hmac
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from playground.core.errors import InputError

PRESENTER_KEY_ENV = "PLAYGROUND_PRESENTER_KEY"  # set by the host: publishing then needs this key
PRIVATE_POLICIES = 8  # visitors' own policies kept at once (LoRA: 18.6 MiB each for SmolLM2-135M)
PRIVATE_BYTES = 2 * 1024**3  # and at most this much of their own weights (3 full fine-tunes of 513 MiB)
EVICTED_MARKS = 1024  # sessions told "your policy was let go" are remembered this long (a few bytes each)


def private_bytes(model: Any, reference: Any) -> int:
    """Bytes of `model`'s weights and buffers that it does not share with `reference` (each storage once).

    What keeping the policy costs: a LoRA policy's adapter, a full fine-tune's whole copy.
    """
    shared = {t.untyped_storage().data_ptr() for t in itertools.chain(reference.parameters(), reference.buffers())}
    seen: set[int] = set()
    total = 0
    for tensor in itertools.chain(model.parameters(), model.buffers()):
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in shared and storage.data_ptr() not in seen:
            seen.add(storage.data_ptr())
            total += storage.nbytes()
    return total


def may_publish(required: str | None, typed: str | None) -> bool:
    """Whether `typed` unlocks publishing: anyone may when the host set no key (`required` None or empty).

    Compared in constant time, so the answer's timing says nothing about how much of the key was right.

    >>> may_publish(None, ""), may_publish("s3cret", "s3cret"), may_publish("s3cret", "guess")
    (True, True, False)
    """
    if not required:
        return True
    return hmac.compare_digest((typed or "").strip().encode(), required.encode())


def check_key(required: str | None, typed: str | None) -> None:
    """`may_publish`, or the page's message: a key is needed (none typed) or the typed one is wrong."""
    if may_publish(required, typed):
        return
    if not (typed or "").strip():
        raise InputError("dpo_err_key_missing")
    raise InputError("dpo_err_key_wrong")


class SessionPolicies:
    """Session -> that visitor's own trained policy, least recently used first, bounded in number and bytes.

    `size(policy)` says what a policy costs (bytes); the newest policy is always kept, even alone over
    `max_bytes`. A session whose policy was let go keeps only `mark(policy)` (its run number, say), never
    the model. Thread-safe: every visitor's request reads it.

    >>> kept = SessionPolicies(max_policies=2, size=lambda policy: 1)
    >>> kept.put("a", "run 1"), kept.put("b", "run 2"), kept.put("c", "run 3")
    ([], [], ['a'])
    >>> kept.get("a"), kept.evicted("a"), kept.get("c")
    (None, 'run 1', 'run 3')
    """

    def __init__(self, max_policies: int = PRIVATE_POLICIES, max_bytes: int = PRIVATE_BYTES,
                 size: Callable[[Any], int] = lambda policy: 0, mark: Callable[[Any], Any] = str,
                 marks: int = EVICTED_MARKS) -> None:
        if max_policies < 1:
            raise ValueError(f"max_policies must be at least 1, got {max_policies}")
        self.max_policies, self.max_bytes, self.marks = max_policies, max_bytes, marks
        self._size, self._mark = size, mark
        self._lock = threading.Lock()
        self._kept: OrderedDict[str, tuple[Any, int]] = OrderedDict()  # session -> (policy, bytes), oldest first
        self._evicted: OrderedDict[str, Any] = OrderedDict()  # session -> mark(the policy that was let go)

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def bytes(self) -> int:
        """What the kept policies cost together."""
        with self._lock:
            return sum(size for _, size in self._kept.values())

    def get(self, session: str) -> Any | None:
        """The session's own policy (now the most recently used), or None."""
        with self._lock:
            if session not in self._kept:
                return None
            self._kept.move_to_end(session)
            return self._kept[session][0]

    def evicted(self, session: str) -> Any | None:
        """`mark` of the policy this session had until it was let go for memory (until it trains or resets)."""
        with self._lock:
            return self._evicted.get(session)

    def put(self, session: str, policy: Any) -> list[str]:
        """Keep `policy` as the session's own (replacing its previous one); returns the sessions let go for it."""
        size = self._size(policy)
        with self._lock:
            self._evicted.pop(session, None)
            self._kept.pop(session, None)
            self._kept[session] = (policy, size)
            gone = []
            while len(self._kept) > 1 and (len(self._kept) > self.max_policies or
                                           sum(s for _, s in self._kept.values()) > self.max_bytes):
                oldest, (evicted, _) = self._kept.popitem(last=False)
                self._evicted[oldest] = self._mark(evicted)
                gone.append(oldest)
            while len(self._evicted) > self.marks:
                self._evicted.popitem(last=False)
            return gone

    def take(self, session: str) -> Any | None:
        """Remove and return the session's own policy (publishing moves it to the room); forget any eviction."""
        with self._lock:
            self._evicted.pop(session, None)
            kept = self._kept.pop(session, None)
            return None if kept is None else kept[0]
