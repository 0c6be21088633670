"""What a request can do wrong, as HTTP answers: a status, a code, one line of JSON.

A refusal about the FHIR data of a hook call (a prefetch missing, unreadable or about another
patient; draft orders that cannot be read) is a FHIR OperationOutcome sent as
`application/fhir+json`, as a FHIR client expects; every other refusal is `{"error", "message"}`
as `application/json`. Both carry the same stable code (the OperationOutcome in
`issue.details.coding`, system `ERROR_SYSTEM`).

Every refusal is raised as an `HttpError` and answered by `service.app` in one place; the worker
carries on. Nothing here holds request data beyond the one-line message, which never quotes the
body (a body may hold patient data).
"""

from __future__ import annotations

from typing import Any

from ntrk_advisor.errors import AdvisorError, UsageError
from ntrk_advisor.exit_codes import ExitCode

JSON = "application/json"
FHIR_JSON = "application/fhir+json"
ERROR_SYSTEM = "urn:ntrk-advisor:cds-error"
"""The code system of the service's refusal codes inside an OperationOutcome."""


class HttpError(AdvisorError):
    """A refused request: HTTP `status`, a stable `code` for programs, a `message` for people.

    Answered by `service/app.guarded`; one reaching the CLI edge escaped it, which is a bug.
    """

    exit_code = ExitCode.INTERNAL
    media_type = JSON

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def body(self) -> dict[str, Any]:
        """The JSON answer: `{"error": code, "message": text}`."""
        return {"error": self.code, "message": self.message}


class Unauthorized(HttpError):
    """No token, or one that fails a check (HTTP 401, with the Bearer challenge)."""

    exit_code = ExitCode.INTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(401, "unauthorized", message, {"WWW-Authenticate": 'Bearer error="invalid_token"'})


class FhirHttpError(HttpError):
    """A refusal about the call's FHIR data, answered as an OperationOutcome (`application/fhir+json`).

    `issue_type` is the FHIR issue type (`invalid`, `required`, `business-rule`…). Where in the
    request the problem is goes in `diagnostics`, never in `expression`, which is a FHIRPath into
    a resource.
    """

    exit_code = ExitCode.INTERNAL
    media_type = FHIR_JSON

    def __init__(self, status: int, code: str, message: str, issue_type: str = "invalid") -> None:
        super().__init__(status, code, message)
        self.issue_type = issue_type

    def issues(self) -> list[tuple[str, str]]:
        """Each issue as (FHIR issue type, diagnostics): one by default."""
        return [(self.issue_type, self.message)]

    def body(self) -> dict[str, Any]:
        """An OperationOutcome with one `error` issue per problem, each carrying the stable code."""
        return {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": kind,
                    "details": {"coding": [{"system": ERROR_SYSTEM, "code": self.code}], "text": text},
                    "diagnostics": text,
                }
                for kind, text in self.issues()
            ],
        }


class PrefetchMissing(FhirHttpError):
    """The prefetch lacks keys the service needs and cannot fetch (CDS Hooks: HTTP 412).

    Answered as a FHIR OperationOutcome naming each missing prefetch key.
    """

    exit_code = ExitCode.INTERNAL

    def __init__(self, keys: list[str]) -> None:
        self.keys = list(keys)
        super().__init__(
            412, "prefetch_missing", f"required prefetch missing: {', '.join(self.keys)}", "required"
        )

    def issues(self) -> list[tuple[str, str]]:
        """One `required` issue per missing key, naming it."""
        return [
            (
                "required",
                f"prefetch key '{key}' is required: send it in the prefetch, or null when the record"
                " has nothing for it (the service reads a FHIR server only when started with"
                " --fhir-fallback naming it)",
            )
            for key in self.keys
        ]


class ServiceSetupError(UsageError):
    """`serve` was started with settings it cannot run with (a bad key file, no trust configured)."""

    exit_code = ExitCode.USAGE
