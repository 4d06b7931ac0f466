"""Tab "GANs to diffusion": a GAN and a diffusion model race on the same 2-D data and training compute.

Opens on a recorded race (shipped JSON; the linked dataset's, `?dataset=ring8`, when one was recorded);
"Race" runs a fresh one live, streaming snapshots.
Each visitor's race lives only in its own generator: nothing is shared between sessions.
A drawn set is typed as 'x, y' lines, uploaded as a CSV, or drawn on a canvas; all three end up
as lines in the points box, which the race reads.
"""
from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from demos import links
from demos.common import ComponentView, T, Table, labels, text, user_errors
from playground.core.checks import shown
from playground.core.errors import InputError
from playground.core.generation import MAX_SEED
from playground.gan_vs_diffusion import figures
from playground.gan_vs_diffusion.diffusion import EMA_DECAY_RANGE, TIMESTEPS_RANGE, DiffusionConfig
from playground.gan_vs_diffusion.gan import D_STEPS_RANGE, LOSSES, PACK_RANGE, Z_DIM_RANGE, GANConfig
from playground.gan_vs_diffusion.race import BUDGET_SLIDER, RaceConfig, RaceSnapshot, race
from playground.gan_vs_diffusion.toy_data import (
    DATASETS,
    MAX_DRAWN,
    points_from_sketch,
    points_from_text,
    validate_points,
)

