"""The speed targets of issue 27 as ratios to a floor measured in the same run (CPU time, best of N).

    python benchmarks/ratios.py [--cases 50000] [--repeat 5] [--short] [--consult-runs 11] [--workers N]
                              [--baseline PYTHON]

Two inputs, generated here:

- `realistic`: version-2 records as a registry export gives them (every field given, complete
  cases), with the occasional broken one (about 2%: an age out of range, an unknown word, a
  broken line, answers that contradict each other, ...).
- `random`: records drawn field by field, a third of them invalid in one of several ways, a third
  of the valid ones with answers left out (so some end incomplete).

For each, `ntrk-advisor batch IN --format jsonl -o OUT` runs against the floor: a tight Python
loop that streams the same lines, decodes each with the standard library's C decoder, checks the
keys and the closed vocabularies with set lookups, and writes a pre-encoded result of the same
average size as batch's with the id spliced in (no decision, no rendering). Each child's CPU time
(user + system, from `wait4`) is taken, best of `--repeat` interleaved runs, and the ratio printed.

`--baseline PYTHON` also times the batch of the code installed for another interpreter (a venv
with another commit installed), interleaved with the rest: before and after a change, in one run.
`--workers N` also times 1 to N batch processes run at once, each on its share of the realistic
records (wall time: how batch scales over the cores of one machine, as it would over machines).

It also times `consult --case F --no-input --format json` against `python -c "import typer"`
(medians of CPU time over `--consult-runs`). `--short` is the form CI runs: 20,000 cases, best of 3;
it prints the ratios and never fails on one (shared machines are noisy; the history of the figures
is in docs/performance.md).

Last, the CDS Hooks service against a bare Starlette endpoint, 16 clients on one worker, a
complete case and an incomplete one (benchmarks/service_ratio.py; `--short`: 2 s a measurement).

Targets (issue 27): batch <= 1.5x the floor on realistic records, <= 2.5x on random ones with a
third invalid; consult <= 2x `import typer`; the service >= 60 % of the bare endpoint's calls/s,
p95 <= 2x.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import service_ratio
from memory import _draw, _invalid_line, _valid_record

FLOOR = r"""
import json, sys
KEYS = {"id", "age_years", "tumor_type", "fusion_status", "setting", "treatment_phase", "response",
        "max_response_reached", "resectable_now", "resection_margin", "high_risk_features",
        "progression", "emergency", "cns_metastases", "resistance_mechanism", "prior_trk_inhibitors",
        "tumor_category", "rai_status", "other_driver", "assay", "cns_disease", "residual_disease",
        "toxicity", "complete_response_months", "fit_for_surgery"}
WORDS = {
    "fusion_status": {"confirmed", "ihc_only", "not_tested", "non_fusion_alteration", "negative"},
    "setting": {"early", "locally_advanced", "metastatic", "resistant"},
    "treatment_phase": {"naive", "on_trk_inhibitor", "post_resection"},
    "resection_margin": {"r0", "r1", "r2", "unknown"},
    "progression": {"none", "oligo", "widespread"},
    "resistance_mechanism": {"not_tested", "solvent_front", "gatekeeper", "xdfg", "bypass", "none_found"},
}
source, target, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
filler = "x" * max(0, size - 120)
results = {}
for setting in ("early", "locally_advanced", "metastatic", "resistant", None):
    tail = ',"status":"complete","pathway":"%s","text":"%s"}\n' % (setting, filler)
    results[setting] = (b'{"schema_version":"1","case_id":', tail.encode())
loads, dumps = json.loads, json.dumps
with open(source, "rb") as lines, open(target, "wb", buffering=1 << 20) as out:
    write = out.write
    for line in lines:
        try:
            case = loads(line)
        except ValueError:
            case = {}
        if case.__class__ is not dict:
            case = {}
        age = case.get("age_years")
        ok = (KEYS.issuperset(case)
              and all(case.get(k) is None or case.get(k) in allowed for k, allowed in WORDS.items())
              and isinstance(age, (int, float)) and 0 <= age < 130)
        head, tail = results[case.get("setting") if ok else None]
        write(head + dumps(case.get("id")).encode() + tail)
