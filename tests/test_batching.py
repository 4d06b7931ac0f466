"""Continuous batching (playground/core/batching.py) against plain `model.generate`, one request alone.

A `Gate` (tests/conftest.py: a forward pre-hook on the real model that waits for a permit) lets a test decide how
many forward passes run before the next request arrives, so "joins while others decode" is
certain, not a race; it also records every forward's batch size to prove the rows were merged.
"""
from __future__ import annotations

import gc
import threading
import time

import pytest
import torch
from transformers import LogitsProcessorList

from playground.core.batching import MIN_SHARED_PREFIX, BatchLimits, Scheduler, Schedulers, ServerBusy, TooManyRequests
from playground.core.errors import InputError
from playground.core.generation import GREEDY, GenerationParams, chat_input_ids, stream_generate
from tests.conftest import Gate, make_tiny_lm

PROMPTS = ["Hi", "Tell me a long story about a dragon who learns to bake bread.", "2+2=?",
           "List three colours, then explain why the sky looks blue in the afternoon."]


def alone(lm, prompt: str, params: GenerationParams) -> list[int]:
    """The reference: this request by itself through plain `model.generate` (its own sampler)."""
    input_ids = chat_input_ids(lm, prompt)
    with torch.inference_mode():
        output = lm.model.generate(input_ids, attention_mask=torch.ones_like(input_ids),
                                   pad_token_id=lm.tokenizer.eos_token_id,
                                   logits_processor=LogitsProcessorList([params.sampler(input_ids.device)]),
                                   max_new_tokens=params.max_new_tokens, **GREEDY)
    return output[0, input_ids.shape[1]:].tolist()


def take(ticket_tokens, count: int) -> list[int]:
    return [next(ticket_tokens) for _ in range(count)]


def wait_idle(scheduler: Scheduler) -> None:
    """Until the loop has nothing running or waiting (generous deadline: a hang fails, not a slow box)."""
    deadline = time.monotonic() + 60
    while scheduler.load() != (0, 0) or scheduler._thread is not None:
        assert time.monotonic() < deadline, f"scheduler still busy: {scheduler.load()}"
        time.sleep(0.01)


def joined_run(lm, gate: Gate, params: list[GenerationParams]) -> list[list[int]]:
    """PROMPTS[0] decodes alone for 5 forwards; [1] and [2] arrive together; [3] after 5 more.

    One loop iteration is a prefill of the arrivals then one step of all rows, and the gate holds
    the loop inside a forward, so a request that arrives now joins after the forward it waits in.
    [1] and [2] share the chat template's start: one forward computes it (kept for [3]), then their
    joint prefill feeds only the rest of each prompt.
    """
    scheduler = Scheduler(lm.model)
    submit = [lambda i=i: scheduler.submit(chat_input_ids(lm, PROMPTS[i]), params[i]) for i in range(4)]
    first = submit[0]().tokens()
    gate.open(4)  # prefill + 3 decode steps of the first request alone
    got = [take(first, 4)]
    gate.held_in(5)
    second, third = submit[1]().tokens(), submit[2]().tokens()
    gate.open(5)  # the 5th, their shared start, their joint prefill, 2 steps of three rows
    early = [take(second, 3), take(third, 3)]
    gate.held_in(10)
    fourth = submit[3]().tokens()
    gate.open()
    got[0] += list(first)
    return [got[0], early[0] + list(second), early[1] + list(third), list(fourth)]


def test_greedy_answers_in_a_joined_batch_equal_each_request_alone(tiny_lm, gate):
    params = [GenerationParams(max_new_tokens=n) for n in (40, 12, 30, 20)]
    answers = joined_run(tiny_lm, gate, params)
    sizes = list(gate.sizes)  # before the references below add their own forwards
    rows = [size[0] for size in sizes]
    for prompt, param, answer in zip(PROMPTS, params, answers):
        assert answer == alone(tiny_lm, prompt, param)
    # the rows really shared forwards: the shared start once, a joint prefill of the rest of two prompts,
    # then decode steps of 3 and 4 rows; the 4th prompt's prefill reuses the start (no forward for it)
    shared, longest = sizes[5][1], len(chat_input_ids(tiny_lm, PROMPTS[1])[0])
    assert rows[:6] == [1] * 6 and rows[6:9] == [2, 3, 3] and max(rows) == 4
    assert shared >= MIN_SHARED_PREFIX and sizes[6][1] == longest - shared
    assert [size for size in sizes[9:] if size[1] > 1] == [(1, len(chat_input_ids(tiny_lm, PROMPTS[3])[0]) - shared)]