ASSETS = pathlib.Path(__file__).resolve().parents[1] / "assets" / "gan_vs_diffusion"
TEXT: Table = {
    "en": {
        "gan_vs_diffusion_tab": "GANs to diffusion",
        "gan_vs_diffusion_intro": (
            "GANs (2014) make sharp samples but train unstably and **drop modes** (which ones, and how "
            "many, changes with the seed); diffusion models (2020) train stably and **cover the whole "
            "distribution**, paying with many sampling steps. Here both race on the same 2-D data with the "
            "**same training compute**: the GAN's updates and the diffusion updates that cost as much (fair "
            "in cost, not in steps, and the same race on every machine). A mode counts as covered when "
            "enough of 2,500 samples land within 3σ of it (the VEEGAN/PacGAN protocol)."
        ),
        "gan_vs_diffusion_dataset": "Dataset",
        "gan_vs_diffusion_budget": "GAN updates (diffusion: the same cost)",
        "gan_vs_diffusion_seed": "Seed",
        "gan_vs_diffusion_points": "Drawn set (dataset 'drawn'): one 'x, y' per line, 2 to 200 points",
        "gan_vs_diffusion_gan_knobs": "GAN knobs",
        "gan_vs_diffusion_diffusion_knobs": "Diffusion knobs",
        "gan_vs_diffusion_own_data": "Your own data (dataset 'drawn'): type, upload or draw the points",
        "gan_vs_diffusion_loss": "GAN loss",
        "gan_vs_diffusion_spectral": "Spectral norm on D",
        "gan_vs_diffusion_pack": "PacGAN packing (samples per D input)",
        "gan_vs_diffusion_d_steps": "D steps per G step",
        "gan_vs_diffusion_z_dim": "Noise dimension z",
        "gan_vs_diffusion_timesteps": "Diffusion steps T",
        "gan_vs_diffusion_ema": "EMA decay",
        "gan_vs_diffusion_race": "Race",
        "gan_vs_diffusion_stop": "Stop",
        "gan_vs_diffusion_history": (
            "### From GANs to diffusion\n| year | paper | result |\n|---|---|---|\n"
            "| 2014 | [Generative Adversarial Nets](https://arxiv.org/abs/1406.2661) | G vs D, a "
            "minimax game |\n"
            "| 2015 | [DCGAN](https://arxiv.org/abs/1511.06434) | convolutional GANs that train; "
            "Adam β1 = 0.5 |\n"
            "| 2020 | [StyleGAN2](https://arxiv.org/abs/1912.04958) | FFHQ FID 2.84 |\n"
            "| 2020 | [DDPM](https://arxiv.org/abs/2006.11239) | CIFAR-10 FID 3.17, IS 9.46 |\n"
            "| 2021 | [Diffusion Models Beat GANs (ADM)](https://arxiv.org/abs/2105.05233) | "
            "ImageNet-256 FID 4.59 (3.94 with guided upsampling) |\n"
            "| 2021 | [SR3](https://arxiv.org/abs/2104.07636) | 8× face super-resolution fool rate ≈ "
            "50 % vs ≤ 34 % for GAN baselines |"
        ),
        "gan_vs_diffusion_recorded": "Recorded run ({date}, {machine}): press **Race** for a live one.",
        "gan_vs_diffusion_live": (
            "Live run: GAN {gan:,} / {gan_budget:,} updates, diffusion {diffusion:,} / {diffusion_budget:,}."),
        "gan_vs_diffusion_stopped": "Finished.",
        "gan_vs_diffusion_table": (
            "| | GAN | diffusion |\n|---|---|---|\n| modes covered (of {k}) | {gm} | {dm} |\n"
            "| high-quality share | {gq:.1%} | {dq:.1%} |\n"
            "| KL(mode histogram ‖ uniform) | {gk:.3f} | {dk:.3f} |\n"
            "| training updates (equal cost) | {gs:,} | {ds:,} |\n| CPU seconds they took here | {gc:.1f} | {dc:.1f} |"
        ),
        "gan_vs_diffusion_fig_real": "real data",
        "gan_vs_diffusion_fig_gan": "GAN",
        "gan_vs_diffusion_fig_outside": "{count} samples outside the frame",
        "gan_vs_diffusion_fig_diffusion": "diffusion",
        "gan_vs_diffusion_fig_modes": "modes",
        "gan_vs_diffusion_fig_budget_used": "training budget used (%)",
        "gan_vs_diffusion_fig_covered": "modes covered",
        "gan_vs_diffusion_fig_mode": "mode",
        "gan_vs_diffusion_fig_count": "high-quality samples",
        "gan_vs_diffusion_fig_threshold": "needed to count",
        "gan_vs_diffusion_fig_probability": "D: P(real)",
        "gan_vs_diffusion_fig_step": "timestep",
        "gan_vs_diffusion_fig_trajectory": "diffusion: reverse trajectory x_T → x_0",
        "gan_vs_diffusion_fig_all_modes": "all modes",
        "gan_vs_diffusion_fig_cost_title": "sampling cost for 2,500 points (log scale)",
        "gan_vs_diffusion_fig_cpu_per_2500": "CPU seconds",
        "gan_vs_diffusion_fig_gan_pass": "GAN pass",
        "gan_vs_diffusion_fig_ddpm": "DDPM steps",
        "gan_vs_diffusion_fig_ddim": "DDIM steps",
        "gan_vs_diffusion_upload": "…or upload a CSV of x, y points (a header row is allowed)",
        "gan_vs_diffusion_sketch": (
            "…or draw the set (dataset 'drawn'): pick the Brush on the canvas's left, draw, then press "
            "'Use my drawing': each inked cell of a 14 × 14 grid becomes a mode"
        ),
        "gan_vs_diffusion_use_sketch": "Use my drawing",
        "gan_vs_diffusion_err_row": "{field}, line {line}: {row} is not 'x, y' with two numbers.",
        "gan_vs_diffusion_err_csv": "{field}: the file {value} is not UTF-8 text. Save it as a text CSV, one 'x, y' "
                                    "per line.",
        "gan_vs_diffusion_err_points_numbers": "{field} must be numbers in two columns (x, y) (got {value}).",
        "gan_vs_diffusion_err_points_empty": "{field}: the set is empty. Draw, type or upload at least 2 points (x, y).",
        "gan_vs_diffusion_err_points_shape": "{field} must be one (x, y) pair per row (got an array of shape {shape}).",
        "gan_vs_diffusion_err_points_too_many": "{field}: {count:,} points is too many; use 2 to {limit} mode centres.",
        "gan_vs_diffusion_err_points_not_finite": (
            "{field}: row {row} ({value}) is not finite; every x and y must be a real number (no NaN or infinity)."
        ),
        "gan_vs_diffusion_err_points_distinct": "{field}: need at least 2 distinct points to define modes.",
        "gan_vs_diffusion_err_batch_pack": "{field} = {pack} does not divide the GAN batch size {batch}: pick a divisor.",
        # fields a library caller sets (the page keeps their defaults), named when refused
        "gan_vs_diffusion_gan_hidden": "GAN hidden width", "gan_vs_diffusion_gan_lr": "GAN learning rate",
        "gan_vs_diffusion_gan_batch": "GAN batch size", "gan_vs_diffusion_diffusion_hidden": "Diffusion hidden width",
        "gan_vs_diffusion_time_dim": "Diffusion time embedding size",
        "gan_vs_diffusion_coordinate_dim": "Diffusion coordinate embedding size",
        "gan_vs_diffusion_diffusion_lr": "Diffusion learning rate",
        "gan_vs_diffusion_diffusion_batch": "Diffusion batch size", "gan_vs_diffusion_ddim_steps": "DDIM steps",
        "gan_vs_diffusion_snapshots": "Snapshots", "gan_vs_diffusion_slice": "GAN updates per slice",
        "gan_vs_diffusion_train_points": "Training points",
        "gan_vs_diffusion_plot_scatter": "Samples of the GAN and of diffusion over the real data",
        "gan_vs_diffusion_plot_trajectory": "Diffusion: reverse trajectories from noise to data",
        "gan_vs_diffusion_plot_coverage": "Modes covered as the training budget is spent",
        "gan_vs_diffusion_plot_histogram": "High-quality samples per mode",
        "gan_vs_diffusion_plot_cost": "Sampling cost: one GAN pass vs diffusion steps",
    },
    "ja": {
        "gan_vs_diffusion_tab": "GAN から拡散モデルへ",
        "gan_vs_diffusion_intro": (
            "GAN（2014）はくっきりしたサンプルを作りますが、学習が不安定で**モードを取りこぼします**（どれを、いくつ"
            "取りこぼすかはシードで変わります）。拡散モデル（2020）は安定して学習し**分布全体を覆います**が、"
            "サンプリングに多くのステップを要します。ここでは両者を同じ 2 次元データ・**同じ学習計算量**で競わせます"
            "（GAN の更新回数と、同じコストになる拡散モデルの更新回数。ステップ数ではなくコストで公平で、"
            "どのマシンでも同じ競争になります）。2,500 "
            "サンプルのうち十分な数がモードから 3σ 以内に入れば、そのモードを覆ったと数えます（VEEGAN/PacGAN の手順）。"
        ),
        "gan_vs_diffusion_dataset": "データセット",
        "gan_vs_diffusion_budget": "GAN の更新回数（拡散は同じコスト分）",
        "gan_vs_diffusion_seed": "シード",
        "gan_vs_diffusion_points": "描いた点（データセット 'drawn'）: 1 行に 'x, y' を 1 つ、2〜200 点",
        "gan_vs_diffusion_gan_knobs": "GAN の設定",
        "gan_vs_diffusion_diffusion_knobs": "拡散モデルの設定",
        "gan_vs_diffusion_own_data": "自分のデータ（データセット 'drawn'）: 点を入力、アップロード、または描く",
        "gan_vs_diffusion_loss": "GAN の損失",
        "gan_vs_diffusion_spectral": "D にスペクトル正規化",
        "gan_vs_diffusion_pack": "PacGAN のパッキング（D の 1 入力あたりのサンプル数）",
        "gan_vs_diffusion_d_steps": "G 1 ステップあたりの D ステップ",
        "gan_vs_diffusion_z_dim": "ノイズ z の次元",
        "gan_vs_diffusion_timesteps": "拡散のステップ数 T",
        "gan_vs_diffusion_ema": "EMA 減衰率",
        "gan_vs_diffusion_race": "競争開始",
        "gan_vs_diffusion_stop": "停止",
        "gan_vs_diffusion_history": (
            "### GAN から拡散モデルへ\n| 年 | 論文 | 結果 |\n|---|---|---|\n"
            "| 2014 | [Generative Adversarial Nets](https://arxiv.org/abs/1406.2661) | G と D "
            "のミニマックスゲーム |\n"
            "| 2015 | [DCGAN](https://arxiv.org/abs/1511.06434) | 学習できる畳み込み GAN、Adam β1 = 0.5 |\n"
            "| 2020 | [StyleGAN2](https://arxiv.org/abs/1912.04958) | FFHQ で FID 2.84 |\n"
            "| 2020 | [DDPM](https://arxiv.org/abs/2006.11239) | CIFAR-10 で FID 3.17、IS 9.46 |\n"
            "| 2021 | [Diffusion Models Beat GANs（ADM）](https://arxiv.org/abs/2105.05233) | "
            "ImageNet-256 で FID 4.59（誘導付きアップサンプリングで 3.94） |\n"
            "| 2021 | [SR3](https://arxiv.org/abs/2104.07636) | 顔の 8 倍超解像で fool rate 約 50 %（GAN "
            "の基準手法は 34 % 以下） |"
        ),
        "gan_vs_diffusion_recorded": "記録済みの実行（{date}、{machine}）: **競争開始** でその場で実行します。",
        "gan_vs_diffusion_live": "実行中: GAN {gan:,} / {gan_budget:,} 回、拡散 {diffusion:,} / {diffusion_budget:,} 回の更新。",
        "gan_vs_diffusion_stopped": "終了しました。",
        "gan_vs_diffusion_table": (
            "| | GAN | 拡散モデル |\n|---|---|---|\n| 覆ったモード（{k} 個中） | {gm} | {dm} |\n"
            "| 高品質サンプルの割合 | {gq:.1%} | {dq:.1%} |\n| KL（モードのヒストグラム ‖ 一様） | {gk:.3f} | {dk:.3f} |\n"
            "| 学習の更新回数（同じコスト） | {gs:,} | {ds:,} |\n| このマシンでかかった CPU 秒 | {gc:.1f} | {dc:.1f} |"
        ),
        "gan_vs_diffusion_fig_real": "実データ",
        "gan_vs_diffusion_fig_gan": "GAN",
        "gan_vs_diffusion_fig_outside": "{count} 点は枠の外",
        "gan_vs_diffusion_fig_diffusion": "拡散モデル",
        "gan_vs_diffusion_fig_modes": "モード",
        "gan_vs_diffusion_fig_budget_used": "使った学習予算（%）",
        "gan_vs_diffusion_fig_covered": "覆ったモード数",
        "gan_vs_diffusion_fig_mode": "モード",
        "gan_vs_diffusion_fig_count": "高品質サンプル数",
        "gan_vs_diffusion_fig_threshold": "数えるのに必要な数",
        "gan_vs_diffusion_fig_probability": "D: P(本物)",
        "gan_vs_diffusion_fig_step": "タイムステップ",
        "gan_vs_diffusion_fig_trajectory": "拡散モデル: 逆過程の軌跡 x_T → x_0",
        "gan_vs_diffusion_fig_all_modes": "全モード",
        "gan_vs_diffusion_fig_cost_title": "2,500 点のサンプリングコスト（対数軸）",
        "gan_vs_diffusion_fig_cpu_per_2500": "CPU 秒",
        "gan_vs_diffusion_fig_gan_pass": "GAN 1 回",
        "gan_vs_diffusion_fig_ddpm": "DDPM ステップ",
        "gan_vs_diffusion_fig_ddim": "DDIM ステップ",
        "gan_vs_diffusion_upload": "…または x, y の点の CSV をアップロード（見出し行があっても構いません）",
        "gan_vs_diffusion_sketch": (
            "…または点の集合を描いて（データセット 'drawn'）: キャンバス左のブラシを選んで描き、「描いた図を使う」を押す: "
            "14 × 14 のマスのうち描いたマスがそれぞれモードになります"
        ),
        "gan_vs_diffusion_use_sketch": "描いた図を使う",
        "gan_vs_diffusion_err_row": "{field} の {line} 行目: {row} は 2 つの数の 'x, y' ではありません。",
        "gan_vs_diffusion_err_csv": "{field}: ファイル {value} は UTF-8 のテキストではありません。1 行に 'x, y' を 1 つ"
                                    "書いたテキストの CSV として保存してください。",
        "gan_vs_diffusion_err_points_numbers": "{field} は 2 列（x, y）の数にしてください（入力値: {value}）。",
        "gan_vs_diffusion_err_points_empty": ("{field}: 点がありません。2 点以上（x, y）を描くか、入力するか、"
                                              "アップロードしてください。"),
        "gan_vs_diffusion_err_points_shape": "{field} は 1 行に (x, y) を 1 組にしてください（形が {shape} の配列でした）。",
        "gan_vs_diffusion_err_points_too_many": (
            "{field}: {count:,} 点は多すぎます。モードの中心は 2〜{limit} 点にしてください。"
        ),
        "gan_vs_diffusion_err_points_not_finite": (
            "{field}: {row} 行目（{value}）が有限の数ではありません。x と y はすべて実数にしてください（NaN や無限大は不可）。"
        ),
        "gan_vs_diffusion_err_points_distinct": "{field}: モードを決めるには異なる点が 2 つ以上必要です。",
        "gan_vs_diffusion_err_batch_pack": ("{field} = {pack} は GAN のバッチサイズ {batch} を割り切れません。"
                                            "約数にしてください。"),
        "gan_vs_diffusion_gan_hidden": "GAN の隠れ層の幅", "gan_vs_diffusion_gan_lr": "GAN の学習率",
        "gan_vs_diffusion_gan_batch": "GAN のバッチサイズ", "gan_vs_diffusion_diffusion_hidden": "拡散モデルの隠れ層の幅",
        "gan_vs_diffusion_time_dim": "拡散モデルの時刻埋め込みの次元",
        "gan_vs_diffusion_coordinate_dim": "拡散モデルの座標埋め込みの次元",
        "gan_vs_diffusion_diffusion_lr": "拡散モデルの学習率",
        "gan_vs_diffusion_diffusion_batch": "拡散モデルのバッチサイズ", "gan_vs_diffusion_ddim_steps": "DDIM のステップ数",
        "gan_vs_diffusion_snapshots": "スナップショット数", "gan_vs_diffusion_slice": "1 区切りあたりの GAN の更新回数",
        "gan_vs_diffusion_train_points": "学習に使う点の数",
        "gan_vs_diffusion_plot_scatter": "実データに重ねた GAN と拡散モデルのサンプル",
        "gan_vs_diffusion_plot_trajectory": "拡散モデル: ノイズからデータへの逆過程の軌跡",
        "gan_vs_diffusion_plot_coverage": "学習予算を使うにつれて覆ったモード数",
        "gan_vs_diffusion_plot_histogram": "モードごとの高品質サンプル数",
        "gan_vs_diffusion_plot_cost": "サンプリングコスト: GAN 1 回と拡散のステップ",
    },
}
DEFAULTS, GAN_DEFAULTS, DIFFUSION_DEFAULTS = RaceConfig(), GANConfig(), DiffusionConfig()


