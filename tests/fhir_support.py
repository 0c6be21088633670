"""Shared helpers of the FHIR tests: the fixtures, their goldens and the sentinel identifiers."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
FIXTURES = ROOT / "fixtures" / "fhir"
EXPECTED = ROOT / "expected" / "fhir"
TODAY = date(2026, 12, 1)
"""The date the tests import at (the golden of a Bundle without timestamp depends on it)."""
NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))
NEVER_CONFIRMED = ("ros1-fusion", "etv6-runx1", "ihc-only", "ntrk-point-mutation")
"""Fixtures of another gene's fusion, IHC alone or an NTRK point mutation."""
SENTINEL = "sentinel"
"""Every identifying value planted in sentinels.json contains this word (any case)."""


def bundle(name: str) -> dict[str, Any]:
    """A fresh copy of a fixture Bundle."""
    return copy.deepcopy(_load(name))


_CACHE: dict[str, Any] = {}


def _load(name: str) -> Any:
    if name not in _CACHE:
        _CACHE[name] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return _CACHE[name]


def expected(name: str) -> dict[str, Any]:
    """The hand-written golden derived case (answers and `sources`) of a fixture."""
    data: dict[str, Any] = json.loads((EXPECTED / f"{name}.json").read_text(encoding="utf-8"))
    return data
