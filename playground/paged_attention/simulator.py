"""Where the KV memory of a serving GPU goes, step by step, under five allocation policies.

Contiguous policies (Orca as the paper re-implemented it, §6.1) reserve one region per sequence
when it is admitted, through a buddy allocator: `"max"` reserves the maximum length (2,048),
`"pow2"` the prompt plus the output rounded up to a power of two, `"oracle"` exactly prompt +
output (it knows the future); the buddy allocator rounds every region up to a power of two.
`"ft"` (FasterTransformer) reserves like `"max"` but batches per request: a batch runs until its
longest request ends. `"paged"` (vLLM) allocates `block_size`-token blocks on demand, admits first
come first served and, when a block is needed and none is free, preempts the latest request and
recomputes it later. Parallel samples share their prompt blocks (the last, partial block is copied
on write); a shared system prefix is stored once (prefix caching). Decoding is one token per
sequence per step. The run jumps from one change of the memory to the next (an admission, a
finish, a new block) and accounts the steps in between in closed form, as only token counts grow
in them: the same numbers as stepping one by one, 10x faster.

The shares are averaged over the steps in which requests are waiting (memory-bound), as in
Fig. 2: token states, reserved (will be written by this request), internal fragmentation
(reserved beyond the request's length, and the empty slots of paged blocks), external
fragmentation (buddy rounding and free holes that the waiting request does not fit) and free
(paged blocks that are free).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from playground.core.checks import one_of, whole_number
from playground.core.errors import InputError
from playground.paged_attention import memory
from playground.paged_attention.traces import MAX_LENGTH, MAX_REQUESTS, Trace, synthetic_trace
from playground.paged_attention.usage import PoolUsageSeries, usage_series

POLICIES = ("ft", "max", "pow2", "oracle", "paged")
CATEGORIES = ("token", "reserved", "internal", "external", "free")
TOKEN, RESERVED, INTERNAL, EXTERNAL, FREE = range(5)
MAX_SNAPSHOTS = 64  # memory maps kept per run, evenly spaced in time
MAX_SAMPLES = 16  # parallel samples per request
WATERMARK = 0.01  # paged admission keeps 1 % of the blocks free, as vLLM does


def _next_pow2(value: int) -> int:
    return 1 << max(0, (value - 1).bit_length())


class BuddyAllocator:
    """Power-of-two regions carved out of `capacity` token slots (Knowlton 1965).

    The pool is split into aligned power-of-two top regions (15,000 = 8,192 + 4,096 + ...); a
    request gets the smallest free power-of-two block that holds it, split from a larger one if
    needed; freed buddies merge again.

    >>> pool = BuddyAllocator(24)  # top regions 16 + 8: a 5-slot request fits the free 8 exactly
    >>> pool.allocate(5), pool.allocate(16), pool.allocate(16)
    ((16, 8), (0, 16), None)
    """

    def __init__(self, capacity: int) -> None:
        self.free: dict[int, set[int]] = {}  # order -> start addresses of free blocks
        self.regions: list[tuple[int, int]] = []  # (start, order) of each top region
        start = 0
        for order in range(capacity.bit_length(), -1, -1):
            if capacity - start >= 1 << order:
                self.free.setdefault(order, set()).add(start)
                self.regions.append((start, order))
                start += 1 << order

    def allocate(self, size: int) -> tuple[int, int] | None:
        """(start, allocated size) of a block holding `size` slots, or None when none is free."""
        want = max(0, (size - 1).bit_length())
        order = next((o for o in sorted(self.free) if o >= want and self.free[o]), None)
        if order is None:
            return None
        start = min(self.free[order])  # lowest address first, like a real heap
        self.free[order].discard(start)
        while order > want:  # 1. split, keep the lower half
            order -= 1
            self.free.setdefault(order, set()).add(start + (1 << order))
        return start, 1 << order

    def release(self, start: int, size: int) -> None:
        order = size.bit_length() - 1
        top = next(o for s, o in self.regions if s <= start < s + (1 << o))
        while order < top:  # 2. merge with the buddy while it is free (it lies in the same top region)
            buddy = start ^ (1 << order)
            if buddy not in self.free.get(order, ()):
                break
            self.free[order].discard(buddy)
            start, order = min(start, buddy), order + 1
        self.free.setdefault(order, set()).add(start)


@dataclass(eq=False)  # identity: `in running` must not compare every field
class _Request:
    index: int
    prompt: int  # tokens to prefill (grows by the generated tokens after a preemption)
    output: int  # tokens still to generate
    samples: int
    generated: int = 0
    regions: list[tuple[int, int]] = field(default_factory=list)  # contiguous: (start, size) per sample
    shared_blocks: list[int] = field(default_factory=list)  # paged: full prompt blocks, shared by the samples
    private_blocks: list[list[int]] = field(default_factory=list)  # paged: per sample
    reservation: int = 0  # contiguous: slots reserved per sample at admission
    done: bool = False  # ft: finished but still holding its reservation until the batch ends

    @property
    def length(self) -> int:
        return self.prompt + self.generated


@dataclass(frozen=True)
class KvSimResult:
    policy: str
    block_size: int
    capacity_tokens: int
    token_state_share: float  # share of the KV capacity holding token states while requests wait
    mean_running: float  # mean concurrent sequences while requests wait
    breakdown: dict[str, float]  # CATEGORIES -> share of the capacity, summing to 1
    preemptions: int
    steps: int
    finished: int
    generated_tokens: int
    estimated_seconds: float  # roofline: each step max(bytes / bandwidth, FLOPs / peak)
    running: np.ndarray  # (steps,) sequences decoding at each step
    snapshot_steps: list[int]
    snapshots: list[np.ndarray]  # (cells,) int8 category per cell of `block_size` tokens
    usage: PoolUsageSeries | None = None  # paged: blocks in use and tokens held at each step

    @property
    def tokens_per_second(self) -> float:
        """Roofline estimate of the generated tokens per second (not a measurement)."""
        return self.generated_tokens / self.estimated_seconds


class _Run:
    """One simulation: the queue, the running requests, the memory and the running totals."""

    def __init__(self, policy: str, trace: Trace, capacity_tokens: int, block_size: int, samples: int,
                 prefix: int, max_num_seqs: int) -> None:
        self.policy, self.block_size, self.samples, self.prefix = policy, block_size, samples, prefix
        self.max_num_seqs = max_num_seqs
        self.queue = deque(_Request(i, int(p) + prefix, int(o), samples)
                           for i, (p, o) in enumerate(zip(trace.prompt_lengths, trace.output_lengths)))
        self.running: list[_Request] = []
        self.paged = policy == "paged"
        if self.paged:
            self.num_blocks = capacity_tokens // block_size
            self.capacity = self.num_blocks * block_size
            self.free_blocks = list(range(self.num_blocks - 1, -1, -1))  # a stack: reuse scatters blocks
            self.prefix_blocks: list[int] = []
            self.prefix_users = 0
        else:
            self.capacity = capacity_tokens
            self.buddy = BuddyAllocator(capacity_tokens)
        self.preemptions = 0
        self.prefill_tokens = 0  # tokens prefilled in the current step, for the roofline

    # ---- contiguous reservation
    def _reservation(self, request: _Request) -> int:
        if self.policy in ("max", "ft"):
            return MAX_LENGTH + self.prefix
        if self.policy == "pow2":
            return min(request.prompt + _next_pow2(request.output), MAX_LENGTH + self.prefix)
        return request.length + request.output  # oracle

    def _admit_contiguous(self, request: _Request) -> bool:
        regions, request.reservation = [], self._reservation(request)
        for _ in range(request.samples):
            region = self.buddy.allocate(request.reservation)
            if region is None:
                for start, size in regions:
                    self.buddy.release(start, size)
                return False
            regions.append(region)
        request.regions = regions
        return True

    # ---- paged blocks
    def _own_prompt(self, request: _Request) -> int:
        """Prompt tokens after the shared prefix blocks (the prefix's partial block is the request's)."""
        return request.prompt - (self.prefix // self.block_size) * self.block_size

    def _blocks_needed(self, request: _Request) -> int:
        own = self._own_prompt(request) + request.generated
        shared = self._own_prompt(request) // self.block_size
        private = -(-(own - shared * self.block_size) // self.block_size)
        prefix = 0 if self.prefix_users else self.prefix // self.block_size
        return prefix + shared + request.samples * private

    def _admit_paged(self, request: _Request) -> bool:
        if len(self.free_blocks) - self._blocks_needed(request) < WATERMARK * self.num_blocks:
            return False
        if not self.prefix_users:
            self.prefix_blocks = [self.free_blocks.pop() for _ in range(self.prefix // self.block_size)]
        self.prefix_users += 1
        shared = self._own_prompt(request) // self.block_size
        request.shared_blocks = [self.free_blocks.pop() for _ in range(shared)]
        private = -(-(self._own_prompt(request) + request.generated - shared * self.block_size) // self.block_size)
        request.private_blocks = [[self.free_blocks.pop() for _ in range(private)] for _ in range(request.samples)]
        return True

    def _release(self, request: _Request) -> None:
        if self.paged:
            self.free_blocks.extend(request.shared_blocks)
            for blocks in request.private_blocks:
                self.free_blocks.extend(blocks)
            request.shared_blocks, request.private_blocks = [], []
            self.prefix_users -= 1
            if not self.prefix_users:
                self.free_blocks.extend(self.prefix_blocks)
                self.prefix_blocks = []
        else:
            for start, size in request.regions:
                self.buddy.release(start, size)
            request.regions = []

    def admit(self) -> None:
        """FCFS: admit from the head of the queue while it fits (ft: only into an empty batch)."""
        if self.policy == "ft" and self.running:
            return
        admit = self._admit_paged if self.paged else self._admit_contiguous
        while self.queue and sum(r.samples for r in self.running) + self.samples <= self.max_num_seqs:
            if not admit(self.queue[0]):
                break
            request = self.queue.popleft()
            self.prefill_tokens += self._own_prompt(request) + request.generated if self.paged else request.length
            self.running.append(request)
        if not self.running and self.queue:
            head = self.queue[0]
            raise InputError("paged_attention_err_never_fits", request=head.index + 1, prompt=head.prompt,
                             output=head.output, samples=head.samples, capacity=self.capacity)

    def decode(self) -> None:
        """1. grow each running sequence by one token (paged: a new block at a boundary, preempting if none)."""
        if self.paged:
            index = 0
            while index < len(self.running):  # victims leave from the end, so running[:index] is done
                request = self.running[index]
                index += 1
                position = self._own_prompt(request) + request.generated
                shared = len(request.shared_blocks) * self.block_size
                if (position - shared) % self.block_size:
                    continue
                while len(self.free_blocks) < request.samples:
                    victim = self.running.pop()  # the latest admitted request goes back to the queue
                    self._release(victim)
                    victim.prompt, victim.generated = victim.length, 0
                    self.queue.appendleft(victim)
                    self.preemptions += 1
                    if victim is request:
                        break
                if index <= len(self.running):  # it was not preempted itself
                    for blocks in request.private_blocks:
                        blocks.append(self.free_blocks.pop())
        for request in self.running:  # 2. write the token
            if not request.done:
                request.generated += 1
                request.output -= 1
        finished = [r for r in self.running if r.output == 0 and not r.done]
        for request in finished:
            request.done = True
        if self.policy == "ft":  # 3. free: a ft batch only when all of it is done
            if all(r.done for r in self.running):
                for request in self.running:
                    self._release(request)
                self.running = []
        else:
            for request in finished:
                self._release(request)
            self.running = [r for r in self.running if not r.done]

    def steps_until_change(self) -> int:
        """Steps up to and including the next decode that finishes a request or (paged) needs a block.

        Until then the memory stays as it is and only the token counts grow, one per sequence per
        step, so those steps can be accounted in closed form instead of one by one.
        """
        steps = []
        for request in self.running:
            if request.done:
                continue
            steps.append(request.output)  # the decode that writes its last token
            if self.paged:
                filled = self._own_prompt(request) + request.generated - len(request.shared_blocks) * self.block_size
                steps.append(-filled % self.block_size + 1)  # the decode that finds its last block full
        return min(steps)

    def advance(self, steps: int) -> None:
        """Decode `steps` steps: all but the last only write tokens (see `steps_until_change`)."""
        for request in self.running:
            if not request.done:
                request.generated += steps - 1
                request.output -= steps - 1
        self.decode()

    def share_growth(self) -> np.ndarray:
        """Change of `shares()` per step until the next change, (5,): each sequence writes one token
        into slots it had reserved (contiguous) or into the empty part of its last block (paged)."""
        growth = np.zeros(5)
        growth[TOKEN] = self.sequences()
        growth[INTERNAL if self.paged else RESERVED] = -self.sequences()
        return growth

    def shares(self) -> np.ndarray:
        """Token slots per category now, (5,)."""
        counts = np.zeros(5)
        if self.paged:
            tokens = len(self.prefix_blocks) * self.block_size if self.prefix_users else 0
            used = self.num_blocks - len(self.free_blocks)  # `check` asserts that owned + free = all blocks
            for request in self.running:
                shared = len(request.shared_blocks) * self.block_size
                tokens += shared + request.samples * (self._own_prompt(request) + request.generated - shared)
            counts[TOKEN], counts[INTERNAL] = tokens, used * self.block_size - tokens
            counts[FREE] = self.capacity - used * self.block_size
            return counts
        for request in self.running:
            final = request.length + request.output
            for _, size in request.regions:
                if request.done:  # ft: finished, still reserved
                    counts[INTERNAL] += request.reservation
                else:
                    counts[TOKEN] += request.length
                    counts[RESERVED] += request.output
                    counts[INTERNAL] += request.reservation - final
                counts[EXTERNAL] += size - request.reservation
        counts[EXTERNAL] += self.capacity - counts.sum()  # free holes: the waiting request does not fit
        return counts

    def memory_map(self) -> np.ndarray:
        """Category of each cell of `block_size` slots (the majority of its slots), (cells,) int8."""
        bs = self.block_size
        if self.paged:
            cells = np.full(self.num_blocks, FREE, dtype=np.int8)
            cells[self.prefix_blocks] = TOKEN
            for request in self.running:
                cells[request.shared_blocks] = TOKEN
                filled = self._own_prompt(request) + request.generated - len(request.shared_blocks) * bs
                for blocks in request.private_blocks:
                    cells[blocks] = TOKEN
                    if filled % bs and blocks:
                        cells[blocks[-1]] = TOKEN if filled % bs * 2 >= bs else INTERNAL
            return cells
        slots = np.full(self.capacity - self.capacity % bs, FREE, dtype=np.int8)
        for request in self.running:
            final, reserved = request.length + request.output, request.reservation
            for start, size in request.regions:
                bounds = [(start, start + size, EXTERNAL), (start, start + reserved, INTERNAL)]
                if not request.done:
                    bounds += [(start, start + final, RESERVED), (start, start + request.length, TOKEN)]
                for low, high, code in bounds:
                    slots[low:high] = code
        slots = slots.reshape(-1, bs)
        return np.argmax(np.stack([(slots == code).sum(1) for code in range(5)]), axis=0).astype(np.int8)

    def check(self) -> None:
        """Invariants (tests switch this on): no slot owned twice, never over capacity."""
        if self.paged:
            owned = list(self.prefix_blocks if self.prefix_users else [])
            for request in self.running:
                owned += request.shared_blocks + [b for blocks in request.private_blocks for b in blocks]
            if sorted(owned + self.free_blocks) != list(range(self.num_blocks)):
                raise AssertionError("a block is owned twice or lost")
            return
        regions = sorted(region for request in self.running for region in request.regions)
        if any(a + size > b for (a, size), (b, _) in zip(regions, regions[1:])) or \
                sum(size for _, size in regions) > self.capacity:
            raise AssertionError("regions overlap or exceed the capacity")

    def sequences(self) -> int:
        return sum(r.samples for r in self.running if not r.done)

    def kv_tokens_read(self) -> int:
        return sum(r.samples * r.length for r in self.running if not r.done)


def _roofline_seconds(steps: int, kv_tokens: int, active: int, prefill: int, capacity: memory.KvCapacity,
                      bandwidth: float, flops: float) -> float:
    """Estimated time of `steps` decode steps: each reads the weights and the live KV (one token more
    per sequence each step) from memory, or is bound by compute (the first also prefills `prefill`)."""
    if steps == 1:  # most paged chunks: plain floats are much faster than numpy here
        return max((capacity.weight_bytes + kv_tokens * capacity.bytes_per_token) / bandwidth,
                   2 * capacity.model.num_params * (active + prefill) / flops)
    offsets = np.arange(steps)
    memory_s = (capacity.weight_bytes + (kv_tokens + active * offsets) * capacity.bytes_per_token) / bandwidth
    compute_s = 2 * capacity.model.num_params * (active + np.where(offsets == 0, prefill, 0)) / flops
    return float(np.maximum(memory_s, compute_s).sum())


def simulate_kv(policy: str, *, model: str | memory.ModelPreset = "llama-13b",
                gpu: str | memory.GpuPreset = "a100-40gb", trace: str | Trace = "sharegpt",
                num_requests: int = 1000, block_size: int = 16, seed: int = 0, dtype: str = "fp16",
                parallel_samples: int = 1, system_prefix: int = 0, max_num_seqs: int = 256,
                num_gpu_blocks_override: int | None = None, check_invariants: bool = False) -> KvSimResult:
    """Serve `num_requests` requests (all arriving at once) and account every KV slot at every step.

    >>> paged = simulate_kv("paged", num_requests=200)
    >>> orca = simulate_kv("max", num_requests=200)
    >>> paged.token_state_share > 0.9 > 0.3 > orca.token_state_share
    True
    """
    one_of("paged_attention_map_policy", policy, POLICIES)
    num_requests = whole_number("paged_attention_requests", num_requests, 1, MAX_REQUESTS)
    block_size = whole_number("paged_attention_block", block_size, 1, MAX_LENGTH)
    samples = whole_number("paged_attention_samples", parallel_samples, 1, MAX_SAMPLES)
    prefix = whole_number("paged_attention_prefix", system_prefix, 0, 2 * MAX_LENGTH)
    max_num_seqs = whole_number("paged_attention_max_num_seqs", max_num_seqs, 1, 4096)
    if isinstance(trace, str):
        trace = synthetic_trace(trace, num_requests, seed)
    else:
        trace = Trace(trace.prompt_lengths[:num_requests], trace.output_lengths[:num_requests])
    capacity = memory.kv_capacity(model, gpu, dtype, block_size=block_size)
    gpu_info = memory.gpu_preset(gpu)
    capacity_tokens = int(capacity.kv_budget_bytes // capacity.bytes_per_token)
    if num_gpu_blocks_override is not None:  # vLLM's --num-gpu-blocks-override: the pool, whatever the memory
        capacity_tokens = whole_number("paged_attention_gpu_blocks", num_gpu_blocks_override, 1,
                                       10_000_000) * block_size
    run = _Run(policy, trace, capacity_tokens, block_size, samples, prefix, max_num_seqs)
    bandwidth, flops = gpu_info.bandwidth_gbs * 1e9, gpu_info.tflops_16bit * 1e12 * (2 / memory.DTYPE_BYTES[dtype])
    totals, bound_steps, bound_running = np.zeros(5), 0, 0
    chunks, snapshots, snapshot_steps, every, next_snapshot = [], [], [], 1, 0
    pool = []  # paged, per chunk: (blocks in use, tokens held at its first step)
    seconds, step, generated = 0.0, 0, 0
    while run.queue or run.running:
        # 1. admit from the head of the queue (the scheduler runs at every step)
        run.prefill_tokens = 0
        run.admit()
        if check_invariants:
            run.check()
        if step == next_snapshot:
            snapshots.append(run.memory_map())
            snapshot_steps.append(step)
            if len(snapshots) > MAX_SNAPSHOTS:  # keep them evenly spaced: drop every other, sample half as often
                snapshots, snapshot_steps, every = snapshots[::2], snapshot_steps[::2], every * 2
            next_snapshot = (step // every + 1) * every
        # 2. account the steps until the memory changes: only the token counts grow in them
        steps, active = min(run.steps_until_change(), next_snapshot - step), run.sequences()
        if run.queue:  # memory-bound: someone is waiting
            totals += steps * run.shares() + steps * (steps - 1) // 2 * run.share_growth()
            bound_steps += steps
            bound_running += steps * active
        seconds += _roofline_seconds(steps, run.kv_tokens_read(), active, run.prefill_tokens, capacity,
                                     bandwidth, flops)
        chunks.append((steps, active))
        if run.paged:
            pool.append((run.num_blocks - len(run.free_blocks), int(run.shares()[TOKEN]), bool(run.queue)))
        generated += steps * active
        # 3. decode them
        run.advance(steps)
        step += steps
    lengths, actives = np.array(chunks, dtype=np.int64).T
    running = np.repeat(actives, lengths).astype(np.int32)
    if not bound_steps:  # everything fitted at once: report the first step instead
        bound_steps, bound_running = 1, int(running[0])
        totals = np.zeros(5)
    breakdown = totals / max(totals.sum(), 1)
    usage = usage_series(lengths, actives, pool, run.num_blocks, block_size) if run.paged else None
    return KvSimResult(policy, block_size, run.capacity, float(breakdown[TOKEN]), bound_running / bound_steps,
                       dict(zip(CATEGORIES, map(float, breakdown))), run.preemptions, step, len(trace), generated,
                       seconds, running, snapshot_steps, snapshots, usage)


def compare_policies(policies: tuple[str, ...] = POLICIES, **options) -> dict[str, KvSimResult]:
    """The same trace under each policy (keyword options as for `simulate_kv`)."""
    return {policy: simulate_kv(policy, **options) for policy in policies}


def block_size_sweep(sizes: tuple[int, ...] = (8, 16, 32, 64, 128, 256), **options) -> dict[int, KvSimResult]:
    """Paged serving of the same trace with each block size: larger blocks waste more of their last block."""
    return {size: simulate_kv("paged", block_size=size, **options) for size in sizes}
