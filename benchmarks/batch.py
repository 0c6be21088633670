"""Batch throughput and memory against a floor that does no decision logic.

    python benchmarks/batch.py [--cases 200000] [--rss-cases 1000000]

Generates varied valid cases (JSON Lines), times `ntrk-advisor batch` (JSONL to JSONL, full
results) and, in the same run, a floor: stream the same lines, validate each with a plain pydantic
model of the contract's case, and write a JSON result of the same byte size. Prints cases/s, the
ratio to the floor and peak RSS. Targets (2-core machine): ratio <= 2, >= 30,000 cases/s, peak
RSS <= 100 MB at 1,000,000 cases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FIELDS: dict[str, list[object]] = {
    "fusion_status": ["confirmed"] * 8 + ["ihc_only", "not_tested", "non_fusion_alteration", "negative"],
    "setting": ["early", "locally_advanced", "metastatic", "resistant"],
    "treatment_phase": ["naive", "on_trk_inhibitor", "post_resection"],
    "response": ["complete", "partial", "stable", "progression", "not_assessed"],
    "max_response_reached": [True, False],
    "resectable_now": [True, False],
    "resection_margin": ["r0", "r1", "r2"],
    "progression": ["none", "oligo", "widespread"],
    "cns_disease": ["none"] * 6 + ["asymptomatic", "symptomatic", "leptomeningeal"],
    "resistance_mechanism": ["not_tested", "solvent_front", "gatekeeper", "xdfg", "bypass", "none_found"],
    "tumor_category": [
        "soft_tissue_sarcoma",
        "secretory_carcinoma",
        "thyroid",
        "lung",
        "colorectal",
        "other",
    ],
    "other_driver": [False] * 5 + [True],
    "assay": ["rna_ngs", "dna_ngs", "fish", "rt_pcr"],
    "residual_disease": ["none", "present"],
    "toxicity": ["none_or_manageable"] * 4 + ["dose_limiting"],
    "fit_for_surgery": [True] * 4 + [False],
}
LISTS: dict[str, list[str]] = {
    "high_risk_features": ["high_grade", "lymphovascular_invasion", "close_margin", "nodal_involvement"],
    "emergency": ["bowel_obstruction", "bleeding", "spinal_cord_compression"] + [""] * 6,
    "prior_trk_inhibitors": ["larotrectinib", "entrectinib", "repotrectinib"],
}

FLOOR = r"""
import sys
from typing import Literal, Optional
from pydantic import BaseModel, ConfigDict, Field

class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Optional[str] = Field(None, max_length=64)
    age_years: Optional[float] = Field(None, ge=0, lt=130)
    tumor_type: Optional[str] = Field(None, max_length=200)
    fusion_status: Optional[Literal["confirmed", "ihc_only", "not_tested", "non_fusion_alteration", "negative"]] = None
    setting: Optional[Literal["early", "locally_advanced", "metastatic", "resistant"]] = None
    treatment_phase: Optional[Literal["naive", "on_trk_inhibitor", "post_resection"]] = None
    response: Optional[Literal["complete", "partial", "stable", "progression", "not_assessed"]] = None
    max_response_reached: Optional[bool] = None
    resectable_now: Optional[bool] = None
    resection_margin: Optional[Literal["r0", "r1", "r2"]] = None
    high_risk_features: Optional[tuple[Literal["high_grade", "lymphovascular_invasion", "close_margin", "nodal_involvement", "large_tumor", "high_risk_histology"], ...]] = None
    progression: Optional[Literal["none", "oligo", "widespread"]] = None
    emergency: Optional[tuple[Literal["bowel_obstruction", "bleeding", "spinal_cord_compression", "airway_compromise", "impending_fracture"], ...]] = None
    cns_metastases: Optional[bool] = None
    resistance_mechanism: Optional[Literal["not_tested", "solvent_front", "gatekeeper", "xdfg", "bypass", "none_found"]] = None
    prior_trk_inhibitors: Optional[tuple[Literal["larotrectinib", "entrectinib", "repotrectinib", "selitrectinib", "zurletrectinib", "taletrectinib", "other"], ...]] = None
    tumor_category: Optional[Literal["infantile_fibrosarcoma", "congenital_mesoblastic_nephroma", "soft_tissue_sarcoma", "secretory_carcinoma", "thyroid", "lung", "colorectal", "primary_cns", "other"]] = None
    rai_status: Optional[Literal["rai_avid", "rai_refractory", "not_assessed"]] = None
    other_driver: Optional[bool] = None
    assay: Optional[Literal["rna_ngs", "dna_ngs", "fish", "rt_pcr", "other"]] = None
    cns_disease: Optional[Literal["none", "asymptomatic", "symptomatic", "leptomeningeal"]] = None
    residual_disease: Optional[Literal["none", "present"]] = None
    toxicity: Optional[Literal["none_or_manageable", "dose_limiting"]] = None
    complete_response_months: Optional[float] = Field(None, ge=0, lt=600)
    fit_for_surgery: Optional[bool] = None

