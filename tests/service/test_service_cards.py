"""patient-view: the advice as cards, one per action group, in English or Chinese."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.service.cards import summary_line
from tests.conftest import EXAMPLES
from tests.service.helpers import IFS_ANSWERS, PATIENT_VIEW, Keys, cards_of, hook_request, make_client

CASES = {c["id"]: c for c in map(json.loads, EXAMPLES.read_text(encoding="utf-8").splitlines())}


def call(client: Any, keys: Keys | None, body: dict[str, Any], **headers: str) -> Any:
    auth = keys.auth(PATIENT_VIEW) if keys is not None else {}
    return client.post(PATIENT_VIEW, json=body, headers={**auth, **headers})


def answers(case_id: str) -> dict[str, Any]:
    return {k: v for k, v in CASES[case_id].items() if k not in ("id", "tumor_type")}


def test_one_card_per_action_group_with_strength_level_and_references(client: Any, keys: Keys) -> None:
    cards = cards_of(call(client, keys, hook_request(answers=answers("ex-lung-liver-oligo"))))
    assert [c["summary"].split(":")[0] for c in cards] == ["Do", "Avoid"]
    do, avoid = cards
    assert (
        do["summary"]
        == "Do: Continue the TRK inhibitor; Local ablative therapy; Resistance testing; MDT review"
    )
    assert avoid["summary"] == "Avoid: Next-generation TRK inhibitor"
    assert [c["indicator"] for c in cards] == ["info", "warning"]
    assert "NOT RECOMMENDED" in avoid["detail"] and "evidence:" in avoid["detail"]
    assert "**References**" in do["detail"] and "https://" in do["detail"]
    assert "**Cautions**" in do["detail"] and "**Cautions**" not in avoid["detail"]
    for card in cards:
        assert card["source"]["label"].startswith("ntrk-advisor built-in pathways ")
        assert card["detail"].rstrip().endswith("_")  # the intended use closes every detail
        assert "Supports, and never replaces" in card["detail"]
    assert len({c["uuid"] for c in cards}) == 2


def test_a_card_links_the_references_it_cites_and_its_source_names_only_what_it_opens(
    client: Any, keys: Keys
) -> None:
    """U4: `source` is the knowledge, with no URL to a trial record; each reference is a link
    labelled by its citation."""
    cards = cards_of(call(client, keys, hook_request(answers=IFS_ANSWERS)))
    for card in cards:
        assert set(card["source"]) == {"label"}
        assert card["source"]["label"].startswith("ntrk-advisor built-in pathways ")
    links = cards[0]["links"]
    assert links and all(link["type"] == "absolute" and link["url"].startswith("https://") for link in links)
    for link in links:
        number = link["label"].split("]")[0].lstrip("[")
        assert link["url"] in cards[0]["detail"] and f"{number}. " in cards[0]["detail"]
        assert len(link["label"]) <= 100


def test_an_urgent_action_makes_its_card_a_warning_never_critical(client: Any, keys: Keys) -> None:
    cards = cards_of(call(client, keys, hook_request(answers=answers("ex-bleeding"))))
    assert cards[0]["summary"].startswith("Do: Urgent local therapy")
    assert cards[0]["indicator"] == "warning"
    assert "URGENT" in cards[0]["detail"]


def test_the_context_extension_or_accept_language_chooses_chinese(client: Any, keys: Keys) -> None:
    by_extension = cards_of(call(client, keys, hook_request(answers=IFS_ANSWERS, lang="zh")))
    by_header = cards_of(
        call(client, keys, hook_request(answers=IFS_ANSWERS), **{"Accept-Language": "zh-CN,en;q=0.5"})
    )
    english = cards_of(
        call(client, keys, hook_request(answers=IFS_ANSWERS), **{"Accept-Language": "en;q=0.9,zh;q=0.1"})
    )
    assert (
        by_extension[0]["summary"]
        == by_header[0]["summary"]
        == "应做：新辅助TRK抑制剂；最大缓解时手术；多学科诊疗（MDT）团队讨论"
    )
    assert english[0]["summary"].startswith("Do: ")
    assert "证据" in by_extension[0]["detail"]


def test_an_incomplete_case_is_one_card_naming_the_answers_needed(client: Any, keys: Keys) -> None:
    (card,) = cards_of(call(client, keys, hook_request(answers=answers("ex-incomplete"))))
    assert card["summary"] == "Answers needed before advice: Treatment phase"
    assert card["indicator"] == "info"
    assert "**Treatment phase**" in card["detail"] and "form linked below" in card["detail"]
    (link,) = card["links"]  # the service's own answer page (tests/service/test_service_answer_page.py)
    assert link["type"] == "absolute" and link["url"].startswith("http://testserver/app?token=")


@pytest.mark.parametrize(
    ("lang", "summary", "label"),
    [
        ("en", "Answers needed before advice: Emergencies; NTRK fusion status", "**Emergencies**"),
        ("zh", "给出建议前还需要以下回答：急症；NTRK融合状态", "**急症**"),
    ],
)
def test_the_answers_needed_card_speaks_to_a_clinician_in_plain_labels(
    client: Any, keys: Keys, lang: str, summary: str, label: str
) -> None:
    """U3: the consult's labels, never field codes, and no word of JSON or request fields."""
    body = hook_request(
        answers={"age_years": 40}, prefetch={"patient": None, "observations": None}, lang=lang
    )
    (card,) = cards_of(call(client, keys, body))
    assert card["summary"] == summary
    assert label in card["detail"]
    for developer_text in ("`emergency`", "`fusion_status`", "context.extension", "answers`", "JSON"):
        assert developer_text not in card["detail"]


