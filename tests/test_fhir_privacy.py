"""Resource ids in the sources: a random UUID holding nothing of the record is shown, every other id
is hashed with a key made of the record's identifying values, and values compare after folding."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest

from ntrk_advisor.fhir.derived import derived_json
from ntrk_advisor.fhir.importer import case_from_bundle
from ntrk_advisor.fhir.privacy import Redactor, date_forms, fold, record_values
from tests.fhir_support import REVIEW_FORMS, TODAY, Plant, bundle, leaked, planted, tool_texts

RANDOM_UUID = "0d5a7e3e-51b2-4f8e-8d54-2a7c6f1b9e21"


def sources_of(value: dict[str, Any]) -> list[str]:
    result = case_from_bundle(value, today=TODAY)
    return [ref for refs in result.sources.values() for ref in refs]


def redactor(value: dict[str, Any] | None = None) -> Redactor:
    return Redactor(record_values(value or bundle("etv6-ntrk3")))


@pytest.mark.parametrize(
    ("written", "folded"),
    [
        ("Ｓｍｉｔｈ", "smith"),  # fullwidth: NFKC
        ("José", "jose"),  # precomposed accent
        ("Jose\u0301", "jose"),  # combining accent
        ("SSN 123-45-6789", "ssn123456789"),
        ("+1 (555) 019.9", "15550199"),
        ("ﬁnn_STRASSE", "finnstrasse"),  # ligature, underscore, case
        ("Straße", "strasse"),  # case folding, not lowering
        ("jd1980@example.org", "jd1980exampleorg"),
        ("١٢٣", "١٢٣"),  # digits of another script are kept, not dropped
    ],
)
def test_values_compare_after_nfkc_case_folding_accent_stripping_and_separator_removal(
    written: str, folded: str
) -> None:
    assert fold(written) == folded


def test_a_date_is_compared_in_every_order_people_write_it() -> None:
    forms = set(date_forms("2026-03-14"))
    assert {"20260314", "14032026", "03142026", "260314", "140326", "1432026", "14mar2026"} <= forms
    assert set(date_forms("2026-03-14T09:30:00+01:00")) == forms
    assert {"202603", "032026"} <= set(date_forms("2026-03"))
    assert date_forms("2026") == [] and date_forms("not a date") == []


@pytest.mark.parametrize(
    "resource_id",
    [RANDOM_UUID, RANDOM_UUID.upper(), "7c9e6679-7425-40de-944b-e07fc1f90ae7"],
)
def test_a_random_uuid_is_shown_as_it_is(resource_id: str) -> None:
    assert redactor().reference("Observation", resource_id, 3) == f"Observation/{resource_id}"


@pytest.mark.parametrize(
    ("resource_id", "why"),
    [
        ("var-etv6-ntrk3", "a name chosen by someone: any word can be a name"),
        ("obs1", "short"),
        ("12345", "a number"),
        ("smith-lab", "a name"),
        ("c232ab00-9414-11ec-b3c8-9e6bdeced846", "version 1: a timestamp and a machine's address"),
        ("017f22e2-79b0-7cc3-98c4-dc0c0c07398f", "version 7: a timestamp"),
        ("3d813cbb-47fb-32ba-91df-831e1593ac29", "version 3: made from a name"),
        ("0d5a7e3e-51b2-4f8e-cd54-2a7c6f1b9e21", "not the RFC variant"),
        ("00000000-0000-0000-0000-000000000000", "the nil UUID"),
        ("00000000-0000-4000-8000-000123456789", "padding around a number"),
        ("12345678-9012-4345-8678-901234567890", "a number dressed as a UUID"),
        (f"urn:uuid:{RANDOM_UUID}", "not an id"),
        (f"{{{RANDOM_UUID}}}", "braces"),
        (f"{RANDOM_UUID}\u200b", "an invisible character"),
        ("０d5a7e3e-51b2-4f8e-8d54-2a7c6f1b9e21", "a fullwidth digit"),
    ],
)
def test_every_other_id_is_hashed(resource_id: str, why: str) -> None:
    ref = redactor().reference("Observation", resource_id, 3)
    assert ref.startswith("Observation/#") and len(ref) == len("Observation/#") + 12, why


def test_a_resource_without_an_id_is_named_by_its_place() -> None:
    assert redactor().reference("Observation", None, 3) == "Bundle.entry[3]"


def uuid_with(digits: str) -> str:
    """A version 4 UUID whose last group ends with `digits` (hex), random elsewhere."""
    text = uuid.UUID(int=uuid.uuid4().int).hex
    text = text[: 32 - len(digits)] + digits
    return str(uuid.UUID(hex=text[:12] + "4" + text[13:16] + "a" + text[17:]))


@pytest.mark.parametrize(
    ("place", "value", "inside"),
    [
        ("mrn", "A7730021", "a7730021"),
        ("mrn", "A7730021", "7730021"),  # the number without its letter
        ("ssn", "123-45-6789", "123456789"),
        ("phone", "+1 555 019 9123", "15550199123"),
        ("birthDate", "2026-03-14", "14032026"),  # day, month, year
        ("birthDate", "2026-03-14", "031426"),
        ("subject.identifier", "Q9-881234", "881234"),
        ("accessionIdentifier", "S26-0417", "260417"),
        ("contained Patient", "MRN 99-31-4477", "99314477"),
        ("Bundle.identifier", "reg-880341", "880341"),
        ("address", "Rue 14 bis, 750014 Paris", "750014"),
    ],
)
def test_a_uuid_holding_a_record_value_in_any_spelling_is_hashed(place: str, value: str, inside: str) -> None:
    resource_id = uuid_with(inside)
    value_bundle = planted([Plant(resource_id, place, value)])
    (ref,) = {r for r in sources_of(value_bundle) if r.startswith("Observation/")}
    assert ref.startswith("Observation/#"), (resource_id, place)


def test_a_uuid_equal_to_the_patients_id_or_a_date_of_the_record_is_hashed() -> None:
    value = planted([Plant(RANDOM_UUID, "mrn", "A7730021")])
    value["entry"][0]["resource"]["id"] = RANDOM_UUID.upper()
    for entry in value["entry"][1:]:
        if entry["resource"].get("subject"):
            entry["resource"]["subject"]["reference"] = f"Patient/{RANDOM_UUID.upper()}"
    assert f"Observation/{RANDOM_UUID}" not in sources_of(value)
    dated = planted([Plant(uuid_with("20261102"), "mrn", "A7730021")])  # the Observation's own date
    assert all("#" in ref for ref in sources_of(dated) if ref.startswith("Observation/"))


def test_the_hash_is_keyed_with_the_record_and_stable_for_it() -> None:
    first = sources_of(bundle("etv6-ntrk3"))
    assert first == sources_of(bundle("etv6-ntrk3"))
    other = bundle("etv6-ntrk3")
    other["entry"][0]["resource"]["identifier"][0]["value"] = "B1234567"
    assert sources_of(other) != first  # another patient: other hashes for the same ids
    unkeyed = hashlib.sha256(b"var-etv6-ntrk3").hexdigest()[:12]
    keyed = hashlib.sha256(b"Observation/var-etv6-ntrk3").hexdigest()[:12]
    assert not {f"Observation/#{unkeyed}", f"Observation/#{keyed}"} & set(first)


def test_the_hash_key_ignores_what_a_prefetch_leaves_out() -> None:
    """A prefetch holds the same resources without the Bundle's own elements: the same hashes."""
    whole = bundle("etv6-ntrk3")
    bare = {"resourceType": "Bundle", "entry": [{"resource": e["resource"]} for e in whole["entry"]]}
    hashed = [ref for ref in sources_of(whole) if "/#" in ref]
    assert hashed and hashed == [ref for ref in sources_of(bare) if "/#" in ref]


@pytest.mark.parametrize("plant", REVIEW_FORMS, ids=lambda p: p.resource_id)
def test_each_form_of_the_review_is_hashed_and_never_said(plant: Plant) -> None:
    result = case_from_bundle(planted([plant]), today=TODAY)
    said = derived_json(result.answers, result.sources) + "".join(
        n.text("en") + n.text("zh") for n in result.notes
    )
    assert leaked(said, plant.forms) == set()
    assert plant.resource_id not in said and json.dumps(plant.resource_id) not in said


def test_the_leak_check_sees_every_review_form_and_ignores_only_the_tools_own_texts() -> None:
    """The oracle of the privacy tests: it finds a form however it is written, and the tool's own
    texts (left out of it) hold none of the review's forms, so none goes unchecked."""
    assert leaked('{"sources": ["Observation/SSN 123–45–6789"]}', {"123456789"}) == {"123456789"}
    assert leaked("Observation/Ｊｏｓé-lab\n", {"jose"}) == {"jose"}
    assert leaked('{"x": "Jos\\u00e9"}', {"jose"}) == {"jose"}
    assert [form for plant in REVIEW_FORMS for form in plant.forms if form in tool_texts()] == []
