"""`evaluate_many`, and batch's evaluator, over Spark partitions (local mode): cases/s on 1 and 2 cores.

    python benchmarks/spark.py [--cases 50000] [--partitions 4] [--repeat 3] [--cores 1,2]
                               [--ways library,batch]

Needs the `spark` extra (`pip install -e '.[spark]'`) and Java 17+. Writes the realistic
records of benchmarks/ratios.py (complete version-2 records, about 2% broken) to a JSON Lines file,
then for each core count starts a local Spark (`local[N]`, driver on 127.0.0.1, web UI off,
scratch files in a temporary folder) and times a job that reads the file, splits it into
`--partitions` partitions and maps each to the contract's JSON lines (as tests/test_spark_scale.py
does), one of two ways: `library`, through `evaluate_many`, `to_dict` and `json.dumps`, and `batch`,
through batch's own evaluator (`batch.lines.evaluate_lines`). Only the byte count of each partition
travels back, so the driver holds no results. The first job of each Spark warms the Python
workers (knowledge loaded once per worker) and is shown apart; the figure is the best of `--repeat` warm jobs. The rows are measured
in rounds (each row once a round, a new Spark each time, in the JVM pyspark started once), so a
busy spell of a shared machine falls on all of them.

Printed per row: wall cases/s; how many partitions ran at once, on average (their wall times
added up, over the job's: Spark ran them side by side even when the machine gave them no more
CPU); cases per CPU second of the Python workers (each partition times its own `process_time`):
the per-core figure of the work itself; and cases per CPU second of Spark in all (the JVM and every
process under it, read from /proc, and this driver): what a core of a cluster gives, Spark's own
work included. The same function run in this process without Spark, on the same lines, is one
reference; `ntrk-advisor batch --format jsonl` on the same file (its CPU time, from `wait4`) is the
other: batch reuses the JSON of each path, the library builds every result. The load average over
the run is printed, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ratios import batch_cmd, cpu_seconds, realistic_lines, write_lines


def advise(lines: Iterable[str]) -> Iterator[bytes]:
    """Records to contract JSON lines through `evaluate_many` (a broken line gives an `invalid` result)."""
    from ntrk_advisor import evaluate_many

    def cases() -> Iterator[Any]:
        for line in lines:
            try:
                yield json.loads(line)
            except ValueError:
                yield line  # not an object: `invalid`

    for result in evaluate_many(cases()):
        yield json.dumps(result.to_dict(), ensure_ascii=False).encode() + b"\n"


def advise_as_batch(index: int, lines: Iterable[str]) -> Iterator[bytes]:
    """Records to batch's JSON lines through batch's own evaluator (`batch.lines.evaluate_lines`).

    Numbered within the partition: a job that names records by their line in the whole file adds
    a `zipWithIndex` pass, which this benchmark leaves out (as the library row names none).
    """
    from ntrk_advisor.batch.lines import evaluate_lines

    return evaluate_lines(enumerate(lines, 1), f"part-{index}")


def measured(lines: Iterable[str]) -> Iterator[tuple[int, int, float, float]]:
    """One partition through the library: (cases, bytes, CPU seconds of this worker, wall seconds)."""
    return _measured(advise(lines))


def measured_as_batch(index: int, lines: Iterable[str]) -> Iterator[tuple[int, int, float, float]]:
    """One partition through batch's evaluator, measured as `measured` measures the library."""
    return _measured(advise_as_batch(index, lines))


