"""Continuous batching: every visitor's request for one model decodes in the same forward pass.

Why: on our 2-core CPU one decode step of SmolLM2-135M costs 78 ms for one sequence and 320 ms for
32 (issue 14), so 32 visitors decoding together get 8x the tokens per second. `model.generate`
runs one request to its end; here a request joins the running batch at the next step and leaves
it the step after it ends or its reader goes away (iteration-level scheduling: Yu et al., "Orca",
OSDI 2022, https://www.usenix.org/conference/osdi22/presentation/yu).

One iteration of `Scheduler`'s loop:
1. drop the rows that finished or were cancelled (Stop, a closed tab);
2. prefill the requests that arrived, together (left padding), draw their first tokens, and merge
   them into the running batch: cache and attention mask left-padded to one length;
3. one forward of every row's last token; each row draws its next token with its own sampler.

Each row keeps its own max tokens, stop tokens and sampler (`GenerationParams.sampler`, playground/core/sampling.py:
temperature, top-p and a per-request `torch.Generator`), so a greedy answer is the one plain `model.generate`
gives alone and a seeded one does not depend on its batch companions (tests/test_batching.py).
Why our own loop and not transformers' `generate_batch` / `init_continuous_batching`: that manager
decodes greedily or samples for all rows at once (`do_sample` is global) and seeds torch's
process-wide generator, so a visitor's seed cannot hold; docs/serving.md, "Many users on one box",
has the measurements. Limits (`BatchLimits`) refuse at once instead of queueing without end.
"""
from __future__ import annotations

import contextlib
import queue
import threading
import time
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch
from transformers import DynamicCache
from transformers.cache_utils import DynamicLayer

from playground.core.errors import InputError
from playground.core.generation import GenerationParams, chat_input_ids, end_token_ids
from playground.core.models import LoadedLM

READ_TIMEOUT_S = 300  # a reader waiting this long for one token gets a TimeoutError, never a hang


