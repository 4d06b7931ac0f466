"""bench/gpu.py, the prepared GPU check: its --small run on CPU with the GPU machine's package set,
its shipped configs against the published model sizes, and (marked `gpu`) the full run on CUDA."""
from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys

import pytest
import torch

from tests.conftest import ROOT, make_tiny_lm

SCRIPT = ROOT / "bench" / "gpu.py"
SECTIONS = {"generation", "batched_generation", "speculative_copy", "speculative_sampled", "ema", "dpo",
            "draft_verify"}
NOT_ON_THE_GPU_MACHINE = ("gradio", "trl", "plotly")  # diffusers is missing there too (see below)


def run_bench(tmp_path, *args: str, blocked: tuple[str, ...] = NOT_ON_THE_GPU_MACHINE, timeout: int = 300):
    """Run bench/gpu.py in a fresh interpreter where `blocked` packages cannot be imported.

    `sys.modules[name] = None` makes `import name` fail and `importlib.util.find_spec(name)` answer
    None, as on a machine without the package, so a module-level import of one of them fails here.
    """
    out = tmp_path / "report.json"
    launcher = (f"import runpy, sys\nfor name in {blocked!r}: sys.modules[name] = None\n"
                f"runpy.run_path({str(SCRIPT)!r}, run_name='__main__')")
    completed = subprocess.run([sys.executable, "-c", launcher, *args, "--out", str(out)], cwd=ROOT,
                               capture_output=True, text=True, timeout=timeout)
    print(completed.stdout[-2000:], completed.stderr[-4000:])
    assert completed.returncode == 0, completed.stderr[-4000:]
    return json.loads(out.read_text())


