"""`pathways review --status --format html` and `--export-fhir` (issue 25): the review state as a
self-contained page a clinical lead files, and the stamps that count as FHIR R4 resources.

One institution's copy is reviewed once per module, by a test reviewer whose name, role and
comment are hostile markup: every output must keep them as text. The key is made by the test.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ntrk_advisor.authoring.review_page import status_html
from ntrk_advisor.authoring.signoff import reviewed, status_data
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import load_knowledge_base
from ntrk_advisor.pathway.reviews import signed_payload
from tests.conftest import run_main
from tests.test_html_report import assert_balanced, by_class, external_references, parse, text_of

pytestmark = pytest.mark.slow  # a whole institution's copy made, keyed and reviewed (seconds)

NAME = '<b>Dr "Eve" & Co</b><script>alert(1)</script>'
ROLE = "<img src=https://evil.example/x.png> oncologist"
COMMENT = "</td></tr></table><a href='https://evil.example'>click</a> **dose** {{ 7*7 }}"
SURGERY, MDT = "rec:surgery.early_definitive", "rec:mdt.plan_review"
GENERATED = dt.datetime(2026, 12, 6, 17, 42, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the pathways: SURGERY approved and MDT sent back with a comment, by one reviewer."""
    root = tmp_path_factory.mktemp("review-reports")
    folder, key = root / "clinic", root / "reviewer.key"
    assert run_main("pathways", "init", str(folder)).code == 0
    where = ("--key", str(key), "--pathways-dir", str(folder))
    made = run_main(
        "pathways", "reviewer-key", "--name", NAME, "--role", ROLE, "-o", str(key), where[2], where[3]
    )
    assert made.code == 0, made.stderr
    assert run_main("pathways", "review", "--approve", SURGERY, *where).code == 0
    sent_back = run_main("pathways", "review", "--request-changes", MDT, "--comment", COMMENT, *where)
    assert sent_back.code == 0, sent_back.stderr
    return folder


