"""The opt-in FHIR fallback (`serve --fhir-fallback URL`): prefetch only unless a server is named.

Without the option, or for a `fhirServer` not on the list, a missing prefetch key is HTTP 412 and
no socket is opened at all. With it, the missing keys are read from a real FHIR-like server on
loopback (`FhirServer`, which records every request), with the call's token, within a deadline and
a size limit, never following a redirect; any failure is the same 412.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

import pytest

from ntrk_advisor.intake import MAX_BUNDLE_BYTES
from ntrk_advisor.service.errors import ServiceSetupError
from ntrk_advisor.service.fallback import allowed_base, filled
from tests.fhir_support import split_into_prefetch
from tests.service.helpers import (
    PATIENT_VIEW,
    Keys,
    cards_of,
    hook_request,
    make_client,
    operation_outcome,
    refusal,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
TOKEN = "fhir-access-token-7f3a"
CLINICIAN = {
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "tumor_category": "infantile_fibrosarcoma",
}


def record() -> dict[str, Any]:
    """The ETV6-NTRK3 record as a FHIR server holds it: the Patient, and a searchset per template."""
    prefetch = split_into_prefetch(json.loads((FIXTURES / "etv6-ntrk3.json").read_text(encoding="utf-8")))
    empty = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    return {key: prefetch.get(key) or empty for key in ("patient", *FhirServer.SEARCHES.values())}


Reply = Callable[[BaseHTTPRequestHandler], None]


class FhirServer:
    """A FHIR-like server on loopback: `Patient/{id}` and the searches of the discovery templates, from `record()`; `reply` may replace the answer. Every request is recorded."""

    SEARCHES: ClassVar[dict[str, str]] = {
        "Observation": "observations",
        "Condition": "conditions",
        "MedicationRequest": "medications",
        "MedicationStatement": "medicationStatements",
        "MedicationAdministration": "medicationAdministrations",
        "MedicationDispense": "medicationDispenses",
    }

    def __init__(self, reply: Reply | None = None) -> None:
        self.hits: list[dict[str, Any]] = []
        self.reply = reply
        self.data = record()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                outer.hits.append(
                    {
                        "path": parts.path,
                        "query": dict(parse_qsl(parts.query)),
                        "authorization": self.headers.get("Authorization"),
                        "accept": self.headers.get("Accept"),
                    }
                )
                if outer.reply is not None:
                    outer.reply(self)
                    return
                resource = outer.resource(parts.path, dict(parse_qsl(parts.query)))
                body = json.dumps(resource).encode()
                self.send_response(200 if resource["resourceType"] != "OperationOutcome" else 404)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def resource(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        parts = path.removeprefix("/fhir/").split("/")
        if len(parts) == 2 and parts[0] == "Patient" and parts[1] == self.data["patient"]["id"]:
            return dict(self.data["patient"])
        if len(parts) == 1 and parts[0] in self.SEARCHES:
            return dict(self.data[self.SEARCHES[parts[0]]])
        return {"resourceType": "OperationOutcome", "issue": []}

    def __enter__(self) -> FhirServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every socket connection the code under test opens, to anywhere (loopback included)."""
    opened: list[Any] = []
    connect = socket.socket.connect  # already the outbound guard's: it still refuses beyond loopback

    def recorded(self: socket.socket, address: Any) -> None:
        opened.append(address)
        return connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", recorded)
    return opened


def fallback_client(tmp_path: Path, keys: Keys, *bases: str, timeout: float = 5.0) -> Any:
    return make_client(tmp_path, keys, fhir_fallback=bases, fhir_timeout_s=timeout)


def with_server(body: dict[str, Any], server: str, token: str | None = TOKEN) -> dict[str, Any]:
    """The call naming a FHIR server and, unless None, the token for it."""
    body = {**body, "fhirServer": server}
    if token is not None:
        body["fhirAuthorization"] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "ntrk-advisor",
        }
    return body


def call(client: Any, keys: Keys, body: dict[str, Any]) -> Any:
    return client.post(PATIENT_VIEW, json=body, headers=keys.auth(PATIENT_VIEW))


