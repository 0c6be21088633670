"""`order-select`: a TRK inhibitor in the draft orders while no fusion is molecularly confirmed.

The draft orders (`context.draftOrders`, a Bundle) are searched for a TRK inhibitor with the FHIR
import's drug table (`fhir/tables.json`): an RxNorm or ATC code, or a name or brand name as a word
in the text or a display, of R4's `medicationCodeableConcept`, R5's `medication.concept`, any
contained Medication, and a Medication the order references that is another entry of the draft
orders (`Type/id` or `fullUrl`).
Only the orders the user selected (`context.selections`, by `Type/id` or `fullUrl`) are looked at
when the client names any.

If one is found and the case's `fusion_status` is anything but `confirmed` (not on record counts
as not tested), the diagnostic gate of the pathways is walked for that status and its advice is
one `warning` card. The gate is walked as if no emergency were present: this card gives the fusion
advice alone, not the whole plan (the patient-view service does that).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from ntrk_advisor import api
from ntrk_advisor.contract.vocabulary import FusionStatus, Status
from ntrk_advisor.fhir import identifiers as ids
from ntrk_advisor.fhir.elements import FhirError, codings, words
from ntrk_advisor.fhir.tables import drugs
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import markdown_text
from ntrk_advisor.render.view import answer_label, field_label, references
from ntrk_advisor.service.cards import action_block, card, code, footer, reference_links, source
from ntrk_advisor.service.errors import FhirHttpError


@cache
def _name_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Per drug of the FHIR import's table, its names and brand names as whole words."""
    return tuple(
        (d.inhibitor.value, re.compile(r"\b(?:" + "|".join(map(re.escape, d.names)) + r")\b", re.IGNORECASE))
        for d in drugs()
    )


@dataclass(frozen=True)
class Drafted:
    """The TRK inhibitors the selected draft orders name, and how to name those orders to the EHR."""

    drugs: list[str]
    """Each TRK inhibitor once, in order."""
    orders: list[str]
    """Each order that names one: `Type/id`, or its `fullUrl` when it has no id."""


def drafted_trk_inhibitors(context: Mapping[str, Any]) -> list[str]:
    """The TRK inhibitors the selected draft orders name, in order, each once (HTTP 400 if unreadable)."""
    return drafted(context).drugs


def drafted(context: Mapping[str, Any]) -> Drafted:
    """The TRK inhibitors the selected draft orders name, and those orders (HTTP 400 if unreadable).

    An order is selected when `context.selections` names it as `Type/id` or by its entry's
    `fullUrl` (an order with no id is known only by its `urn:uuid`). A Medication it references
    (`medicationReference`, R5's `medication.reference`) is resolved among the draft orders' own
    entries, by `Type/id` or `fullUrl`, as well as among its contained resources.
    """
    draft = context.get("draftOrders")
    entries = draft.get("entry") if isinstance(draft, dict) else None
    if not isinstance(entries, list):
        return Drafted([], [])
    chosen = context.get("selections")
    selections = {s for s in chosen if isinstance(s, str)} if isinstance(chosen, list) else set()
    medications = medications_of(entries)
    found: dict[str, None] = {}
    orders: dict[str, None] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") == "Medication":
            continue
        has_id = isinstance(resource.get("id"), str)
        own = f"{resource.get('resourceType')}/{resource.get('id')}" if has_id else None
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else None
        if selections and not {own, full_url} & selections:
            continue
        where = f"context.draftOrders.entry[{index}].resource"
        for concept, concept_where in medication_concepts(resource, where, medications):
            try:
                names = recognised(concept, concept_where)
            except FhirError as exc:
                raise FhirHttpError(
                    400, "bad_context", f"the draft orders cannot be read: {exc.message('en')}"
                ) from None
            found.update(dict.fromkeys(names))
            if names and (own or full_url):
                orders[str(own or full_url)] = None
    return Drafted(list(found), list(orders))


Medications = Mapping[str, tuple[dict[str, Any], str]]
"""The draft orders' Medication resources by `Medication/id` and `fullUrl`, each with its path."""


