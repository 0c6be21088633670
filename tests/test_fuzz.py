"""Arbitrary JSON through `evaluate`, `consult --case` and `batch`: never a crash, always the contract.

Complements test_batch_fuzz.py (one record at a time through the batch evaluator): here whole
files go through the real commands, both languages are compared, the batch fast path is checked
against the library, and the limits (1 MiB lines, deep nesting, 1 MB strings) are probed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntrk_advisor import evaluate
from ntrk_advisor.batch.sources import MAX_RECORD_BYTES
from ntrk_advisor.contract.case import CASE_FIELDS
from ntrk_advisor.contract.fields import FIELD_SPECS
from ntrk_advisor.files import MAX_CASE_FILE_BYTES
from ntrk_advisor.schemas import result_schema
from tests.conftest import RESULT_KEYS, CliRun

pytestmark = pytest.mark.slow  # hypothesis runs many examples; CI runs it, `-m "not slow"` skips it

Run = Callable[..., CliRun]

SCHEMA = result_schema()
jsonschema.Draft202012Validator.check_schema(SCHEMA)
# What `jsonschema.validate(obj, result_schema())` does, with the schema checked once rather than
# per call (that check costs 9 ms, the validation itself 0.2 ms).
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
EXIT_FOR = {"complete": 0, "incomplete": 3, "invalid": 4}
TEXT_KEYS = ("summary", "rationale")
FUZZ = {"deadline": None, "derandomize": True, "database": None}


# --- strategies ---------------------------------------------------------------------------------


def _lenient(canonical: str) -> st.SearchStrategy[str]:
    """Spellings the contract accepts for `canonical`: any case, '-' or ' ' for '_', padding."""
    pieces = [
        st.sampled_from(["_", "-", " "]) if ch == "_" else st.sampled_from(sorted({ch, ch.upper()}))
        for ch in canonical
    ]
    pad = st.sampled_from(["", " ", "\t", "  "])
    return st.tuples(pad, st.tuples(*pieces), pad).map(lambda t: t[0] + "".join(t[1]) + t[2])


def _enum_value(field: str, spelling: Callable[[str], st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    values = FIELD_SPECS[field].values
    assert values is not None
    return st.sampled_from([str(m.value) for m in values]).flatmap(spelling)


def _plausible(field: str, spelling: Callable[[str], st.SearchStrategy[str]]) -> st.SearchStrategy[Any]:
    """Values a clinician could mean for `field` (canonical or leniently spelled)."""
    kind = FIELD_SPECS[field].kind
    if field == "age_years":
        return st.one_of(
            st.integers(min_value=0, max_value=129),
            st.floats(min_value=0, max_value=129.99),
            st.sampled_from([0, 0.5, 17, 17.999, 18, 129.999]),
        )
    if kind == "number":
        spec = FIELD_SPECS[field]
        assert spec.minimum is not None and spec.below is not None
        return st.one_of(
            st.integers(min_value=int(spec.minimum), max_value=int(spec.below) - 1),
            st.floats(min_value=spec.minimum, max_value=spec.below, exclude_max=True),
        )
    if kind == "text":
        return st.text(max_size=40)
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        return _enum_value(field, spelling)
    return st.lists(_enum_value(field, spelling), max_size=3)


QUESTION_FIELDS = [f for f in CASE_FIELDS if f != "id"]
PLAUSIBLE = {f: _plausible(f, _lenient) for f in QUESTION_FIELDS}
CANONICAL = {f: _plausible(f, st.just) for f in QUESTION_FIELDS}
IDS = st.text(max_size=64)
TYPO_KEYS = ["settting", "Age_years", "fusion-status", "agee", "ID", "tumour_type", "emergencies", ""]
SURROGATES = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
"""Lone surrogates: valid as JSON escapes, not as UTF-8."""

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**63, 2**64 + 1, -1, 130, 1e308, 5e-324, -0.0]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    SURROGATES,
    st.sampled_from(["", "null", "[]", "{}", "yes", "none", "R0", "Locally-Advanced", "IHC only", "是"]),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
_CONFIRMED = _lenient("confirmed")
VALID_CASES = st.one_of(
    st.fixed_dictionaries({}, optional={"id": IDS, **PLAUSIBLE}),
    # Past the diagnostic gate, so the stage pathways are reached too.
    st.fixed_dictionaries(
        {
            "age_years": PLAUSIBLE["age_years"],
            "fusion_status": st.one_of(_CONFIRMED, _CONFIRMED, PLAUSIBLE["fusion_status"]),
            "setting": PLAUSIBLE["setting"],
        },
        optional={
            "id": IDS,
            **{f: s for f, s in PLAUSIBLE.items() if f not in ("age_years", "fusion_status", "setting")},
        },
    ),
)
CANONICAL_CASES = st.fixed_dictionaries(
    {"age_years": CANONICAL["age_years"], "fusion_status": CANONICAL["fusion_status"]},
    optional={"id": IDS, **{f: s for f, s in CANONICAL.items() if f not in ("age_years", "fusion_status")}},
)


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A plausible case with junk in some fields and perhaps an unknown key."""
    case: dict[str, Any] = draw(VALID_CASES)
    for field in draw(st.lists(st.sampled_from(["id", *QUESTION_FIELDS]), max_size=3, unique=True)):
        case[field] = draw(JUNK)
    if draw(st.booleans()):
        case[draw(st.one_of(st.sampled_from(TYPO_KEYS), st.text(max_size=12)))] = draw(JUNK)
    return case


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


