"""Tab "EMA": samples from the raw weights and from their exponential moving average, same run, same noise.

On load it shows a finished digits run (shipped checkpoints, sampled live with paired DDIM) and, in the
live section, the default two-moons run recorded by scripts/record_lessons.py; "Train" runs a fresh one
live (~15-30 s) with the metric, one weight and the effective decay.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import gradio as gr

from demos import links
from demos.common import T, Table, labels, text, user_errors
from playground.core import recorded
from playground.core.ema import SCHEDULES
from playground.core.generation import MAX_SEED
from playground.ema import checkpoints as ema_checkpoints
from playground.ema import diffusion
from playground.ema import figures as ema_figures
from playground.ema import pretrained as ema_pretrained

TEXT: Table = {
    "en": {
        "ema_tab": "EMA",
        "ema_intro": "An **exponential moving average** of the weights, `θ_ema ← d·θ_ema + (1−d)·θ`, averages out "
                     "the minibatch noise of the raw weights. Both weight sets below come from the *same* run and "
                     "sample from the *same* noise (deterministic DDIM), so every difference is the EMA's.",
        "ema_shipped": "### A finished run: digits (8×8 UNet, 0.7M parameters)\nDrag the slider: left raw, right EMA.",
        "ema_step": "Checkpoint (training step)",
        "ema_images": "Raw weights | EMA weights",
        "ema_live": "### Train live\nThe loss curve hides the difference; the metric (lower is better) shows it. "
                    "Watch the **effective decay**: with the `cap` warm-up, 0.999 and 0.9999 are identical for the "
                    "first ~9,000 steps. Try `constant` (it remembers the random init) or a cosine learning rate "
                    "(the raw weights settle too, and the gap closes).",
        "ema_dataset": "Dataset", "ema_decay": "EMA decay (maximum)", "ema_schedule": "Decay warm-up",
        "ema_lr": "Learning rate (Adam)", "ema_steps": "Training steps", "ema_seed": "Seed",
        "ema_cosine": "Cosine learning-rate decay to zero", "ema_every": "Update plots every N steps",
        "ema_train": "Train", "ema_stop": "Stop",
        "ema_gpu": "GPU preset: Stable Diffusion v1.5, EMA UNet vs raw (non-EMA) UNet",
        "ema_gpu_note": "Same prompt, seed and scheduler; only the UNet differs. Needs a CUDA GPU and the Hub (~5 GB).",
        "ema_prompt": "Prompt", "ema_gpu_steps": "Sampling steps", "ema_generate": "Generate the pair",
        "ema_gpu_images": "EMA UNet | raw UNet",
        "ema_fig_loss": "training loss", "ema_fig_metric": "sample quality (lower is better)",
        "ema_fig_weight": "one weight", "ema_fig_decay": "effective decay", "ema_fig_step": "training step",
        "ema_fig_raw": "raw weights", "ema_fig_ema": "EMA weights", "ema_fig_real": "real data",
        "ema_fig_x1": "x1", "ema_fig_x2": "x2",
        "ema_batch_size": "Batch size", "ema_sampling_steps": "DDIM steps per evaluation",
        "ema_num_samples": "Samples per evaluation", "ema_image_size": "Digit image size",
        "ema_guidance": "Guidance scale",
        "ema_err_no_gpu": "The Stable Diffusion preset needs a CUDA GPU (two 860M-parameter UNets, ~1 minute "
                          "per image on CPU; this server runs on {value}). Run the app on a GPU machine to use it.",
        "ema_err_no_hub": "{value} must be downloaded from the Hugging Face Hub, which is unreachable here. Start "
                          "the app online once (it caches ~5 GB), or pass a local folder.",
        "ema_err_no_checkpoint": "No shipped checkpoint at {field} {value}; available: {available}. Run "
                                 "scripts/make_ema_checkpoints.py to make them.",
        "ema_table": "| metric | raw | EMA |\n|---|---|---|\n{rows}\n\nstep {step}, effective decay {decay:.5f}",
        "ema_recorded": "Recorded run ({date}, {machine}): {dataset}, {steps:,} steps, decay {decay:g}, {seconds:.0f} s. "
                        "Press **Train** for a live one.",
        "ema_plot_curves": "Training: loss, sample quality, one weight and the effective decay by step (raw vs EMA)",
        "ema_plot_samples": "Samples of the raw and the EMA weights, same noise",
    },
    "ja": {
        "ema_tab": "EMA（指数移動平均）",
        "ema_intro": "重みの**指数移動平均**（`θ_ema ← d·θ_ema + (1−d)·θ`）は、生の重みに乗るミニバッチのノイズを"
                     "平均して消します。下の 2 組の重みは*同じ*学習から取り、*同じ*ノイズから（決定的な DDIM で）"
                     "生成するので、違いはすべて EMA によるものです。",
        "ema_shipped": "### 学習済みの例: 手書き数字（8×8 の UNet、70 万パラメータ）\nスライダーを動かすと左が生の重み、右が EMA です。",  # noqa: E501
        "ema_step": "チェックポイント（学習ステップ）",
        "ema_images": "生の重み | EMA の重み",
        "ema_live": "### その場で学習\n損失曲線では差が見えず、指標（小さいほど良い）で見えます。**実効減衰率**に"
                    "注目: `cap` のウォームアップでは 0.999 と 0.9999 は最初の約 9,000 ステップまで同一です。"
                    "`constant`（乱数の初期値を覚えている）やコサイン学習率（生の重みも落ち着き差が消える）も試してください。",
        "ema_dataset": "データセット", "ema_decay": "EMA 減衰率（上限）", "ema_schedule": "減衰率のウォームアップ",
        "ema_lr": "学習率（Adam）", "ema_steps": "学習ステップ数", "ema_seed": "シード",
        "ema_cosine": "学習率をコサインで 0 まで下げる", "ema_every": "N ステップごとにグラフを更新",
        "ema_train": "学習", "ema_stop": "停止",
        "ema_gpu": "GPU プリセット: Stable Diffusion v1.5 の EMA UNet と生の（非 EMA）UNet",
        "ema_gpu_note": "プロンプト・シード・スケジューラは同じで、UNet だけが違います。CUDA GPU と Hub（約 5 GB）が必要です。",
        "ema_prompt": "プロンプト", "ema_gpu_steps": "サンプリングのステップ数", "ema_generate": "2 枚を生成",
        "ema_gpu_images": "EMA UNet | 生の UNet",
        "ema_fig_loss": "学習損失", "ema_fig_metric": "サンプルの品質（小さいほど良い）",
        "ema_fig_weight": "1 つの重み", "ema_fig_decay": "実効減衰率", "ema_fig_step": "学習ステップ",
        "ema_fig_raw": "生の重み", "ema_fig_ema": "EMA の重み", "ema_fig_real": "実データ",
        "ema_fig_x1": "x1", "ema_fig_x2": "x2",
        "ema_batch_size": "バッチサイズ", "ema_sampling_steps": "評価 1 回あたりの DDIM ステップ数",
        "ema_num_samples": "評価 1 回あたりのサンプル数", "ema_image_size": "数字画像のサイズ",
        "ema_guidance": "ガイダンススケール",
        "ema_err_no_gpu": "Stable Diffusion のプリセットには CUDA GPU が必要です（8.6 億パラメータの UNet が 2 つで、"
                          "CPU では 1 枚に約 1 分。このサーバーは {value} で動いています）。GPU のあるマシンでアプリを"
                          "起動してください。",
        "ema_err_no_hub": "{value} は Hugging Face Hub からダウンロードする必要がありますが、ここからは Hub に接続"
                          "できません。一度オンラインでアプリを起動する（約 5 GB をキャッシュ）か、ローカルのフォルダを"
                          "指定してください。",
        "ema_err_no_checkpoint": "{field} {value} の同梱チェックポイントはありません。あるのは {available} です。"
                                 "scripts/make_ema_checkpoints.py で作成してください。",
        "ema_table": "| 指標 | 生 | EMA |\n|---|---|---|\n{rows}\n\nステップ {step}、実効減衰率 {decay:.5f}",
        "ema_recorded": "記録済みの実行（{date}、{machine}）: {dataset}、{steps:,} ステップ、減衰率 {decay:g}、{seconds:.0f} 秒。"
                        "**学習** を押すとその場で学習します。",
        "ema_plot_curves": "学習: ステップごとの損失・サンプル品質・1 つの重み・実効減衰率（生の重みと EMA）",
        "ema_plot_samples": "生の重みと EMA の重みのサンプル（同じノイズ）",
    },
}
DEFAULTS = diffusion.TrainConfig()
DECAY_SLIDER = (0.9, 0.9999)  # within diffusion.DECAY_RANGE: where 0.999 and 0.9999 can be told apart
SECTIONS = {"shipped": "ema-section-shipped", "live": "ema-section-live"}  # ?section=live: its elem_id
SHOWN = {"digits": 64}  # samples drawn per picture; 2-D scatter plots show up to 1,000 points


def metrics_table(raw: dict[str, float], averaged: dict[str, float], step: int, decay: float,
                  request: gr.Request | None) -> str:
    rows = "\n".join(f"| {key} | {raw[key]:.3f} | {averaged[key]:.3f} |" for key in raw)
    return text(TEXT, "ema_table", request, rows=rows, step=step, decay=decay)


@user_errors(table=TEXT)
def shipped_images(step: int, request: gr.Request = None):  # request: the language of an error
    result = ema_checkpoints.compare_checkpoint(step)  # cached: instant after the first call
    return ema_figures.sample_images(result.samples_raw[:64], result.samples_ema[:64])


@user_errors(table=TEXT)
def shipped_metrics(step: int, request: gr.Request = None) -> str:
    result = ema_checkpoints.compare_checkpoint(step)
    return metrics_table(result.metrics_raw, result.metrics_ema, result.step, result.decay, request)


def live_views(history: diffusion.RunHistory, request: gr.Request | None, note: str = "") -> tuple:
    """The live section's four outputs from a run's history: curves, samples (scatter and pictures), the numbers."""
    names = labels(TEXT, "ema_fig_", request)
    dataset = history.config.dataset
    real = None if dataset == "digits" else diffusion.toy_samples(
        dataset, 1000, seed=diffusion.reference_seed(history.config.seed))
    shown = SHOWN.get(dataset, 1000)
    raw = {key: values[-1] for key, values in history.metrics_raw.items()}
    averaged = {key: values[-1] for key, values in history.metrics_ema.items()}
    samples_raw, samples_ema = history.samples_raw[:shown], history.samples_ema[:shown]
    table = metrics_table(raw, averaged, history.step, history.decays[-1], request)
    return (ema_figures.training_figure(history, names), ema_figures.samples_figure(samples_raw, samples_ema, real, names),
            ema_figures.sample_images(samples_raw, samples_ema), f"{note}\n\n{table}" if note else table)


def lesson(request: gr.Request = None) -> tuple:
    """The shipped default run (`checkpoints.LIVE_RUN`), shown on page load labelled as recorded."""
    data, date, machine = recorded.load(ema_checkpoints.LIVE_RUN)
    history = ema_checkpoints.run_from_record(data)
    note = text(TEXT, "ema_recorded", request, date=date, machine=machine, dataset=history.config.dataset,
                steps=history.config.steps, decay=history.config.ema_decay, seconds=data["seconds"])
    return live_views(history, request, note)


def linked_step(step: gr.Dropdown) -> Callable[[dict[str, str]], dict]:
    """`?step=250` as the checkpoint dropdown's value: the link's text read as one of its (whole-number) choices."""
    def preset(params: dict[str, str]) -> dict:
        wanted = links.linked_choice(params, "step", map(str, ema_checkpoints.shipped_steps()))
        return {} if wanted is None else {step: int(wanted)}
    return preset


@user_errors(table=TEXT)
def train(dataset: str, decay: float, schedule: str, learning_rate: float, steps: int, seed: int,
          cosine_lr: bool, every: int, request: gr.Request = None, progress=gr.Progress()) -> Iterator:
    """One live run; every value is checked by `TrainConfig` (the names are the API's, the config's its own)."""
    config = diffusion.TrainConfig.for_dataset(
        dataset, ema_decay=decay, schedule=schedule, learning_rate=learning_rate, steps=steps, seed=seed,
        cosine_lr=cosine_lr, eval_every=every)
    for history in diffusion.train(config):
        progress(history.step / config.steps, desc=f"{history.step}/{config.steps}")
        yield live_views(history, request)


@user_errors(table=TEXT)
def pretrained(prompt: str, seed: int, steps: int, request: gr.Request = None):
    """The SD pair; `request` only tells `user_errors` the reader's language."""
    return ema_pretrained.generate_pair(ema_pretrained.PretrainedRequest(prompt=prompt, seed=seed, steps=steps))