@dataclass(frozen=True)
class BatchLimits:
    max_batch: int = 32  # rows per forward; 320 ms/step at 32 on 2 CPU cores, so 16 tokens in ~5 s
    max_waiting: int = 64  # requests beyond a full batch that may wait; past it: ServerBusy at once
    max_per_session: int = 2  # requests one visitor (session) may have running or waiting

    def __post_init__(self) -> None:
        for name in ("max_batch", "max_waiting", "max_per_session"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < (0 if name == "max_waiting" else 1):
                raise ValueError(f"BatchLimits.{name} must be a whole number >= "
                                 f"{0 if name == 'max_waiting' else 1}, got {value!r}.")


class ServerBusy(RuntimeError):
    """Every row and waiting place is taken: the caller should say "try again in a minute"."""

    def __init__(self, capacity: int) -> None:
        super().__init__(f"{capacity} requests are already running or waiting for this model")
        self.capacity = capacity


class TooManyRequests(RuntimeError):
    """This session already has its limit in flight: one visitor cannot starve the others."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"this session already has {limit} request(s) running or waiting")
        self.limit = limit


_END = object()  # put on a ticket's queue after its last token


class Ticket:
    """One request in a scheduler: its prompt, its own sampling, and the tokens it gets.

    The loop thread writes; one reader iterates `tokens()`. A reader that stops early (its
    generator is closed, or `cancel()`) frees the row at the loop's next step.
    """

    def __init__(self, prompt_ids: list[int], params: GenerationParams, stop_ids: frozenset[int],
                 session: str | None, device: torch.device) -> None:
        self.prompt_ids = prompt_ids
        self.params = params
        self.stop_ids = stop_ids
        self.session = session
        self.sampler = params.sampler(device)  # its own temperature, top-p and generator
        self.generated: list[int] = []  # the loop thread's copy
        self._out: queue.SimpleQueue = queue.SimpleQueue()
        self._cancelled = threading.Event()
        self._left = False  # set (under the scheduler's lock) once its row and session place are free

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def tokens(self) -> Iterator[int]:
        """The new token ids, one by one, as the batch produces them (the stop token included)."""
        try:
            while (item := self._out.get(timeout=READ_TIMEOUT_S)) is not _END:
                if isinstance(item, BaseException):
                    raise item
                yield item
        except queue.Empty:
            raise TimeoutError(f"no token for {READ_TIMEOUT_S} s: the model loop is stuck") from None
        finally:
            self.cancel()  # a no-op after the end; after Stop or a closed tab, it frees the row

    # -- written by the loop thread only
    def _give(self, token: int) -> bool:
        """Record and send one token; True when this row is done."""
        self.generated.append(token)
        self._out.put(token)
        done = token in self.stop_ids or len(self.generated) >= self.params.max_new_tokens
        if done:
            self._out.put(_END)
        return done

    def _fail(self, error: BaseException) -> None:
        self._out.put(error)


@dataclass
class _Batch:
    """The running rows: one cache, one mask, one next token and one position per row."""
    tickets: list[Ticket]
    cache: DynamicCache
    mask: torch.Tensor  # (rows, length): 1 for a real token, 0 for left padding
    positions: torch.Tensor  # (rows, 1): position id of the token each row feeds next
    last: torch.Tensor  # (rows, 1): the token each row feeds next


MIN_SHARED_PREFIX = 8  # tokens: a shorter common start is not worth its own forward


@dataclass(frozen=True)
class _Prefix:
    """A start every recent prompt shared (the chat template's system turn) and its keys/values per layer."""
    ids: tuple[int, ...]
    layers: list[tuple[torch.Tensor, torch.Tensor]]  # (1, heads, len(ids), head_dim) each


def _common_start(sequences: list[list[int]]) -> int:
    """How many leading tokens all `sequences` share."""
    shortest = min(len(sequence) for sequence in sequences)
    for index in range(shortest):
        if len({sequence[index] for sequence in sequences}) > 1:
            return index
    return shortest


def _left_pad(batch: _Batch, width: int) -> None:
    """Add `width` masked columns on the left of the cache (time axis) and the mask."""
    if width == 0:
        return
    for layer in batch.cache.layers:
        if type(layer) is not DynamicLayer:
            raise NotImplementedError(f"cannot merge a {type(layer).__name__} cache; only DynamicLayer")
        layer.keys = torch.nn.functional.pad(layer.keys, (0, 0, width, 0))  # (rows, heads, time, dim)
        layer.values = torch.nn.functional.pad(layer.values, (0, 0, width, 0))
    batch.mask = torch.nn.functional.pad(batch.mask, (width, 0))


def _merge(running: _Batch | None, new: _Batch | None) -> _Batch | None:
    """One batch of both: the shorter is left-padded to the longer's length, then rows are stacked."""
    if running is None or new is None:
        return running or new
    length = max(running.mask.shape[1], new.mask.shape[1])
    _left_pad(running, length - running.mask.shape[1])
    _left_pad(new, length - new.mask.shape[1])
    for mine, theirs in zip(running.cache.layers, new.cache.layers, strict=True):
        mine.keys = torch.cat([mine.keys, theirs.keys])
        mine.values = torch.cat([mine.values, theirs.values])
    return _Batch(running.tickets + new.tickets, running.cache, torch.cat([running.mask, new.mask]),
                  torch.cat([running.positions, new.positions]), torch.cat([running.last, new.last]))


def _keep(batch: _Batch, keep: list[int]) -> _Batch | None:
    """Only the rows `keep`; columns that are padding in every remaining row are cut off."""
    if not keep:
        return None
    if len(keep) < len(batch.tickets):
        index = torch.tensor(keep, device=batch.mask.device)
        batch.cache.batch_select_indices(index)
        batch = _Batch([batch.tickets[i] for i in keep], batch.cache, batch.mask[index],
                       batch.positions[index], batch.last[index])
    first = int(batch.mask.any(dim=0).int().argmax())  # first column some row still attends to
    if first:
        for layer in batch.cache.layers:
            layer.keys, layer.values = layer.keys[:, :, first:], layer.values[:, :, first:]
        batch.mask = batch.mask[:, first:]
    return batch


def _draw(tickets: list[Ticket], logits: torch.Tensor) -> list[int]:
    """Each row's next token: argmax for greedy rows, a draw from the row's own sampler otherwise.

    The same `Sampler.pick` that `stream_generate` runs as `generate`'s last logits processor.
    """
    tokens = logits.argmax(dim=-1).tolist()  # logits: (rows, vocab), float32
    for row, ticket in enumerate(tickets):
        if not ticket.sampler.greedy:
            tokens[row] = int(ticket.sampler.pick(logits[row:row + 1])[0])
    return tokens


class Scheduler:
    """Continuous batching for one model: `submit` a request, read its `Ticket.tokens()`.

    A background thread owns the decode loop while there is work and exits when there is none.
    The model is held weakly between requests (a `Schedulers` registry is keyed by it), strongly
    by the loop thread while it runs; the submitter holds it meanwhile. `activity` wraps the loop
    thread's life (`TimedWork.other_work` in the app), so timings know when it was decoding.
    """

    def __init__(self, model, limits: BatchLimits = BatchLimits(),
                 activity: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext) -> None:
        self.limits = limits
        self._activity = activity
        self._model = weakref.ref(model)
        self._device = model.device
        self._stop_ids = frozenset(end_token_ids(model))
        self._pad_id = min(self._stop_ids, default=0)  # any id: padded positions are masked
        self._max_length = getattr(model.config, "max_position_embeddings", None)
        self._lock = threading.Lock()
        self._waiting: deque[Ticket] = deque()
        self._running = 0
        self._per_session: Counter[str] = Counter()
        self._thread: threading.Thread | None = None
        self._prefix: _Prefix | None = None  # read and written by the loop thread only

    def load(self) -> tuple[int, int]:
        """(rows decoding, requests waiting) right now."""
        with self._lock:
            return self._running, len(self._waiting)

    def submit(self, prompt_ids: torch.Tensor, params: GenerationParams, session: str | None = None,
               stop_ids: frozenset[int] | None = None) -> Ticket:
        """Queue one request; refuse at once (`TooManyRequests`, `ServerBusy`) past the limits.

        `prompt_ids`: shape (1, length). `session`: who asks (a Gradio session hash); None for
        library callers, which only the total bound applies to.
        """
        ids = prompt_ids.reshape(-1).tolist()
        if not ids or (self._max_length and len(ids) + params.max_new_tokens > self._max_length):
            high = (self._max_length or len(ids)) - params.max_new_tokens
            raise InputError("common_err_range", field="prompt tokens", low=1, high=high, value=len(ids))
        model = self._model()
        ticket = Ticket(ids, params, self._stop_ids if stop_ids is None else frozenset(stop_ids),
                        session, self._device)
        capacity = self.limits.max_batch + self.limits.max_waiting
        with self._lock:
            if session is not None and self._per_session[session] >= self.limits.max_per_session:
                raise TooManyRequests(self.limits.max_per_session)
            if self._running + len(self._waiting) >= capacity:
                raise ServerBusy(capacity)
            self._waiting.append(ticket)
            if session is not None:
                self._per_session[session] += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, args=(model,), daemon=True,
                                                name="batching-loop")
                self._thread.start()
        return ticket

    # -- the loop thread
    def _release(self, ticket: Ticket) -> None:
        """Give the ticket's row and session place back (once); the caller holds the lock."""
        if not ticket._left:
            ticket._left = True
            self._running -= 1
            if ticket.session is not None:
                self._per_session[ticket.session] -= 1
                if not self._per_session[ticket.session]:
                    del self._per_session[ticket.session]

    def _arrivals(self, rows: int) -> list[Ticket] | None:
        """Waiting requests that fit in the batch; None (and the thread ends) when there is no work."""
        with self._lock:
            taken: list[Ticket] = []
            while self._waiting and rows + len(taken) < self.limits.max_batch:
                ticket = self._waiting.popleft()
                self._running += 1
                if ticket.cancelled:  # its reader left while it waited
                    self._release(ticket)
                else:
                    taken.append(ticket)
            if not taken and not rows:
                self._thread = None
                return None
            return taken

    def _loop(self, model) -> None:
        batch: _Batch | None = None
        with self._activity(), torch.inference_mode():
            while (arrivals := self._arrivals(len(batch.tickets) if batch else 0)) is not None:
                try:
                    batch = self._iteration(model, batch, arrivals)
                except Exception as error:  # every reader hears of it; the loop serves the next ones
                    with self._lock:
                        for ticket in (batch.tickets if batch else []) + arrivals:
                            if not ticket._left:
                                ticket._fail(error)
                                self._release(ticket)
                    batch = None

    def _iteration(self, model, batch: _Batch | None, arrivals: list[Ticket]) -> _Batch | None:
        # 1. rows whose reader went away leave before any work is spent on them
        batch = self._drop(batch, [False] * len(batch.tickets)) if batch else None
        # 2. prefill the arrivals together, draw their first tokens, merge them in
        if arrivals:
            new, done = self._prefill(model, arrivals)
            batch = _merge(batch, self._drop(new, done))
        if batch is None:
            return None
        # 3. one forward for every row; each row draws its own next token
        batch.mask = torch.nn.functional.pad(batch.mask, (0, 1), value=1)
        out = model(input_ids=batch.last, attention_mask=batch.mask, position_ids=batch.positions,
                    past_key_values=batch.cache, use_cache=True)
        tokens = _draw(batch.tickets, out.logits[:, -1, :].float())
        batch.positions = batch.positions + 1
        batch.last = torch.tensor(tokens, device=self._device)[:, None]
        return self._drop(batch, [t._give(token) for t, token in zip(batch.tickets, tokens)])

    def _prefill(self, model, tickets: list[Ticket]) -> tuple[_Batch, list[bool]]:
        """The new rows' batch and which ones are already done.

        Each row is [shared prefix][left padding][rest of its prompt]: the prefix's keys and values come
        from `_shared_prefix` (no forward for them), the rest is one forward for all rows. The masked
        hole in the middle is harmless: position ids count real tokens only.
        """
        prefix = self._shared_prefix(model, tickets)
        shared = len(prefix.ids) if prefix else 0
        rests = [t.prompt_ids[shared:] for t in tickets]
        length = max(len(rest) for rest in rests)
        ids = torch.tensor([[self._pad_id] * (length - len(rest)) + rest for rest in rests], device=self._device)
        mask = torch.tensor([[1] * shared + [0] * (length - len(rest)) + [1] * len(rest) for rest in rests],
                            device=self._device)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, shared:]  # each row counts its real tokens from 0
        cache = DynamicCache(config=model.config)
        for index, (keys, values) in enumerate(prefix.layers if prefix else ()):
            rows = (len(tickets), -1, -1, -1)
            cache.update(keys.expand(rows).contiguous(), values.expand(rows).contiguous(), index)
        out = model(input_ids=ids, attention_mask=mask, position_ids=positions, past_key_values=cache,
                    use_cache=True, logits_to_keep=1)
        tokens = _draw(tickets, out.logits[:, -1, :].float())
        done = [ticket._give(token) for ticket, token in zip(tickets, tokens)]
        return _Batch(tickets, cache, mask, positions[:, -1:] + 1,
                      torch.tensor(tokens, device=self._device)[:, None]), done

    def _shared_prefix(self, model, tickets: list[Ticket]) -> _Prefix | None:
        """The start that these prompts (and the prefix kept from before) share, with its keys and values.

        Why: every chat prompt begins with the same template (SmolLM2's system turn is ~30 of a short
        prompt's ~46 tokens), and prefilling 30 prompts at once costs ~4.4 s of one core here, ~16 decode
        steps' worth. Like vLLM's prefix caching, the shared start is computed once and reused; a prefix
        that stops matching is cut back to what still matches (a slice, no forward). At least one token
        of each prompt is left, for its first logits.
        """
        kept = self._prefix
        starts = [t.prompt_ids for t in tickets] + ([list(kept.ids)] if kept else [])
        if len(starts) < 2:
            return None
        shared = min(_common_start(starts), min(len(t.prompt_ids) for t in tickets) - 1)
        if shared < MIN_SHARED_PREFIX:
            return None
        if kept and shared <= len(kept.ids):
            if shared < len(kept.ids):
                self._prefix = _Prefix(kept.ids[:shared], [(k[:, :, :shared], v[:, :, :shared]) for k, v in kept.layers])
            return self._prefix
        ids = tickets[0].prompt_ids[:shared]
        cache = DynamicCache(config=model.config)
        model(input_ids=torch.tensor([ids], device=self._device), past_key_values=cache, use_cache=True,
              logits_to_keep=1)
        if any(type(layer) is not DynamicLayer for layer in cache.layers):  # a sliding window drops the start
            return None
        self._prefix = _Prefix(tuple(ids), [(layer.keys, layer.values) for layer in cache.layers])
        return self._prefix

    def _drop(self, batch: _Batch, done: list[bool]) -> _Batch | None:
        """The batch without the rows that are `done` or cancelled (None when none is left)."""
        keep = [row for row, (t, d) in enumerate(zip(batch.tickets, done)) if not (d or t.cancelled)]
        with self._lock:
            for row, ticket in enumerate(batch.tickets):
                if row not in keep:
                    self._release(ticket)
        return _keep(batch, keep)


