"""Pathway tooling: list, show, check, export, init, local copies, schemas, transparency commands."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from ntrk_advisor.api import evaluate
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.pathway.graph import edges_of
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.schemas import case_schema, pathway_schema, result_schema
from tests.conftest import EXAMPLES, PROJECT, CliRun

Run = Callable[..., CliRun]


def tree_edges(kb: KnowledgeBase) -> set[tuple[str, str]]:
    return {(e.source, e.target) for node in kb.nodes.values() for e in edges_of(node)}


def test_list_counts_nodes_and_outcomes_and_shows_the_version(run_cli: Run, kb: KnowledgeBase) -> None:
    out = run_cli("pathways", "list", env={"COLUMNS": "150"})
    assert out.code == 0 and kb.stamp.version in out.stdout
    outcomes = sum(1 for n in kb.pathways["resistant"].nodes.values() if n.outcome)  # type: ignore[index]
    assert re.search(rf"resistant\s.*\s{len(kb.pathways['resistant'].nodes)}\s.*\s{outcomes}\s", out.stdout)  # type: ignore[index]


def test_show_draws_questions_branches_and_outcomes(run_cli: Run) -> None:
    out = run_cli("pathways", "show", "resistant", env={"COLUMNS": "160"})
    assert out.code == 0
    assert "? Resistance mechanism" in out.stdout and "= xdfg" in out.stdout
    assert "■ clinical_trial (preferred)" in out.stdout


def test_show_with_a_case_highlights_its_path_and_only_its_pathways(run_cli: Run, tmp_path: Path) -> None:
    case = tmp_path / "case.json"
    case.write_text(EXAMPLES.read_text(encoding="utf-8").splitlines()[3], encoding="utf-8")  # ex-g595r
    out = run_cli("pathways", "show", "--case", str(case), env={"COLUMNS": "160"})
    assert out.code == 0
    assert out.stdout.startswith("diagnostic:") and "resistant:" in out.stdout
    assert "early:" not in out.stdout and "metastatic:" not in out.stdout


@pytest.mark.slow
def test_check_passes_on_the_builtins(run_cli: Run) -> None:
    out = run_cli("pathways", "check")
    assert out.code == 0 and out.stdout == ""
    assert "all checks passed" in out.stderr and "answer combinations walked" in out.stderr


def broken_copy(copy: Path, name: str, change: Callable[[Any], None]) -> Path:
    knowledge = copy / "knowledge.yaml"
    knowledge.write_text(
        knowledge.read_text(encoding="utf-8").replace("ntrk-advisor built-in pathways", "Clinic copy"),
        encoding="utf-8",
    )
    path = copy / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "early.yaml",
            lambda d: d["nodes"]["phase"]["branches"][0].update(goto="gone"),
            "early.yaml:phase: branch 1: goto 'gone' not found in early.yaml",
        ),
        (
            "early.yaml",
            lambda d: d["nodes"].update(
                orphan={"outcome": {"actions": [{"use": "mdt.plan_review", "strength": "recommended"}]}}
            ),
            "early.yaml:orphan: unreachable from the diagnostic gate",
        ),
        (
            "resistant.yaml",
            lambda d: d["nodes"]["pattern"]["branches"].pop(0),
            "resistant.yaml:pattern: values of 'progression' not covered: none",
        ),
        (
            "early.yaml",
            lambda d: d["nodes"]["upfront_surgery"]["outcome"]["actions"].pop(),
            "early.yaml:upfront_surgery: an outcome must include an mdt_review action",
        ),
        (
            "cautions.yaml",
            lambda d: d["cautions"]["withdrawal_pain"]["text"].pop("en"),
            "cautions.yaml:withdrawal_pain: text.en: Field required",
        ),
        (
            "recommendations.yaml",
            lambda d: d["statements"]["chemotherapy.resistance"].update(action="radiation"),
            "recommendations.yaml:chemotherapy.resistance: action: Input should be",
        ),
        pytest.param(  # only a full audit, exhaustive walk included, finds unused evidence
            "evidence.yaml",
            lambda d: d["evidence"].update(
                {
                    "unused-2020": {
                        "authors": "Nobody A, et al.",
                        "title": "Nothing",
                        "journal": "J Nowhere",
                        "year": 2020,
                        "kind": "review",
                        "reviews": "retrospective",
                        "doi": "10.1000/nothing",
                        "verified": False,
                        "summary": {"en": "x", "zh": "x"},
                    }
                }
            ),
            "evidence.yaml:unused-2020: unused evidence: nothing cites it",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_check_fails_clearly_on_a_broken_copy(
    run_cli: Run, pathways_copy: Path, name: str, change: Callable[[Any], None], expected: str
) -> None:
    out = run_cli("pathways", "check", "--dir", str(broken_copy(pathways_copy, name, change)))
    assert out.code == ExitCode.PROBLEMS == 5
    assert any(line.startswith(expected) for line in out.stdout.splitlines()), out.stdout


def test_check_refuses_a_copy_that_still_carries_the_builtin_name(run_cli: Run, pathways_copy: Path) -> None:
    out = run_cli("pathways", "check", "--dir", str(pathways_copy))
    assert out.code == ExitCode.PROBLEMS and out.stdout.startswith(
        "knowledge.yaml:knowledge: a local copy must change 'name'"
    )


def mermaid_graph(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = set(re.findall(r"^  (\w+)[\[\{\(]", text, re.M))
    edges = set(re.findall(r"^  (\w+) -->(?:\|[^|]*\|)? (\w+)$", text, re.M))
    return {n.replace("__", ".") for n in nodes}, {
        (a.replace("__", "."), b.replace("__", ".")) for a, b in edges
    }


def dot_graph(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    nodes = set(re.findall(r'^  "([\w.]+)" \[', text, re.M))
    edges = set(re.findall(r'^  "([\w.]+)" -> "([\w.]+)"', text, re.M))
    return nodes, edges


def test_mermaid_export_has_exactly_the_nodes_and_edges_of_the_tree(run_cli: Run, kb: KnowledgeBase) -> None:
    text = run_cli("pathways", "export", "--format", "mermaid").stdout
    assert text.startswith("flowchart TD\n")
    assert mermaid_graph(text) == (set(kb.nodes), tree_edges(kb))


def test_dot_export_has_exactly_the_nodes_and_edges_of_the_tree(run_cli: Run, kb: KnowledgeBase) -> None:
    text = run_cli("pathways", "export", "--format", "dot").stdout
    assert text.startswith("digraph ") and text.rstrip().endswith("}")
    assert dot_graph(text) == (set(kb.nodes), tree_edges(kb))


def test_json_export_is_the_compiled_tree(run_cli: Run, kb: KnowledgeBase) -> None:
    data = json.loads(run_cli("pathways", "export", "--format", "json").stdout)
    assert data["entry"] == "diagnostic.age" and data["knowledge"]["version"] == kb.stamp.version
    assert {n["id"] for n in data["nodes"]} == set(kb.nodes)
    assert {(n["id"], e["to"]) for n in data["nodes"] for e in n["edges"]} == tree_edges(kb)


def test_export_of_one_pathway_shows_its_handoffs_as_targets_only(run_cli: Run, kb: KnowledgeBase) -> None:
    nodes, edges = mermaid_graph(
        run_cli("pathways", "export", "--format", "mermaid", "--pathway", "metastatic").stdout
    )
    assert "resistant.mechanism" in nodes
    assert all(source.startswith("metastatic.") for source, _ in edges)


def test_export_writes_a_file(run_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "tree.dot"
    assert run_cli("pathways", "export", "--format", "dot", "-o", str(target)).code == 0
    assert target.read_text(encoding="utf-8").startswith("digraph")


@pytest.mark.slow
def test_init_makes_a_renamed_copy_that_passes_check(run_cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "clinic"
    assert run_cli("pathways", "init", str(target)).code == 0
    assert (target / "resistant.yaml").exists()
    assert "Local pathways (clinic)" in (target / "knowledge.yaml").read_text(encoding="utf-8")
    assert "# yaml-language-server" in (target / "early.yaml").read_text(encoding="utf-8")  # comments kept
    assert run_cli("pathways", "check", "--dir", str(target)).code == 0


def test_init_refuses_a_folder_that_is_not_empty(run_cli: Run, tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x", encoding="utf-8")
    out = run_cli("pathways", "init", str(tmp_path))
    assert out.code == 2 and "not empty" in out.stderr


def edited_copy(run_cli: Run, tmp_path: Path) -> Path:
    target = tmp_path / "clinic"
    run_cli("pathways", "init", str(target))
    knowledge = target / "knowledge.yaml"
    text = knowledge.read_text(encoding="utf-8")
    knowledge.write_text(re.sub(r'version: ".*"', 'version: "clinic-3"', text, count=1), encoding="utf-8")
    early = target / "early.yaml"  # the clinic decides: no adjuvant discussion even for high risk
    early.write_text(
        early.read_text(encoding="utf-8").replace(
            "{use: adjuvant_trk.high_risk, strength: individualized, step: 2}",
            "{use: adjuvant_trk.high_risk, strength: not_recommended, step: 2}",
        ),
        encoding="utf-8",
    )
    return target


def test_consult_and_batch_run_on_an_edited_copy_and_carry_its_version(run_cli: Run, tmp_path: Path) -> None:
    copy = edited_copy(run_cli, tmp_path)
    case = tmp_path / "case.json"
    case.write_text(EXAMPLES.read_text(encoding="utf-8").splitlines()[1], encoding="utf-8")  # ex-masc-postop
    consult = run_cli(
        "--pathways-dir", str(copy), "consult", "--case", str(case), "--no-input", "--format", "json"
    )
    assert consult.code == 0
    assert consult.json["knowledge"]["version"] == "clinic-3"
    assert consult.json["knowledge"]["name"].startswith("Local pathways (clinic)")
    assert consult.json["actions"][1] == {
        **consult.json["actions"][1],
        "action": "adjuvant_trk",
        "strength": "not_recommended",
    }
    batch = run_cli("batch", str(EXAMPLES), "-q", env={"NTRK_ADVISOR_PATHWAYS": str(copy)})
    versions = {json.loads(line)["knowledge"]["version"] for line in batch.stdout.splitlines()}
    assert versions == {"clinic-3"}


def test_a_broken_local_copy_stops_consult_with_file_and_node(run_cli: Run, tmp_path: Path) -> None:
    copy = edited_copy(run_cli, tmp_path)
    (copy / "metastatic.yaml").write_text("pathway: metastatic\n", encoding="utf-8")
    out = run_cli("--pathways-dir", str(copy), "consult", "--age", "3", "--no-input", "--format", "json")
    assert out.code == 2 and out.stdout == ""
    assert "metastatic.yaml:" in out.stderr and "Traceback" not in out.stderr


def test_case_schema_validates_the_example_cases_and_rejects_the_typo() -> None:
    schema = case_schema()
    assert "case-insensitively" in schema["description"]
    cases = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    for case in cases:
        if case["id"] == "ex-typo":
            with pytest.raises(jsonschema.ValidationError):
                jsonschema.validate(case, schema)
        else:
            jsonschema.validate(case, schema)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_result_schema_validates_engine_results(lang: str) -> None:
    schema = result_schema()
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        jsonschema.validate(evaluate(json.loads(line), lang).to_dict(), schema)  # type: ignore[arg-type]


def test_pathway_schema_validates_every_builtin_pathway_file(kb: KnowledgeBase) -> None:
    schema = pathway_schema()
    for name in ("diagnostic", "early", "locally_advanced", "metastatic", "resistant"):
        jsonschema.validate(
            yaml.safe_load((PROJECT / "pathways" / f"{name}.yaml").read_text(encoding="utf-8")), schema
        )
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"pathway": "early", "title": {"en": "x"}, "summary": {}, "entry": "a", "nodes": {}}, schema
        )


def test_the_editor_schema_in_docs_is_the_generated_one(run_cli: Run) -> None:
    assert json.loads((PROJECT / "docs" / "pathway.schema.json").read_text(encoding="utf-8")) == json.loads(
        run_cli("schema", "pathway").stdout
    )


def test_schema_command_prints_each_schema(run_cli: Run) -> None:
    for name in ("case", "result", "pathway"):
        assert json.loads(run_cli("schema", name).stdout)["title"].startswith("ntrk-advisor")


def test_arguments_lists_every_argument_with_what_cites_it(run_cli: Run, kb: KnowledgeBase) -> None:
    out = run_cli("arguments", env={"COLUMNS": "250"})
    assert all(arg in out.stdout for arg in kb.arguments.arguments)
    one = run_cli("arguments", "resistance.oligo_local", "--lang", "zh", env={"COLUMNS": "250"})
    assert "resistant.oligo_resistance" in one.stdout and "S5" in one.stdout


def test_unknown_argument_or_evidence_is_a_usage_error(run_cli: Run) -> None:
    assert run_cli("arguments", "nope").code == 2
    assert run_cli("evidence", "nope").code == 2


def test_evidence_shows_full_references_and_what_cites_them(run_cli: Run) -> None:
    out = run_cli("evidence", "dubois-2018-cancer", env={"COLUMNS": "250"})
    assert "DuBois SG, Laetsch TW, Federman N, et al." in out.stdout
    assert "https://doi.org/10.1002/cncr.31701" in out.stdout
    assert "locally_advanced.neoadjuvant" in out.stdout


def test_about_states_intended_use_inputs_version_source_and_how_to_report(
    run_cli: Run, kb: KnowledgeBase
) -> None:
    out = run_cli("about", env={"COLUMNS": "200"}).stdout
    for expected in (
        "Intended use",
        "Not for patients",
        "age in years (the only demographic",
        kb.stamp.version,
        "吴丽",
        "Report a problem",
        "Open an issue",
    ):
        assert expected in out, expected


def test_dot_labels_break_lines_with_dots_own_escape_never_a_doubled_backslash(
    run_cli: Run, kb: KnowledgeBase
) -> None:
    text = run_cli("pathways", "export", "--format", "dot").stdout
    assert "\\\\n" not in text  # was `label="diagnostic.age\\nAge in years…"`: a literal backslash shown
    node_lines = [line for line in text.splitlines() if "label=" in line and " -> " not in line]
    assert len(node_lines) == len(kb.nodes)
    for line in node_lines:
        assert line.count("\\n") == 1, line  # the one join of the ID and the label
        qid = re.match(r'^  "([\w.]+)"', line)
        assert qid is not None and f'label="{qid.group(1)}\\n' in line


def test_a_dot_string_escapes_quotes_backslashes_and_line_breaks() -> None:
    from ntrk_advisor.authoring.export import dot_string

    assert dot_string("a.b", 'say "hi"') == '"a.b\\nsay \\"hi\\""'
    assert dot_string("C:\\x", "two\nlines") == '"C:\\\\x\\ntwo\\nlines"'


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_reads_the_dot_export(run_cli: Run) -> None:
    text = run_cli("pathways", "export", "--format", "dot").stdout
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == "" and "\\n" not in done.stdout