def dataset_defaults(dataset: str):
    config = diffusion.TrainConfig.for_dataset(dataset)
    return config.learning_rate, config.steps, config.eval_every


def warm_up() -> None:
    """Sample the shipped checkpoint shown first (the latest step), so visitors see it at once.

    `app.py` calls it in its start-up thread after the default LLM has loaded; the other steps are
    sampled when first chosen (about a second each), so start-up stays short.
    """
    ema_checkpoints.compare_checkpoint(ema_checkpoints.shipped_steps()[-1])


def build() -> None:
    gr.Markdown(T("ema_intro"), elem_classes=links.NOTES)
    gr.Markdown(T("ema_shipped"), elem_id="ema-section-shipped")
    saved = ema_checkpoints.shipped_steps()
    step = gr.Dropdown(saved, value=saved[-1], label=T("ema_step"), elem_id="ema-step")
    with gr.Row():
        shipped = gr.ImageSlider(label=T("ema_images"), type="numpy", elem_id="ema-shipped")
        shipped_table = gr.Markdown(elem_id="ema-shipped-metrics")
    # triggers=None: on each page load and whenever the step changes; views, not public API
    gr.on(None, shipped_images, [step], shipped, api_visibility="private",
          concurrency_id="ema_train", concurrency_limit=1)
    gr.on(None, shipped_metrics, [step], shipped_table, api_visibility="private")

    gr.Markdown(T("ema_live"), elem_id="ema-section-live")
    with gr.Row():
        dataset = gr.Dropdown(list(diffusion.DATASETS), value=DEFAULTS.dataset, label=T("ema_dataset"),
                              elem_id="ema-dataset")
        decay = gr.Slider(*DECAY_SLIDER, value=DEFAULTS.ema_decay, step=0.0001, label=T("ema_decay"),
                       elem_id="ema-decay")
        schedule = gr.Radio(list(SCHEDULES), value=DEFAULTS.schedule, label=T("ema_schedule"),
                            elem_id="ema-schedule")
        cosine = gr.Checkbox(value=DEFAULTS.cosine_lr, label=T("ema_cosine"), elem_id="ema-cosine")
    with gr.Row():
        learning_rate = gr.Number(DEFAULTS.learning_rate, minimum=diffusion.LEARNING_RATE_RANGE[0],
                                  maximum=diffusion.LEARNING_RATE_RANGE[1], label=T("ema_lr"),
                               elem_id="ema-lr")
        steps = gr.Slider(50, 10_000, value=DEFAULTS.steps, step=50, label=T("ema_steps"), elem_id="ema-steps")
        every = gr.Slider(10, 1000, value=DEFAULTS.eval_every, step=10, label=T("ema_every"), elem_id="ema-every")
        seed = gr.Number(DEFAULTS.seed, precision=0, minimum=0, maximum=MAX_SEED, label=T("ema_seed"),
                         elem_id="ema-seed")
    # ?tab=ema&step=250&dataset=digits&decay=0.9999&schedule=constant&cosine=true
    controls = {"dataset": dataset, "decay": decay, "schedule": schedule, "cosine": cosine}
    links.when_linked_controls("ema", controls, preset=linked_step(step), extra=[step])
    links.copy_link_row("ema", {"step": step, **controls})
    links.scroll_to_section("ema", SECTIONS)
    with gr.Row():
        run = gr.Button(T("ema_train"), variant="primary", elem_id="ema-train")
        stop = gr.Button(T("ema_stop"), elem_id="ema-stop")
    curves = gr.Plot(label=T("ema_plot_curves"), elem_id="ema-curves")
    with gr.Row():
        scatter = gr.Plot(label=T("ema_plot_samples"), elem_id="ema-samples")
        live_images = gr.ImageSlider(label=T("ema_images"), type="numpy", elem_id="ema-live-images")
    final = gr.Markdown(elem_id="ema-metrics")
    dataset.change(dataset_defaults, dataset, [learning_rate, steps, every], api_visibility="private")
    event = run.click(train, inputs_kwargs={"dataset": dataset, "decay": decay, "schedule": schedule,
                                            "learning_rate": learning_rate, "steps": steps, "seed": seed,
                                            "cosine_lr": cosine, "every": every},
                      outputs=[curves, scatter, live_images, final], api_name="ema_train",
                      concurrency_id="ema_train", concurrency_limit=1)
    stop.click(None, cancels=[event], api_visibility="private")
    # the live section opens on a finished default run, recorded (a lesson without a click)
    gr.on(None, lesson, None, [curves, scatter, live_images, final], api_visibility="private")

    with gr.Accordion(T("ema_gpu"), open=False):
        gr.Markdown(T("ema_gpu_note"))
        defaults = ema_pretrained.PretrainedRequest()
        with gr.Row():
            prompt = gr.Textbox(defaults.prompt, label=T("ema_prompt"), elem_id="ema-prompt")
            gpu_seed = gr.Number(defaults.seed, precision=0, minimum=0, maximum=MAX_SEED, label=T("ema_seed"))
            gpu_steps = gr.Slider(*ema_pretrained.STEPS_RANGE, value=defaults.steps, step=1, label=T("ema_gpu_steps"))
        generate = gr.Button(T("ema_generate"), elem_id="ema-generate")
        pair = gr.ImageSlider(label=T("ema_gpu_images"), type="pil", elem_id="ema-pretrained")
        generate.click(pretrained, inputs_kwargs={"prompt": prompt, "seed": gpu_seed, "steps": gpu_steps}, outputs=pair,
                       api_name="ema_pretrained",
                       concurrency_id="ema_gpu", concurrency_limit=1)