JSON_VALUES = st.one_of(VALID_CASES, _mutated(), JUNK)
"""Any JSON value a case file might hold."""
BATCH_VALUES = JSON_VALUES
"""The same for batch lines (a lone-surrogate id once crashed batch: see the regression test)."""

BIG_TEXT = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["x", "é", "中", "😀", " "]),
    st.sampled_from([64, 65, 200, 201, 70_000, 1_000_000]),
)
"""Long strings for `tumor_type` and `id` (few examples: each costs megabytes)."""


# --- checks -------------------------------------------------------------------------------------


def known_age_group(value: Any) -> str | None:
    """The age group a case's `age_years` gives, or None when it is not a usable age."""
    age = value.get("age_years") if isinstance(value, dict) else None
    if isinstance(age, bool) or not isinstance(age, (int, float)):
        return None
    if isinstance(age, float) and not math.isfinite(age):
        return None
    if not 0 <= age < 130:
        return None
    return "pediatric" if age < 18 else "adult"


def check_contract(data: dict[str, Any], value: Any = None, *, given_value: bool = True) -> None:
    """One result object is the contract: schema, key order, status rules, age group."""
    VALIDATOR.validate(data)
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # writable as UTF-8 (no lone surrogates)
    assert list(data) == [k for k in RESULT_KEYS if k in data], list(data)
    assert set(RESULT_KEYS) - set(data) <= {"age_group", "age_band"}
    assert ("age_group" in data) == ("age_band" in data)  # both come from a valid age, or neither
    status = data["status"]
    if status == "complete":
        assert data["actions"] and any(a["action"] == "mdt_review" for a in data["actions"])
        assert data["missing"] == [] and data["errors"] == []
    elif status == "incomplete":
        assert data["missing"] and set(data["missing"]) <= set(CASE_FIELDS)
        assert data["errors"] == []
    else:
        assert data["errors"] and data["actions"] == [] and data["trace"] == []
        assert data["pathway"] is None
    if given_value:
        expected = known_age_group(value)  # an invalid result keeps the age group of a valid age
        assert data.get("age_group") == expected, (data.get("age_group"), value)
        if expected is None and status == "incomplete":
            assert data["missing"][0] == "age_years"


def codes_only(data: dict[str, Any]) -> dict[str, Any]:
    """A result without its worded texts: what must not depend on the language."""
    out = {k: v for k, v in data.items() if k not in ("cautions", "errors", "actions")}
    out["cautions"] = len(data["cautions"])
    out["errors"] = [e["field"] for e in data["errors"]]
    out["actions"] = [
        {**{k: v for k, v in a.items() if k not in TEXT_KEYS}, "rationale": len(a["rationale"])}
        for a in data["actions"]
    ]
    return out


def expected_case_id(value: Any, data: dict[str, Any]) -> str | None:
    """The id a result echoes: the case's own, or for an invalid case an id that passed validation."""
    raw = value.get("id") if isinstance(value, dict) else None
    if data["status"] != "invalid":
        return raw  # type: ignore[no-any-return]
    failed = {e["field"] for e in data["errors"]}
    return raw if isinstance(raw, str) and raw and "id" not in failed else None