size = int(sys.argv[3])
result = '{"r": "' + "x" * max(size - 9, 1) + '"}\n'
with open(sys.argv[1], "rb") as src, open(sys.argv[2], "w", encoding="utf-8") as out:
    buffer = []
    for line in src:
        if line.strip():
            Case.model_validate_json(line)
            buffer.append(result)
            if len(buffer) >= 2000:
                out.write("".join(buffer)); buffer.clear()
    out.write("".join(buffer))
"""


def generate(path: Path, n: int, seed: int = 7) -> None:
    """`n` varied cases, each valid: answers that contradict each other are drawn again.

    Every field is given, as a registry export would give it, so most cases are complete and
    report the answers their path did not use.
    """
    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid

    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            while True:
                case: dict[str, object] = {"age_years": round(rng.uniform(0.1, 90), 1)}
                if rng.random() < 0.5:
                    case["id"] = f"case-{i}"
                for field, values in FIELDS.items():
                    case[field] = rng.choice(values)
                for field, values in LISTS.items():
                    case[field] = [v for v in rng.sample(values, rng.randint(0, 2)) if v]
                if case.get("tumor_category") == "thyroid":
                    case["rai_status"] = rng.choice(["rai_avid", "rai_refractory", "not_assessed"])
                if case.get("response") == "complete":
                    case["complete_response_months"] = rng.choice([3, 8, 14, 30])
                try:
                    case_from_data(case)
                except CaseInvalid:
                    continue
                break
            out.write(json.dumps(case) + "\n")


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 3):
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024


def batch_cmd(src: Path, dst: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ntrk_advisor",
        "batch",
        str(src),
        "--format",
        "jsonl",
        "--output",
        str(dst),
        "--quiet",
        "--no-progress",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--rss-cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="best of N interleaved timings")
    parser.add_argument(
        "--array-cases", type=int, default=0, help="also measure RSS for one JSON array of N cases"
    )
    args = parser.parse_args()
    # Timings run in memory (/dev/shm) when there is one, so disk flushes do not add noise to a
    # comparison of CPU work; the memory run writes its gigabytes of output to ordinary disk.
    shm = Path("/dev/shm")
    with (
        tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp,
        tempfile.TemporaryDirectory() as disk,
    ):
        folder = Path(tmp)
        src, out, floor_out = folder / "cases.jsonl", folder / "out.jsonl", folder / "floor.jsonl"
        generate(src, args.cases)
        batch_s = min(timed(batch_cmd(src, out))[0] for _ in range(args.repeat))
        size = max(1, round(out.stat().st_size / args.cases))
        floor_script = folder / "floor.py"
        floor_script.write_text(FLOOR, encoding="utf-8")
        floor_s = min(
            timed([sys.executable, str(floor_script), str(src), str(floor_out), str(size)])[0]
            for _ in range(args.repeat)
        )
        print(f"cases: {args.cases:,}  (result ~{size} bytes each)")
        print(f"batch: {args.cases / batch_s:,.0f} cases/s ({batch_s:.2f} s)")
        print(f"floor: {args.cases / floor_s:,.0f} cases/s ({floor_s:.2f} s)")
        print(f"ratio to floor: {batch_s / floor_s:.2f}  (target <= 2)")
        if args.rss_cases:
            big_src, big_out = Path(disk) / "big.jsonl", Path(disk) / "big-out.jsonl"
            generate(big_src, args.rss_cases, seed=11)
            big_s, rss = timed(batch_cmd(big_src, big_out))
            print(
                f"peak RSS at {args.rss_cases:,} cases: {rss:.0f} MB  "
                f"({args.rss_cases / big_s:,.0f} cases/s)  (target <= 100 MB)"
            )
        if args.array_cases:
            lines_src, array_src, array_out = (Path(disk) / n for n in ("a.jsonl", "a.json", "a-out.jsonl"))
            generate(lines_src, args.array_cases, seed=13)
            with lines_src.open("rb") as lines, array_src.open("wb") as array:
                array.write(b"[\n")
                for number, line in enumerate(lines):
                    array.write((b",\n" if number else b"") + line.rstrip(b"\n"))
                array.write(b"\n]\n")
            lines_src.unlink()
            array_s, array_rss = timed(batch_cmd(array_src, array_out))
            print(
                f"peak RSS for one JSON array of {args.array_cases:,} cases: {array_rss:.0f} MB  "
                f"({args.array_cases / array_s:,.0f} cases/s)  (target <= 150 MB)"
            )


if __name__ == "__main__":
    main()
