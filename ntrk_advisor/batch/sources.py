"""Read cases from JSON arrays, single JSON objects or JSON Lines, detected from the content.

JSON Lines are streamed line by line so memory stays flat; a malformed line becomes a record
that fails validation (naming file and line), never an exception that stops the rest. A file that
cannot be read, or is not JSON at all, is a usage error.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple

from ntrk_advisor.contract.decode import DuplicateKey, loads
from ntrk_advisor.contract.errors import CASE_ROOT, Problem
from ntrk_advisor.errors import CaseFileError
from ntrk_advisor.intake import MAX_CASE_BYTES, size_limit

InputFormat = Literal["auto", "json", "jsonl", "fhir"]
"""`fhir` reads like `auto` (one Bundle per line, a JSON array of Bundles, or one Bundle), and
every record must then be a FHIR Bundle (see `batch/runner.py`)."""
MAX_RECORD_BYTES = MAX_CASE_BYTES
"""A record (a JSON Lines line) larger than this is reported invalid without being parsed, unless
it is a FHIR Bundle: a Bundle's line may reach `intake.MAX_BUNDLE_BYTES` (`intake.size_limit`)."""
_SNIFF_LINES = 50


class Record(NamedTuple):
    """One case as read: raw JSON bytes (JSON Lines) or a decoded value (arrays, objects)."""

    source: str
    number: int
    """Line number (JSON Lines, single objects) or array index (arrays)."""
    raw: bytes | None = None
    value: Any = None
    oversized: bool = False
    limit: int = MAX_RECORD_BYTES
    """The size limit an oversized record went over (a case's, or a Bundle's)."""
    in_array: bool = False
    broken: str | None = None
    """Why the array this record would belong to broke off (the parser's message)."""
    refused: Problem | None = None
    """Why the reader refused this record before validation: a key given twice, or content after
    an array (then `number` is the line that content starts on)."""

    @property
    def where(self) -> str:
        """`<file>:<line>` or `<file>[<index>]`: the default case id and the place in errors."""
        if self.in_array:
            return f"{self.source}[{self.number}]"
        return f"{self.source}:{self.number}"


def read_records(
    paths: list[str], input_format: InputFormat = "auto", stdin: IO[bytes] | None = None
) -> Iterator[Record]:
    """Records from every path in order; `-` is `stdin`, the command's standard input (None: closed)."""
    for path in paths:
        yield from _records_of(path, input_format, stdin)


def _open(path: str, stdin: IO[bytes] | None) -> IO[bytes]:
    if path == "-":
        if stdin is None:  # started with standard input closed (`<&-`)
            raise CaseFileError("<stdin>", "standard input is closed")
        return stdin
    try:
        return Path(path).open("rb")
    except OSError as exc:
        raise CaseFileError(path, exc.strerror or str(exc)) from None


def _records_of(path: str, input_format: InputFormat, stdin: IO[bytes] | None) -> Iterator[Record]:
    name = "<stdin>" if path == "-" else path
    if input_format == "fhir":
        input_format = "auto"
    handle = _open(path, stdin)
    try:
        prefix = _peek(handle)
        fmt = input_format if input_format != "auto" else _detect(prefix, name)
        if fmt == "json" and input_format == "auto" and _looks_like_lines(prefix, handle):
            fmt = "jsonl"  # a broken or oversized first line, then more records: JSON Lines after all
        if fmt == "json" and prefix.lstrip().lstrip(b"\xef\xbb\xbf")[:1] == b"[":
            yield from _array_items(name, prefix, handle)
        elif fmt == "json":
            yield from _whole_document(
                name, prefix + _bounded(handle, name), lines_on_error=input_format == "auto"
            )
        else:
            yield from _lines(name, prefix, handle)
    except OSError as exc:
        raise CaseFileError(name, exc.strerror or str(exc)) from None
    finally:
        if path != "-":
            handle.close()


MAX_DOCUMENT_BYTES = 64 * 1_048_576
"""A single JSON object spread over several lines is read whole, up to this size (an array is
streamed item by item whatever its size, and JSON Lines line by line)."""


def _bounded(handle: IO[bytes], name: str) -> bytes:
    data = handle.read(MAX_DOCUMENT_BYTES + 1)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CaseFileError(
            name, f"a single JSON object larger than {MAX_DOCUMENT_BYTES} bytes; give cases as JSON Lines"
        )
    return data


def _looks_like_lines(prefix: bytes, handle: IO[bytes]) -> bool:
    """Whether a file whose first line is not a whole object goes on with one record per line.

    Peeks at the next line without consuming it (the handle is buffered), so a JSON Lines file
    with a broken or oversized first line is streamed, never read whole.
    """
    first = prefix.strip().lstrip(b"\xef\xbb\xbf")
    if first[:1] != b"{":
        return False
    if len(first) > MAX_RECORD_BYTES:
        return True  # no single pretty-printed object starts with a line this long
    peek = getattr(handle, "peek", None)
    if peek is None:
        return False
    ahead = peek(MAX_RECORD_BYTES)
    for line in ahead.split(b"\n")[:-1] or [ahead]:
        stripped = line.strip()
        if stripped:
            return bool(stripped[:1] == b"{" and stripped[-1:] == b"}")
    return False


