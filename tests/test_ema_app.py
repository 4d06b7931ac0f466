"""EMA tab: the SD-pair plumbing on a tiny local UNet, the shipped checkpoints, the API and the browser."""
from __future__ import annotations

import gradio as gr
import pytest
import torch
from diffusers import UNet2DConditionModel

from demos import ema as ema_tab
from playground.core.errors import InputError
from playground.core.settings import Settings
from playground.ema import checkpoints as ema_checkpoints
from playground.ema import pretrained as ema_pretrained

JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})  # what a Japanese browser sends


def tiny_unet(seed: int) -> UNet2DConditionModel:
    torch.manual_seed(seed)
    return UNet2DConditionModel(sample_size=8, in_channels=4, out_channels=4, layers_per_block=1,
                                block_out_channels=(32, 64), cross_attention_dim=16, attention_head_dim=4,
                                down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
                                up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), norm_num_groups=8)


def test_unet_pair_loads_the_default_files_as_ema_and_the_non_ema_variant_as_raw(tmp_path):
    # A local folder laid out like stable-diffusion-v1-5: unet/ holds EMA weights, *.non_ema.* the raw ones
    averaged, raw = tiny_unet(0), tiny_unet(1)
    averaged.save_pretrained(tmp_path / "unet")
    raw.save_pretrained(tmp_path / "unet", variant=ema_pretrained.RAW_VARIANT)
    assert sorted(p.name for p in (tmp_path / "unet").glob("*.safetensors")) == [
        "diffusion_pytorch_model.non_ema.safetensors", "diffusion_pytorch_model.safetensors"]
    loaded_ema, loaded_raw = ema_pretrained.load_unet_pair(str(tmp_path))
    for loaded, saved in ((loaded_ema, averaged), (loaded_raw, raw)):
        assert all(torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), saved.state_dict().values()))
    # same latents and text embedding, different UNet: different noise predictions
    latents, text = torch.randn(1, 4, 8, 8), torch.randn(1, 3, 16)
    with torch.no_grad():
        outputs = [unet(latents, 10, encoder_hidden_states=text).sample for unet in (loaded_ema, loaded_raw)]
    assert not torch.allclose(*outputs)


def test_pretrained_preset_refuses_cpu_with_a_clear_message(tmp_path):
    settings = Settings(**{**Settings.from_env().__dict__, "device": "cpu", "offline": True})
    with pytest.raises(InputError) as error:
        ema_pretrained.generate_pair(ema_pretrained.PretrainedRequest(), settings=settings)
    assert error.value.key == "ema_err_no_gpu" and "CUDA GPU" in ema_tab.TEXT["en"][error.value.key]
    with pytest.raises(InputError) as error:
        ema_pretrained.PretrainedRequest(steps=1000)
    assert (error.value.key, error.value.values["field"]) == ("common_err_whole", "ema_gpu_steps")


def first_update(request, **changes):
    """The train handler's first yield for a 10-step two-moons run (or the error it raises)."""
    settings = {"dataset": "two_moons", "decay": 0.999, "schedule": "cap", "learning_rate": 3e-3, "steps": 10,
                "seed": 0, "cosine_lr": False, "every": 10, **changes}
    return next(iter(ema_tab.train(*settings.values(), request=request)))


def test_train_handler_labels_its_figures_in_the_readers_language():
    english, japanese = first_update(None), first_update(JAPANESE)
    for lang, (curves, scatter, _, table), expected in (("en", english, ema_tab.TEXT["en"]),
                                                       ("ja", japanese, ema_tab.TEXT["ja"])):
        assert curves.layout.xaxis.title.text == expected["ema_fig_step"], lang
        assert [a.text for a in scatter.layout.annotations] == [expected["ema_fig_raw"], expected["ema_fig_ema"]]
        assert scatter.layout.xaxis.title.text == expected["ema_fig_x1"] and curves.layout.height and scatter.layout.height
        assert ("step 10" if lang == "en" else "ステップ 10") in table
    assert english[0].layout.xaxis.title.text != japanese[0].layout.xaxis.title.text


