"""Timing-sensitive work, one job at a time per server, first come first served, each waiter told its place.

Speculative comparisons (wall-clock speedups), penalty step traces and DPO training each take the
whole CPU for seconds to minutes; two at once would slow each other and make the timings lie. So
they line up in one `TimedWork` per server (made by `app.build_demo`, handed to the tabs like the
`PolicyTrainer`): `join(session)` gives a `Place`, whose `waiting()` yields how many jobs are ahead
("3 ahead of you") every time that changes, until its turn; leaving the `with` block (the end, an
error, Stop, a closed tab) lets the next one in.

Why this line and not Gradio's queue (a shared `concurrency_id` with `concurrency_limit=1`), which
also keeps one line per server and ranks each waiting event within its concurrency id:
1. Gradio's "queue: 4/5" is its own words, in the browser only; our handler yields the place in
   the reader's language into the tab's own output, so API clients and screen readers see it too.
2. Gradio cannot see the batching scheduler (`playground/core/batching.py`), whose loop runs in
   its own thread outside Gradio's queue; a timing must know whether that loop was decoding.
So the gated events run with `concurrency_limit=None` and this line bounds itself instead: past
`max_waiting` a visitor is refused at once (`ServerBusy`), and one session holds one place at a
time (`TooManyRequests`), so a waiter never holds more than one of Gradio's 40 worker threads.

Other model work (the batching loop) does not line up here: Generate visitors must not wait
minutes behind a DPO run. A timing therefore first waits for that work to stop (`Place.quiet()`,
at most `quiet_wait_s`, so a busy Generate tab cannot starve it), then measures, and
`Place.contended` says whether other model work ran at any moment of the measurement: the tab then
marks the result "contended" instead of presenting a slowed timing as the method's speed.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from playground.core.batching import ServerBusy, TooManyRequests


class TimedWork:
    """The server's one line for timing-sensitive jobs, and a count of the other model work running.

    >>> work = TimedWork()
    >>> with work.join("alice") as place:
    ...     list(place.waiting()), work.ahead_of_newcomer()
    ([], 1)
    """

    def __init__(self, max_waiting: int = 8, quiet_wait_s: float = 20.0, poll_s: float = 1.0) -> None:
        if not isinstance(max_waiting, int) or max_waiting < 0:
            raise ValueError(f"TimedWork.max_waiting must be a whole number >= 0, got {max_waiting!r}.")
        self.max_waiting = max_waiting  # each waiter holds one Gradio worker thread (of 40) while it waits
        self.quiet_wait_s = quiet_wait_s  # a timing waits at most this long for other model work to stop
        self.poll_s = poll_s  # a waiter wakes at least this often, so Stop and closed tabs free it soon
        self._changed = threading.Condition()
        self._line: deque[Place] = deque()  # waiting, first come first
        self._holder: Place | None = None
        self._others_running = 0  # other model work running now (the batching loops)
        self._others_started = 0  # how many times other model work has started, ever

    def join(self, session: str | None) -> Place:
        """A place at the end of the line; refused at once past the limits (the caller shows why)."""
        with self._changed:
            if session is not None and any(p.session == session for p in self._members()):
                raise TooManyRequests(1)
            if len(self._line) >= self.max_waiting:
                raise ServerBusy(self.max_waiting + 1)
            place = Place(self, session)
            self._line.append(place)
            self._changed.notify_all()
            return place

    def ahead_of_newcomer(self) -> int:
        """How many jobs a visitor joining now would have ahead (the running one included)."""
        with self._changed:
            return len(self._line) + (self._holder is not None)

    @contextmanager
    def other_work(self) -> Iterator[None]:
        """Wrap model work that does not line up here (a batching loop's life), so timings know of it."""
        with self._changed:
            self._others_running += 1
            self._others_started += 1
        try:
            yield
        finally:
            with self._changed:
                self._others_running -= 1
                self._changed.notify_all()

    def others(self) -> tuple[int, int]:
        """(other model work running now, times other model work started so far)."""
        with self._changed:
            return self._others_running, self._others_started

    # -- called by Place, with self._changed held
    def _members(self) -> list[Place]:
        return ([self._holder] if self._holder else []) + list(self._line)

    def _ahead(self, place: Place) -> int:
        return self._line.index(place) + (self._holder is not None)

    def _leave(self, place: Place) -> None:
        if self._holder is place:
            self._holder = None
        elif place in self._line:
            self._line.remove(place)
        self._changed.notify_all()


class Place:
    """One job's place in a `TimedWork` line: wait with `waiting()`, work, leave by ending the `with` block."""

    def __init__(self, work: TimedWork, session: str | None) -> None:
        self.work = work
        self.session = session
        self._measuring_from: tuple[int, int] | None = None

    def __enter__(self) -> Place:
        return self

    def __exit__(self, *exc) -> None:
        with self.work._changed:
            self.work._leave(self)

    def waiting(self) -> Iterator[int]:
        """How many jobs are ahead, when it changes (and every `poll_s` meanwhile); ends when it is this job's turn.

        Nothing is yielded when the line is empty. A caller that stops iterating (Stop, a closed
        tab) must still leave the `with` block: its place is then free.
        """
        work = self.work
        while True:
            with work._changed:
                ahead = work._ahead(self)
                if ahead:
                    work._changed.wait(timeout=work.poll_s)  # woken by any change in the line
                    ahead = work._ahead(self)
                if not ahead:
                    work._line.remove(self)
                    work._holder = self
                    self._measuring_from = (work._others_running, work._others_started)
                    return
            yield ahead

    def quiet(self) -> Iterator[int]:
        """While other model work runs (at most `quiet_wait_s`): how much; then the measurement starts."""
        work = self.work
        deadline = time.monotonic() + work.quiet_wait_s
        while True:
            with work._changed:
                if work._others_running and time.monotonic() < deadline:
                    work._changed.wait(timeout=min(work.poll_s, max(deadline - time.monotonic(), 0)))
                running = work._others_running
                if not running or time.monotonic() >= deadline:
                    self._measuring_from = (running, work._others_started)
                    return
            yield running

    @property
    def contended(self) -> bool:
        """Did other model work run at any moment since `quiet()` ended (or since the turn began)?"""
        if self._measuring_from is None:
            raise RuntimeError("contended is known only once waiting() has ended: it is not this job's turn yet")
        running_then, started_then = self._measuring_from
        running_now, started_now = self.work.others()
        return bool(running_then or running_now or started_now != started_then)
