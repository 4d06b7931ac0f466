"""GPU check: the engine's paths on the best device found (CUDA > MPS > CPU), in one JSON report.

    python bench/gpu.py --out gpu-report.json          # the real sizes; <= 8 minutes on one GPU
    python bench/gpu.py --small --out small.json       # tiny configs on CPU in < 1 minute (CI)
    python bench/gpu.py --only draft_verify --acceptance 0.8   # one section, your own acceptance

Sections (each timed as the median of >= 5 runs after a warm-up, the device synchronised):
- generation: transformers `generate` tokens/s at batch 1 and 32 (SmolLM2-135M and -1.7B);
- batched_generation: throughput of ragged, left-padded batches (as `dpo.training.greedy_answers`);
- speculative_copy: plain vs prompt lookup on the copy preset through `playground.speculative`
  (speedup as a tokens/s ratio, identical output); speculative_sampled: the sampling path once;
- ema: `playground.ema.EMA.update` as a share of a training step, digits UNet and a 135M LM;
- dpo: one `playground.dpo.training.train_step` with LoRA at the tab's defaults;
- draft_verify: the cost ratios c (a draft step / a target step) and v(gamma) (a verify pass of
  gamma + 1 tokens / a target step) of the GPU presets' pairs, placed on Leviathan's curve.

Models are built from the published configs in bench/gpu_configs/ with RANDOM weights: timing does
not depend on the weights, acceptance does. So speedups predicted from c and v use an acceptance
measured on CPU with the real model (bench/gpu_configs/copy_preset.json, or --acceptance), labelled
with its source, and the acceptance these random models reach is reported only as a loop check.
Imports only torch, transformers, peft, numpy and safetensors (the GPU machine has no gradio,
diffusers, trl or plotly); the digits UNet is a diffusers model and is skipped, with the reason,
where diffusers is missing. The JSON is rewritten after every section, so a run cut short keeps
what it measured; the exit status is 1 when a section failed (its traceback is in "errors").
"""
from __future__ import annotations

import argparse
import datetime
import gc
import importlib.util
import json
import os
import pathlib
import platform
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLAYGROUND_OFFLINE", "1")  # the GPU machine has no network

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM, DynamicCache  # noqa: E402

from playground.core.models import LoadedLM, cache_folder, pick_dtype  # noqa: E402
from playground.core.settings import Settings  # noqa: E402
from playground.speculative.config import SpeculativeConfig  # noqa: E402
from playground.speculative.decoding import speculative_generate  # noqa: E402
from playground.speculative.drafts import truncate_cache  # noqa: E402
from playground.speculative.presets import MODEL_PAIRS, PRESETS, make_draft, transformers_generate  # noqa: E402

CONFIG_DIR = ROOT / "bench" / "gpu_configs"
CHAT_MODEL = "SmolLM2-135M-Instruct"  # the app's default model
BIG_MODEL = "SmolLM2-1.7B-Instruct"  # the GPU chat preset
SECTIONS = ("generation", "batched_generation", "speculative_copy", "speculative_sampled", "ema", "dpo",
            "draft_verify")


@dataclass(frozen=True)
class Bench:
    """What every section needs: where to run, how big, how often, and the acceptance to assume."""
    device: torch.device
    dtype: torch.dtype  # the app's inference dtype on this device (bfloat16 on CUDA)
    small: bool  # tiny configs, few tokens: the CI run
    repeats: int  # timed runs per measurement (the median is reported)
    acceptance: float  # per-token acceptance alpha for the predicted speedups ...
    acceptance_source: str  # ... and where it was measured

    def size(self, full: int, small: int) -> int:
        return small if self.small else full


