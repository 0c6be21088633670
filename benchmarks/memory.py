"""Peak memory of `ntrk-advisor batch` in every output format, on inputs as big as you like.

    python benchmarks/memory.py [--cases 1000000] [--html-cases 200000] [--shapes mixed,valid]
                                [--formats jsonl,json,csv,markdown,table,array,html]

For each input shape it generates one JSON Lines file of `--cases` records on disk, then runs the
installed CLI once per format, one run at a time (`batch FILE --format F -o OUT -q`), and reports
each run's peak RSS (the child's `ru_maxrss`), its time and rate. `array` is the same records as
one JSON array, written out as JSON Lines; `html` writes a page per case into a folder, so it
runs on the first `--html-cases` records only (about 14 KB of pages per case).

Shapes:
- `mixed`: like a real registry export that was never cleaned: about 42% of the records are
  invalid, each in its own way (an age out of range, a word outside a vocabulary, an unknown
  key, a wrong type, answers that contradict each other, a broken line, a huge id, a record that
  is no object), with values that differ from record to record, so no two error messages need be
  alike; the rest are valid, some complete, some with answers left out (incomplete).
- `valid`: every record valid and every field given (the generator of `benchmarks/batch.py`).

Targets (README): peak RSS <= 100 MB at 1,000,000 cases in every format, <= 150 MB for one JSON
array. Exit status 1 when a run misses its target. Nothing here runs two batches at once.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import FIELDS, LISTS
from batch import generate as generate_valid

FORMATS = ("jsonl", "json", "csv", "markdown", "table", "array", "html")
TARGET_MB = 100.0
ARRAY_TARGET_MB = 150.0
INVALID_SHARE = 0.42


def _valid_record(rng: random.Random, i: int) -> dict[str, object]:
    """A valid case; a third of them leave some answers out (so some end incomplete)."""
    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid

    while True:
        case = _draw(rng, i)
        if rng.random() < 0.33:
            for field in rng.sample(sorted(case), rng.randint(1, 6)):
                if field != "id":
                    del case[field]
        try:
            case_from_data(case)
        except CaseInvalid:
            continue
        return case


def _draw(rng: random.Random, i: int) -> dict[str, object]:
    case: dict[str, object] = {"age_years": round(rng.uniform(0.1, 90), 1)}
    if rng.random() < 0.5:
        case["id"] = f"case-{i}"
    for field, values in FIELDS.items():
        case[field] = rng.choice(values)
    for field, values in LISTS.items():
        case[field] = [v for v in rng.sample(values, rng.randint(0, 2)) if v]
    return case


def _invalid_line(rng: random.Random, i: int) -> str:
    """One invalid record, flawed in one of several ways, with values of its own."""
    case = _draw(rng, i)
    flaw = rng.randrange(9)
    if flaw == 0:
        case["age_years"] = rng.choice([-1, -rng.randint(2, 10**6), rng.randint(131, 10**6)])
    elif flaw == 1:
        case[rng.choice(sorted(FIELDS))] = f"value-{rng.randrange(10**9)}"
    elif flaw == 2:
        case[f"note_{i}_{rng.randrange(10**6)}"] = "free text the contract does not know"
    elif flaw == 3:
        case["resectable_now"] = rng.choice(["yes", "no", 1, 0, f"maybe {rng.randrange(10**6)}"])
    elif flaw == 4:  # answers that contradict each other: naive, yet already on an inhibitor
        case.update(treatment_phase="naive", prior_trk_inhibitors=["larotrectinib"])
    elif flaw == 5:
        return json.dumps(case)[: rng.randint(5, 60)]  # a broken line
    elif flaw == 6:
        case["id"] = f"id-{i}-" + "x" * rng.randint(70, 400)
    elif flaw == 7:
        return json.dumps([case["age_years"], i])  # JSON, but no object
    else:
        case["high_risk_features"] = [f"feature-{rng.randrange(10**6)}", "high_grade"]
    return json.dumps(case)


def mixed_lines(n: int, seed: int = 7, *, json_only: bool = False) -> Iterator[str]:
    """`n` records of the mixed shape (about 42% invalid), as JSON Lines lines without newlines."""
    rng = random.Random(seed)
    for i in range(n):
        if rng.random() < INVALID_SHARE:
            line = _invalid_line(rng, i)
            if json_only:  # an array item must be JSON, or the array breaks off there
                try:
                    json.loads(line)
                except ValueError:
                    line = json.dumps({"id": f"case-{i}", "age_years": -rng.randint(1, 10**6)})
            yield line
        else:
            yield json.dumps(_valid_record(rng, i))


def write_input(path: Path, shape: str, n: int, *, array: bool = False) -> None:
    """The input file: JSON Lines, or one JSON array of the same shape."""
    if shape == "valid":
        lines_path = path.with_suffix(".lines") if array else path
        generate_valid(lines_path, n, seed=7)
        if not array:
            return
        with lines_path.open(encoding="utf-8") as src:
            lines: Iterator[str] = (line.rstrip("\n") for line in src)
            _write_array(path, lines)
        lines_path.unlink()
        return
    if array:
        _write_array(path, mixed_lines(n, json_only=True))
        return
    with path.open("w", encoding="utf-8") as out:
        for line in mixed_lines(n):
            out.write(line + "\n")


def _write_array(path: Path, lines: Iterator[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write("[\n")
        for number, line in enumerate(lines):
            out.write((",\n" if number else "") + line)
        out.write("\n]\n")


LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss, time.perf_counter() - start)
"""
"""Runs the command and reports its exit status, peak RSS (KB) and seconds. The command is started
by this small process rather than by the benchmark, because Linux counts the RSS a process had
before `exec` (here: the benchmark's, with its generator loaded) in the child's peak."""