def as_lines(points: object, field: str) -> str:
    """A checked point set as the points box's 'x, y' lines."""
    return "\n".join(f"{x:.4g}, {y:.4g}" for x, y in validate_points(points, field))


@user_errors(table=TEXT)
def load_csv(path: str | None, request: gr.Request = None) -> str:
    """An uploaded CSV of x, y points, checked, into the points box (a million-row file stops early)."""
    if not path:
        return ""
    try:
        with open(path, encoding="utf-8") as file:
            head = "".join(line for _, line in zip(range(MAX_DRAWN + 2), file))  # header + limit + 1 is enough
    except UnicodeDecodeError as error:
        raise InputError("gan_vs_diffusion_err_csv", field="gan_vs_diffusion_upload",
                         value=shown(pathlib.Path(path).name)) from error
    return as_lines(points_from_text(head, "gan_vs_diffusion_upload") if head.strip() else [], "gan_vs_diffusion_upload")


@user_errors(table=TEXT)
def use_sketch(editor: dict | None, request: gr.Request = None) -> str:
    """The canvas's ink (any layer's alpha) binned into mode centres, into the points box."""
    layers = [layer for layer in (editor or {}).get("layers") or [] if layer is not None]
    if not layers:
        return as_lines([], "gan_vs_diffusion_sketch")
    ink = sum(layer[..., -1] > 0 for layer in layers) > 0  # (height, width)
    return as_lines(points_from_sketch(ink), "gan_vs_diffusion_sketch")


