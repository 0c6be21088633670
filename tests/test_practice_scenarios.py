"""The scenario library: every scenario validates, speaks both languages, and is keyed by the engine.

The expected key is recomputed here from the engine's result, independently of
`ntrk_advisor.practice.keying`, so a bug there (or a scenario that drifted from the advice) fails.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from ntrk_advisor.api import evaluate
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName, Status
from ntrk_advisor.i18n import all_texts
from ntrk_advisor.pathway.knowledge import KnowledgeBase, builtin_source
from ntrk_advisor.practice.errors import ScenarioError, UnknownScenario
from ntrk_advisor.practice.library import ScenarioLibrary, load_library

TEXTS = {k: v for k, v in all_texts().items() if k.startswith("practice.")}

SCENARIO_DIR = Path(str(builtin_source().joinpath("scenarios")))
RAW: list[dict[str, Any]] = [
    s
    for path in sorted(SCENARIO_DIR.glob("*.yaml"))
    for s in yaml.safe_load(path.read_text(encoding="utf-8"))["scenarios"]
]
IDS = [s["id"] for s in RAW]
HAN = re.compile(r"[\u4e00-\u9fff]")
POSITIVE = ("urgent", "preferred", "recommended")


@pytest.fixture(scope="module")
def library(kb: KnowledgeBase) -> ScenarioLibrary:
    return load_library(kb)


def engine_result(raw: dict[str, Any], kb: KnowledgeBase) -> Result:
    return evaluate(raw["case"], "en", kb)


def expected_key(raw: dict[str, Any], result: Result) -> tuple[str, str]:
    """(action, strength) that answers the question, straight from the engine's actions."""
    actions = [(a.action.value, a.strength.value, a.order) for a in result.actions]
    if raw["question"] == "avoid":
        avoid = [(code, strength) for code, strength, _ in actions if strength == "not_recommended"]
        assert avoid, f"{raw['id']}: an 'avoid' scenario needs a not_recommended action"
        return avoid[0]
    for strength in POSITIVE:
        found = [(order, code) for code, s, order in actions if s == strength and code != "mdt_review"]
        if found:
            return min(found, key=lambda item: item[0])[1], strength  # min keeps the first on a tie
    raise AssertionError(f"{raw['id']}: no keyable action in the engine's result")


# --- the library as a whole -----------------------------------------------------------------------


def test_the_library_loads_every_scenario_file(library: ScenarioLibrary) -> None:
    assert [k.id for k in library] == IDS
    assert len(set(IDS)) == len(IDS)


def test_at_least_24_scenarios_cover_every_pathway_for_adults_and_children(library: ScenarioLibrary) -> None:
    assert len(library) >= 24
    cells = Counter((k.scenario.pathway, k.scenario.age_group) for k in library)
    missing = [(p.value, a.value) for p in PathwayName for a in AgeGroup if cells[p, a] < 1]
    assert missing == []


def test_each_pathway_runs_from_easy_to_hard(library: ScenarioLibrary) -> None:
    levels = {
        p: {k.scenario.difficulty.value for k in library if k.scenario.pathway is p} for p in PathwayName
    }
    assert {p.value: sorted(v) for p, v in levels.items() if v != {"easy", "medium", "hard"}} == {}


def test_every_question_kind_is_used(library: ScenarioLibrary) -> None:
    assert {k.scenario.question.value for k in library} == {"next_step", "avoid", "timing"}


def test_the_key_is_not_always_in_the_same_position(library: ScenarioLibrary) -> None:
    positions = Counter(k.key_index for k in library)
    assert len(positions) >= 3
    assert max(positions.values()) <= len(library) / 2


# --- each scenario ----------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_the_case_is_complete_and_ends_where_the_scenario_says(
    raw: dict[str, Any], kb: KnowledgeBase
) -> None:
    result = engine_result(raw, kb)
    assert result.status is Status.COMPLETE, (result.missing, result.errors)
    assert result.pathway is not None and result.pathway.value == raw["pathway"]
    assert result.age_group is not None and result.age_group.value == raw["age_group"]


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_the_options_contain_the_engine_derived_key_exactly_once(
    raw: dict[str, Any], kb: KnowledgeBase, library: ScenarioLibrary
) -> None:
    key, _ = expected_key(raw, engine_result(raw, kb))
    actions = [o["action"] for o in raw["options"]]
    assert 4 <= len(actions) <= 5
    assert len(set(actions)) == len(actions), "two options share an action"
    assert actions.count(key) == 1
    keyed = library.get(raw["id"])
    assert keyed.key.action.value == key
    assert keyed.key_option.action.value == key


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_no_distractor_is_advised_as_strongly_as_the_key(raw: dict[str, Any], kb: KnowledgeBase) -> None:
    result = engine_result(raw, kb)
    key, strength = expected_key(raw, result)
    same = {a.action.value for a in result.actions if a.strength.value == strength}
    distractors = [o["action"] for o in raw["options"] if o["action"] != key]
    assert [d for d in distractors if d in same] == []


