"""What of a Bundle may leave the import: hashed ids, and resource references that identify no one.

- The case `id` is `fhir-` and 16 hex digits of the SHA-256 of `Bundle.identifier` as
  `system|value`, unless the caller gives one. A hash hides an identifier from a reader, but it is
  not anonymisation: a short identifier can be found again by hashing every candidate. Give your
  own `--id` when cases leave the institution.
- A source names a resource as `Observation/<id>`. A resource id is whatever the system that
  wrote the record chose, and systems build ids from record numbers, dates, names and phone
  numbers, written in any way (`ssn-123-45-6789`, `dob.14.03.2026`, `smith-lab`). No rule on the
  characters of such an id can tell that it holds none, so an id is shown as it is only when it is
  a random UUID, which is made from nothing about the patient (`shown`); every other id is shown
  hashed, `Observation/#<12 hex digits>`. A resource without an id is named by its place,
  `Bundle.entry[3]`. The Patient is never named at all.
- "A random UUID" means: version 4 and the RFC 9562 variant, and, because anyone can write an id
  in that form, none of the record's identifying values in it (`record_values`: everything in the
  Patient, contained Patients and related persons; every `identifier`, `accessionIdentifier`,
  `telecom`, `subject` and `patient` on any resource; the Bundle's identifier; every date of the
  Bundle in the usual orders), compared after `fold` and piece by piece (six characters in a row
  of a value; values of four or five characters whole), and nothing that shows it was written by
  hand: a digit five times in a row or ten times in all (padding around a planted number), or
  fewer than three of the letters a-f (a number dressed as a UUID). A random UUID fails these by
  chance about once in a thousand and is then hashed, which is safe.
- The hash is an HMAC keyed with the identifying values of the resources (`RecordValues.key`).
  An unkeyed hash of `dob.14.03.2026` is undone by hashing the 36,500 dates of a century; with
  the key, a reader needs every identifying value of the record, spelled exactly as it is
  there, before hashing a single candidate. The same record gives the same hashes, so batch,
  consult, the service's prefetch and a replayed derived case agree.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

_UUID4 = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.ASCII | re.IGNORECASE
)
_PADDING = re.compile(r"(.)\1{4}")
_MOST_OF_ONE_DIGIT = 9
_FEWEST_LETTERS = 3
_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?(?:T[0-9:.+\-Z]*)?", re.ASCII)
_HEX_RUN = re.compile(r"[0-9a-f]+", re.ASCII)
_DIGIT_RUN = re.compile(r"[0-9]+", re.ASCII)
_WORD = re.compile(r"\w+")
PIECE = 6
"""Six characters in a row of a record value inside an id is a match (a date's six-digit form)."""
_SHORTEST = 4
_PERSONS = frozenset({"Patient", "RelatedPerson", "Person"})
"""Resources about a person: every value in them counts (contained Patients included)."""
_IDENTIFYING = frozenset({"identifier", "accessionIdentifier", "telecom", "subject", "patient"})
"""Elements that identify the patient on any resource (a Reference's identifier and display)."""
_NEVER = frozenset({"resourceType", "meta", "system", "url", "coding"})
"""Elements that hold no value of the patient (codes of a terminology, where a value is defined):
read neither for values nor for dates."""
_MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july")
_MONTHS += ("august", "september", "october", "november", "december")


def short_hash(text: str, length: int = 16) -> str:
    """The first `length` hex digits of the SHA-256 of `text`."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def case_id_of(system: str, value: str) -> str:
    """The case id for a Bundle identifier: `fhir-` and 16 hex digits of its hash."""
    return f"fhir-{short_hash(f'{system}|{value}')}"


def fold(text: str) -> str:
    """`text` as it is compared with record values: only its letters and digits, folded.

    NFKC, case folding, accents stripped (NFKD, combining marks dropped) and every separator
    removed, so `Ｓｍｉｔｈ`, `José`, `555-0199` and `A77-30021` compare as `smith`, `jose`,
    `5550199` and `a7730021`.
    """
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def date_forms(value: str) -> list[str]:
    """A FHIR date or dateTime in the orders people write it, folded.

    2026-03-14 gives 20260314, 14032026, 03142026, 20261403, 260314, 140326, 031426, 1432026,
    3142026, 14mar2026, 14march2026, mar142026 and so on (only forms of at least `PIECE`
    characters); a year alone gives none.
    """
    match = _DATE.fullmatch(value)
    if match is None:
        return []
    year, month, day = match.groups()
    if month is None or not "01" <= month <= "12":
        return []
    yy, m1 = year[2:], str(int(month))
    names = (_MONTHS[int(month) - 1], _MONTHS[int(month) - 1][:3])
    if day is None:
        forms = [year + month, month + year, m1 + year, year + m1, *(n + year for n in names)]
    else:
        d1 = str(int(day))
        forms = [
            *(a + b + c for a, b, c in ((year, month, day), (day, month, year), (month, day, year))),
            *(a + b + c for a, b, c in ((year, day, month), (yy, month, day), (day, month, yy))),
            *(a + b + c for a, b, c in ((month, day, yy), (d1, m1, year), (m1, d1, year))),
            *(a + b + c for a, b, c in ((year, m1, d1), (d1, m1, yy), (m1, d1, yy))),
            *(f for n in names for f in (day + n + year, d1 + n + year, n + day + year, year + n + day)),
        ]
    return [f for f in dict.fromkeys(forms) if len(f) >= PIECE]


class RecordValues:
    """The values of a record that could identify the patient, as `shown` compares ids with them.

    Only a UUID can be shown, and a folded UUID is 32 hex digits, so only the hex runs of the
    folded values matter: each run of `PIECE` or more gives every `PIECE`-character piece (kept as
    bits of a 2 MiB table, so a record of any size costs the same memory), and a value of four or
    five hex digits is kept whole (three are too few to tell from chance).
    """

    def __init__(self, identifying: Iterable[str] = (), others: Iterable[str] = ()) -> None:
        self.identifying = frozenset(identifying)
        """The strings of the identifying elements of the resources: the hash's key."""
        self.others = frozenset(others)
        """Strings compared but outside the key (the Bundle's identifier, every date)."""
        self._pieces: bytearray | None = None
        self._short: set[str] = set()

    @property
    def key(self) -> bytes:
        """The key of the resource id hash: every identifying string of the resources, in order."""
        return hashlib.sha256("\x00".join(sorted(self.identifying)).encode("utf-8", "surrogatepass")).digest()

    def _index(self) -> bytearray:
        if self._pieces is None:
            self._pieces = bytearray(16**PIECE // 8)
            for value in self.identifying | self.others:
                for form in {fold(value), *date_forms(value), *_parts(value)}:
                    self._add(form)
        return self._pieces

    def _add(self, form: str) -> None:
        assert self._pieces is not None
        if _SHORTEST <= len(form) < PIECE and _HEX_RUN.fullmatch(form):
            self._short.add(form)
        for run in _HEX_RUN.findall(form):
            for start in range(len(run) - PIECE + 1):
                bit = int(run[start : start + PIECE], 16)
                self._pieces[bit >> 3] |= 1 << (bit & 7)

    def found_in(self, folded: str) -> bool:
        """Whether a folded hex string holds a record value or `PIECE` characters of one."""
        pieces = self._index()
        for start in range(len(folded) - PIECE + 1):
            bit = int(folded[start : start + PIECE], 16)
            if pieces[bit >> 3] & (1 << (bit & 7)):
                return True
        return any(
            folded[start : start + size] in self._short
            for size in range(_SHORTEST, PIECE)
            for start in range(len(folded) - size + 1)
        )


def _parts(value: str) -> list[str]:
    """The words and digit runs of a value, folded, for values shorter than `PIECE` in a longer one.

    `José Smith` gives `jose` and `smith`; `SENTINELMRN4417` gives `4417`.
    """
    words = [fold(w) for w in _WORD.findall(unicodedata.normalize("NFKC", value))]
    return [*words, *(run for w in words for run in _DIGIT_RUN.findall(w))]


def record_values(bundle: dict[str, Any]) -> RecordValues:
    """The identifying values of a checked Bundle (see the module's rule for which).

    The walk is iterative: `bundle.check_shape` has bounded the depth and the count already.
    """
    identifying: list[str] = []
    others: list[str] = []
    stack: list[tuple[Any, bool]] = []
    for entry in bundle.get("entry") or []:
        if isinstance(entry, dict):
            stack.append((entry.get("resource"), False))
    given = bundle.get("identifier")
    if isinstance(given, dict) and isinstance(given.get("value"), str):
        others.append(given["value"])
    while stack:
        item, inside = stack.pop()
        if isinstance(item, str):
            if inside:
                identifying.append(item)
            elif _DATE.fullmatch(item):
                others.append(item)
        elif isinstance(item, dict):
            kind = item.get("resourceType")
            inside = inside or (isinstance(kind, str) and kind in _PERSONS)
            for key, value in item.items():
                if key in _NEVER or (key == "text" and isinstance(value, dict)):  # narrative
                    continue
                stack.append((value, inside or key in _IDENTIFYING))
        elif isinstance(item, list):
            stack.extend((value, inside) for value in item)
    return RecordValues(identifying, others)


class Redactor:
    """Names resources for the sources and notes without naming the patient."""

    def __init__(self, values: RecordValues | None = None) -> None:
        self.values = values if values is not None else RecordValues()
        self._key = self.values.key

    def shown(self, resource_id: str) -> bool:
        """Whether an id may be shown as it is: a random UUID holding no record value (module rule)."""
        if not _UUID4.fullmatch(resource_id):
            return False
        digits = resource_id.lower().replace("-", "")
        if (
            _PADDING.search(digits)
            or max(map(digits.count, set(digits))) > _MOST_OF_ONE_DIGIT
            or sum(c in "abcdef" for c in digits) < _FEWEST_LETTERS
        ):
            return False  # written by hand: padding around a number, or a number dressed as a UUID
        return not self.values.found_in(digits)

    def hashed(self, resource_type: str, resource_id: str) -> str:
        """`Observation/#<12 hex digits>`: the id's HMAC-SHA-256, keyed with the record's values."""
        message = f"{resource_type}/{resource_id}".encode("utf-8", "surrogatepass")
        return f"{resource_type}/#{hmac.new(self._key, message, hashlib.sha256).hexdigest()[:12]}"

    def reference(self, resource_type: str, resource_id: str | None, index: int) -> str:
        """`Observation/<uuid>`, `Observation/#<hash>`, or `Bundle.entry[<index>]` without an id."""
        if not resource_id:
            return f"Bundle.entry[{index}]"
        if self.shown(resource_id):
            return f"{resource_type}/{resource_id}"
        return self.hashed(resource_type, resource_id)
