"""Tab "GANs to diffusion": a GAN and a diffusion model race on the same 2-D data and CPU budget.

Opens on a recorded race (shipped JSON); "Race" runs a fresh one live, streaming snapshots.
Each visitor's race lives only in its own generator: nothing is shared between sessions.
"""
from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator

import gradio as gr

from demos.common import T, Table, lang_of, user_errors
from playground.gan_vs_diffusion import figures
from playground.gan_vs_diffusion.diffusion import DiffusionConfig
from playground.gan_vs_diffusion.gan import LOSSES, GANConfig
from playground.gan_vs_diffusion.race import RaceConfig, RaceSnapshot, race
from playground.gan_vs_diffusion.toy_data import DATASETS

ASSETS = pathlib.Path(__file__).resolve().parents[1] / "assets" / "gan_vs_diffusion"
P = "gan_vs_diffusion_"
FIGURE_KEYS = ("real", "gan", "diffusion", "modes", "cpu_seconds", "covered", "mode", "count", "threshold",
               "probability", "step", "trajectory", "all_modes", "cost_title", "cpu_per_2500", "gan_pass",
               "ddpm", "ddim")
TEXT: Table = {
    "en": {
        P + "tab": "GANs to diffusion",
        P + "intro": "GANs (2014) make sharp samples but train unstably and **collapse onto a few modes**; diffusion "
                     "models (2020) train stably and **cover the whole distribution**, paying with many sampling "
                     "steps. Here both race on the same 2-D data with the **same budget of CPU seconds** (fair in "
                     "cost, not in steps). A mode counts as covered when enough of 2,500 samples land within 3σ "
                     "of it (the VEEGAN/PacGAN protocol).",
        P + "dataset": "Dataset", P + "budget": "CPU seconds per model", P + "seed": "Seed",
        P + "points": "Drawn set (dataset 'drawn'): one 'x, y' per line, 2 to 200 points",
        P + "gan_knobs": "GAN knobs", P + "diffusion_knobs": "Diffusion knobs",
        P + "loss": "GAN loss", P + "spectral": "Spectral norm on D", P + "pack": "PacGAN packing (samples per D input)",
        P + "d_steps": "D steps per G step", P + "z_dim": "Noise dimension z",
        P + "timesteps": "Diffusion steps T", P + "ema": "EMA decay",
        P + "race": "Race", P + "stop": "Stop",
        P + "history": "### From GANs to diffusion\n"
            "| year | paper | result |\n|---|---|---|\n"
            "| 2014 | [Generative Adversarial Nets](https://arxiv.org/abs/1406.2661) | G vs D, a minimax game |\n"
            "| 2015 | [DCGAN](https://arxiv.org/abs/1511.06434) | convolutional GANs that train; Adam β1 = 0.5 |\n"
            "| 2020 | [StyleGAN2](https://arxiv.org/abs/1912.04958) | FFHQ FID 2.84 |\n"
            "| 2020 | [DDPM](https://arxiv.org/abs/2006.11239) | CIFAR-10 FID 3.17, IS 9.46 |\n"
            "| 2021 | [Diffusion Models Beat GANs (ADM)](https://arxiv.org/abs/2105.05233) | ImageNet-256 FID 4.59 (3.94 with guided upsampling) |\n"  # noqa: E501
            "| 2021 | [SR3](https://arxiv.org/abs/2104.07636) | 8× face super-resolution fool rate ≈ 50 % vs ≤ 34 % for GAN baselines |",  # noqa: E501
        P + "recorded": "Recorded run ({date}, {machine}): press **Race** for a live one.",
        P + "live": "Live run: {gan:.1f} / {diffusion:.1f} of {budget:g} CPU-s used.",
        P + "stopped": "Finished.",
        P + "table": "| | GAN | diffusion |\n|---|---|---|\n"
                     "| modes covered (of {k}) | {gm} | {dm} |\n| high-quality share | {gq:.1%} | {dq:.1%} |\n"
                     "| KL(mode histogram ‖ uniform) | {gk:.3f} | {dk:.3f} |\n| training updates | {gs:,} | {ds:,} |\n"
                     "| CPU seconds used | {gc:.1f} | {dc:.1f} |",
        P + "fig_real": "real data", P + "fig_gan": "GAN", P + "fig_diffusion": "diffusion",
        P + "fig_modes": "modes", P + "fig_cpu_seconds": "CPU seconds of training",
        P + "fig_covered": "modes covered", P + "fig_mode": "mode", P + "fig_count": "high-quality samples",
        P + "fig_threshold": "needed to count", P + "fig_probability": "D: P(real)", P + "fig_step": "timestep",
        P + "fig_trajectory": "diffusion: reverse trajectory x_T → x_0", P + "fig_all_modes": "all modes",
        P + "fig_cost_title": "sampling cost for 2,500 points (log scale)", P + "fig_cpu_per_2500": "CPU seconds",
        P + "fig_gan_pass": "GAN pass", P + "fig_ddpm": "DDPM steps", P + "fig_ddim": "DDIM steps",
    },
    "ja": {
        P + "tab": "GAN から拡散モデルへ",
        P + "intro": "GAN（2014）はくっきりしたサンプルを作りますが、学習が不安定で**少数のモードに崩壊**しがちです。"
                     "拡散モデル（2020）は安定して学習し**分布全体を覆います**が、サンプリングに多くのステップを要します。"
                     "ここでは両者を同じ 2 次元データ・**同じ CPU 秒の予算**で競わせます（ステップ数ではなくコストで公平）。"
                     "2,500 サンプルのうち十分な数がモードから 3σ 以内に入れば、そのモードを覆ったと数えます"
                     "（VEEGAN/PacGAN の手順）。",
        P + "dataset": "データセット", P + "budget": "モデルごとの CPU 秒", P + "seed": "シード",
        P + "points": "描いた点（データセット 'drawn'）: 1 行に 'x, y' を 1 つ、2〜200 点",
        P + "gan_knobs": "GAN の設定", P + "diffusion_knobs": "拡散モデルの設定",
        P + "loss": "GAN の損失", P + "spectral": "D にスペクトル正規化", P + "pack": "PacGAN のパッキング（D の 1 入力あたりのサンプル数）",  # noqa: E501
        P + "d_steps": "G 1 ステップあたりの D ステップ", P + "z_dim": "ノイズ z の次元",
        P + "timesteps": "拡散のステップ数 T", P + "ema": "EMA 減衰率",
        P + "race": "競争開始", P + "stop": "停止",
        P + "history": "### GAN から拡散モデルへ\n"
            "| 年 | 論文 | 結果 |\n|---|---|---|\n"
            "| 2014 | [Generative Adversarial Nets](https://arxiv.org/abs/1406.2661) | G と D のミニマックスゲーム |\n"
            "| 2015 | [DCGAN](https://arxiv.org/abs/1511.06434) | 学習できる畳み込み GAN、Adam β1 = 0.5 |\n"
            "| 2020 | [StyleGAN2](https://arxiv.org/abs/1912.04958) | FFHQ で FID 2.84 |\n"
            "| 2020 | [DDPM](https://arxiv.org/abs/2006.11239) | CIFAR-10 で FID 3.17、IS 9.46 |\n"
            "| 2021 | [Diffusion Models Beat GANs（ADM）](https://arxiv.org/abs/2105.05233) | ImageNet-256 で FID 4.59（誘導付きアップサンプリングで 3.94） |\n"  # noqa: E501
            "| 2021 | [SR3](https://arxiv.org/abs/2104.07636) | 顔の 8 倍超解像で fool rate 約 50 %（GAN の基準手法は 34 % 以下） |",  # noqa: E501
        P + "recorded": "記録済みの実行（{date}、{machine}）: **競争開始** でその場で実行します。",
        P + "live": "実行中: {budget:g} CPU 秒のうち GAN {gan:.1f}、拡散 {diffusion:.1f} を使用。",
        P + "stopped": "終了しました。",
        P + "table": "| | GAN | 拡散モデル |\n|---|---|---|\n"
                     "| 覆ったモード（{k} 個中） | {gm} | {dm} |\n| 高品質サンプルの割合 | {gq:.1%} | {dq:.1%} |\n"
                     "| KL（モードのヒストグラム ‖ 一様） | {gk:.3f} | {dk:.3f} |\n| 学習の更新回数 | {gs:,} | {ds:,} |\n"
                     "| 使った CPU 秒 | {gc:.1f} | {dc:.1f} |",
        P + "fig_real": "実データ", P + "fig_gan": "GAN", P + "fig_diffusion": "拡散モデル",
        P + "fig_modes": "モード", P + "fig_cpu_seconds": "学習の CPU 秒",
        P + "fig_covered": "覆ったモード数", P + "fig_mode": "モード", P + "fig_count": "高品質サンプル数",
        P + "fig_threshold": "数えるのに必要な数", P + "fig_probability": "D: P(本物)", P + "fig_step": "タイムステップ",
        P + "fig_trajectory": "拡散モデル: 逆過程の軌跡 x_T → x_0", P + "fig_all_modes": "全モード",
        P + "fig_cost_title": "2,500 点のサンプリングコスト（対数軸）", P + "fig_cpu_per_2500": "CPU 秒",
        P + "fig_gan_pass": "GAN 1 回", P + "fig_ddpm": "DDPM ステップ", P + "fig_ddim": "DDIM ステップ",
    },
}
DEFAULTS, GAN_DEFAULTS, DIFFUSION_DEFAULTS = RaceConfig(), GANConfig(), DiffusionConfig()


