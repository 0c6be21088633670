"""One hook call read into a case: the request's shape, the prefetch, the clinician's answers.

The case comes from the prefetch: every prefetched resource is gathered into one Bundle and read
through `ntrk_advisor.intake`, as a Bundle given to consult or batch is. What a record
cannot hold (resectability, a response that has levelled off, an emergency…) may come with the
call, in the context's extension under one documented key:

    "context": {"patientId": "…", "extension": {"ntrk-advisor": {
        "answers": {"resectable_now": true, "emergency": []},
        "lang": "zh"}}}

`answers` are case fields exactly as a case file gives them (docs/contract.md); where the record
gives a field too and the two differ, the clinician's answer is used and the card says so. `lang`
(`en` or `zh`) chooses the cards' language; without it `Accept-Language` does, else English.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.intake import Answers, read_answers
from ntrk_advisor.memo import BoundedMemo
from ntrk_advisor.render.safe_text import markdown_text
from ntrk_advisor.render.view import field_label
from ntrk_advisor.service.cards import code
from ntrk_advisor.service.discovery import NEEDED_FOR, Service
from ntrk_advisor.service.errors import FhirHttpError, HttpError, PrefetchMissing
from ntrk_advisor.service.page_token import FROM_CALL

UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
"""A `hookInstance` as CDS Hooks defines it (a UUID, hyphenated). It is logged with every call, so
nothing else is accepted: free text there could carry a patient's name into the log."""
EXTENSION_KEY = "ntrk-advisor"
"""The key of this service's extension in a request's `context.extension`."""
REQUIRED_CONTEXT: dict[str, dict[str, type]] = {
    "patient-view": {"userId": str, "patientId": str},
    "order-select": {"userId": str, "patientId": str, "selections": list, "draftOrders": dict},
}
"""The context fields each hook's definition (CDS Hooks 2.0) marks REQUIRED, and their JSON type."""
WRONG_PATIENT = ("not_context_patient", "other_patient")
"""The import's refusals that mean the prefetch is about another patient than the call."""


@dataclass(frozen=True)
class HookCall:
    """A request that has the shape CDS Hooks gives it."""

    hook_instance: str
    context: dict[str, Any]
    patient_id: str
    """`context.patientId`: the one patient the prefetch may be about."""
    prefetch: dict[str, Any]
    answers: dict[str, Any]
    """The clinician's answers from the extension (case fields, as given)."""
    lang: Lang
    fhir_server: str | None = None
    """The call's `fhirServer`, if given (only `service.fallback` reads from it, and only if allowed)."""
    access_token: str | None = field(default=None, repr=False)
    """The call's `fhirAuthorization.access_token`, if given: sent to `fhir_server` only, never logged."""


@dataclass(frozen=True)
class HookCase:
    """The raw case answers for validation, and where each came from (shown on the cards)."""

    answers: dict[str, Any]
    notes: list[str]
    sources: dict[str, list[str]] = field(default_factory=dict)
    """Where each answer came from: the record's references, or `page_token.FROM_CALL`."""


def read_call(body: Mapping[str, Any], service: Service, accept_language: str | None) -> HookCall:
    """The call's parts, or HTTP 400 naming what is wrong with its shape."""
    hook = body.get("hook")
    if not isinstance(hook, str) or not hook:
        raise HttpError(400, "bad_request", "the request needs a 'hook' string")
    if hook != service.hook:
        raise HttpError(400, "wrong_hook", f"service {service.id} answers {service.hook}, not this hook")
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not UUID.fullmatch(instance):
        raise HttpError(400, "bad_request", "the request needs a 'hookInstance' that is a UUID")
    context = body.get("context")
    if not isinstance(context, dict):
        raise HttpError(400, "bad_request", "the request needs a 'context' object")
    check_context(context, hook)
    prefetch = body.get("prefetch", {})
    if not isinstance(prefetch, dict):
        raise HttpError(400, "bad_request", "'prefetch' must be an object")
    check_shape(body, prefetch)
    extension = context.get("extension", {})
    ours = extension.get(EXTENSION_KEY, {}) if isinstance(extension, dict) else None
    if not isinstance(ours, dict):
        raise HttpError(400, "bad_extension", f"context.extension['{EXTENSION_KEY}'] must be an object")
    answers = ours.get("answers", {})
    if not isinstance(answers, dict):
        raise HttpError(
            400, "bad_extension", f"context.extension['{EXTENSION_KEY}'].answers must be an object"
        )
    lang = ours.get("lang")
    if lang is not None and lang not in ("en", "zh"):
        raise HttpError(400, "bad_extension", f"context.extension['{EXTENSION_KEY}'].lang must be en or zh")
    chosen: Lang = lang if lang is not None else language_of(accept_language)
    authorization = body.get("fhirAuthorization")
    token = authorization["access_token"] if isinstance(authorization, dict) else None
    server = body.get("fhirServer")
    return HookCall(
        instance,
        context,
        context["patientId"],
        prefetch,
        answers,
        chosen,
        server if isinstance(server, str) else None,
        token if isinstance(token, str) else None,
    )


