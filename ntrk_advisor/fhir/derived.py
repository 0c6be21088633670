"""The derived case as text: what `ntrk-advisor import fhir` writes, and the notes it says.

The file is a case (contract field order) with a `sources` object: for every answer read from
the record, the resources it came from. `consult --case` and `batch` read it back through
`ntrk_advisor.intake`, so a reviewed derived case replays as its Bundle does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ntrk_advisor.contract.case import SOURCES_KEY
from ntrk_advisor.fhir.elements import Note
from ntrk_advisor.i18n import Lang, t


def derived_json(answers: Mapping[str, Any], sources: Mapping[str, list[str]]) -> str:
    """The derived case as indented JSON text: the answers, then `sources`."""
    data: dict[str, object] = dict(answers)
    data[SOURCES_KEY] = dict(sources)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def note_lines(notes: Iterable[Note], lang: Lang) -> str:
    """The notes as `ntrk-advisor: note: …` lines for stderr (each once)."""
    return "".join(t("fhir.note_line", lang, text=n.text(lang)) + "\n" for n in dict.fromkeys(notes))