"""
"""The floor, in the form of issue 27's: stream, C JSON decode, set-lookup checks, pre-encoded bytes."""

CHILD_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
"""Every timed child may write bytecode, as an installed package has it: with PYTHONDONTWRITEBYTECODE
set (some shells and CI images set it), each run of an editable install compiles every module of
the tool again, about 0.05 s of CPU, while `import typer` and the floor load compiled code."""

BROKEN_SHARE = 0.02
INVALID_SHARE = 1 / 3


def realistic_lines(n: int, seed: int = 7) -> Iterator[str]:
    """Complete version-2 records (every field given), about 2% of them broken in some way."""
    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid

    rng = random.Random(seed)
    for i in range(n):
        if rng.random() < BROKEN_SHARE:
            yield _invalid_line(rng, i)
            continue
        while True:
            case = _draw(rng, i)
            if case["tumor_category"] == "thyroid":
                case["rai_status"] = rng.choice(["rai_avid", "rai_refractory", "not_assessed"])
            if case["response"] == "complete":
                case["complete_response_months"] = rng.choice([3, 8, 14, 30])
            try:
                case_from_data(case)
            except CaseInvalid:
                continue
            break
        yield json.dumps(case)


def random_lines(n: int, seed: int = 11) -> Iterator[str]:
    """Records drawn field by field: a third invalid, a third of the rest with answers left out."""
    rng = random.Random(seed)
    for i in range(n):
        if rng.random() < INVALID_SHARE:
            yield _invalid_line(rng, i)
            continue
        yield json.dumps(_valid_record(rng, i))


def write_lines(path: Path, lines: Iterator[str]) -> None:
    """Write JSON Lines."""
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")


