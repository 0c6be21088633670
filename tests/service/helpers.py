"""What the service tests share: keys and tokens, clients, requests, and the schema checks."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from ntrk_advisor.pathway.knowledge import default_knowledge_base
from ntrk_advisor.service.app import CdsService, create_app
from ntrk_advisor.service.auth import Verifier, load_jwks
from ntrk_advisor.service.config import ServiceConfig
from ntrk_advisor.service.openapi import schema

BASE = "http://testserver"
ISSUER = "https://ehr.example.org"
KID = "ehr-key-1"
PATIENT_VIEW = "/cds-services/ntrk-patient-view"
ORDER_SELECT = "/cds-services/ntrk-order-select"

IFS_ANSWERS = {
    "age_years": 0.5,
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "tumor_category": "infantile_fibrosarcoma",
}


@dataclass(frozen=True)
class Keys:
    """The EHR's signing key and the JWK Set file the service trusts."""

    private: ec.EllipticCurvePrivateKey
    jwks_path: Path

    def token(self, path: str, *, lifetime: float = 300, **claims: Any) -> str:
        """A signed token for a call to `path` (claims may be overridden or removed with None)."""
        now = time.time()
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": f"{BASE}{path}",
            "exp": int(now + lifetime),
            "iat": int(now),
            "jti": str(uuid.uuid4()),
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        headers = {"kid": KID, "typ": "JWT"}
        return jwt.encode(payload, self.private, algorithm="ES256", headers=headers)

    def auth(self, path: str, **claims: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(path, **claims)}"}


def make_keys(folder: Path) -> Keys:
    private = ec.generate_private_key(ec.SECP256R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private.public_key()))
    public.update(kid=KID, alg="ES256", use="sig")
    path = folder / "jwks.json"
    path.write_text(json.dumps({"keys": [public]}), encoding="utf-8")
    return Keys(private, path)


def make_service(tmp_path: Path, keys: Keys | None, **settings: Any) -> CdsService:
    config = ServiceConfig(
        base_url=BASE,
        jwks_path=None if keys is None else str(keys.jwks_path),
        issuers=(ISSUER,),
        insecure_no_auth=keys is None,
        feedback_db=str(tmp_path / "feedback.sqlite3"),
        **settings,
    )
    verifier = None if keys is None else Verifier(load_jwks(keys.jwks_path), config.issuers, BASE)
    return CdsService(config, default_knowledge_base(), verifier)


def make_client(tmp_path: Path, keys: Keys | None, **settings: Any) -> Any:
    from starlette.testclient import TestClient

    return TestClient(create_app(make_service(tmp_path, keys, **settings)), base_url=BASE)


def hook_request(
    hook: str = "patient-view",
    *,
    answers: dict[str, Any] | None = None,
    prefetch: dict[str, Any] | None = None,
    lang: str | None = None,
    **context: Any,
) -> dict[str, Any]:
    """A hook call with the clinician's answers in the documented extension.

    `context.patientId` is the prefetched Patient's id (else `p1`); order-select's `selections`
    name every draft order unless given.
    """
    ours: dict[str, Any] = {}
    if answers is not None:
        ours["answers"] = answers
    if lang is not None:
        ours["lang"] = lang
    body: dict[str, Any] = {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": {
            "userId": "Practitioner/1",
            "patientId": patient_id_of(prefetch),
            **({"selections": selected(context["draftOrders"])} if "draftOrders" in context else {}),
            **context,
            "extension": {"ntrk-advisor": ours},
        },
    }
    if prefetch is not None:
        body["prefetch"] = prefetch
    return body


def patient_id_of(prefetch: dict[str, Any] | None) -> str:
    """The id of the Patient a prefetch holds, else `p1`."""
    patient = (prefetch or {}).get("patient")
    if isinstance(patient, dict) and isinstance(patient.get("id"), str):
        return str(patient["id"])
    return "p1"


def selected(draft: Any) -> list[str]:
    """`Type/id` of every resource of a draft-orders Bundle (what a user selecting all would send)."""
    entries = draft.get("entry", []) if isinstance(draft, dict) else []
    return [
        f"{e['resource'].get('resourceType')}/{e['resource'].get('id')}"
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("resource"), dict) and "id" in e["resource"]
    ]


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema(name), format_checker=jsonschema.FormatChecker())


def valid(name: str, instance: Any) -> Any:
    """The instance, after checking it against one of the service's JSON Schemas."""
    errors = sorted(validator(name).iter_errors(instance), key=str)
    assert errors == [], [e.message for e in errors]
    return instance


def uncached(response: Any) -> Any:
    """The response, after checking it forbids caching and content sniffing (every answer does)."""
    assert response.headers["cache-control"] == "no-store", response.headers
    assert response.headers["x-content-type-options"] == "nosniff", response.headers
    return response


def cards_of(response: Any) -> list[dict[str, Any]]:
    """The cards of a 200 answer, checked against the response schema."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    uncached(response)
    return list(valid("card", response.json())["cards"])


def refusal(response: Any, status: int) -> dict[str, Any]:
    """A refusal's body: the status, one line of JSON, valid against the error schema, not cached.

    An OperationOutcome (a refusal about the call's FHIR data) must come as `application/fhir+json`
    and is returned as `{"error", "message"}` from its first issue, so every refusal reads alike.
    """
    assert response.status_code == status, response.text
    assert "\n" not in response.text
    uncached(response)
    body = dict(valid("error", response.json()))
    media = response.headers["content-type"].split(";")[0]
    if body.get("resourceType") == "OperationOutcome":
        assert media == "application/fhir+json", media
        issue = body["issue"][0]
        return {"error": issue["details"]["coding"][0]["code"], "message": issue["diagnostics"]}
    assert media == "application/json", media
    return body


def operation_outcome(response: Any, status: int) -> dict[str, Any]:
    """A refusal about the call's FHIR data: an OperationOutcome as `application/fhir+json`."""
    refusal(response, status)
    body = dict(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body