def missing_keys(response: Any) -> list[str]:
    body = operation_outcome(response, 412)
    return [i["diagnostics"].split("'")[1] for i in body["issue"]]


PATIENT_ID = record()["patient"]["id"]


def patient_call(**prefetch: Any) -> dict[str, Any]:
    """A patient-view call about the record's patient, with the given prefetch keys only."""
    body = hook_request(answers=CLINICIAN, prefetch=prefetch)
    body["context"]["patientId"] = PATIENT_ID
    return body


# -- without the option, or off the list: prefetch only, no socket at all ------------------------


def test_without_the_option_a_missing_key_is_412_and_no_socket_is_opened(
    tmp_path: Path, keys: Keys, connections: list[Any]
) -> None:
    client = make_client(tmp_path, keys)
    response = call(client, keys, with_server(patient_call(), "http://127.0.0.1:9/fhir"))
    assert missing_keys(response) == ["patient", "observations"]
    assert connections == []


def test_a_fhir_server_not_on_the_list_is_412_and_no_socket_is_opened(
    tmp_path: Path, keys: Keys, connections: list[Any]
) -> None:
    client = fallback_client(tmp_path, keys, "http://127.0.0.1:9/fhir")
    for server in ("http://127.0.0.1:9/fhir/other", "http://127.0.0.1:10/fhir", "https://127.0.0.1:9/fhir"):
        response = call(client, keys, with_server(patient_call(), server))
        assert missing_keys(response) == ["patient", "observations"]
    assert connections == []


def test_a_call_without_a_token_is_412_and_no_socket_is_opened(
    tmp_path: Path, keys: Keys, connections: list[Any]
) -> None:
    client = fallback_client(tmp_path, keys, "http://127.0.0.1:9/fhir")
    response = call(client, keys, with_server(patient_call(), "http://127.0.0.1:9/fhir", token=None))
    assert missing_keys(response) == ["patient", "observations"]
    assert connections == []


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("https://FHIR.Example.org/r4/", "https://fhir.example.org/r4"),
        ("http://127.0.0.1:8080/fhir", "http://127.0.0.1:8080/fhir"),
        ("HTTPS://fhir.example.org", "https://fhir.example.org"),
        ("http://[::1]:9/fhir//", "http://[::1]:9/fhir"),
    ],
)
def test_fallback_servers_are_base_urls_compared_without_a_trailing_slash(
    given: str, normalised: str
) -> None:
    assert allowed_base(given) == normalised


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://fhir.example.org",
        "file:///etc/passwd",
        "fhir.example.org",
        "https://",
        "https://user:pw@fhir.example.org",
        "https://fhir.example.org/r4?x=1",
        "https://fhir.example.org/r4#f",
        "https://fhir.example.org:99999",
        "https://fhir example.org",
        "",
    ],
)
def test_anything_but_an_http_or_https_base_url_is_refused_at_start(bad: str) -> None:
    with pytest.raises(ServiceSetupError) as refused:
        allowed_base(bad)
    assert str(refused.value).startswith("--fhir-fallback must be a FHIR server's base URL")


def serve_with_fallback(url: str, tmp_path: Path, keys: Keys, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "ntrk_advisor", "serve", "--jwks", str(keys.jwks_path)]
    command += ["--issuer", "https://ehr.example.org", "--port", "9"]
    command += ["--feedback-db", str(tmp_path / "f.sqlite3"), "--fhir-fallback", url]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=30, check=False, env={**os.environ, **env}
    )


def test_a_bad_fallback_url_stops_serve_with_one_line_and_exit_2(tmp_path: Path, keys: Keys) -> None:
    done = serve_with_fallback("ftp://fhir.example.org", tmp_path, keys)
    assert done.returncode == 2
    assert done.stderr == (
        "ntrk-advisor: error: --fhir-fallback must be a FHIR server's base URL (http or https, a host, "
        "no query), not ftp://fhir.example.org\n"
    )
    assert not (tmp_path / "f.sqlite3").exists()


