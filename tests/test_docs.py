"""The docs cannot drift silently: what README.md and docs/*.md name exists, and their links resolve.

Why: the README went on citing `tests/test_curves_app.py` after that file was renamed, and listing 9 of
`playground/core/`'s 15 modules (issue 28). Checked here, on every Markdown file the repository ships:
1. every repository path written in code (`playground/core/batching.py`; `tests/test_penalties*.py` as a
   glob) exists, and every dotted `playground.<package>.<module>` resolves to a module (and a name in it);
2. every command that runs a script of `bench/`, `scripts/` or `app.py` names one that exists, and each
   `--flag` it passes appears in that script's source, where its argparse (or shell test) declares it;
3. every relative link and image resolves to a file of the repository, and a `#anchor` to a heading of
   the target (GitHub's slugs);
4. every `playground/*/__init__.py` docstring names each of its modules (the index the README points to).
Each check is a function from text to a list of problems, shown to catch a broken sample as well.
"""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# the first part of a path that lives in this repository; anything else in code (`/tmp/x`, `test-artifacts/`) is not ours
REPO_PATH = re.compile(r"^(?:\.ci|assets|bench|demos|deploy|docs|playground|scripts|tests)(?:/[\w.*/-]*)?$"
                       r"|^(?:app\.py|Dockerfile|pyproject\.toml|requirements(?:-test)?\.txt)$")
RUNNABLE = re.compile(r"^(?:bench/|scripts/)[\w/-]+\.(?:py|sh)$|^app\.py$")
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
SPAN = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"!?\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.M)
DOTTED = re.compile(r"\bplayground(?:\.\w+)+")
COMMAND_END = {"&&", "||", ";", "|"}


def code_pieces(markdown: str) -> list[str]:
    """The text of every fenced block (line by line) and every inline code span: where paths and commands are written."""
    blocks = FENCE.findall(markdown)
    prose = FENCE.sub("", markdown)
    return [line for block in blocks for line in block.splitlines()] + SPAN.findall(prose)


def words(piece: str) -> list[str]:
    return [word.strip(",;:()'\"").rstrip(".") for word in piece.split()]


def path_problems(markdown: str, root: pathlib.Path = ROOT) -> list[str]:
    """Repository paths and dotted `playground.` modules named in code that do not exist under `root`."""
    problems = []
    for piece in code_pieces(markdown):
        for word in words(piece):
            if "<" in word or "$" in word or not REPO_PATH.match(word):
                continue  # a placeholder (`docs/<tab>.md`) or not a path of ours
            found = any(root.glob(word.rstrip("/"))) if "*" in word else (root / word).exists()
            if not found:
                problems.append(f"`{word}` does not exist")
        for dotted in DOTTED.findall(piece):
            problems += module_problems(dotted, root)
    return problems


