"""What a request can do wrong, as HTTP answers: a status, a code, one line of JSON.

Every refusal is raised as an `HttpError` and answered by `service.app` in one place; the worker
carries on. Nothing here holds request data beyond the one-line message, which never quotes the
body (a body may hold patient data).
"""

from __future__ import annotations

from typing import Any

from ntrk_advisor.errors import AdvisorError, UsageError
from ntrk_advisor.exit_codes import ExitCode


class HttpError(AdvisorError):
    """A refused request: HTTP `status`, a stable `code` for programs, a `message` for people.

    Answered by `service/app.guarded`; one reaching the CLI edge escaped it, which is a bug.
    """

    exit_code = ExitCode.INTERNAL

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


class PrefetchMissing(HttpError):
    """The prefetch lacks keys the service needs and cannot fetch (CDS Hooks: HTTP 412).

    Answered as a FHIR OperationOutcome naming each missing prefetch key.
    """

    exit_code = ExitCode.INTERNAL

    def __init__(self, keys: list[str]) -> None:
        self.keys = list(keys)
        super().__init__(412, "prefetch_missing", f"required prefetch missing: {', '.join(self.keys)}")

    def body(self) -> dict[str, Any]:
        """An OperationOutcome with one `required` issue per missing key."""
        return {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": "required",
                    "diagnostics": f"prefetch key '{key}' is required: the service makes no FHIR call",
                    "expression": [f"prefetch.{key}"],
                }
                for key in self.keys
            ],
        }


class ServiceSetupError(UsageError):
    """`serve` was started with settings it cannot run with (a bad key file, no trust configured)."""

    exit_code = ExitCode.USAGE
