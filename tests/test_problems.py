"""A problem in a data file reads the same whichever kind of file it is found in.

Pathway modules and practice scenarios are both YAML read by the one strict loader, and a problem
in either is printed `file:where: message`. One problem type and one step from a YAML error to a
problem keep the two from drifting apart; these tests hold them to it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ntrk_advisor.errors import PathwayError, PathwayProblem, Problem
from ntrk_advisor.pathway.knowledge import KnowledgeBase, load_knowledge_base
from ntrk_advisor.pathway.yaml_data import parse_yaml_file
from ntrk_advisor.practice.errors import ScenarioError, ScenarioProblem
from ntrk_advisor.practice.library import load_library

BROKEN = {
    "a syntax error": "questions:\n  age_years: [1, 2\n",
    "a key given twice": "questions: {}\nquestions: {}\n",
    "an anchor": "questions: &q {}\nmore: *q\n",
}


def test_a_pathway_problem_prints_file_node_and_message() -> None:
    problem = PathwayProblem("upfront.yaml", "phase", "branches.0.goto: unknown node")
    assert str(problem) == "upfront.yaml:phase: branches.0.goto: unknown node"
    assert repr(problem) == "PathwayProblem('upfront.yaml:phase: branches.0.goto: unknown node')"
    assert problem.node == problem.where == "phase"


def test_a_scenario_problem_prints_file_scenario_and_message() -> None:
    problem = ScenarioProblem("early.yaml", "early-01", "option 2 cites unknown argument 'A9'")
    assert str(problem) == "early.yaml:early-01: option 2 cites unknown argument 'A9'"
    assert repr(problem) == "ScenarioProblem(\"early.yaml:early-01: option 2 cites unknown argument 'A9'\")"
    assert problem.scenario == problem.where == "early-01"


def test_both_kinds_are_the_one_problem_type() -> None:
    pathway = PathwayProblem("a.yaml", "-", "file not found")
    scenario = ScenarioProblem("a.yaml", "-", "file not found")
    assert isinstance(pathway, Problem) and isinstance(scenario, Problem)
    assert str(pathway) == str(scenario) == str(Problem("a.yaml", "-", "file not found"))


def test_the_yaml_step_gives_the_data_and_no_problem_for_good_text() -> None:
    assert parse_yaml_file("a.yaml", "x: 1\n", PathwayProblem) == ({"x": 1}, None)


def test_the_yaml_step_gives_no_data_and_a_problem_of_the_kind_asked_for() -> None:
    data, problem = parse_yaml_file("a.yaml", "x: 1\nx: 2\n", ScenarioProblem)
    assert data is None
    assert isinstance(problem, ScenarioProblem)
    assert str(problem) == "a.yaml:line 2: the key 'x' is given twice"


@pytest.mark.parametrize("text", BROKEN.values(), ids=list(BROKEN))
def test_a_yaml_error_in_a_scenario_file_and_in_a_pathway_file_reads_the_same(
    text: str, pathways_copy: Path, tmp_path: Path, kb: KnowledgeBase
) -> None:
    (pathways_copy / "questions.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(PathwayError) as pathway_error:
        load_knowledge_base(pathways_copy)
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "questions.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as scenario_error:
        load_library(kb, scenarios)

    pathway = [p for p in pathway_error.value.problems if p.file == "questions.yaml"]
    scenario = list(scenario_error.value.problems)
    assert len(pathway) == len(scenario) == 1
    assert str(pathway[0]) == str(scenario[0])
    assert pathway[0].where.startswith("line ")


def test_importing_the_engine_loads_no_parser_validator_or_loading_module() -> None:
    slow = (
        "yaml",
        "pydantic",
        "ntrk_advisor.pathway.yaml_data",
        "ntrk_advisor.pathway.loading",
        "ntrk_advisor.pathway.schema",
        "ntrk_advisor.pathway.checks",
    )
    code = f"import sys, ntrk_advisor.engine; print(sorted(m for m in {slow!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