def medications_of(entries: list[Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """The draft orders' own Medication entries, by `Medication/id` and by `fullUrl`, with their paths."""
    found: dict[str, tuple[dict[str, Any], str]] = {}
    for index, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Medication":
            continue
        where = f"context.draftOrders.entry[{index}].resource"
        if isinstance(resource.get("id"), str):
            found[f"Medication/{resource['id']}"] = (resource, where)
        if isinstance(entry.get("fullUrl"), str):
            found[entry["fullUrl"]] = (resource, where)
    return found


def medication_concepts(
    resource: Mapping[str, Any],
    where: str,
    medications: Mapping[str, tuple[dict[str, Any], str]] | None = None,
) -> list[tuple[Any, str]]:
    """Every CodeableConcept naming the medication of an order, with its FHIR path.

    Its own concept (R4's `medicationCodeableConcept`, R5's `medication.concept`), any contained
    Medication's code, and the code of a Medication of `medications` it references.
    """
    concepts: list[tuple[Any, str]] = [
        (resource.get("medicationCodeableConcept"), f"{where}.medicationCodeableConcept")
    ]
    references = [resource.get("medicationReference")]
    medication = resource.get("medication")
    if isinstance(medication, dict):  # R5: medication is a CodeableReference
        concepts.append((medication.get("concept"), f"{where}.medication.concept"))
        references.append(medication.get("reference"))
    for i, contained in enumerate(resource.get("contained") or []):
        if isinstance(contained, dict) and contained.get("resourceType") == "Medication":
            concepts.append((contained.get("code"), f"{where}.contained[{i}].code"))
    for reference in references:
        target = reference.get("reference") if isinstance(reference, dict) else None
        if isinstance(target, str) and medications and target in medications:
            referenced, referenced_where = medications[target]
            concepts.append((referenced.get("code"), f"{referenced_where}.code"))
    return [(c, w) for c, w in concepts if c is not None]


def recognised(concept: Any, where: str) -> list[str]:
    """The TRK inhibitors a concept names: an RxNorm or ATC code of the table, or a name as a word."""
    coded = codings(concept, where)
    texts = words(concept, where)
    found = []
    for drug, (name, pattern) in zip(drugs(), _name_patterns(), strict=True):
        by_code = any(
            (c.system == ids.RXNORM and c.code in drug.rxnorm) or (c.system == ids.ATC and c.code in drug.atc)
            for c in coded
        )
        if by_code or any(pattern.search(text) for text in texts):
            found.append(name)
    return found


def fusion_of(answers: Mapping[str, Any]) -> FusionStatus | None:
    """The case's fusion status, spelled leniently as everywhere; None when absent or unreadable."""
    value = answers.get("fusion_status")
    try:
        return None if value is None else FusionStatus(value)
    except ValueError:
        return None


OVERRIDE_SYSTEM = "urn:ntrk-advisor:override-reason"
"""The code system of the reasons a clinician may give for keeping the order (`overrideReasons`)."""
OVERRIDE_REASONS = ("confirmed-elsewhere", "trial-protocol", "mdt-decision")
"""Fusion confirmed by a test outside this record; a clinical trial's protocol; the MDT decided."""


def order_cards(
    drugs: list[str] | Drafted,
    answers: Mapping[str, Any],
    notes: list[str],
    kb: KnowledgeBase,
    lang: Lang,
) -> list[dict[str, Any]]:
    """The warning card when a TRK inhibitor is drafted without a confirmed fusion, else none.

    The card suggests removing the draft orders (a `delete` action on each) or ordering an
    RNA-based fusion test (a suggestion the clinician acts on: no test code is sent, for none is
    verified here), and offers the reasons for keeping the order, which feedback stores.
    """
    found = drugs if isinstance(drugs, Drafted) else Drafted(drugs, [])
    drugs = found.drugs
    fusion = fusion_of(answers)
    if not drugs or fusion is FusionStatus.CONFIRMED:
        return []
    gate = {**answers, "fusion_status": (fusion or FusionStatus.NOT_TESTED).value, "emergency": []}
    result = api.evaluate(gate, lang, kb)
    if fusion is None:
        opening = t("cds.order_detail_no_status", lang, drugs=", ".join(drugs))
    else:
        status = markdown_text(answer_label(kb, "fusion_status", fusion.value, lang))
        opening = t("cds.order_detail", lang, drugs=", ".join(drugs), status=status)
    detail = [opening, ""]
    if result.status is Status.COMPLETE:
        for action in result.actions:
            detail += action_block(action, kb, lang)
        if result.cautions:
            detail += [f"**{t('cautions', lang)}**", ""] + [f"- {c}" for c in result.cautions] + [""]
    elif result.status is Status.INCOMPLETE:
        detail += [t("cds.gate_needs", lang), ""]
        detail += [f"- **{field_label(f, lang)}**: {kb.prompt(f, lang)}" for f in result.missing] + [""]
    else:
        detail += [t("invalid_note", lang), ""]
        detail += [f"- {code(e.field)}: {markdown_text(e.message)}" for e in result.errors] + [""]
    if notes:
        detail += [f"**{t('cds.answers_from', lang)}**", ""] + [f"- {n}" for n in notes] + [""]
    refs = references(result, kb)
    if refs:
        detail += [f"**{t('references', lang)}**", ""] + [f"{r.number}. {r.line(lang)}" for r in refs] + [""]
    detail += footer(result, lang)
    summary = t("cds.order_warning", lang)
    out = card(summary, "warning", "\n".join(detail), source(result), reference_links(refs))
    out.update(order_actions(found, lang))
    return [out]


def order_actions(found: Drafted, lang: Lang) -> dict[str, Any]:
    """The order warning's `suggestions`, their `selectionBehavior`, and its `overrideReasons`.

    Remove the draft orders (a `delete` action on each it can name), or order an RNA-based fusion
    test first (a label only: no test code is verified here, so no order is proposed).
    """
    remove: dict[str, Any] = {"label": t("cds.suggest_remove", lang), "uuid": str(uuid.uuid4())}
    if found.orders:
        remove["actions"] = [
            {"type": "delete", "description": t("cds.remove_order", lang), "resourceId": order}
            for order in found.orders
        ]
    rna = {"label": t("cds.suggest_rna_test", lang), "uuid": str(uuid.uuid4())}
    reasons = [
        {"system": OVERRIDE_SYSTEM, "code": code, "display": t(f"cds.override.{code}", lang)}
        for code in OVERRIDE_REASONS
    ]
    return {"suggestions": [remove, rna], "selectionBehavior": "at-most-one", "overrideReasons": reasons}
