"""Start-up time of the CLI against `python -c "import typer"`, measured in the same run.

    python benchmarks/startup.py [--runs 15]

Reports the median wall time of each command over N runs and its ratio to the typer baseline.
Targets: --version <= 1.3x, --help <= 1.6x, one non-interactive consult <= 2.5x.

Every command runs as an installed tool does: with its bytecode compiled (pip compiles it at
install time, as it did for typer) and with the checked knowledge cached by a first run.
PYTHONDONTWRITEBYTECODE is therefore cleared for the children, or an editable install would be
timed compiling its own source on every run while the typer baseline is not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASE = {
    "id": "startup",
    "age_years": 0.5,
    "fusion_status": "confirmed",
    "setting": "locally_advanced",
    "treatment_phase": "naive",
    "emergency": [],
    "tumor_category": "infantile_fibrosarcoma",
}
TARGETS = {"--version": 1.3, "--help": 1.6, "consult": 2.5}


ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "COLUMNS": "100"}


def median_ms(cmd: list[str], runs: int) -> float:
    times = []
    env = ENV
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    script = shutil.which("ntrk-advisor", path=str(Path(sys.executable).parent)) or "ntrk-advisor"
    with tempfile.TemporaryDirectory() as tmp:
        case = Path(tmp) / "case.json"
        case.write_text(json.dumps(CASE), encoding="utf-8")
        subprocess.run(
            [script, "consult", "--case", str(case), "--no-input", "--format", "json"],
            stdout=subprocess.DEVNULL,
            env=ENV,
            check=True,
        )  # warm the compiled-knowledge cache (and write the bytecode)
        subprocess.run([script, "--help"], stdout=subprocess.DEVNULL, env=ENV, check=True)
        base = median_ms([sys.executable, "-c", "import typer"], args.runs)
        rows = {
            "--version": median_ms([script, "--version"], args.runs),
            "--help": median_ms([script, "--help"], args.runs),
            "consult": median_ms(
                [script, "consult", "--case", str(case), "--no-input", "--format", "json"], args.runs
            ),
        }
    print(f"baseline: python -c 'import typer'  {base:6.1f} ms (median of {args.runs})")
    for name, ms in rows.items():
        ratio = ms / base
        verdict = "ok" if ratio <= TARGETS[name] else "over target"
        print(f"{name:10s} {ms:6.1f} ms  {ratio:4.2f}x  (target <= {TARGETS[name]}x: {verdict})")


if __name__ == "__main__":
    main()