def dump(value: Any, *, ascii_only: bool = True) -> bytes:
    return json.dumps(value, allow_nan=True, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def stderr_is_clean(out: CliRun) -> None:
    assert "Traceback" not in out.stderr, out.stderr


# --- (a) evaluate -------------------------------------------------------------------------------


@settings(max_examples=1000, **FUZZ)
@given(value=JSON_VALUES)
def test_evaluate_never_raises_and_gives_the_same_contract_result_in_both_languages(value: Any) -> None:
    results = {lang: evaluate(value, lang).to_dict() for lang in ("en", "zh")}  # type: ignore[arg-type]
    for data in results.values():
        check_contract(data, value)
        assert data["case_id"] == expected_case_id(value, data)
    assert codes_only(results["en"]) == codes_only(results["zh"])


@settings(max_examples=300, **FUZZ)
@given(case=CANONICAL_CASES, data=st.data())
def test_lenient_enum_spellings_give_exactly_the_canonical_result(case: dict[str, Any], data: Any) -> None:
    respelled = {}
    for field, value in case.items():
        kind = FIELD_SPECS[field].kind if field in FIELD_SPECS else "text"
        if kind == "enum":
            value = data.draw(_lenient(value))
        elif kind == "list":
            value = [data.draw(_lenient(v)) for v in value]
        respelled[field] = value
    expected = evaluate(case, "zh").to_dict()
    assert evaluate(respelled, "zh").to_dict() == expected
    check_contract(expected, case)
    if expected["status"] == "invalid":  # plausible values can still contradict each other
        assert all("相互矛盾" in e["message"] for e in expected["errors"]), expected["errors"]


@settings(max_examples=12, **FUZZ)
@given(text=BIG_TEXT, field=st.sampled_from(["tumor_type", "id"]), lang=st.sampled_from(["en", "zh"]))
def test_evaluate_handles_strings_up_to_a_megabyte(text: str, field: str, lang: str) -> None:
    value = {"age_years": 70, "fusion_status": "ihc_only", "emergency": [], field: text}
    data = evaluate(value, lang).to_dict()  # type: ignore[arg-type]
    check_contract(data, value)
    limit = 64 if field == "id" else 200
    assert data["status"] == ("complete" if len(text) <= limit else "invalid")
    if data["status"] == "invalid":
        assert [e["field"] for e in data["errors"]] == [field]
        assert len(json.dumps(data)) < 5000  # the error never echoes the megabyte back


def _nested(depth: int, wrap: Callable[[Any], Any]) -> Any:
    value: Any = []
    for _ in range(depth):
        value = wrap(value)
    return value


DEEP_LIST = _nested(100_000, lambda v: [v])
DEEP_DICT = _nested(100_000, lambda v: {"a": v})


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"age_years": DEEP_LIST}, id="age_years"),
        pytest.param({"age_years": 3, "tumor_type": DEEP_DICT}, id="tumor_type"),
        pytest.param({"id": DEEP_LIST, "high_risk_features": DEEP_DICT}, id="id-and-list-field-dict"),
        pytest.param({"extra": DEEP_DICT}, id="unknown-key"),
        pytest.param(DEEP_LIST, id="whole-case"),
        # Enum.__call__ puts repr(value) in its error: this used to escape as a RecursionError.
        pytest.param({"fusion_status": DEEP_LIST}, id="enum-field"),
        pytest.param({"emergency": DEEP_LIST}, id="list-of-enum-field"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_evaluate_rejects_python_structures_nested_100k_deep(value: Any, lang: str) -> None:
    data = evaluate(value, lang).to_dict()  # type: ignore[arg-type]
    check_contract(data, given_value=False)
    assert data["status"] == "invalid"


# --- (b) consult --case FILE --no-input --format json ------------------------------------------------

CONSULT_FILES = st.one_of(
    st.tuples(JSON_VALUES, st.booleans()).map(lambda t: dump(t[0], ascii_only=t[1])),
    st.binary(max_size=60),
    st.sampled_from(
        [b"", b"   ", b"age: 3", b"{", b'{"age_years": 3,}', b"[1, 2", b"\xef\xbb\xbf{}", b"NaN"]
    ),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], **FUZZ)