def _array_items(name: str, prefix: bytes, handle: IO[bytes]) -> Iterator[Record]:
    """Stream the items of a top-level JSON array, one record each, in constant memory.

    `contract.decode.array_items` reads them (a key given twice spoils only its item). A syntax
    error ends the file with one invalid record naming where the array broke off; anything after
    the closing `]` (a second array, more lines, junk) is one invalid record naming its line and
    byte, so no case after it is lost without a word.
    """
    from ntrk_advisor.contract.decode import BrokenArray, ContentAfterArray, NotAnArray, array_items

    index = 0
    try:
        for item in array_items(prefix, handle):
            if isinstance(item, DuplicateKey):
                yield Record(name, index, in_array=True, refused=item.problem())
            else:
                yield Record(name, index, value=item, in_array=True)
            index += 1
    except NotAnArray as exc:
        raise CaseFileError(name, f"not JSON: {exc}") from None
    except BrokenArray as exc:
        if index == 0 and not exc.incomplete:
            raise CaseFileError(name, f"not JSON ({exc})") from None
        yield Record(name, index, in_array=True, broken=exc.detail)
    except ContentAfterArray as exc:
        problem = (CASE_ROOT, "after_array", {"line": exc.line, "offset": exc.offset})
        yield Record(name, exc.line, refused=problem)


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
            loads(first_line)
        except DuplicateKey:
            return "jsonl"  # a whole object on the first line (its record says what is wrong)
        except (ValueError, RecursionError):
            return "json"  # an object spread over several lines (or a broken first line)
        return "jsonl"
    shown = first_line[:20].decode("utf-8", "replace")
    raise CaseFileError(name, f"not JSON: it starts with {shown!r}")


def _whole_document(name: str, data: bytes, *, lines_on_error: bool) -> Iterator[Record]:
    try:
        value = loads(data.lstrip().removeprefix(b"\xef\xbb\xbf"))
    except DuplicateKey as exc:
        yield Record(name, 1, refused=exc.problem())
        return
    except (ValueError, RecursionError) as exc:
        if lines_on_error and data.lstrip().lstrip(b"\xef\xbb\xbf")[:1] == b"{":
            # Not one object after all: read it as JSON Lines, so each bad line is reported.
            yield from _lines(name, b"", _BytesLines(data))
            return
        raise CaseFileError(name, f"not JSON ({exc})") from None
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield Record(name, index, value=item, in_array=True)
    else:
        yield Record(name, 1, value=value)


class _BytesLines:
    """A bytes buffer read like a binary file."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def read(self, size: int = -1) -> bytes:
        data, self._data = self._data, b""
        return data


_CHUNK = 1 << 20


def _lines(name: str, first: bytes, handle: Any) -> Iterator[Record]:
    """Stream JSON Lines in large chunks, split in C; a line over its limit is skipped, not held.

    A line is limited to `MAX_RECORD_BYTES`, or to a Bundle's limit when it is a FHIR Bundle.

    `first` is what was already read to detect the format; it is split like any other chunk.
    """
    number = 0
    tail = b""
    skipping = False  # inside an oversized line, discarding until its newline
    chunks = itertools.chain([first], iter(lambda: handle.read(_CHUNK), b""))
    for chunk in chunks:
        if skipping:
            cut = chunk.find(b"\n")
            if cut < 0:
                continue
            chunk = chunk[cut + 1 :]
            skipping = False
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        for line in lines:
            number += 1
            record = line_record(name, number, line)
            if record is not None:
                yield record
        if len(tail) > MAX_RECORD_BYTES and len(tail) > (limit := size_limit(tail)):
            number += 1
            yield Record(name, number, oversized=True, limit=limit)
            tail = b""
            skipping = True
    number += 1
    if not skipping and (record := line_record(name, number, tail)) is not None:
        yield record


def line_record(name: str, number: int, line: bytes) -> Record | None:
    """The record of line `number` of the JSON Lines `name` (None for a blank line).

    The one rule for a line, whoever split the text: `_lines` here, or a caller handing in lines
    it split itself (a Spark or Dask partition, `batch.lines`). The first line may start with a
    byte-order mark; a line over its limit is reported, never parsed.
    """
    if number == 1:
        line = line.removeprefix(b"\xef\xbb\xbf")
    if len(line) > MAX_RECORD_BYTES and len(line) > (limit := size_limit(line)):
        return Record(name, number, oversized=True, limit=limit)
    # Blank: nothing but ASCII whitespace, the bytes `strip()` removes (tested without copying the line).
    return None if not line or line.isspace() else Record(name, number, line)