def run_batch(src: Path, output_format: str, out: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and exit status of one `batch` run (its own process)."""
    cmd = [sys.executable, "-m", "ntrk_advisor", "batch", str(src), "--format", output_format]
    cmd += ["-o", str(out), "--quiet", "--no-progress"]
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *cmd], capture_output=True, text=True, check=True)
    code, kilobytes, seconds = done.stdout.split()
    if int(code) not in (0, 3, 4):
        raise SystemExit(f"command failed with status {code}: {' '.join(cmd)}")
    return float(seconds), int(kilobytes) / 1024, int(code)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000, help="records per input")
    parser.add_argument("--html-cases", type=int, default=200_000, help="records for --format html")
    parser.add_argument("--shapes", default="mixed,valid", help="comma-separated: mixed, valid")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ", ".join(FORMATS))
    parser.add_argument("--dir", type=Path, default=None, help="where inputs and outputs go (disk)")
    args = parser.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    unknown = set(formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    missed = []
    print(f"{'shape':<6} {'format':<9} {'cases':>10} {'peak RSS':>10} {'seconds':>8} {'cases/s':>8}  target")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        for shape in (s for s in args.shapes.split(",") if s):
            lines_src, array_src = folder / f"{shape}.jsonl", folder / f"{shape}.json"
            for output_format in formats:
                n = min(args.cases, args.html_cases) if output_format == "html" else args.cases
                if output_format == "array":
                    write_input(array_src, shape, n, array=True)
                    src, written_as = array_src, "jsonl"
                elif output_format == "html" and n != args.cases:
                    src, written_as = folder / f"{shape}-html.jsonl", "html"
                    write_input(src, shape, n)
                else:
                    if not lines_src.exists():
                        write_input(lines_src, shape, args.cases)
                    src, written_as = lines_src, output_format
                out = folder / ("pages" if output_format == "html" else "out")
                seconds, rss, _ = run_batch(src, written_as, out)
                target = ARRAY_TARGET_MB if output_format == "array" else TARGET_MB
                verdict = "ok" if rss <= target else "MISSED"
                if rss > target:
                    missed.append((shape, output_format, rss))
                print(
                    f"{shape:<6} {output_format:<9} {n:>10,} {rss:>7.0f} MB {seconds:>8.1f} "
                    f"{n / seconds:>8,.0f}  <= {target:.0f} MB {verdict}",
                    flush=True,
                )
                shutil.rmtree(out) if out.is_dir() else out.unlink(missing_ok=True)
                if src != lines_src:
                    src.unlink()
            lines_src.unlink(missing_ok=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