def unfold_own_data(dataset: str) -> Any:
    """Choosing the 'drawn' dataset opens the folded section where its points are made."""
    return gr.Accordion(open=True) if dataset == "drawn" else gr.skip()


def shipped_datasets() -> list[str]:
    """The datasets with a recorded race in ASSETS (scripts/record_gan_race.py)."""
    return [name for name in DATASETS if (ASSETS / f"{name}.json").is_file()]


@dataclass(frozen=True, eq=False)
class RaceView(ComponentView):
    """The components a race fills, by name: its handlers answer `{component: value}`."""
    scatter: gr.Plot
    trajectory: gr.Plot
    coverage: gr.Plot
    histogram: gr.Plot
    cost: gr.Plot
    metrics: gr.Markdown
    status: gr.Markdown

    def show(self, snapshot: RaceSnapshot, status: str, request: gr.Request | None) -> dict:
        """Every output of the tab from one snapshot: figures, table, status."""
        names = labels(TEXT, "gan_vs_diffusion_fig_", request)
        gan, diffusion = snapshot.gan, snapshot.diffusion
        metrics = text(TEXT, "gan_vs_diffusion_table", request,
                       k=len(snapshot.modes), gm=gan.coverage.get("modes", 0), dm=diffusion.coverage.get("modes", 0),
                       gq=gan.coverage.get("high_quality", 0.0), dq=diffusion.coverage.get("high_quality", 0.0),
                       gk=gan.coverage.get("kl_uniform", 0.0), dk=diffusion.coverage.get("kl_uniform", 0.0),
                       gs=gan.steps, ds=diffusion.steps, gc=gan.cpu_seconds, dc=diffusion.cpu_seconds)
        return {self.scatter: figures.scatter_figure(snapshot, names),
                self.trajectory: figures.trajectory_figure(snapshot, names),
                self.coverage: figures.coverage_figure(snapshot, names),
                self.histogram: figures.histogram_figure(snapshot, names),
                self.cost: figures.cost_figure(snapshot, names), self.metrics: metrics, self.status: status}

    def recorded(self, dataset: str = DEFAULTS.dataset, request: gr.Request = None) -> dict:
        """The shipped race for `dataset` (the default dataset's when none was recorded), shown on page load."""
        name = dataset if dataset in shipped_datasets() else DEFAULTS.dataset
        data = json.loads((ASSETS / f"{name}.json").read_text())
        snapshot = RaceSnapshot.from_dict(data["snapshot"])
        status = text(TEXT, "gan_vs_diffusion_recorded", request, date=data["date"], machine=snapshot.machine)
        return self.show(snapshot, status, request)

    @user_errors(table=TEXT)
    def run_race(self, dataset: str, budget: int, seed: int, points: str, loss: str, spectral: bool, pack: int,
                 d_steps: int, z_dim: int, timesteps: int, ema_decay: float,
                 request: gr.Request = None, progress=gr.Progress()) -> Iterator[dict]:
        """A live race; the configs check every value (the names are the API's; the configs', their own)."""
        config = RaceConfig(dataset=dataset, gan_updates=budget, seed=seed,
                            points=points_from_text(points) if dataset == "drawn" else None,
                            gan=GANConfig(loss=loss, spectral_norm=spectral, pack=pack, d_steps=d_steps, z_dim=z_dim),
                            diffusion=DiffusionConfig(timesteps=timesteps, ema_decay=ema_decay))
        for snapshot in race(config):
            gan_state, diffusion_state = snapshot.gan, snapshot.diffusion
            progress(gan_state.steps / gan_state.budget, desc=f"{gan_state.steps:,} / {gan_state.budget:,}")
            status = text(TEXT, "gan_vs_diffusion_stopped", request) if snapshot.done else text(
                TEXT, "gan_vs_diffusion_live", request, gan=gan_state.steps, gan_budget=gan_state.budget,
                diffusion=diffusion_state.steps, diffusion_budget=diffusion_state.budget)
            yield self.show(snapshot, status, request)


