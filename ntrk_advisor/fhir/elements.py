"""Typed access to the FHIR elements the import reads, and `FhirError`, which names the FHIR path.

Every read goes through these helpers, so an element of the wrong type anywhere the import looks
is one `FhirError` naming its place (`Bundle.entry[3].resource.component[1].code`), never a
traceback. No value from the Bundle is ever put in an error or a note: only paths, counts and the
import's own words (the values could identify the patient).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from ntrk_advisor.errors import AdvisorError
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.i18n import Lang, t


class FhirError(AdvisorError):
    """A Bundle the import cannot read: where (a FHIR path) and why (a key of the `fhir.err.` texts).

    Worded in `lang`, which the flow that reads the Bundle sets; `file` is the file it came from.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, where: str, reason: str, **values: Any) -> None:
        super().__init__(where, reason)
        self.where = where
        self.reason = reason
        self.values = values
        self.file: str | None = None
        self.lang: Lang = "en"

    def in_file(self, file: str, lang: Lang) -> FhirError:
        """This error as read from `file`, worded in `lang` (for the surfaces that read files)."""
        self.file, self.lang = file, lang
        return self

    def message(self, lang: Lang) -> str:
        """The error in `lang`, without the file name."""
        reason = t(f"fhir.err.{self.reason}", lang, **self.values)
        return t("fhir.error", lang, where=self.where, reason=reason)

    def __str__(self) -> str:
        text = self.message(self.lang)
        return f"{self.file}: {text}" if self.file else text


class Note(NamedTuple):
    """Something the reader of a derived case should know: a key of the `fhir.note.` texts."""

    key: str
    values: tuple[tuple[str, str], ...] = ()

    def text(self, lang: Lang) -> str:
        """The note in `lang`."""
        return t(f"fhir.note.{self.key}", lang, **dict(self.values))


def note(key: str, **values: str) -> Note:
    """A `Note` with its values."""
    return Note(key, tuple(values.items()))


def obj(value: Any, where: str) -> dict[str, Any] | None:
    """An object element, or None when absent; anything else is a `FhirError`."""
    if value is None or isinstance(value, dict):
        return value
    raise FhirError(where, "not_object")


def arr(value: Any, where: str) -> list[Any]:
    """An array element ([] when absent); anything else is a `FhirError`."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise FhirError(where, "not_array")


def text(value: Any, where: str) -> str | None:
    """A string element, or None when absent; anything else is a `FhirError`."""
    if value is None or isinstance(value, str):
        return value
    raise FhirError(where, "not_string")


class Coding(NamedTuple):
    system: str
    code: str
    display: str


def codings(concept: Any, where: str) -> list[Coding]:
    """The codings of a CodeableConcept (systems, codes and displays as strings, '' when absent)."""
    cc = obj(concept, where)
    if cc is None:
        return []
    out = []
    for index, item in enumerate(arr(cc.get("coding"), f"{where}.coding")):
        here = f"{where}.coding[{index}]"
        coding = obj(item, here)
        if coding is None:
            continue
        out.append(
            Coding(
                text(coding.get("system"), f"{here}.system") or "",
                text(coding.get("code"), f"{here}.code") or "",
                text(coding.get("display"), f"{here}.display") or "",
            )
        )
    return out


def words(concept: Any, where: str) -> list[str]:
    """The human-readable strings of a CodeableConcept: its text and every coding's display."""
    cc = obj(concept, where)
    if cc is None:
        return []
    found = [c.display for c in codings(cc, where) if c.display]
    own = text(cc.get("text"), f"{where}.text")
    return [own, *found] if own else found


def codes(concept: Any, where: str) -> set[tuple[str, str]]:
    """(system, code) of every coding of a CodeableConcept."""
    return {(c.system, c.code) for c in codings(concept, where)}


def concepts(values: Any, where: str) -> Iterator[tuple[int, Any]]:
    """Index and item of an array of CodeableConcepts (e.g. `category`)."""
    yield from enumerate(arr(values, where))


def status_of(resource: dict[str, Any], where: str) -> str:
    """A resource's `status` code, '' when absent."""
    return text(resource.get("status"), f"{where}.status") or ""
