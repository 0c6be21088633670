"""The clinical tables of the import (`tables.json`), kept as data beside the code.

TRK inhibitors, resistance hotspots, the Sequence Ontology terms a variant may carry, and the
SNOMED CT secondary neoplasms read by code.

A reviewer reads and changes them without reading Python; each
entry says where its codes were checked. Loaded once, through the one JSON decoder.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from ntrk_advisor.contract.decode import loads_strict
from ntrk_advisor.contract.vocabulary import ResistanceMechanism, TrkInhibitor


class Drug(NamedTuple):
    inhibitor: TrkInhibitor
    names: tuple[str, ...]
    rxnorm: frozenset[str]
    atc: frozenset[str]


class Hotspot(NamedTuple):
    gene: str
    ref: str
    position: int
    alt: frozenset[str]
    """Amino acids meant (one letter), or `*` for any substitution."""
    mechanism: ResistanceMechanism


@cache
def _data() -> dict[str, Any]:
    raw = resources.files("ntrk_advisor.fhir").joinpath("tables.json").read_bytes()
    data: dict[str, Any] = loads_strict(raw)
    return data


@cache
def drugs() -> tuple[Drug, ...]:
    """The TRK inhibitors the import recognises, in the contract's order."""
    table = _data()["trk_inhibitors"]
    return tuple(
        Drug(
            TrkInhibitor(name),
            tuple(str(n) for n in entry["names"]),
            frozenset(entry["rxnorm"]),
            frozenset(entry["atc"]),
        )
        for name, entry in table.items()
    )


@cache
def hotspots() -> tuple[Hotspot, ...]:
    """The on-target resistance mutations, by gene, residue and mechanism."""
    return tuple(
        Hotspot(
            e["gene"], e["ref"], int(e["position"]), frozenset(e["alt"]), ResistanceMechanism(e["mechanism"])
        )
        for e in _data()["resistance_hotspots"]["entries"]
    )


SO_KINDS = ("fusion", "structural", "described")
"""What a Sequence Ontology term says about a variant (see `tables.json`, `sequence_ontology`)."""


@cache
def so_kinds() -> dict[str, str]:
    """Each Sequence Ontology term of the table (`SO:0001565`) and its kind (`SO_KINDS`)."""
    table = _data()["sequence_ontology"]
    return {term: kind for kind in SO_KINDS for term in table[kind]}


class Secondary(NamedTuple):
    site: str
    brain: bool


@cache
def secondary_neoplasms() -> dict[str, Secondary]:
    """The SNOMED CT secondary malignant neoplasm concepts read by code, and where each is."""
    return {
        code: Secondary(str(entry["site"]), bool(entry["brain"]))
        for code, entry in _data()["secondary_neoplasms"]["codes"].items()
    }