STREAM_EVERY_S = 0.2  # at most five page updates a second per visitor, however fast the tokens come


def stream_text(ticket: Ticket, tokenizer, every_s: float = STREAM_EVERY_S) -> Iterator[str]:
    """The answer so far, like `stream_generate` (a half-made character waits), at most every `every_s`.

    Why the pace: each update is a Gradio message that the server's threads build and send under
    the GIL the decode loop needs too; 30 visitors x every token measured slower than the model (docs/measured.md).
    The first token and the final answer are always sent.
    """
    ids: list[int] = []
    shown, sent_at = "", -every_s
    for token in ticket.tokens():
        ids.append(token)
        if time.monotonic() - sent_at < every_s:
            continue
        answer = tokenizer.decode(ids, skip_special_tokens=True)
        if answer != shown and not answer.endswith("\ufffd"):
            shown, sent_at = answer, time.monotonic()
            yield shown
    final = tokenizer.decode(ids, skip_special_tokens=True)
    if final != shown:
        yield final


class Schedulers:
    """One `Scheduler` per model object, made on first use; owned by whoever serves requests.

    Keyed weakly by the model: a trained policy that the next training run replaces is forgotten
    with its scheduler (which holds the model only while it decodes), so nothing leaks and there is
    no module-level state. The reference model and a trained policy are two keys, two batches.
    `activity`: see `Scheduler`.
    """

    def __init__(self, limits: BatchLimits = BatchLimits(),
                 activity: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext) -> None:
        self.limits = limits
        self.activity = activity
        self._by_model: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, lm: LoadedLM) -> Scheduler:
        with self._lock:
            if lm.model not in self._by_model:
                self._by_model[lm.model] = Scheduler(lm.model, self.limits, self.activity)
            return self._by_model[lm.model]

    def stream(self, lm: LoadedLM, prompt: str, params: GenerationParams,
               session: str | None = None) -> Iterator[str]:
        """`stream_generate`'s contract (answer so far per token), decoded in the model's shared batch.

        The prompt is checked and the request queued (or refused) before the first item.
        """
        ticket = self.get(lm).submit(chat_input_ids(lm, prompt), params, session)
        return TextStream(ticket, lm.tokenizer)


class TextStream(Iterator[str]):
    """`stream_text` of a queued ticket that `close()` cancels even before the first read.

    Why not the bare generator: closing a generator that never started runs none of its code, so a
    request asked for and then given up unread (the other half of a DPO pair was refused) would keep
    its row and its session's place until it finished decoding.
    """

    def __init__(self, ticket: Ticket, tokenizer) -> None:
        self.ticket = ticket
        self._text = stream_text(ticket, tokenizer)

    def __next__(self) -> str:
        return next(self._text)

    def close(self) -> None:
        self.ticket.cancel()
        self._text.close()
