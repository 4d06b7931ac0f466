"""The lessons the Generate, Penalties, Speculative and DPO tabs open with: shipped runs that fill every output, labelled."""
from __future__ import annotations

import gradio as gr

from playground.core.timed import TimedWork

JAPANESE = gr.Request(headers={"accept-language": "ja-JP,ja;q=0.9"})


def test_the_generate_lesson_is_the_default_prompts_answer_labelled_recorded():
    from demos import generate
    from playground.core import recorded
    from playground.core.batching import Schedulers
    from playground.dpo.training import PolicyTrainer

    data, _, _ = recorded.load(generate.LESSON)
    tab = generate.Generate(PolicyTrainer(), Schedulers())
    answer, note = tab.lesson()
    assert answer == data["answer"] and answer.strip() and data["prompt"] == generate.PROMPT
    assert data["params"] == {"max_new_tokens": generate.DEFAULTS.max_new_tokens, "temperature": 0.0,
                              "top_p": generate.DEFAULTS.params.top_p, "seed": generate.DEFAULTS.params.seed}, \
        "the tab's own defaults"
    assert note.startswith("Recorded run (20") and f"{data['tokens']} tokens" in note
    assert "記録済み" in tab.lesson(JAPANESE)[1]


def test_the_penalties_lesson_fills_the_pair_the_step_chart_and_the_sweep():
    from demos.penalties import tab

    with gr.Blocks():
        view = tab.GenerateView(gr.HTML(), gr.HTML(), gr.Dataframe(), gr.Slider(), gr.Plot(), gr.Dataframe(), gr.State(),
                                TimedWork())
        shown = view.lesson()
    assert set(shown) == set(view.outputs()), "every output of a finished run, none left empty"
    assert shown[view.plain] != shown[view.penalised] and shown[view.step_plot].layout.height
    assert len(tab.lesson_sweep().data[0].x) == tab.DEFAULT_SWEEP.points
    assert "Recorded run (20" in tab.lesson_note() and "記録済み" in tab.lesson_note(JAPANESE)


def test_the_speculative_lesson_shows_the_copy_presets_speedup():
    from demos import speculative

    with gr.Blocks():
        view = speculative.CompareView(gr.Textbox(), gr.HTML(), gr.Markdown(), gr.Plot(), gr.Plot(), gr.JSON(), TimedWork())
        shown = view.lesson()
    assert set(shown) == set(view.outputs())
    assert shown[view.raw]["identical"] and shown[view.raw]["speedup"] > 1
    assert f"{shown[view.raw]['speedup']:.2f}×" in speculative.lesson_note()


def test_the_dpo_lesson_is_a_pair_ready_to_vote_on():
    from demos.dpo import votes

    prompt, answer_a, answer_b, pair, seed, note = votes.lesson_pair(JAPANESE)
    assert answer_a and answer_b and answer_a != answer_b and pair["prompt"] == prompt
    assert pair["params"]["policy"] == "reference" and seed == 2 and "記録済み" in note


def test_the_dpo_training_lesson_is_the_default_run_finished():
    from demos.dpo import training
    from playground.dpo.preferences import PreferenceStore

    with gr.Blocks():
        view = training.TrainingView(gr.Markdown(), gr.Plot(), gr.HTML(), PreferenceStore(),
                                     training.dpo_training.PolicyTrainer(), TimedWork())
        shown = view.lesson()
    assert set(shown) == set(view.outputs()), "every output of a finished run, none left empty"
    status, figure, table = shown[view.status], shown[view.plot], shown[view.table]
    assert status.startswith("Recorded run (20") and "記録済み" in view.lesson(JAPANESE)[view.status]
    losses = figure.data[0].y
    assert len(losses) == training.DEFAULTS.steps and losses[-1] < losses[0], "the recorded run learned"
    assert figure.layout.height and "recorded" in figure.layout.title.text
    assert table.count("<tr>") == 1 + len(training.dpo_training.HELD_OUT_PROMPTS) and "<td></td>" not in table


def test_the_ema_live_lesson_is_the_default_run_finished():
    from demos import ema

    curves, samples, (raw_picture, ema_picture), numbers = ema.lesson()
    assert len(curves.data[0].y) > 100 and curves.layout.height and samples.layout.height
    assert raw_picture.shape == ema_picture.shape and (raw_picture != ema_picture).any()
    assert numbers.startswith("Recorded run (20") and f"step {ema.DEFAULTS.steps}" in numbers
