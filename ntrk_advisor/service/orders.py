"""`order-select`: a TRK inhibitor in the draft orders while no fusion is molecularly confirmed.

The draft orders (`context.draftOrders`, a Bundle) are searched for a TRK inhibitor by name or
code: the medication's text, its codings' display and code, in MedicationRequest (R4's
`medicationCodeableConcept`, R5's `medication.concept`) and in contained Medication resources.
Only the orders the user selected (`context.selections`) are looked at when the client names any.

If one is found and the case's `fusion_status` is anything but `confirmed` (not on record counts
as not tested), the diagnostic gate of the pathways is walked for that status and its advice is
one `warning` card. The gate is walked as if no emergency were present: this card gives the fusion
advice alone, not the whole plan (the patient-view service does that).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ntrk_advisor import api
from ntrk_advisor.contract.vocabulary import FusionStatus, Status, TrkInhibitor
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import markdown_text
from ntrk_advisor.render.view import references
from ntrk_advisor.service.cards import action_block, card, footer, source

TRK_INHIBITORS: dict[str, str] = {
    member.value: member.value for member in TrkInhibitor if member is not TrkInhibitor.OTHER
}
"""Lower-case name or code found in an order -> the drug it names (the contract's generic names)."""


def drafted_trk_inhibitors(context: Mapping[str, Any]) -> list[str]:
    """The TRK inhibitors the selected draft orders name, in order, each once."""
    draft = context.get("draftOrders")
    entries = draft.get("entry") if isinstance(draft, dict) else None
    if not isinstance(entries, list):
        return []
    chosen = context.get("selections")
    selections = {s for s in chosen if isinstance(s, str)} if isinstance(chosen, list) else set()
    found: dict[str, None] = {}
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            continue
        reference = f"{resource.get('resourceType')}/{resource.get('id')}"
        if selections and reference not in selections:
            continue
        for text in medication_words(resource):
            for word, drug in TRK_INHIBITORS.items():
                if word in text:
                    found[drug] = None
    return list(found)


def medication_words(resource: Mapping[str, Any]) -> Iterator[str]:
    """Every lower-case text and code naming the medication of an order."""
    concepts: list[Any] = [resource.get("medicationCodeableConcept")]
    medication = resource.get("medication")
    if isinstance(medication, dict):
        concepts.append(medication.get("concept"))
    for contained in resource.get("contained") or []:
        if isinstance(contained, dict) and contained.get("resourceType") == "Medication":
            concepts.append(contained.get("code"))
    for concept in concepts:
        if not isinstance(concept, dict):
            continue
        if isinstance(concept.get("text"), str):
            yield concept["text"].lower()
        for coding in concept.get("coding") or []:
            if isinstance(coding, dict):
                for key in ("display", "code"):
                    if isinstance(coding.get(key), str):
                        yield coding[key].lower()


def fusion_of(answers: Mapping[str, Any]) -> FusionStatus | None:
    """The case's fusion status, spelled leniently as everywhere; None when absent or unreadable."""
    value = answers.get("fusion_status")
    try:
        return None if value is None else FusionStatus(value)
    except ValueError:
        return None


def order_cards(
    drugs: list[str], answers: Mapping[str, Any], notes: list[str], kb: KnowledgeBase, lang: Lang
) -> list[dict[str, Any]]:
    """The warning card when a TRK inhibitor is drafted without a confirmed fusion, else none."""
    fusion = fusion_of(answers)
    if not drugs or fusion is FusionStatus.CONFIRMED:
        return []
    gate = {**answers, "fusion_status": (fusion or FusionStatus.NOT_TESTED).value, "emergency": []}
    result = api.evaluate(gate, lang, kb)
    recorded = f"`{fusion.value}`" if fusion is not None else t("cds.fusion_not_on_record", lang)
    detail = [t("cds.order_detail", lang, drugs=", ".join(drugs), status=recorded), ""]
    if result.status is Status.COMPLETE:
        for action in result.actions:
            detail += action_block(action, kb, lang)
        if result.cautions:
            detail += [f"**{t('cautions', lang)}**", ""] + [f"- {c}" for c in result.cautions] + [""]
    elif result.status is Status.INCOMPLETE:
        detail += [t("cds.gate_needs", lang), ""]
        detail += [f"- `{field}`: {kb.prompt(field, lang)}" for field in result.missing] + [""]
    else:
        detail += [t("invalid_note", lang), ""]
        detail += [f"- `{markdown_text(e.field)}`: {markdown_text(e.message)}" for e in result.errors] + [""]
    if notes:
        detail += [f"**{t('cds.answers_from', lang)}**", ""] + [f"- {n}" for n in notes] + [""]
    refs = references(result, kb)
    if refs:
        detail += [f"**{t('references', lang)}**", ""] + [f"{r.number}. {r.line(lang)}" for r in refs] + [""]
    detail += footer(result, lang)
    link = next((r.link for r in refs if r.link), None)
    return [card(t("cds.order_warning", lang), "warning", "\n".join(detail), source(result, link))]