def build() -> None:
    gr.Markdown(T("gan_vs_diffusion_intro"), elem_classes=links.NOTES)
    with gr.Row():
        dataset = gr.Dropdown(list(DATASETS), value=DEFAULTS.dataset, label=T("gan_vs_diffusion_dataset"),
                              elem_id="gan-dataset")
        budget = gr.Slider(*BUDGET_SLIDER, value=DEFAULTS.gan_updates, step=100, label=T("gan_vs_diffusion_budget"),
                        elem_id="gan-budget")
        seed = gr.Number(DEFAULTS.seed, precision=0, minimum=0, maximum=MAX_SEED, label=T("gan_vs_diffusion_seed"),
                         elem_id="gan-seed")
    # folded: the race's results, not its inputs, fill a projector's first screen; choosing 'drawn' unfolds it
    with gr.Accordion(T("gan_vs_diffusion_own_data"), open=False, elem_id="gan-own-data") as own_data:
        with gr.Row():
            with gr.Column():
                points = gr.Textbox("", lines=3, label=T("gan_vs_diffusion_points"), placeholder="-1, 0\n1, 0\n0, 1",
                                    elem_id="gan-points")
                upload = gr.File(file_types=[".csv", ".txt"], type="filepath", label=T("gan_vs_diffusion_upload"),
                                 elem_id="gan-upload")
            with gr.Column():
                sketch = gr.ImageEditor(sources=(), canvas_size=(280, 280), fixed_canvas=True, transforms=(), layers=False,
                                        brush=gr.Brush(default_size=6, colors=["#222222"]), height=320,
                                        label=T("gan_vs_diffusion_sketch"), elem_id="gan-sketch")
                use = gr.Button(T("gan_vs_diffusion_use_sketch"), elem_id="gan-use-sketch")
    with gr.Row():
        with gr.Accordion(T("gan_vs_diffusion_gan_knobs"), open=False):
            loss = gr.Radio(list(LOSSES), value=GAN_DEFAULTS.loss, label=T("gan_vs_diffusion_loss"))
            spectral = gr.Checkbox(GAN_DEFAULTS.spectral_norm, label=T("gan_vs_diffusion_spectral"))
            pack = gr.Slider(*PACK_RANGE, value=GAN_DEFAULTS.pack, step=1, label=T("gan_vs_diffusion_pack"))
            d_steps = gr.Slider(*D_STEPS_RANGE, value=GAN_DEFAULTS.d_steps, step=1, label=T("gan_vs_diffusion_d_steps"))
            z_dim = gr.Slider(*Z_DIM_RANGE, value=GAN_DEFAULTS.z_dim, step=1, label=T("gan_vs_diffusion_z_dim"))
        with gr.Accordion(T("gan_vs_diffusion_diffusion_knobs"), open=False):
            timesteps = gr.Slider(*TIMESTEPS_RANGE, value=DIFFUSION_DEFAULTS.timesteps, step=10,
                               label=T("gan_vs_diffusion_timesteps"))
            ema_decay = gr.Slider(*EMA_DECAY_RANGE, value=DIFFUSION_DEFAULTS.ema_decay, step=0.001,
                               label=T("gan_vs_diffusion_ema"))
    # ?tab=gan_vs_diffusion&dataset=ring8&updates=4000&seed=1&loss=wgan_gp
    controls = {"dataset": dataset, "updates": budget, "seed": seed, "loss": loss}
    linked = links.when_linked_controls("gan_vs_diffusion", controls)
    links.copy_link_row("gan_vs_diffusion", controls)
    with gr.Row():
        start = gr.Button(T("gan_vs_diffusion_race"), variant="primary", elem_id="gan-race")
        stop = gr.Button(T("gan_vs_diffusion_stop"), elem_id="gan-stop")
    status = gr.Markdown(elem_id="gan-status")
    with gr.Row():
        scatter = gr.Plot(elem_id="gan-scatter", label=T("gan_vs_diffusion_plot_scatter"), scale=3)
        trajectory = gr.Plot(elem_id="gan-trajectory", label=T("gan_vs_diffusion_plot_trajectory"), scale=2)
    with gr.Row():
        coverage = gr.Plot(elem_id="gan-coverage", label=T("gan_vs_diffusion_plot_coverage"))
        histogram = gr.Plot(elem_id="gan-histogram", label=T("gan_vs_diffusion_plot_histogram"))
    with gr.Row():
        metrics = gr.Markdown(elem_id="gan-metrics")
        cost = gr.Plot(elem_id="gan-cost", label=T("gan_vs_diffusion_plot_cost"))
    gr.Markdown(T("gan_vs_diffusion_history"), elem_id="gan-history")
    view = RaceView(scatter, trajectory, coverage, histogram, cost, metrics, status)
    # page load: the shipped race (of the link's dataset)
    linked.then(view.recorded, dataset, view.outputs(), api_visibility="private")
    dataset.input(unfold_own_data, dataset, own_data, api_visibility="private", queue=False)
    upload.upload(load_csv, upload, points, api_name="gan_points_csv")
    use.click(use_sketch, sketch, points, api_name="gan_points_sketch")
    event = start.click(view.run_race, inputs_kwargs={
        "dataset": dataset, "budget": budget, "seed": seed, "points": points, "loss": loss, "spectral": spectral,
        "pack": pack, "d_steps": d_steps, "z_dim": z_dim, "timesteps": timesteps, "ema_decay": ema_decay},
        outputs=view.outputs(), api_name="gan_race", concurrency_id="gan_race", concurrency_limit=2)
    stop.click(None, cancels=[event], api_visibility="private")
