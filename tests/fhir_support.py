"""Shared helpers of the FHIR tests: the fixtures, their goldens, the sentinel identifiers, and
identifiers planted in a record and reused as resource ids, with the check that none is said."""

from __future__ import annotations

import copy
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from ntrk_advisor.fhir.privacy import date_forms, fold

ROOT = Path(__file__).resolve().parent
FIXTURES = ROOT / "fixtures" / "fhir"
EXPECTED = ROOT / "expected" / "fhir"
TODAY = date(2026, 12, 1)
"""The date the tests import at (the golden of a Bundle without timestamp depends on it)."""
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
NEVER_CONFIRMED = ("ros1-fusion", "etv6-runx1", "ihc-only", "ntrk-point-mutation")
"""Fixtures of another gene's fusion, IHC alone or an NTRK point mutation."""
SENTINEL = "sentinel"
"""Every identifying value planted in sentinels.json contains this word (any case)."""


def bundle(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture Bundle."""
    return copy.deepcopy(_load(name))


_CACHE: dict[str, Any] = {}


def _load(name: str) -> Any:
    if name not in _CACHE:
        _CACHE[name] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return _CACHE[name]


def expected(name: str) -> dict[str, Any]:
    """The hand-written golden derived case (answers and `sources`) of a fixture."""
    data: dict[str, Any] = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    return data


# --- identifiers written another way (the security review's R1 forms) ----------------------------

PLANT_BASE = "etv6-ntrk3"
"""The fixture the planted Bundles start from: its variant Observation is copied once per form,
each copy with the form's id, so every copy is a source of `fusion_status`."""


@dataclass(frozen=True)
class Plant:
    """A resource id holding an identifier the record holds, written another way."""

    resource_id: str
    """The id of the source resource (an Observation copy)."""
    place: str
    """Where the record holds the identifier: a key of `PLACES`."""
    value: str
    """The identifier as the record writes it."""

    @property
    def forms(self) -> set[str]:
        """What must never be said, folded: the value, its words and, for a date, every order."""
        return said_forms(self.value)


def said_forms(value: str) -> set[str]:
    """The folded forms of a planted value that no output may hold: the whole value, a date in
    every order, an email's local part, and its words of five characters or more."""
    dates = date_forms(value)
    forms = {fold(value), *dates}
    if not dates:
        forms.update(fold(w) for w in re.findall(r"\w{5,}", unicodedata.normalize("NFKC", value)))
    if "@" in value:
        forms.add(fold(value.split("@", 1)[0]))
    return {f for f in forms if len(f) >= 4 and f not in SAFE_WORDS}


SAFE_WORDS = frozenset({"example", "org", "mailto"})
"""Words of a planted email or address that outputs may say for other reasons."""


def _patient(b: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = b["entry"][0]["resource"]
    return found


def _observation(b: dict[str, Any], resource_id: str) -> dict[str, Any]:
    return next(e["resource"] for e in b["entry"] if e["resource"].get("id") == resource_id)


def _specimen(b: dict[str, Any], rid: str, value: str) -> None:
    specimen_id = f"spec-{len(b['entry'])}"
    b["entry"].append(
        {
            "resource": {
                "resourceType": "Specimen",
                "id": specimen_id,
                "accessionIdentifier": {"system": "https://lab.example.org/accession", "value": value},
                "subject": {"reference": "Patient/pat-ifs"},
            }
        }
    )
    _observation(b, rid)["specimen"] = {"reference": f"Specimen/{specimen_id}"}


def _contained(b: dict[str, Any], rid: str, value: str) -> None:
    observation = _observation(b, rid)
    observation.setdefault("contained", []).append(
        {"resourceType": "Patient", "id": "p", "identifier": [{"value": value}], "name": [{"text": value}]}
    )


PLACES: dict[str, Callable[[dict[str, Any], str, str], None]] = {
    "ssn": lambda b, rid, v: (
        _patient(b)
        .setdefault("identifier", [])
        .append({"system": "http://hl7.org/fhir/sid/us-ssn", "value": v})
    ),
    "mrn": lambda b, rid, v: (
        _patient(b)
        .setdefault("identifier", [])
        .append({"system": "https://hospital.example.org/mrn", "value": v})
    ),
    "phone": lambda b, rid, v: _patient(b).setdefault("telecom", []).append({"system": "phone", "value": v}),
    "email": lambda b, rid, v: _patient(b).setdefault("telecom", []).append({"system": "email", "value": v}),
    "birthDate": lambda b, rid, v: _patient(b).update(birthDate=v),
    "given": lambda b, rid, v: _patient(b).setdefault("name", [{}])[0].update(given=[v]),
    "family": lambda b, rid, v: _patient(b).setdefault("name", [{}])[0].update(family=v),
    "address": lambda b, rid, v: _patient(b).setdefault("address", []).append({"line": [v]}),
    "subject.identifier": lambda b, rid, v: _observation(b, rid)["subject"].update(
        identifier={"system": "https://other.example.org/mrn", "value": v}
    ),
    "accessionIdentifier": _specimen,
    "contained Patient": _contained,
    "Bundle.identifier": lambda b, rid, v: b.update(
        identifier={"system": "https://x.example.org", "value": v}
    ),
}
"""Where a record holds an identifier: each plants a value (for the copy with id `rid`)."""

REVIEW_FORMS = (
    Plant("ssn-123-45-6789", "ssn", "123456789"),
    Plant("a773-0021", "mrn", "A7730021"),
    Plant("p555.0199", "phone", "555-0199"),
    Plant("dob.14.03.2026", "birthDate", "2026-03-14"),
    Plant("jose-lab", "given", "José"),
    Plant("smith-lab", "family", "Ｓｍｉｔｈ"),
    Plant("jd1980", "email", "jd1980@example.org"),
    Plant("zx9q-77", "subject.identifier", "ZX9Q77"),
    Plant("acc-S26-0417", "accessionIdentifier", "S26-0417"),
)
"""The nine ids of the review that reached every output, each with what the record holds."""


def planted(plants: Iterable[Plant]) -> dict[str, Any]:
    """The base fixture with one copy of its variant Observation per plant, its identifier planted."""
    value = bundle(PLANT_BASE)
    variant = next(e for e in value["entry"] if e["resource"]["resourceType"] == "Observation")
    value["entry"].remove(variant)
    for plant in plants:
        copy_of = copy.deepcopy(variant)
        copy_of["resource"]["id"] = plant.resource_id
        copy_of["fullUrl"] = f"https://fhir.example.org/Observation/{plant.resource_id}"
        value["entry"].append(copy_of)
        PLACES[plant.place](value, plant.resource_id, plant.value)
    return value


def strings_said(text: str) -> list[str]:
    """Every string an output says: the strings of its JSON (one document, or one per line), else
    its lines; hashes (`#` and 12 hex digits, `fhir-` and 16) are taken out first."""
    text = re.sub(r"#[0-9a-f]{12}\b|fhir-[0-9a-f]{16}\b", "", text)
    found: list[str] = []
    for chunk in [text, *text.splitlines()]:
        try:
            _strings(json.loads(chunk), found)
        except ValueError:
            if chunk is not text:
                found.append(chunk)
        else:
            if chunk is text:
                return found
    return found


def _strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            out.append(str(key))
            if not _own(key, item):
                _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)


def _own(key: str, value: Any) -> bool:
    """Values the tool makes itself, at random or from the clock: a card's `uuid`, and a log line's
    `time` and card ids (a random digit string can hold six digits of a date by chance)."""
    return key in ("uuid", "time") or (
        key == "cards" and isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


def leaked(text: str, forms: Iterable[str]) -> set[str]:
    """The folded forms that an output says, in any spelling (folded string by string).

    A form the tool's own texts hold (`tool_texts`: a reference's PMID, the knowledge's dates) is
    not the input's, and is left out: a date of birth of 2015-01-26 is also `260115`, which the
    knowledge's source date 2026-01-15 holds.
    """
    said = [fold(s) for s in strings_said(text)]
    return {f for f in forms if f not in tool_texts() and any(f in s for s in said)}


@cache
def tool_texts() -> str:
    """Everything the tool can say without being told, folded: the pathway files and the texts."""
    package = ROOT.parent / "ntrk_advisor"
    files = [
        *sorted((ROOT.parent / "pathways").rglob("*.yaml")),
        package / "i18n.py",
        package / "fhir" / "tables.json",
    ]
    return "\n".join(fold(path.read_text(encoding="utf-8")) for path in files)


# --- identifiers written another way, generated (the property tests and benchmarks/fuzz.py) ------

Pick = Callable[[Sequence[Any]], Any]
"""Picks one of the options: `random.Random.choice`, or a Hypothesis draw (`st.sampled_from`)."""

NAMES_WRITTEN = ("José", "Ｓｍｉｔｈ", "Zoë", "Müller", "Ångström", "Nguyễn", "François", "Dvořák", "Øster")
FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
HEX = "0123456789abcdef"


def identifier_at(place: str, pick: Pick) -> str:
    """An identifier the record could hold at `place` (a key of `PLACES`), as the record writes it."""
    digits = "".join(pick("0123456789") for _ in range(9))
    if place == "birthDate":
        return date.fromordinal(
            pick(range(date(1930, 1, 1).toordinal(), date(2025, 12, 31).toordinal()))
        ).isoformat()
    if place in ("given", "family"):
        return str(pick(NAMES_WRITTEN))
    if place == "email":
        letters = "".join(pick("abcdefghijklmnopqrstuvwxyz") for _ in range(pick(range(2, 6))))
        return f"{letters}{digits[: pick(range(2, 5))]}@example.org"
    if place == "phone":
        n = digits
        return str(pick([f"+1 ({n[:3]}) {n[3:6]}-{n[6:]}", f"{n[3:6]}-{n[6:]}", n]))
    if place == "ssn":
        return str(pick([digits, f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"]))
    letters = "".join(pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(pick(range(4))))
    return letters + digits[: pick(range(6, 10))]


def written_another_way(value: str, pick: Pick) -> str:
    """`value` as a resource id: its characters (a date in another order) with separators, case,
    width and accents changed, and words around it; or its hex digits hidden in a version 4 UUID."""
    forms = date_forms(value)
    core = str(pick(forms)) if forms else value
    if pick(range(4)) == 0 and all(c in HEX for c in fold(core)):
        hidden = fold(core)[:26]
        noise = "".join(pick(HEX) for _ in range(32))
        at = pick(range(17, 33 - len(hidden))) if len(hidden) <= 15 else 32 - len(hidden)
        text = noise[:at] + hidden + noise[at + len(hidden) :]
        text = text[:12] + "4" + text[13:16] + "a" + text[17:]
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    out = []
    for ch in unicodedata.normalize(pick(["NFC", "NFD"]), core):
        wide = FULLWIDTH.get(ch, ch) if pick(range(5)) == 0 else ch
        out.append(pick([wide.lower(), wide.upper()]))
        out.append(pick(["", "", "", "-", ".", "_", " ", "/"]))
    if pick([True, False]) and fold(core) != core.lower():
        out = list(fold(core))  # the accents and separators dropped
    return (
        str(pick(["", "obs-", "lab.", "ngs_", "x"]))
        + "".join(out)
        + str(pick(["", "-lab", ".v2", "-ngs", "1"]))
    )


def split_into_prefetch(bundle: dict[str, Any]) -> dict[str, Any]:
    """A Bundle as an EHR would prefetch it: the Patient read, the rest as searchsets by type."""
    resources = [e["resource"] for e in bundle["entry"]]
    keys = {"Observation": "observations", "Condition": "conditions"}
    prefetch: dict[str, Any] = {"patient": None, "observations": None}
    for resource in resources:
        if resource["resourceType"] == "Patient":
            prefetch["patient"] = resource
            continue
        key = keys.get(resource["resourceType"], "medications")
        searchset = prefetch.get(key) or {"resourceType": "Bundle", "type": "searchset", "entry": []}
        searchset["entry"].append(
            {
                "fullUrl": f"https://fhir.example.org/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
        )
        prefetch[key] = searchset
    return prefetch
