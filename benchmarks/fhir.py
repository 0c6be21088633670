"""FHIR import throughput: 10,000 Bundles mapped to cases, no crash, Bundles per second.

    python benchmarks/fhir.py [--bundles 10000] [--seed 0]

Generates varied Bundles from the test fixtures (each with its own identifier, birth date and
timestamp; one in ten broken at random, as a registry export would be), then times:

1. the mapping alone: `case_from_bundle` over the Bundles in memory (dicts to raw answers);
2. `ntrk-advisor batch --input-format fhir` over the same Bundles as JSON Lines, end to end
   (read, decode, map, validate, evaluate, write).

Prints Bundles per second for each, and how many mapped, were refused with a FhirError, or crashed
(a crash is any other exception: there must be none).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ntrk_advisor.fhir.elements import FhirError  # noqa: E402
from ntrk_advisor.fhir.importer import case_from_bundle  # noqa: E402

FIXTURES = sorted((ROOT / "tests" / "fixtures" / "fhir").glob("*.json"))


def generate(count: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    bases = [json.loads(p.read_text(encoding="utf-8")) for p in FIXTURES]
    out = []
    for n in range(count):
        value = copy.deepcopy(rng.choice(bases))
        value["identifier"] = {"system": "https://registry.example.org/bench", "value": f"b-{n}"}
        value["timestamp"] = f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T08:00:00Z"
        patient = value["entry"][0]["resource"]
        patient["birthDate"] = f"{rng.randint(1930, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        if rng.random() < 0.1:  # a broken element somewhere the import reads
            entry = rng.choice(value["entry"])
            entry["resource"][rng.choice(["code", "component", "subject", "status"])] = rng.choice(
                [1, [], "x"]
            )
        out.append(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    bundles = generate(args.bundles, args.seed)
    mapped = refused = crashed = 0
    today = date(2026, 12, 1)
    started = time.perf_counter()
    for value in bundles:
        try:
            case_from_bundle(value, today=today)
            mapped += 1
        except FhirError:
            refused += 1
        except Exception:  # counted: there must be none
            crashed += 1
    seconds = time.perf_counter() - started
    print(
        f"mapping: {len(bundles)} Bundles in {seconds:.2f} s ({len(bundles) / seconds:,.0f} Bundles/s); "
        f"mapped {mapped}, refused {refused}, crashes {crashed}"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundles.jsonl"
        path.write_text("".join(json.dumps(b) + "\n" for b in bundles), encoding="utf-8")
        command = [sys.executable, "-m", "ntrk_advisor", "batch", str(path), "--input-format", "fhir"]
        started = time.perf_counter()
        done = subprocess.run(
            [*command, "--format", "jsonl", "--quiet", "--no-progress"], capture_output=True, check=False
        )
        seconds = time.perf_counter() - started
    lines = done.stdout.decode().splitlines()
    statuses: dict[str, int] = {}
    for line in lines:
        status = json.loads(line)["status"]
        statuses[status] = statuses.get(status, 0) + 1
    print(
        f"batch --input-format fhir: {len(lines)} results in {seconds:.2f} s "
        f"({len(lines) / seconds:,.0f} Bundles/s, start-up included); {statuses}; exit {done.returncode}"
    )
    if crashed or len(lines) != len(bundles) or done.returncode not in (0, 3, 4):
        sys.exit(1)


if __name__ == "__main__":
    main()