@pytest.mark.parametrize("raw", [r for r in RAW if r["question"] == "avoid"], ids=lambda r: r["id"])
def test_in_an_avoid_question_every_distractor_is_something_the_engine_advises(
    raw: dict[str, Any], kb: KnowledgeBase
) -> None:
    result = engine_result(raw, kb)
    key, _ = expected_key(raw, result)
    advised = {a.action.value for a in result.actions if a.strength.value != "not_recommended"}
    assert [o["action"] for o in raw["options"] if o["action"] != key and o["action"] not in advised] == []


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_every_distractor_says_why_it_is_weaker_and_the_key_does_not(
    raw: dict[str, Any], kb: KnowledgeBase
) -> None:
    key, _ = expected_key(raw, engine_result(raw, kb))
    for option in raw["options"]:
        assert ("why_weaker" in option) == (option["action"] != key), option["action"]


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_every_text_is_in_english_and_chinese(raw: dict[str, Any]) -> None:
    texts = [raw["title"], raw["vignette"], raw["prompt"]]
    texts += [o["text"] for o in raw["options"]] + [
        o["why_weaker"] for o in raw["options"] if "why_weaker" in o
    ]
    texts += [p["text"] for p in raw["teaching_points"]]
    for text in texts:
        assert set(text) == {"en", "zh"}
        assert text["en"].strip() and not HAN.search(text["en"]), text["en"]
        assert HAN.search(text["zh"]), text["zh"]


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_every_option_and_teaching_point_cites_known_article_arguments(
    raw: dict[str, Any], kb: KnowledgeBase
) -> None:
    cited = [o["arguments"] for o in raw["options"]] + [p["arguments"] for p in raw["teaching_points"]]
    assert all(cited), "every option and teaching point cites at least one argument"
    assert sorted({a for ids in cited for a in ids} - set(kb.arguments.arguments)) == []
    evidence = [e for item in raw["options"] + raw["teaching_points"] for e in item.get("evidence", [])]
    assert sorted(set(evidence) - set(kb.evidence.evidence)) == []


@pytest.mark.parametrize("raw", RAW, ids=IDS)
def test_the_case_holds_no_identifier_and_the_vignette_no_name(raw: dict[str, Any]) -> None:
    assert "id" not in raw["case"]  # the scenario ID becomes the case ID
    assert not re.search(r"\b(Mr|Mrs|Ms|Dr)\.? [A-Z]|\bMRN\b|\bDOB\b", raw["vignette"]["en"])
    assert not re.search(r"\d{4}-\d{2}-\d{2}", raw["vignette"]["en"])


def test_the_article_situations_are_all_there(library: ScenarioLibrary) -> None:
    by_id = {k.id: k for k in library}

    def case(sid: str) -> Any:
        return by_id[sid].case

    infant = case("la-infant-leg-fibrosarcoma")
    assert infant.age_years is not None and infant.age_years < 1 and "leg" in (infant.tumor_type or "")
    assert case("met-liver-oligoprogression").progression is not None
    assert case("met-liver-oligoprogression").progression.value == "oligo"
    assert [e.value for e in case("met-bowel-obstruction-responding").emergency or ()] == [
        "bowel_obstruction"
    ]
    assert case("res-solvent-front").resistance_mechanism is not None
    assert case("res-solvent-front").resistance_mechanism.value == "solvent_front"
    high_risk = case("early-resected-high-risk")
    assert high_risk.resection_margin is not None and high_risk.resection_margin.value == "r0"
    assert high_risk.high_risk_features


def test_an_unknown_id_is_refused_with_a_suggestion(library: ScenarioLibrary) -> None:
    with pytest.raises(UnknownScenario) as caught:
        library.get("res-solvent-frnt")
    assert "did you mean 'res-solvent-front'" in str(caught.value)


def test_ids_are_found_whatever_the_case_of_the_letters(library: ScenarioLibrary) -> None:
    assert library.get(" RES-SOLVENT-FRONT ").id == "res-solvent-front"


def test_every_practice_interface_text_has_both_languages_and_the_same_placeholders() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    assert [k for k, v in TEXTS.items() if not (v.get("en", "").strip() and v.get("zh", "").strip())] == []
    assert [k for k, v in TEXTS.items() if fields(v["en"]) != fields(v["zh"])] == []
    assert [k for k, v in TEXTS.items() if not HAN.search(v["zh"])] == []


# --- load-time validation refuses a broken library ---------------------------------------------------