@given(raw=CONSULT_FILES, lang=st.sampled_from(["en", "zh"]))
def test_consult_with_any_case_file_prints_one_contract_result_or_one_usage_line(
    run_cli: Run, tmp_path: Path, raw: bytes, lang: str
) -> None:
    path = tmp_path / "case.json"
    path.write_bytes(raw)
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json", "--lang", lang)
    stderr_is_clean(out)
    try:  # consult reads case files exactly as batch reads records: strict UTF-8, a BOM allowed
        value = json.loads(raw.decode("utf-8").removeprefix("\ufeff"))
    except ValueError:  # not JSON at all (UnicodeDecodeError is a ValueError too)
        assert out.code == 2, (out.code, raw[:80])
        assert out.stdout == ""
        prefix = "ntrk-advisor：错误：" if lang == "zh" else "ntrk-advisor: error: "  # in the asked language
        assert out.stderr.count("\n") == 1 and out.stderr.startswith(prefix)
        return
    assert out.stderr == ""
    data = json.loads(out.stdout)
    check_contract(data, value)
    assert out.code == EXIT_FOR[data["status"]]
    if not isinstance(value, dict):
        assert data["status"] == "invalid" and [e["field"] for e in data["errors"]] == ["case"]
    assert data == evaluate(value, lang).to_dict()  # type: ignore[arg-type]  # consult is the library


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture], **FUZZ)
@given(text=BIG_TEXT, field=st.sampled_from(["tumor_type", "id"]))
def test_consult_handles_strings_up_to_a_megabyte(
    run_cli: Run, tmp_path: Path, text: str, field: str
) -> None:
    value = {"age_years": 70, "fusion_status": "ihc_only", "emergency": [], field: text}
    path = tmp_path / "big.json"
    path.write_bytes(dump(value, ascii_only=False))
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
    stderr_is_clean(out)
    if path.stat().st_size > MAX_CASE_FILE_BYTES:  # one usage line, the file never read whole
        assert out.code == 2 and out.stdout == "" and "larger than" in out.stderr
        return
    data = json.loads(out.stdout)
    check_contract(data, value)
    assert out.code == EXIT_FOR[data["status"]]
    assert data["status"] == ("complete" if len(text) <= (64 if field == "id" else 200) else "invalid")


