"""JSON text to values: the one decoder for every JSON the tool reads.

Case files, batch records and arrays, FHIR Bundles, the service's request bodies, its key sets and
settings, the knowledge cache and the packaged tables all come through here, and nothing else in
the package decodes JSON (a test reads the source to keep it so), but for `record_decoder.py`,
which reads only plain batch records in one pass and leaves any with a key given twice to this one.
Two rules hold for all of them:

- **A key given twice is refused**, at any depth, naming it (`DuplicateKey`). "Last one wins"
  would let `{"age_years": 5, "age_years": 50}` route a child as an adult.
- **Nothing after the value is skipped.** A whole text is one JSON value; a streamed array
  (`array_items`) ends with its `]`, and anything but whitespace after it is reported with its
  line and byte (`ContentAfterArray`), so no case disappears unseen.

Two readings: `loads` is the contract's (valid JSON is never "not JSON": an integer beyond
Python's digit limit becomes an infinite number, NaN is read, and validation reports either by its
field), `loads_strict` is RFC 8259's, for the service and the tool's own files (NaN, numbers beyond
a double and lone surrogates are refused).

Speed: orjson decodes, and the duplicate check costs a count of the colons in the text. Every key
is followed by exactly one colon, so a flat record with as many colons as keys holds no key twice;
otherwise (a nested object, a colon inside a string, or a duplicate) the decoded value is written
out again in C and its colons counted: only a key dropped as given twice makes them fewer. Only a
real suspicion pays for the standard decoder, which finds the key and says where it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import IO, Any

from orjson import dumps as _orjson_dumps
from orjson import loads as _orjson_loads

from ntrk_advisor.contract.case import Case, case_from_data, printable_key
from ntrk_advisor.contract.errors import CaseInvalid, Problem

_BOM = b"\xef\xbb\xbf"


class DuplicateKey(ValueError):
    """A JSON object named a key more than once; `path` says which (`age_years`, `entry[0].resource.id`)."""

    def __init__(self, path: str) -> None:
        super().__init__(f"the key {path!r} is given more than once in one object")
        self.path = path

    def problem(self) -> Problem:
        """The refusal as a case problem of that key, for an `invalid` result."""
        return (self.path, "duplicate_key", {})


class ContentAfterArray(ValueError):
    """Something other than whitespace follows a streamed array's closing `]`.

    `line` (1-based) and `offset` (bytes from the start of the input) say where it begins.
    """

    def __init__(self, line: int, offset: int) -> None:
        super().__init__(f"content follows the array at line {line} (byte {offset})")
        self.line = line
        self.offset = offset


class BrokenArray(ValueError):
    """A streamed array stops being JSON; `incomplete` when the input simply ends too soon."""

    def __init__(self, detail: str, *, incomplete: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.incomplete = incomplete


class NotAnArray(ValueError):
    """The input given to `array_items` is empty, or does not start with `[`."""


def parse_json_int(digits: str) -> int | float:
    """An integer as JSON allows it: beyond Python's digit limit it is infinitely large, not an error.

    Valid JSON must never be called "not JSON"; an absurd number is then reported by the field.
    """
    if len(digits) > 4000:
        return float("-inf") if digits.startswith("-") else float("inf")
    return int(digits)


class _Marked(dict[str, Any]):
    """An object that named a key twice, as the careful decoder builds it: `duplicated` says which."""

    def __init__(self, pairs: list[tuple[str, Any]], duplicated: str) -> None:
        super().__init__(pairs)
        self.duplicated = duplicated


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    seen: set[str] = set()
    for key, _ in pairs:  # pragma: no branch - a duplicate exists, so the loop returns
        if key in seen:
            return _Marked(pairs, key)
        seen.add(key)
    return value  # pragma: no cover


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_LENIENT = json.JSONDecoder(parse_int=parse_json_int, object_pairs_hook=_object)
_STRICT = json.JSONDecoder(
    parse_int=parse_json_int, parse_constant=_refuse_constant, object_pairs_hook=_object
)
"""Made once: `json.loads` with options builds a decoder per call, and batch decodes every record."""

_ESCAPED_COLON = re.compile(rb"\\u003[aA]")
"""A colon written as an escape (or text that merely looks like one: then the careful decoder decides)."""


def loads(text: str | bytes) -> Any:
    """Decode JSON as every case reader must: big integers and NaN kept for validation, no key twice.

    Raises `DuplicateKey` (a `ValueError`) naming the first key given twice, `ValueError` when the
    text is not JSON (`UnicodeDecodeError` when it is not UTF-8), `RecursionError` when it nests
    too deep for the standard decoder. A UTF-8 byte-order mark is no error.

    orjson takes the common record; whatever it refuses (NaN, numbers too large for a double,
    lone surrogates, deep nesting) goes to the standard decoder, whose reading of those edge cases
    is the contract's.
    """
    data = _bytes(text).removeprefix(_BOM)
    try:
        value = _orjson_loads(data)
    except ValueError:  # orjson's JSONDecodeError is a ValueError
        return _careful(data, _LENIENT)
    if (value.__class__ is dict and data.count(b":") == len(value)) or _no_key_twice(data, value):
        return value
    _careful(data, _LENIENT)
    return value


def loads_strict(text: str | bytes) -> Any:
    """Decode JSON as RFC 8259 has it, no key twice: for the service's bodies and the tool's own files.

    Raises `DuplicateKey` naming the first key given twice, and `ValueError` for anything that is
    not strict JSON: NaN or Infinity, a number beyond a double, a lone surrogate, a byte-order
    mark, invalid UTF-8, nesting deeper than 1,024 levels.
    """
    data = _bytes(text)
    value = _orjson_loads(data)
    if not _no_key_twice(data, value):
        try:
            _careful(data, _STRICT)
        except RecursionError:  # deeper than the standard decoder goes, though orjson's limit holds
            raise ValueError("depth limit exceeded while looking for a key given twice") from None
    return value


def _bytes(text: str | bytes) -> bytes:
    if isinstance(text, str):
        return text.removeprefix("\ufeff").encode("utf-8", "surrogatepass")
    return text


def _no_key_twice(data: bytes, value: Any) -> bool:
    """Whether no object in `data` names a key twice, judged from colon counts (False: look closer).

    Every key is followed by exactly one colon; every other colon of the text is inside a string,
    where JSON writes a colon as itself unless it is escaped as a code point. So when no colon is
    escaped, writing the decoded value out again (orjson, in C) gives back exactly as many colons
    as the text has, unless the decoder dropped a key given twice, which takes at least that key's
    colon with it. A flat object with one colon per key needs not even that.
    """
    if value.__class__ is not dict and value.__class__ is not list:
        return True
    colons = data.count(b":")
    if value.__class__ is dict and colons == len(value):
        return True
    if _ESCAPED_COLON.search(data) is not None:
        return False
    try:
        written = _orjson_dumps(value)
    except TypeError:  # orjson's JSONEncodeError: nested deeper than it writes
        return False
    return written.count(b":") == colons


def _careful(data: bytes, decoder: json.JSONDecoder) -> Any:
    """Decode with the standard decoder, keeping every pair; `DuplicateKey` for the first key twice."""
    value = decoder.decode(data.decode("utf-8"))
    path = _first_duplicate(value)
    if path is not None:
        raise DuplicateKey(path)
    return value


def _first_duplicate(value: Any) -> str | None:
    """The path of the first key given twice, in the order of the text, or None."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _Marked):
            return _path_text((*path, item.duplicated))
        if item.__class__ is dict:
            pairs: Any = list(item.items())
        elif item.__class__ is list:
            pairs = list(enumerate(item))
        else:
            continue
        stack.extend((child, (*path, key)) for key, child in reversed(pairs))
    return None


