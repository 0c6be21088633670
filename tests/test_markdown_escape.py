"""Case text in Markdown is escaped only where Markdown needs it, and never becomes markup (UX review U5).

A real CommonMark renderer (markdown-it, which rich already brings) with GitHub's tables and
strikethrough reads each escaped text in the places the cards and reports put it (a paragraph,
a list item, a table cell): what it shows is the text itself, with no element the text made.
"""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from ntrk_advisor.render.safe_text import markdown_text, shown

RENDERER = MarkdownIt("commonmark").enable(["table", "strikethrough"])

PLAIN = [
    "2026-12-06",
    "Patient.birthDate",
    "ntrk-advisor",
    "吴丽 (Wu Li).",
    "locally_advanced",
    "broken.jsonl:3",
]


@pytest.mark.parametrize("text", PLAIN)
def test_dates_names_and_codes_are_left_as_they_are(text: str) -> None:
    """No `\\-` in a date, no `\\.` or `\\(` in a name: an EHR showing Markdown raw shows no backslash."""
    assert markdown_text(text) == text


def rendered(markdown: str) -> str:
    return RENDERER.render(markdown)


def literal(text: str) -> str:
    """What a renderer must show for `text`: the text (blanks at its ends aside), HTML-escaped."""
    return html.escape(shown(text).strip(), quote=True).replace("&#x27;", "'")


PIECES = st.sampled_from([*"\\`*_{}[]()#+-.!|~<>&=:/ wxyz019\"'吴丽（）。", "www.", "http://", "\n", "    "])
"""Markdown's characters, letters, digits, Chinese, addresses, a line break, an indent."""


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=20).map("".join))
def test_escaped_text_renders_as_itself_in_a_paragraph_a_list_and_a_table(text: str) -> None:
    escaped = markdown_text(text)
    expected = literal(text)
    if not expected:
        return
    assert rendered(escaped) == f"<p>{expected}</p>\n"
    assert rendered(f"- {escaped}") == f"<ul>\n<li>{expected}</li>\n</ul>\n"
    table = rendered(f"| a |\n| --- |\n| {escaped} |\n")
    assert f"<td>{expected}</td>" in table, table