def test_consult_rejects_json_nested_100k_deep_in_one_clean_line(run_cli: Run, tmp_path: Path) -> None:
    for name, text in {
        "field.json": '{"age_years": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "objects.json": '{"a": ' * 100_000 + "1" + "}" * 100_000,
        "array.json": "[" * 100_000 + "]" * 100_000,
    }.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
        stderr_is_clean(out)
        if out.code == 2:  # the product's choice today: a usage error naming the file
            assert out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
            assert out.stderr.startswith(f"ntrk-advisor: error: cannot read case file {path}")
        else:
            assert out.code == 4 and out.stderr == ""
            check_contract(json.loads(out.stdout), given_value=False)


def test_consult_with_invalid_utf8_in_the_file_is_one_usage_line(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(
        b'{"age_years": 70, "fusion_status": "ihc_only", "emergency": [], "tumor_type": "Schwannom \xfc"}'
    )
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
    assert out.code == 2 and out.stdout == ""
    assert out.stderr == f"ntrk-advisor: error: cannot read case file {path}: not UTF-8 text\n"


# --- (c) batch FILE ------------------------------------------------------------------------------

GUARD = b'{"id": "guard", "age_years": 70, "fusion_status": "ihc_only", "emergency": []}'
"""A first line that makes the file unmistakably JSON Lines for content detection."""
BLANKS = st.sampled_from([b"", b" ", b"\t", b"\r", b"  \t "])


@st.composite
def _bad_utf8_line(draw: st.DrawFn) -> bytes:
    """A plausible case whose text has raw invalid UTF-8 (a stray byte, or CESU-8 surrogates)."""
    case = draw(VALID_CASES)
    case["tumor_type"] = "@@"
    text = dump(case, ascii_only=False)
    bad = draw(
        st.one_of(
            st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf", b"\xfe\xfe"]),
            st.binary(max_size=4),
        )
    )
    return text.replace(b"@@", b"@" + bad.replace(b"\n", b"") + b"@")


LINES = st.one_of(
    st.tuples(BATCH_VALUES, st.booleans()).map(lambda t: dump(t[0], ascii_only=t[1])),
    st.tuples(VALID_CASES, st.booleans()).map(lambda t: dump(t[0], ascii_only=t[1])),
    st.binary(max_size=60).map(lambda b: b.replace(b"\n", b"")),
    _bad_utf8_line(),
    BLANKS,
)


def decoded(line: bytes) -> tuple[bool, Any]:
    """(True, value) when the line is UTF-8 JSON, as the JSON Lines format requires."""
    try:
        return True, json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return False, None


def readable_id(line: bytes) -> str | None:
    """The line's own valid id, read as leniently as JSON allows (CESU-8 surrogates included)."""
    try:
        value = json.loads(line.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return None
    raw = value.get("id") if isinstance(value, dict) else None
    if isinstance(raw, str) and _has_surrogate(raw):
        return None  # an id that cannot be written as text is never echoed
    return raw if isinstance(raw, str) and 0 < len(raw) <= 64 else None


def expected_batch_ids(line: bytes, where: str) -> set[str]:
    """The case ids a result may carry: its own valid id, else `<file>:<line>`.

    A line that is not strict UTF-8 may be named either way, since its id is readable only by a
    lenient decoder; a line over the limit is never parsed.
    """
    if len(line) > MAX_RECORD_BYTES:
        return {where}
    found = readable_id(line)
    if decoded(line)[0]:
        return {found if found is not None else where}
    return {where} if found is None else {where, found}


def check_batch(
    out: CliRun, path: Path, lines: list[bytes], lang: str, *, first_line_number: int = 1
) -> list[dict[str, Any]]:
    """One contract result per non-blank line, in order, named by id or by file and line."""
    stderr_is_clean(out)
    assert out.stderr == ""
    records = [(n, line) for n, line in enumerate(lines, first_line_number) if line.strip()]
    got = out.stdout.split("\n")  # not splitlines(): U+0085 and U+2028 are kept raw inside lines
    assert got.pop() == ""
    assert len(got) == len(records), (len(got), len(records))
    results = []
    for (number, line), text in zip(records, got, strict=True):
        data = json.loads(text)
        ok, value = decoded(line)
        check_contract(data, value, given_value=ok and len(line) <= MAX_RECORD_BYTES)
        assert data["case_id"] in expected_batch_ids(line, f"{path}:{number}"), (number, line[:100])
        if ok and len(line) <= MAX_RECORD_BYTES and not _has_surrogate(value):
            # The batch fast path (templates, pydantic's JSON parser) equals the library.
            expected = evaluate(value, lang).to_dict()  # type: ignore[arg-type]
            assert {**data, "case_id": None} == {**expected, "case_id": None}, line[:200]
        elif not ok:
            assert data["status"] == "invalid"
        results.append(data)
    statuses = {r["status"] for r in results}
    assert out.code == (4 if "invalid" in statuses else 3 if "incomplete" in statuses else 0)
    return results


@settings(max_examples=250, suppress_health_check=[HealthCheck.function_scoped_fixture], **FUZZ)
@given(
    first=LINES,
    lines=st.lists(LINES, max_size=25),
    crlf=st.booleans(),
    final_newline=st.booleans(),
    forced=st.booleans(),
    lang=st.sampled_from(["en", "zh"]),
)
def test_batch_of_mixed_lines_gives_one_contract_result_per_line_in_order(
    run_cli: Run,
    tmp_path: Path,
    first: bytes,
    lines: list[bytes],
    crlf: bool,
    final_newline: bool,
    forced: bool,
    lang: str,
) -> None:
    # Detected from the content, the first line must look like JSON Lines; forced, anything goes.
    all_lines = [first if forced else GUARD, *lines]
    eol = b"\r\n" if crlf else b"\n"
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(eol.join(all_lines) + (eol if final_newline else b""))
    options = ["--input-format", "jsonl"] if forced else []
    out = run_cli("batch", str(path), "--format", "jsonl", "-q", "--lang", lang, *options)
    raw_lines = [line + b"\r" if crlf else line for line in all_lines]
    check_batch(out, path, raw_lines, lang)


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture], **FUZZ)
@given(text=BIG_TEXT, field=st.sampled_from(["tumor_type", "id"]))
def test_batch_handles_strings_up_to_a_megabyte(run_cli: Run, tmp_path: Path, text: str, field: str) -> None:
    lines = [
        GUARD,
        dump({"age_years": 70, "fusion_status": "ihc_only", "emergency": [], field: text}, ascii_only=False),
        GUARD,
    ]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    results = check_batch(run_cli("batch", str(path), "--format", "jsonl", "-q"), path, lines, "en")
    assert results[2]["status"] == "complete"


def _sized(case_id: str, size: int) -> bytes:
    """A case line of exactly `size` bytes (its tumor_type pads it)."""
    head = dump(
        {"id": case_id, "age_years": 70, "fusion_status": "ihc_only", "emergency": [], "tumor_type": ""}
    )[:-2]
    return head + b"x" * (size - len(head) - 2) + b'"}'


def test_lines_around_one_mib_are_cut_exactly_at_the_limit_and_the_next_line_evaluates(
    run_cli: Run, tmp_path: Path
) -> None:
    lines = [
        GUARD,
        _sized("at-limit", MAX_RECORD_BYTES),
        _sized("one-over", MAX_RECORD_BYTES + 1),
        GUARD,
        b"",
        _sized("spans-chunks", 2 * MAX_RECORD_BYTES + 5),  # streamed in 1 MiB chunks
        _sized("also-at-limit", MAX_RECORD_BYTES),
        _sized("last-unterminated", MAX_RECORD_BYTES + 100),
    ]
    assert [len(line) for line in lines][1:3] == [MAX_RECORD_BYTES, MAX_RECORD_BYTES + 1]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join(lines))
    results = check_batch(run_cli("batch", str(path), "--format", "jsonl", "-q"), path, lines, "en")
    assert [(r["case_id"], r["status"]) for r in results] == [
        ("guard", "complete"),
        ("at-limit", "invalid"),  # parsed: the id is read, tumor_type is too long
        (f"{path}:3", "invalid"),  # over the limit: not parsed at all
        ("guard", "complete"),
        (f"{path}:6", "invalid"),
        ("also-at-limit", "invalid"),
        (f"{path}:8", "invalid"),
    ]
    assert [e["field"] for e in results[1]["errors"]] == ["tumor_type"]
    for index in (2, 4, 6):
        assert results[index]["errors"] == [
            {"field": "case", "message": f"record is larger than {MAX_RECORD_BYTES} bytes"}
        ]


