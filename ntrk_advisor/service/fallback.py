"""The opt-in FHIR fallback: a prefetch key the call left out, read from an allowed FHIR server.

CDS Hooks lets a service fetch what the EHR did not prefetch from the call's `fhirServer` with its
`fhirAuthorization`. This service is prefetch-only unless `serve --fhir-fallback URL` names FHIR
servers (an allow-list of base URLs); without one nothing here ever opens a connection. With one,
each prefetch key absent from a call is read, only when:

- the call's `fhirServer` is one of the allowed bases (compared after normalising: scheme and host
  in lower case, no trailing slash), and the call carries a Bearer `fhirAuthorization`;
- `context.patientId` is a FHIR id (`[A-Za-z0-9-.]{1,64}`), so filling the template's
  `{{context.patientId}}` (the only token the discovery templates use) cannot change the query's
  path or parameters.

One read is a plain HTTP GET (`http.client`: no proxy from the environment, no redirect ever
followed, a 3xx is a failure) with `Accept: application/fhir+json`, bounded in time (one deadline
for all the call's reads, connect and every read included) and in size (`intake.MAX_BUNDLE_BYTES`,
read in chunks, refused as soon as it is passed). A failure leaves the key absent, so a key the
service needs is then the same HTTP 412 as without the option; the log line names the key and the
kind of failure, never the token, the query or anything from the record. What is read becomes a
prefetch value like any other: the same import, the same another-patient rule.
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.intake import MAX_BUNDLE_BYTES
from ntrk_advisor.service import logs
from ntrk_advisor.service.bodies import nesting_over
from ntrk_advisor.service.config import MAX_DEPTH
from ntrk_advisor.service.discovery import PREFETCH
from ntrk_advisor.service.errors import FHIR_JSON, ServiceSetupError

FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
"""A FHIR resource id (FHIR R4 `id`): the only value put into a query."""
TIMEOUT_S = 5.0
"""Seconds all the reads of one call may take together, connecting included."""
CHUNK = 64 * 1024


class FetchFailed(Exception):
    """One read failed; `reason` is a short code for the log (never a URL, token or data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalised(url: str) -> str | None:
    """A FHIR base URL in one spelling (`scheme://host[:port]/path`, no trailing slash), else None.

    Only http and https with a host; no user, query or fragment; printable text only.
    """
    if not url or len(url) > 2048 or not url.isprintable() or " " in url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
    ):
        return None
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    return f"{parts.scheme.lower()}://{netloc}{parts.path.rstrip('/')}"


def allowed_base(value: str) -> str:
    """A `--fhir-fallback` value, normalised; anything else stops `serve` (`ServiceSetupError`)."""
    found = normalised(value)
    if found is None:
        raise ServiceSetupError("cds.bad_fhir_fallback", url=value)
    return found


def filled(template: str, context: Mapping[str, Any]) -> str | None:
    """The template's query with `{{context.patientId}}` filled in; None when it cannot be.

    The discovery templates use that one token; a patient id that is not a FHIR id is never put
    into a query.
    """
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not FHIR_ID.fullmatch(patient_id):
        return None
    query = template.replace("{{context.patientId}}", patient_id)
    return None if "{{" in query else query


@dataclass(frozen=True)
class Fallback:
    """The allowed FHIR servers and the bounds of reading from them (none: prefetch only)."""

    bases: tuple[str, ...] = ()
    timeout_s: float = TIMEOUT_S
    max_bytes: int = MAX_BUNDLE_BYTES

    @classmethod
    def of(cls, urls: tuple[str, ...], timeout_s: float = TIMEOUT_S) -> Fallback:
        """The fallback `serve` was given, each URL checked (a bad one stops `serve`)."""
        return cls(tuple(dict.fromkeys(allowed_base(u) for u in urls)), timeout_s)

    def filled_prefetch(
        self,
        prefetch: Mapping[str, Any],
        context: Mapping[str, Any],
        fhir_server: str | None,
        access_token: str | None,
    ) -> dict[str, Any]:
        """The prefetch with each absent key read from the call's server, where it may be.

        Returns the prefetch unchanged (and connects nowhere) when there is no allowed server,
        the call's server is not one of them, or it gives no token.
        """
        absent = [key for key in PREFETCH if key not in prefetch]
        base = None if fhir_server is None else normalised(fhir_server)
        if not absent or not self.bases or base not in self.bases or not access_token:
            return dict(prefetch)
        deadline = time.monotonic() + self.timeout_s
        found = dict(prefetch)
        for key in absent:
            query = filled(PREFETCH[key], context)
            try:
                if query is None:
                    raise FetchFailed("patient_id_not_a_fhir_id")
                value = read(f"{base}/{query}", access_token, deadline, self.max_bytes)
                if value["resourceType"] != expected_type(PREFETCH[key]):
                    raise FetchFailed("unexpected_resource_type")
                found[key] = value
            except FetchFailed as exc:
                logs.event("fhir_fallback_failed", 30, prefetch_key=key, reason=exc.reason)
        return found


def expected_type(template: str) -> str:
    """What a template's answer is: the resource for a read (`Patient/…`), else a search's Bundle."""
    name, slash, _ = template.partition("/")
    return name if slash and "?" not in name else "Bundle"


def read(url: str, access_token: str, deadline: float, max_bytes: int) -> dict[str, Any]:
    """The FHIR resource at `url` (a read or a search), or `FetchFailed`.

    No redirect is followed, nothing beyond `max_bytes` is read, and nothing after `deadline`.
    """
    parts = urlsplit(url)
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed("timeout")
    host = parts.hostname or ""
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            host, parts.port, timeout=remaining, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=remaining)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "GET",
            target,
            headers={
                "Authorization": f"Bearer {access_token}",
                "Accept": FHIR_JSON,
                "User-Agent": "ntrk-advisor",
            },
        )
        response = connection.getresponse()
        if response.status != 200:
            raise FetchFailed(f"status_{response.status}")
        length = response.getheader("content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            raise FetchFailed("too_large")
        body = bytearray()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FetchFailed("timeout")
            if connection.sock is not None:
                connection.sock.settimeout(remaining)
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            body += chunk
            if len(body) > max_bytes:
                raise FetchFailed("too_large")
    except TimeoutError:
        raise FetchFailed("timeout") from None
    except (OSError, http.client.HTTPException):
        raise FetchFailed("connection") from None
    finally:
        connection.close()
    return resource(bytes(body))


def resource(body: bytes) -> dict[str, Any]:
    """The body as a FHIR resource (an object with a `resourceType`), or `FetchFailed`."""
    try:
        value = loads_strict(body)
    except ValueError:
        raise FetchFailed("bad_json") from None
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise FetchFailed("not_a_resource")
    if nesting_over(value, MAX_DEPTH):
        raise FetchFailed("too_deep")
    return value
