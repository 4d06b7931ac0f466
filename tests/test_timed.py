"""The server's line for timed work (playground/core/timed.py): order, places, limits, contention."""
from __future__ import annotations

import threading
import time

import pytest

from playground.core.batching import Schedulers, ServerBusy, TooManyRequests
from playground.core.generation import GenerationParams
from playground.core.timed import TimedWork


def test_places_count_down_in_arrival_order_and_a_leaver_frees_its_place():
    work = TimedWork(poll_s=0.01)
    first, second, third = work.join("a"), work.join("b"), work.join("c")
    assert list(first.waiting()) == []  # an empty line: its turn at once, nothing to show
    waits_b, waits_c = second.waiting(), third.waiting()
    assert (next(waits_b), next(waits_c)) == (1, 2)  # the running job counts as one ahead
    waits_b.close()  # Stop while waiting: the generator ends, the with block then leaves
    with second:
        pass
    assert next(waits_c) == 1  # b's place is gone
    with first:
        pass
    assert list(waits_c) == []  # a finished: c's turn
    assert work.ahead_of_newcomer() == 1


def test_limits_refuse_at_once():
    work = TimedWork(max_waiting=2)
    running = work.join("a")
    list(running.waiting())
    work.join("b")
    with pytest.raises(TooManyRequests):  # one place per session, waiting or running
        work.join("a")
    work.join(None)  # library callers have no session; only the line's length bounds them
    began = time.perf_counter()
    with pytest.raises(ServerBusy):
        work.join("c")
    assert time.perf_counter() - began < 1  # refused, not kept waiting


def test_many_sessions_one_at_a_time_each_seeing_its_place_shrink():
    work = TimedWork(max_waiting=16, poll_s=0.01)
    holding, most, seen, order = [], [0], {}, []
    lock = threading.Lock()
    ready = threading.Barrier(8)

    def visitor(name: str) -> None:
        ready.wait()
        with work.join(name) as place:
            seen[name] = list(place.waiting())
            with lock:
                holding.append(name)
                most[0] = max(most[0], len(holding))
                order.append(name)
            time.sleep(0.02)
            with lock:
                holding.remove(name)

    threads = [threading.Thread(target=visitor, args=(f"s{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert most == [1] and len(order) == 8  # never two at once, everyone served
    for places in seen.values():  # what each visitor was told only ever went down, to 1 before its turn
        assert places == sorted(places, reverse=True) and (not places or places[-1] == 1)
    assert sorted(len(set(p)) for p in seen.values())[-1] >= 2  # someone watched its place move


def test_a_timing_waits_for_other_work_then_says_whether_it_was_contended():
    work = TimedWork(quiet_wait_s=5, poll_s=0.01)
    other = work.other_work()
    other.__enter__()
    place = work.join("a")
    list(place.waiting())
    quiet = place.quiet()
    assert next(quiet) == 1  # it waits while the other work runs
    other.__exit__(None, None, None)
    assert list(quiet) == []
    assert not place.contended  # nothing ran since
    with work.other_work():
        pass
    assert place.contended  # other work started (and ended) during the measurement


def test_a_busy_server_cannot_starve_a_timing():
    work = TimedWork(quiet_wait_s=0.05, poll_s=0.01)
    with work.other_work(), work.join("a") as place:
        list(place.waiting())
        list(place.quiet())  # gives up waiting after quiet_wait_s
        assert place.contended


def test_the_batching_loop_reports_its_life_to_the_line(tiny_lm):
    work = TimedWork()
    schedulers = Schedulers(activity=work.other_work)
    stream = schedulers.stream(tiny_lm, "Hi", GenerationParams(max_new_tokens=3, temperature=0.0))
    next(stream)
    assert work.others()[1] == 1  # the loop started and said so
    list(stream)
    deadline = time.monotonic() + 10
    while work.others()[0] and time.monotonic() < deadline:  # the loop ends just after the last token
        time.sleep(0.01)
    assert work.others() == (0, 1)