def test_an_oversized_first_line_is_invalid_and_the_next_line_evaluates(run_cli: Run, tmp_path: Path) -> None:
    lines = [_sized("over-first", 3 * MAX_RECORD_BYTES + 17), GUARD]  # read while detecting the format
    path = tmp_path / "big-first.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    results = check_batch(run_cli("batch", str(path), "--format", "jsonl", "-q"), path, lines, "en")
    assert [(r["case_id"], r["status"]) for r in results] == [(f"{path}:1", "invalid"), ("guard", "complete")]


def test_batch_rejects_json_nested_100k_deep_as_invalid_records(run_cli: Run, tmp_path: Path) -> None:
    lines = [
        b'{"age_years": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",  # first: detection must cope too
        GUARD,
        b'{"id": "deep-objects", "a": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_000 + b"}",
        b"[" * 100_000 + b"]" * 100_000,
        GUARD,
    ]
    path = tmp_path / "deep.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = run_cli("batch", str(path), "--format", "jsonl", "-q")
    results = check_batch(out, path, lines, "en")
    assert [r["status"] for r in results] == ["invalid", "complete", "invalid", "invalid", "complete"]
    assert [r["case_id"] for r in results] == [f"{path}:1", "guard", f"{path}:3", f"{path}:4", "guard"]


def test_compact_batch_lines_are_the_full_lines_without_their_texts(run_cli: Run, tmp_path: Path) -> None:
    lines = [GUARD, *(dump(v) for v in ({"age_years": 1, "fusion_status": "confirmed"}, [1], {"x": 1}))]
    path = tmp_path / "few.jsonl"
    path.write_bytes(b"\n".join(lines))
    full = [json.loads(t) for t in run_cli("batch", str(path), "-q").stdout.split("\n")[:-1]]
    compact = [json.loads(t) for t in run_cli("batch", str(path), "-q", "--compact").stdout.split("\n")[:-1]]
    assert compact == [
        {
            **{k: v for k, v in r.items() if k != "cautions"},
            "actions": [{k: v for k, v in a.items() if k not in TEXT_KEYS} for a in r["actions"]],
        }
        for r in full
    ]