# --- the status page -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_status_page_is_strict_self_contained_html_with_coverage_and_every_statement(
    clinic: Path, lang: Lang
) -> None:
    data = status_data(reviewed(load_knowledge_base(clinic)))
    html = status_html(data, lang, GENERATED)
    root = parse(html)  # strict: any parse error fails
    assert_balanced(html)
    assert root.get("lang") == {"en": "en", "zh": "zh-Hans"}[lang]
    csp = [m.get("content") for m in root.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert csp == ["default-src 'none'; style-src 'unsafe-inline'; img-src data:"]
    assert external_references(html) == []
    assert "2026-12-06 17:42 (UTC+01:00)" in html

    [coverage] = by_class(root, "coverage", "table")
    heads = [text_of(th) for th in coverage.iter("th")]
    assert heads[1:6] == [
        t(f"review.status.{s}", lang)
        for s in ("approved", "stale", "changes_requested", "rejected", "unreviewed")
    ]
    rows = [[text_of(td) for td in tr.iter("td")] for tr in coverage.iter("tr")][1:]
    everything = data["coverage"]["all"]
    assert rows[0] == [
        t("review.all_pathways", lang),
        "1",
        "0",
        "1",
        "0",
        str(everything["statements"] - 2),
        str(everything["statements"]),
    ]
    assert len(rows) == len(data["coverage"])  # all, then each pathway

    [table] = by_class(root, "statements", "table")
    listed = {tr.get("id"): tr for tr in table.iter("tr") if tr.get("id")}
    assert list(listed) == [s["id"] for s in data["statements"]]  # every statement, by id, in order
    assert by_class(listed[SURGERY], "status")[0].text == t("review.status.approved", lang)
    assert by_class(listed[MDT], "status")[0].text == t("review.status.changes_requested", lang)
    assert {by_class(tr, "status")[0].text for sid, tr in listed.items() if sid not in (SURGERY, MDT)} == {
        t("review.status.unreviewed", lang)
    }


def test_hostile_reviewer_names_roles_and_comments_stay_text_on_the_page(clinic: Path) -> None:
    html = status_html(status_data(reviewed(load_knowledge_base(clinic))), "en", GENERATED)
    root = parse(html)
    assert [e.tag for e in root.iter() if e.tag in ("script", "img", "b")] == []
    assert [a for a in root.iter("a")] == []
    assert external_references(html) == []
    row = next(tr for tr in root.iter("tr") if tr.get("id") == MDT)
    said = text_of(row)
    assert NAME in said and ROLE in said and COMMENT in said  # shown exactly, as text


def test_status_html_with_o_writes_the_page_and_nothing_to_stdout(clinic: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    run = run_main(
        "pathways",
        "review",
        "--status",
        "--format",
        "html",
        "-o",
        str(out),
        "--pathways-dir",
        str(clinic),
        "--lang",
        "zh",
    )
    assert run.code == 0, run.stderr
    assert run.stdout == ""
    root = parse(out.read_text(encoding="utf-8"))
    assert root.get("lang") == "zh-Hans"
    assert t("review.page.coverage", "zh") in text_of(root)


def test_o_is_refused_where_nothing_is_reported(clinic: Path, tmp_path: Path) -> None:
    run = run_main(
        "pathways",
        "review",
        "--approve",
        SURGERY,
        "--key",
        str(tmp_path / "k"),
        "-o",
        str(tmp_path / "x"),
        "--pathways-dir",
        str(clinic),
    )
    assert run.code == 2
    assert t("review.output_needs_report", "en") in run.stderr
    assert not (tmp_path / "x").exists()


# --- FHIR ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundle(clinic: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("fhir") / "reviews.json"
    run = run_main("pathways", "review", "--export-fhir", "-o", str(out), "--pathways-dir", str(clinic))
    assert run.code == 0, run.stderr
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def test_the_export_is_a_valid_r4_collection_of_provenance_and_basic_per_counting_review(
    bundle: dict[str, Any],
) -> None:
    models = pytest.importorskip("fhir.resources.R4B")
    from fhir.resources.R4B.basic import Basic
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.provenance import Provenance

    assert models is not None
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    assert [r["resourceType"] for r in resources] == ["Provenance", "Basic", "Provenance", "Basic"]
    for resource in resources:
        (Provenance if resource["resourceType"] == "Provenance" else Basic).model_validate(resource)
    targets = [r["target"][0]["identifier"]["value"] for r in resources if r["resourceType"] == "Provenance"]
    assert targets == [SURGERY, MDT]


def test_each_provenance_names_the_reviewer_by_name_and_role_only_and_carries_a_signature_that_verifies(
    bundle: dict[str, Any], clinic: Path
) -> None:
    import yaml

    [listed] = yaml.safe_load((clinic / "reviewers.yaml").read_text(encoding="utf-8"))["reviewers"]
    public = Ed25519PublicKey.from_public_bytes(
        base64.b64decode(listed["public_key"].removeprefix("ed25519:"))
    )
    resources = [e["resource"] for e in bundle["entry"]]
    for provenance, basic in zip(resources[::2], resources[1::2], strict=True):
        [agent] = provenance["agent"]
        assert agent == {"who": {"display": NAME}, "role": [{"text": ROLE}]}  # no other identifier
        [signature] = provenance["signature"]
        assert signature["type"] == [
            {
                "system": "urn:iso-astm:E1762-95:2013",
                "code": "1.2.840.10065.1.12.1.5",
                "display": "Verification Signature",
            }
        ]
        assert signature["sigFormat"] and signature["who"] == {"display": NAME}
        # What a hospital does offline: rebuild the signed record from the export and verify it.
        [comment] = basic["extension"]
        assert comment["url"] == "http://hl7.org/fhir/StructureDefinition/cqf-artifactComment"
        parts = {
            x["url"]: next(v for k, v in x.items() if k.startswith("value")) for x in comment["extension"]
        }
        assert parts["type"] == "review" and parts["user"] == NAME
        decision, _, said = parts["text"].partition(": ")
        payload = signed_payload(
            provenance["target"][0]["identifier"]["value"],
            provenance["entity"][0]["what"]["identifier"]["value"],
            agent["who"]["display"],
            decision,
            provenance["occurredDateTime"],
            said,
        )
        public.verify(base64.b64decode(signature["data"]), payload)  # raises if it does not verify
    assert resources[3]["extension"][0]["extension"][1]["valueMarkdown"] == f"changes_requested: {COMMENT}"


def test_a_review_that_no_longer_counts_is_not_exported(clinic: Path, tmp_path: Path) -> None:
    copy = tmp_path / "clinic"
    shutil.copytree(clinic, copy)
    (copy / "reviewers.yaml").write_text("reviewers: []\n", encoding="utf-8")  # the reviewer is delisted
    run = run_main("pathways", "review", "--export-fhir", "--pathways-dir", str(copy))
    assert run.code == 0, run.stderr
    assert run.json == {"resourceType": "Bundle", "type": "collection"}
