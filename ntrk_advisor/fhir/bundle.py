"""Recognise a FHIR R4 Bundle, check it within limits, and index its resources.

A Bundle is recognised by `resourceType`. `read_bundle` refuses, each with one `FhirError` naming
the FHIR path: anything but a Bundle; a Bundle nested deeper than `MAX_DEPTH`, holding more than
`MAX_VALUES` values or `MAX_ENTRIES` entries; a Bundle of another FHIR version (one that says so,
or that holds a resource type R4 does not have); no Patient, or more than one; elements of the
wrong type where the import reads them; a resource (any resource of the Bundle, read or not)
whose `subject` or `patient` refers to another patient; a Patient that is not the one the caller
expects (`patient_id`, a CDS Hooks call's `context.patientId`); and a patient the record shows as
deceased (`Patient.deceased[x]`), for whom no advice is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ntrk_advisor.fhir.elements import FhirError, arr, codings, obj, text
from ntrk_advisor.fhir.identifiers import FHIR_VERSION_SYSTEM, FHIR_VERSIONS, OTHER_VERSION_TYPES
from ntrk_advisor.fhir.privacy import Redactor, case_id_of, record_values

MAX_ENTRIES = 20_000
"""The most entries a Bundle may hold (a patient's record; a registry sends one Bundle per case)."""
MAX_DEPTH = 48
"""The deepest nesting of objects and arrays accepted (FHIR resources need about a dozen)."""
MAX_VALUES = 2_000_000
"""The most values (objects, arrays, strings, numbers) a Bundle may hold in all."""


def is_bundle(value: Any) -> bool:
    """Whether a decoded JSON value says it is a FHIR Bundle."""
    return isinstance(value, dict) and value.get("resourceType") == "Bundle"


@dataclass(frozen=True)
class Entry:
    """One resource of the Bundle, where it is, and how the sources may name it."""

    index: int
    where: str
    """`Bundle.entry[<index>].resource`: the start of every FHIR path inside it."""
    type: str
    resource: dict[str, Any]
    ref: str
    """How sources and notes name it (see `privacy`)."""
    container: Entry | None = None
    """The entry that holds this resource in its `contained`, or None for an entry of the Bundle."""

    @property
    def local_id(self) -> str | None:
        """The resource's own `id` (a string), else None."""
        value = self.resource.get("id")
        return value if isinstance(value, str) else None


@dataclass
class BundleView:
    """A checked Bundle: its one Patient, its resources by type, and reference lookup."""

    patient: dict[str, Any]
    patient_where: str
    entries: list[Entry]
    timestamp: str | None
    case_id: str | None
    """The hashed `Bundle.identifier`, or None without one."""
    redactor: Redactor
    _patient_refs: frozenset[str] = frozenset()
    _by_key: dict[str, Entry] = field(default_factory=dict)

    def of_type(self, *types: str) -> list[Entry]:
        """The entries of these resource types, in Bundle order."""
        return [e for e in self.entries if e.type in types]

    def resolve(self, reference: Any, where: str) -> Entry | None:
        """The entry a Reference points to inside the Bundle (`Type/id` or a fullUrl), or None."""
        ref = obj(reference, where)
        if ref is None:
            return None
        target = text(ref.get("reference"), f"{where}.reference")
        if not target:
            return None
        return self._by_key.get(target) or self._by_key.get(_relative(target))

    def resolve_from(self, entry: Entry, reference: Any, where: str) -> Entry | None:
        """The entry a Reference in `entry` points to: `#id` among its container's resources."""
        ref = obj(reference, where)
        target = text(ref.get("reference"), f"{where}.reference") if ref is not None else None
        if target and target.startswith("#"):
            return next((e for e in self.contained_of(entry.container) if e.local_id == target[1:]), None)
        return self.resolve(reference, where)

    def about_the_patient(self, entry: Entry) -> bool:
        """Whether a resource is about the Bundle's patient (no subject counts as yes).

        A `subject` or `patient` (one Reference or a list) that names another Patient is a
        `FhirError`: such a Bundle mixes two records.
        """
        about = True
        for name in ("subject", "patient"):
            value = entry.resource.get(name)
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                where = f"{entry.where}.{name}" + (f"[{index}]" if isinstance(value, list) else "")
                reference = obj(item, where)
                if reference is None:
                    continue
                target = text(reference.get("reference"), f"{where}.reference")
                if not target or target.startswith("#"):
                    continue
                if target in self._patient_refs or _relative(target) in self._patient_refs:
                    continue
                if _relative(target).startswith("Patient/") or (
                    (found := self._by_key.get(target)) is not None and found.type == "Patient"
                ):
                    raise FhirError(where, "other_patient")
                about = False
        return about

    def observations(self) -> list[Entry]:
        """Every Observation of the record: the Bundle's own, then contained ones.

        Contained Observations are read when a DiagnosticReport or an Observation names them in
        its `result` or `hasMember` (`#id`): some labs put the variants of a report there.
        """
        found = self.of_type("Observation")
        for parent in self.of_type("DiagnosticReport", "Observation"):
            found.extend(self.contained_of(parent))
        return found

    def contained_of(self, parent: Entry | None) -> list[Entry]:
        """The contained Observations of `parent` reached from its `result` or `hasMember`."""
        if parent is None:
            return []
        held: dict[str, tuple[int, dict[str, Any]]] = {}
        here = f"{parent.where}.contained"
        for index, item in enumerate(arr(parent.resource.get("contained"), here)):
            resource = obj(item, f"{here}[{index}]")
            if resource is None:
                continue
            kind = text(resource.get("resourceType"), f"{here}[{index}].resourceType")
            local = text(resource.get("id"), f"{here}[{index}].id")
            if kind == "Observation" and local:
                held.setdefault(local, (index, resource))
        if not held:
            return []
        out: list[Entry] = []
        queue: list[tuple[dict[str, Any], str]] = [(parent.resource, parent.where)]
        seen: set[str] = set()
        while queue:
            resource, where = queue.pop(0)
            for name in ("result", "hasMember"):
                for index, item in enumerate(arr(resource.get(name), f"{where}.{name}")):
                    reference = obj(item, f"{where}.{name}[{index}]")
                    target = (
                        text(reference.get("reference"), f"{where}.{name}[{index}].reference")
                        if reference
                        else None
                    )
                    local = target[1:] if target and target.startswith("#") else None
                    if local is None or local not in held or local in seen:
                        continue
                    seen.add(local)
                    position, child = held[local]
                    child_where = f"{here}[{position}]"
                    named = self.redactor.reference("Observation", local, parent.index)
                    ref = f"{parent.ref}/contained/{named}"
                    out.append(Entry(parent.index, child_where, "Observation", child, ref, parent))
                    queue.append((child, child_where))
        return out


def _relative(reference: str) -> str:
    """`https://x/fhir/Observation/1/_history/2` -> `Observation/1`; others unchanged."""
    parts = reference.split("/")
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


def check_shape(value: Any) -> None:
    """Refuse a value nested deeper than `MAX_DEPTH` or holding more than `MAX_VALUES` values."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise FhirError("Bundle", "too_many_values", limit=f"{MAX_VALUES:,}")
        if depth > MAX_DEPTH:
            raise FhirError("Bundle", "too_deep", limit=str(MAX_DEPTH))
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values() if isinstance(v, (dict, list)))
            count += len(item)
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
            count += len(item)


def read_bundle(value: Any, *, patient_id: str | None = None) -> BundleView:
    """Check a decoded JSON value as a FHIR R4 Bundle and index it (`FhirError` if it is not one).

    `patient_id` is the id of the patient the caller asks about: a Patient with another id (or
    none) is `not_context_patient`; and, by the rule every resource meets, a `subject` naming
    another patient is `other_patient`. Advice for the wrong patient is worse than none.
    """
    if not isinstance(value, dict):
        raise FhirError("Bundle", "not_object")
    if value.get("resourceType") != "Bundle":
        raise FhirError("Bundle.resourceType", "not_bundle")
    check_shape(value)
    _check_version(value)
    raw_entries = arr(value.get("entry"), "Bundle.entry")
    if len(raw_entries) > MAX_ENTRIES:
        raise FhirError(
            "Bundle.entry", "too_many_entries", count=f"{len(raw_entries):,}", limit=f"{MAX_ENTRIES:,}"
        )
    found: list[tuple[int, str, dict[str, Any], str | None]] = []
    patients = []
    for index, item in enumerate(raw_entries):
        here = f"Bundle.entry[{index}]"
        entry = obj(item, here)
        if entry is None:
            continue
        full_url = text(entry.get("fullUrl"), f"{here}.fullUrl")
        resource = obj(entry.get("resource"), f"{here}.resource")
        if resource is None:
            continue
        kind = text(resource.get("resourceType"), f"{here}.resource.resourceType")
        if not kind:
            raise FhirError(f"{here}.resource.resourceType", "no_type")
        if kind in OTHER_VERSION_TYPES:
            raise FhirError(f"{here}.resource.resourceType", "other_version_type")
        if kind == "Bundle":
            raise FhirError(f"{here}.resource", "nested_bundle")
        found.append((index, kind, resource, full_url))
        if kind == "Patient":
            patients.append((index, resource, full_url))
    if not patients:
        raise FhirError("Bundle.entry", "no_patient")
    if len(patients) > 1:
        raise FhirError("Bundle.entry", "many_patients", count=str(len(patients)))
    patient_index, patient, patient_url = patients[0]
    patient_where = f"Bundle.entry[{patient_index}].resource"
    patient_id_found = text(patient.get("id"), f"{patient_where}.id")
    if patient_id is not None and patient_id_found != patient_id:
        raise FhirError(f"{patient_where}.id", "not_context_patient")
    patient_id = patient_id_found
    redactor = Redactor(record_values(value))
    entries: list[Entry] = []
    by_key: dict[str, Entry] = {}
    for index, kind, resource, full_url in found:
        where = f"Bundle.entry[{index}].resource"
        resource_id = text(resource.get("id"), f"{where}.id")
        ref = "Patient" if kind == "Patient" else redactor.reference(kind, resource_id, index)
        indexed = Entry(index, where, kind, resource, ref)
        entries.append(indexed)
        if resource_id:
            by_key[f"{kind}/{resource_id}"] = indexed
        if full_url:
            by_key[full_url] = indexed
    refs = {f"Patient/{patient_id}"} if patient_id else set()
    if patient_url:
        refs.add(patient_url)
    _check_alive(patient, patient_where)
    view = BundleView(
        patient=patient,
        patient_where=patient_where,
        entries=entries,
        timestamp=text(value.get("timestamp"), "Bundle.timestamp"),
        case_id=_case_id(value.get("identifier")),
        redactor=redactor,
        _patient_refs=frozenset(refs),
        _by_key=by_key,
    )
    for indexed in entries:  # one rule for "another patient": every resource, read or not
        if indexed.type != "Patient":
            view.about_the_patient(indexed)
    return view


def _check_alive(patient: dict[str, Any], where: str) -> None:
    """Refuse a patient the record shows as deceased (`deceasedBoolean` true, or a date of death)."""
    died = text(patient.get("deceasedDateTime"), f"{where}.deceasedDateTime")
    if died:
        raise FhirError(f"{where}.deceasedDateTime", "deceased")
    flag = patient.get("deceasedBoolean")
    if flag is not None and not isinstance(flag, bool):
        raise FhirError(f"{where}.deceasedBoolean", "not_boolean")
    if flag:
        raise FhirError(f"{where}.deceasedBoolean", "deceased")


def _case_id(identifier: Any) -> str | None:
    given = obj(identifier, "Bundle.identifier")
    if given is None:
        return None
    value = text(given.get("value"), "Bundle.identifier.value")
    if not value:
        return None
    return case_id_of(text(given.get("system"), "Bundle.identifier.system") or "", value)


def _check_version(bundle: dict[str, Any]) -> None:
    """Refuse a Bundle that declares a FHIR version other than R4 or R4B, or that is R5's shape.

    R4 Bundles carry no version; some exporters add `fhirVersion` or a `meta.tag` of the
    FHIR-version code system, and R5 added `Bundle.issues`.
    """
    declared = bundle.get("fhirVersion")
    meta = obj(bundle.get("meta"), "Bundle.meta")
    if declared is None and meta is not None:
        for index, tag in enumerate(arr(meta.get("tag"), "Bundle.meta.tag")):
            coding = codings({"coding": [tag]}, f"Bundle.meta.tag[{index}]")
            if coding and coding[0].system == FHIR_VERSION_SYSTEM:
                declared = coding[0].code
    if declared is not None:
        version = text(declared, "Bundle.fhirVersion") or ""
        if not version.startswith(FHIR_VERSIONS):
            shown = version if version.replace(".", "").isdigit() and len(version) <= 12 else "?"
            raise FhirError("Bundle.fhirVersion", "version", version=shown)
    if "issues" in bundle:
        raise FhirError("Bundle.issues", "version", version="5")