def test_seeded_sampling_is_the_same_alone_and_among_companions(tiny_lm, gate):
    """A sampled row draws with its own generator, so companions (greedy or sampled) do not change it."""
    params = [GenerationParams(max_new_tokens=25, temperature=1.3, top_p=0.9, seed=7),
              GenerationParams(max_new_tokens=15),
              GenerationParams(max_new_tokens=25, temperature=0.8, seed=123),
              GenerationParams(max_new_tokens=20, temperature=1.0, seed=7)]
    answers = joined_run(tiny_lm, gate, params)
    for prompt, param, answer in zip(PROMPTS, params, answers):
        assert answer == alone(tiny_lm, prompt, param)
    # negative control: another seed gives another answer, so the equality above says something
    other = GenerationParams(max_new_tokens=25, temperature=1.3, top_p=0.9, seed=8)
    assert alone(tiny_lm, PROMPTS[0], other) != answers[0]


def test_the_text_stream_equals_stream_generate_and_two_streams_never_mix(tiny_lm):
    schedulers = Schedulers()
    prompts = ["Hello there", "Name a colour."]  # sampled: the random tiny model's greedy text is all newlines
    params = {prompt: GenerationParams(max_new_tokens=24, temperature=1.0, seed=seed)
              for seed, prompt in enumerate(prompts)}
    streams = {prompt: [] for prompt in prompts}

    def read(prompt: str) -> None:
        streams[prompt].extend(schedulers.stream(tiny_lm, prompt, params[prompt], session=prompt))

    threads = [threading.Thread(target=read, args=(prompt,)) for prompt in prompts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for prompt in prompts:
        expected = list(stream_generate(tiny_lm, prompt, params[prompt]))[-1]
        assert streams[prompt][-1] == expected
        assert all(expected.startswith(chunk) for chunk in streams[prompt])  # only its own text, growing
    assert streams[prompts[0]][-1] != streams[prompts[1]][-1]


def test_a_reader_that_stops_frees_its_row_at_the_next_step(tiny_lm, gate):
    scheduler = Scheduler(tiny_lm.model, BatchLimits(max_per_session=1))
    tokens = scheduler.submit(chat_input_ids(tiny_lm, "Hi"), GenerationParams(max_new_tokens=500),
                              session="s").tokens()
    gate.open(2)
    take(tokens, 2)
    gate.held_in(3)
    with pytest.raises(TooManyRequests):  # its one place is taken while it runs
        scheduler.submit(chat_input_ids(tiny_lm, "Hi"), GenerationParams(max_new_tokens=5), session="s")
    tokens.close()  # Stop / a closed tab: Gradio closes the handler's generator
    gate.open(1)  # the forward already waiting finishes; then the row leaves
    wait_idle(scheduler)
    assert len(gate.sizes) == 3  # prefill + 2 steps, not 500
    again = scheduler.submit(chat_input_ids(tiny_lm, "Hi"), GenerationParams(max_new_tokens=3), session="s")
    gate.open()
    assert len(list(again.tokens())) == 3


def test_a_stream_given_up_before_its_first_read_frees_its_place(tiny_lm, gate):
    """The other half of a DPO pair was refused: the half already asked for is closed unread and must leave."""
    schedulers = Schedulers(BatchLimits(max_per_session=1))
    unread = schedulers.stream(tiny_lm, "Hi", GenerationParams(max_new_tokens=500), session="s")
    gate.held_in(1)  # its prefill has started
    with pytest.raises(TooManyRequests):
        schedulers.stream(tiny_lm, "Hi", GenerationParams(max_new_tokens=5), session="s")
    unread.close()
    gate.open(1)  # the prefill already waiting finishes; then the row leaves
    wait_idle(schedulers.get(tiny_lm))
    assert len(gate.sizes) <= 2, "it left at the next step, not after 500 tokens"
    gate.open()
    assert list(schedulers.stream(tiny_lm, "Hi", GenerationParams(max_new_tokens=3), session="s"))


def test_limits_refuse_at_once_and_the_scheduler_keeps_serving(tiny_lm, gate):
    scheduler = Scheduler(tiny_lm.model, BatchLimits(max_batch=2, max_waiting=1, max_per_session=2))
    ids, params = chat_input_ids(tiny_lm, "Hi"), GenerationParams(max_new_tokens=4)
    held = [scheduler.submit(ids, params, session="a"), scheduler.submit(ids, params, session="a")]
    with pytest.raises(TooManyRequests):
        scheduler.submit(ids, params, session="a")
    held.append(scheduler.submit(ids, params, session="b"))  # another visitor still gets in
    with pytest.raises(ServerBusy):
        scheduler.submit(ids, params, session="c")  # 2 rows + 1 waiting: full
    gate.open()
    assert [len(list(ticket.tokens())) for ticket in held] == [4, 4, 4]
    wait_idle(scheduler)
    assert len(list(scheduler.submit(ids, params, session="c").tokens())) == 4


@pytest.mark.parametrize("prompt", ["", "   ", "x" * 100_000], ids=["empty", "blank", "100k-chars"])
def test_bad_prompts_are_refused_before_they_queue(tiny_lm, prompt):
    schedulers = Schedulers()
    with pytest.raises(ValueError, match="prompt"):
        schedulers.stream(tiny_lm, prompt, GenerationParams())
    assert schedulers.get(tiny_lm).load() == (0, 0)


def test_prompt_token_bounds_and_limit_values(tiny_lm):
    scheduler = Scheduler(tiny_lm.model)
    with pytest.raises(InputError):
        scheduler.submit(torch.zeros(1, 0, dtype=torch.long), GenerationParams())
    too_long = torch.ones(1, tiny_lm.model.config.max_position_embeddings, dtype=torch.long)
    with pytest.raises(InputError) as error:
        scheduler.submit(too_long, GenerationParams(max_new_tokens=8))
    assert error.value.values["high"] == tiny_lm.model.config.max_position_embeddings - 8
    for bad in ({"max_batch": 0}, {"max_per_session": 0}, {"max_waiting": -1}, {"max_batch": 2.5}):
        with pytest.raises(ValueError):
            BatchLimits(**bad)


def test_a_failing_forward_reaches_its_readers_and_the_next_request_is_served(tiny_lm):
    scheduler = Scheduler(tiny_lm.model)
    failures = iter([RuntimeError("boom")])

    def fail_once(module, args, kwargs) -> None:
        error = next(failures, None)
        if error is not None:
            raise error

    handle = tiny_lm.model.register_forward_pre_hook(fail_once, with_kwargs=True)
    try:
        ids = chat_input_ids(tiny_lm, "Hi")
        with pytest.raises(RuntimeError, match="boom"):
            list(scheduler.submit(ids, GenerationParams(max_new_tokens=4), session="a").tokens())
        assert len(list(scheduler.submit(ids, GenerationParams(max_new_tokens=4), session="a").tokens())) == 4
    finally:
        handle.remove()


def test_one_scheduler_per_model_and_a_dropped_model_is_forgotten(smollm2_tokenizer, tiny_lm):
    schedulers = Schedulers()
    policy = make_tiny_lm(smollm2_tokenizer, seed=1)  # a trained policy: another model object
    assert schedulers.get(tiny_lm) is schedulers.get(tiny_lm)
    assert schedulers.get(policy) is not schedulers.get(tiny_lm)
    assert len(list(schedulers.stream(policy, "Hi", GenerationParams(max_new_tokens=3)))) >= 1
    wait_idle(schedulers.get(policy))
    del policy
    gc.collect()
    assert len(schedulers._by_model) == 1  # only tiny_lm's: nothing kept the replaced policy alive


@pytest.mark.slow
def test_real_model_greedy_batch_equals_each_request_alone(offline_lm):
    gate = Gate(offline_lm.model)
    try:
        params = [GenerationParams(max_new_tokens=n) for n in (24, 16, 20, 16)]
        answers = joined_run(offline_lm, gate, params)
    finally:
        gate.open()
        gate.close()
    for prompt, param, answer in zip(PROMPTS, params, answers):
        assert answer == alone(offline_lm, prompt, param)
    assert max(size[0] for size in gate.sizes) >= 3
