"""The derived case as a file: `ntrk-advisor import fhir BUNDLE [-o case.json] [--id ID]`.

The file is a case (contract field order) with a `sources` object: for every answer read from
the record, the resources it came from. `consult --case` and `batch` read it back (see
`importer.imported_from`), so a reviewed derived case replays as its Bundle does. It is written
atomically and never over the Bundle; what the reader should know is said on stderr.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.environment import Environment
from ntrk_advisor.fhir.bundle import is_bundle
from ntrk_advisor.fhir.elements import FhirError, Note
from ntrk_advisor.fhir.importer import SOURCES_KEY, ImportedCase, case_from_bundle
from ntrk_advisor.files import read_case_file, write_atomic
from ntrk_advisor.i18n import Lang, t


def derived_json(imported: ImportedCase) -> str:
    """The derived case as indented JSON text: the answers, then `sources`."""
    data: dict[str, object] = dict(imported.answers)
    data[SOURCES_KEY] = imported.sources
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def note_lines(notes: tuple[Note, ...], lang: Lang) -> str:
    """The notes as `ntrk-advisor: note: …` lines for stderr."""
    return "".join(t("fhir.note_line", lang, text=n.text(lang)) + "\n" for n in dict.fromkeys(notes))


def import_bundle_file(
    path: Path,
    *,
    output: Path | None,
    case_id: str | None,
    lang: Lang,
    env: Environment,
    today: date | None = None,
    validate: bool = False,
) -> ImportedCase:
    """Read a Bundle file, derive its case and write it (to `output`, else stdout); notes on stderr."""
    try:
        value = read_case_file(path)
    except CaseInvalid as exc:  # a key given twice: which of its values the record meant is unknown
        field = exc.problems[0][0]
        error = FhirError(f"Bundle.{field}", "duplicate_key")
        error.file, error.lang = str(path), lang
        raise error from None
    try:
        if not is_bundle(value):
            raise FhirError("Bundle.resourceType", "not_bundle")
        if validate:
            from ntrk_advisor.fhir.validation import validate as check

            check(value)
        imported = case_from_bundle(value, case_id=case_id, today=today or date.today())
    except FhirError as exc:
        exc.file, exc.lang = str(path), lang
        raise
    text = derived_json(imported)
    if output is None:
        env.stdout.write(text)
    else:
        write_atomic(output, text, inputs=(path,))
    env.stderr.write(note_lines(imported.notes, lang))
    if output is not None:
        count = len([f for f in imported.sources if f != "id"])
        env.stderr.write(t("fhir.written", lang, path=output, count=count) + "\n")
    return imported
