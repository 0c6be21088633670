"""How a reference is identified, linked and cited: stable identifiers, and official hosts only.

A clinician who follows a link from a result must land on the source itself: the paper (through
its DOI or PubMed record), the trial's registry record, or the regulator's or guideline body's own
page. So every link is derived from an identifier, and the only free URLs allowed are on the hosts
listed here, each with the reason it is there. News sites, press releases, aggregators, mirrors and
preview hosts are never a reference. `pathways check` enforces all of it (see `schema.Evidence`).
"""

from __future__ import annotations

import re
from typing import Any, Protocol
from urllib.parse import urlsplit

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
"""A DOI: the directory indicator 10, a registrant code, a slash and a suffix."""
PMID = re.compile(r"^[1-9]\d{0,8}$")
"""A PubMed identifier: a positive whole number."""
NCT = re.compile(r"^NCT\d{8}$")
"""A ClinicalTrials.gov registry number."""

OFFICIAL_HOSTS: dict[str, str] = {
    "www.accessdata.fda.gov": "the FDA's Drugs@FDA: the label (prescribing information) and approval letters",
    "www.fda.gov": "the FDA's own approval announcements",
    "fda.gov": "the same site without the www prefix, as the FDA itself links it",
    "www.ema.europa.eu": "the European Medicines Agency: EPARs, product information and CHMP opinions",
    "www.nmpa.gov.cn": "China's National Medical Products Administration: approval notices",
    "english.nmpa.gov.cn": "the NMPA's English site",
    "www.cancer.gov": "the US National Cancer Institute: its PDQ summaries",
    "www.esmo.org": "the European Society for Medical Oncology: its guidelines",
    "www.asco.org": "the American Society of Clinical Oncology: its guidelines",
    "www.astro.org": "the American Society for Radiation Oncology: its guidelines",
    "www.nccn.org": "the National Comprehensive Cancer Network: its guidelines",
    "clinicaltrials.gov": "the US trial registry (a trial record is linked from its NCT number)",
}
"""Hosts a reference's `url` may point to, and why each is an official source."""

COMPANY_HOSTS: dict[str, str] = {
    "www1.hkexnews.hk": "the Hong Kong exchange's filings: a listed company's announcement of an approval",
    "www.globenewswire.com": "a listed company's own release of a regulatory event, as it distributes it",
    "media.bayer.com": "Bayer's own press office: its announcement of a regulatory event",
}
"""Hosts a company report of an approval may also point to, used only when the regulator's own
record cannot be reached (`Evidence.company_report`); never for any other claim."""


class Identified(Protocol):
    """What a link and a citation are made from (an `Evidence` entry)."""

    @property
    def authors(self) -> str: ...  # noqa: D102

    @property
    def title(self) -> str: ...  # noqa: D102

    @property
    def journal(self) -> str | None: ...  # noqa: D102

    @property
    def issuer(self) -> str | None: ...  # noqa: D102

    @property
    def year(self) -> int | None: ...  # noqa: D102

    @property
    def volume(self) -> str | None: ...  # noqa: D102

    @property
    def pages(self) -> str | None: ...  # noqa: D102

    @property
    def doi(self) -> str | None: ...  # noqa: D102

    @property
    def pmid(self) -> str | None: ...  # noqa: D102

    @property
    def nct(self) -> str | None: ...  # noqa: D102

    @property
    def url(self) -> str | None: ...  # noqa: D102

    @property
    def company_report(self) -> bool: ...  # noqa: D102

    @property
    def kind(self) -> Any: ...  # noqa: D102


def official_host(url: str, *, company_report: bool = False) -> str | None:
    """The URL's host when it is not an official one (the problem to report), else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allowed = host in OFFICIAL_HOSTS or (company_report and host in COMPANY_HOSTS)
    if parts.scheme != "https" or not allowed:
        return host or url
    return None


def link_of(entry: Identified) -> str | None:
    """The one link a reference shows: its DOI, else its PMID, else its official URL, else its NCT.

    The official URL comes before the trial number because an entry with both is a regulator's
    record (a label naming its pivotal trial), and the reader wants the record.
    """
    if entry.doi:
        return f"https://doi.org/{entry.doi}"
    if entry.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{entry.pmid}/"
    if entry.url:
        return entry.url
    if entry.nct:
        return f"https://clinicaltrials.gov/study/{entry.nct}"
    return None


def vancouver(entry: Identified) -> str:
    """A compact Vancouver citation: authors, title, source year;volume:pages, and the DOI."""
    title = entry.title.rstrip()
    if title[-1:] not in ".?!":
        title += "."
    segments = [f"{entry.authors.rstrip().rstrip('.')}.", title]
    source = entry.journal or (entry.issuer if entry.issuer != entry.authors else None)
    date = str(entry.year) if entry.year else ""
    if entry.volume:
        date += f";{entry.volume}"
    if entry.pages:
        date += f":{entry.pages}"
    if source:
        segments.append(f"{source.rstrip('.')}." + (f" {date}." if date else ""))
    elif date:
        segments.append(f"{date}.")
    if entry.doi:
        segments.append(f"doi:{entry.doi}")
    elif entry.pmid:
        segments.append(f"PMID: {entry.pmid}")
    elif entry.nct:
        segments.append(entry.nct)
    if entry.company_report:
        segments.append("(Company report of a regulatory decision.)")
    if getattr(entry.kind, "value", None) == "ongoing_trial":
        segments.append("(Trial registration: ongoing, no results.)")
    return " ".join(segments)
