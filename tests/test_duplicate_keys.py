"""The same key given twice, through every reader of the tool: each refuses it and names the key.

The attack (review R2): a case that gives `age_years` twice, 5 then 50. A reader that keeps the
last value routes a 5-year-old as an adult. Here the same two values go through every way a case
reaches the tool (a case file, standard input, batch lines and arrays written every way JSON
allows, a practice scenario, the service's answers) and the same attack in a FHIR Bundle (the
Patient's `birthDate` given twice, an infant's then an adult's) through every way a Bundle
arrives; then a key given twice in the files the tool reads for itself (the JWK Set, the workers'
settings, the knowledge cache), where the last value would turn a check off or swap a key.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliRun

Run = Callable[..., CliRun]
PROJECT = Path(__file__).resolve().parents[1]
BUNDLE = PROJECT / "tests" / "fixtures" / "fhir" / "etv6-ntrk3.json"

CHILD_THEN_ADULT = (
    '{"age_years": 5, "fusion_status": "confirmed", "setting": "early", "treatment_phase": "naive", '
    '"emergency": [], "resectable_now": true, "high_risk_features": [], "fit_for_surgery": true, '
    '"age_years": 50}'
)
"""The review's case: complete and adult (surgery) if the second age won."""

WRITTEN = {
    "compact": CHILD_THEN_ADULT.replace(": ", ":").replace(", ", ","),
    "space before the colon": CHILD_THEN_ADULT.replace('"age_years": 50', '"age_years" :50'),
    "tab before the colon": CHILD_THEN_ADULT.replace('"age_years": 50', '"age_years"\t:50'),
    "tab after the colon": CHILD_THEN_ADULT.replace('"age_years": 50', '"age_years":\t50'),
    "carriage return around the colon": CHILD_THEN_ADULT.replace('"age_years": 50', '"age_years"\r:\r50'),
    "escaped key": CHILD_THEN_ADULT.replace('"age_years": 50', '"age\\u005fyears": 50'),
}
"""The same record on one line, written every way JSON allows (each is one JSON Lines line)."""

PRETTY = (
    '{\n  "age_years": 5,\n  "fusion_status": "confirmed",\n  "setting": "early",\n'
    '  "treatment_phase": "naive",\n  "emergency": [],\n  "resectable_now": true,\n'
    '  "high_risk_features": [],\n  "fit_for_surgery": true,\n  "age_years"\n  :\n  50\n}'
)
"""The same record pretty-printed, the second age with a newline before and after its colon."""


def refused_age(errors: list[dict[str, str]]) -> bool:
    """The invalid result names `age_years` as given more than once, and nothing was routed."""
    return errors == [
        {"field": "age_years", "message": "given more than once in the same JSON object; give it once"}
    ]


