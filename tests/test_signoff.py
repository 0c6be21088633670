"""Clinician sign-off (issue 25): a stamp counts only when signed by a listed reviewer who did not
write the statement, over the statement as it is now; every output says what is not approved.

Every key here is made by the test itself (`test_key`), for the test only: the repository holds no
private key and no review that would vouch for anything.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ntrk_advisor.authoring.keys import read_private_key
from ntrk_advisor.contract.vocabulary import ReviewStatus
from ntrk_advisor.errors import PathwayError, UsageError
from ntrk_advisor.pathway.compiled import band_table, statement_infos
from ntrk_advisor.pathway.knowledge import KnowledgeBase, builtin_source, load_knowledge_base
from ntrk_advisor.pathway.reviews import review_state, signed_payload
from ntrk_advisor.pathway.schema import ReviewersFile, ReviewsFile
from ntrk_advisor.pathway.statements import StatementInfo
from ntrk_advisor.pathway.tree import compile_tree
from tests.conftest import PROJECT, run_main

CASE = {
    "age_years": 50,
    "fusion_status": "confirmed",
    "setting": "early",
    "treatment_phase": "naive",
    "emergency": [],
    "fit_for_surgery": True,
}
"""An adult with early disease: surgery (rec:surgery.early_definitive) and an MDT review (rec:mdt.plan_review)."""
SURGERY, MDT = "rec:surgery.early_definitive", "rec:mdt.plan_review"
CLI = str(Path(sys.executable).parent / "ntrk-advisor")


def test_key() -> tuple[Ed25519PrivateKey, str]:
    """A fresh key pair for one test (never written into a pathways folder the project ships)."""
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key, "ed25519:" + base64.b64encode(raw).decode()


test_key.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


def record(
    key: Ed25519PrivateKey, info: StatementInfo, reviewer: str, decision: str = "approved", **changes: Any
) -> dict[str, Any]:
    """A signed review record of `info` as it is now (fields in `changes` replace the signed ones)."""
    fields = {"statement": info.id, "hash": info.hash, "reviewer": reviewer, "decision": decision}
    fields |= {"date": "2026-12-06", "comment": ""}
    payload = signed_payload(**{("hash_" if k == "hash" else k): v for k, v in fields.items()})
    signature = base64.b64encode(key.sign(payload)).decode()
    return {**fields, **changes, "signature": signature}


@pytest.fixture(scope="module")
def infos(kb: KnowledgeBase) -> dict[str, StatementInfo]:
    return statement_infos(kb.catalogues, kb.nodes, kb.bands)


def state_of(infos: dict[str, StatementInfo], reviewers: list[dict[str, str]], records: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    files = {"reviews/a.yaml": ReviewsFile.model_validate({"reviews": records})}
    return review_state(infos, ReviewersFile.model_validate({"reviewers": reviewers}), files)


# --- what counts ---------------------------------------------------------------------------------


def test_a_signed_approval_by_a_listed_reviewer_approves_the_statement(
    infos: dict[str, StatementInfo],
) -> None:
    key, public = test_key()
    state = state_of(
        infos,
        [{"name": "Dr A", "role": "surgeon", "public_key": public}],
        [record(key, infos[SURGERY], "Dr A")],
    )
    assert state.statements[SURGERY].status is ReviewStatus.APPROVED
    assert [r.name for r in state.statements[SURGERY].reviewers] == ["Dr A"]
    assert state.statements[MDT].status is ReviewStatus.UNREVIEWED
    assert state.set_aside == ()


def test_a_forged_signature_counts_for_nothing(infos: dict[str, StatementInfo]) -> None:
    key, public = test_key()
    forger, _ = test_key()
    listed = [{"name": "Dr A", "role": "surgeon", "public_key": public}]
    forged = record(forger, infos[SURGERY], "Dr A")  # signed with another key, in Dr A's name
    altered = record(key, infos[MDT], "Dr A", decision="approved", date="2026-12-07")  # changed after signing
    state = state_of(infos, listed, [forged, altered])
    assert state.statements[SURGERY].status is ReviewStatus.UNREVIEWED
    assert state.statements[MDT].status is ReviewStatus.UNREVIEWED
    assert [s.reason for s in state.set_aside] == ["bad_signature", "bad_signature"]


def test_a_reviewer_missing_from_reviewers_yaml_counts_for_nothing(infos: dict[str, StatementInfo]) -> None:
    key, public = test_key()
    state = state_of(
        infos,
        [{"name": "Dr B", "role": "pathologist", "public_key": public}],
        [record(key, infos[SURGERY], "Dr A")],
    )
    assert state.statements[SURGERY].status is ReviewStatus.UNREVIEWED
    assert [s.reason for s in state.set_aside] == ["unknown_reviewer"]


def test_an_approval_of_an_earlier_text_makes_the_statement_stale(infos: dict[str, StatementInfo]) -> None:
    key, public = test_key()
    earlier = StatementInfo(**{**infos[SURGERY].__dict__, "hash": "sha256:" + "0" * 64})
    state = state_of(
        infos, [{"name": "Dr A", "role": "surgeon", "public_key": public}], [record(key, earlier, "Dr A")]
    )
    assert state.statements[SURGERY].status is ReviewStatus.STALE
    assert state.statements[SURGERY].reviewers == ()
    assert [s.reason for s in state.set_aside] == ["changed"]


def test_an_author_cannot_approve_their_own_edit(infos: dict[str, StatementInfo]) -> None:
    key, public = test_key()
    author = infos[SURGERY].author  # the knowledge's developer, unless the statement names `edited_by`
    listed = [{"name": author.upper(), "role": "developer", "public_key": public}]
    state = state_of(infos, listed, [record(key, infos[SURGERY], author.upper())])
    assert state.statements[SURGERY].status is ReviewStatus.UNREVIEWED
    assert [s.reason for s in state.set_aside] == ["own_edit"]


def test_an_objection_outweighs_an_approval(infos: dict[str, StatementInfo]) -> None:
    a, a_public = test_key()
    b, b_public = test_key()
    listed = [
        {"name": "Dr A", "role": "surgeon", "public_key": a_public},
        {"name": "Dr B", "role": "oncologist", "public_key": b_public},
    ]
    records = [record(a, infos[SURGERY], "Dr A"), record(b, infos[SURGERY], "Dr B", "changes_requested")]
    assert state_of(infos, listed, records).statements[SURGERY].status is ReviewStatus.CHANGES_REQUESTED


# --- the hash: clinical content, not layout ---------------------------------------------------------


def hashes(folder: Path) -> dict[str, str]:
    """Every statement's hash, from a folder's files as they are (no cache)."""
    from ntrk_advisor.pathway.catalogues import catalogues_of
    from ntrk_advisor.pathway.loading import parse_texts
    from ntrk_advisor.pathway.sources import read_texts

    problems: list[Any] = []
    c = catalogues_of(parse_texts(read_texts(folder), problems), problems)
    bands = band_table(c.meta.knowledge.age_bands)
    return {sid: i.hash for sid, i in statement_infos(c, compile_tree(c.pathways, bands), bands).items()}


def edit_yaml(folder: Path, name: str, change: Any) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return hashes(Path(str(builtin_source())))


def fresh(tmp_path: Path) -> Path:
    target = tmp_path / "p"
    shutil.copytree(str(builtin_source()), target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_rewriting_every_file_in_another_yaml_layout_and_spacing_changes_no_hash(
    tmp_path: Path, original: dict[str, str]
) -> None:
    folder = fresh(tmp_path)

    def spaced(value: Any) -> Any:
        if isinstance(value, str):
            return "  " + value.replace(" ", "  \n ") + " "  # folded, doubled and padded spaces
        if isinstance(value, dict):
            return {k: spaced(v) if k in ("en", "zh") else spaced_inner(v) for k, v in value.items()}
        if isinstance(value, list):
            return [spaced_inner(v) for v in value]
        return value

    def spaced_inner(value: Any) -> Any:
        return spaced(value) if isinstance(value, dict | list) else value

    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if path.name in ("recommendations.yaml", "cautions.yaml", "arguments.yaml"):
            data = spaced_inner(data)
        # another layout: flow style for nested lists, a different indent, keys in another order
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, indent=4, width=60, sort_keys=True), encoding="utf-8"
        )
    assert hashes(folder) == original


@pytest.mark.parametrize(
    ("file", "what", "change", "statements"),
    [
        (
            "recommendations.yaml",
            "summary (en)",
            lambda d: _each(d["statements"], lambda s: _append(s["summary"], "en")),
            "rec",
        ),
        (
            "recommendations.yaml",
            "summary (zh)",
            lambda d: _each(d["statements"], lambda s: _append(s["summary"], "zh")),
            "rec",
        ),
        (
            "recommendations.yaml",
            "a rationale bullet",
            lambda d: _each(d["statements"], lambda s: _append(s["rationale"][0]["text"], "zh")),
            "rec",
        ),
        (
            "cautions.yaml",
            "a caution's text",
            lambda d: _each(d["cautions"], lambda s: _append(s["text"], "en")),
            "caution",
        ),
        (
            "arguments.yaml",
            "an argument's paraphrase",
            lambda d: _each(d["arguments"], lambda s: _append(s["text"], "zh")),
            "arg",
        ),
    ],
)
def test_changing_a_clinical_field_changes_the_hash_of_every_statement_that_holds_it(
    tmp_path: Path, original: dict[str, str], file: str, what: str, change: Any, statements: str
) -> None:
    folder = fresh(tmp_path)
    edit_yaml(folder, file, change)
    after = hashes(folder)
    same = [sid for sid, h in after.items() if sid.startswith(f"{statements}:") and original[sid] == h]
    assert same == [], f"{what} changed but these hashes did not: {same[:5]}"


def test_changing_the_evidence_level_a_reader_is_shown_changes_the_hash(
    tmp_path: Path, original: dict[str, str]
) -> None:
    """Each statement is given two other levels in turn; one of them differs from what it shows now."""
    unchanged = set(sid for sid in original if sid.startswith("rec:"))
    for level in ("preclinical", "guideline"):
        folder = fresh(tmp_path / level)
        edit_yaml(
            folder,
            "recommendations.yaml",
            lambda d, level=level: _each(d["statements"], lambda s: s.update(evidence_level=level)),
        )
        after = hashes(folder)
        unchanged &= {sid for sid in unchanged if after[sid] == original[sid]}
    assert unchanged == set()


def test_changing_a_strength_a_citation_or_a_route_changes_the_hash_of_what_they_reach(
    tmp_path: Path, original: dict[str, str]
) -> None:
    folder = fresh(tmp_path)
    text = (folder / "early.yaml").read_text(encoding="utf-8")
    (folder / "early.yaml").write_text(
        text.replace("strength: preferred", "strength: recommended", 1), encoding="utf-8"
    )
    ev = (folder / "evidence.yaml").read_text(encoding="utf-8")
    doi = re.search(r'doi: "?(10\.[^"\s]+)', ev)
    assert doi is not None
    (folder / "evidence.yaml").write_text(ev.replace(doi.group(1), doi.group(1) + "9", 1), encoding="utf-8")
    after = hashes(folder)
    changed = {sid for sid in original if after[sid] != original[sid]}
    assert any(sid.startswith("rec:") for sid in changed)
    assert len(changed) >= 2


def _each(mapping: dict[str, Any], change: Any) -> None:
    for value in mapping.values():
        change(value)


def _append(text: dict[str, str], lang: str) -> None:
    text[lang] = text[lang] + (" changed" if lang == "en" else "（改）")


# --- the files and the key ---------------------------------------------------------------------------


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """An institution's copy of the built-in pathways (renamed, as `pathways init` makes it)."""
    code = run_main("pathways", "init", str(tmp_path / "clinic")).code
    assert code == 0
    return tmp_path / "clinic"


