"""Mutated fixtures (dropped and wrong-typed elements, huge arrays) never crash the import, never
make a non-NTRK or IHC-only record `confirmed`, and never let a planted identifier out."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ntrk_advisor.contract.case import case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.fhir.derived import derived_json
from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.fhir.importer import case_from_bundle
from tests.fhir_support import (
    NAMES,
    NEVER_CONFIRMED,
    PLACES,
    SENTINEL,
    TODAY,
    Pick,
    Plant,
    bundle,
    identifier_at,
    leaked,
    planted,
    written_another_way,
)

WRONG = [None, 0, -1, 1.5, True, "", "x", "SENTINEL-JUNK", [], {}, [None], {"coding": 3}, "2026-13-45"]
"""Values put in place of an element (a planted identifier among them)."""


def paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, as keys and indices from the root."""
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*here, index))
    return found


def mutate(value: Any, path: tuple[Any, ...], action: str, replacement: Any) -> Any:
    if not path:
        return replacement if action == "replace" else value
    parent = value
    try:
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if not isinstance(parent, (dict, list)):
            return value  # an earlier mutation put a string or number here: no place to change
        current = parent[last]
    except (KeyError, IndexError, TypeError):
        return value  # an earlier mutation took this place away
    if action == "drop":
        del parent[last]
    elif action == "replace":
        parent[last] = replacement
    elif isinstance(current, list):
        parent[last] = current * (3000 // max(len(current), 1)) if current else [{}] * 3000
    else:
        parent[last] = [current] * 3000
    return value


@st.composite
def mutated(draw: st.DrawFn, names: tuple[str, ...] = tuple(NAMES)) -> tuple[str, Any]:
    name = draw(st.sampled_from(names))
    value = bundle(name)
    places = paths(value)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(places))
        value = mutate(
            value, path, draw(st.sampled_from(["drop", "replace", "replace"])), draw(st.sampled_from(WRONG))
        )
    if draw(st.booleans()):
        value = mutate(value, draw(st.sampled_from(places)), "huge", None)
    return name, value


def patient_identifiers(value: Any) -> set[str]:
    """The identifying strings the (mutated) Patient still holds: these must never be said."""
    try:
        patient = value["entry"][0]["resource"]
    except (KeyError, IndexError, TypeError):
        return set()
    if not isinstance(patient, dict):
        return set()
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, str) and len(item) >= 4:
            found.add(item.lower())
            parts = item.lower().split()
            found.update(p for p in parts if SENTINEL in p or sum(c.isdigit() for c in p) >= 4)
        elif isinstance(item, dict):
            for inner in item.values():
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    for key in ("id", "identifier", "name", "telecom", "address", "birthDate"):
        walk(patient.get(key))
    return found


def all_said(value: Any) -> str:
    """Everything the import says of a value: the derived case and notes in both languages, or
    the error in both languages."""
    try:
        result = case_from_bundle(value, today=TODAY)
    except FhirError as exc:
        return exc.message("en") + exc.message("zh")
    notes = "".join(n.text("en") + n.text("zh") for n in result.notes)
    return derived_json(result.answers, result.sources) + notes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_a_mutated_bundle_is_a_case_or_one_fhir_error_never_a_traceback(found: tuple[str, Any]) -> None:
    _, value = found
    try:
        result = case_from_bundle(value, today=TODAY)
    except FhirError as exc:
        assert exc.where.startswith("Bundle")
        return
    with contextlib.suppress(CaseInvalid):  # a mutated value may fail validation, which says why
        case_from_data(result.answers)
    json.loads(derived_json(result.answers, result.sources))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(NEVER_CONFIRMED))
def test_a_mutated_non_ntrk_or_ihc_only_bundle_is_never_confirmed(found: tuple[str, Any]) -> None:
    _, value = found
    try:
        result = case_from_bundle(value, today=TODAY)
    except FhirError:
        return
    assert result.answers.get("fusion_status") != "confirmed"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(("sentinels",)))
def test_no_identifier_the_patient_holds_leaves_a_mutated_bundle(found: tuple[str, Any]) -> None:
    _, value = found
    said = all_said(value).lower()
    leaked = {secret for secret in patient_identifiers(value) if secret in said}
    assert leaked == set(), leaked


def test_the_sentinel_fixture_plants_what_the_property_looks_for() -> None:
    assert any(SENTINEL in s for s in patient_identifiers(bundle("sentinels")))


# --- identifiers written another way in resource ids (the security review's R1) -------------------


def pick_with(draw: st.DrawFn) -> Pick:
    """Hypothesis's way to pick, for the shared generators of `tests/fhir_support.py`."""
    return lambda options: draw(st.sampled_from(options))


@pytest.mark.slow  # seconds of generated examples: CI runs it with the slow tests
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_identifier_written_another_way_leaves_through_a_resource_id(data: st.DataObject) -> None:
    """R1: one or more identifiers of the record, each reused (reformatted, or hidden in a UUID)
    as the id of a source resource, are never said in any spelling."""
    pick = pick_with(data.draw)
    places = data.draw(st.lists(st.sampled_from(sorted(PLACES)), min_size=1, max_size=3, unique=True))
    held = [(place, identifier_at(place, pick)) for place in places]
    plants = [Plant(written_another_way(value, pick), place, value) for place, value in held]
    said = all_said(planted(plants))
    for plant in plants:
        assert leaked(said, plant.forms) == set(), plant
        assert plant.resource_id.lower() not in said.lower(), plant


@pytest.mark.parametrize("kind", [["Patient"], {"text": "Patient"}, 7, None])
def test_a_contained_resource_type_that_is_not_a_string_never_gives_a_traceback(kind: Any) -> None:
    """Found by the property above: a list or object as a contained resource's `resourceType`
    crashed the privacy screen (an unhashable value tested against a set of names)."""
    for name in NAMES:
        for at in range(len(bundle(name).get("entry", []))):
            value = bundle(name)
            value["entry"][at]["resource"]["contained"] = [{"resourceType": kind}]
            try:
                case_from_bundle(value, today=TODAY)
            except FhirError as exc:
                assert exc.where.startswith("Bundle")
