"""JSON text to case values: the one decoder for case files, batch records and the library.

Valid JSON is never called "not JSON": an integer beyond Python's digit limit becomes an infinite
number, which validation then reports by its field. Anything that is not JSON raises `CaseInvalid`
for the record as a whole.
"""

from __future__ import annotations

import json
from typing import Any

try:
    from orjson import loads as _fast_loads
except ImportError:  # pragma: no cover - a dependency; without it, the standard decoder does it all
    _fast_loads = json.loads  # type: ignore[assignment]

from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.errors import CaseInvalid


def parse_json_int(digits: str) -> int | float:
    """An integer as JSON allows it: beyond Python's digit limit it is infinitely large, not an error.

    Valid JSON must never be called "not JSON"; an absurd number is then reported by the field.
    """
    if len(digits) > 4000:
        return float("-inf") if digits.startswith("-") else float("inf")
    return int(digits)


class DuplicatedKeys(dict[str, Any]):
    """A JSON object that named a key more than once; validation refuses it, naming the key.

    Refusing is the only safe reading: with "last one wins", `{"age_years": 5, "age_years": 50}`
    would quietly route a child as an adult.
    """

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        seen: set[str] = set()
        self.duplicated = [key for key, _ in pairs if key in seen or seen.add(key)]  # type: ignore[func-returns-value]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    return value if len(value) == len(pairs) else DuplicatedKeys(pairs)


_DECODER = json.JSONDecoder(parse_int=parse_json_int)
_CAREFUL_DECODER = json.JSONDecoder(parse_int=parse_json_int, object_pairs_hook=_object)
"""Made once: `json.loads` with options builds a decoder per call, and batch decodes every record."""


def loads(text: str | bytes) -> Any:
    """Decode JSON as every case reader must: big integers kept valid, duplicate keys marked.

    Raises `ValueError` (or `RecursionError`) when the text is not JSON. A flat object has as many
    keys as `":` pairs in its text; only when the counts differ (a duplicate, a nested object, or
    a text holding `":`) is it decoded again, more slowly, to mark duplicates: the common record
    pays nothing for the check.

    The fast decoder (orjson) takes the common record; whatever it refuses (NaN, numbers too
    large for a double, lone surrogates, deep nesting, a byte-order mark) goes to the standard
    decoder, whose reading of those edge cases is the contract's.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark is no error
    try:
        value = _fast_loads(text)
    except ValueError:  # orjson's JSONDecodeError is a ValueError
        value = _DECODER.decode(text)
    if isinstance(value, dict) and text.count('":') == len(value):
        return value
    return _CAREFUL_DECODER.decode(text)


def decode_document(text: str | bytes) -> Any:
    """Decode a nested JSON document fast (a FHIR Bundle): `CaseInvalid` (field `case`) if not JSON.

    Duplicate keys are not marked here: no case rule reads a Bundle's inner objects, and the
    careful decoder would make every Bundle pay for a check that serves only flat cases.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except ValueError as exc:
            raise CaseInvalid.whole_record("json", detail=str(exc)) from None
    text = text.removeprefix("\ufeff")
    try:
        return _fast_loads(text)
    except ValueError:
        pass
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise CaseInvalid.whole_record("too_deep") from None
    except ValueError as exc:
        raise CaseInvalid.whole_record("json", detail=str(exc)) from None


def decode_json(text: str | bytes) -> Any:
    """Decode JSON text (bytes must be UTF-8), raising `CaseInvalid` (field `case`) when it is not JSON."""
    try:
        return loads(text)
    except RecursionError:
        raise CaseInvalid.whole_record("too_deep") from None
    except ValueError as exc:  # not JSON, or not UTF-8
        raise CaseInvalid.whole_record("json", detail=str(exc)) from None


def case_from_json(text: str | bytes) -> Case:
    """Validate one JSON document into a `Case` (one batch record, or a case file)."""
    return case_from_data(decode_json(text))


class ValueBuilder:
    """Builds JSON values from an incremental parser's events (ijson's `basic_parse`), one at a time.

    Used to stream the items of a JSON array in constant memory. Objects are made exactly as the
    record decoder makes them, so a key given twice is marked (and refused by validation) here too.
    Nesting is kept on a list, never on Python's call stack, so no depth can overflow it.
    """

    def __init__(self) -> None:
        self._stack: list[tuple[list[Any], list[str | None]]] = []

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
            return self._add(_object(pairs))
        if kind == "end_array":
            items, _ = self._stack.pop()
            return self._add(items)
        return self._add(value)

    def _add(self, value: Any) -> tuple[bool, Any]:
        if not self._stack:
            return True, value
        items, key = self._stack[-1]
        items.append((key[0], value) if key else value)
        return False, None