def _path_text(path: tuple[str | int, ...]) -> str:
    """`entry[0].resource.id`: keys joined by dots, array positions in brackets, keys kept short."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + printable_key(part)
    return text


def decode_json(text: str | bytes) -> Any:
    """Decode a case's JSON text (or a Bundle's), raising `CaseInvalid` when it is not one JSON value.

    A key given twice is a problem of that key (`duplicate_key`); anything else wrong with the
    text is a problem of the record as a whole (field `case`).
    """
    try:
        return loads(text)
    except DuplicateKey as exc:
        raise CaseInvalid([exc.problem()]) from None
    except RecursionError:
        raise CaseInvalid.whole_record("too_deep") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise CaseInvalid.whole_record("json", detail=str(exc)) from None


def case_from_json(text: str | bytes) -> Case:
    """Validate one JSON document into a `Case` (one batch record, or a case file)."""
    return case_from_data(decode_json(text))


def array_items(first: bytes, rest: IO[bytes]) -> Iterator[Any]:
    """Stream the items of a top-level JSON array in constant memory: `first`, then the rest of the file.

    Yields each item's value, or a `DuplicateKey` in place of an item that named a key twice (the
    items after it are read on). Raises `NotAnArray` when the input is empty or is no array,
    `BrokenArray` where the array stops being JSON, and `ContentAfterArray` when anything but
    whitespace follows its closing `]`: a second array, a line of JSON, junk. Leading whitespace
    and a UTF-8 byte-order mark are skipped, and counted in the position reported.

    The well-kept incremental parser ijson reads the events; each item is built here (`_Builder`)
    with the same rules as `loads`. The parser reads the file in chunks and hands over every event
    of a chunk before it reads the next, so `_Tracked` knows, for the chunk in which the array
    ends, its position, and from the events how deep and whether inside a string it begins: the
    closing `]` and what follows are then found in that chunk alone.
    """
    import ijson

    stripped = first.lstrip()
    skipped = len(first) - len(stripped)
    if stripped.startswith(_BOM):
        stripped = stripped[len(_BOM) :].lstrip()
        skipped = len(first) - len(stripped)
    builder = _Builder()
    stream = _Tracked(stripped, rest, skipped, first[:skipped].count(b"\n"), builder)
    events = ijson.basic_parse(stream, use_float=True)
    try:
        try:
            kind, _ = next(events)
        except StopIteration:
            raise NotAnArray("the input is empty") from None
        except ijson.IncompleteJSONError:
            if stream.blank:
                raise NotAnArray("the input is empty") from None
            raise
        if kind != "start_array":
            raise NotAnArray("expected an array")
        stream.opened = True
        for kind, value in events:
            if kind == "end_array" and builder.depth == 0:
                break
            done, item = builder.feed(kind, value)
            if done:
                yield item if builder.duplicate is None else DuplicateKey(builder.duplicate)
                builder.duplicate = None
        else:  # pragma: no cover - the parser raises before the events run out inside an array
            raise BrokenArray("the input ends inside the array", incomplete=True)
    except ijson.JSONError as exc:
        detail = str(exc).splitlines()[0][:200] if str(exc) else "syntax error"
        raise BrokenArray(detail, incomplete=isinstance(exc, ijson.IncompleteJSONError)) from None
    stream.after_array()


class _Builder:
    """Builds JSON values from ijson's events (`basic_parse`), one at a time, as `loads` would.

    Nesting is kept on a list, never on Python's call stack, so no depth can overflow it. An
    object that names a key twice is built all the same (the events after it must be read in
    step), and `duplicate` keeps the path of the first such key in the value being built.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[list[Any], list[str | None]]] = []
        self.duplicate: str | None = None

    @property
    def depth(self) -> int:
        """How many objects and arrays are open."""
        return len(self._stack)

    def feed(self, kind: str, value: Any) -> tuple[bool, Any]:
        """Take one event; `(True, value)` when a whole top-level value has just been built."""
        if kind == "start_map":
            self._stack.append(([], [None]))
            return False, None
        if kind == "start_array":
            self._stack.append(([], []))
            return False, None
        if kind == "map_key":
            self._stack[-1][1][0] = value
            return False, None
        if kind == "end_map":
            pairs, _ = self._stack.pop()
            built = _object(pairs)
            if isinstance(built, _Marked) and self.duplicate is None:
                self.duplicate = _path_text((*self._path(), built.duplicated))
            return self._add(built)
        if kind == "end_array":
            items, _ = self._stack.pop()
            return self._add(items)
        return self._add(value)

    def _path(self) -> tuple[str | int, ...]:
        """Where the innermost open value sits inside the item: keys and array positions."""
        return tuple(
            key[0] if key else len(items)  # type: ignore[misc]
            for items, key in self._stack
        )

    def _add(self, value: Any) -> tuple[bool, Any]:
        if not self._stack:
            return True, value
        items, key = self._stack[-1]
        items.append((key[0], value) if key else value)
        return False, None