# ------------------------------------------------------------------ timing
def synchronize(device: torch.device) -> None:
    """GPU work is queued asynchronously: wait for it before reading the clock."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def median_seconds(fn: Callable[[], object], bench: Bench, warmup: int = 1, repeats: int | None = None) -> float:
    """Median wall time of `fn` over `repeats` (default `bench.repeats`) runs, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats or bench.repeats):
        synchronize(bench.device)
        start = time.perf_counter()
        fn()
        synchronize(bench.device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ------------------------------------------------------------------ models from the shipped configs
def config_values(name: str, small: bool) -> dict:
    """The published config of `name` (bench/gpu_configs/<name>.json); `small` keeps its family,
    vocabulary and attention layout (grouped or not) but shrinks it to 2 layers of width 64."""
    values = {k: v for k, v in json.loads((CONFIG_DIR / f"{name}.json").read_text()).items()
              if not k.startswith("_")}
    if small:
        grouped = values["num_key_value_heads"] < values["num_attention_heads"]
        values.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2 if grouped else 4)
    return values


def random_lm(name: str, bench: Bench, dtype: torch.dtype | None = None, seed: int = 0) -> torch.nn.Module:
    """A causal LM of `name`'s architecture with random weights, initialised on the device itself.

    End-of-sequence ids are removed: random weights would stop at arbitrary points, and every
    timing here runs to its token budget.
    """
    values = config_values(name, bench.small)
    config = AutoConfig.for_model(values.pop("model_type"), **values)
    config.eos_token_id = None
    torch.manual_seed(seed)  # a bench, not a request path: the init draws from the global generator
    with torch.device(bench.device):
        model = AutoModelForCausalLM.from_config(config, dtype=dtype or bench.dtype)
    model.generation_config.eos_token_id = None
    model.generation_config.pad_token_id = 0
    return model.eval()


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def random_ids(shape: tuple[int, ...], vocab: int, device: torch.device, seed: int = 0) -> torch.Tensor:
    return torch.randint(vocab, shape, generator=torch.Generator().manual_seed(seed)).to(device)


