"""Optional: check a Bundle against the FHIR R4B models of `fhir.resources` (the `[fhir]` extra).

Imported only by `ntrk-advisor import fhir --validate`: `--help`, a consult and a batch never load
`fhir.resources` (a test). The R4B models are used, not the package's R5 default; the resources
the import reads are the same in R4 and R4B. The mapping itself never needs the models (it reads
plain dicts within limits, `bundle`); this only adds a stricter structural check.
"""

from __future__ import annotations

from typing import Any

from ntrk_advisor.fhir.elements import FhirError

_SKIPPED = frozenset({"root"})


def validate(bundle: dict[str, Any]) -> None:
    """Raise `FhirError` at the first place the Bundle breaks the R4B models."""
    try:
        from fhir.resources.R4B.bundle import Bundle
        from pydantic import ValidationError
    except ImportError:
        raise FhirError("Bundle", "validation_unavailable") from None
    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        problems = exc.errors()
        first = _path(problems[0]["loc"]) if problems else "Bundle"
        raise FhirError("Bundle", "model", count=str(len(problems)), first=first) from None


def _path(loc: tuple[Any, ...]) -> str:
    """A pydantic location as a FHIR path (`Bundle.entry[1].resource.code`); names only, no values."""
    out = "Bundle"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif isinstance(part, str) and part not in _SKIPPED and part.replace("_", "").isalnum():
            out += f".{part}"
    return out
