"""Every raw source of answers read into one shape: the answers, where each came from, and notes.

A case reaches the tool in several forms: a case file, a derived case (a case with `sources`, as
`import fhir` writes it), a FHIR Bundle, a CDS Hooks prefetch, command-line flags, a clinician's
answers in a hook call. This module is the one place that tells them apart, reads a Bundle through
the FHIR import at a date the caller gives (its clock, never the calendar), and layers answers
with one rule. It never validates (that is `contract.case.case_from_data`) and never evaluates.

What differs per surface is only how a failure is told: consult exits 2, batch writes an `invalid`
record, the service answers HTTP 422. So `FhirError` and `CaseInvalid` pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ntrk_advisor.contract.case import CASE_FIELDS, SOURCES_KEY
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.files import read_case_file
from ntrk_advisor.i18n import Lang

if TYPE_CHECKING:  # the FHIR import is loaded only for a source that needs it
    from ntrk_advisor.fhir.elements import Note

MAX_SOURCES_PER_FIELD = 100
MAX_SOURCE_LENGTH = 200

MAX_CASE_BYTES = 1_048_576
"""The largest case, derived case or batch record that is not a FHIR Bundle (a case is a few
hundred bytes)."""
MAX_BUNDLE_BYTES = 16 * 1_048_576
"""The largest FHIR Bundle read, however it comes (`consult --case`, `import fhir`, one line or
array item of `batch`): a patient's whole record. Real Synthea R4 records reach 4 MB; this leaves
room for long records while one Bundle, decoded, stays within a few hundred MB of memory. The
service's prefetch is bounded by its request body limit (`serve --max-body-bytes`), below this."""


def may_be_bundle(head: bytes) -> bool:
    """Whether a JSON text whose first bytes are `head` may be a FHIR Bundle (a cheap test)."""
    return b'"resourceType"' in head[:MAX_CASE_BYTES]


def size_limit(head: bytes) -> int:
    """The size limit of a file or record that begins with `head`: a Bundle's, else a case's."""
    return MAX_BUNDLE_BYTES if may_be_bundle(head) else MAX_CASE_BYTES


@dataclass(frozen=True)
class Answers:
    """Raw answers as one source gave them, with the record's resources behind each, and notes.

    `values` is normally a dict of case fields; anything else (a list, a number) is kept as given,
    so that validation names it. `sources` and `notes` are empty unless a record was read.
    """

    values: Any
    sources: Mapping[str, list[str]] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    imported: bool = False
    """Read from a FHIR Bundle or a derived case: the result then carries `sources`."""

    def over(self, *layers: Mapping[str, Any] | None) -> Answers:
        """These answers with later layers over them: the one merge rule of every surface.

        This layer is kept whole (a key given as null is still checked, a misspelt one for
        instance); each later layer's answers win, and a null in a later layer means "not given",
        never "erase". An answer a layer changes loses the record's sources. Answers that are not
        an object cannot take layers: they stay as they are, for validation to refuse.
        """
        if not isinstance(self.values, dict):
            return self
        merged = dict(self.values)
        for layer in layers:
            if layer:
                merged.update({name: value for name, value in layer.items() if value is not None})
        return Answers(merged, self.sources_for(merged), self.notes, self.imported)

    def sources_for(self, answers: Mapping[str, Any]) -> dict[str, list[str]]:
        """The sources of the answers still as the record gave them (a flag or a typed answer has none)."""
        given = self.values if isinstance(self.values, dict) else {}
        return {
            name: list(refs)
            for name, refs in self.sources.items()
            if name in answers and name in given and answers[name] == given[name]
        }


def looks_imported(raw: bytes) -> bool:
    """Whether a JSON text may be a Bundle or a derived case (a cheap test before decoding it)."""
    return b'"resourceType"' in raw or b'"sources"' in raw


def is_imported(value: Any) -> bool:
    """Whether a decoded value is a Bundle or a derived case, and so goes through the FHIR import."""
    return isinstance(value, dict) and ("resourceType" in value or SOURCES_KEY in value)