def consult(folder: Path) -> Any:
    """The installed CLI's JSON result for CASE with the folder's pathways (a process of its own)."""
    run = subprocess.run(
        [
            CLI,
            "--pathways-dir",
            str(folder),
            "consult",
            "--no-input",
            "--format",
            "json",
            *_case_args(folder),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(run.stdout)


def _case_args(folder: Path) -> list[str]:
    case = folder.parent / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    return ["--case", str(case)]


@pytest.mark.slow  # full audits and CLI processes
def test_round_trip_make_a_key_approve_three_see_them_approved_edit_one_see_it_stale(
    clinic: Path, tmp_path: Path
) -> None:
    key = tmp_path / "reviewer.key"
    made = run_main(
        "pathways",
        "reviewer-key",
        "--name",
        "Dr Test Reviewer",
        "--role",
        "surgical oncologist",
        "-o",
        str(key),
        "--pathways-dir",
        str(clinic),
    )
    assert made.code == 0, made.stderr
    assert os.stat(key).st_mode & 0o777 == 0o600
    listed = yaml.safe_load((clinic / "reviewers.yaml").read_text(encoding="utf-8"))["reviewers"]
    assert [(r["name"], r["role"]) for r in listed] == [("Dr Test Reviewer", "surgical oncologist")]

    before = consult(clinic)
    assert [a["review"]["status"] for a in before["actions"]] == ["unreviewed", "unreviewed"]
    assert before["knowledge"]["review"]["approved"] == 0

    approved = run_main(
        "pathways",
        "review",
        "--approve",
        SURGERY,
        MDT,
        "caution:ihc_not_diagnostic",
        "--key",
        str(key),
        "--pathways-dir",
        str(clinic),
    )
    assert approved.code == 0, approved.stderr
    after = consult(clinic)
    assert [a["review"]["status"] for a in after["actions"]] == ["approved", "approved"]
    assert after["actions"][0]["review"]["reviewers"] == [
        {
            "name": "Dr Test Reviewer",
            "role": "surgical oncologist",
            "date": after["actions"][0]["review"]["reviewers"][0]["date"],
        }
    ]
    assert after["knowledge"]["review"]["approved"] == 3

    edit_yaml(
        clinic,
        "recommendations.yaml",
        lambda d: _append(d["statements"]["surgery.early_definitive"]["summary"], "en"),
    )
    edited = consult(clinic)
    assert [a["review"]["status"] for a in edited["actions"]] == ["stale", "approved"]
    assert edited["actions"][0]["review"]["reviewers"] == []
    status = run_main(
        "pathways", "review", "--status", "--format", "json", "--pathways-dir", str(clinic)
    ).json
    by_id = {s["id"]: s["status"] for s in status["statements"]}
    assert by_id[SURGERY] == "stale" and by_id[MDT] == "approved"
    assert status["coverage"]["all"]["approved"] == 2 and status["coverage"]["all"]["stale"] == 1


def test_the_author_named_in_the_knowledge_cannot_approve_their_own_edit(
    clinic: Path, tmp_path: Path
) -> None:
    key = tmp_path / "author.key"
    knowledge = yaml.safe_load((clinic / "knowledge.yaml").read_text(encoding="utf-8"))
    developer = knowledge["knowledge"]["developer"]
    assert (
        run_main(
            "pathways",
            "reviewer-key",
            "--name",
            developer,
            "--role",
            "author",
            "-o",
            str(key),
            "--pathways-dir",
            str(clinic),
        ).code
        == 0
    )
    run = run_main(
        "pathways", "review", "--approve", SURGERY, "--key", str(key), "--pathways-dir", str(clinic)
    )
    assert run.code == 2
    assert "another reviewer must decide" in run.stderr
    assert not (clinic / "reviews").exists()


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("reviews:\n  - statement: rec:a\n    statement: rec:b\n", "twice"),
        ("base: &r {statement: rec:a}\nreviews:\n  - *r\n", "alias"),
    ],
)
def test_a_review_file_with_a_duplicate_key_or_an_alias_is_refused(
    clinic: Path, text: str, found: str
) -> None:
    (clinic / "reviews").mkdir()
    (clinic / "reviews" / "dr-a.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PathwayError) as caught:
        load_knowledge_base(clinic)
    assert "reviews/dr-a.yaml" in str(caught.value)
    assert found in str(caught.value).lower() or "anchor" in str(caught.value).lower()


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_private_key_that_others_can_read_is_refused(clinic: Path, tmp_path: Path, mode: int) -> None:
    key = tmp_path / "reviewer.key"
    assert (
        run_main(
            "pathways",
            "reviewer-key",
            "--name",
            "Dr A",
            "--role",
            "surgeon",
            "-o",
            str(key),
            "--pathways-dir",
            str(clinic),
        ).code
        == 0
    )
    key.chmod(mode)
    with pytest.raises(UsageError):
        read_private_key(key)
    run = run_main(
        "pathways", "review", "--approve", SURGERY, "--key", str(key), "--pathways-dir", str(clinic)
    )
    assert run.code == 2 and "chmod 600" in run.stderr
    assert not (clinic / "reviews").exists()


def test_a_key_is_never_written_over_an_existing_file(clinic: Path, tmp_path: Path) -> None:
    key = tmp_path / "reviewer.key"
    key.write_text("mine", encoding="utf-8")
    run = run_main(
        "pathways",
        "reviewer-key",
        "--name",
        "Dr A",
        "--role",
        "surgeon",
        "-o",
        str(key),
        "--pathways-dir",
        str(clinic),
    )
    assert run.code == 2 and key.read_text(encoding="utf-8") == "mine"
    assert not (clinic / "reviewers.yaml").exists()


@pytest.mark.slow  # full audits and CLI processes
def test_the_release_gate_fails_until_every_reached_statement_is_approved(clinic: Path) -> None:
    run = run_main("pathways", "check", "--dir", str(clinic), "--require-review")
    assert run.code == 5
    assert f"{SURGERY} is unreviewed" in run.stdout


# --- what ships, and what every output says ---------------------------------------------------------


def test_the_built_in_knowledge_claims_no_review_that_did_not_happen(kb: KnowledgeBase) -> None:
    """No clinician has signed the built-in knowledge: it ships no reviewer and no review record.

    When a clinician does sign it, the records are added with this test changed in the same commit.
    """
    folder = PROJECT / "pathways"
    assert not (folder / "reviewers.yaml").exists() and not (folder / "reviews").exists()
    assert kb.stamp.review.approved == 0 and kb.stamp.review.statements > 100
    assert kb.stamp.reviewed == kb.stamp.edited
    assert not re.search(r"^\s*reviewed:", (folder / "knowledge.yaml").read_text(encoding="utf-8"), re.M)


@pytest.mark.parametrize(
    ("lang", "mark", "coverage"),
    [("en", "not reviewed", "0 of "), ("zh", "未审核", "中有0条经临床审核人批准")],
)
def test_every_output_marks_an_unapproved_action_in_the_readers_language(
    lang: str, mark: str, coverage: str, tmp_path: Path, kb: KnowledgeBase
) -> None:
    from ntrk_advisor.api import evaluate
    from ntrk_advisor.service.cards import result_cards

    case = tmp_path / "case.json"
    case.write_text(json.dumps(CASE), encoding="utf-8")
    for fmt in ("rich", "markdown", "html"):
        run = run_main("consult", "--case", str(case), "--no-input", "--format", fmt, "--lang", lang)
        assert mark in run.stdout or mark in run.stdout.replace("\n", ""), fmt
        assert coverage in run.stdout.replace("\n", ""), fmt
    data = run_main("consult", "--case", str(case), "--no-input", "--format", "json").json
    assert {a["review"]["status"] for a in data["actions"]} == {"unreviewed"}
    cards = result_cards(evaluate(CASE, lang, kb), kb, lang)  # type: ignore[arg-type]
    assert all(mark in card["detail"] for card in cards)
    for fmt in ("csv", "table"):
        run = run_main("batch", str(case), "--format", fmt, "--lang", lang)
        assert ("unreviewed" if fmt == "csv" else mark) in " ".join(run.stdout.split()), fmt