def test_a_bad_fallback_url_is_refused_in_chinese_too(tmp_path: Path, keys: Keys) -> None:
    done = serve_with_fallback("https://fhir.example.org/r4?x=1", tmp_path, keys, NTRK_ADVISOR_LANG="zh")
    assert done.returncode == 2
    assert done.stderr.startswith("ntrk-advisor：错误：--fhir-fallback 必须是FHIR服务器的基础URL")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("patient_id", ["../Observation", "p1?_include=*", "p1&x=1", "p" * 65, "", "p/1"])
def test_a_patient_id_that_is_no_fhir_id_is_never_put_into_a_query(patient_id: str) -> None:
    assert filled("Patient/{{context.patientId}}", {"patientId": patient_id}) is None
    assert (
        filled("Condition?patient={{context.patientId}}", {"patientId": "a-1.B"}) == "Condition?patient=a-1.B"
    )


# -- with a real FHIR server on loopback ---------------------------------------------------------


@pytest.mark.slow
def test_the_fallback_reads_exactly_the_missing_keys_with_the_token(tmp_path: Path, keys: Keys) -> None:
    with FhirServer() as fhir:
        client = fallback_client(tmp_path, keys, fhir.base + "/")
        body = with_server(patient_call(patient=fhir.data["patient"], conditions=None), fhir.base)
        cards = cards_of(call(client, keys, body))
    assert cards[0]["summary"].startswith("Do: Neoadjuvant TRK inhibitor")
    assert "NTRK fusion status: Observation/#" in cards[0]["detail"]  # read from the fetched search
    assert fhir.hits == [
        {
            "path": "/fhir/Observation",
            "query": {"patient": PATIENT_ID, "category": "laboratory"},
            "authorization": f"Bearer {TOKEN}",
            "accept": "application/fhir+json",
        },
        *(
            {
                "path": f"/fhir/{kind}",
                "query": {"patient": PATIENT_ID},
                "authorization": f"Bearer {TOKEN}",
                "accept": "application/fhir+json",
            }
            for kind in (
                "MedicationRequest",
                "MedicationStatement",
                "MedicationAdministration",
                "MedicationDispense",
            )
        ),
    ]


@pytest.mark.slow
def test_a_call_giving_every_key_opens_no_connection_even_with_the_option(tmp_path: Path, keys: Keys) -> None:
    with FhirServer() as fhir:
        client = fallback_client(tmp_path, keys, fhir.base)
        cards_of(call(client, keys, with_server(patient_call(**fhir.data), fhir.base)))
    assert fhir.hits == []


@pytest.mark.slow
def test_without_the_option_a_real_server_gets_no_request(tmp_path: Path, keys: Keys) -> None:
    with FhirServer() as fhir:
        response = call(make_client(tmp_path, keys), keys, with_server(patient_call(), fhir.base))
    assert missing_keys(response) == ["patient", "observations"]
    assert fhir.hits == []


@pytest.mark.slow
def test_a_server_not_on_the_list_gets_no_request(tmp_path: Path, keys: Keys) -> None:
    with FhirServer() as listed, FhirServer() as other:
        client = fallback_client(tmp_path, keys, listed.base)
        response = call(client, keys, with_server(patient_call(), other.base))
    assert missing_keys(response) == ["patient", "observations"]
    assert listed.hits == other.hits == []


