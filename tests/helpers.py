"""Helpers several test modules share: the exhaustive walk's leaves, a run's imported modules, a case.

Kept here, not in one test module that the others import, so running one test file never collects
another's tests, and each helper has one home.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from ntrk_advisor.authoring.audit import walk_leaves
from ntrk_advisor.contract.fields import CASE_SPECS
from ntrk_advisor.contract.result import Result
from ntrk_advisor.pathway.knowledge import KnowledgeBase

OLIGOPROGRESSION = {
    "age_years": 62,
    "fusion_status": "confirmed",
    "setting": "metastatic",
    "treatment_phase": "on_trk_inhibitor",
    "emergency": [],
    "cns_disease": "none",
    "progression": "oligo",
    "toxicity": "none_or_manageable",
}
"""An adult with oligoprogression on a TRK inhibitor: a complete case with a long bottom line."""


def all_leaves(kb: KnowledgeBase) -> list[tuple[dict[str, Any], Result]]:
    """Every complete case the pathways can reach (each answer combination asked), with its result."""
    return [(leaf.answers, leaf.result) for leaf in walk_leaves(kb)]


def loaded_modules(*args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules `python -m ntrk_advisor ARGS` imports, read from `-X importtime`."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "ntrk_advisor", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode in (0, 3), done.stderr[-500:]
    return {
        line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")
    }


def plain_answer(
    name: str, rng: random.Random, numbers: Sequence[float] = (0, 1, 17, 18, 42.5, 129, 129.99, 0.1)
) -> Any:
    """A valid answer to one case field, as JSON gives it, drawn by the field's specification.

    Every word of a vocabulary can come up; a number is one of `numbers`; a text field gets one of
    a few plain texts.
    """
    spec = CASE_SPECS[name]
    if spec.kind == "enum":
        assert spec.values is not None
        return rng.choice([m.value for m in spec.values])
    if spec.kind == "list":
        assert spec.values is not None
        return rng.sample([m.value for m in spec.values], rng.randint(0, 2))
    if spec.kind == "bool":
        return rng.random() < 0.5
    if spec.kind == "number":
        return rng.choice(list(numbers))
    return rng.choice(["case-1", "thyroid carcinoma", "x" * 64])