def labels(request: gr.Request | None) -> dict[str, str]:
    table = TEXT[lang_of(request)]
    return {key: table[f"{P}fig_{key}"] for key in FIGURE_KEYS}


def parse_points(text: str) -> tuple[tuple[float, float], ...] | None:
    """'x, y' lines (or a JSON list of pairs) as tuples; the engine validates count and values."""
    text = (text or "").strip()
    if not text:
        return None
    if text.startswith("["):
        rows = json.loads(text)
    else:
        rows = [line.replace(";", ",").split(",") for line in text.splitlines() if line.strip()]
    try:
        return tuple((float(row[0]), float(row[1])) for row in rows)
    except (ValueError, IndexError, TypeError) as error:
        raise ValueError(f"drawn points: each line must be 'x, y' with two numbers ({error}).") from error


def views(snapshot: RaceSnapshot, status: str, request: gr.Request | None) -> tuple:
    """Every output of the tab from one snapshot: figures, table, status."""
    names, table = labels(request), TEXT[lang_of(request)]
    gan, diffusion = snapshot.gan, snapshot.diffusion
    metrics = table[P + "table"].format(
        k=len(snapshot.modes), gm=gan.coverage.get("modes", 0), dm=diffusion.coverage.get("modes", 0),
        gq=gan.coverage.get("high_quality", 0.0), dq=diffusion.coverage.get("high_quality", 0.0),
        gk=gan.coverage.get("kl_uniform", 0.0), dk=diffusion.coverage.get("kl_uniform", 0.0),
        gs=gan.steps, ds=diffusion.steps, gc=gan.cpu_seconds, dc=diffusion.cpu_seconds)
    return (figures.scatter_figure(snapshot, names), figures.trajectory_figure(snapshot, names),
            figures.coverage_figure(snapshot, names), figures.histogram_figure(snapshot, names),
            figures.cost_figure(snapshot, names), metrics, status)