def read_answers(
    value: Any, *, today: date, case_id: str | None = None, patient_id: str | None = None
) -> Answers:
    """Any decoded source as answers: a Bundle is imported at `today`, a derived case split.

    `case_id` replaces the id the source would give. `patient_id` (a hook call's
    `context.patientId`) is the patient a Bundle must be about: its Patient has that id, and no
    resource refers to another patient. Raises `FhirError` (a Bundle that cannot be
    read, or an object with `resourceType` that is no Bundle) and `CaseInvalid` (a derived case
    whose `sources` is malformed).
    """
    if not is_imported(value):
        if case_id is not None and isinstance(value, dict):
            value = {**value, "id": case_id}
        return Answers(value)
    if "resourceType" in value:
        from ntrk_advisor.fhir.bundle import is_bundle
        from ntrk_advisor.fhir.elements import FhirError
        from ntrk_advisor.fhir.importer import case_from_bundle

        if not is_bundle(value):
            raise FhirError("Bundle.resourceType", "not_bundle")
        imported = case_from_bundle(value, case_id=case_id, today=today, patient_id=patient_id)
        return Answers(imported.answers, imported.sources, imported.notes, imported=True)
    sources = _checked_sources(value[SOURCES_KEY])
    answers = {name: v for name, v in value.items() if name != SOURCES_KEY}
    if case_id is not None:
        answers["id"] = case_id
    return Answers(answers, sources, imported=True)


def read_answers_file(path: Path, *, today: date, lang: Lang, stdin: IO[bytes] | None = None) -> Answers:
    """A case file, derived case or Bundle (`-` is `stdin`) as answers.

    A key given twice is `CaseInvalid` (no answer of such a file can be trusted); a Bundle that
    cannot be read is a `FhirError` naming this file, worded in `lang`.
    """
    value = read_case_file(path, stdin, max_bundle_bytes=MAX_BUNDLE_BYTES)
    if not is_imported(value):
        return Answers(value)
    from ntrk_advisor.fhir.elements import FhirError

    try:
        return read_answers(value, today=today)
    except FhirError as exc:
        raise exc.in_file(str(path), lang) from None


def read_bundle_file(
    path: Path,
    *,
    today: date,
    lang: Lang,
    case_id: str | None = None,
    validate: bool = False,
    stdin: IO[bytes] | None = None,
) -> Answers:
    """A file that must hold a FHIR Bundle, imported (`import fhir`); anything else is a `FhirError`.

    `-` is `stdin`, the command's standard input.

    `validate` checks the Bundle against the FHIR models first (`fhir.validation`, optional).
    """
    from ntrk_advisor.fhir.bundle import is_bundle
    from ntrk_advisor.fhir.elements import FhirError

    try:
        value = read_case_file(path, stdin, max_bundle_bytes=MAX_BUNDLE_BYTES)
    except CaseInvalid as exc:  # a key given twice: which of its values the record meant is unknown
        raise FhirError(f"Bundle.{exc.problems[0][0]}", "duplicate_key").in_file(str(path), lang) from None
    try:
        if not is_bundle(value):
            raise FhirError("Bundle.resourceType", "not_bundle")
        if validate:
            from ntrk_advisor.fhir.validation import validate as check

            check(value)
        return read_answers(value, today=today, case_id=case_id)
    except FhirError as exc:
        raise exc.in_file(str(path), lang) from None


def _checked_sources(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or not all(
        name in CASE_FIELDS
        and isinstance(refs, list)
        and len(refs) <= MAX_SOURCES_PER_FIELD
        and all(isinstance(r, str) and len(r) <= MAX_SOURCE_LENGTH for r in refs)
        for name, refs in value.items()
    ):
        raise CaseInvalid([(SOURCES_KEY, "sources", {})])
    return {name: list(refs) for name, refs in value.items()}
