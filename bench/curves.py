"""Bench for the Math tab: time per section, split into engine compute, Plotly figure build, and
Gradio's serialisation of the figure (what the server does between a slider move and the reply).

`python bench/curves.py [--repeats N]` prints a table in ms and the figure/compute ratio. The
browser-side redraw (Plotly.react in Chromium) is measured by tests/test_curves_app.py instead.
"""
from __future__ import annotations

import argparse
import math
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import gradio as gr  # noqa: E402
import torch  # noqa: E402

from playground.math import cross_entropy as ce  # noqa: E402
from playground.math import exp_log as el  # noqa: E402
from playground.math import (
    figures,  # noqa: E402
    forms,  # noqa: E402
)

BATCH = [[0, 0.7, 0.2, 0.1], [1, 0.1, 0.6, 0.3], [2, 0.2, 0.5, 0.3], [2, 0.05, 0.05, 0.9]]
DICE = [[face, count, 1.0] for face, count in zip(range(1, 7), [3, 2, 4, 1, 3, 7])]
SECTIONS = {  # name: (compute, figure builder taking the computed data)
    "1 exponential": (lambda: el.exp_curve(2.0, 1.0), figures.exp_figure),
    "1 e-limit": (lambda: el.e_limit(10_000), figures.e_limit_figure),
    "2 logarithm": (lambda: el.log_curve(math.e, 1.0), figures.log_figure),
    "2 finite differences": (lambda: el.finite_difference(1.0), figures.finite_difference_figure),
    "3 dice likelihood": (lambda: ce.dice_from_table(DICE, 6), figures.dice_figure),
    "4 one sample": (lambda: ce.ce_one_sample([2.0, 1.0, 0.1], 0), figures.one_sample_figure),
    "5 batch (+ torch check)": (lambda: ce.batch_from_table(BATCH), figures.batch_figure),
    "6 binary": (lambda: forms.binary_ce(1.0, 1.0), figures.binary_figure),
    "7 matrix form": (lambda: forms.matrix_form(ce.batch_from_table(BATCH)), figures.matrix_figure),
    "7 gradient (numerical)": (lambda: forms.batch_gradient(ce.batch_from_table(BATCH)), figures.gradient_figure),
}


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up: first calls import and cache
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per step (median reported)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    plot = gr.Plot()
    print(f"{'section':26s} {'compute ms':>11s} {'figure ms':>10s} {'to JSON ms':>11s} {'total ms':>9s} "
          f"{'figure/compute':>15s}")
    totals = []
    for name, (compute, build) in SECTIONS.items():
        data = compute()
        fig = build(data, "en")
        compute_ms = median_ms(compute, args.repeats)
        figure_ms = median_ms(lambda: build(data, "en"), args.repeats)
        json_ms = median_ms(lambda: plot.postprocess(fig), args.repeats)
        total = compute_ms + figure_ms + json_ms
        totals.append(total)
        print(f"{name:26s} {compute_ms:11.2f} {figure_ms:10.2f} {json_ms:11.2f} {total:9.2f} "
              f"{figure_ms / compute_ms:14.1f}x")
    print(f"slowest section on the server: {max(totals):.1f} ms (budget for slider -> redraw: 500 ms, "
          "the rest is the queue round trip and Plotly.react in the browser)")


if __name__ == "__main__":
    main()