def cpu_seconds(cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """User + system CPU seconds and peak RSS (MB) of one child process.

    It runs outside any checkout: `python -m ntrk_advisor` puts the working folder first on the
    import path, so from a checkout a `--baseline` interpreter would time the checkout's code, not
    its own install."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=CHILD_ENV, cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        raise SystemExit(f"exit {code}: {' '.join(cmd)}")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def batch_cmd(src: Path, dst: Path, fmt: str = "jsonl", python: str = sys.executable) -> list[str]:
    """The installed CLI's batch, as a user would run it (through the package's entry point)."""
    return [
        python,
        "-m",
        "ntrk_advisor",
        "batch",
        str(src),
        "--format",
        fmt,
        "-o",
        str(dst),
        "-q",
        "--no-progress",
    ]


def batch_ratio(
    folder: Path, name: str, src: Path, cases: int, repeat: int, baseline: str | None = None
) -> dict[str, float]:
    """Batch and the floor on one input, interleaved, best of `repeat` each (and a baseline's batch)."""
    out, floor_out, floor = folder / f"{name}.out", folder / f"{name}.floor", folder / "floor.py"
    floor.write_text(FLOOR, encoding="utf-8")
    cpu_seconds(batch_cmd(src, out), ok=(0, 3, 4))  # warm: the knowledge cache, the page cache, bytecode
    size = max(1, round(out.stat().st_size / cases))
    best = {"batch": float("inf"), "floor": float("inf"), "baseline": float("inf")}
    rss = 0.0
    for _ in range(repeat):
        seconds, peak = cpu_seconds(batch_cmd(src, out), ok=(0, 3, 4))
        best["batch"], rss = min(best["batch"], seconds), max(rss, peak)
        floor_cmd = [sys.executable, str(floor), str(src), str(floor_out), str(size)]
        best["floor"] = min(best["floor"], cpu_seconds(floor_cmd)[0])
        if baseline is not None:
            baseline_cmd = batch_cmd(src, folder / "baseline.out", python=baseline)
            seconds, _ = cpu_seconds(baseline_cmd, ok=(0, 3, 4))
            best["baseline"] = min(best["baseline"], seconds)
    return {**best, "ratio": best["batch"] / best["floor"], "size": size, "rss": rss}


def consult_ratio(folder: Path, runs: int) -> dict[str, float]:
    """Median CPU time of a consult (`--format json`) against `python -c "import typer"`."""
    case = folder / "case.json"
    case.write_text(
        json.dumps(
            {
                "age_years": 0.5,
                "fusion_status": "confirmed",
                "setting": "locally_advanced",
                "treatment_phase": "naive",
                "emergency": [],
            }
        ),
        encoding="utf-8",
    )
    consult = [
        sys.executable,
        "-m",
        "ntrk_advisor",
        "consult",
        "--case",
        str(case),
        "--no-input",
        "--format",
        "json",
    ]
    typer = [sys.executable, "-c", "import typer"]
    cpu_seconds(consult, ok=(0, 3))
    ours, base = [], []
    for _ in range(runs):
        ours.append(cpu_seconds(consult, ok=(0, 3))[0])
        base.append(cpu_seconds(typer)[0])
    return {
        "consult": statistics.median(ours),
        "typer": statistics.median(base),
        "ratio": statistics.median(ours) / statistics.median(base),
    }


def scaling(folder: Path, src: Path, workers: int) -> float:
    """Wall seconds for `workers` batch processes, each on its share of the records, run at once.

    How batch goes beyond one process (README): split the input, run one batch per part, join the
    outputs in order. On one machine the parts share its cores.
    """
    lines = src.read_bytes().splitlines(keepends=True)
    share = -(-len(lines) // workers)
    parts = []
    for index in range(workers):
        part = folder / f"part-{workers}-{index}.jsonl"
        part.write_bytes(b"".join(lines[index * share : (index + 1) * share]))
        parts.append(part)
    start = time.perf_counter()
    running = [subprocess.Popen(batch_cmd(part, part.with_suffix(".out")), env=CHILD_ENV) for part in parts]
    for proc in running:
        if proc.wait() not in (0, 3, 4):
            raise SystemExit("a batch part failed")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5, help="best of N interleaved runs")
    parser.add_argument("--consult-runs", type=int, default=11)
    parser.add_argument("--workers", type=int, default=0, help="also time 1..N parallel batch processes")
    parser.add_argument(
        "--baseline", metavar="PYTHON", help="also time the batch of the code installed for this interpreter"
    )
    parser.add_argument("--short", action="store_true", help="the CI form: 20,000 cases, best of 3")
    args = parser.parse_args()
    if args.short:
        args.cases, args.repeat, args.consult_runs = 20_000, 3, 5
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        folder = Path(tmp)
        print(f"cases per input: {args.cases:,}; CPU seconds, best of {args.repeat}; floor in the same run")
        for name, lines, target in (
            ("realistic", realistic_lines(args.cases), 1.5),
            ("random", random_lines(args.cases), 2.5),
        ):
            src = folder / f"{name}.jsonl"
            write_lines(src, lines)
            r = batch_ratio(folder, name, src, args.cases, args.repeat, args.baseline)
            print(
                f"batch --format jsonl, {name:9}: {r['ratio']:.2f}x the floor (target <= {target})  "
                f"batch {r['batch']:.2f} s ({args.cases / r['batch']:,.0f} cases/s), floor {r['floor']:.2f} s, "
                f"result ~{r['size']:.0f} B, peak RSS {r['rss']:.0f} MB"
            )
            if args.baseline:
                print(
                    f"  baseline {args.baseline}: {r['baseline'] / r['floor']:.2f}x the floor ({r['baseline']:.2f} s)"
                )
        for workers in range(1, args.workers + 1):
            wall = min(scaling(folder, folder / "realistic.jsonl", workers) for _ in range(args.repeat))
            print(
                f"{workers} batch process(es) in parallel, realistic: {args.cases / wall:,.0f} cases/s wall "
                f"({wall:.2f} s, best of {args.repeat}; {os.cpu_count()} cores seen)"
            )
        c = consult_ratio(folder, args.consult_runs)
        print(
            f"consult --format json: {c['ratio']:.2f}x import typer (target <= 2)  "
            f"consult {c['consult'] * 1000:.0f} ms, import typer {c['typer'] * 1000:.0f} ms (CPU, median)"
        )
    seconds, rounds = (2.0, 2) if args.short else (4.0, 3)
    service_ratio.report(service_ratio.measure(seconds, rounds, 16, args.baseline), 16)


if __name__ == "__main__":
    main()
