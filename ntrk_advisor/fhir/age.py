"""`age_years` from `Patient.birthDate`, at the Bundle's `timestamp`, else at the date of the import.

- A full birth date gives the completed years; under two years, the completed months in years
  (two decimals), so an infant's age keeps its precision.
- A birth date given as a month (`2024-03`) or a year (`1961`) is taken at its last day, the
  youngest the patient can be; when that leaves it unclear whether the patient is under 18 (the
  only line the pathways draw by age), the age is left to be asked.
- The birth date itself never leaves the import; the date the age was computed at is said in the
  sources (`Bundle.timestamp`, or `import date YYYY-MM-DD`).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import NamedTuple

from ntrk_advisor.contract.vocabulary import PEDIATRIC_AGE_LIMIT
from ntrk_advisor.fhir.bundle import BundleView
from ntrk_advisor.fhir.elements import FhirError, Note, note, text

IMPORT_DATE_SOURCE = "import date "
"""How the sources name the date of the import when the Bundle gives no timestamp (then a date):
a code in the derived case, which a page shows in its reader's language."""

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
_INSTANT_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
INFANT_MONTHS = 24
"""Below this many months the age keeps its months."""


class Age(NamedTuple):
    years: float | None
    sources: tuple[str, ...]
    notes: tuple[Note, ...]


def age_of(bundle: BundleView, today: date) -> Age:
    """The age the Bundle gives, where it came from, and what the reader should know."""
    where = f"{bundle.patient_where}.birthDate"
    born = text(bundle.patient.get("birthDate"), where)
    if not born:
        return Age(None, (), (note("no_birth_date"),))
    match = _DATE.fullmatch(born)
    if match is None:
        raise FhirError(where, "bad_date")
    at, at_source, notes = _reference_date(bundle, today)
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day is not None and month is not None:
            youngest = oldest = date(year, int(month), int(day))
            precision = ""
        elif month is not None:
            last = calendar.monthrange(year, int(month))[1]
            youngest, oldest = date(year, int(month), last), date(year, int(month), 1)
            precision = "month"
        else:
            youngest, oldest = date(year, 12, 31), date(year, 1, 1)
            precision = "year"
    except ValueError:
        raise FhirError(where, "bad_date") from None
    if oldest > at:
        raise FhirError(where, "born_later")
    low_months = max(_months(youngest, at), 0)
    high_months = _months(oldest, at)
    sources = ("Patient.birthDate", at_source)
    limit = PEDIATRIC_AGE_LIMIT * 12
    if low_months < limit <= high_months:
        return Age(None, (), (*notes, note(f"age_unclear_{precision}")))
    if low_months < INFANT_MONTHS:
        return Age(round(low_months / 12, 2), sources, notes)
    return Age(low_months // 12, sources, notes)


def _months(born: date, at: date) -> int:
    """Completed months of life at `at`."""
    months = (at.year - born.year) * 12 + (at.month - born.month)
    return months - 1 if at.day < born.day else months


def _reference_date(bundle: BundleView, today: date) -> tuple[date, str, tuple[Note, ...]]:
    stamp = bundle.timestamp
    if stamp:
        match = _INSTANT_DATE.match(stamp)
        if match is None:
            raise FhirError("Bundle.timestamp", "bad_date")
        try:
            return date(*map(int, match.groups())), "Bundle.timestamp", ()
        except ValueError:
            raise FhirError("Bundle.timestamp", "bad_date") from None
    shown = today.isoformat()
    return today, f"{IMPORT_DATE_SOURCE}{shown}", (note("age_today", date=shown),)