@pytest.mark.slow
def test_a_redirect_to_another_host_is_412_and_never_followed(
    tmp_path: Path, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    with FhirServer() as elsewhere:

        def redirect(handler: BaseHTTPRequestHandler) -> None:
            handler.send_response(302)
            handler.send_header("Location", elsewhere.base + handler.path.removeprefix("/fhir"))
            handler.send_header("Content-Length", "0")
            handler.end_headers()

        with FhirServer(redirect) as fhir, caplog.at_level(logging.INFO, "ntrk_advisor.service"):
            client = fallback_client(tmp_path, keys, fhir.base, elsewhere.base)
            response = call(client, keys, with_server(patient_call(), fhir.base))
    assert missing_keys(response) == ["patient", "observations"]
    assert len(fhir.hits) == 7 and elsewhere.hits == []
    failures = [r for r in caplog.records if r.getMessage() == "fhir_fallback_failed"]
    assert [(r.fields["prefetch_key"], r.fields["reason"]) for r in failures] == [  # type: ignore[attr-defined]
        ("patient", "status_302"),
        ("observations", "status_302"),
        ("conditions", "status_302"),
        ("medications", "status_302"),
        ("medicationStatements", "status_302"),
        ("medicationAdministrations", "status_302"),
        ("medicationDispenses", "status_302"),
    ]
    logged = caplog.text + "".join(json.dumps(getattr(r, "fields", {})) for r in caplog.records)
    assert TOKEN not in logged and PATIENT_ID not in logged and "category" not in logged


def slow(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)


def trickle(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/fhir+json")
    handler.end_headers()
    for _ in range(30):
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("reply", [slow, trickle], ids=["no-answer", "trickled-body"])
def test_a_slow_server_is_412_within_the_timeout(tmp_path: Path, keys: Keys, reply: Reply) -> None:
    with FhirServer(reply) as fhir:
        client = fallback_client(tmp_path, keys, fhir.base, timeout=0.5)
        start = time.monotonic()
        response = call(client, keys, with_server(patient_call(), fhir.base))
        took = time.monotonic() - start
    assert missing_keys(response) == ["patient", "observations"]
    assert took < 2.0  # one deadline for all four reads, not one per read


def oversized(fhir: FhirServer, declared: bool) -> Reply:
    """The server's right answer, padded to one byte over the limit: valid JSON, only too big."""

    def reply(handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        resource = fhir.resource(parts.path, dict(parse_qsl(parts.query)))
        head = json.dumps({**resource, "_pad": ""}).encode()
        pad = MAX_BUNDLE_BYTES + 1 - len(head)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/fhir+json")
        if declared:
            handler.send_header("Content-Length", str(MAX_BUNDLE_BYTES + 1))
        handler.end_headers()
        before, after = head.rsplit(b'""', 1)
        try:
            handler.wfile.write(before + b'"')
            for start in range(0, pad, 65536):
                handler.wfile.write(b" " * min(65536, pad - start))
            handler.wfile.write(b'"' + after)
        except OSError:  # the reader stopped at the limit
            pass

    return reply


@pytest.mark.slow
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "no-length"])
def test_an_oversized_body_is_412(tmp_path: Path, keys: Keys, declared: bool) -> None:
    with FhirServer() as fhir:
        fhir.reply = oversized(fhir, declared)
        client = fallback_client(tmp_path, keys, fhir.base)
        response = call(client, keys, with_server(patient_call(), fhir.base))
    assert missing_keys(response) == ["patient", "observations"]


def answer(status: int, body: bytes) -> Reply:
    def reply(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return reply


@pytest.mark.slow
@pytest.mark.parametrize(
    "reply",
    [
        answer(500, b"{}"),
        answer(401, b'{"resourceType": "OperationOutcome", "issue": []}'),
        answer(200, b"not json"),
        answer(200, b'{"resourceType": "OperationOutcome", "issue": []}'),
        answer(200, b'{"a": 1, "a": 2}'),
    ],
    ids=["500", "401", "bad-json", "wrong-resource-type", "duplicate-key"],
)
def test_a_failed_read_is_the_same_412_as_a_missing_key(tmp_path: Path, keys: Keys, reply: Reply) -> None:
    with FhirServer(reply) as fhir:
        client = fallback_client(tmp_path, keys, fhir.base)
        response = call(client, keys, with_server(patient_call(), fhir.base))
    assert missing_keys(response) == ["patient", "observations"]


@pytest.mark.slow
def test_fetched_data_about_another_patient_gets_no_advice(tmp_path: Path, keys: Keys) -> None:
    with FhirServer() as fhir:
        client = fallback_client(tmp_path, keys, fhir.base)
        body = with_server(patient_call(patient=fhir.data["patient"]), fhir.base)
        fhir.data["observations"] = json.loads(
            json.dumps(fhir.data["observations"]).replace(f"Patient/{PATIENT_ID}", "Patient/someone-else")
        )
        response = call(client, keys, body)
    assert refusal(response, 400)["error"] == "wrong_patient"
