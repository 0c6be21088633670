"""Decode and check a typical case record in one pass of compiled code; anything else goes the general way.

A batch spends most of its time on records that are plain: every key a contract field, given once,
every value well-formed. For those, msgspec decodes the JSON text straight into the field types of
the field table (`fields.CASE_SPECS`: vocabularies, bounds, lengths), in C, which is several times
cheaper than decoding to a dict and checking it field by field. The decoder is built from the same
table at import, so it knows no field or word of its own.

It only ever accepts: a record it does not take (an unknown key, a value of the wrong type, a word
outside its vocabulary, a number out of range, a key given twice, text that is not ASCII, a
byte-order mark, broken JSON) gives None, and the caller reads it with `decode_json` and
`case_from_data`, which say what is wrong. What it does take gets the same values the general
path gives (vocabulary words through the same enums, leniency included), and then the same
cross-field rules (`case.case_of_values`), so a contradiction raises the same `CaseInvalid`.
`tests/test_record_decoder.py` compares the two paths on generated records.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import msgspec

from ntrk_advisor.contract.case import CASE_FIELDS, Case, case_of_values
from ntrk_advisor.contract.fields import CASE_SPECS, FieldSpec

__all__ = ["case_from_record"]

_TEXT_POSITIONS = tuple(index for index, spec in enumerate(CASE_SPECS.values()) if spec.kind == "text")
_UNSET = msgspec.UNSET
_NONE_FOR_UNSET: dict[Any, None] = {_UNSET: None}


def _field_type(spec: FieldSpec) -> Any:
    """What msgspec is to accept for one field: its type and limits; null stands for not given."""
    kind = spec.kind
    if kind == "enum":
        accepted: Any = spec.values
    elif kind == "list":
        accepted = tuple[spec.values, ...]  # type: ignore[name-defined]
    elif kind == "bool":
        accepted = bool
    elif kind == "number":
        assert spec.minimum is not None and spec.below is not None
        # Integers stay integers and floats floats, as the general path keeps them (the trace shows
        # them); an integer is at least the minimum, and below the bound, when it is at least their ceilings.
        accepted = (
            Annotated[int, msgspec.Meta(ge=math.ceil(spec.minimum), lt=math.ceil(spec.below))]
            | Annotated[float, msgspec.Meta(ge=spec.minimum, lt=spec.below)]
        )
    elif kind == "text":
        accepted = Annotated[str, msgspec.Meta(max_length=spec.max_length)]
    else:  # pragma: no cover - a kind the table gained without a decoder for it
        raise AssertionError(f"{spec.name}: no record decoder for kind {kind}")
    return accepted | None | msgspec.UnsetType


_Record = msgspec.defstruct(
    "_Record",
    [(name, _field_type(spec), _UNSET) for name, spec in CASE_SPECS.items()],
    forbid_unknown_fields=True,
)
if tuple(_Record.__struct_fields__) != CASE_FIELDS:  # pragma: no cover - a guard for whoever adds a field
    raise AssertionError("the record decoder must list the Case fields in their order")

_decode = msgspec.json.Decoder(_Record).decode
_astuple = msgspec.structs.astuple
_FIELD_COUNT = len(CASE_FIELDS)


def case_from_record(raw: bytes) -> Case | None:
    """The `Case` of one record's JSON text, or None when the general path must read it.

    Raises `CaseInvalid` only for answers that contradict each other (the cross-field rules), with
    the same problems `case_from_data` gives.
    """
    try:
        record = _decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    given = _astuple(record)
    # A key given twice keeps its last value here: each key brings one colon, so a text with more
    # colons than keys given may name one twice (or hold a colon in a value) and goes the general way.
    if raw.count(b":") != _FIELD_COUNT - given.count(_UNSET):
        return None
    for index in _TEXT_POSITIONS:
        text = given[index]
        if text.__class__ is str and not text.isascii():  # lone surrogates are the general path's to judge
            return None
    return case_of_values(list(map(_NONE_FOR_UNSET.get, given, given)), [])
