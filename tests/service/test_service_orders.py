"""order-select: a TRK inhibitor in the draft orders without a molecularly confirmed fusion."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.helpers import ORDER_SELECT, Keys, cards_of, hook_request

ADULT = {"age_years": 61, "emergency": []}


def draft(*orders: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": oid,
                    "status": "draft",
                    "intent": "proposal",
                    **medication,
                }
            }
            for oid, medication in orders
        ],
    }


LAROTRECTINIB = ("mr1", {"medicationCodeableConcept": {"text": "Larotrectinib 100 mg capsule"}})
ENTRECTINIB_CODED = (
    "mr2",
    {
        "medicationCodeableConcept": {
            "coding": [
                {
                    "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                    "code": "x",
                    "display": "entrectinib",
                }
            ]
        }
    },
)
PARACETAMOL = ("mr3", {"medicationCodeableConcept": {"text": "Paracetamol 500 mg"}})


def order(
    client: Any,
    keys: Keys,
    answers: dict[str, Any],
    orders: dict[str, Any],
    prefetch: Any = None,
    **context: Any,
) -> list[dict[str, Any]]:
    body = hook_request("order-select", answers=answers, prefetch=prefetch, draftOrders=orders, **context)
    return cards_of(client.post(ORDER_SELECT, json=body, headers=keys.auth(ORDER_SELECT)))


@pytest.mark.parametrize("fusion", [None, "ihc_only", "not_tested", "non_fusion_alteration"])
def test_a_trk_inhibitor_without_a_confirmed_fusion_gives_one_warning(
    client: Any, keys: Keys, fusion: str | None
) -> None:
    answers = {**ADULT, **({} if fusion is None else {"fusion_status": fusion})}
    (card,) = order(client, keys, answers, draft(LAROTRECTINIB, PARACETAMOL), prefetch={"observations": None})
    assert card["indicator"] == "warning"
    assert card["summary"] == "TRK inhibitor ordered, but no molecularly confirmed NTRK fusion is on record"
    assert "larotrectinib" in card["detail"]
    status = {
        None: "no fusion status is on record",
        "ihc_only": "the fusion status on record is Pan-TRK IHC positive, no molecular confirmation yet.",
        "not_tested": "the fusion status on record is Not tested for an NTRK fusion.",
        "non_fusion_alteration": "is NTRK mutation, amplification or overexpression, no fusion.",
    }[fusion]
    assert status in card["detail"] and "`" not in card["detail"].split("\n")[0]  # U5: labels, not codes
    assert "is not on record" not in card["detail"]  # I11: never "the status on record is not on record"
    assert "**" in card["detail"] and "https://" in card["detail"]  # the gate's advice, with references


def test_the_gate_advice_is_the_pathways_own(client: Any, keys: Keys) -> None:
    (card,) = order(client, keys, {**ADULT, "fusion_status": "ihc_only"}, draft(ENTRECTINIB_CODED))
    assert "Confirm the fusion molecularly" in card["detail"]


def test_no_card_when_the_fusion_is_confirmed_or_no_trk_inhibitor_is_drafted(client: Any, keys: Keys) -> None:
    assert order(client, keys, {**ADULT, "fusion_status": "confirmed"}, draft(LAROTRECTINIB)) == []
    assert order(client, keys, {**ADULT, "fusion_status": "ihc_only"}, draft(PARACETAMOL)) == []
    assert order(client, keys, {**ADULT, "fusion_status": "ihc_only"}, {"resourceType": "Bundle"}) == []


def test_only_the_selected_orders_are_looked_at(client: Any, keys: Keys) -> None:
    orders = draft(LAROTRECTINIB, PARACETAMOL)
    assert (
        order(
            client, keys, {**ADULT, "fusion_status": "ihc_only"}, orders, selections=["MedicationRequest/mr3"]
        )
        == []
    )
    assert (
        len(
            order(
                client,
                keys,
                {**ADULT, "fusion_status": "ihc_only"},
                orders,
                selections=["MedicationRequest/mr1"],
            )
        )
        == 1
    )


def test_without_an_age_the_card_names_the_answers_the_gate_needs(client: Any, keys: Keys) -> None:
    (card,) = order(
        client, keys, {"fusion_status": "negative"}, draft(LAROTRECTINIB), prefetch={"patient": None}
    )
    assert (
        card["indicator"] == "warning" and "**Age**" in card["detail"] and "`age_years`" not in card["detail"]
    )


def test_the_warning_in_chinese(client: Any, keys: Keys) -> None:
    body = hook_request(
        "order-select",
        answers={**ADULT, "fusion_status": "ihc_only"},
        lang="zh",
        draftOrders=draft(LAROTRECTINIB),
    )
    (card,) = cards_of(client.post(ORDER_SELECT, json=body, headers=keys.auth(ORDER_SELECT)))
    assert card["summary"] == "已开具TRK抑制剂，但病历中没有经分子检测证实的NTRK融合"


VITRAKVI_100 = {
    "resourceType": "Medication",
    "id": "med-laro",
    "code": {
        "coding": [
            {
                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                "code": "2105645",
            }
        ]
    },
}
"""Larotrectinib by an RxNorm code of the FHIR import's drug table (fhir/tables.json), no name in its text."""