def free(device: torch.device) -> None:
    """Drop the last section's models before the next one is built."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


# ------------------------------------------------------------------ sections
@torch.inference_mode()
def generation(bench: Bench) -> dict:
    prompt, new = bench.size(128, 16), bench.size(128, 8)
    report = {"prompt_tokens": prompt, "new_tokens": new, "weights": "random", "dtype": str(bench.dtype)}
    for name in (CHAT_MODEL, BIG_MODEL):
        model = random_lm(name, bench)
        rows = {"parameters": parameter_count(model)}
        for batch in (1, 32):
            ids = random_ids((batch, prompt), model.config.vocab_size, bench.device)

            def run() -> None:
                out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=new,
                                     do_sample=False, pad_token_id=0)
                if out.shape[1] != prompt + new:
                    raise RuntimeError(f"generate stopped early: {out.shape[1] - prompt} of {new} tokens")

            seconds = median_seconds(run, bench)
            rows[f"batch_{batch}"] = {"seconds": seconds, "tokens_per_s": batch * new / seconds,
                                      "per_sequence_tokens_per_s": new / seconds}
        report[name] = rows
        del model
        free(bench.device)
    return report


@torch.inference_mode()
def batched_generation(bench: Bench) -> dict:
    """Ragged prompts (half to full length), left-padded with a mask, as several requests would be."""
    longest, new = bench.size(96, 16), bench.size(32, 4)
    model = random_lm(CHAT_MODEL, bench)
    rows = []
    for batch in (bench.size(1, 1), bench.size(8, 4), bench.size(32, 8), bench.size(128, 16)):
        lengths = torch.linspace(longest // 2, longest, batch).long().tolist()
        ids = random_ids((batch, longest), model.config.vocab_size, bench.device)
        mask = torch.tensor([[0] * (longest - n) + [1] * n for n in lengths], device=bench.device)
        ids = ids.masked_fill(mask == 0, 0)
        seconds = median_seconds(lambda: model.generate(ids, attention_mask=mask, max_new_tokens=new,
                                                        do_sample=False, pad_token_id=0), bench)
        rows.append({"batch": batch, "seconds": seconds, "tokens_per_s": batch * new / seconds})
    for row in rows:
        row["throughput_vs_batch_1"] = row["tokens_per_s"] / rows[0]["tokens_per_s"]
    del model
    free(bench.device)
    return {"model": CHAT_MODEL, "weights": "random", "longest_prompt": longest, "new_tokens": new,
            "rows": rows}


def copy_preset() -> dict:
    return json.loads((CONFIG_DIR / "copy_preset.json").read_text())


def copy_target(bench: Bench) -> tuple[torch.nn.Module, str]:
    """The offline SmolLM2-135M when its converted copy is on this machine (full runs), else random weights."""
    folder = cache_folder(f"HuggingFaceTB/{CHAT_MODEL}", Settings.from_env())
    if not bench.small and (folder / "config.json").is_file():
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=bench.dtype).to(bench.device).eval()
        return model, f"offline {CHAT_MODEL} (converted cache)"
    return random_lm(CHAT_MODEL, bench), "random"


def speculative_copy(bench: Bench) -> dict:
    preset, shipped = PRESETS["copy"], copy_preset()
    gamma, tokens = preset.num_draft_tokens, bench.size(preset.max_new_tokens, 24)
    model, weights = copy_target(bench)
    ids = torch.tensor([shipped["prompt_ids"]], device=bench.device)
    config = replace(preset, max_new_tokens=tokens, adaptive_draft=False)  # the shipped run's fixed gamma
    draft = make_draft(config, model)
    speculative_generate(model, None, ids, SpeculativeConfig(max_new_tokens=4))  # warm-up: first calls allocate
    plain_runs, fast_runs = [], []
    for _ in range(bench.repeats):
        plain_runs.append(speculative_generate(model, None, ids, config))
        fast_runs.append(speculative_generate(model, draft, ids, config))
    plain_rate = statistics.median(r.tokens_per_s for r in plain_runs)
    fast_rate = statistics.median(r.tokens_per_s for r in fast_runs)
    plain, fast = plain_runs[-1], fast_runs[-1]
    identical = all(f.tokens == p.tokens for p, f in zip(plain_runs, fast_runs))
    reference, _ = transformers_generate(model, ids, tokens, prompt_lookup_num_tokens=gamma)
    del model
    free(bench.device)
    return {"weights": weights, "dtype": str(bench.dtype), "prompt_tokens": ids.shape[1], "gamma": gamma,
            "tokens": len(fast.tokens), "plain_tokens_per_s": plain_rate, "speculative_tokens_per_s": fast_rate,
            "speedup": fast_rate / plain_rate, "identical": identical,
            "identical_to_transformers": reference == plain.tokens,
            "acceptance_rate": fast.acceptance_rate, "alpha": fast.alpha,
            "target_passes": [plain.target_passes, fast.target_passes],
            "cpu_real_model": shipped["cpu"]}


def speculative_sampled(bench: Bench) -> dict:
    """Sampling (temperature 1, seeded) with prompt lookup: the path where p, q and the generator meet."""
    model, weights = copy_target(bench)
    ids = torch.tensor([copy_preset()["prompt_ids"]], device=bench.device)
    config = SpeculativeConfig(max_new_tokens=bench.size(64, 12), num_draft_tokens=4, do_sample=True, temperature=1.0)
    result = speculative_generate(model, make_draft(config, model), ids, config)
    del model
    free(bench.device)
    return {"weights": weights, "tokens": len(result.tokens), "tokens_per_s": result.tokens_per_s,
            "acceptance_rate": result.acceptance_rate}


def ema_cost(model: torch.nn.Module, loss_fn: Callable[[], torch.Tensor], bench: Bench) -> dict:
    """One EMA update vs one training step (forward, backward, AdamW) of the same model."""
    from playground.core.ema import EMA

    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def train_step() -> None:
        optimizer.zero_grad(set_to_none=True)
        loss_fn().backward()
        optimizer.step()

    ema = EMA(model, decay=0.999)
    step_s = median_seconds(train_step, bench)
    update_s = median_seconds(lambda: ema.update(model), bench)
    return {"parameters": parameter_count(model), "step_ms": 1e3 * step_s, "update_ms": 1e3 * update_s,
            "update_share_of_step": update_s / step_s}


def ema(bench: Bench) -> dict:
    report: dict = {}
    if importlib.util.find_spec("diffusers") is None:
        report["digits_unet"] = {"skipped": "diffusers is not installed here: the digits UNet is a diffusers "
                                            "UNet2DModel (carry its wheel, see docs/testing.md, GPU check)"}
    else:
        from playground.ema import checkpoints, diffusion

        run = checkpoints.run_config()
        model = diffusion.digits_unet(run.image_size).to(bench.device).train()
        shape = (run.batch_size, 1, run.image_size, run.image_size)
        x = torch.randn(shape, generator=torch.Generator().manual_seed(0)).to(bench.device)
        t = torch.randint(diffusion.TRAIN_TIMESTEPS, (run.batch_size,), generator=torch.Generator().manual_seed(1))
        t = t.to(bench.device)
        report["digits_unet"] = {"batch": run.batch_size, "dtype": "float32", **ema_cost(
            model, lambda: (diffusion.predict_noise(model, x, t) - x).square().mean(), bench)}
        del model
    # ~100M: the app's own 135M LM, float32 weights as a trainer keeps them (bfloat16 autocast on CUDA)
    model = random_lm(CHAT_MODEL, bench, dtype=torch.float32).train()
    batch, length = bench.size(8, 2), bench.size(256, 16)
    ids = random_ids((batch, length), model.config.vocab_size, bench.device)

    def lm_loss() -> torch.Tensor:
        with torch.autocast(bench.device.type, dtype=torch.bfloat16, enabled=bench.device.type == "cuda"):
            return model(input_ids=ids, labels=ids).loss

    report["lm_135m"] = {"model": CHAT_MODEL, "batch": [batch, length], "weights": "random",
                         "dtype": "float32 + bfloat16 autocast" if bench.device.type == "cuda" else "float32",
                         **ema_cost(model, lm_loss, bench)}
    del model
    free(bench.device)
    return report


def dpo(bench: Bench) -> dict:
    """One LoRA DPO + SFT step at the tab's defaults, on random token ids (no tokenizer needed)."""
    from playground.dpo.training import PolicyTrainer, TrainConfig, make_policy, train_step

    config = TrainConfig()
    lm = LoadedLM(random_lm(CHAT_MODEL, bench), None, CHAT_MODEL, "random weights (bench/gpu_configs)")
    policy = make_policy(lm, config)
    optimizer = torch.optim.AdamW([p for p in policy.model.parameters() if p.requires_grad],
                                  lr=config.learning_rate)
    prompt, answer, vocab = bench.size(48, 12), bench.size(config.max_answer_tokens, 12), lm.model.config.vocab_size
    # (prompt, chosen, rejected) ids per pair; the rejected answers get shorter, so padding is exercised
    pairs = [tuple(random_ids((n,), vocab, torch.device("cpu"), seed=10 * i + j).tolist()
                   for j, n in enumerate((prompt, answer, answer - 4 * (i + 1))))
             for i in range(config.batch_size)]
    reference = PolicyTrainer().reference_logps(lm, pairs, pad_id=0)  # once, as the tab caches it
    if bench.device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(bench.device)
    metrics = [train_step(policy, optimizer, pairs, reference, 0, step) for step in range(1, bench.repeats + 2)]
    report = {"model": CHAT_MODEL, "weights": "random", "dtype": str(bench.dtype), "lora_r": config.lora_r,
              "pairs_per_step": config.batch_size, "tokens_per_sequence": prompt + answer,
              "trainable_parameters": sum(p.numel() for p in policy.model.parameters() if p.requires_grad),
              "step_s": statistics.median(m.seconds for m in metrics[1:]), "first_step_s": metrics[0].seconds,
              "losses": [m.loss for m in metrics]}
    if bench.device.type == "cuda":
        report["peak_memory_mib"] = torch.cuda.max_memory_allocated(bench.device) / 2**20
    del lm, policy, optimizer
    free(bench.device)
    return report


