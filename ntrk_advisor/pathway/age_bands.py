"""The age bands of a knowledge base: which band an age falls in, and who an audience names.

The bands are data (knowledge.yaml `age_bands`, with the sources of their bounds), so the code
knows no age at which advice changes. The contract's own boundary (under 18 is pediatric) is the
only one fixed here, and the schema proves that no band straddles it. A knowledge base without
bands has the contract's two age groups as its bands.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from ntrk_advisor.contract.vocabulary import PEDIATRIC_AGE_LIMIT, AgeGroup, Audience
from ntrk_advisor.i18n import LANGS, Lang, t


@dataclass(frozen=True)
class BandTable:
    """Bands in increasing age order: `bounds[i]` is band i's upper bound (the last has none)."""

    ids: tuple[str, ...]
    bounds: tuple[float, ...]
    labels: dict[tuple[str, Lang], str]

    def band_of(self, age_years: float) -> str:
        """The band an age falls in."""
        # The first band whose upper bound the age is below (the last has none): a bisection in C,
        # since this runs for every batch record.
        return self.ids[bisect_right(self.bounds, age_years)]

    def group_of(self, band: str) -> AgeGroup:
        """The contract age group a band lies in."""
        index = self.ids.index(band)
        pediatric = index < len(self.bounds) and self.bounds[index] <= PEDIATRIC_AGE_LIMIT
        return AgeGroup.PEDIATRIC if pediatric else AgeGroup.ADULT

    def lower_bound(self, band: str) -> float:
        """The youngest age in a band (what the audit walks as the band's age)."""
        index = self.ids.index(band)
        return 0.0 if index == 0 else self.bounds[index - 1]

    def members(self, audience: str | Iterable[str]) -> frozenset[str]:
        """The bands an audience names: `all`, an age group, a band, or a list of these."""
        tokens = [audience] if isinstance(audience, str) else list(audience)
        found: set[str] = set()
        for token in tokens:
            if token == Audience.ALL.value:
                found.update(self.ids)
            elif token in self.ids:
                found.add(token)
            elif token in (AgeGroup.PEDIATRIC.value, AgeGroup.ADULT.value):
                found.update(b for b in self.ids if self.group_of(b).value == token)
            else:
                raise KeyError(token)
        return frozenset(found)

    def unknown(self, audience: str | Iterable[str]) -> list[str]:
        """The tokens of an audience that name nothing (for the checks)."""
        tokens = [audience] if isinstance(audience, str) else list(audience)
        known = {Audience.ALL.value, AgeGroup.PEDIATRIC.value, AgeGroup.ADULT.value, *self.ids}
        return [token for token in tokens if token not in known]

    def audience_of(self, bands: frozenset[str]) -> str:
        """The shortest name for a set of bands: `all`, an age group, or the bands joined by commas."""
        if bands == frozenset(self.ids):
            return Audience.ALL.value
        for group in AgeGroup:
            if bands == self.members(group.value):
                return group.value
        return ",".join(b for b in self.ids if b in bands)

    def label(self, band: str, lang: Lang) -> str:
        """How a band is named to a reader."""
        return self.labels[(band, lang)]


def default_bands() -> BandTable:
    """The contract's two age groups as the only bands (knowledge without `age_bands`)."""
    ids = (AgeGroup.PEDIATRIC.value, AgeGroup.ADULT.value)
    return BandTable(
        ids=ids,
        bounds=(float(PEDIATRIC_AGE_LIMIT),),
        labels={(band, lang): t(f"age.{band}", lang) for band in ids for lang in LANGS},
    )