def by_reference(reference: str, order_id: str | None, full_url: str | None) -> dict[str, Any]:
    """A draft with a MedicationRequest referencing a Medication that is another entry of the draft."""
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationReference": {"reference": reference},
    }
    if order_id is not None:
        request["id"] = order_id
    order_entry: dict[str, Any] = {"resource": request}
    if full_url is not None:
        order_entry["fullUrl"] = full_url
    medication_entry = {"fullUrl": "urn:uuid:5b0d2f5e-8f57-4d43-9a55-2d8f7b4d1c11", "resource": VITRAKVI_100}
    return {"resourceType": "Bundle", "type": "collection", "entry": [order_entry, medication_entry]}


@pytest.mark.parametrize(
    "reference",
    ["Medication/med-laro", "urn:uuid:5b0d2f5e-8f57-4d43-9a55-2d8f7b4d1c11"],
    ids=["Type/id", "fullUrl"],
)
def test_a_trk_inhibitor_given_as_a_separate_medication_of_the_draft_is_found(
    client: Any, keys: Keys, reference: str
) -> None:
    """I8 (B16): `medicationReference` to a Medication entry of `draftOrders`, by id or by fullUrl."""
    draft_orders = by_reference(reference, "mr-laro", None)
    (card,) = order(client, keys, ADULT, draft_orders, prefetch={"observations": None})
    assert card["indicator"] == "warning" and "larotrectinib" in card["detail"]


def test_an_order_known_only_by_its_urn_uuid_is_found_when_selected(client: Any, keys: Keys) -> None:
    """I8 (B14): a draft order with no id, named in `selections` by its `urn:uuid` fullUrl."""
    url = "urn:uuid:0f7f1d8e-3a55-4b0e-8d55-4f1a3c9b2e77"
    draft_orders = by_reference("Medication/med-laro", None, url)
    (card,) = order(client, keys, ADULT, draft_orders, prefetch={"observations": None}, selections=[url])
    assert "larotrectinib" in card["detail"]
    other = ["urn:uuid:11111111-2222-4333-8444-555555555555"]
    assert order(client, keys, ADULT, draft_orders, prefetch={"observations": None}, selections=other) == []


def test_the_warning_suggests_removing_the_order_or_an_rna_test_and_offers_override_reasons(
    client: Any, keys: Keys
) -> None:
    """U6: a `delete` action on the TRK inhibitor's draft order only; the RNA test as a label (no test
    code is verified here, so no order is proposed); override reasons with displays."""
    (card,) = order(client, keys, ADULT, draft(LAROTRECTINIB, PARACETAMOL), prefetch={"observations": None})
    remove, rna = card["suggestions"]
    assert card["selectionBehavior"] == "at-most-one"
    assert remove["label"] == "Remove the draft TRK inhibitor order"
    assert remove["actions"] == [
        {
            "type": "delete",
            "description": "Remove this draft order until a fusion is molecularly confirmed",
            "resourceId": "MedicationRequest/mr1",
        }
    ]
    assert "RNA" in rna["label"] and "actions" not in rna
    assert remove["uuid"] != rna["uuid"]
    reasons = card["overrideReasons"]
    assert [r["code"] for r in reasons] == ["confirmed-elsewhere", "trial-protocol", "mdt-decision"]
    assert all(r["system"] == "urn:ntrk-advisor:override-reason" and r["display"] for r in reasons)


def test_an_order_known_only_by_its_urn_uuid_is_removed_by_that_urn(client: Any, keys: Keys) -> None:
    url = "urn:uuid:0f7f1d8e-3a55-4b0e-8d55-4f1a3c9b2e77"
    draft_orders = by_reference("Medication/med-laro", None, url)
    (card,) = order(client, keys, ADULT, draft_orders, prefetch={"observations": None}, selections=[url])
    assert [a["resourceId"] for a in card["suggestions"][0]["actions"]] == [url]


def test_the_suggestions_and_reasons_in_chinese(client: Any, keys: Keys) -> None:
    body = hook_request(
        "order-select",
        answers=ADULT,
        prefetch={"observations": None},
        draftOrders=draft(LAROTRECTINIB),
        lang="zh",
    )
    (card,) = cards_of(client.post(ORDER_SELECT, json=body, headers=keys.auth(ORDER_SELECT)))
    assert card["suggestions"][0]["label"] == "撤销草拟的TRK抑制剂医嘱"
    assert card["overrideReasons"][2]["display"] == "多学科诊疗（MDT）团队已作决定"