def advisor(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def lines(out: CliRun | subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]


# --- a case ------------------------------------------------------------------------------------


def test_consult_refuses_a_case_file_that_gives_the_age_twice(run_cli: Run, tmp_path: Path) -> None:
    case = tmp_path / "dup.json"
    case.write_text(CHILD_THEN_ADULT + "\n", encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", "json")
    assert out.code == 4, out.stdout  # invalid, as the same record is in batch; never 0
    assert out.json["status"] == "invalid" and out.json.get("age_group") is None
    assert refused_age(out.json["errors"])


@pytest.mark.parametrize("written", [*WRITTEN.values(), PRETTY], ids=[*WRITTEN, "pretty-printed"])
def test_consult_refuses_the_case_on_standard_input_however_it_is_written(written: str) -> None:
    done = advisor("consult", "--case", "-", "--no-input", "--format", "json", stdin=written)
    assert done.returncode == 4, done.stderr
    assert refused_age(json.loads(done.stdout)["errors"])


def test_flags_given_with_the_case_file_do_not_launder_the_duplicate(run_cli: Run, tmp_path: Path) -> None:
    case = tmp_path / "dup.json"
    case.write_text(CHILD_THEN_ADULT, encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--tumor-type", "parotid", "--no-input", "--format", "json")
    assert out.code == 4 and refused_age(out.json["errors"])


def test_the_tree_view_refuses_to_light_the_path_of_such_a_case(run_cli: Run, tmp_path: Path) -> None:
    case = tmp_path / "dup.json"
    case.write_text(CHILD_THEN_ADULT, encoding="utf-8")
    out = run_cli("pathways", "show", "early", "--case", str(case))
    assert out.code == 2 and "age_years: given more than once" in out.stderr and out.stdout == ""


@pytest.mark.parametrize("name", list(WRITTEN))
def test_batch_refuses_the_line_however_the_key_is_written(run_cli: Run, tmp_path: Path, name: str) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(
        WRITTEN[name] + "\n" + json.dumps({"id": "next", "age_years": 50}) + "\n", encoding="utf-8"
    )
    out = run_cli("batch", str(path), "-q")
    results = lines(out)
    assert [r["status"] for r in results] == ["invalid", "incomplete"] and out.code == 4
    assert results[0]["case_id"] == f"{path}:1" and refused_age(results[0]["errors"])


@pytest.mark.parametrize(
    "array",
    [
        "[" + CHILD_THEN_ADULT + "]",
        "[\n" + PRETTY + "\n]\n",
        "[\n" + ",\n".join(WRITTEN.values()) + "\n]",
    ],
    ids=["one line", "pretty-printed, newline around the colon", "every spelling"],
)
def test_batch_refuses_each_array_item_that_gives_the_age_twice(
    run_cli: Run, tmp_path: Path, array: str
) -> None:
    path = tmp_path / "cases.json"
    path.write_text(array, encoding="utf-8")
    results = lines(run_cli("batch", str(path), "-q"))
    assert results and all(r["status"] == "invalid" and refused_age(r["errors"]) for r in results)


def test_batch_refuses_a_single_pretty_printed_case(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(PRETTY, encoding="utf-8")
    (result,) = lines(run_cli("batch", str(path), "-q"))
    assert result["status"] == "invalid" and refused_age(result["errors"])


def test_batch_from_standard_input_refuses_it_too() -> None:
    done = advisor("batch", "-", "-q", stdin=WRITTEN["space before the colon"] + "\n")
    assert done.returncode == 4 and refused_age(lines(done)[0]["errors"])


def test_a_key_given_twice_inside_a_nested_value_is_refused_with_its_path(
    run_cli: Run, tmp_path: Path
) -> None:
    nested = (
        '{"age_years": 50, "fusion_status": "confirmed", "tumor_type": {"site": "lung", "site" : "colon"}}'
    )
    path = tmp_path / "cases.jsonl"
    path.write_text(nested + "\n", encoding="utf-8")
    (result,) = lines(run_cli("batch", str(path), "-q"))
    assert result["errors"] == [
        {"field": "tumor_type.site", "message": "given more than once in the same JSON object; give it once"}
    ]
    case = tmp_path / "case.json"
    case.write_text(nested, encoding="utf-8")
    out = run_cli("consult", "--case", str(case), "--no-input", "--format", "json")
    assert out.code == 4 and out.json["errors"] == result["errors"]


def test_a_practice_scenario_that_gives_the_age_twice_is_refused_with_file_and_line(
    run_cli: Run, pathways_copy: Path
) -> None:
    knowledge = pathways_copy / "knowledge.yaml"
    knowledge.write_text(
        knowledge.read_text(encoding="utf-8").replace("ntrk-advisor built-in pathways", "Clinic X pathways"),
        encoding="utf-8",
    )
    scenarios = pathways_copy / "scenarios" / "early.yaml"
    text = scenarios.read_text(encoding="utf-8")
    assert "case: {age_years: 55," in text
    scenarios.write_text(text.replace("case: {age_years: 55,", 'case: {"age_years": 5, "age_years" : 55,', 1))
    out = run_cli("--pathways-dir", str(pathways_copy), "practice", "list")
    assert (
        out.code == 2
        and "early.yaml:line " in out.stderr
        and "the key 'age_years' is given twice" in out.stderr
    )


def test_the_service_refuses_answers_that_give_the_age_twice(tmp_path: Path) -> None:
    from tests.service.helpers import PATIENT_VIEW, hook_request, make_client, refusal

    client = make_client(tmp_path, None)
    body = json.dumps(hook_request(answers={"age_years": 5, "fusion_status": "confirmed"}))
    body = body.replace('"age_years": 5', '"age_years": 5, "age_years"\n: 50')
    response = client.post(PATIENT_VIEW, content=body, headers={"Content-Type": "application/json"})
    error = refusal(response, 400)
    assert error["error"] == "duplicate_key"
    assert "'context.extension.ntrk-advisor.answers.age_years'" in error["message"]


# --- a FHIR Bundle -----------------------------------------------------------------------------

INFANT = '"birthDate": "2026-03-14"'


def bundle_born_twice() -> str:
    """The fixture's Patient born twice: an infant, then an adult."""
    text = json.dumps(json.loads(BUNDLE.read_text(encoding="utf-8")))
    assert text.count(INFANT) == 1
    return text.replace(INFANT, INFANT + ', "birthDate" : "1970-03-14"')


def test_import_fhir_refuses_a_patient_born_twice(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(bundle_born_twice(), encoding="utf-8")
    out = run_cli("import", "fhir", str(path))
    assert out.code == 2 and out.stdout == ""
    assert "Bundle.entry[0].resource.birthDate" in out.stderr and "more than once" in out.stderr


def test_consult_refuses_a_bundle_with_a_patient_born_twice(run_cli: Run, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(bundle_born_twice(), encoding="utf-8")
    out = run_cli("consult", "--case", str(path), "--no-input", "--format", "json")
    assert out.code == 4 and out.json["status"] == "invalid"
    assert [e["field"] for e in out.json["errors"]] == ["entry[0].resource.birthDate"]


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_batch_refuses_a_bundle_with_a_patient_born_twice(run_cli: Run, tmp_path: Path, fmt: str) -> None:
    text = bundle_born_twice()
    path = tmp_path / f"bundles.{fmt}"
    path.write_text(text + "\n" if fmt == "jsonl" else f"[{text}]", encoding="utf-8")
    (result,) = lines(run_cli("batch", str(path), "-q"))
    assert result["status"] == "invalid"
    assert [e["field"] for e in result["errors"]] == ["entry[0].resource.birthDate"]


def test_the_service_refuses_a_prefetched_patient_born_twice(tmp_path: Path) -> None:
    from tests.service.helpers import PATIENT_VIEW, hook_request, make_client, refusal

    patient = json.loads(BUNDLE.read_text(encoding="utf-8"))["entry"][0]["resource"]
    client = make_client(tmp_path, None)
    body = json.dumps(hook_request(prefetch={"patient": patient, "observations": None}))
    body = body.replace(INFANT, INFANT + ', "birthDate": "1970-03-14"')
    error = refusal(
        client.post(PATIENT_VIEW, content=body, headers={"Content-Type": "application/json"}), 400
    )
    assert error["error"] == "duplicate_key" and "'prefetch.patient.birthDate'" in error["message"]


# --- the files the tool reads for itself -------------------------------------------------------


def jwks_with_two_curves(tmp_path: Path) -> Path:
    """A key set whose one key names its curve twice."""
    from tests.service.helpers import make_keys

    keys = make_keys(tmp_path)
    text = keys.jwks_path.read_text(encoding="utf-8")
    assert text.count('"crv": "P-256"') == 1
    keys.jwks_path.write_text(
        text.replace('"crv": "P-256"', '"crv": "P-256", "crv": "P-384"'), encoding="utf-8"
    )
    return keys.jwks_path


def test_a_jwk_set_that_gives_a_key_twice_is_refused_naming_it(tmp_path: Path) -> None:
    from ntrk_advisor.service.auth import load_jwks
    from ntrk_advisor.service.errors import ServiceSetupError

    with pytest.raises(ServiceSetupError, match=r"'keys\[0\]\.crv' is given more than once"):
        load_jwks(jwks_with_two_curves(tmp_path))


def test_serve_refuses_to_start_with_such_a_key_set(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    jwks = jwks_with_two_curves(tmp_path)
    done = advisor("serve", "--jwks", str(jwks), "--issuer", "https://ehr.example.org", "--port", str(port))
    assert done.returncode == 2 and "keys[0].crv" in done.stderr and "Traceback" not in done.stderr


def test_the_workers_settings_refuse_a_key_given_twice() -> None:
    from ntrk_advisor.contract.decode import DuplicateKey
    from ntrk_advisor.service.config import ServiceConfig

    text = ServiceConfig(jwks_path="keys.json", issuers=("https://ehr.example.org",)).to_json()
    assert '"insecure_no_auth": false' in text
    with pytest.raises(DuplicateKey, match="insecure_no_auth"):
        ServiceConfig.from_json(
            text.replace('"insecure_no_auth": false', '"insecure_no_auth": false, "insecure_no_auth": true')
        )


@pytest.mark.parametrize("part", ["header", "body"])
def test_the_knowledge_cache_is_not_used_when_it_gives_a_key_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, part: str
) -> None:
    import hashlib

    from ntrk_advisor.pathway import compiled_cache
    from ntrk_advisor.pathway.knowledge import load_knowledge_base

    folder = tmp_path / "cache"
    monkeypatch.setenv("NTRK_ADVISOR_CACHE", str(folder))
    load_knowledge_base()  # fills the cache
    (path,) = folder.iterdir()
    key = path.name.removeprefix("knowledge-").removesuffix(compiled_cache.SUFFIX)
    head, _, body = path.read_bytes().partition(b"\n")
    header = json.loads(head)
    if part == "body":  # the first key given again, same value: a last-wins reader sees no change
        first_key = next(iter(json.loads(body)))
        again = json.dumps(
            {first_key: json.loads(body)[first_key]}, ensure_ascii=False, separators=(",", ":")
        )
        body = b"{" + again[1:-1].encode() + b"," + body[1:]
        header.update(sha256=hashlib.sha256(body).hexdigest(), bytes=len(body))
        head = json.dumps(header).encode()
    else:
        head = json.dumps(header).replace('"key": ', '"key": "another", "key": ', 1).encode()
    path.write_bytes(head + b"\n" + body)
    os.chmod(path, 0o600)
    assert compiled_cache.load(key) is None


def test_the_packaged_tables_and_schemas_read_through_the_decoder() -> None:
    from ntrk_advisor.fhir.tables import drugs
    from ntrk_advisor.service.openapi import schema

    assert drugs() and schema("request")
