"""The one JSON decoder (contract/decode.py): no key twice at any depth, nothing after an array unseen.

Every reader of the tool goes through it (tests/test_duplicate_keys.py runs the same duplicate
through each); here the decoder itself is held to its two rules on generated JSON written every way
JSON may be written (any whitespace around colons and commas, escaped keys, strings holding quotes,
colons and brackets), and a test reads the package's source to prove nothing else decodes JSON.
"""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntrk_advisor.contract.case import printable_key
from ntrk_advisor.contract.decode import (
    BrokenArray,
    ContentAfterArray,
    DuplicateKey,
    NotAnArray,
    array_items,
    loads,
    loads_strict,
)

PACKAGE = Path(__file__).resolve().parents[1] / "ntrk_advisor"
PROPERTY = settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


# --- the review's forms, one by one -------------------------------------------------------------

TWICE = [
    '{"age_years":5,"age_years":50}',
    '{"age_years":5,"age_years" :50}',
    '{"age_years":5,"age_years"\t:50}',
    '{"age_years":5,"age_years"\n:50}',
    '{"age_years":5,"age_years"\r\n:\r\n50}',
    '{"age_years":5, "age_years": 50}',
    '{"age_years":5,"age\\u005fyears":50}',  # the same key, written with an escape
    '{"age_years":5,"id":"\\u003a","age_years":50}',  # and a colon written as an escape
    '{\n  "age_years": 5,\n  "age_years"\n  :\n  50\n}',
]


@pytest.mark.parametrize("text", TWICE)
def test_a_key_given_twice_is_refused_whatever_the_whitespace_or_spelling(text: str) -> None:
    for decode in (loads, loads_strict):
        with pytest.raises(DuplicateKey) as caught:
            decode(text)
        assert caught.value.path == "age_years"
        with pytest.raises(DuplicateKey):
            decode(text.encode())


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"id": "x", "tumor_type": {"a": 1, "a": 2}}', "tumor_type.a"),
        (
            '{"resourceType": "Bundle", "entry": [{}, {"resource": {"id": "1", "id" : "2"}}]}',
            "entry[1].resource.id",
        ),
        ('[{"a": 1}, {"b": [{"c": 1, "c": 1}]}]', "[1].b[0].c"),
        ('{"sources": {"age_years": ["x"], "age_years": []}, "age_years": 50}', "sources.age_years"),
    ],
)
def test_a_key_given_twice_inside_a_nested_object_is_refused_with_its_path(text: str, path: str) -> None:
    for decode in (loads, loads_strict):
        with pytest.raises(DuplicateKey) as caught:
            decode(text)
        assert caught.value.path == path


@pytest.mark.parametrize(
    "text",
    [
        '{"id": "a:b", "tumor_type": "x\\": y", "age_years": 50}',  # colons and quotes in strings
        '{"url": "http://loinc.org", "a": {"b": "c:d"}}',
        '{"a" : 1 , "b"\n:\n2}',
        '[{"a": 1}, {"a": 1}]',  # the same key in two objects is no duplicate
        '{"a": {"a": {"a": 1}}}',
    ],
)
def test_a_text_without_a_key_twice_decodes_as_the_standard_decoder_does(text: str) -> None:
    assert loads(text) == loads_strict(text) == json.loads(text)


def test_the_contract_reading_keeps_what_strict_json_refuses() -> None:
    assert math.isnan(loads('{"age_years": NaN}')["age_years"])
    assert loads('{"age_years": ' + "9" * 5000 + "}")["age_years"] == math.inf
    assert loads("\ufeff{}") == loads(b"\xef\xbb\xbf{}") == {}
    for text in ('{"age_years": NaN}', '{"a": 1e400}', '"\\ud800"', b"\xef\xbb\xbf{}", b'{"a": "\xff"}'):
        with pytest.raises(ValueError):
            loads_strict(text)


def test_a_key_given_twice_behind_a_value_only_the_standard_decoder_reads_is_refused_too() -> None:
    with pytest.raises(DuplicateKey):
        loads('{"age_years": NaN, "age_years": 50}')


