"""Every relative link in the README and in docs/ leads somewhere: an existing file, and an existing heading.

The README is short and sends readers on to docs/; pages move and headings are renamed, and a link
that leads nowhere strands a reader exactly where they asked for more. Anchors are computed as
GitHub computes them, so a link that works here works on the rendered page. The headings
themselves nest: a page has one title, and no heading skips a level, so the outline a reader (or
GitHub's table of contents) sees is the page's real structure.
"""

from __future__ import annotations

import os
import re
from itertools import pairwise
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.I)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def without_code(text: str) -> str:
    """The page with its fenced blocks and code spans blanked: a link shown as code is not a link."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    return CODE_SPAN.sub("", text)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: link targets dropped, lower case, punctuation removed, spaces to '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor the page offers: its headings (repeats numbered as GitHub numbers them) and HTML ids."""
    text = page.read_text(encoding="utf-8")
    found: set[str] = set(HTML_ANCHOR.findall(text))
    seen: dict[str, int] = {}
    for match in HEADING.finditer(FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)):
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(page: Path) -> list[str]:
    """The page's link targets that stay inside the repository (no scheme such as https: or mailto:)."""
    text = without_code(page.read_text(encoding="utf-8"))
    targets = INLINE_LINK.findall(text) + REFERENCE_DEFINITION.findall(text)
    return [t for t in targets if t and not EXTERNAL.match(t)]


def broken_links(page: Path) -> list[str]:
    """Each relative link of the page that names no existing file, or no heading of that file."""
    broken = []
    for target in relative_links(page):
        path_part, _, fragment = target.partition("#")
        destination = (page.parent / unquote(path_part)).resolve() if path_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
        elif fragment and (destination.suffix != ".md" or unquote(fragment) not in anchors(destination)):
            broken.append(f"{target}: no such heading in {os.path.relpath(destination, page.parent)}")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_leads_to_an_existing_file_and_heading(page: Path) -> None:
    assert broken_links(page) == []


def test_every_page_in_docs_is_reachable_from_the_readme() -> None:
    """A page no link leads to is a page nobody finds; the README lists where every doc is."""
    linked = {(ROOT / unquote(t.partition("#")[0])).resolve() for t in relative_links(ROOT / "README.md")}
    unlinked = [p.name for p in PAGES[1:] if p.resolve() not in linked]
    assert unlinked == []


def heading_levels(page: Path) -> list[tuple[int, str]]:
    """Each heading of the page outside code blocks, as (level, text)."""
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), page.read_text(encoding="utf-8"))
    return [(len(m.group(1)), m.group(2)) for m in HEADING.finditer(text)]


def nesting_problems(levels: list[tuple[int, str]]) -> list[str]:
    """Headings that are a second title, or that go more than one level deeper than the one before."""
    problems = [f"second title: {text}" for level, text in levels[1:] if level == 1]
    if not levels or levels[0][0] != 1:
        problems.insert(0, "the page does not start with its title")
    for (before, _), (level, text) in pairwise(levels):
        if level > before + 1:
            problems.append(f"skips a level: {text}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_headings_nest_under_one_title_without_skipping_a_level(page: Path) -> None:
    assert nesting_problems(heading_levels(page)) == []


def test_the_nesting_check_sees_a_skipped_level_and_a_second_title() -> None:
    levels = [(1, "Title"), (2, "Part"), (4, "Too deep"), (1, "Another title")]
    assert nesting_problems(levels) == ["second title: Another title", "skips a level: Too deep"]


def test_the_checker_finds_a_missing_file_a_missing_heading_and_ignores_code(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n\n## Set-up (fresh machine)\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Same\n\n## Same\n\n"
        "[ok](other.md#set-up-fresh-machine) [ok](#same-1) [ok](https://example.org/x.md#nowhere)\n"
        "[file](gone.md) [heading](other.md#nowhere) [here](#nothing)\n"
        "`[code](gone.md)`\n\n```md\n[fenced](gone.md)\n```\n\n[ref]: other.md#other-page\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "gone.md: no such file",
        "other.md#nowhere: no such heading in other.md",
        "#nothing: no such heading in page.md",
    ]


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Quick start (fresh machine)", "quick-start-fresh-machine"),
        ("The case and result contract, briefly", "the-case-and-result-contract-briefly"),
        ("`ntrk-advisor pathways check`", "ntrk-advisor-pathways-check"),
        ("4b. How to add a reference", "4b-how-to-add-a-reference"),
        ("Cases from FHIR, and their `sources`", "cases-from-fhir-and-their-sources"),
        ("Speed: 1,556 Bundles/s", "speed-1556-bundless"),
    ],
)
def test_anchors_are_computed_as_github_computes_them(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor
