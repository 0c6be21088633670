"""The interactive consult driven through prompt_toolkit's pipe input, in-process.

Keys are sent in advance and the pipe is closed, so a test that types too little ends with
`ConsultInterrupted` (end of input) instead of hanging.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from ntrk_advisor.api import evaluate
from ntrk_advisor.cli.case_options import flag_message
from ntrk_advisor.consultation import OPTIONAL_AT_START, Consultation
from ntrk_advisor.contract.result import Result, TraceStep
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import ConsultInterrupted, UsageError
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.prompting.interviewer import Interviewer
from ntrk_advisor.prompting.steps import Asking
from tests.keyboard import (
    BACKSPACE,
    CTRL_C,
    DOWN,
    ENTER,
    UP,
    answer_keys,
    keys_for,
    review_keys,
)

NOT_ASKED = OPTIONAL_AT_START  # never needed by a path: asked once at the start, Enter skips


class RecordingInterviewer(Interviewer):
    """The real interviewer, noting every question asked and every review shown."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[str, Any]] = []
        self.opening: list[str] = []
        self.positions: list[Asking | None] = []
        self.reviews: list[list[str]] = []

    def ask(self, field: str, current: Any = None, asking: Asking | None = None) -> Any:
        if field in OPTIONAL_AT_START:
            self.opening.append(field)
        else:
            self.asked.append((field, current))
            self.positions.append(asking)
        return super().ask(field, current, asking)

    def review(self, trace: tuple[TraceStep, ...], heading: Mapping[str, Any] | None = None) -> str | None:
        self.reviews.append([step.field for step in trace])
        return super().review(trace, heading)

    @property
    def fields_asked(self) -> list[str]:
        return [field for field, _ in self.asked]


@dataclass
class Consult:
    result: Result
    answers: dict[str, Any]
    interviewer: RecordingInterviewer


@pytest.fixture
def consult(kb: KnowledgeBase) -> Callable[..., Consult]:
    """Run one interactive consult answering with `keys`, typed ahead on a closed pipe."""

    def run(
        keys: str,
        flags: dict[str, Any] | None = None,
        *,
        lang: str = "en",
        case_file: Path | None = None,
        save: Path | None = None,
    ) -> Consult:
        given = dict(flags or {})
        if case_file is not None and case_file.is_file():
            data = json.loads(case_file.read_text(encoding="utf-8"))
            given.update(data if isinstance(data, dict) else {})
        opening = "".join(ENTER for name in OPTIONAL_AT_START if name not in given)  # Enter skips
        with create_pipe_input() as pipe:
            pipe.send_text(opening + keys)
            pipe.close()  # typing too little ends the consult instead of hanging the test
            interviewer = RecordingInterviewer(kb, lang, input=pipe, output=DummyOutput())  # type: ignore[arg-type]
            result, answers = Consultation(lang, kb, Environment.of_process(), word_flag=flag_message).run(  # type: ignore[arg-type]
                case_file, dict(flags or {}), interactive=True, save=save, interviewer=interviewer
            )
        return Consult(result, answers, interviewer)

    return run


def clinical(case: dict[str, Any]) -> dict[str, Any]:
    """A case without the fields no path asks for (what a consult typed from scratch holds)."""
    return {k: v for k, v in case.items() if k not in NOT_ASKED}


def expected_result(case: dict[str, Any], kb: KnowledgeBase, lang: str = "en") -> dict[str, Any]:
    """`evaluate()` of a case as a consult without an --id would give it (no case_id)."""
    data = evaluate(case, lang, kb).to_dict()  # type: ignore[arg-type]
    data["case_id"] = None
    return data


def trace_fields(case: dict[str, Any], kb: KnowledgeBase) -> list[str]:
    return [step.field for step in evaluate(case, "en", kb).trace]


def codes(data: dict[str, Any]) -> dict[str, Any]:
    """The language-independent part of a result."""
    return {
        "status": data["status"],
        "pathway": data.get("pathway"),
        "age_group": data.get("age_group"),
        "actions": [
            (a["action"], a["strength"], a["order"], a["arguments"], a["evidence"]) for a in data["actions"]
        ],
        "missing": data["missing"],
        "trace": data["trace"],
        "n_cautions": len(data["cautions"]),
    }