def module_problems(dotted: str, root: pathlib.Path) -> list[str]:
    """`playground.core.ema` is a module; `playground.core.ema.EMA` a module and a name written in it."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:end])
        source = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if source.is_file():
            rest = parts[end:]
            if len(rest) > 1 or (rest and not re.search(rf"\b{re.escape(rest[0])}\b", source.read_text())):
                return [f"`{dotted}`: no `{'.'.join(rest)}` in {source.relative_to(root)}"]
            return []
    return [f"`{dotted}` is not a module"]


def command_problems(markdown: str, root: pathlib.Path = ROOT) -> list[str]:
    """Commands that run a missing script, or pass it a `--flag` its source never mentions."""
    problems = []
    for piece in code_pieces(markdown):
        tokens = words(piece)
        for index, token in enumerate(tokens):
            if not RUNNABLE.match(token):
                continue
            script = root / token
            if not script.is_file():
                problems.append(f"`{token}` does not exist")
                continue
            source = script.read_text()
            for flag in tokens[index + 1:]:
                if flag in COMMAND_END:
                    break
                name = flag.split("=", 1)[0]
                if name.startswith("--") and name != "--help" and name not in source:
                    problems.append(f"`{token}` has no option `{name}`")
    return problems


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading anchors on its text
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in HEADING.findall(FENCE.sub("", markdown)):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def link_problems(markdown: str, where: pathlib.Path, root: pathlib.Path = ROOT) -> list[str]:
    """Relative links and images (from the file at `where`) whose file, or `#anchor` in it, is missing."""
    problems = []
    for target in LINK.findall(FENCE.sub("", markdown)):
        if re.match(r"^[a-z][a-z+.-]*:", target):
            continue  # https:, mailto:: not ours to check offline
        path, _, anchor = target.partition("#")
        file = (where.parent / path).resolve() if path else where
        if root.resolve() not in (file, *file.parents) or not file.exists():
            problems.append(f"link `{target}`: no file {path}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file.read_text()):
            problems.append(f"link `{target}`: no heading #{anchor} in {file.name}")
    return problems


def index_problems(package: pathlib.Path) -> list[str]:
    """Modules (and subpackages) of `package` that its `__init__` docstring does not name in backticks."""
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    named = set(SPAN.findall(docstring))
    modules = [path.stem for path in package.glob("*.py") if path.stem != "__init__"]
    modules += [path.name for path in package.iterdir() if (path / "__init__.py").is_file()]
    return [f"{package.relative_to(ROOT)}/__init__.py does not list `{module}`"
            for module in sorted(modules) if module not in named and f"{module}/" not in named]


# ------------------------------------------------------------------ the repository's own docs
@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_path_and_command_named_in_the_docs_exists(doc):
    text = doc.read_text()
    assert not path_problems(text) + command_problems(text)


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_relative_link_and_image_resolves(doc):
    assert not link_problems(doc.read_text(), doc)


def test_every_tab_has_its_doc_opening_with_its_screenshot():
    from app import TABS, tab_id

    for tab in TABS:
        doc = ROOT / "docs" / f"{tab_id(tab)}.md"
        lines = doc.read_text().splitlines()
        assert f"](img/{tab_id(tab)}-en.png)" in lines[2], f"{doc.name} does not open with its tab's screenshot"


def test_screenshots_stay_small():
    sizes = {image.name: image.stat().st_size for image in (ROOT / "docs" / "img").glob("*.png")}
    assert sizes and max(sizes.values()) < 400_000, sizes
    assert sum(sizes.values()) < 6_000_000


@pytest.mark.parametrize("package", sorted(path.parent for path in (ROOT / "playground").glob("*/__init__.py")) +
                         [ROOT / "playground"], ids=lambda path: path.name)
def test_every_package_index_lists_its_modules(package):
    assert not index_problems(package)


# ------------------------------------------------------------------ the checks catch what they are for
def test_the_checks_catch_a_broken_sample(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "real.md").write_text("# Real page\n\n## Two words\n")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "load.py").write_text('parser.add_argument("--users")\n')
    (tmp_path / "playground").mkdir()
    (tmp_path / "playground" / "core.py").write_text("def build():\n    pass\n")
    sample = ("See [the page](real.md#two-words), [gone](missing.md), [no anchor](real.md#three-words),\n"
              "![a picture](img/none.png) and [outside](../../etc/passwd); `bench/load.py` and `bench/gone.py`,\n"
              "`tests/test_*.py`, `playground.core.build`, `playground.core.gone`, `playground.nowhere`.\n\n"
              "```bash\npython bench/load.py --users 30 --rounds 5 && python bench/gone.py\n```\n")
    where = tmp_path / "docs" / "sample.md"
    assert link_problems(sample, where, tmp_path) == [
        "link `missing.md`: no file missing.md", "link `real.md#three-words`: no heading #three-words in real.md",
        "link `img/none.png`: no file img/none.png", "link `../../etc/passwd`: no file ../../etc/passwd"]
    assert path_problems(sample, tmp_path) == [
        "`bench/gone.py` does not exist", "`bench/gone.py` does not exist", "`tests/test_*.py` does not exist",
        "`playground.core.gone`: no `gone` in playground/core.py", "`playground.nowhere` is not a module"]
    assert command_problems(sample, tmp_path) == [
        "`bench/load.py` has no option `--rounds`", "`bench/gone.py` does not exist", "`bench/gone.py` does not exist"]


def test_github_slugs_of_headings():
    # as GitHub anchors them: code marks and punctuation dropped, a repeated heading numbered
    text = "# Votes for many replicas: PostgreSQL\n## The engine column (`playground/penalties/served.py`)\n## Tests\n## Tests\n"
    assert anchors(text) == {"votes-for-many-replicas-postgresql", "the-engine-column-playgroundpenaltiesservedpy",
                             "tests", "tests-1"}