_STRUCTURE = re.compile(rb'["\\\[\]{}]')
_ESCAPED = re.compile(rb"\\.", re.S)
_WHITESPACE = b" \t\n\r"


class _Tracked:
    """The input as the parser reads it, remembering where the chunk it read last begins.

    For that chunk: its offset and line in the input, how many arrays and objects are open at its
    start (from the events handed over before it was read) and whether it starts inside a string
    (from the quotes of every earlier chunk; a newline or other control character never occurs in
    a JSON string, so nothing else can hide one). Counting costs two C-level scans per chunk.
    """

    def __init__(self, first: bytes, rest: IO[bytes], offset: int, lines: int, builder: _Builder) -> None:
        self._first: bytes | None = first
        self._rest = rest
        self._builder = builder
        self.opened = False
        """Whether the top-level array has begun (its `[` is not one of the builder's)."""
        self.chunk = b""
        self.offset = offset
        self.lines = lines
        self.depth = 0
        self.in_string = False
        self.escaped = False
        self.blank = True
        """Whether nothing but whitespace has been read yet."""

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # a parser's probe for bytes or text: it must not consume anything
            return b""
        data = self._first if self._first is not None else self._rest.read(size)
        self._first = None
        if self.blank:
            self.blank = not data.strip(_WHITESPACE)
        self._move_past(self.chunk)
        self.chunk = data
        self.depth = self._builder.depth + (1 if self.opened else 0)
        return data

    def _move_past(self, chunk: bytes) -> None:
        self.offset += len(chunk)
        self.lines += chunk.count(b"\n")
        if self.escaped and chunk:
            chunk, self.escaped = chunk[1:], False
        if b"\\" in chunk:
            # Outside strings a backslash is no JSON (the parser stops there), so each one escapes
            # the byte after it; one left at the end escapes the first byte of the next chunk.
            chunk = _ESCAPED.sub(b"", chunk)
            if chunk.endswith(b"\\"):
                chunk, self.escaped = chunk[:-1], True
        self.in_string ^= bool(chunk.count(b'"') & 1)

    def after_array(self) -> None:
        """Read what follows the array's closing `]`; `ContentAfterArray` unless it is whitespace."""
        chunk = self.chunk
        end = _closing_bracket(chunk, self.depth, self.in_string, self.escaped)
        offset, lines = self.offset, self.lines
        if end is None:  # pragma: no cover - the array ended in this chunk, so its `]` is here
            end = -1
        tail = chunk[end + 1 :]
        lines += chunk[: end + 1].count(b"\n")
        offset += end + 1
        while True:
            content = tail.lstrip(_WHITESPACE)
            if content:
                skipped = len(tail) - len(content)
                raise ContentAfterArray(lines + tail[:skipped].count(b"\n") + 1, offset + skipped)
            offset += len(tail)
            lines += tail.count(b"\n")
            tail = self._rest.read(1 << 16)
            if not tail:
                return


def _closing_bracket(chunk: bytes, depth: int, in_string: bool, escaped: bool) -> int | None:
    """Where in `chunk` the bracket that closes the top-level array is, given the state at its start."""
    position = 1 if escaped else 0
    while (match := _STRUCTURE.search(chunk, position)) is not None:
        at = match.start()
        byte = chunk[at]
        position = at + 1
        if in_string:
            if byte == 0x5C:  # a backslash: the next byte is escaped
                position += 1
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
        elif byte in b"]}":
            depth -= 1
            if depth == 0:
                return at
    return None
