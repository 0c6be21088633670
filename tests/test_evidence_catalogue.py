"""Every reference is a primary source with a stable identifier; every link a clinician sees is derived.

A copy of the pathways breaking any rule of the evidence catalogue fails `pathways check` with one
line naming the file, the entry and what is wrong (the host, for a news link).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.references import COMPANY_HOSTS, OFFICIAL_HOSTS, link_of, vancouver
from ntrk_advisor.pathway.schema import Evidence
from tests.test_pathway_checks import edit, problems

DERIVED_LINK = re.compile(
    r"^(https://doi\.org/10\.\d{4,9}/\S+|https://pubmed\.ncbi\.nlm\.nih\.gov/\d+/|https://clinicaltrials\.gov/study/NCT\d{8})$"
)


def official(link: str) -> bool:
    return DERIVED_LINK.match(link) is not None or any(
        link.startswith(f"https://{host}/") for host in OFFICIAL_HOSTS
    )


def first_entry(data: dict[str, Any]) -> dict[str, Any]:
    return next(iter(data["evidence"].values()))  # type: ignore[no-any-return]


def the_entry(data: dict[str, Any], entry_id: str) -> dict[str, Any]:
    return data["evidence"][entry_id]  # type: ignore[no-any-return]


BROKEN: list[tuple[str, Callable[[Any], None], str]] = [
    (
        "a news link",
        lambda d: the_entry(d, "drilon-2018-nejm").update(
            doi=None, pmid=None, url="https://pharmacytimes.com/view/larotrectinib"
        ),
        "evidence.yaml:drilon-2018-nejm: url host 'pharmacytimes.com' is not an official source",
    ),
    (
        "a plain-http link to an official host",
        lambda d: the_entry(d, "fda-larotrectinib-2025").update(url="http://www.accessdata.fda.gov/x.pdf"),
        "evidence.yaml:fda-larotrectinib-2025: url host 'www.accessdata.fda.gov' is not an official source",
    ),
    ("a malformed DOI", lambda d: the_entry(d, "drilon-2018-nejm").update(doi="NEJMoa1714448"), "doi"),
    ("a PMID with letters", lambda d: the_entry(d, "drilon-2018-nejm").update(pmid="PMID29466156"), "pmid"),
    ("a malformed NCT number", lambda d: the_entry(d, "lantern-nct05783323").update(nct="NCT0578332"), "nct"),
    (
        "no identifier at all",
        lambda d: the_entry(d, "drilon-2018-nejm").update(doi=None, pmid=None),
        "evidence.yaml:drilon-2018-nejm: a reference needs a stable identifier",
    ),
    (
        "a label without its regulator",
        lambda d: the_entry(d, "fda-larotrectinib-2025").pop("issuer"),
        "evidence.yaml:fda-larotrectinib-2025: a label needs its issuer",
    ),
    (
        "a trial paper without its journal",
        lambda d: the_entry(d, "drilon-2018-nejm").pop("journal"),
        "evidence.yaml:drilon-2018-nejm: a prospective reference needs its journal and a doi or pmid",
    ),
    (
        "a review that does not say what it reviews",
        lambda d: next(e for e in d["evidence"].values() if e["kind"] == "review").pop("reviews"),
        "'reviews' is given for a review, and only for a review",
    ),
    (
        "no year",
        lambda d: the_entry(d, "drilon-2018-nejm").update(year=None),
        "evidence.yaml:drilon-2018-nejm: a reference needs its year",
    ),
    (
        "no verified flag",
        lambda d: the_entry(d, "drilon-2018-nejm").pop("verified"),
        "evidence.yaml:drilon-2018-nejm: verified: Field required",
    ),
]


@pytest.mark.parametrize(("rule", "change", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_check_fails_on_a_copy_that_breaks_the_rule(
    pathways_copy: Path, rule: str, change: Callable[[Any], None], expected: str
) -> None:
    edit(pathways_copy, "evidence.yaml", change)
    found = problems(pathways_copy)
    assert any(expected in p for p in found), found
    assert all("\n" not in p for p in found)  # one line each


def company_reports(kb: KnowledgeBase) -> set[str]:
    """The links of company reports of an approval: the only entries whose url may be a company's."""
    return {e.link for e in kb.evidence.evidence.values() if e.company_report and e.link}