# --- generated JSON, written every way ----------------------------------------------------------

KEY_CHARS = 'ab:"\\ [{}]é'
keys = st.text(alphabet=KEY_CHARS, max_size=3)
strings = st.text(alphabet=KEY_CHARS + "\n\t,", max_size=6)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | strings
)


class Pairs(list[tuple[str, Any]]):
    """An object as written: its pairs in order, a key possibly more than once."""


values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.lists(st.tuples(keys, inner), max_size=4).map(Pairs),
    max_leaves=16,
)
blanks = st.sampled_from(["", " ", "\t", "\n", "\r\n", " \n  "])


@st.composite
def written(draw: st.DrawFn, value: Any) -> str:
    """`value` as JSON text, with whitespace drawn for every gap and keys escaped or not."""

    def string(v: str) -> str:
        """Plain, with non-ASCII escaped, or with every character escaped (a colon as \\u003a too)."""
        how = draw(st.integers(0, 2))
        if how == 2 and all(ord(c) <= 0xFFFF for c in v):
            return '"' + "".join(f"\\u{ord(c):04{draw(st.sampled_from('xX'))}}" for c in v) + '"'
        return json.dumps(v, ensure_ascii=how == 1)

    def text(v: Any) -> str:
        if isinstance(v, Pairs):
            parts = [
                f"{draw(blanks)}{string(k)}{draw(blanks)}:{draw(blanks)}{text(item)}{draw(blanks)}"
                for k, item in v
            ]
            return "{" + ",".join(parts) + draw(blanks) + "}"
        if isinstance(v, list):
            return (
                "[" + ",".join(f"{draw(blanks)}{text(item)}{draw(blanks)}" for item in v) + draw(blanks) + "]"
            )
        return string(v) if isinstance(v, str) else json.dumps(v)

    return text(value)


