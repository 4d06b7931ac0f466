"""How many greedy tokens our local `llama.cpp` penalty convention agrees with a real llama.cpp server.

Usage: start `python -m llama_cpp.server --model <the offline GGUF> --model_alias smollm2-135m-q4_1
--n_threads 1` and run `python bench/engine_agreement.py --engine-url http://127.0.0.1:PORT`.
For every shipped penalty example (and the same prompt with every penalty off) it decodes 64 greedy
tokens here (transformers, the GGUF dequantised to float32, `convention="llama.cpp"`, last_n 64) and
asks the server with the same penalties (llama.cpp names); it prints how many leading tokens agree.
"""
from __future__ import annotations

import argparse
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from demos.penalties.tab import EXAMPLES  # noqa: E402
from playground.core.engine import Engine  # noqa: E402
from playground.core.generation import GenerationParams  # noqa: E402
from playground.core.models import load_causal_lm  # noqa: E402
from playground.penalties.decoding import traced_generate  # noqa: E402
from playground.penalties.processors import PenaltyConfig  # noqa: E402
from playground.penalties.served import engine_penalties  # noqa: E402

TOKENS = 64


def agreeing_tokens(tokenizer, local_ids: list[int], served_text: str) -> int:
    """Leading local tokens whose decoded text is still a prefix of the server's answer."""
    for count in range(1, len(local_ids) + 1):
        if not served_text.startswith(tokenizer.decode(local_ids[:count], skip_special_tokens=True)):
            return count - 1
    return len(local_ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine-url", required=True)
    args = parser.parse_args()
    engine, lm = Engine(args.engine_url), load_causal_lm()
    model, params = engine.model_id(), GenerationParams(TOKENS)
    print(f"{'prompt':40} {'r':>5} {'f':>5} {'p':>5}  agree/local tokens")
    for prompt, r, f, p, _ in EXAMPLES:
        for config in (PenaltyConfig(r, f, p, "llama.cpp", 64), PenaltyConfig(convention="llama.cpp")):
            for run in traced_generate(lm, prompt, config, params, trace=False):
                pass
            served = engine.chat([{"role": "user", "content": prompt}], model=model, max_tokens=TOKENS,
                                 penalties=engine_penalties(config, "llama.cpp")).text
            agree = agreeing_tokens(lm.tokenizer, run.new_ids, served)
            print(f"{prompt[:40]:40} {config.repetition_penalty:5.2f} {config.frequency_penalty:5.2f} "
                  f"{config.presence_penalty:5.2f}  {agree}/{len(run.new_ids)}")


if __name__ == "__main__":
    main()