def check_context(context: Mapping[str, Any], hook: str) -> None:
    """HTTP 400 naming the first context field the hook requires that is absent or of the wrong type."""
    for name, kind in REQUIRED_CONTEXT.get(hook, {}).items():
        value = context.get(name)
        if not isinstance(value, kind) or value == "":
            raise HttpError(400, "bad_context", f"{hook} needs 'context.{name}' ({kind.__name__})")


AUTHORIZATION_FIELDS = {
    "access_token": str,
    "token_type": str,
    "expires_in": int,
    "scope": str,
    "subject": str,
}


def is_base_url(value: object) -> bool:
    """Whether a value is a FHIR server's base URL: absolute, http or https, with a host.

    The request schema says `format: uri`; a value that breaks it is a bad request (400), whatever
    the prefetch holds, so the answer does not depend on which check happens to run first.
    """
    if not isinstance(value, str) or not value or len(value) > 2048 or not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in value


def check_shape(body: Mapping[str, Any], prefetch: Mapping[str, Any]) -> None:
    """The rest of the request's CDS Hooks shape (`schemas/request.schema.json`), HTTP 400 if wrong."""
    server = body.get("fhirServer")
    if "fhirServer" in body and not is_base_url(server):
        raise HttpError(400, "bad_request", "'fhirServer' must be a URL")
    authorization = body.get("fhirAuthorization")
    if "fhirAuthorization" in body:
        if server is None or not isinstance(authorization, dict):
            raise HttpError(400, "bad_request", "'fhirAuthorization' must be an object, with 'fhirServer'")
        for name, kind in AUTHORIZATION_FIELDS.items():
            value = authorization.get(name)
            if not isinstance(value, kind) or isinstance(value, bool) or value == "":
                raise HttpError(
                    400, "bad_request", f"'fhirAuthorization.{name}' is missing or of the wrong type"
                )
        if authorization["token_type"] != "Bearer":
            raise HttpError(400, "bad_request", "'fhirAuthorization.token_type' must be Bearer")
    if "extension" in body and not isinstance(body["extension"], dict):
        raise HttpError(400, "bad_request", "'extension' must be an object")
    for key, value in prefetch.items():
        if value is not None and not (isinstance(value, dict) and isinstance(value.get("resourceType"), str)):
            raise FhirHttpError(400, "bad_prefetch", f"prefetch '{key}' is not a FHIR resource or null")


def language_of(accept_language: str | None) -> Lang:
    """`zh` or `en` from an Accept-Language header (highest quality first), else `en`."""
    if not accept_language:
        return "en"
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, index, tag.strip().lower()))
    for negative_quality, _, tag in sorted(ranked):
        if negative_quality < 0 and (tag.startswith("zh") or tag.startswith("en")):
            return "zh" if tag.startswith("zh") else "en"
    return "en"


def check_prefetch(call: HookCall) -> None:
    """HTTP 412 naming each needed prefetch key that is absent (a null value is present)."""
    missing = [
        key
        for key, fields in NEEDED_FOR.items()
        if key not in call.prefetch and not all(call.answers.get(f) is not None for f in fields)
    ]
    if missing:
        raise PrefetchMissing(missing)