def complete_example_ids() -> list[str]:
    from tests.conftest import EXAMPLES

    ids = []
    for line in EXAMPLES.read_text(encoding="utf-8").splitlines():
        if line:
            case = json.loads(line)
            if evaluate(case).status is Status.COMPLETE:
                ids.append(case["id"])
    return ids


COMPLETE_EXAMPLES = complete_example_ids()

IFS_ARM_KEYS = "".join(
    [
        "0.5" + ENTER,  # age_years
        ENTER,  # emergency: the cursor starts on "None of these", the first item
        ENTER,  # fusion_status: first choice, confirmed
        DOWN + ENTER,  # setting: second choice, locally advanced
        ENTER,  # treatment_phase: first choice, naive
        ENTER,  # tumor_category: first choice, infantile fibrosarcoma
        ENTER,  # review: show the recommendation
    ]
)
IFS_FIELDS = ["age_years", "emergency", "fusion_status", "setting", "treatment_phase", "tumor_category"]
IFS_ANSWERS = {
    "age_years": 0.5,
    "emergency": [],
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "tumor_category": "infantile_fibrosarcoma",
}


# --- typed from scratch -------------------------------------------------------------------------


def test_infant_example_typed_from_scratch_reaches_the_same_result_as_evaluating_the_example(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    done = consult(IFS_ARM_KEYS)
    assert done.result.to_dict() == expected_result(example, kb)
    assert done.result.status is Status.COMPLETE
    assert done.answers == clinical(example)
    # The same actions, pathway, status and trace as the example case itself.
    reference = evaluate(example, "en", kb).to_dict()
    got = done.result.to_dict()
    for key in ("status", "pathway", "age_group", "actions", "cautions", "trace"):
        assert got[key] == reference[key], key


@pytest.mark.parametrize("case_id", COMPLETE_EXAMPLES)
def test_each_complete_example_typed_from_scratch_reaches_the_same_result_as_evaluate(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any], case_id: str
) -> None:
    example = example_cases[case_id]
    fields = trace_fields(example, kb)
    done = consult(answer_keys(kb, example, fields) + review_keys(fields))
    assert done.result.to_dict() == expected_result(example, kb)
    assert done.answers == clinical(example)


# --- only what the path needs -------------------------------------------------------------------


def test_only_the_questions_the_infant_path_needs_are_asked_once_each_then_one_review(
    consult: Callable[..., Consult],
) -> None:
    done = consult(IFS_ARM_KEYS)
    assert done.interviewer.asked == [(field, None) for field in IFS_FIELDS]
    assert done.interviewer.reviews == [IFS_FIELDS]


@pytest.mark.parametrize("case_id", COMPLETE_EXAMPLES)
def test_each_example_asks_exactly_the_fields_its_trace_uses_in_path_order(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any], case_id: str
) -> None:
    example = example_cases[case_id]
    fields = trace_fields(example, kb)
    done = consult(answer_keys(kb, example, fields) + review_keys(fields))
    assert done.interviewer.fields_asked == fields
    assert set(fields) == set(clinical(example))  # and nothing the example gives goes unasked


