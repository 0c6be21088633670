"""The registry use at scale: `evaluate_many` over a Dask bag of FHIR Bundles (local scheduler)
gives the results of plain `batch` over the same Bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_main
from tests.fhir_support import NAMES, TODAY, bundle


def many_bundles(count: int) -> list[dict[str, Any]]:
    """Fixture Bundles in turn, each with its own identifier (so its own case id)."""
    out = []
    for n in range(count):
        value = bundle(NAMES[n % len(NAMES)])
        value["identifier"] = {"system": "https://registry.example.org/scale", "value": f"case-{n}"}
        value["timestamp"] = "2026-11-30T00:00:00Z"
        out.append(value)
    return out


def _evaluate_partition(bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from ntrk_advisor import evaluate_many
    from ntrk_advisor.fhir.importer import case_from_bundle

    cases = [case_from_bundle(b, today=TODAY).answers for b in bundles]
    return [result.to_dict() for result in evaluate_many(cases)]


@pytest.mark.slow
def test_evaluate_many_over_a_dask_bag_of_bundles_gives_the_batch_results(tmp_path: Path) -> None:
    bag = pytest.importorskip("dask.bag")
    bundles = many_bundles(220)
    with_dask = bag.from_sequence(bundles, npartitions=4).map_partitions(_evaluate_partition)
    results = with_dask.compute(scheduler="processes", num_workers=2)
    path = tmp_path / "bundles.jsonl"
    path.write_text("".join(json.dumps(b) + "\n" for b in bundles), encoding="utf-8")
    done = run_main("batch", str(path), "--input-format", "fhir", "--format", "jsonl", "--quiet")
    from_batch = [json.loads(line) for line in done.stdout.splitlines()]
    for line in from_batch:
        line.pop("sources")
    assert len(results) == len(from_batch) == len(bundles)
    assert results == from_batch