def _measured(results: Iterator[bytes]) -> Iterator[tuple[int, int, float, float]]:
    started, wall = time.process_time(), time.perf_counter()
    cases = size = 0
    for line in results:
        cases += 1
        size += len(line)
    yield cases, size, time.process_time() - started, time.perf_counter() - wall


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and all its descendants, with the children they have reaped (Linux /proc).

    Spark's JVM and the Python workers it starts: their CPU is not this script's to `wait4`.
    """
    parents: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        ticks[pid] = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(ticks.get(pid, 0) for pid in tree) / os.sysconf("SC_CLK_TCK")


def spark_context(cores: int, scratch: Path) -> Any:
    import pyspark
    from pyspark import cloudpickle

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["PYSPARK_PYTHON"] = sys.executable
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import this script
    conf = (
        pyspark.SparkConf()
        .setMaster(f"local[{cores}]")
        .setAppName("ntrk-advisor-benchmark")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.local.dir", str(scratch))
    )
    context = pyspark.SparkContext(conf=conf)
    context.setLogLevel("ERROR")
    return context


def job(context: Any, path: Path, partitions: int, way: str) -> tuple[float, int, float, float, float]:
    """Wall seconds, cases, worker CPU seconds, Spark's whole CPU seconds of one pass over the file,
    and the partitions' wall seconds added up (over the job's: how many ran at once, on average).
    `way` is `library` (`evaluate_many`) or `batch` (`batch.lines`)."""
    jvm = context._gateway.proc.pid  # the JVM pyspark started; the Python workers are its descendants
    started, spent = time.perf_counter(), tree_cpu(jvm) + time.process_time()
    lines = context.textFile(str(path), minPartitions=partitions)
    if way == "batch":
        parts = lines.mapPartitionsWithIndex(measured_as_batch).collect()
    else:
        parts = lines.mapPartitions(measured).collect()
    wall = time.perf_counter() - started
    spent = tree_cpu(jvm) + time.process_time() - spent
    return wall, sum(p[0] for p in parts), sum(p[2] for p in parts), spent, sum(p[3] for p in parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cores", default="1,2", help="comma-separated core counts, local[N] each")
    parser.add_argument(
        "--ways",
        default="library,batch",
        help="comma-separated: `library` (evaluate_many, to_dict, json.dumps) and `batch` (batch.lines)",
    )
    args = parser.parse_args()
    ways = args.ways.split(",")
    folder = Path(tempfile.mkdtemp(prefix="ntrk-spark-bench-"))
    try:
        path = folder / "realistic.jsonl"
        write_lines(path, realistic_lines(args.cases))
        lines = path.read_text(encoding="utf-8").splitlines()
        print(f"{args.cases:,} realistic records, {args.partitions} partitions, best of {args.repeat} rounds")
        cores = [int(c) for c in args.cores.split(",")]
        plain: list[tuple[float, float]] = []
        batch: list[float] = []
        rows = [(n, way) for n in cores for way in ways]
        spark: dict[tuple[int, str], list[tuple[float, int, float, float, float]]] = {r: [] for r in rows}
        cold: dict[tuple[int, str], list[float]] = {r: [] for r in rows}
        loads = [os.getloadavg()[0]]
        for _ in range(args.repeat):  # rounds: every row once a round, so they share the machine's mood
            started, cpu = time.perf_counter(), time.process_time()
            sum(1 for _ in advise(lines))
            plain.append((time.perf_counter() - started, time.process_time() - cpu))
            batch.append(cpu_seconds(batch_cmd(path, folder / "out.jsonl"), (0, 4))[0])
            for n, way in rows:
                context = spark_context(n, folder / f"scratch-{n}-{way}")
                assert context.defaultParallelism == n, (context.defaultParallelism, n)
                try:
                    cold[n, way].append(job(context, path, args.partitions, way)[0])
                    spark[n, way].append(job(context, path, args.partitions, way))
                finally:
                    context.stop()
            loads.append(os.getloadavg()[0])

        wall, cpu = min(plain)
        print(
            f"no Spark, one process: {args.cases / wall:8,.0f} cases/s wall, {args.cases / cpu:8,.0f} cases "
            "per CPU second"
        )
        print(
            f"batch --format jsonl:                              {args.cases / min(batch):8,.0f} cases per CPU second"
        )
        for n, way in rows:
            wall, cases, cpu, spent, busy = min(spark[n, way])
            assert cases == args.cases, (cases, args.cases)
            print(
                f"local[{n}], {way:7s}:     {cases / wall:8,.0f} cases/s wall, {cases / cpu:8,.0f} cases per worker "
                f"CPU second, {cases / spent:8,.0f} per CPU second of Spark in all, {busy / wall:4.2f} partitions "
                f"at once (first job of a Spark {cases / min(cold[n, way]):,.0f} cases/s wall)"
            )
        print(f"1-minute load average from {min(loads):.2f} to {max(loads):.2f} ({os.cpu_count()} CPUs)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