@pytest.mark.parametrize("forced", [False, True], ids=["detected", "forced-jsonl"])
def test_a_lone_record_after_blank_lines_is_named_by_its_real_line(
    run_cli: Run, tmp_path: Path, forced: bool
) -> None:
    path = tmp_path / "blank-first.jsonl"
    path.write_bytes(b"\n  \n" + b'{"age_years": 70, "fusion_status": "ihc_only", "emergency": []}\n')
    options = ["--input-format", "jsonl"] if forced else []
    out = run_cli("batch", str(path), "-q", *options)
    assert json.loads(out.stdout)["case_id"] == f"{path}:3"


# --- bugs found by these tests: fixed ones stay as regressions, open ones are xfail(strict) ---------

LONE_SURROGATE_ID = b'{"id": "\\ud800", "age_years": 70, "fusion_status": "ihc_only", "emergency": []}'


def test_batch_survives_an_id_that_is_a_lone_surrogate(run_cli: Run, tmp_path: Path) -> None:
    lines = [GUARD, LONE_SURROGATE_ID, GUARD]
    path = tmp_path / "surrogate.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    out = run_cli("batch", str(path), "--format", "jsonl", "-q")
    results = check_batch(out, path, lines, "en")
    assert [(r["case_id"], r["status"]) for r in results][1] == (f"{path}:2", "invalid")


def test_consult_survives_an_id_that_is_a_lone_surrogate(run_cli: Run, tmp_path: Path) -> None:
    """Regression: consult echoed the id into its JSON and crashed writing it (exit 1)."""
    path = tmp_path / "surrogate.json"
    path.write_bytes(LONE_SURROGATE_ID)
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
    assert out.code == 4 and out.stderr == ""
    data = json.loads(out.stdout)
    check_contract(data, given_value=False)
    assert data["case_id"] is None and data["errors"][0]["field"] == "id"


def test_evaluate_does_not_echo_an_id_that_failed_validation() -> None:
    """Regression: evaluate() echoed an id that failed validation, so to_dict() was not UTF-8."""
    data = evaluate({"id": "\ud800", "age_years": 70, "fusion_status": "ihc_only", "emergency": []}).to_dict()
    check_contract(data, given_value=False)


def test_batch_names_file_and_line_for_an_empty_id_whatever_the_status(run_cli: Run, tmp_path: Path) -> None:
    """Regression: a valid record's empty id was echoed as '', an invalid one's was not."""
    lines = [
        b'{"id": "", "age_years": 70, "fusion_status": "ihc_only", "emergency": []}',
        b'{"id": "", "age_years": -1, "fusion_status": "ihc_only", "emergency": []}',
    ]
    path = tmp_path / "empty-id.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    results = [json.loads(t) for t in run_cli("batch", str(path), "-q").stdout.split("\n")[:-1]]
    assert [r["case_id"] for r in results] == [f"{path}:1", f"{path}:2"]


def test_consult_gives_an_invalid_result_for_a_huge_integer(run_cli: Run, tmp_path: Path) -> None:
    """Regression: a 5000-digit integer (valid JSON) made consult call the file 'not JSON'."""
    path = tmp_path / "huge.json"
    path.write_text('{"age_years": ' + "9" * 5000 + ', "fusion_status": "confirmed"}', encoding="utf-8")
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
    assert out.code == 4, out.stderr
    data = json.loads(out.stdout)
    check_contract(data, given_value=False)
    assert [e["field"] for e in data["errors"]] == ["age_years"]


def test_consult_names_an_unknown_key_even_when_its_value_is_null(run_cli: Run, tmp_path: Path) -> None:
    """Regression: consult dropped null-valued keys before validation, hiding a typo."""
    case = {"age_years": 70, "fusion_status": "ihc_only", "emergency": [], "settting": None}
    assert evaluate(case).status.value == "invalid"
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
    assert out.code == 4 and [e["field"] for e in out.json["errors"]] == ["settting"]


@pytest.mark.parametrize("age", [math.nan, math.inf, -math.inf])
def test_a_non_finite_age_is_named_as_not_finite(age: float) -> None:
    """Regression: NaN and ±Infinity were reported as out of range, never as not finite."""
    (error,) = evaluate({"age_years": age, "fusion_status": "confirmed"}).errors
    assert (error.field, error.message) == ("age_years", "must be a finite number")
