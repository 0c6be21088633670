r"""Text that came from a case, made safe to show: seen literally, never obeyed.

A case's id, tumour type and unknown keys are typed by someone else. On a terminal, an escape
sequence in them could clear the screen, set the window title or plant a hyperlink; a bidi override
could make text read backwards; in Markdown, a newline could start a heading and `<script>` or a
link would be live. So every such text passes through here before any renderer shows it:
control characters, bidi controls and invisible format characters are written out visibly
(`\x1b`, `U+202E`), and for Markdown the characters with a meaning where they stand are escaped. rich
markup is never interpreted at all (`render.console` turns it off), so `[bold]` stays literal.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
"""C0 and C1 controls (newline and tab included), DEL, and Unicode bidi and invisible formatting."""
_MARKDOWN_ALWAYS = re.compile(r"([\\`*|~\[\]])")
"""Characters with a meaning anywhere in a line of Markdown: escapes, code spans, emphasis, table
cells, strikethrough, links and images (escaped with a backslash wherever they are)."""
_LONE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
"""An underscore that could open or close emphasis: one not between two letters or digits
(`locally_advanced` stays as it is, as GitHub-flavoured Markdown reads it literally)."""
_LINE_START = re.compile(r"^([#>+=-]|\d{1,9}(?=[.)]))")
"""What makes a line a heading, quote, list or rule when it begins one: a text may begin a line."""
_AUTOLINK = re.compile(r"(?<=:)//|(?<![^\W_])www\.", re.IGNORECASE)
"""Where a bare address would become a live link (`https://`, `www.`)."""


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"U+{code:04X}"


_UNSAFE_IN_DATA = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]"
)
"""As `_UNSAFE`, but tab, line feed and carriage return are kept (a quoted CSV cell holds them)."""


def data_text(text: str) -> str:
    """Case text for a data format (CSV): escapes and bidi controls visible, line breaks kept."""
    return _UNSAFE_IN_DATA.sub(_visible, text)


def shown(text: str) -> str:
    """The text with every control and invisible formatting character written out visibly."""
    return _UNSAFE.sub(_visible, text)


def markdown_escape(text: str) -> str:
    r"""Text (already `shown`) made inert in Markdown, escaped only where Markdown needs it.

    No HTML (`<`, `&` as entities); backslashes, code spans, emphasis, table pipes, strikethrough
    and link brackets escaped anywhere; a heading, quote or list marker escaped where the text
    begins; a bare address broken so it is no link (`https:\/\/`, `www\.`). Dates, names, dots,
    hyphens and parentheses are left as they are (`2026-12-06`, `Wu Li (吴丽).`): an EHR that shows
    Markdown as plain text shows no backslash there.
    """
    out = text.lstrip().replace("&", "&amp;").replace("<", "&lt;")  # leading blanks could make code
    out = _MARKDOWN_ALWAYS.sub(r"\\\1", out)
    out = _LONE_UNDERSCORE.sub(r"\\_", out)
    out = _LINE_START.sub(_escape_line_start, out, count=1)
    out = out.replace("\\](", "\\]\\(")
    return _AUTOLINK.sub(_break_address, out)


def _break_address(match: re.Match[str]) -> str:
    r"""`//` as `\/\/`, `www.` as `www\.`: shown the same, but no longer a link."""
    found = match.group()
    return "\\/\\/" if found == "//" else found[:-1] + "\\."


def _escape_line_start(match: re.Match[str]) -> str:
    marker = match.group(1)
    if marker[0].isdigit():  # `1.` or `1)`: the punctuation after the number is what makes a list
        return marker + "\\"
    return "\\" + marker


def markdown_text(text: str) -> str:
    """Case text for Markdown: visible controls, then inert markup."""
    return markdown_escape(shown(text))