@torch.inference_mode()
def forward_seconds(model: torch.nn.Module, context: torch.Tensor, feed: int, bench: Bench) -> float:
    """One cached forward pass of `feed` new tokens after `context`, as the decoding loop runs it."""
    cache = DynamicCache(config=model.config)
    model(input_ids=context, past_key_values=cache, use_cache=True, logits_to_keep=1)
    tokens = context[:, -feed:]

    def step() -> None:
        model(input_ids=tokens, past_key_values=cache, use_cache=True, logits_to_keep=feed).logits.argmax(-1)
        truncate_cache(cache, context.shape[1])

    return median_seconds(step, bench, warmup=2, repeats=4 * bench.repeats)  # milliseconds each: cheap


def leviathan_speedup(alpha: float, gamma: int, c: float, v: float = 1.0) -> float:
    """(1 - alpha^(gamma+1)) / ((1 - alpha)(gamma c + v)); v = 1 is Leviathan et al.'s Theorem 3.8,
    which assumes a verify pass of gamma + 1 tokens costs one target step; v > 1 charges what it costs."""
    return (1 - alpha ** (gamma + 1)) / ((1 - alpha) * (gamma * c + v))


def draft_verify(bench: Bench) -> dict:
    context_length, gammas = bench.size(256, 32), list(range(1, bench.size(10, 4) + 1))
    alpha = bench.acceptance
    report: dict = {"context_tokens": context_length, "weights": "random", "dtype": str(bench.dtype),
                    "acceptance": {"alpha": alpha, "source": bench.acceptance_source}}
    for target_id, draft_id in MODEL_PAIRS.items():
        target_name, draft_name = target_id.split("/")[1], draft_id.split("/")[1]
        target, draft = random_lm(target_name, bench), random_lm(draft_name, bench, seed=1)
        context = random_ids((1, context_length), target.config.vocab_size, bench.device)
        target_s, draft_s = forward_seconds(target, context, 1, bench), forward_seconds(draft, context, 1, bench)
        c = draft_s / target_s
        v = {g: forward_seconds(target, context, g + 1, bench) / target_s for g in gammas}
        paper = {g: leviathan_speedup(alpha, g, c) for g in gammas}
        costed = {g: leviathan_speedup(alpha, g, c, v[g]) for g in gammas}
        grid = {f"{a:.1f}": max(leviathan_speedup(a, g, c, v[g]) for g in gammas) for a in (0.5, 0.6, 0.7, 0.8, 0.9)}
        # the real loop once, draft model and all (random weights: its acceptance says nothing)
        prompt, tokens = context[:, :bench.size(64, 16)], bench.size(64, 8)
        config = SpeculativeConfig(draft_kind="draft_model", max_new_tokens=tokens, num_draft_tokens=4)
        plain = speculative_generate(target, None, prompt, config)
        fast = speculative_generate(target, make_draft(config, target, draft), prompt, config)
        report[f"{target_name} / {draft_name}"] = {
            "target_parameters": parameter_count(target), "draft_parameters": parameter_count(draft),
            "target_step_ms": 1e3 * target_s, "draft_step_ms": 1e3 * draft_s, "c": c,
            "v": {str(g): x for g, x in v.items()},
            "speedup_leviathan": {str(g): x for g, x in paper.items()},
            "speedup_with_v": {str(g): x for g, x in costed.items()},
            "best_gamma_with_v": max(costed, key=costed.get),
            "best_speedup_with_v_by_alpha": grid,
            "loop_check": {"tokens": len(fast.tokens), "plain_tokens_per_s": plain.tokens_per_s,
                           "speculative_tokens_per_s": fast.tokens_per_s, "identical": fast.tokens == plain.tokens,
                           "alpha_random_weights": fast.alpha}}
        del target, draft
        free(bench.device)
    return report


