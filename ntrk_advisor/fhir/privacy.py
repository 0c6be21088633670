"""What of a Bundle may leave the import: hashed ids, and resource references that identify no one.

- The case `id` is `fhir-` and 16 hex digits of the SHA-256 of `Bundle.identifier` as
  `system|value`, unless the caller gives one. A hash hides an identifier from a reader, but it is
  not anonymisation: a short identifier can be found again by hashing every candidate. Give your
  own `--id` when cases leave the institution.
- A source names a resource as `Observation/<id>`. The id is shown as it is only when it is a
  UUID, or has a letter, no run of five or more digits (a record number, a date) and does not
  contain any identifier, name, telecom, address or birth date of the Patient; otherwise it is
  shown hashed, `Observation/#<12 hex digits>`. A resource without an id is named by its place,
  `Bundle.entry[3]`. The Patient is never named at all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_DIGITS = re.compile(r"\d{5,}")
_LETTER = re.compile(r"[A-Za-z]")
_SHORTEST_SECRET = 3


def short_hash(text: str, length: int = 16) -> str:
    """The first `length` hex digits of the SHA-256 of `text`."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def case_id_of(system: str, value: str) -> str:
    """The case id for a Bundle identifier: `fhir-` and 16 hex digits of its hash."""
    return f"fhir-{short_hash(f'{system}|{value}')}"


def patient_secrets(patient: dict[str, Any]) -> frozenset[str]:
    """Every string of the Patient that could identify them, lowercased, for `Redactor`."""
    found: list[str] = []
    _strings(patient, found, depth=0)
    return frozenset(s.strip().lower() for s in found if len(s.strip()) >= _SHORTEST_SECRET)


def _strings(value: Any, out: list[str], depth: int) -> None:
    # The Patient resource is small and already checked for depth (bundle.check_shape).
    if isinstance(value, str):
        out.append(value)
        for part in re.split(r"[\s,/|]+", value):
            out.append(part)
    elif isinstance(value, dict) and depth < 64:
        for key, item in value.items():
            if key not in ("resourceType", "meta", "text", "gender", "active", "deceasedBoolean"):
                _strings(item, out, depth + 1)
    elif isinstance(value, list) and depth < 64:
        for item in value:
            _strings(item, out, depth + 1)


class Redactor:
    """Names resources for the sources and notes without naming the patient."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = frozenset(secrets)

    def safe_id(self, resource_id: str) -> bool:
        """Whether an id may be shown as it is (see the module's rule)."""
        if _UUID.fullmatch(resource_id):
            return not any(s == resource_id.lower() for s in self.secrets)
        if not _FHIR_ID.fullmatch(resource_id) or not _LETTER.search(resource_id):
            return False
        if _DIGITS.search(resource_id):
            return False
        lowered = resource_id.lower()
        return not any(secret in lowered for secret in self.secrets)

    def reference(self, resource_type: str, resource_id: str | None, index: int) -> str:
        """`Observation/<id>`, `Observation/#<hash>`, or `Bundle.entry[<index>]` without an id."""
        if not resource_id:
            return f"Bundle.entry[{index}]"
        if self.safe_id(resource_id):
            return f"{resource_type}/{resource_id}"
        return f"{resource_type}/#{short_hash(resource_id, 12)}"
