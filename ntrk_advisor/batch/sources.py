"""Read cases from JSON arrays, single JSON objects or JSON Lines, detected from the content.

JSON Lines are streamed line by line so memory stays flat; a malformed line becomes a record
that fails validation (naming file and line), never an exception that stops the rest. A file that
cannot be read, or is not JSON at all, is a usage error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from ntrk_advisor.errors import CaseFileError

InputFormat = Literal["auto", "json", "jsonl"]
MAX_RECORD_BYTES = 1_048_576
"""A record (a JSON Lines line) larger than this is reported invalid without being parsed."""
_SNIFF_LINES = 50


@dataclass(frozen=True, slots=True)
class Record:
    """One case as read: raw JSON bytes (JSON Lines) or a decoded value (arrays, objects)."""

    source: str
    where: str
    """`<file>:<line>` or `<file>[<index>]`: the default case id and the place named in errors."""
    raw: bytes | None = None
    value: Any = None
    oversized: bool = False


def read_records(paths: list[str], input_format: InputFormat = "auto") -> Iterator[Record]:
    """Records from every path in order; `-` is stdin."""
    for path in paths:
        yield from _records_of(path, input_format)


def _open(path: str) -> IO[bytes]:
    if path == "-":
        return sys.stdin.buffer
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise CaseFileError(path, exc.strerror or str(exc)) from None


def _records_of(path: str, input_format: InputFormat) -> Iterator[Record]:
    name = "<stdin>" if path == "-" else path
    handle = _open(path)
    try:
        prefix = _peek(handle)
        fmt = input_format if input_format != "auto" else _detect(prefix, name)
        if fmt == "json":
            yield from _whole_document(name, prefix + handle.read(), lines_on_error=input_format == "auto")
        else:
            yield from _lines(name, prefix, handle)
    except OSError as exc:
        raise CaseFileError(name, exc.strerror or str(exc)) from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


def _peek(handle: IO[bytes]) -> bytes:
    """Any blank lines, then the first non-blank line: enough to tell the format."""
    prefix = b""
    while True:
        line = handle.readline(MAX_RECORD_BYTES + 2)
        prefix += line
        if not line or line.strip():
            return prefix


def _detect(prefix: bytes, name: str) -> Literal["json", "jsonl"]:
    first_line = prefix.strip().lstrip(b"\xef\xbb\xbf")
    if not first_line:
        return "jsonl"  # empty input: no records
    if first_line[:1] == b"[":
        return "json"
    if first_line[:1] == b"{":
        try:
            json.loads(first_line)
        except (ValueError, RecursionError):
            return "json"  # an object spread over several lines (or a broken first line)
        return "jsonl"
    shown = first_line[:20].decode("utf-8", "replace")
    raise CaseFileError(name, f"not JSON: it starts with {shown!r}")


def _whole_document(name: str, data: bytes, *, lines_on_error: bool) -> Iterator[Record]:
    try:
        value = json.loads(data.lstrip().removeprefix(b"\xef\xbb\xbf"))
    except (ValueError, RecursionError) as exc:
        if lines_on_error and data.lstrip().lstrip(b"\xef\xbb\xbf")[:1] == b"{":
            # Not one object after all: read it as JSON Lines, so each bad line is reported.
            yield from _lines(name, b"", _BytesLines(data))
            return
        raise CaseFileError(name, f"not JSON ({exc})") from None
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield Record(name, f"{name}[{index}]", value=item)
    else:
        yield Record(name, f"{name}:1", value=value)


class _BytesLines:
    """A bytes buffer read like a binary file, line by line."""

    def __init__(self, data: bytes) -> None:
        self._lines = iter(data.splitlines(keepends=True))

    def readline(self, limit: int = -1) -> bytes:
        return next(self._lines, b"")


def _lines(name: str, first: bytes, handle: Any) -> Iterator[Record]:
    number = 0
    pending = first.splitlines(keepends=True) if first else []
    while True:
        if pending:
            line = pending.pop(0)
        else:
            line = handle.readline(MAX_RECORD_BYTES + 2)
            if not line:
                return
        number += 1
        oversized = len(line) > MAX_RECORD_BYTES + 1
        if oversized and not line.endswith(b"\n"):
            while True:  # skip the rest of an oversized line without holding it in memory
                rest = handle.readline(MAX_RECORD_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
        if not oversized and not line.strip():
            continue
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        yield Record(name, f"{name}:{number}", raw=None if oversized else line, oversized=oversized)
