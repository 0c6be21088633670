"""Fuzz the advisor with many random inputs: no crash, every result the contract, no identifier out.

    python benchmarks/fuzz.py [--count 100000] [--seed 0] [--bodies N] [--bundles N]

Generates `--count` single-line inputs: random JSON values, mutated example cases (byte flips,
truncations, key typos, swapped values, duplicate keys), plausible cases and random bytes, plus a
few lines over 1 MiB and nested 100,000 deep. Each goes through `evaluate` in-process (alternating
languages) and all go through one `ntrk-advisor batch` run on a JSON Lines file of them all.

A crash is: an exception from `evaluate`; a result that is not the contract (JSON Schema, key
order, status rules, writable as UTF-8); a batch run that fails or writes a missing, extra or
misnamed result line, or one whose status differs from `evaluate`'s. Whole batch results are
also compared with `evaluate` for lines both parsers read alike (shown as mismatches). The status
counts are `evaluate`'s, one per input. Inputs whose id or tumour type carries markup, escape
sequences, bidi controls, HTML or a formula are also rendered to the screen, Markdown and CSV,
and a crash is case text that is not shown literally there.

Then two more kinds of input (each `--count / 20` unless given):

- `--bundles` FHIR Bundles with identifiers planted in the record and reused, written another way
  or hidden in a UUID, as the ids of the resources the answers come from: the security review's
  nine forms (`ssn-123-45-6789` for SSN 123456789, `dob.14.03.2026` for birth date 2026-03-14, ...)
  and generated ones, some Bundles also broken at a random place. Each goes through the import
  (`case_from_bundle`, notes in both languages), all through one `batch --input-format fhir` run,
  and each as the prefetch of a CDS Hooks call. A crash is an exception other than one FHIR error,
  a traceback, an HTTP 5xx, or a planted identifier said in any spelling (`tests/fhir_support.py`:
  NFKC, case folding, accents and separators removed, dates in every order) or the id itself.
- `--bodies` CDS Hooks request bodies through the service's real ASGI application (no token
  check): hook calls with random, mutated and planted prefetches, answers, contexts and draft
  orders, feedback, junk JSON and bytes, to every endpoint. A crash is an HTTP 5xx, a traceback,
  an `internal_error` log line, or a planted identifier in the answer or a log line.

Exits 1 if there was any crash. Run by hand, not in CI; `--count 2000` takes about 20 seconds.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import math
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

import jsonschema  # noqa: E402

from ntrk_advisor import evaluate  # noqa: E402
from ntrk_advisor.batch.sources import MAX_RECORD_BYTES  # noqa: E402
from ntrk_advisor.contract.case import CASE_FIELDS  # noqa: E402
from ntrk_advisor.contract.decode import DuplicateKey, loads  # noqa: E402
from ntrk_advisor.contract.fields import FIELD_SPECS  # noqa: E402
from ntrk_advisor.environment import Environment  # noqa: E402
from ntrk_advisor.fhir.derived import derived_json  # noqa: E402
from ntrk_advisor.fhir.elements import FhirError  # noqa: E402
from ntrk_advisor.fhir.importer import case_from_bundle  # noqa: E402
from ntrk_advisor.pathway.knowledge import load_knowledge_base  # noqa: E402
from ntrk_advisor.schemas import result_schema  # noqa: E402

KB = load_knowledge_base()
from tests.conftest import RESULT_KEYS  # noqa: E402  (the contract's key order, written once)
from tests.fhir_support import (  # noqa: E402  (the planted forms and the leak check, written once)
    PLACES,
    REVIEW_FORMS,
    TODAY,
    Plant,
    identifier_at,
    leaked,
    planted,
    written_another_way,
)

EXAMPLES = PROJECT / "examples" / "cases.jsonl"
SCHEMA = result_schema()
jsonschema.Draft202012Validator.check_schema(SCHEMA)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
KEYS = ["id", *FIELD_SPECS]
ENUM_VALUES = {
    name: [str(m.value) for m in spec.values] for name, spec in FIELD_SPECS.items() if spec.values is not None
}
ALL_ENUM_VALUES = sorted({v for values in ENUM_VALUES.values() for v in values})
SPECIAL_NUMBERS: list[Any] = [
    0, -0.0, 17.999, 18, 129.999, 130, -1, 10**400, -(10**400), 2**64, 1e308, 5e-324,
    math.nan, math.inf, -math.inf, True, False,
]  # fmt: skip
SHOWN_PROBLEMS = 5
SERVICES = "/cds-services"
PLANTED_KEYS = frozenset(
    {"resourceType", "id", "subject", "identifier", "accessionIdentifier", "contained", "specimen"}
)
"""Elements a broken Bundle keeps: where the identifiers are planted and the ids that reuse them."""
DRAFT = {
    "resourceType": "MedicationRequest",
    "id": "draft-1",
    "status": "draft",
    "intent": "proposal",
    "medicationCodeableConcept": {"text": "Larotrectinib 100 mg capsule"},
}


# --- generating inputs ------------------------------------------------------------------------


class Generator:
    """Random single-line inputs (bytes without a newline), reproducible from the seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.examples = [
            json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line
        ]

    def text(self, max_len: int = 12) -> str:
        rng = self.rng
        if rng.random() < 0.08:  # a whole attack: markup, escape sequences, formulas, HTML
            return rng.choice(PAYLOADS)
        pools = [
            "abcdefghijklmnopqrstuvwxyz_- ",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
            "中文病例手术靶向治疗是否",
            '\u0000\u0085\u2028\u2029\ufeff\ufffd"\\\t\r',
            "\x1b[]();=+-@<>#*_`|!\u202e\u2066",
            "😀é",
        ]
        out = []
        for _ in range(rng.randint(0, max_len)):
            if rng.random() < 0.03:
                out.append(chr(rng.randint(0xD800, 0xDFFF)))  # a lone surrogate (a JSON escape)
            elif rng.random() < 0.05:
                out.append(chr(rng.randint(0, 0x10FFFF)))
            else:
                out.append(rng.choice(rng.choice(pools)))
        return "".join(out)

    def spelling(self, value: str) -> str:
        """A lenient respelling (case, '-' or ' ' for '_', padding), as clinicians type them."""
        rng = self.rng
        chars = [
            rng.choice("_- ") if ch == "_" else (ch.upper() if rng.random() < 0.3 else ch) for ch in value
        ]
        return rng.choice(["", " ", "\t"]) + "".join(chars) + rng.choice(["", " "])

    def json_value(self, depth: int = 0) -> Any:
        rng = self.rng
        kind = rng.randrange(10 if depth < 3 else 7)
        if kind == 0:
            return None
        if kind == 1:
            return rng.random() < 0.5
        if kind == 2:
            return rng.choice([rng.randint(-(10**6), 10**6), rng.randint(-(2**70), 2**70), *SPECIAL_NUMBERS])
        if kind == 3:
            return rng.choice([rng.uniform(-200, 200), rng.expovariate(0.05), *SPECIAL_NUMBERS])
        if kind == 4:
            return self.text()
        if kind in (5, 6):
            return self.spelling(rng.choice(ALL_ENUM_VALUES))
        if kind == 7:
            return [self.json_value(depth + 1) for _ in range(rng.randint(0, 4))]
        keys = [rng.choice(KEYS) if rng.random() < 0.7 else self.text(8) for _ in range(rng.randint(0, 5))]
        return {k: self.json_value(depth + 1) for k in keys}

    def plausible_case(self) -> dict[str, Any]:
        rng = self.rng
        case: dict[str, Any] = {"age_years": rng.choice([rng.randint(0, 90), round(rng.uniform(0, 129), 2)])}
        case["fusion_status"] = (
            "confirmed" if rng.random() < 0.7 else rng.choice(ENUM_VALUES["fusion_status"])
        )
        for name, spec in FIELD_SPECS.items():
            if name in case or name == "tumor_type" or rng.random() < 0.35:
                continue
            if spec.kind == "bool":
                case[name] = rng.random() < 0.5
            elif spec.kind == "enum":
                case[name] = self.spelling(rng.choice(ENUM_VALUES[name]))
            elif spec.kind == "list":
                case[name] = [rng.choice(ENUM_VALUES[name]) for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.5:
            case["id"] = f"fz-{rng.randrange(10**9)}"
        if rng.random() < 0.25:  # case texts that try to take over a screen, a document or a sheet
            case[rng.choice(["id", "tumor_type"])] = rng.choice(PAYLOADS)
        return case

    def typo(self, key: str) -> str:
        rng = self.rng
        if not key:
            return "x"
        i = rng.randrange(len(key))
        return rng.choice(
            [
                key[:i] + key[i + 1 :],  # deletion
                key[:i] + key[i] + key[i:],  # doubling
                key[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz_") + key[i + 1 :],  # substitution
                key[:i] + key[i + 1 : i + 2] + key[i : i + 1] + key[i + 2 :],  # transposition
                key.upper(),
                key.replace("_", "-"),
                key.replace("_", " "),
                " " + key,
            ]
        )

    def mutated_case(self) -> bytes:
        rng = self.rng
        case = dict(rng.choice(self.examples) if rng.random() < 0.6 else self.plausible_case())
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(6)
            key = rng.choice(list(case)) if case else "id"
            if op == 0 and case:
                case[self.typo(key)] = case.pop(key)
            elif op == 1:
                case[key] = self.json_value(1)
            elif op == 2 and case:
                del case[key]
            elif op == 3:
                case[rng.choice(KEYS)] = self.spelling(rng.choice(ALL_ENUM_VALUES))  # another field's value
            elif op == 4:
                case[self.text(10)] = self.json_value(2)
            else:
                case[key] = self.spelling(str(case.get(key, "none")))
        line = json.dumps(case, ensure_ascii=rng.random() < 0.5, allow_nan=True).encode(
            "utf-8", "surrogatepass"
        )
        edit = rng.randrange(5)
        if edit == 0:  # byte flips
            data = bytearray(line)
            for _ in range(rng.randint(1, 3)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            line = bytes(data)
        elif edit == 1:  # truncation
            line = line[: rng.randrange(len(line))]
        elif edit == 2 and case:  # a duplicate key
            key = json.dumps(rng.choice(list(case)))
            line = line[:1] + f"{key}: {json.dumps(self.json_value(1), allow_nan=True)}, ".encode() + line[1:]
        return line

    def random_bytes(self) -> bytes:
        rng = self.rng
        data = rng.randbytes(rng.randint(1, 80))
        if rng.random() < 0.5:
            data = b"{" + data + b"}"
        return data

    def special(self, index: int) -> bytes:
        """Rare lines: over the size limit, at it, or nested 100,000 deep."""
        kind = index % 4
        if kind == 0:
            return b'{"id": "big", "tumor_type": "' + b"x" * (MAX_RECORD_BYTES + index % 7) + b'"}'
        if kind == 1:
            head = b'{"id": "at-limit", "tumor_type": "'
            return head + b"y" * (MAX_RECORD_BYTES - len(head) - 2) + b'"}'
        if kind == 2:
            return b'{"emergency": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        return b'{"a": ' * 100_000 + b"1" + b"}" * 100_000

    def planted_bundle(self, index: int) -> tuple[dict[str, Any], list[Plant]]:
        """A Bundle whose source resources' ids hold identifiers of the record, written another way.

        Every tenth holds the review's nine forms; the others one to three generated ones. One in
        five is also broken at a random element (never where an identifier is planted, so the
        record still holds every value the ids reuse).
        """
        rng = self.rng
        if index % 10 == 0:
            plants = list(REVIEW_FORMS)
        else:
            held = [
                (place, identifier_at(place, rng.choice))
                for place in rng.sample(sorted(PLACES), rng.randint(1, 3))
            ]
            plants = [Plant(written_another_way(value, rng.choice), place, value) for place, value in held]
        value = planted(plants)
        if rng.random() < 0.2:
            resources = [e["resource"] for e in value["entry"][1:]]
            resource = rng.choice(resources)
            keys = sorted(set(resource) - PLANTED_KEYS) or ["code"]
            resource[rng.choice(keys)] = self.json_value(1)
        return value, plants

    def hook_body(self, bundle: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """A CDS Hooks call whose prefetch is the Bundle (the Patient read, the rest a searchset)."""
        rng = self.rng
        entries = bundle.get("entry") or []
        prefetch = {
            "patient": entries[0]["resource"] if entries else None,
            "observations": {"resourceType": "Bundle", "type": "searchset", "entry": entries[1:]},
        }
        answers = {k: v for k, v in self.plausible_case().items() if k != "id" and rng.random() < 0.5}
        ours: dict[str, Any] = {"answers": answers, "lang": rng.choice(["en", "zh"])}
        context: dict[str, Any] = {
            "userId": "Practitioner/1",
            "patientId": "p1",
            "extension": {"ntrk-advisor": ours},
        }
        hook = rng.choice(["patient-view", "order-select"])
        if hook == "order-select":
            context["draftOrders"] = {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": DRAFT}],
            }
        body = {"hook": hook, "hookInstance": str(uuid.UUID(int=rng.getrandbits(128))), "context": context}
        return f"{SERVICES}/ntrk-{hook}", {**body, "prefetch": prefetch}

    def feedback_body(self) -> dict[str, Any]:
        rng = self.rng
        item = {
            "card": rng.choice([str(uuid.UUID(int=rng.getrandbits(128))), self.text(40)]),
            "outcome": rng.choice(["accepted", "overridden", self.text(10)]),
            "outcomeTimestamp": rng.choice(["2026-12-01T10:00:00Z", self.text(20), rng.randint(0, 10**10)]),
        }
        if rng.random() < 0.3:
            item["overrideReason"] = {"reason": {"code": self.text(8)}, "userComment": self.text(40)}
        if rng.random() < 0.2:
            item[self.text(6)] = self.json_value(1)
        return {"feedback": [item] * rng.randint(0, 3)}

    def line(self, index: int, count: int) -> bytes:
        rng = self.rng
        if count >= 1000 and index % (count // 8) == count // 16:
            line = self.special(index)
        else:
            roll = rng.random()
            if roll < 0.30:
                value = self.json_value()
                line = json.dumps(value, ensure_ascii=rng.random() < 0.5, allow_nan=True).encode(
                    "utf-8", "surrogatepass"
                )
            elif roll < 0.70:
                line = self.mutated_case()
            elif roll < 0.85:
                line = json.dumps(self.plausible_case()).encode()
            else:
                line = self.random_bytes()
        line = line.replace(b"\n", b" ")
        return line if line.strip() else b"{}"  # every input is one record


# --- checking results -------------------------------------------------------------------------


def contract_problem(data: Any) -> str | None:
    """Why `data` is not a contract result, or None."""
    try:
        VALIDATOR.validate(data)
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except Exception as exc:  # any failure here is the finding
        return f"{type(exc).__name__}: {str(exc)[:200]}"
    # age_group and age_band are absent when the age is unknown (docs/contract.md)
    absent = set(RESULT_KEYS) - set(data) - {"age_group", "age_band"}
    if list(data) != [k for k in RESULT_KEYS if k in data] or absent:
        return f"keys {list(data)}"
    status = data["status"]
    if status == "complete" and not any(a["action"] == "mdt_review" for a in data["actions"]):
        return "complete without mdt_review"
    if status == "incomplete" and not (data["missing"] and set(data["missing"]) <= set(CASE_FIELDS)):
        return f"incomplete with missing {data['missing']}"
    if status == "invalid" and not (data["errors"] and not data["actions"]):
        return "invalid without errors, or with actions"
    if status == "invalid" and "age_group" in data and any(e["field"] == "age_years" for e in data["errors"]):
        return "an age group from an invalid age"
    return None


def decode(line: bytes) -> tuple[str, Any]:
    """('strict', value) for UTF-8 JSON; ('duplicate', path) when an object names a key twice;
    ('lenient', value) with surrogates allowed; ('none', None).

    Strict decoding is the contract's own (`contract.decode.loads`: a key given twice refused, a
    byte-order mark allowed), as batch and consult use it.
    """
    try:
        return "strict", loads(line)
    except DuplicateKey as exc:
        return "duplicate", exc.path
    except (ValueError, RecursionError):
        pass
    try:
        return "lenient", json.loads(line.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return "none", None


def has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, list):
        return any(has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(has_surrogate(k) or has_surrogate(v) for k, v in value.items())
    return False


def own_id(value: Any) -> str | None:
    raw = value.get("id") if isinstance(value, dict) else None
    return raw if isinstance(raw, str) and 0 < len(raw) <= 64 and not has_surrogate(raw) else None


class Report:
    def __init__(self) -> None:
        self.crashes: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.mismatches = 0
        self.displays = 0
        self.examples: list[str] = []
        self.planted = 0
        self.imported: Counter[str] = Counter()
        self.http: Counter[int] = Counter()

    def crash(self, kind: str, detail: str) -> None:
        self.crashes[kind] += 1
        if len(self.examples) < SHOWN_PROBLEMS:
            self.examples.append(f"{kind}: {detail}")


PAYLOADS = [
    "[link=http://evil.example]LNK[/link]",
    "[bold red]MARKUP[/]",
    "\x1b[2J",
    "\x1b]0;TITLE\x07",
    "\x1b]8;;http://evil.example/\x1b\\x\x1b]8;;\x1b\\",
    "evil\u202ereversed",
    "line\n# heading",
    "<script>alert(1)</script>",
    "[click](http://evil.example)",
    "x\r=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil")',
]
_ESCAPES = re.compile(r"\x1b[\[\]]|[\u202a-\u202e\u2066-\u2069\x00]")


def display_problem(result: Any, value: Any, lang: str) -> str | None:
    """Case text in the screen, Markdown and CSV renderings stays literal (None when it does)."""
    from ntrk_advisor.render.console import make_console
    from ntrk_advisor.render.csv_safe import csv_line
    from ntrk_advisor.render.markdown import render_markdown
    from ntrk_advisor.render.screen import render_screen

    tumor = value.get("tumor_type") if isinstance(value.get("tumor_type"), str) else None
    screen = io.StringIO()
    render_screen(
        result,
        KB,
        lang,
        make_console(Environment.of_process(), file=screen, width=100, color_system=None),
        tumor_type=tumor,
    )
    markdown = render_markdown(result, KB, lang, tumor_type=tumor)  # type: ignore[arg-type]
    for name, text in (("screen", screen.getvalue()), ("markdown", markdown)):
        if _ESCAPES.search(text):
            return f"an escape or bidi control reached the {name}"
    if "<script" in markdown or "](http://evil" in markdown or "\n# heading" in markdown:
        return "markup from the case is live in Markdown"
    flat = re.sub(r"[\s│╭╮╰╯─]", "", screen.getvalue())  # the screen without its folding and frames
    for text in (result.case_id, tumor):  # an id that failed validation is rightly not echoed
        if (
            isinstance(text, str)
            and text.startswith("[")
            and "]" in text
            and re.sub(r"\s", "", text) not in flat
        ):
            return "rich markup from the case was interpreted"
    cells = [result.case_id or "", tumor or ""]
    (row,) = list(csv.reader(io.StringIO(csv_line(cells), newline="")))
    if len(row) != 2 or any(cell.startswith(("=", "+", "-", "@")) for cell in row):
        return "a CSV row was split or starts a cell with a formula"
    return None


def in_process(lines: list[bytes], report: Report) -> list[tuple[str, Any, dict[str, Any] | None]]:
    """Evaluate every input in-process; returns (mode, value, English result) for the comparison."""
    out: list[tuple[str, Any, dict[str, Any] | None]] = []
    for number, line in enumerate(lines, 1):
        mode, value = decode(line)
        if mode == "duplicate":  # refused by the reader: nothing to evaluate
            report.statuses["invalid"] += 1
            out.append((mode, value, None))
            continue
        if mode == "none":
            value = line.decode("utf-8", "surrogateescape")  # junk that is not JSON: still a value
        lang = "en" if number % 2 else "zh"
        try:
            result = evaluate(value, lang)  # type: ignore[arg-type]
            data = result.to_dict()
            if isinstance(value, dict) and any(
                isinstance(value.get(k), str) and any(p in value[k] for p in PAYLOADS)
                for k in ("id", "tumor_type")
            ):
                report.displays += 1
                shown_problem = display_problem(result, value, lang)
                if shown_problem:
                    report.crash("case text not shown literally", f"line {number}: {shown_problem}")
        except Exception as exc:
            report.crash("evaluate raised", f"line {number}: {type(exc).__name__}: {str(exc)[:150]}")
            out.append((mode, value, None))
            continue
        problem = contract_problem(data)
        if problem:
            report.crash("evaluate broke the contract", f"line {number}: {problem}")
        report.statuses[data["status"]] += 1
        english = data if lang == "en" else None
        out.append((mode, value, english))
    return out


def through_batch(path: Path, lines: list[bytes], evaluated: list[Any], report: Report) -> None:
    """One batch run over all inputs; one contract line per input, in order, named correctly."""
    output = path.with_suffix(".results.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "batch", str(path), "--input-format", "jsonl",
         "--format", "jsonl", "-o", str(output), "-q", "--lang", "en"],
        capture_output=True, text=True, cwd=str(PROJECT), check=False,
    )  # fmt: skip
    if done.returncode not in (0, 3, 4) or done.stderr:
        report.crash("batch failed", f"exit {done.returncode}: {done.stderr.strip()[:300]}")
    results = output.read_bytes().split(b"\n") if output.exists() else [b""]
    if results.pop() != b"":
        report.crash("batch output", "the last line has no newline")
    if len(results) != len(lines):
        kind = "missing result lines" if len(results) < len(lines) else "extra result lines"
        report.crashes[kind] += abs(len(lines) - len(results))
        if len(report.examples) < SHOWN_PROBLEMS:
            report.examples.append(f"{kind}: {len(results)} results for {len(lines)} inputs")
    for number, (line, raw, (mode, value, english)) in enumerate(
        zip(lines, results, evaluated, strict=False), 1
    ):
        try:
            data = json.loads(raw)
        except ValueError as exc:
            report.crash("batch line not JSON", f"line {number}: {exc}")
            continue
        problem = contract_problem(data)
        if problem:
            report.crash("batch broke the contract", f"line {number}: {problem}")
            continue
        where = f"{path}:{number}"
        oversized = len(line) > MAX_RECORD_BYTES
        comparable = mode == "strict" and not oversized
        if comparable and english is not None and data["status"] != english["status"]:
            report.crash(
                "status differs", f"line {number}: batch {data['status']}, evaluate {english['status']}"
            )
        if mode == "duplicate" and not oversized and not any(e["field"] == value for e in data["errors"]):
            report.crash("a key given twice was not refused", f"line {number}: {value!r}")
        expected = own_id(value) if mode in ("strict", "lenient") and not oversized else None
        failed_id = any(e["field"] == "id" for e in data["errors"])
        allowed = {where} if expected is None or failed_id else {expected}
        if mode == "lenient" and expected is not None:
            allowed = {where, expected}  # not UTF-8: its id is readable only leniently
        if data["case_id"] not in allowed:
            report.crash("misnamed result", f"line {number}: {data['case_id']!r} not in {sorted(allowed)}")
        if comparable and english is not None and {**data, "case_id": None} != {**english, "case_id": None}:
            report.mismatches += 1
            if len(report.examples) < SHOWN_PROBLEMS:
                report.examples.append(f"batch != evaluate: line {number}: {line[:120]!r}")


# --- FHIR Bundles with planted identifiers, and the service's bodies ------------------------------


def identifier_said(text: str, plants: list[Plant], where: str, report: Report) -> None:
    """A crash for each planted identifier `text` says in any spelling, or whose id it says."""
    lowered = text.lower()
    for plant in plants:
        found = leaked(text, plant.forms)
        if found or plant.resource_id.lower() in lowered:
            report.crash(
                f"identifier said ({where})", f"{plant.resource_id!r} for {plant.place}: {sorted(found)}"
            )


def through_import(bundles: list[tuple[dict[str, Any], list[Plant]]], report: Report) -> None:
    """Each Bundle through the import: a case (and notes in both languages) or one FHIR error."""
    for value, plants in bundles:
        report.planted += len(plants)
        try:
            result = case_from_bundle(value, today=TODAY)
            said = derived_json(result.answers, result.sources) + "\n".join(
                n.text("en") + n.text("zh") for n in result.notes
            )
            report.imported["case"] += 1
        except FhirError as exc:
            said = exc.message("en") + "\n" + exc.message("zh")
            report.imported["one FHIR error"] += 1
        except Exception as exc:  # any other exception is the finding
            report.crash("import raised", f"{type(exc).__name__}: {str(exc)[:150]}")
            continue
        identifier_said(said, plants, "import", report)


def through_fhir_batch(path: Path, bundles: list[tuple[dict[str, Any], list[Plant]]], report: Report) -> None:
    """All Bundles through one `batch --input-format fhir`: a result per Bundle, nothing said."""
    path.write_text("".join(json.dumps(value) + "\n" for value, _ in bundles), encoding="utf-8")
    output = path.with_suffix(".results.jsonl")
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "batch", str(path), "--input-format", "fhir",
         "--format", "jsonl", "-o", str(output), "-q", "--lang", "en"],
        capture_output=True, text=True, cwd=str(PROJECT), check=False,
    )  # fmt: skip
    if done.returncode not in (0, 3, 4) or "Traceback" in done.stderr:
        report.crash("FHIR batch failed", f"exit {done.returncode}: {done.stderr.strip()[:300]}")
    results = output.read_text(encoding="utf-8").splitlines() if output.exists() else []
    if len(results) != len(bundles):
        report.crash("FHIR batch results", f"{len(results)} results for {len(bundles)} Bundles")
    for line, (_, plants) in zip(results, bundles, strict=False):
        data = json.loads(line)
        sources = data.pop("sources", {})  # the additive key of a FHIR case's result, last
        problem = contract_problem(data) or (None if isinstance(sources, dict) else "sources not an object")
        if problem:
            report.crash("FHIR batch broke the contract", problem)
        identifier_said(line, plants, "batch", report)
    identifier_said(done.stderr, [p for _, plants in bundles for p in plants], "batch stderr", report)


class _Lines(logging.Handler):
    """Keeps the service's log lines, formatted as the server writes them."""

    def __init__(self) -> None:
        from ntrk_advisor.service.logs import JsonFormatter

        super().__init__(logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


class Service:
    """The CDS Hooks service's real ASGI application, called in-process (no token check)."""

    def __init__(self, folder: Path) -> None:
        from ntrk_advisor.service.logs import LOGGER
        from tests.service.helpers import make_client

        self.client = make_client(folder, None)
        self.log = _Lines()
        logger = logging.getLogger(LOGGER)
        logger.handlers = [self.log]
        logger.setLevel(logging.INFO)
        logger.propagate = False

    def send(self, method: str, path: str, body: bytes, content_type: str, report: Report) -> tuple[int, str]:
        """One request; its status and text (with the log lines it wrote), crashes counted."""
        self.log.lines.clear()
        try:
            response = self.client.request(method, path, content=body, headers={"Content-Type": content_type})
        except Exception as exc:  # the application raised past its own error handling
            report.crash("service raised", f"{method} {path}: {type(exc).__name__}: {str(exc)[:150]}")
            return 0, ""
        report.http[response.status_code] += 1
        text = response.text + "\n" + "\n".join(self.log.lines)
        if response.status_code >= 500:
            report.crash("service 5xx", f"{method} {path}: {response.status_code} {response.text[:150]}")
        if "Traceback" in text or any('"internal_error"' in line for line in self.log.lines):
            report.crash("service traceback", f"{method} {path}: {text[:200]}")
        return response.status_code, text

    def call(self, call: tuple[str, Any], plants: list[Plant], report: Report) -> None:
        """A hook call with a planted prefetch: its cards and log lines say no identifier."""
        path, body = call
        _, text = self.send("POST", path, json.dumps(body).encode(), "application/json", report)
        identifier_said(text, in_prefetch(plants), "service", report)

    def random_call(
        self, generator: Generator, bundles: list[tuple[dict[str, Any], list[Plant]]], report: Report
    ) -> None:
        """A random body to a random endpoint: mutated planted calls, junk, feedback, bytes."""
        rng = generator.rng
        roll = rng.random()
        path = rng.choice([f"{SERVICES}/ntrk-patient-view", f"{SERVICES}/ntrk-order-select"])
        plants: list[Plant] = []
        if roll < 0.4 and bundles:
            value, plants = rng.choice(bundles)
            path, body = generator.hook_body(value)
            for _ in range(rng.randint(0, 2)):  # a mutation that never takes a planted value away
                context = body.get("context")
                extension = context.get("extension") if isinstance(context, dict) else None
                ours = extension.get("ntrk-advisor") if isinstance(extension, dict) else None
                where = rng.choice([d for d in (body, context, ours) if isinstance(d, dict)])
                where[rng.choice([*where, generator.text(6)])] = generator.json_value(1)
            data = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
        elif roll < 0.6:
            body = {"hook": rng.choice(["patient-view", "order-select", generator.text(8)]),
                    "hookInstance": str(uuid.UUID(int=rng.getrandbits(128))),
                    "context": generator.json_value(1), "prefetch": generator.json_value(1)}  # fmt: skip
            data = json.dumps(body, allow_nan=True).encode("utf-8", "surrogatepass")
        elif roll < 0.7:
            path += "/feedback"
            data = json.dumps(generator.feedback_body(), allow_nan=True).encode("utf-8", "surrogatepass")
        elif roll < 0.85:
            data = json.dumps(generator.json_value(), allow_nan=True).encode("utf-8", "surrogatepass")
        else:
            data = generator.random_bytes()
        method = "POST" if rng.random() < 0.95 else rng.choice(["GET", "PUT", "DELETE"])
        if rng.random() < 0.05:
            path = rng.choice(
                [SERVICES, f"{SERVICES}/{quote(generator.text(8), errors='surrogatepass')}", f"{path}/x"]
            )
        content_type = (
            "application/json"
            if rng.random() < 0.95
            else rng.choice(["text/plain", "", "application/fhir+json"])
        )
        _, text = self.send(method, path, data, content_type, report)
        identifier_said(text, in_prefetch(plants), "service", report)


def in_prefetch(plants: list[Plant]) -> list[Plant]:
    """The plants a prefetch carries: a prefetch has no Bundle identifier (its record lacks that value)."""
    return [p for p in plants if p.place != "Bundle.identifier"]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000, help="number of inputs (default 100000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--bodies", type=int, help="CDS Hooks request bodies (default count / 20)")
    parser.add_argument(
        "--bundles", type=int, help="FHIR Bundles with planted identifiers (default count / 20)"
    )
    args = parser.parse_args()
    bodies = args.count // 20 if args.bodies is None else args.bodies
    bundles = args.count // 20 if args.bundles is None else args.bundles

    started = time.perf_counter()
    generator = Generator(args.seed)
    lines = [generator.line(i, args.count) for i in range(args.count)]
    report = Report()
    evaluated = in_process(lines, report)
    with tempfile.TemporaryDirectory(prefix="ntrk-fuzz-") as folder:
        path = Path(folder) / "inputs.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        through_batch(path, lines, evaluated, report)
        planted_bundles = [generator.planted_bundle(n) for n in range(bundles)]
        through_import(planted_bundles, report)
        through_fhir_batch(Path(folder) / "bundles.jsonl", planted_bundles, report)
        service = Service(Path(folder))
        for bundle, plants in planted_bundles:
            service.call(generator.hook_body(bundle), plants, report)
        for _ in range(bodies):
            service.random_call(generator, planted_bundles, report)
    seconds = time.perf_counter() - started

    crashes = sum(report.crashes.values())
    print(
        f"inputs: {len(lines)}, crashes: {crashes}, invalid: {report.statuses['invalid']}, "
        f"incomplete: {report.statuses['incomplete']}, complete: {report.statuses['complete']}, "
        f"seconds: {seconds:.1f}"
    )
    print(
        f"seed: {args.seed}, batch != evaluate: {report.mismatches}, crashes by kind: {dict(report.crashes)}"
    )
    print(
        f"case texts with markup, escapes or formulas rendered to screen, Markdown and CSV: {report.displays}"
    )
    print(
        f"FHIR Bundles with planted identifiers: {bundles} ({report.planted} planted ids; import: "
        f"{dict(report.imported)}), through import, batch and the service"
    )
    print(f"service calls: {sum(report.http.values())}, by status: {dict(sorted(report.http.items()))}")
    for example in report.examples:
        print(f"  {example}".encode("utf-8", "backslashreplace").decode())
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