SPINAL_CORD_INCOMPLETE = {
    "age_years": 0.75,
    "fusion_status": "confirmed",
    "emergency": ["spinal_cord_compression"],
    "setting": "metastatic",
    "treatment_phase": "naive",
    "cns_disease": "none",
    "other_driver": False,
}
"""The UX review's U2 case: an emergency, the tumour category unanswered."""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_emergency_on_an_incomplete_case_comes_first_as_a_warning(
    client: Any, keys: Keys, lang: str
) -> None:
    """U2: the urgent local therapy card first (warning), the missing answers second."""
    cards = cards_of(call(client, keys, hook_request(answers=SPINAL_CORD_INCOMPLETE, lang=lang)))
    assert len(cards) == 2
    urgent, missing = cards
    assert urgent["indicator"] == "warning"
    assert urgent["summary"] == ("Do: Urgent local therapy" if lang == "en" else "应做：紧急局部治疗")
    assert ("URGENT" if lang == "en" else "紧急") in urgent["detail"]
    assert missing["indicator"] == "info"
    assert missing["summary"].endswith("Tumour category" if lang == "en" else "肿瘤类别")


def test_the_app_url_replaces_the_answer_page_link(tmp_path: Path, keys: Keys) -> None:
    client = make_client(tmp_path, keys, app_url="https://mdt.example.org/ntrk")
    (card,) = cards_of(call(client, keys, hook_request(answers=answers("ex-incomplete"))))
    assert card["links"] == [
        {"label": "Enter the missing answers", "url": "https://mdt.example.org/ntrk", "type": "absolute"}
    ]
    (advice, *_) = cards_of(call(client, keys, hook_request(answers=IFS_ANSWERS)))
    assert all(link["url"] != "https://mdt.example.org/ntrk" for link in advice["links"])


def test_an_invalid_case_is_one_warning_card_naming_each_problem(client: Any, keys: Keys) -> None:
    bad = {**IFS_ANSWERS, "settting": "early", "age_years": 200}
    (card,) = cards_of(call(client, keys, hook_request(answers=bad)))
    assert card["indicator"] == "warning"
    assert card["summary"] == "The case did not pass validation: age_years; settting"
    assert "`settting`" in card["detail"] and "setting" in card["detail"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_long_group_keeps_its_summary_under_140_characters(lang: str) -> None:
    names = [f"A rather long action name number {i}" for i in range(8)]
    line = summary_line("Do", names, lang)  # type: ignore[arg-type]
    assert len(line) < 140 and line.endswith(")")


def test_record_text_is_escaped_in_markdown(client: Any, keys: Keys) -> None:
    body = hook_request(answers={**IFS_ANSWERS, "settting": "<script>alert(1)</script>"})
    (card,) = cards_of(call(client, keys, body))
    assert "<script>" not in card["detail"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_card_details_escape_markdown_only_where_it_needs_it(client: Any, keys: Keys, lang: str) -> None:
    """U5: no `\\-` in dates, no `\\.` or `\\(` in names; the source article's author as written."""
    cards = cards_of(call(client, keys, hook_request(answers=IFS_ANSWERS, lang=lang)))
    for card in cards:
        for needless in ("\\-", "\\.", "\\(", "\\)"):
            assert needless not in card["detail"], needless
    assert "吴丽 (Wu Li)." in cards[0]["detail"]