def bundle_of(prefetch: Mapping[str, Any]) -> dict[str, Any]:
    """One `collection` Bundle of every resource in the prefetch (search results unpacked).

    Each prefetch value is a FHIR resource (a read such as `Patient/123`), a `searchset` Bundle (a
    search), or null (the record has nothing for that template).
    """
    entries: list[dict[str, Any]] = []
    for key, value in prefetch.items():
        if value is None:
            continue
        if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
            raise FhirHttpError(400, "bad_prefetch", f"prefetch '{key}' is not a FHIR resource or null")
        if value["resourceType"] != "Bundle":
            entries.append({"resource": value})
            continue
        found = value.get("entry", [])
        if not isinstance(found, list):
            raise FhirHttpError(
                400, "bad_prefetch", f"prefetch '{key}' is a Bundle whose entry is not a list"
            )
        for entry in found:
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") != "OperationOutcome":
                full_url = entry.get("fullUrl")
                entries.append(
                    {"fullUrl": full_url, "resource": resource} if full_url else {"resource": resource}
                )
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def import_prefetch(
    prefetch: Mapping[str, Any], today: dt.date, lang: Lang = "en", *, patient_id: str | None = None
) -> Answers:
    """The case answers the prefetched record holds, without an id (nothing to import gives none).

    The import's errors become HTTP 422 naming where in the Bundle it failed, never a value from it.
    A prefetch about another patient than `patient_id` (the call's `context.patientId`: the
    Patient's id, or any `subject`/`patient` of any resource) is HTTP 400 `wrong_patient`, never
    advice.
    """
    bundle = bundle_of(prefetch)
    if not bundle["entry"]:
        return Answers({})
    try:
        answers = read_answers(bundle, today=today, patient_id=patient_id)
    except FhirError as exc:
        if exc.reason in WRONG_PATIENT:
            message = f"the prefetch is about another patient than context.patientId: {exc.message(lang)}"
            raise FhirHttpError(400, "wrong_patient", message, "business-rule") from None
        raise FhirHttpError(
            422, "bad_fhir", f"the prefetch cannot be read: {exc.message(lang)}", "processing"
        ) from None
    values = {name: value for name, value in answers.values.items() if name != "id"}
    sources = {name: list(where) for name, where in answers.sources.items() if name != "id"}
    return Answers(values, sources, answers.notes, imported=True)


def case_of(call: HookCall, today: dt.date) -> HookCase:
    """The record's answers with the clinician's over them, and a note of where each came from."""
    check_prefetch(call)
    imported = (
        import_prefetch(call.prefetch, today, call.lang, patient_id=call.patient_id)
        if call.prefetch
        else Answers({})
    )
    return merged(imported, call.answers, call.lang)


def merged(imported: Answers, given: Mapping[str, Any], lang: Lang) -> HookCase:
    """Answers from the record, then the clinician's (`Answers.over`); the notes say which came from where."""
    if imported.values == {} and not imported.sources and not imported.notes:
        return given_only(given, lang)
    answers = imported.over(given).values
    notes = [
        f"{label(str(name), lang)}: {markdown_text(', '.join(map(str, where)))}"
        for name, where in imported.sources.items()
        if name not in given
    ]
    replaced = [
        name
        for name, value in given.items()
        if name in imported.values and value is not None and imported.values[name] != value
    ]
    if given:
        notes.append(from_request(tuple(given), lang))
    if replaced:
        names = ", ".join(label(str(n), lang) for n in replaced)
        notes.append(t("cds.record_replaced", lang, fields=names))
    notes += [markdown_text(note.text(lang)) for note in dict.fromkeys(imported.notes)]
    sources = {name: list(where) for name, where in imported.sources.items() if name not in given}
    sources.update({name: [FROM_CALL] for name, value in given.items() if value is not None})
    return HookCase(answers, notes, sources)


def given_only(given: Mapping[str, Any], lang: Lang) -> HookCase:
    """`merged` for a call without a record: the answers it gives (nulls left out), and the one note.

    Most calls carry no prefetch the import reads anything from; this is `merged` of an empty
    import, without making one (issue 27).
    """
    answers = {name: value for name, value in given.items() if value is not None}
    notes = [from_request(tuple(given), lang)] if given else []
    return HookCase(answers, notes, {name: [FROM_CALL] for name in answers})


MAX_NOTES = 1024
_FROM_REQUEST: BoundedMemo[tuple[tuple[str, ...], Lang], str] = BoundedMemo(MAX_NOTES)
"""The note naming the answers a call gave, per list of names and language (names of case fields
only, so a request cannot fill it with its own; at most `MAX_NOTES` kept)."""


def from_request(names: tuple[str, ...], lang: Lang) -> str:
    """The note `given with the call: Age, Fusion status…` for the answers named `names`."""
    found = _FROM_REQUEST.get((names, lang))
    if found is not None:
        return found
    note = t("cds.from_request", lang, fields=", ".join(label(str(n), lang) for n in names))
    if all(isinstance(n, str) and (n, lang) in _LABELS for n in names):
        _FROM_REQUEST.keep((names, lang), note)
    return note


_LABELS: dict[tuple[str, Lang], str] = {}
"""Each case field's label as Markdown, per language, made once (the fields are a closed list;
a name from a request that is no field is never kept)."""


def label(name: str, lang: Lang) -> str:
    """A case field by the consult's label, for a clinician.

    A name that is no case field stays a code span: it came from the request, shown literally.
    """
    known = _LABELS.get((name, lang))
    if known is not None:
        return known
    found = field_label(name, lang)
    if found == name:
        return code(name)
    _LABELS[(name, lang)] = shown_label = markdown_text(found)
    return shown_label
