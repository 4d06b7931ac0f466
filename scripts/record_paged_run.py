"""Record one live run of the PagedAttention tab into assets/paged_attention/recorded_run.json.

The tab opens with this run (labelled with its date and machine) until a visitor runs live.
Usage: PLAYGROUND_OFFLINE=1 python scripts/record_paged_run.py
"""
from __future__ import annotations

import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import torch

    from playground.core.models import load_causal_lm
    from playground.paged_attention import live, recorded

    os.environ.setdefault("PLAYGROUND_OFFLINE", "1")
    torch.set_num_threads(1)
    lm = load_causal_lm()
    comparison = live.compare(lm, prefix_caching=True)
    path = recorded.save(comparison, ROOT / recorded.ASSET)
    print(f"wrote {path}: static {comparison.static.seconds:.1f} s, paged {comparison.paged.seconds:.1f} s, "
          f"identical={comparison.identical}")


if __name__ == "__main__":
    main()