def test_every_builtin_reference_has_a_derived_or_official_link(kb: KnowledgeBase) -> None:
    for entry_id, entry in kb.evidence.evidence.items():
        link = entry.link
        assert link is not None, entry_id
        if entry.company_report:
            host = link.split("/")[2]
            assert link.startswith("https://") and host in COMPANY_HOSTS, (entry_id, link)
        else:
            assert official(link), (entry_id, link)


def test_a_company_host_is_refused_for_anything_but_a_company_report_of_an_approval() -> None:
    paper = {
        "kind": "prospective",
        "authors": "A B",
        "title": "T",
        "journal": "J",
        "year": 2020,
        "url": "https://www.globenewswire.com/news-release/x.html",
        "verified": True,
        "summary": {"en": "e", "zh": "中"},
    }
    with pytest.raises(ValueError, match="not an official source"):
        Evidence.model_validate(paper)
    with pytest.raises(ValueError, match="only a label"):
        Evidence.model_validate({**paper, "company_report": True})
    label = {**paper, "kind": "label", "issuer": "A company", "company_report": True}
    assert Evidence.model_validate(label).company_report
    assert "Company report" in Evidence.model_validate(label).citation


def test_a_link_is_derived_from_the_strongest_identifier(kb: KnowledgeBase) -> None:
    entry = kb.evidence.evidence["drilon-2018-nejm"]
    assert entry.doi is not None
    assert link_of(entry) == f"https://doi.org/{entry.doi}"


def test_a_citation_is_compact_vancouver(kb: KnowledgeBase) -> None:
    entry = kb.evidence.evidence["drilon-2018-nejm"]
    assert vancouver(entry) == (
        "Drilon A, et al. Efficacy of Larotrectinib in TRK Fusion-Positive Cancers in Adults and Children. "
        "N Engl J Med. 2018;378:731-739. doi:10.1056/NEJMoa1714448"
    )


@pytest.mark.slow  # every leaf in every format
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_result_shows_a_link_outside_the_derived_forms_and_the_allow_list(
    kb: KnowledgeBase, lang: str
) -> None:
    from ntrk_advisor.authoring.audit import walk_leaves
    from ntrk_advisor.render.markdown import render_markdown

    seen = set()
    for leaf in walk_leaves(kb, lang):  # type: ignore[arg-type]
        text = render_markdown(leaf.result, kb, lang)  # type: ignore[arg-type]
        for link in re.findall(r"https?://\S+", text):
            seen.add(link)
    allowed = company_reports(kb)
    strangers = sorted(link for link in seen if not official(link) and link not in allowed)
    assert seen and not strangers, strangers


def test_unverified_identifiers_are_shown_as_such(kb: KnowledgeBase) -> None:
    from ntrk_advisor.render.view import Reference

    line = Reference(1, "x", "A B. T. J. 2020.", "https://doi.org/10.1/x", verified=False).line("en")
    assert line == "A B. T. J. 2020. (identifier not verified) https://doi.org/10.1/x"
    assert "标识符未经核实" in Reference(1, "x", "c", None, verified=False).line("zh")


def test_evidence_json_gives_every_field_for_scripts(run_cli: Any) -> None:
    out = run_cli("evidence", "--format", "json")
    entries = json.loads(out.stdout)
    drilon = next(e for e in entries if e["id"] == "drilon-2018-nejm")
    assert {
        "kind",
        "authors",
        "title",
        "journal",
        "year",
        "doi",
        "verified",
        "summary",
        "citation",
        "link",
        "level",
    } <= set(drilon)
    assert drilon["link"].startswith("https://doi.org/")