def plain(value: Any) -> Any:
    """What the text means to a reader that keeps the last of two keys (the standard decoder)."""
    if isinstance(value, Pairs):
        return {k: plain(v) for k, v in value}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def paths_twice(value: Any, path: str = "") -> set[str]:
    """Every place where an object names a key it has already named."""
    found: set[str] = set()
    if isinstance(value, Pairs):
        seen: set[str] = set()
        for key, item in value:
            inner = (path + "." if path else "") + printable_key(key)
            if key in seen:
                found.add(inner)
            seen.add(key)
            found |= paths_twice(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= paths_twice(item, f"{path}[{index}]")
    return found


@PROPERTY
@given(data=st.data(), value=values)
def test_generated_json_is_refused_exactly_when_an_object_names_a_key_twice(
    data: st.DataObject, value: Any
) -> None:
    text = data.draw(written(value))
    twice = paths_twice(value)
    for decode in (loads, loads_strict):
        if twice:
            with pytest.raises(DuplicateKey) as caught:
                decode(text)
            assert caught.value.path in twice
        else:
            assert decode(text) == plain(value) == json.loads(text)


# --- arrays streamed, and what follows them -----------------------------------------------------


class Trickle(io.RawIOBase):
    """A file that hands over at most a few bytes per read, so chunks end anywhere."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data = data
        self._sizes = sizes or [7]
        self._reads = 0

    def read(self, size: int = -1) -> bytes:
        step = self._sizes[self._reads % len(self._sizes)]
        self._reads += 1
        data, self._data = self._data[:step], self._data[step:]
        return data


def streamed(text: bytes, split: int, sizes: list[int]) -> tuple[list[Any], BaseException | None]:
    """The items `array_items` yields and what it raises at the end, the text given in small chunks."""
    items: list[Any] = []
    try:
        for item in array_items(text[:split], Trickle(text[split:], sizes)):  # type: ignore[arg-type]
            items.append(item.path if isinstance(item, DuplicateKey) else item)
    except (ContentAfterArray, BrokenArray, NotAnArray) as exc:
        return items, exc
    return items, None


AFTER = st.sampled_from(["", "\n", "  \r\n\t", "junk", "\n[1]", "]", ",", '\n{"id": "b"}\n', " [ ] "])


@PROPERTY
@given(
    data=st.data(),
    items=st.lists(values, max_size=5),
    lead=st.sampled_from(["", "\n\n", " ", "\ufeff", "\n\ufeff  "]),
    after=AFTER,
    sizes=st.lists(st.integers(1, 40), max_size=6),
)
def test_a_streamed_array_gives_every_item_and_names_exactly_where_anything_after_it_begins(
    data: st.DataObject, items: list[Any], lead: str, after: str, sizes: list[int]
) -> None:
    array = data.draw(written(items))
    text = (lead + array + after).encode()
    split = data.draw(st.integers(len(lead.encode()) + 1, len(text)))  # the first line, as batch peeks it
    got, raised = streamed(text, split, sizes)
    assert len(got) == len(items)
    for item, value in zip(got, items, strict=True):
        twice = paths_twice(value)
        assert item in twice if twice else item == plain(value)
    content = after.lstrip(" \t\r\n")
    if not content:
        assert raised is None
    else:
        assert isinstance(raised, ContentAfterArray)
        offset = len((lead + array + after[: len(after) - len(content)]).encode())
        assert raised.offset == offset
        assert raised.line == text[:offset].count(b"\n") + 1


def test_content_after_the_array_is_found_in_a_large_file_read_in_the_parser_s_own_chunks() -> None:
    tricky = {"id": 'a"]} [{', "tumor_type": "\\\\]", "emergency": []}
    array = ("[\n" + ",\n".join(json.dumps(dict(tricky, n=i)) for i in range(5000)) + "\n]").encode()
    text = array + b"\n\n  [1]\n"
    first = text[: text.index(b"\n") + 1]
    items = []
    with pytest.raises(ContentAfterArray) as caught:
        for item in array_items(first, io.BytesIO(text[len(first) :])):
            items.append(item)
    assert len(items) == 5000 and items[-1]["n"] == 4999
    assert (caught.value.offset, caught.value.line) == (len(array) + 4, 5004)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (b"", NotAnArray),
        (b"{}", NotAnArray),
        (b'[{"a": 1}, {"a": ', BrokenArray),
        (b"[1, 2", BrokenArray),
    ],
)
def test_an_array_that_is_none_or_breaks_off_says_so(text: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        list(array_items(text[:1], io.BytesIO(text[1:])))


# --- nothing else decodes JSON ------------------------------------------------------------------

DECODING = re.compile(
    r"\b(?:json|orjson|simplejson|ujson)\s*\.\s*(?:loads?|JSONDecoder|raw_decode)\b"
    r"|\bJSONDecoder\s*\(|\.raw_decode\s*\("
    r"|\bimport\s+(?:ijson|simplejson|ujson|msgspec)\b"
    r"|\bfrom\s+(?:json|orjson|ijson|simplejson|ujson)\s+import\b|\bfrom\s+msgspec\b[\w.]*\s+import\b"
    r"|\bmsgspec\.json\b"
    r"|\bPyJWKSet\.from_json\b|\bPyJWK\.from_json\b|\.json\(\)"
)


def test_no_module_outside_the_decoder_decodes_json() -> None:
    # The record decoder takes only plain batch records and declines any with a key given twice
    # (tests/test_record_decoder.py); every other text is read by decode.py.
    decoders = {PACKAGE / "contract" / "decode.py", PACKAGE / "contract" / "record_decoder.py"}
    found = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in decoders
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if DECODING.search(line)
    ]
    assert found == []


def test_the_source_check_would_see_a_decoder_call() -> None:
    for line in (
        "data = json.loads(text)",
        "value = orjson.loads(body)",
        "json.load(handle)",
        "import ijson",
        "from json import loads",
        "keys = jwt.PyJWKSet.from_json(text)",
        "body = await request.json()",
        "import msgspec",
        "from msgspec.json import decode",
        "record = msgspec.json.decode(raw)",
    ):
        assert DECODING.search(line), line
    assert not DECODING.search("text = json.dumps(value)")


def test_the_packaged_tables_are_strict_json() -> None:
    for path in PACKAGE.rglob("*.json"):
        loads_strict(path.read_bytes())