@pytest.mark.parametrize("call, message", [
    (lambda request: first_update(request, steps=5), "学習ステップ数 は 10 から 20000 の整数で"),
    (lambda request: first_update(request, schedule="linear"), '減衰率のウォームアップ は "cap", "power", "constant" のいずれか'),
    (lambda request: ema_tab.pretrained("  ", 0, 25, request), "プロンプト が空です"),
    (lambda request: ema_tab.pretrained("a cat", 0, 1000, request), "サンプリングのステップ数 は 5 から 100 の整数で"),
])
def test_bad_input_is_said_in_japanese_naming_the_field(call, message):
    with pytest.raises(gr.Error) as error:
        call(JAPANESE)
    assert error.value.message.startswith(message), error.value.message
    with pytest.raises(gr.Error) as english:
        call(None)
    assert english.value.message != error.value.message and english.value.title == "Please check the input"


@pytest.mark.skipif(torch.cuda.is_available(), reason="with a GPU the preset runs instead of refusing")
def test_the_gpu_preset_on_cpu_says_so_in_japanese():
    with pytest.raises(gr.Error) as error:
        ema_tab.pretrained("a cat", 0, 25, JAPANESE)
    assert "CUDA GPU が必要です" in error.value.message


def test_shipped_checkpoints_are_small_and_the_ema_samples_better():
    files = list(ema_checkpoints.ASSET_DIR.iterdir())
    assert sum(f.stat().st_size for f in files) < 15 * 2**20
    steps = ema_checkpoints.shipped_steps()
    assert len(steps) >= 2
    final = ema_checkpoints.compare_checkpoint(steps[-1])
    assert not torch.equal(final.samples_raw, final.samples_ema)
    assert final.metrics_ema["frechet"] < final.metrics_raw["frechet"]
    raw, averaged = (ema_checkpoints.load_checkpoint(steps[-1], w) for w in ema_checkpoints.WEIGHT_SETS)
    assert any(not torch.equal(a, b) for a, b in zip(raw.parameters(), averaged.parameters()))


# ------------------------------------------------------------------ the running app
def test_a_bad_value_over_the_api_names_the_field_by_its_japanese_label(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False, download_files=False, headers={"Accept-Language": "ja"})
    try:
        with pytest.raises(Exception) as error:  # 3000.5 steps: refused, not truncated
            client.predict("two_moons", 0.999, "cap", 3e-3, 3000.5, 0, False, 250, api_name="/ema_train")
        assert "学習ステップ数 は 50 から 10000 の整数で指定してください（入力値: 3000.5）" in str(error.value)
        with pytest.raises(Exception) as error:  # past the guard (text is text): the config's own check
            client.predict("", 0, 25, api_name="/ema_pretrained")
        assert "プロンプト が空です" in str(error.value)
    finally:
        client.close()


@pytest.mark.slow
def test_ema_train_api_returns_metrics_for_both_weight_sets_and_images(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False, download_files=False)
    try:
        curves, scatter, images, table = client.predict(
            "two_moons", 0.999, "cap", 3e-3, 200, 0, False, 100, api_name="/ema_train")
        assert "sliced_w1_x100" in table and "step 200" in table
        assert len(images) == 2 and all(image for image in images)
        with pytest.raises(Exception) as error:
            client.predict("two_moons", 0.999, "cap", 5.0, 200, 0, False, 100, api_name="/ema_train")
        message = str(error.value)  # the guard names the field by its label, before the engine
        assert "Learning rate (Adam) must be between 1e-05 and 0.1 (got 5)" in message and "Traceback" not in message
        with pytest.raises(Exception) as error:
            client.predict("a cat", 0, 25, api_name="/ema_pretrained")
        assert "GPU" in str(error.value) or "Hub" in str(error.value)
    finally:
        client.close()


@pytest.mark.slow
@pytest.mark.browser
def test_ema_tab_shows_the_shipped_comparison_and_a_short_run_updates_the_plots(page, open_tab, console_errors,
                                                                                artifacts):
    from playwright.sync_api import expect

    open_tab("EMA")
    expect(page.locator("#ema-shipped-metrics")).to_contain_text("frechet", timeout=60_000)
    expect(page.locator("#ema-shipped img").first).to_be_visible()
    page.screenshot(path=str(artifacts / "ema-on-load.png"), full_page=True)
    steps = page.locator("#ema-steps input[type=number]")
    steps.fill("200")
    steps.press("Enter")
    page.locator("#ema-train").click()
    expect(page.locator("#ema-metrics")).to_contain_text("step 200", timeout=120_000)
    expect(page.locator("#ema-curves .js-plotly-plot")).to_be_visible(timeout=30_000)
    expect(page.locator("#ema-samples .js-plotly-plot")).to_be_visible(timeout=30_000)
    page.screenshot(path=str(artifacts / "ema-after-train.png"), full_page=True)
    assert not console_errors, console_errors
