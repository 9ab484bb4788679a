"""The documentation: what is made from data is up to date, and every link in it leads somewhere.

The generated parts (docs/zoo.md, docs/redteam.md, README.md's steps table) come from their data
files through `make docs` (tools/docs.py); a change to the data without `make docs` fails here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from kata.dev import readme
from kata.lessons import lesson
from kata.manifest import load
from kata.paths import ROOT
from tools import docs

MANIFEST = load()
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@pytest.mark.parametrize("item", docs.generated(MANIFEST), ids=lambda g: g.name)
def test_the_generated_text_is_what_its_data_makes(item: docs.Generated) -> None:
    assert item.path.read_text(encoding="utf-8") == item.make(), f"run `make docs` and commit {item.name}"


def test_the_zoo_page_lists_every_entry_once() -> None:
    page = docs.ZOO_PAGE.read_text(encoding="utf-8")
    bugs = tomllib.loads(docs.ZOO_TOML.read_text(encoding="utf-8"))["bug"]
    for entry in bugs:
        assert page.count(f"| `{entry['id']}` |") == 1, entry["id"]
    assert f"| all | {len(bugs)} |" in page


def test_the_red_team_page_lists_every_case_once_with_what_it_deserves() -> None:
    page = docs.REDTEAM_PAGE.read_text(encoding="utf-8")
    cases = tomllib.loads(docs.REDTEAM_TOML.read_text(encoding="utf-8"))["case"]
    for case in cases:
        rows = [line for line in page.splitlines() if line.startswith(f"| `{case['id']}` |")]
        assert len(rows) == 1, case["id"]
        assert ("sandboxed only" in rows[0]) == (case["modes"] == ["sandbox"])


def test_a_case_that_says_nothing_of_what_it_deserves_is_refused() -> None:
    text = '[[case]]\nid = "x"\ncovers = "y"\nbase = "reference"\nmodes = ["sandbox"]\n'
    with pytest.raises(ValueError, match="says nothing of what it deserves"):
        docs.redteam_page(text)


def test_the_steps_table_and_the_lessons_are_replaced_between_their_markers_and_nowhere_else() -> None:
    stale = (
        f"before\n{readme.BEGIN}\n| an old table |\n{readme.END}\nmiddle\n"
        f"{docs.LESSONS_BEGIN}\nan old lesson\n{docs.LESSONS_END}\nafter\n"
    )
    made = docs.readme_text(stale, MANIFEST)
    assert made == f"before\n{readme.block(MANIFEST)}\nmiddle\n{docs.lessons_block(MANIFEST)}\nafter\n"
    assert "an old" not in made and lesson(3).strip() in made
    with pytest.raises(ValueError, match="lost the markers"):
        docs.readme_text("no table here\n", MANIFEST)


def test_table_cells_escape_what_markdown_would_misread() -> None:
    assert docs._cell("a | b") == "a \\| b"
    assert docs._cell("Neuron.__init__ and `__init__`") == "Neuron.\\_\\_init\\_\\_ and `__init__`"
    assert docs._literal("`=` instead of `+=`") == "`` `=` instead of `+=` ``"
    assert docs._literal("zero_grad") == "`zero_grad`"


def _anchors(page: Path) -> set[str]:
    text = _prose(page.read_text(encoding="utf-8"))
    found: set[str] = set(re.findall(r'<a id="([^"]+)"', text))
    seen: dict[str, int] = {}
    for heading in re.findall(r"(?m)^#{1,6} (.+)$", text):
        slug = docs.anchor(heading)
        found.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return found


def _prose(text: str) -> str:
    """The text without its fenced code blocks (a link or heading there is not one)."""
    return re.sub(r"(?ms)^```.*?^```", "", text)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_leads_to_a_file_and_a_heading_that_exist(page: Path) -> None:
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", _prose(page.read_text(encoding="utf-8"))):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, fragment = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no file {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file}")
        elif fragment and file.suffix == ".md" and fragment not in _anchors(file):
            broken.append(f"{target}: {file.name} has no heading with the anchor #{fragment}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)