# ------------------------------------------------------------------ the run
def pick_device(requested: str | None, small: bool) -> torch.device:
    if requested:
        return torch.device(requested)
    if small:
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("mps" if torch.backends.mps.is_available() else "cpu")


def describe(device: torch.device, dtype: torch.dtype) -> dict:
    import peft

    info = {"type": device.type, "dtype": str(dtype), "torch": torch.__version__,
            "transformers": transformers.__version__, "peft": peft.__version__,
            "python": platform.python_version(), "cpu": f"{platform.machine()}, {os.cpu_count()} cores",
            "torch_threads": torch.get_num_threads(),
            "missing": [m for m in ("gradio", "diffusers", "trl", "plotly") if importlib.util.find_spec(m) is None]}
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(name=props.name, capability=f"{props.major}.{props.minor}",
                    memory_gib=round(props.total_memory / 2**30, 1), cuda=torch.version.cuda)
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path("gpu-report.json"))
    parser.add_argument("--small", action="store_true", help="tiny configs on CPU (< 1 minute)")
    parser.add_argument("--device", default=None, help="cuda, cuda:1, mps or cpu (default: the best found)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (>= 5)")
    parser.add_argument("--acceptance", type=float, default=None,
                        help="per-token acceptance alpha for the predicted speedups (default: the CPU figure "
                             "of bench/gpu_configs/copy_preset.json)")
    parser.add_argument("--budget-s", type=float, default=420.0,
                        help="sections not started by then are skipped (8-minute runs on a lent GPU)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: 1 with --small)")
    args = parser.parse_args()
    if args.repeats < 5:
        parser.error(f"--repeats must be at least 5 (medians of fewer runs are noise), got {args.repeats}.")
    if args.acceptance is not None and not 0.0 < args.acceptance < 1.0:
        parser.error(f"--acceptance must be in (0, 1), got {args.acceptance}.")
    if args.threads or args.small:
        torch.set_num_threads(args.threads or 1)
    device = pick_device(args.device, args.small)
    dtype = pick_dtype(device, Settings.from_env())  # as the app would run (PLAYGROUND_DTYPE overrides)
    if args.acceptance is None:
        cpu = copy_preset()["cpu"]
        alpha, source = cpu["alpha"], (f"measured on CPU, not with these pairs: prompt lookup on the copy preset "
                                       f"with {copy_preset()['model']} ({cpu['machine']}, {cpu['date']})")
    else:
        alpha, source = args.acceptance, "passed in (--acceptance)"
    bench = Bench(device, dtype, args.small, args.repeats, alpha, source)
    started = time.perf_counter()
    report: dict = {"script": "bench/gpu.py", "small": args.small, "repeats": args.repeats,
                    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                    "device": describe(device, dtype), "sections": {}, "seconds": {}, "errors": {}, "skipped": {}}
    sections = {"generation": generation, "batched_generation": batched_generation,
                "speculative_copy": speculative_copy, "speculative_sampled": speculative_sampled,
                "ema": ema, "dpo": dpo, "draft_verify": draft_verify}
    for name in [s for s in SECTIONS if s in args.only]:
        if time.perf_counter() - started > args.budget_s:
            report["skipped"][name] = f"the {args.budget_s:.0f} s budget was spent before it started"
            continue
        start = time.perf_counter()
        try:
            report["sections"][name] = sections[name](bench)
        except Exception:  # one broken path must not hide the others' figures
            report["errors"][name] = traceback.format_exc(limit=8)
            free(device)
        report["seconds"][name] = round(time.perf_counter() - start, 2)
        report["total_s"] = round(time.perf_counter() - started, 2)
        args.out.write_text(json.dumps(report, indent=1) + "\n")
        print(f"{name}: {'error' if name in report['errors'] else 'ok'} in {report['seconds'][name]:.1f} s",
              flush=True)
    report["total_s"] = round(time.perf_counter() - started, 2)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    for name, error in report["errors"].items():
        print(f"--- {name} failed:\n{error}", file=sys.stderr)
    print(f"wrote {args.out} ({report['total_s']:.1f} s on {device})")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
