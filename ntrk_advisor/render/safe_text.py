r"""Text that came from a case, made safe to show: seen literally, never obeyed.

A case's id, tumour type and unknown keys are typed by someone else. On a terminal, an escape
sequence in them could clear the screen, set the window title or plant a hyperlink; a bidi override
could make text read backwards; in Markdown, a newline could start a heading and `<script>` or a
link would be live. So every such text passes through here before any renderer shows it:
control characters, bidi controls and invisible format characters are written out visibly
(`\x1b`, `U+202E`), and for Markdown the characters with a meaning there are escaped. rich
markup is never interpreted at all (`render.console` turns it off), so `[bold]` stays literal.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]")
"""C0 and C1 controls (newline and tab included), DEL, and Unicode bidi and invisible formatting."""
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
"""Characters that mean something in Markdown (escaped with a backslash)."""


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
    """Text (already `shown`) made inert in Markdown: escaped markup, no HTML (`<`, `&` as entities)."""
    return _MARKDOWN.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))


def markdown_text(text: str) -> str:
    """Case text for Markdown: visible controls, then inert markup."""
    return markdown_escape(shown(text))