def recorded(request: gr.Request = None) -> tuple:
    """The shipped race for the default dataset, shown on page load."""
    data = json.loads((ASSETS / f"{DEFAULTS.dataset}.json").read_text())
    snapshot = RaceSnapshot.from_dict(data["snapshot"])
    status = text_of(request, "recorded", date=data["date"], machine=snapshot.machine)
    return views(snapshot, status, request)


def text_of(request: gr.Request | None, key: str, **values) -> str:
    return TEXT[lang_of(request)][P + key].format(**values)


@user_errors
def run_race(dataset: str, budget: float, seed: float, points: str, loss: str, spectral: bool, pack: float,
             d_steps: float, z_dim: float, timesteps: float, ema_decay: float,
             request: gr.Request = None, progress=gr.Progress()) -> Iterator[tuple]:
    gan = GANConfig(loss=loss, spectral_norm=bool(spectral), pack=int(pack), d_steps=int(d_steps), z_dim=int(z_dim))
    diffusion = DiffusionConfig(timesteps=int(timesteps), ema_decay=float(ema_decay))
    config = RaceConfig(dataset=dataset, budget_s=float(budget), seed=int(seed),
                        points=parse_points(points) if dataset == "drawn" else None, gan=gan, diffusion=diffusion)
    for snapshot in race(config):
        used = min(snapshot.gan.cpu_seconds, snapshot.diffusion.cpu_seconds)
        progress(used / config.budget_s, desc=f"{used:.1f} / {config.budget_s:g} CPU-s")
        status = text_of(request, "stopped") if snapshot.done else text_of(
            request, "live", gan=snapshot.gan.cpu_seconds, diffusion=snapshot.diffusion.cpu_seconds, budget=config.budget_s)
        yield views(snapshot, status, request)


