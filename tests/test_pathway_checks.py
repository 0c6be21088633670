"""Every load-time check fails, naming file and node, when a copy of the pathways is broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ntrk_advisor.errors import PathwayError
from ntrk_advisor.pathway.knowledge import load_knowledge_base


def edit(folder: Path, name: str, change: Callable[[Any], None]) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def problems_raw(folder: Path) -> list[str]:
    with pytest.raises(PathwayError) as caught:
        load_knowledge_base(folder)
    return [str(p) for p in caught.value.problems]


def problems(folder: Path) -> list[str]:
    """Problems of a copy that has been renamed, as every usable local copy must be."""
    path = folder / "knowledge.yaml"
    if path.exists() and "ntrk-advisor built-in pathways" in path.read_text(encoding="utf-8"):
        edit(folder, "knowledge.yaml", lambda d: d["knowledge"].update(name="Test copy"))
    return problems_raw(folder)


def test_the_builtin_pathways_pass_every_check() -> None:
    kb = load_knowledge_base()
    assert len(kb.pathways) == 5


def test_an_untouched_copy_is_refused_because_it_would_pass_as_the_builtin_advice(
    pathways_copy: Path,
) -> None:
    (problem,) = problems_raw(pathways_copy)
    assert problem.startswith("knowledge.yaml:knowledge: a local copy must change 'name'")


def test_a_renamed_copy_loads_and_carries_its_own_name_and_version(pathways_copy: Path) -> None:
    edit(
        pathways_copy,
        "knowledge.yaml",
        lambda d: d["knowledge"].update(name="Clinic X pathways", version="7"),
    )
    stamp = load_knowledge_base(pathways_copy).stamp
    assert (stamp.name, stamp.version) == ("Clinic X pathways", "7")


def test_unreachable_node_is_reported(pathways_copy: Path) -> None:
    def add_orphan(data: Any) -> None:
        data["nodes"]["orphan"] = {
            "outcome": {"actions": [{"use": "mdt.plan_review", "strength": "recommended"}]}
        }

    edit(pathways_copy, "early.yaml", add_orphan)
    assert problems(pathways_copy) == ["early.yaml:orphan: unreachable from the diagnostic gate"]


def test_dangling_goto_is_reported(pathways_copy: Path) -> None:
    edit(pathways_copy, "early.yaml", lambda d: d["nodes"]["phase"]["branches"][0].update(goto="nowhere"))
    assert "early.yaml:phase: branch 1: goto 'nowhere' not found in early.yaml" in problems(pathways_copy)


def test_handoff_to_unknown_node_is_reported(pathways_copy: Path) -> None:
    edit(
        pathways_copy,
        "early.yaml",
        lambda d: d["nodes"]["margin"]["branches"][2].update(handoff="locally_advanced:nowhere"),
    )
    assert "early.yaml:margin: branch 3: handoff to unknown node 'locally_advanced:nowhere'" in problems(
        pathways_copy
    )


def test_cycle_is_reported(pathways_copy: Path) -> None:
    def loop(data: Any) -> None:
        data["nodes"]["brain_symptomatic"]["next"] = "cns"

    edit(pathways_copy, "metastatic.yaml", loop)
    assert any(
        "cycle" in p and p.startswith("metastatic.yaml:brain_symptomatic") for p in problems(pathways_copy)
    )


def test_enum_branch_must_cover_every_value(pathways_copy: Path) -> None:
    edit(pathways_copy, "resistant.yaml", lambda d: d["nodes"]["mechanism"]["branches"].pop())
    assert problems(pathways_copy) == [
        "resistant.yaml:mechanism: values of 'resistance_mechanism' not covered: none_found "
        "(add them or 'otherwise')"
    ]


def test_otherwise_counts_as_covering_the_rest(pathways_copy: Path) -> None:
    edit(pathways_copy, "knowledge.yaml", lambda d: d["knowledge"].update(name="Test copy"))

    def default(data: Any) -> None:
        branches = data["nodes"]["mechanism"]["branches"]
        last = branches.pop()
        branches.append({"otherwise": True, "goto": last["goto"]})

    edit(pathways_copy, "resistant.yaml", default)
    assert load_knowledge_base(pathways_copy)


def test_boolean_branch_must_cover_true_and_false(pathways_copy: Path) -> None:
    edit(pathways_copy, "metastatic.yaml", lambda d: d["nodes"]["other_driver"]["branches"].pop())
    assert any(
        p.startswith("metastatic.yaml:other_driver: values of 'other_driver' not covered")
        for p in problems(pathways_copy)
    )


def test_branch_value_must_belong_to_the_field(pathways_copy: Path) -> None:
    edit(pathways_copy, "early.yaml", lambda d: d["nodes"]["margin"]["branches"][0].update(when=["r3"]))
    assert any(
        "early.yaml:margin: branch 1: 'r3' is not a value of resection_margin" in p
        for p in problems(pathways_copy)
    )


def test_asking_an_unknown_field_is_reported(pathways_copy: Path) -> None:
    edit(pathways_copy, "early.yaml", lambda d: d["nodes"]["phase"].update(ask="stage"))
    assert "early.yaml:phase: asks 'stage', which is not a case field" in problems(pathways_copy)


def test_action_codes_come_only_from_the_contract(pathways_copy: Path) -> None:
    edit(
        pathways_copy,
        "recommendations.yaml",
        lambda d: d["statements"]["surgery.early_definitive"].update(action="radiation"),
    )
    (problem,) = problems(pathways_copy)
    assert problem.startswith("recommendations.yaml:surgery.early_definitive: action: Input should be")


def test_unknown_argument_id_is_reported(pathways_copy: Path) -> None:
    edit(
        pathways_copy,
        "recommendations.yaml",
        lambda d: d["statements"]["surgery.early_definitive"]["rationale"][0].update(
            arguments=["early.made_up"]
        ),
    )
    assert "recommendations.yaml:surgery.early_definitive: unknown argument 'early.made_up'" in problems(
        pathways_copy
    )


def test_unknown_evidence_id_is_reported(pathways_copy: Path) -> None:
    edit(
        pathways_copy,
        "cautions.yaml",
        lambda d: d["cautions"]["withdrawal_pain"].update(evidence=["nobody-2099"]),
    )
    assert problems(pathways_copy) == ["cautions.yaml:withdrawal_pain: unknown evidence 'nobody-2099'"]


def test_unknown_statement_and_caution_in_a_pathway_are_reported(pathways_copy: Path) -> None:
    def break_refs(data: Any) -> None:
        data["nodes"]["upfront_surgery"]["outcome"]["actions"][0]["use"] = "surgery.made_up"
        data["nodes"]["upfront_surgery"]["outcome"]["cautions"] = ["made_up_caution"]

    edit(pathways_copy, "early.yaml", break_refs)
    found = problems(pathways_copy)
    assert "early.yaml:upfront_surgery: unknown statement 'surgery.made_up'" in found
    assert "early.yaml:upfront_surgery: unknown caution 'made_up_caution'" in found


def test_an_outcome_without_mdt_review_is_reported(pathways_copy: Path) -> None:
    edit(pathways_copy, "early.yaml", lambda d: d["nodes"]["upfront_surgery"]["outcome"]["actions"].pop())
    assert problems(pathways_copy) == [
        "early.yaml:upfront_surgery: an outcome must include an mdt_review action"
    ]


def test_missing_translation_is_reported(pathways_copy: Path) -> None:
    edit(pathways_copy, "cautions.yaml", lambda d: d["cautions"]["withdrawal_pain"]["text"].pop("zh"))
    assert problems(pathways_copy) == ["cautions.yaml:withdrawal_pain: text.zh: Field required"]


def test_empty_translation_is_reported(pathways_copy: Path) -> None:
    edit(pathways_copy, "questions.yaml", lambda d: d["questions"]["setting"]["prompt"].update(zh="  "))
    (problem,) = problems(pathways_copy)
    assert problem.startswith("questions.yaml:setting: prompt.zh:")


def test_a_question_must_label_every_choice(pathways_copy: Path) -> None:
    edit(pathways_copy, "questions.yaml", lambda d: d["questions"]["setting"]["choices"].pop("resistant"))
    assert problems(pathways_copy) == ["questions.yaml:setting: no choice label for 'resistant'"]


def test_a_missing_file_is_reported(pathways_copy: Path) -> None:
    (pathways_copy / "resistant.yaml").unlink()
    assert problems(pathways_copy) == ["resistant.yaml:-: file not found"]


def test_invalid_yaml_is_reported_with_its_line(pathways_copy: Path) -> None:
    (pathways_copy / "early.yaml").write_text("pathway: early\nnodes: [\n", encoding="utf-8")
    (problem,) = problems(pathways_copy)
    assert problem.startswith("early.yaml:line ") and "not valid YAML" in problem


def test_a_yaml_tag_that_would_build_python_objects_is_refused(pathways_copy: Path, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    payload = f"!!python/object/apply:os.system ['touch {marker}']\n"
    (pathways_copy / "knowledge.yaml").write_text(payload, encoding="utf-8")
    (problem,) = problems(pathways_copy)
    assert problem.startswith("knowledge.yaml:") and "not valid YAML" in problem
    assert not marker.exists()


# --- YAML read strictly as data (reliability review M5, M6, M7) ---------------------------------


def test_a_node_given_twice_is_named_with_file_and_line_and_never_silently_replaced(
    pathways_copy: Path,
) -> None:
    path = pathways_copy / "early.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n  upfront_surgery:\n    outcome:\n      actions: []\n", encoding="utf-8")
    found = problems(pathways_copy)
    assert any(
        p.startswith("early.yaml:line ") and "the key 'upfront_surgery' is given twice" in p for p in found
    ), found


def test_an_alias_bomb_is_one_clear_error_at_once(pathways_copy: Path) -> None:
    import time

    levels = "".join(
        f"    l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}, *l{i - 1}]\n" for i in range(1, 10)
    )
    path = pathways_copy / "early.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "nodes:\n", "bomb:\n    l0: &l0 [lol, lol]\n" + levels + "nodes:\n", 1
        ),
        encoding="utf-8",
    )
    start = time.monotonic()
    found = problems(pathways_copy)
    assert time.monotonic() - start < 5
    assert any("anchors and aliases" in p for p in found)
    assert all(len(p) < 300 for p in found)


@pytest.mark.parametrize(
    "disguise",
    [
        "ntrk-advisor\u00a0built-in pathways",
        "ntrk-advisor built-in pathways\u200b",
        "NTRK-Advisor  Built-in Pathways",
    ],
)
def test_a_local_copy_cannot_pass_as_the_builtin_by_invisible_or_odd_spaces(
    pathways_copy: Path, disguise: str
) -> None:
    edit(pathways_copy, "knowledge.yaml", lambda d: d["knowledge"].update(name=disguise))
    found = problems_raw(pathways_copy)
    assert any("a local copy must change 'name'" in p for p in found), found
