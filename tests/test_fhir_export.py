"""`pathways export --format fhir`: the knowledge as CPG-on-FHIR, proven equal to the engine.

Structure: every resource parses with the `fhir.resources` R4B models (the package has no plain R4
set), and the profile rules those models do not check are checked here. Equivalence: our own small
`$apply` (tests/cpg_apply.py) walks the exported PlanDefinitions for a case given as a
QuestionnaireResponse and must find exactly the engine's nodes, statements, strengths, steps,
evidence levels and cautions, in order, and for a partial case the engine's first missing
question; the slow test does so for every answer combination `pathways check` walks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.authoring import cpg_canonicals as cpg
from ntrk_advisor.authoring.audit import walk_leaves
from ntrk_advisor.authoring.fhir_export import fhir_bundle, fhir_resources, resource_id
from ntrk_advisor.authoring.local_copy import make_local_copy
from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.engine import Decision, build_result, decide
from ntrk_advisor.pathway.knowledge import KnowledgeBase, load_knowledge_base
from ntrk_advisor.walk import walk_states
from tests.cpg_apply import Applied, Apply, ExactlyOneBroken, response

fhirpathpy = pytest.importorskip("fhirpathpy")


def combinations(kb: KnowledgeBase) -> Iterator[tuple[Case, Decision]]:
    """Every answer set `pathways check` visits (`walk.walk_states`), the partial ones included."""
    for _, case, decision in walk_states(kb):
        yield case, decision


def expected(kb: KnowledgeBase, decision: Decision) -> Applied:
    """What the engine says, in the export's terms."""
    band = decision.age_band
    assert band is not None
    out = Applied(missing=decision.missing[0] if decision.missing else None)
    for node in decision.contributors:
        assert node.bundle is not None
        statements = [
            (
                resource_id(ref.use),
                ref.strength.value,
                ref.step,
                (ref.level_for(band) or kb.statement(ref.use, "en", band).evidence_level).value,
            )
            for ref in node.bundle.actions
        ]
        cautions = [c.id for c in node.bundle.cautions if band in c.bands]
        sharing = tuple(name for name in ("alongside", "together") if getattr(node.bundle, name))
        out.nodes.append((node.qid, statements, cautions, sharing))
    return out


def engine_plan(kb: KnowledgeBase, decision: Decision) -> list[tuple[str, str, int, str]]:
    """The actions of the engine's result: (action, strength, order, evidence level)."""
    if decision.status is not Status.COMPLETE:
        return []
    result = build_result(decision, None, "en", kb)
    return [(a.action.value, a.strength.value, a.order, a.evidence_level.value) for a in result.actions]


def differs(kb: KnowledgeBase, apply: Apply, case: Case, decision: Decision) -> str | None:
    """How the export's answer for a case differs from the engine's (None: it does not)."""
    want = expected(kb, decision)
    try:
        got = apply.run(response(case))
    except ExactlyOneBroken as exc:
        return f"{case.answers()}: {exc}"
    if (got.nodes, got.missing) != (want.nodes, want.missing):
        return f"{case.answers()}: {got} != {want}"
    plan = apply.plan(got) if got.missing is None else []
    if plan != engine_plan(kb, decision):
        return f"{case.answers()}: plan {plan} != {engine_plan(kb, decision)}"
    return None


def mismatches(
    kb: KnowledgeBase, resources: list[dict[str, Any]], sample: int | None
) -> tuple[int, list[str]]:
    """(combinations compared, the first few that differ); `sample` takes every n-th combination."""
    apply = Apply(resources)
    found: list[str] = []
    count = 0
    for n, (case, decision) in enumerate(combinations(kb)):
        if sample is not None and n % sample:
            continue
        count += 1
        difference = differs(kb, apply, case, decision)
        if difference is not None:
            found.append(difference)
        if len(found) >= 3:
            break
    return count, found


@pytest.fixture(scope="module")
def builtin() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def resources(builtin: KnowledgeBase) -> list[dict[str, Any]]:
    return fhir_resources(builtin)


# structure