def bench_module():
    spec = importlib.util.spec_from_file_location("bench_gpu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def check_report(report: dict, device_type: str) -> None:
    """Every section ran and its numbers are consistent with each other and with the formulas."""
    assert report["device"]["type"] == device_type
    assert report["errors"] == {} and report["skipped"] == {}
    assert set(report["sections"]) == SECTIONS
    sections = report["sections"]
    for name in ("SmolLM2-135M-Instruct", "SmolLM2-1.7B-Instruct"):
        for batch in (1, 32):
            row = sections["generation"][name][f"batch_{batch}"]
            assert row["tokens_per_s"] > 0
            # tokens/s is batch x new tokens over the median time
            expected = batch * sections["generation"]["new_tokens"] / row["seconds"]
            assert row["tokens_per_s"] == pytest.approx(expected, rel=1e-9)
    rows = sections["batched_generation"]["rows"]
    assert [r["batch"] for r in rows] == sorted(r["batch"] for r in rows) and all(r["tokens_per_s"] > 0 for r in rows)
    assert rows[0]["throughput_vs_batch_1"] == 1.0
    copy = sections["speculative_copy"]
    assert copy["identical"] is True and copy["identical_to_transformers"] is True
    assert copy["plain_tokens_per_s"] > 0 and copy["speculative_tokens_per_s"] > 0
    assert copy["speedup"] == pytest.approx(copy["speculative_tokens_per_s"] / copy["plain_tokens_per_s"], rel=1e-9)
    assert copy["target_passes"][1] <= copy["target_passes"][0] == copy["tokens"]
    assert sections["speculative_sampled"]["tokens"] > 0
    for model in ("digits_unet", "lm_135m"):
        cost = sections["ema"][model]
        assert cost["update_ms"] > 0 and cost["step_ms"] > 0
        assert cost["update_share_of_step"] == pytest.approx(cost["update_ms"] / cost["step_ms"], rel=1e-9)
    dpo = sections["dpo"]
    assert dpo["step_s"] > 0 and all(math.isfinite(loss) for loss in dpo["losses"])
    assert 0 < dpo["trainable_parameters"]
    verify = sections["draft_verify"]
    alpha = verify["acceptance"]["alpha"]
    assert 0 < alpha < 1 and verify["acceptance"]["source"]
    for pair in ("SmolLM2-1.7B-Instruct / SmolLM2-135M-Instruct", "Qwen2.5-1.5B-Instruct / Qwen2.5-0.5B-Instruct"):
        costs = verify[pair]
        assert costs["c"] == pytest.approx(costs["draft_step_ms"] / costs["target_step_ms"], rel=1e-9)
        for gamma, v in costs["v"].items():
            g = int(gamma)
            assert v > 0
            # Leviathan et al. Theorem 3.8, written out: expected tokens per pass over the cost of a pass
            expected = sum(alpha ** i for i in range(g + 1)) / (g * costs["c"] + 1)
            assert costs["speedup_leviathan"][gamma] == pytest.approx(expected, rel=1e-9)
            assert costs["speedup_with_v"][gamma] == pytest.approx(expected * (g * costs["c"] + 1) / (g * costs["c"] + v),
                                                                   rel=1e-9)
        assert costs["loop_check"]["identical"] is True


def test_small_run_on_cpu_without_gradio_trl_plotly(tmp_path):
    report = run_bench(tmp_path, "--small")
    check_report(report, "cpu")
    assert report["small"] is True and set(NOT_ON_THE_GPU_MACHINE) <= set(report["device"]["missing"])
    print(f"\n[gpu bench --small] {report['total_s']:.1f} s: {report['seconds']}")


def test_digits_unet_is_skipped_with_its_reason_without_diffusers(tmp_path):
    report = run_bench(tmp_path, "--small", "--only", "ema", blocked=NOT_ON_THE_GPU_MACHINE + ("diffusers",))
    assert report["errors"] == {} and list(report["sections"]) == ["ema"]
    assert "diffusers" in report["sections"]["ema"]["digits_unet"]["skipped"]
    assert report["sections"]["ema"]["lm_135m"]["update_ms"] > 0


def test_leviathan_speedup_is_the_expected_tokens_per_pass_over_its_cost():
    speedup = bench_module().leviathan_speedup
    # a free draft (c = 0) and a verify pass costing one step: 1 + a + ... + a^gamma tokens per pass
    assert speedup(0.8, 4, 0.0) == pytest.approx(1 + 0.8 + 0.64 + 0.512 + 0.4096, rel=1e-12)
    # acceptance 0.5, gamma 1, c = 1: 1.5 tokens for the price of two steps; a verify of 1.5 steps: 1.5 / 2.5
    assert speedup(0.5, 1, 1.0) == pytest.approx(0.75, rel=1e-12)
    assert speedup(0.5, 1, 1.0, v=1.5) == pytest.approx(0.6, rel=1e-12)


# Published parameter counts (model cards / safetensors metadata of the Hub repos), tied embeddings once.
PUBLISHED_PARAMETERS = {"SmolLM2-135M-Instruct": 134_515_008, "SmolLM2-1.7B-Instruct": 1_711_376_384,
                        "Qwen2.5-0.5B-Instruct": 494_032_768, "Qwen2.5-1.5B-Instruct": 1_543_714_304}


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMETERS))
def test_shipped_configs_build_the_published_model_sizes(name):
    from transformers import AutoConfig, AutoModelForCausalLM

    values = bench_module().config_values(name, small=False)
    config = AutoConfig.for_model(values.pop("model_type"), **values)
    with torch.device("meta"):  # shapes only, no memory
        model = AutoModelForCausalLM.from_config(config)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED_PARAMETERS[name]


@pytest.mark.slow
def test_shipped_copy_prompt_ids_are_the_chat_template_of_the_copy_preset(smollm2_tokenizer):
    from playground.core.generation import chat_input_ids
    from playground.speculative.presets import PRESETS

    shipped = json.loads((ROOT / "bench" / "gpu_configs" / "copy_preset.json").read_text())
    ids = chat_input_ids(make_tiny_lm(smollm2_tokenizer), PRESETS["copy"].prompt)
    assert shipped["prompt_ids"] == ids[0].tolist()
    assert shipped["gamma"] == PRESETS["copy"].num_draft_tokens


@pytest.mark.gpu
def test_full_run_on_cuda(tmp_path):
    report = run_bench(tmp_path, "--device", "cuda", timeout=600)
    check_report(report, "cuda")