def build() -> None:
    gr.Markdown(T(P + "intro"))
    with gr.Row():
        dataset = gr.Dropdown(list(DATASETS), value=DEFAULTS.dataset, label=T(P + "dataset"), elem_id="gan-dataset")
        budget = gr.Slider(10, 60, value=DEFAULTS.budget_s, step=1, label=T(P + "budget"), elem_id="gan-budget")
        seed = gr.Number(DEFAULTS.seed, precision=0, minimum=0, label=T(P + "seed"), elem_id="gan-seed")
    points = gr.Textbox("", lines=3, label=T(P + "points"), placeholder="-1, 0\n1, 0\n0, 1", elem_id="gan-points")
    with gr.Row():
        with gr.Accordion(T(P + "gan_knobs"), open=False):
            loss = gr.Radio(list(LOSSES), value=GAN_DEFAULTS.loss, label=T(P + "loss"))
            spectral = gr.Checkbox(GAN_DEFAULTS.spectral_norm, label=T(P + "spectral"))
            pack = gr.Slider(1, 8, value=GAN_DEFAULTS.pack, step=1, label=T(P + "pack"))
            d_steps = gr.Slider(1, 10, value=GAN_DEFAULTS.d_steps, step=1, label=T(P + "d_steps"))
            z_dim = gr.Slider(1, 64, value=GAN_DEFAULTS.z_dim, step=1, label=T(P + "z_dim"))
        with gr.Accordion(T(P + "diffusion_knobs"), open=False):
            timesteps = gr.Slider(10, 1000, value=DIFFUSION_DEFAULTS.timesteps, step=10, label=T(P + "timesteps"))
            ema_decay = gr.Slider(0.0, 0.999, value=DIFFUSION_DEFAULTS.ema_decay, step=0.001, label=T(P + "ema"))
    with gr.Row():
        start = gr.Button(T(P + "race"), variant="primary", elem_id="gan-race")
        stop = gr.Button(T(P + "stop"), elem_id="gan-stop")
    status = gr.Markdown(elem_id="gan-status")
    with gr.Row():
        scatter = gr.Plot(elem_id="gan-scatter", show_label=False, scale=3)
        trajectory = gr.Plot(elem_id="gan-trajectory", show_label=False, scale=2)
    with gr.Row():
        coverage = gr.Plot(elem_id="gan-coverage", show_label=False)
        histogram = gr.Plot(elem_id="gan-histogram", show_label=False)
    with gr.Row():
        metrics = gr.Markdown(elem_id="gan-metrics")
        cost = gr.Plot(elem_id="gan-cost", show_label=False)
    gr.Markdown(T(P + "history"), elem_id="gan-history")
    outputs = [scatter, trajectory, coverage, histogram, cost, metrics, status]
    gr.on(None, recorded, None, outputs, api_visibility="private")  # page load: the shipped race
    event = start.click(run_race, [dataset, budget, seed, points, loss, spectral, pack, d_steps, z_dim, timesteps,
                                   ema_decay], outputs, api_name="gan_race", concurrency_id="gan_race",
                        concurrency_limit=2)
    stop.click(None, cancels=[event], api_visibility="private")
