"""Ready-made speculative-decoding setups: prompt presets, draft factories, and transformers' own
implementation as a second reference.

Why presets matter here: the speedup is a property of the prompt as much as of the method. Prompt
lookup only wins when the answer repeats the input, so the presets span copy (big win), summary
(some win) and free story (a loss), and the early-exit card shows an untrained draft losing.
"""
from __future__ import annotations

import time

import torch
from torch import nn

from playground.core.errors import InputError
from playground.core.generation import GREEDY
from playground.speculative.config import STORY, SpeculativeConfig
from playground.speculative.drafts import ModelDraft, PromptLookup, Proposer, early_exit_draft

PARAGRAPH = (
    "The lighthouse on Gull Point was built in 1871 from granite quarried on the island itself. "
    "For almost a century its keepers climbed one hundred and twelve steps every evening to light "
    "the lamp, wind the clockwork that turned the lens, and record the weather in a leather log. "
    "When the light was automated in 1968, the last keeper, Margaret Hale, donated the logs to the "
    "town library, where visitors can still read her careful notes about storms, shipwrecks and "
    "the seabirds that nested on the gallery rail."
)

COPY = ("Fix the spelling and punctuation of this paragraph and return the whole paragraph:\n\n"
        + PARAGRAPH.replace("quarried", "quaried").replace("careful", "carefull"))

# the tab's preset buttons (UI text speculative_preset_<key>); a preset sets every control but the target,
# sampling (off) and its temperature and seed
PRESETS: dict[str, SpeculativeConfig] = {
    "copy": SpeculativeConfig(COPY, "prompt_lookup", 10, adaptive_draft=True),
    # start at gamma 2: a summary copies short runs, so long first guesses mostly cost a wider
    # verify pass; the adaptive length then grows along the runs it does copy
    "summarise": SpeculativeConfig("Summarise this paragraph in three sentences, reusing its wording:\n\n" + PARAGRAPH,
                                   "prompt_lookup", 2, adaptive_draft=True),
    "story": SpeculativeConfig(STORY, "prompt_lookup", 4, adaptive_draft=True),
    "early_exit": SpeculativeConfig("Fix the spelling and punctuation of this paragraph and return the whole "
                                    "paragraph:\n\n" + PARAGRAPH.replace("quarried", "quaried"), "early_exit", 4,
                                    adaptive_draft=False),  # fixed gamma: the card shows what an untrained draft costs
}

# GPU pairs: the draft must share the target's vocabulary (same family and tokenizer).
MODEL_PAIRS: dict[str, str] = {
    "HuggingFaceTB/SmolLM2-1.7B-Instruct": "HuggingFaceTB/SmolLM2-135M-Instruct",
    "Qwen/Qwen2.5-1.5B-Instruct": "Qwen/Qwen2.5-0.5B-Instruct",
}


def make_draft(config: SpeculativeConfig, target: nn.Module, draft_model: nn.Module | None = None,
               max_ngram: int = 3) -> Proposer:
    """The proposer of `config.draft_kind`; `draft_model` is needed only for kind "draft_model"."""
    if config.draft_kind == "early_exit":
        return early_exit_draft(target, config.early_exit_layers)
    if config.draft_kind == "draft_model":
        if draft_model is None:
            raise InputError("speculative_err_needs_pair", field="speculative_kind", pairs=", ".join(MODEL_PAIRS))
        return ModelDraft(draft_model)
    return PromptLookup(max_ngram)


@torch.inference_mode()
def transformers_generate(target: nn.Module, input_ids: torch.Tensor, max_new_tokens: int,
                          prompt_lookup_num_tokens: int | None = None,
                          assistant_model: nn.Module | None = None,
                          num_assistant_tokens: int = 4) -> tuple[list[int], float]:
    """Greedy `generate` of transformers (plain, prompt lookup or assisted): (new tokens, seconds).

    Traps measured on transformers 5: `num_assistant_tokens` passed to `generate()` is ignored (it
    is read from the assistant's generation_config, set here); `prompt_lookup_num_tokens` together
    with `assistant_model` silently drops the assistant (so this refuses both); batch size > 1 is
    refused by assisted generation.
    """
    if prompt_lookup_num_tokens and assistant_model is not None:
        raise TypeError("Pass prompt_lookup_num_tokens or assistant_model, not both: transformers "
                        "would silently ignore the assistant.")
    kwargs: dict = {"max_new_tokens": max_new_tokens, **GREEDY, "attention_mask": torch.ones_like(input_ids),
                    "pad_token_id": target.generation_config.eos_token_id}
    if prompt_lookup_num_tokens:
        kwargs["prompt_lookup_num_tokens"] = prompt_lookup_num_tokens
    if assistant_model is not None:
        assistant_model.generation_config.num_assistant_tokens = num_assistant_tokens
        assistant_model.generation_config.num_assistant_tokens_schedule = "constant"
        kwargs["assistant_model"] = assistant_model
    start = time.perf_counter()
    output = target.generate(input_ids, **kwargs)
    if output.device.type == "cuda":
        torch.cuda.synchronize(output.device)
    return output[0, input_ids.shape[1]:].tolist(), time.perf_counter() - start