def test_diagnostic_gate_stops_asking_once_the_fusion_is_not_confirmed(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    keys = "70" + ENTER + keys_for(kb, "emergency", []) + keys_for(kb, "fusion_status", "ihc_only") + ENTER
    done = consult(keys)
    assert done.interviewer.fields_asked == ["age_years", "emergency", "fusion_status"]
    assert (done.result.status, done.result.pathway) == (Status.COMPLETE, "diagnostic")


# --- prefilled answers ----------------------------------------------------------------------------


def test_prefilled_flags_are_not_asked_again_and_the_first_question_is_setting(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    flags = {"age_years": 61, "emergency": [], "fusion_status": "confirmed"}
    keys = (
        keys_for(kb, "setting", "early")
        + keys_for(kb, "treatment_phase", "naive")
        + keys_for(kb, "fit_for_surgery", True)
        + ENTER
    )
    done = consult(keys, flags)
    assert done.interviewer.fields_asked == ["setting", "treatment_phase", "fit_for_surgery"]
    assert done.interviewer.reviews == [
        ["age_years", "emergency", "fusion_status", "setting", "treatment_phase", "fit_for_surgery"]
    ]
    expected = {**flags, "setting": "early", "treatment_phase": "naive", "fit_for_surgery": True}
    assert done.answers == expected
    assert done.result.to_dict() == expected_result(expected, kb)


def test_an_incomplete_case_file_is_finished_by_asking_only_what_it_lacks(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    example = example_cases["ex-incomplete"]
    path = tmp_path / "case.json"
    path.write_text(json.dumps(example), encoding="utf-8")
    keys = (
        keys_for(kb, "treatment_phase", "naive")
        + keys_for(kb, "tumor_category", "soft_tissue_sarcoma")
        + ENTER
    )
    done = consult(keys, case_file=path)
    assert done.interviewer.fields_asked == ["treatment_phase", "tumor_category"]
    assert done.answers == {**example, "treatment_phase": "naive", "tumor_category": "soft_tissue_sarcoma"}
    assert done.result.case_id == "ex-incomplete"
    assert done.result.status is Status.COMPLETE


def test_a_complete_case_asks_nothing_and_goes_straight_to_the_review(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    done = consult(ENTER, example)
    assert done.interviewer.asked == []
    assert len(done.interviewer.reviews) == 1
    assert done.result.to_dict() == evaluate(example, "en", kb).to_dict()
    assert done.answers == example


def test_save_writes_the_answered_case_including_prefilled_fields(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    example = example_cases["ex-ifs-arm"]
    saved = tmp_path / "saved.json"
    done = consult(IFS_ARM_KEYS, {"id": example["id"], "tumor_type": example["tumor_type"]}, save=saved)
    assert json.loads(saved.read_text(encoding="utf-8")) == example == done.answers


def test_saving_over_the_case_file_is_refused_before_any_question_is_asked(
    kb: KnowledgeBase, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(example_cases["ex-incomplete"]), encoding="utf-8")
    with create_pipe_input() as pipe:
        pipe.send_text(keys_for(kb, "treatment_phase", "naive") + ENTER)
        pipe.close()
        interviewer = RecordingInterviewer(kb, "en", input=pipe, output=DummyOutput())
        with pytest.raises(UsageError):
            Consultation("en", kb, Environment.of_process(), word_flag=flag_message).run(
                path, {}, interactive=True, save=path, interviewer=interviewer
            )
    assert interviewer.asked == []


# --- the review ----------------------------------------------------------------------------------


def test_review_can_change_the_setting_and_the_result_follows_the_change(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    fields = IFS_FIELDS
    keys = (
        IFS_ARM_KEYS[: -len(ENTER)]  # everything but "show the recommendation"
        + review_keys(fields, "setting")
        + (UP + ENTER)  # from locally advanced (pre-selected) up to early
        + keys_for(kb, "fit_for_surgery", True)  # early disease asks about fitness before surgery
        + ENTER  # second review: show the recommendation
    )
    done = consult(keys)
    assert done.interviewer.asked[-2:] == [("setting", "locally_advanced"), ("fit_for_surgery", None)]
    assert done.interviewer.fields_asked == [*fields, "setting", "fit_for_surgery"]
    assert len(done.interviewer.reviews) == 2
    changed = {
        "age_years": 0.5,
        "emergency": [],
        "fusion_status": "confirmed",
        "setting": "early",
        "treatment_phase": "naive",
        "fit_for_surgery": True,
    }
    assert done.answers == changed
    assert done.result.pathway == "early"
    assert done.result.to_dict() == expected_result(changed, kb)


def test_a_changed_answer_that_opens_a_new_branch_asks_its_new_question(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    # Answered as locally advanced (resected, R0: no more questions), then changed to early,
    # whose R0 branch needs the recurrence-risk features: the parotid example.
    example = example_cases["ex-masc-postop"]
    first = {**clinical(example), "setting": "locally_advanced"}
    first.pop("high_risk_features")
    first.pop("tumor_category")
    fields = trace_fields(first, kb)
    assert fields == [
        "age_years",
        "emergency",
        "fusion_status",
        "setting",
        "treatment_phase",
        "resection_margin",
    ]
    keys = (
        answer_keys(kb, first, fields)
        + review_keys(fields, "setting")
        + keys_for(kb, "setting", "early", current="locally_advanced")
        + keys_for(kb, "high_risk_features", example["high_risk_features"])
        + keys_for(kb, "tumor_category", example["tumor_category"], answers={**first, "setting": "early"})
        + ENTER
    )
    done = consult(keys)
    assert done.interviewer.asked[len(fields) :] == [
        ("setting", "locally_advanced"),
        ("high_risk_features", None),
        ("tumor_category", None),
    ]
    assert done.interviewer.reviews == [fields, [*fields, "high_risk_features", "tumor_category"]]
    assert done.result.to_dict() == expected_result(example, kb)
    assert done.answers == clinical(example)


def test_review_can_retype_the_age_and_the_age_group_follows(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    fields = IFS_FIELDS
    keys = (
        IFS_ARM_KEYS[: -len(ENTER)]
        + review_keys(fields, "age_years")
        + (BACKSPACE * len("0.5") + "35" + ENTER)  # the prompt starts with the old answer
        + keys_for(kb, "other_driver", False)  # an adult is asked about another driver
        + keys_for(kb, "tumor_category", "soft_tissue_sarcoma")  # infantile fibrosarcoma is no adult tumour
        + ENTER
    )
    done = consult(keys)
    assert done.interviewer.asked[-3:] == [
        ("age_years", 0.5),
        ("other_driver", None),
        ("tumor_category", None),
    ]
    assert done.answers["age_years"] == 35
    assert done.result.age_group == "adult"
    assert done.result.to_dict() == expected_result({**done.answers}, kb)


def test_review_can_untick_a_checklist_answer(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-masc-postop"]
    fields = trace_fields(example, kb)
    keys = (
        answer_keys(kb, example, fields)
        + review_keys(fields, "high_risk_features")
        + keys_for(kb, "high_risk_features", [], current=example["high_risk_features"])
        + ENTER
    )
    done = consult(keys)
    assert done.interviewer.asked[-1] == ("high_risk_features", example["high_risk_features"])
    assert done.answers["high_risk_features"] == []
    # The tumour category was typed for the high-risk branch; off the new path, it is not kept.
    low_risk = {**clinical(example), "high_risk_features": []}
    del low_risk["tumor_category"]
    assert done.answers == low_risk
    assert done.result.to_dict() == expected_result(low_risk, kb)
    assert done.result.to_dict() != expected_result(example, kb)


def test_an_age_that_is_not_a_number_or_out_of_range_is_refused_and_asked_again(
    consult: Callable[..., Consult],
) -> None:
    keys = "abc" + ENTER + BACKSPACE * 3 + "130" + ENTER + BACKSPACE * 3 + IFS_ARM_KEYS
    done = consult(keys)
    assert done.interviewer.asked[0] == ("age_years", None)
    assert done.answers["age_years"] == 0.5
    assert done.result.status is Status.COMPLETE


# --- leaving the consult -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "kept"),
    [
        pytest.param(CTRL_C, {}, id="first-question"),
        pytest.param(
            "0.5" + ENTER + ENTER + ENTER + CTRL_C,
            {"age_years": 0.5, "emergency": [], "fusion_status": "confirmed"},
            id="setting",
        ),
        pytest.param(
            IFS_ARM_KEYS[: -len(ENTER)] + CTRL_C,
            IFS_ANSWERS,
            id="review",
        ),
        pytest.param(
            IFS_ARM_KEYS[: -len(ENTER)] + DOWN * 3 + ENTER + CTRL_C,
            IFS_ANSWERS,
            id="changing-at-review",
        ),
    ],
)
def test_ctrl_c_at_a_prompt_raises_consult_interrupted_with_the_answers_so_far(
    consult: Callable[..., Consult], keys: str, kept: dict[str, Any]
) -> None:
    with pytest.raises(ConsultInterrupted) as caught:
        consult(keys + "0.5" + ENTER)  # keys after Ctrl-C are never read
    assert caught.value.answers == kept


def test_ctrl_c_keeps_the_answers_given_by_flags_too(consult: Callable[..., Consult]) -> None:
    flags = {"id": "mdt-7", "tumor_type": "sarcoma", "age_years": 12}
    with pytest.raises(ConsultInterrupted) as caught:
        consult(CTRL_C, flags)
    assert caught.value.answers == flags


def test_end_of_input_at_a_prompt_also_raises_consult_interrupted(consult: Callable[..., Consult]) -> None:
    with pytest.raises(ConsultInterrupted) as caught:
        consult("0.5" + ENTER)  # then the pipe is closed
    assert caught.value.answers == {"age_years": 0.5}


# --- Chinese --------------------------------------------------------------------------------------


@pytest.mark.parametrize("case_id", COMPLETE_EXAMPLES)
def test_chinese_consult_yields_the_same_codes_as_english(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any], case_id: str
) -> None:
    example = example_cases[case_id]
    fields = trace_fields(example, kb)
    keys = answer_keys(kb, example, fields) + review_keys(fields)
    zh = consult(keys, lang="zh")
    en = consult(keys, lang="en")
    assert zh.answers == en.answers == clinical(example)
    assert codes(zh.result.to_dict()) == codes(en.result.to_dict())
    assert zh.result.to_dict() == expected_result(example, kb, "zh")
    assert zh.interviewer.fields_asked == en.interviewer.fields_asked == fields


def test_chinese_infant_consult_shows_chinese_texts(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    done = consult(IFS_ARM_KEYS, lang="zh")
    summaries = [a.summary for a in done.result.actions]
    assert summaries and all(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in summaries)
    assert summaries != [a.summary for a in consult(IFS_ARM_KEYS).result.actions]


def test_help_text_wraps_at_word_and_character_boundaries_within_the_width() -> None:
    from prompt_toolkit.utils import get_cwidth

    from ntrk_advisor.prompting.interviewer import wrap_to_width

    english = wrap_to_width(
        "TRK inhibitors are indicated only for a proven NTRK1, NTRK2 or NTRK3 gene fusion.", 30
    )
    assert all(get_cwidth(line) <= 30 for line in english)
    assert (
        " ".join(english)
        == "TRK inhibitors are indicated only for a proven NTRK1, NTRK2 or NTRK3 gene fusion."
    )
    chinese = wrap_to_width("仅当分子检测证实存在融合时才选择已证实。泛TRK免疫组化阳性只是筛查。", 20)
    assert all(get_cwidth(line) <= 20 for line in chinese) and len(chinese) > 1
    assert "".join(chinese) == "仅当分子检测证实存在融合时才选择已证实。泛TRK免疫组化阳性只是筛查。"


def test_a_contradiction_with_an_answer_from_the_case_file_is_shown_and_asked_again(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    flags = {"age_years": 50, "emergency": [], "fusion_status": "confirmed", "prior_trk_inhibitors": []}
    keys = (
        keys_for(kb, "setting", "resistant")  # contradicts the prior inhibitors given: asked again
        + keys_for(kb, "setting", "metastatic", current="resistant")
        + keys_for(kb, "cns_disease", "none")
        + keys_for(kb, "treatment_phase", "naive")
        + keys_for(kb, "other_driver", False)
        + keys_for(kb, "tumor_category", "lung")
        + ENTER
    )
    done = consult(keys, flags)
    assert done.interviewer.asked[:2] == [("setting", None), ("setting", "resistant")]
    assert done.result.status is Status.COMPLETE and done.result.pathway == "metastatic"


def test_a_mistyped_flag_at_a_terminal_is_named_and_its_question_asked(kb: KnowledgeBase) -> None:
    flags = {"id": "c", "tumor_type": "t", "age_years": 40, "emergency": [], "fusion_status": "confirmed"}
    warned: list[str] = []

    class Warned(RecordingInterviewer):
        def warn(self, text: str) -> None:
            warned.append(text)
            super().warn(text)

    with create_pipe_input() as pipe:
        pipe.send_text(keys_for(kb, "setting", "early") + CTRL_C)
        pipe.close()
        interviewer = Warned(kb, "en", input=pipe, output=DummyOutput())  # type: ignore[arg-type]
        with pytest.raises(ConsultInterrupted) as caught:
            Consultation("en", kb, Environment.of_process(), word_flag=flag_message).run(
                None, {**flags, "setting": "metastatc"}, interactive=True, interviewer=interviewer
            )
    assert warned == [
        "--setting 'metastatc' is not valid; did you mean 'metastatic'? "
        "(allowed: early, locally-advanced, metastatic, resistant) The question is asked below."
    ]
    assert interviewer.asked[0] == ("setting", None)
    assert caught.value.answers["setting"] == "early"


@pytest.mark.parametrize(
    ("question", "answer", "lang", "shown"),
    [
        ("Disease setting", "Metastatic", "en", "Disease setting: Metastatic"),
        (
            "Where is the patient in treatment now?",
            "Naive",
            "en",
            "Where is the patient in treatment now? Naive",
        ),
        ("患者目前处于哪个治疗阶段？", "初治", "zh", "患者目前处于哪个治疗阶段？ 初治"),
        ("疾病所处阶段", "转移性", "zh", "疾病所处阶段：转移性"),
    ],
)
def test_the_review_never_doubles_punctuation(question: str, answer: str, lang: str, shown: str) -> None:
    from ntrk_advisor.prompting.interviewer import question_and_answer

    assert question_and_answer(question, answer, lang) == shown  # type: ignore[arg-type]


def test_a_case_id_and_tumour_typed_at_the_first_prompts_reach_the_result_and_the_save_file(
    kb: KnowledgeBase, example_cases: dict[str, Any], tmp_path: Path
) -> None:
    example = example_cases["ex-ifs-arm"]
    saved = tmp_path / "saved.json"
    with create_pipe_input() as pipe:
        pipe.send_text(f"MDT-42{ENTER}infantile fibrosarcoma, thigh{ENTER}{IFS_ARM_KEYS}")
        pipe.close()
        interviewer = RecordingInterviewer(kb, "en", input=pipe, output=DummyOutput())  # type: ignore[arg-type]
        result, answers = Consultation("en", kb, Environment.of_process()).run(
            None, {}, interactive=True, save=saved, interviewer=interviewer
        )
    assert result.case_id == "MDT-42"
    typed = {**clinical(example), "id": "MDT-42", "tumor_type": "infantile fibrosarcoma, thigh"}
    assert answers == typed == json.loads(saved.read_text(encoding="utf-8"))


def test_the_case_id_and_tumour_typed_at_the_start_can_be_corrected_at_the_review(
    kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    trace = [step.field for step in evaluate(clinical(example), "en", kb).trace]
    at_the_id = DOWN * (len(trace) + 1) + ENTER  # listed after the path's answers
    retyped = BACKSPACE * len("MDT-42") + f"MDT-43{ENTER}"
    with create_pipe_input() as pipe:
        pipe.send_text(f"MDT-42{ENTER}thigh{ENTER}{IFS_ARM_KEYS[:-1]}{at_the_id}{retyped}{ENTER}")
        pipe.close()
        interviewer = RecordingInterviewer(kb, "en", input=pipe, output=DummyOutput())  # type: ignore[arg-type]
        result, answers = Consultation("en", kb, Environment.of_process()).run(
            None, {}, interactive=True, interviewer=interviewer
        )
    assert result.case_id == "MDT-43" and answers["tumor_type"] == "thigh"


# --- back one question, digits, lists that start from what fits, the breadcrumb (issue 28) -------

LEFT = "\x1b[D"


@pytest.mark.slow  # a whole consult through the pipe (about a second)
def test_left_at_a_list_goes_back_to_the_previous_question_with_its_answer_kept(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    keys = (
        "0.5"
        + ENTER  # age
        + ENTER  # emergency: "None of these"
        + LEFT  # at fusion status: back to the emergencies
        + ENTER  # "None of these" is still ticked: Enter keeps it
        + IFS_ARM_KEYS.split(ENTER, 2)[2]  # fusion status onwards, as typed from scratch
    )
    done = consult(keys)
    assert done.interviewer.asked[:4] == [
        ("age_years", None),
        ("emergency", None),
        ("fusion_status", None),
        ("emergency", []),  # asked again with the answer given
    ]
    assert done.result.to_dict() == expected_result(example, kb)


@pytest.mark.slow  # a whole consult through the pipe (about a second)
def test_going_back_twice_then_on_asks_the_skipped_question_again_with_its_answer(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    keys = "0.5" + ENTER + ENTER + ENTER + LEFT + LEFT + ENTER + ENTER + DOWN + ENTER + ENTER + ENTER + ENTER
    done = consult(keys)
    assert done.interviewer.fields_asked[:7] == [
        "age_years",
        "emergency",
        "fusion_status",
        "setting",  # ← here
        "fusion_status",  # ← again
        "emergency",  # Enter: on to fusion status, then the setting
        "fusion_status",
    ]
    assert done.interviewer.asked[5:7] == [("emergency", []), ("fusion_status", "confirmed")]
    assert done.result.to_dict() == expected_result(example, kb)


@pytest.mark.slow  # a whole consult through the pipe (about a second)
def test_left_at_the_review_goes_back_to_the_last_question_then_to_the_review_again(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    review = IFS_ARM_KEYS[: -len(ENTER)]
    done = consult(review + LEFT + ENTER + ENTER)
    assert done.interviewer.asked[-1] == ("tumor_category", "infantile_fibrosarcoma")
    assert len(done.interviewer.reviews) == 2
    assert done.result.to_dict() == expected_result(example, kb)


@pytest.mark.slow  # a whole consult through the pipe (about a second)
def test_a_digit_picks_the_choice_of_that_number_at_once(
    consult: Callable[..., Consult], kb: KnowledgeBase, example_cases: dict[str, Any]
) -> None:
    example = example_cases["ex-ifs-arm"]
    keys = "0.5" + ENTER + ENTER + "1" + "2" + "1" + "1" + "1"  # in the lists, no Enter after a digit
    done = consult(keys)
    assert done.result.to_dict() == expected_result(example, kb)


@pytest.mark.slow  # a whole consult through the pipe (about a second)
def test_an_adults_tumour_category_list_starts_from_the_categories_the_contract_allows(
    consult: Callable[..., Consult], kb: KnowledgeBase
) -> None:
    # A 58-year-old, locally advanced: Enter on the first category is never an infant tumour.
    flags = {"age_years": 58, "emergency": [], "fusion_status": "confirmed", "setting": "locally_advanced"}
    flags["other_driver"] = False
    done = consult(ENTER + ENTER + ENTER, flags)
    assert done.interviewer.fields_asked[:2] == ["treatment_phase", "tumor_category"]
    assert done.answers["tumor_category"] == "soft_tissue_sarcoma"
    infant = consult(ENTER + ENTER + ENTER, {**flags, "age_years": 0.5})
    assert infant.answers["tumor_category"] == "infantile_fibrosarcoma"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Path: diagnostic ▸ metastatic ▸ None known ▸ Currently on a TRK inhibitor"),
        ("zh", "路径：诊断（融合确认） ▸ 转移性 ▸ 未发现 ▸ 正在接受TRK抑制剂治疗"),
    ],
)
def test_the_breadcrumb_names_the_sections_passed_and_the_answers_in_this_one(
    kb: KnowledgeBase, lang: str, expected: str
) -> None:
    case = {
        "age_years": 58,
        "emergency": [],
        "fusion_status": "confirmed",
        "setting": "metastatic",
        "cns_disease": "none",
        "treatment_phase": "on_trk_inhibitor",
    }
    result = evaluate(case, lang, kb)  # type: ignore[arg-type]
    interviewer = Interviewer(kb, lang, output=DummyOutput())  # type: ignore[arg-type]
    assert interviewer.breadcrumb(Asking(result.trace, result.pathway, case)) == expected


def test_the_breadcrumb_never_grows_past_the_terminal_and_keeps_its_last_crumbs(kb: KnowledgeBase) -> None:
    case = {"age_years": 58, "emergency": [], "fusion_status": "confirmed", "setting": "metastatic"}
    result = evaluate(case, "en", kb)
    trace = result.trace * 6  # a long path
    narrow = Interviewer(kb, "en", output=DummyOutput())
    crumb = narrow.breadcrumb(Asking(trace, "metastatic", case))
    assert len(crumb) <= 79
    assert crumb.endswith("metastatic")
