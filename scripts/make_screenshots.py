"""Screenshots of the real app's tabs for README.md and docs/, so they can be re-made after a UI change.

Why a script and not hand-made pictures: a screenshot in the docs is a claim about what the page
shows; made from `python app.py` (offline, as tests/conftest.py starts it) in Debian's headless
Chromium through Playwright, it is re-made with one command whenever a tab changes.

Each tab is opened by its own link (`?tab=<id>&lang=<en|ja>`, demos/links.py), at 1440x900 (the
workshop laptop's screen), once its plots are drawn, its images loaded and no output is pending.
A long tab's first screen is its controls, so the picture is scrolled to where its finished lesson
starts (`FOCUS`), and saved as `docs/img/<tab>-<lang>.png` in a 256-colour palette (the page has few
colours, so this keeps each file under about 100 kB).

    python3 scripts/make_screenshots.py                          # every tab, English and Japanese
    python3 scripts/make_screenshots.py --tabs penalties --langs en
    python3 scripts/make_screenshots.py --url http://127.0.0.1:7860/   # an app that is already running
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import pathlib
import sys
import tempfile

from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "docs" / "img"
VIEWPORT = {"width": 1440, "height": 900}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LOCALES = {"en": "en-US", "ja": "ja-JP"}
# where each tab's finished lesson starts (an elem_id), put at the top of the picture; a tab not named fits as it opens
FOCUS = {"penalties": "penalties-lesson-note", "speculative": "speculative-plain", "ema": "ema-section-shipped",
         "dpo": "dpo-train-status", "math": "curves-sections", "paged_attention": "paged-race-table",
         "gan_vs_diffusion": "gan-scatter"}
# the tab is finished: every visible plot has a trace with data, every visible image has loaded, and no Gradio
# status tracker on the page (its `.wrap` loses `.hide` while an event runs) shows progress
FINISHED = """(id) => { const tab = document.getElementById(id);
  if (!tab || tab.offsetParent === null) return false;
  const shown = (el) => el.offsetParent !== null;
  const plots = [...tab.querySelectorAll('.js-plotly-plot')].filter(shown);
  const drawn = plots.every(plot => (plot._fullData || []).some(
    trace => ['x', 'y', 'z', 'values'].some(key => trace[key] && trace[key].length > 0)));
  const loaded = [...tab.querySelectorAll('img')].filter(shown).every(img => img.complete && img.naturalWidth > 0);
  const busy = [...document.querySelectorAll('.wrap.default:not(.hide), .eta-bar, .progress-text')].some(shown);
  return drawn && loaded && !busy; }"""








def save_small(png: bytes, path: pathlib.Path) -> int:
    """The screenshot in a 256-colour palette, no dithering (flat UI colours stay flat); returns its size."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(path, optimize=True)
    return path.stat().st_size


def shoot(url: str, tabs: list[str], langs: list[str], out: pathlib.Path, timeout_s: float) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for lang in langs:
                context = browser.new_context(viewport=VIEWPORT, locale=LOCALES[lang])
                page = context.new_page()
                for tab in tabs:
                    page.goto(f"{url}?tab={tab}&lang={lang}", wait_until="domcontentloaded")
                    page.wait_for_function(FINISHED, arg=f"tab-{tab}", timeout=timeout_s * 1000)
                    if tab in FOCUS:
                        page.evaluate("(id) => window.scrollTo(0, document.getElementById(id)"
                                      ".getBoundingClientRect().top + window.scrollY - 16)", FOCUS[tab])
                    page.wait_for_timeout(1500)  # Plotly's resize and the fonts settle after the data arrives
                    path = out / f"{tab}-{lang}.png"
                    size = save_small(page.screenshot(), path)
                    print(f"{path.relative_to(ROOT)}: {size / 1000:.0f} kB")
                context.close()
        finally:
            browser.close()


def main() -> None:
    from app import TABS, tab_id  # the page's own tab ids, so a new tab is shot too

    tab_ids = [tab_id(tab) for tab in TABS]
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", nargs="+", choices=tab_ids, default=tab_ids)
    parser.add_argument("--langs", nargs="+", choices=sorted(LOCALES), default=["en", "ja"])
    parser.add_argument("--url", help="an app already running (default: start `python app.py` offline)")
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    parser.add_argument("--timeout-s", type=float, default=180, help="per tab, for its plots and outputs")
    args = parser.parse_args()
    from tests.conftest import running_app  # the tests' own way to start the app, offline

    with tempfile.TemporaryDirectory() as folder, contextlib.nullcontext(args.url) if args.url else running_app(
            pathlib.Path(folder) / "server.log", env={"PLAYGROUND_PREFERENCES_DB": f"{folder}/votes.sqlite3"}) as url:
        shoot(url, args.tabs, args.langs, args.out.resolve(), args.timeout_s)


if __name__ == "__main__":
    main()