@pytest.mark.slow
def test_every_resource_of_the_bundle_parses_with_the_r4b_models(builtin: KnowledgeBase) -> None:
    models = pytest.importorskip("fhir.resources.R4B.bundle")
    bundle = fhir_bundle(builtin)
    models.Bundle.model_validate(bundle)  # raises on any structural error
    assert bundle["type"] == "collection"
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])


def _actions(actions: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for action in actions:
        yield action
        yield from _actions(action.get("action", []))


def test_the_profile_rules_the_models_do_not_check_hold(
    builtin: KnowledgeBase, resources: list[dict[str, Any]]
) -> None:
    by_type: dict[str, list[dict[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)
    systems = {r["url"]: {c["code"] for c in r["concept"]} for r in by_type["CodeSystem"]}
    activities = {r["url"] for r in by_type["ActivityDefinition"]}
    plans = {r["url"] for r in by_type["PlanDefinition"]}
    for plan in by_type["PlanDefinition"]:
        profile = plan["meta"]["profile"]
        kind = plan["type"]["coding"][0]
        assert kind["system"] == cpg.PLAN_DEFINITION_TYPE
        assert plan["version"] == builtin.stamp.version and plan["action"], plan["id"]
        if profile == [cpg.STRATEGY_DEFINITION]:
            assert kind["code"] == "workflow-definition"
            for top in plan["action"]:  # title, description, code 1..1; definition only a recommendation
                assert top["title"] and top["description"] and len(top["code"]) == 1
                assert top["code"][0]["coding"][0]["system"] == cpg.COMMON_PROCESS_SYSTEM
                assert top["definitionCanonical"].split("|")[0] in plans
                assert "dynamicValue" not in top and "type" not in top
        else:
            assert profile == [cpg.RECOMMENDATION_DEFINITION] and kind["code"] == "eca-rule"
            for top in plan["action"]:  # definition[x] only an ActivityDefinition at the top level
                assert "/PlanDefinition/" not in top.get("definitionCanonical", "")
        for action in _actions(plan["action"]):
            target = action.get("definitionCanonical", "").split("|")[0]
            assert not target or target in activities | plans, target
            if action.get("selectionBehavior") == "exactly-one":
                assert all(child["condition"] for child in action["action"])
            for condition in action.get("condition", []):
                assert condition["kind"] == "applicability"
                assert condition["expression"]["language"] == cpg.FHIRPATH
            if target in activities:  # a statement: each extension once, codes from their systems
                urls = [e["url"] for e in action["extension"]]
                assert sorted(urls) == sorted({cpg.STRENGTH, cpg.DIRECTION, cpg.QUALITY}), action["id"]
                for ext in action["extension"]:
                    coding = ext["valueCodeableConcept"]["coding"][0]
                    if ext["url"] == cpg.DIRECTION:  # required binding
                        assert coding["system"] == cpg.DIRECTION_SYSTEM and coding["code"] in (
                            "for",
                            "against",
                        )
                    else:
                        assert coding["code"] in systems[coding["system"]]
                direction = next(e for e in action["extension"] if e["url"] == cpg.DIRECTION)
                strength = next(e for e in action["extension"] if e["url"] == cpg.STRENGTH)
                against = strength["valueCodeableConcept"]["coding"][0]["code"] == "not_recommended"
                assert (direction["valueCodeableConcept"]["coding"][0]["code"] == "against") is against
                assert action["documentation"] and action["prefix"].isdigit()
    for activity in by_type["ActivityDefinition"]:
        assert activity["meta"]["profile"] == [cpg.COMPUTABLE_ACTIVITY] and activity["kind"]
        assert [e["url"] for e in activity["extension"]] == [cpg.RATIONALE]
        assert any(a["type"] == "citation" for a in activity["relatedArtifact"])
    strengths = systems[f"{cpg.DEFAULT_BASE_URL}/CodeSystem/strength"]
    levels = systems[f"{cpg.DEFAULT_BASE_URL}/CodeSystem/evidence-level"]
    assert len(strengths) == 6 and len(levels) == 8
    (questionnaire,) = by_type["Questionnaire"]
    assert questionnaire["meta"]["profile"] == [cpg.COMPUTABLE_QUESTIONNAIRE]
    for item in questionnaire["item"]:
        for option in item.get("answerOption", []):
            assert option["valueCoding"]["code"] in systems[option["valueCoding"]["system"]]


@pytest.mark.slow
def test_the_export_is_the_same_bytes_every_time_and_follows_the_base_url(builtin: KnowledgeBase) -> None:
    first = json.dumps(fhir_bundle(builtin), ensure_ascii=False)
    assert first == json.dumps(fhir_bundle(builtin), ensure_ascii=False)
    moved = json.dumps(fhir_bundle(builtin, "https://kb.hospital.example/fhir/"), ensure_ascii=False)
    assert (
        cpg.DEFAULT_BASE_URL not in moved and "https://kb.hospital.example/fhir/PlanDefinition/early" in moved
    )


def test_every_node_is_written_once(builtin: KnowledgeBase, resources: list[dict[str, Any]]) -> None:
    ids = [
        a["id"]
        for r in resources
        if r["resourceType"] == "PlanDefinition"
        for a in _actions(r["action"])
        if a["id"] in builtin.nodes
    ]
    assert sorted(ids) == sorted(builtin.nodes)


def test_a_chinese_questionnaire_has_a_text_for_every_item_and_option(
    resources: list[dict[str, Any]],
) -> None:
    (questionnaire,) = [r for r in resources if r["resourceType"] == "Questionnaire"]

    def chinese(element: dict[str, Any]) -> str:
        (ext,) = element["extension"]
        parts = {p["url"]: p for p in ext["extension"]}
        assert ext["url"] == cpg.TRANSLATION and parts["lang"]["valueCode"] == "zh"
        text: str = parts["content"]["valueString"]
        return text

    assert chinese(questionnaire["_title"])
    options = 0
    for item in questionnaire["item"]:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese(item["_text"])), item["linkId"]
        for option in item.get("answerOption", []):
            options += 1
            assert chinese(option["valueCoding"]["_display"]).strip(), (item["linkId"], option)
    assert options > 50


# equivalence

SAMPLE = Path(__file__).parent / "fixtures" / "fhir_export_sample.json"
"""A fixed sample of the walk (every 797th combination, partial ones included) for the quick suite."""


def sample_cases() -> list[Case]:
    return [case_from_data(answers) for answers in json.loads(SAMPLE.read_text())["cases"]]


def compare(kb: KnowledgeBase, resources: list[dict[str, Any]], cases: list[Case]) -> list[str]:
    apply = Apply(resources)
    found = [differs(kb, apply, case, decide(case, kb)) for case in cases]
    return [f for f in found if f is not None]


def test_the_export_gives_the_engines_answer_on_a_fixed_sample_of_the_walk(
    builtin: KnowledgeBase, resources: list[dict[str, Any]]
) -> None:
    cases = sample_cases()
    assert len(cases) == 40 and sum(decide(c, builtin).status is Status.COMPLETE for c in cases) > 10
    assert compare(builtin, resources, cases) == []


@pytest.mark.slow
def test_the_export_gives_the_engines_answer_on_every_combination_the_check_walks(
    builtin: KnowledgeBase, resources: list[dict[str, Any]]
) -> None:
    count, found = mismatches(builtin, resources, None)
    complete = sum(d.status is Status.COMPLETE for _, d in combinations(builtin))
    print(f"{count} combinations ({complete} complete), {len(found)} mismatches")
    assert found == [] and count > 11_000
    assert complete == len(walk_leaves(builtin))  # the very combinations `pathways check` walks


@pytest.mark.slow
def test_the_questionnaire_enables_exactly_the_questions_on_the_path(
    builtin: KnowledgeBase, resources: list[dict[str, Any]]
) -> None:
    (questionnaire,) = [r for r in resources if r["resourceType"] == "Questionnaire"]
    apply = Apply(resources)
    for case in sample_cases()[:8]:
        decision = decide(case, builtin)
        asked = {node.field for node in decision.trail if node.kind == "ask" and node.field}
        enabled = apply.enabled(questionnaire, response(case))
        askable = {i["linkId"] for i in questionnaire["item"] if "extension" in i}
        assert enabled & askable == asked, case.answers()


# mutation: the proof must be able to fail


def _mutated(resources: list[dict[str, Any]], change: Any) -> list[dict[str, Any]]:
    copied = copy.deepcopy(resources)
    for resource in copied:
        if change(resource):
            return copied
    raise AssertionError("nothing to mutate")


def _break_condition(plan: dict[str, Any]) -> bool:
    if plan["resourceType"] != "PlanDefinition":
        return False
    for action in _actions(plan["action"]):
        for condition in action.get("condition", []):
            expression = condition["expression"]
            if "where($this = true)" in expression["expression"]:
                expression["expression"] = expression["expression"].replace("$this = true", "$this = false")
                return True
    return False


def _swap_strength(plan: dict[str, Any]) -> bool:
    if plan["resourceType"] != "PlanDefinition":
        return False
    for action in _actions(plan["action"]):
        for ext in action.get("extension", []):
            coding = ext.get("valueCodeableConcept", {}).get("coding", [{}])[0]
            if ext["url"] == cpg.STRENGTH and coding["code"] == "preferred":
                coding["code"] = "consider"
                return True
    return False


def _drop_branch(plan: dict[str, Any]) -> bool:
    if plan["resourceType"] != "PlanDefinition":
        return False
    for action in _actions(plan["action"]):
        if action.get("selectionBehavior") == "exactly-one" and len(action["action"]) > 1:
            del action["action"][-1]
            return True
    return False


def _recode_activity(activity: dict[str, Any]) -> bool:
    """Only the merged plan can see this: the statement now names another action."""
    if activity["resourceType"] != "ActivityDefinition" or activity["id"] != "mdt.plan-review":
        return False
    activity["code"]["coding"][0]["code"] = "clinical_trial"
    return True


@pytest.mark.slow
@pytest.mark.parametrize("change", [_break_condition, _swap_strength, _drop_branch, _recode_activity])
def test_a_broken_export_fails_the_equivalence(
    builtin: KnowledgeBase, resources: list[dict[str, Any]], change: Any
) -> None:
    _, found = mismatches(builtin, _mutated(resources, change), None)
    assert found


# an institution's copy


@pytest.mark.slow
def test_a_pathways_init_copy_exports_under_its_own_name_and_passes_the_same_proof(tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    make_local_copy(folder)
    kb = load_knowledge_base(folder)
    resources = fhir_resources(kb)
    models = pytest.importorskip("fhir.resources.R4B.bundle")
    models.Bundle.model_validate(fhir_bundle(kb))
    assert all(r["version"] == kb.stamp.version for r in resources if "version" in r)
    count, found = mismatches(kb, resources, 97)
    assert count > 100 and found == []


@pytest.mark.slow
def test_the_command_writes_the_bundle_or_one_file_per_resource(tmp_path: Path) -> None:
    import subprocess
    import sys

    cli = [sys.executable, "-m", "ntrk_advisor", "pathways", "export", "--format", "fhir"]
    out = tmp_path / "ntrk.fhir.json"
    subprocess.run([*cli, "-o", str(out), "--base-url", "https://kb.hospital.example/fhir"], check=True)
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert bundle["entry"][0]["fullUrl"].startswith("https://kb.hospital.example/fhir/")
    folder = tmp_path / "fhir"
    folder.mkdir()
    subprocess.run([*cli, "-o", str(folder)], check=True)
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == len(bundle["entry"]) and "Questionnaire-case.json" in files


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [
        ["--format", "fhir", "--pathway", "early"],
        ["--format", "json", "--base-url", "https://kb.example/fhir"],
    ],
)
def test_options_that_do_not_go_with_the_fhir_export_are_refused(extra: list[str]) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "pathways", "export", *extra], capture_output=True, text=True
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "--pathway" in done.stderr or "--base-url" in done.stderr