@pytest.fixture
def scenario_copy(tmp_path: Path) -> Path:
    target = tmp_path / "scenarios"
    shutil.copytree(SCENARIO_DIR, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return target


def edit(folder: Path, scenario_id: str, change: Any) -> None:
    """Apply `change(scenario_dict)` to one scenario in a copied folder."""
    for path in folder.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for scenario in data["scenarios"]:
            if scenario["id"] == scenario_id:
                change(scenario)
                path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
                return
    raise AssertionError(scenario_id)


def problems_of(folder: Path, kb: KnowledgeBase) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_library(kb, folder)
    return str(caught.value)


def key_action(library: ScenarioLibrary, scenario_id: str) -> str:
    return library.get(scenario_id).key.action.value


def test_an_unchanged_copy_loads(scenario_copy: Path, kb: KnowledgeBase) -> None:
    assert len(load_library(kb, scenario_copy)) == len(RAW)


def test_options_without_the_key_are_refused(
    scenario_copy: Path, kb: KnowledgeBase, library: ScenarioLibrary
) -> None:
    key = key_action(library, "res-solvent-front")
    edit(
        scenario_copy,
        "res-solvent-front",
        lambda s: s["options"].__setitem__(
            next(i for i, o in enumerate(s["options"]) if o["action"] == key),
            {
                "action": "observation",
                "text": {"en": "Watch", "zh": "观察"},
                "why_weaker": {"en": "x", "zh": "x"},
                "arguments": ["resistance.switch_options"],
            },
        ),
    )
    message = problems_of(scenario_copy, kb)
    assert f"resistant.yaml:res-solvent-front: no option has the keyed action '{key}'" in message


def test_two_options_with_one_action_are_refused(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(
        scenario_copy,
        "dx-ihc-colorectal",
        lambda s: s["options"][3].__setitem__("action", s["options"][0]["action"]),
    )
    assert "diagnostic.yaml:dx-ihc-colorectal: two options share the action systemic_trk" in problems_of(
        scenario_copy, kb
    )


def test_a_distractor_advised_as_strongly_as_the_key_is_refused(
    scenario_copy: Path, kb: KnowledgeBase
) -> None:
    # In oligoprogression the engine prefers both keeping the drug and local therapy.
    def swap(s: dict[str, Any]) -> None:
        s["options"][0] = {**s["options"][0], "action": "local_ablative_therapy"}

    edit(scenario_copy, "met-child-lung-nodule-oligo", swap)
    message = problems_of(scenario_copy, kb)
    assert (
        "option 1 (local_ablative_therapy) is a distractor, yet the engine also gives it as 'preferred'"
        in message
    )


def test_a_hand_written_answer_field_is_refused(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(scenario_copy, "dx-ihc-colorectal", lambda s: s.__setitem__("answer", "confirm_fusion"))
    assert "dx-ihc-colorectal: answer: Extra inputs are not permitted" in problems_of(scenario_copy, kb)


def test_unknown_argument_ids_are_refused(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(
        scenario_copy,
        "dx-ihc-colorectal",
        lambda s: s["teaching_points"][0].__setitem__("arguments", ["made.up"]),
    )
    assert "teaching point 1 cites unknown argument 'made.up'" in problems_of(scenario_copy, kb)


def test_a_missing_chinese_text_is_refused(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(scenario_copy, "early-parotid-upfront", lambda s: s["vignette"].pop("zh"))
    assert "early-parotid-upfront: vignette.zh: Field required" in problems_of(scenario_copy, kb)


def test_an_incomplete_case_is_refused(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(scenario_copy, "early-parotid-upfront", lambda s: s["case"].pop("treatment_phase"))
    assert "the case must evaluate 'complete', not 'incomplete' (treatment_phase)" in problems_of(
        scenario_copy, kb
    )


def test_an_avoid_question_needs_a_not_recommended_action(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(scenario_copy, "res-solvent-front", lambda s: s.__setitem__("question", "avoid"))
    assert "has no not_recommended action to key a 'avoid' question" in problems_of(scenario_copy, kb)


def test_a_declared_pathway_that_the_case_does_not_reach_is_refused(
    scenario_copy: Path, kb: KnowledgeBase
) -> None:
    edit(scenario_copy, "res-bypass-teen-avoid", lambda s: s.__setitem__("pathway", "metastatic"))
    assert "declares pathway 'metastatic' but the case ends in 'resistant'" in problems_of(scenario_copy, kb)


def test_a_duplicated_id_is_refused(scenario_copy: Path, kb: KnowledgeBase) -> None:
    edit(scenario_copy, "dx-point-mutation-lung", lambda s: s.__setitem__("id", "dx-ihc-colorectal"))
    assert "dx-ihc-colorectal: ID already used in diagnostic.yaml" in problems_of(scenario_copy, kb)


def test_a_local_copy_of_the_pathways_brings_its_own_scenarios(tmp_path: Path) -> None:
    from ntrk_advisor.authoring.local_copy import make_local_copy
    from ntrk_advisor.pathway.knowledge import load_knowledge_base

    local = tmp_path / "local"
    make_local_copy(local)
    edit(local / "scenarios", "dx-ihc-colorectal", lambda s: s["title"].__setitem__("en", "Local title"))
    library = load_library(load_knowledge_base(local))
    assert library.get("dx-ihc-colorectal").scenario.title.en == "Local title"
    assert library.kb.builtin is False and len(library) == len(RAW)
