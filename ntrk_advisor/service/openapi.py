"""The service described as OpenAPI 3.1, built from the JSON Schemas in `service/schemas/`.

For integrators and for the property-based API test (schemathesis generates requests from it and
checks every answer against it). The schemas were written from the CDS Hooks 2.0 text; each is
also loadable on its own with `schema(name)`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from ntrk_advisor._version import __version__
from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.service.config import MAX_BODY_BYTES
from ntrk_advisor.service.discovery import SERVICES, Service

SCHEMAS = ("discovery", "request", "card", "feedback", "error")


@cache
def _text(name: str) -> str:
    return (
        resources.files("ntrk_advisor.service")
        .joinpath("schemas")
        .joinpath(f"{name}.schema.json")
        .read_text("utf-8")
    )


def schema(name: str) -> dict[str, Any]:
    """One of the JSON Schemas (`discovery`, `request`, `card` (the response), `feedback`, `error`)."""
    data: dict[str, Any] = loads_strict(_text(name))
    return data


def _component(name: str) -> dict[str, Any]:
    """A schema as an OpenAPI component: its `$defs` lifted so references resolve in the document."""
    data = schema(name)
    data.pop("$schema", None)
    data.pop("$id", None)
    text = json.dumps(data).replace('"#/$defs/', f'"#/components/schemas/{name}_')
    lifted = loads_strict(text)
    defs = lifted.pop("$defs", {})
    return {name: lifted, **{f"{name}_{key}": value for key, value in defs.items()}}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _refusals(*codes: int, fhir: tuple[int, ...] = ()) -> dict[str, Any]:
    """Refusals as one line of JSON; those in `fhir` may also be an OperationOutcome (FHIR JSON)."""
    out = {}
    for code in codes:
        content = _json("error")
        if code in fhir:
            content["application/fhir+json"] = content["application/json"]
        out[str(code)] = {"description": "refused (one line of JSON)", "content": content}
    return out


EXTENSION = {
    "type": "object",
    "properties": {
        "extension": {
            "type": "object",
            "properties": {
                "ntrk-advisor": {
                    "type": "object",
                    "description": "The clinician's answers (case fields) and the cards' language.",
                    "properties": {"answers": {"type": "object"}, "lang": {"enum": ["en", "zh"]}},
                }
            },
        }
    },
}
"""The service's documented extension of a request's `context`."""


def _hook_path(service: Service) -> dict[str, Any]:
    request = {
        "allOf": [
            {"$ref": "#/components/schemas/request"},
            {"properties": {"hook": {"const": service.hook}, "context": EXTENSION}},
        ]
    }
    return {
        "post": {
            "operationId": service.id,
            "summary": service.title,
            "security": [{"ehrJwt": []}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
            "responses": {
                "200": {"description": "the cards", "content": _json("card")},
                **_refusals(400, 401, 412, 413, 415, 422, fhir=(400, 412, 422)),
            },
        }
    }


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service."""
    components: dict[str, Any] = {}
    for name in SCHEMAS:
        components.update(_component(name))
    service_ids = sorted(SERVICES)
    service_id = {"name": "service_id", "in": "path", "required": True, "schema": {"enum": service_ids}}
    security: list[dict[str, list[str]]] = [{"ehrJwt": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ntrk-advisor CDS Hooks service",
            "version": __version__,
            "description": f"CDS Hooks 2.0. Request bodies are limited to {MAX_BODY_BYTES} bytes.",
        },
        "paths": {
            "/cds-services": {
                "get": {
                    "operationId": "discovery",
                    "security": security,
                    "responses": {
                        "200": {"description": "the services", "content": _json("discovery")},
                        **_refusals(401),
                    },
                }
            },
            **{f"/cds-services/{service.id}": _hook_path(service) for service in SERVICES.values()},
            "/cds-services/{service_id}/feedback": {
                "post": {
                    "operationId": "feedback",
                    "security": security,
                    "parameters": [service_id],
                    "requestBody": {"required": True, "content": _json("feedback")},
                    "responses": {
                        "200": {
                            "description": "stored",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["stored"],
                                        "properties": {"stored": {"type": "integer", "minimum": 1}},
                                    }
                                }
                            },
                        },
                        **_refusals(400, 401, 404, 413, 415),
                    },
                }
            },
        },
        "components": {
            "schemas": components,
            "securitySchemes": {
                "ehrJwt": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Signed by the EHR (CDS Hooks 2.0, Trusting CDS Clients).",
                }
            },
        },
    }
