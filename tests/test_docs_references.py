"""References into the documentation resolve.

- Every ``docs/<file>.md`` path named in ``src/`` (docstrings, comments, data READMEs) exists.
- Every ``models.md §N`` citation in ``src/`` names a numbered section of docs/models.md; a
  quoted subsection after it (``§5 "Purging imbalances"``) is a heading inside that section,
  and ``§N step(s) a-b`` names numbered list items of that section.
- Every relative link in README.md and docs/*.md points at a file or folder that exists.

Plain text processing only (no blocs import): fast, and independent of the package's state.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
DOCS = ROOT / "docs"
TEXT_SUFFIXES = {".py", ".md", ".toml", ".txt", ".rst", ".cfg"}

#: ``docs/models.md``, ``docs/scenarios.md``, ... (not ``src/blocs/docs/...``).
DOC_PATH = re.compile(r"(?<![\w./-])docs/[\w./-]*?\.md\b")
#: ``models.md §2``, ````docs/models.md`` §1``, ``models.md §1, steps 3-4``,
#: ``models.md §5 "Purging imbalances"``.
CITATION = re.compile(
    r"(?P<file>[\w-]+)\.md`{0,2}\s*§\s*(?P<num>\d+)"
    r"(?:\s*\"(?P<title>[^\"]+)\""
    r"|,?\s*steps?\s+(?P<a>\d+)(?:\s*[-–]\s*(?P<b>\d+))?)?"
)
#: ``## 1. Title``, ``## §1 Title``, ``## 1 Title``.
SECTION = re.compile(r"^##\s+(?:§\s*)?(\d+)[.\s]")
#: ``[text](target)`` and ``![alt](target)``; the target up to whitespace or ``)``.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


#: Files that describe other projects (a data set's list of sources names files of the
#: repositories it cites, e.g. a tracker's ``docs/policy_timing.md``): not our documents.
SOURCE_LISTS = ("sources.md",)


def _source_files() -> list[Path]:
    return sorted(
        p
        for p in SRC.rglob("*")
        if p.is_file()
        and p.suffix in TEXT_SUFFIXES
        and "__pycache__" not in p.parts
        and p.name not in SOURCE_LISTS
    )


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _mentions(pattern: re.Pattern[str]) -> list[tuple[str, int, re.Match[str]]]:
    """Every match of ``pattern`` in src/, with file and line."""
    out = []
    for path in _source_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in pattern.finditer(text):
            out.append((_rel(path), text.count("\n", 0, m.start()) + 1, m))
    return out


def sections(markdown: str) -> dict[int, str]:
    """Numbered level-2 sections of a Markdown text: number -> body (up to the next ``## ``)."""
    out: dict[int, str] = {}
    current: int | None = None
    in_fence = False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith("## "):
            m = SECTION.match(line)
            current = int(m.group(1)) if m else None
            if current is not None:
                if current in out:
                    raise AssertionError(f"section {current} is numbered twice")
                out[current] = ""
            continue
        if current is not None:
            out[current] += line + "\n"
    return out


def _headings(body: str) -> list[str]:
    return [ln.lstrip("#").strip().lower() for ln in body.splitlines() if ln.startswith("###")]


def _list_items(body: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(r"^(\d+)\.\s", body, flags=re.M)}


# ----------------------------------------------------------------------------------------
# src -> docs


def test_src_is_scanned():
    assert len(_source_files()) > 20


def test_doc_paths_named_in_src_exist():
    missing = [
        f"{where}:{line}: {m.group(0)}"
        for where, line, m in _mentions(DOC_PATH)
        if not (ROOT / m.group(0)).is_file()
    ]
    assert not missing, "documents named in src/ that do not exist:\n" + "\n".join(missing)


def test_section_citations_resolve():
    found = _mentions(CITATION)
    assert any(m.group("file") == "models" for _, _, m in found), "no models.md § citations?"
    problems = []
    cache: dict[str, dict[int, str] | None] = {}
    for where, line, m in found:
        name = m.group("file")
        if name not in cache:
            doc = DOCS / f"{name}.md"
            cache[name] = sections(doc.read_text(encoding="utf-8")) if doc.is_file() else None
        secs = cache[name]
        num = int(m.group("num"))
        here = f"{where}:{line}: {m.group(0)!r}"
        if secs is None:
            problems.append(f"{here}: docs/{name}.md does not exist")
        elif num not in secs:
            problems.append(f"{here}: docs/{name}.md has no section {num} (has {sorted(secs)})")
        elif m.group("title") and m.group("title").lower() not in _headings(secs[num]):
            problems.append(f"{here}: section {num} has no heading {m.group('title')!r}")
        elif m.group("a"):
            a = int(m.group("a"))
            b = int(m.group("b") or a)
            items = _list_items(secs[num])
            absent = [k for k in range(a, b + 1) if k not in items]
            if absent:
                problems.append(f"{here}: section {num} has no numbered step(s) {absent}")
    assert not problems, "broken citations:\n" + "\n".join(problems)


def test_models_sections_are_consecutive():
    secs = sections((DOCS / "models.md").read_text(encoding="utf-8"))
    assert sorted(secs) == list(range(1, len(secs) + 1))


# ----------------------------------------------------------------------------------------
# links inside the documentation

MARKDOWN = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def _relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"`[^`\n]*`", "", text)  # inline code is not a link
    out = []
    for target in LINK.findall(text):
        if re.match(r"^[a-zA-Z][\w+.-]*:", target) or target.startswith(("#", "//")):
            continue  # http:, mailto:, an anchor on the same page, protocol-relative
        out.append(target.split("#", 1)[0].split("?", 1)[0])
    return out


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: _rel(p))
def test_relative_links_exist(path):
    broken = [t for t in _relative_links(path) if t and not (path.parent / t).exists()]
    assert not broken, f"{_rel(path)}: links to missing paths: {broken}"


# ----------------------------------------------------------------------------------------
# the checkers themselves


def test_checkers_on_synthetic_text():
    doc = "# T\n## 1. One\n1. a\n2. b\n### Purging imbalances\n```\n## 9. not a section\n```\n"
    doc += "## §2 Two\ntext\n"
    secs = sections(doc)
    assert sorted(secs) == [1, 2]
    assert _list_items(secs[1]) == {1, 2}
    assert _headings(secs[1]) == ["purging imbalances"]
    cites = [
        m.groupdict()
        for m in CITATION.finditer(
            'a (``docs/models.md`` §1) b models.md §1, steps 3-4 c models.md §5 "Purging x" '
            "d models.md §1 step 5"
        )
    ]
    assert [(c["num"], c["a"], c["b"], c["title"]) for c in cites] == [
        ("1", None, None, None),
        ("1", "3", "4", None),
        ("5", None, None, "Purging x"),
        ("1", "5", None, None),
    ]
    assert DOC_PATH.findall("see docs/scenarios.md and src/blocs/data/README.md") == [
        "docs/scenarios.md"
    ]
    assert LINK.findall("[a](docs/x.md) ![b](img.png) [c](https://x.org)") == [
        "docs/x.md",
        "img.png",
        "https://x.org",
    ]
