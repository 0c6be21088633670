"""Beyond one machine with Spark: `evaluate_many`, and batch's own evaluator (`batch.lines`), over
the partitions of a JSON Lines file, run by Spark in local mode (`local[2]`), give back `batch`'s
output byte for byte and in order.

Two inputs. A registry's cohort of case records: the version-2 example records in turn, each with
its own id, and among them records that are invalid (an age out of range, an unknown word, a field
the contract does not know, answers that contradict each other, an id too long to echo) and
records without an id, which `batch` names by their place in the file (`<file>:<line>`). And the
Dask test's FHIR Bundles (tests/test_fhir_scale.py), some without identifier and some of a patient
born in 1850 (invalid), against `batch --input-format fhir`. Spark splits each file itself
(`minPartitions`), so partitions start and end wherever Spark cuts.

Spark stays on this machine: the driver is bound to 127.0.0.1 and the web UI is off (the tool makes
no outbound connection; a test reads the listening sockets of the JVM and its Python workers from
/proc), and its scratch files go to a temporary folder. The tests skip, saying why, without
pyspark (the `spark` extra) or without a Java runtime.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.fhir_support import TODAY
from tests.test_fhir_scale import many_bundles

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "clinical-v2.jsonl"
PARTITIONS = 4


def cohort(count: int) -> list[dict[str, Any]]:
    """The example records in turn, each with its own id; one in eleven flawed, one in thirteen without id."""
    examples = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines() if line]
    flaws = (
        {"age_years": 131},  # out of range
        {"setting": "everywhere"},  # not a word of the contract
        {"note": "free text the contract does not know"},
        {"treatment_phase": "naive", "prior_trk_inhibitors": ["larotrectinib"]},  # contradictory
        {"id": "x" * 400},  # an id too long to echo: batch names the record by its place
    )
    out = []
    for n in range(count):
        record = {**examples[n % len(examples)], "id": f"case-{n}"}
        if n % 11 == 5:
            record.update(flaws[(n // 11) % len(flaws)])
        if n % 13 == 7:
            del record["id"]
        out.append(record)
    return out


def advise(lines: Iterable[tuple[str, int]], source: str) -> Iterator[bytes]:
    """One partition of (line, index) pairs to batch's JSON Lines: what a registry's Spark job runs.

    A result without a case id (the record has none, or one that cannot be echoed) is named by the
    record's place in the file, as batch names it; the place is no answer of the case, so it is not
    checked as one (it may be longer than an id may be). The JSON is the contract's one spelling
    (one line, UTF-8 characters kept).
    """
    from ntrk_advisor import evaluate_many

    places: list[str] = []

    def cases() -> Iterator[Any]:
        for line, index in lines:
            places.append(f"{source}:{index + 1}")
            yield json.loads(line)

    for n, result in enumerate(evaluate_many(cases())):  # lazily: the n-th case's place is known by now
        data = result.to_dict()
        if data["case_id"] is None:
            data["case_id"] = places[n]
        yield json.dumps(data, ensure_ascii=False).encode() + b"\n"


def advise_bundles(lines: Iterable[tuple[str, int]], source: str, today: date) -> Iterator[bytes]:
    """One partition of FHIR Bundles (one a line) to batch's JSON Lines for `--input-format fhir`.

    Each result carries the `sources` of its answers, joined as batch joins them (`,"sources":`).
    """
    from ntrk_advisor import evaluate_many
    from ntrk_advisor.fhir.importer import case_from_bundle

    imported = [
        (case_from_bundle(json.loads(line), today=today), f"{source}:{index + 1}") for line, index in lines
    ]
    for (case, place), result in zip(imported, evaluate_many(c.answers for c, _ in imported), strict=True):
        data = result.to_dict()
        if data["case_id"] is None:
            data["case_id"] = place
        line = json.dumps(data, ensure_ascii=False)
        yield (line[:-1] + ',"sources":' + json.dumps(case.sources, ensure_ascii=False) + "}\n").encode()


def batch_lines(lines: Iterable[tuple[str, int]], source: str, **options: Any) -> Iterator[bytes]:
    """One partition of (line, index) pairs through batch's own evaluator (`batch.lines`): what a
    registry's Spark job runs when it wants batch's speed. Spark counts lines from 0, batch from 1."""
    from ntrk_advisor.batch.lines import evaluate_lines

    return evaluate_lines(((index + 1, line) for line, index in lines), source, **options)


def batch(source: str, *options: str) -> subprocess.CompletedProcess[bytes]:
    """The installed CLI's `batch --format jsonl` over the file, as a user runs it."""
    command = [sys.executable, "-m", "ntrk_advisor", "batch", source, *options, "--format", "jsonl"]
    env = {name: value for name, value in os.environ.items() if name != "NTRK_ADVISOR_LANG"}  # English
    return subprocess.run([*command, "-q", "--no-progress"], capture_output=True, env=env, check=False)


def family(root: int) -> set[int]:
    """A process and all its descendants (Linux /proc): Spark's JVM and the Python workers it starts."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue  # gone meanwhile
    tree: set[int] = {root}
    while more := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= more
    return tree


def listening(pids: set[int]) -> set[str]:
    """The TCP addresses the processes listen on, as `host:port`, from /proc/<pid>/net/tcp and tcp6."""
    inodes = set()
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue  # a worker gone meanwhile
        for fd in descriptors:
            try:
                target = os.readlink(fd)
            except OSError:
                continue  # closed while read
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{min(pids)}/net/{table}").read_text().splitlines()[1:]:
            cells = row.split()
            if cells[3] == "0A" and cells[9] in inodes:  # 0A: LISTEN
                host, port = cells[1].split(":")
                # Each 32-bit word of the address is written in the host's (little-endian) order.
                packed = b"".join(bytes.fromhex(host[i : i + 8])[::-1] for i in range(0, len(host), 8))
                address = ipaddress.ip_address(packed)
                if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
                    address = address.ipv4_mapped
                found.add(f"{address}:{int(port, 16)}")
    return found


def java_missing() -> str:
    """Why Spark cannot start here ("" when it can): it needs a Java runtime."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return ""
    return "" if shutil.which("java") else "no Java runtime (JAVA_HOME unset and no java on PATH)"


REQUIRE_SPARK = "NTRK_ADVISOR_REQUIRE_SPARK"
"""CI installs Java and the `spark` extra and sets this to 1: then a test that cannot run fails."""


def skip_or_fail(reason: str) -> NoReturn:
    """Skip, saying why; or fail, where Spark was promised (`NTRK_ADVISOR_REQUIRE_SPARK=1`)."""
    if os.environ.get(REQUIRE_SPARK) == "1":
        pytest.fail(f"{REQUIRE_SPARK}=1 and the Spark tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A local Spark with two worker threads, on loopback, its scratch files in a temporary folder."""
    try:
        import pyspark
    except ImportError:
        skip_or_fail("pyspark is not installed (pip install 'ntrk-advisor[spark]')")
    missing = java_missing()
    if missing:
        skip_or_fail(f"Spark needs Java: {missing}")
    scratch = tmp_path_factory.mktemp("spark")
    saved = {name: os.environ.get(name) for name in ("SPARK_LOCAL_IP", "PYSPARK_PYTHON")}
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"  # the JVM binds here, never to an outside interface
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers run this venv's interpreter
    # The workers cannot import this test module by name: its functions travel by value.
    pytest.importorskip("pyspark.cloudpickle").register_pickle_by_value(sys.modules[__name__])
    conf = (
        pyspark.SparkConf()
        .setMaster("local[2]")
        .setAppName("ntrk-advisor-test")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
        .set("spark.ui.enabled", "false")
        .set("spark.ui.showConsoleProgress", "false")
        .set("spark.local.dir", str(scratch))
    )
    context = pyspark.SparkContext(conf=conf)
    context.setLogLevel("ERROR")
    try:
        yield context
    finally:
        context.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.mark.slow
def test_evaluate_many_over_spark_partitions_gives_batch_output_byte_for_byte(
    spark: Any, tmp_path: Path
) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in cohort(600)), encoding="utf-8")
    source = str(path)
    lines = spark.textFile(source, minPartitions=PARTITIONS).zipWithIndex()
    assert lines.getNumPartitions() >= PARTITIONS
    with_spark = b"".join(lines.mapPartitions(lambda part: advise(part, source)).collect())
    with_lines = b"".join(lines.mapPartitions(lambda part: batch_lines(part, source)).collect())
    done = batch(source)
    assert done.returncode == 4, done.stderr  # some records are invalid
    statuses = {json.loads(line)["status"] for line in done.stdout.splitlines()}
    assert statuses >= {"complete", "invalid"}
    assert done.stdout.count(b'"case_id": "' + source.encode() + b":") > 40  # named by their place
    got, want = with_spark.splitlines(), done.stdout.splitlines()
    assert len(got) == len(want) == 600
    for number, (line, expected) in enumerate(zip(got, want, strict=True), 1):  # says where, if anywhere
        assert line == expected, f"line {number} of {source}:\n{line[:400]!r}\n{expected[:400]!r}"
    assert with_spark == done.stdout
    assert with_lines == done.stdout  # batch's evaluator per partition: the same bytes


@pytest.mark.slow
def test_spark_listens_on_loopback_only(spark: Any) -> None:
    if not Path("/proc/self/net/tcp").exists():
        pytest.skip("reads the listening sockets from Linux's /proc")
    assert spark.parallelize(range(10), 2).sum() == 45  # the Python workers are up
    addresses = listening(family(spark._gateway.proc.pid))
    assert addresses  # the driver and the block manager listen at least
    assert all(ipaddress.ip_address(a.rsplit(":", 1)[0]).is_loopback for a in addresses), addresses


def bundles_with_flaws(count: int) -> list[dict[str, Any]]:
    """The Dask test's Bundles; one in nine without identifier, one in seven born in 1850 (invalid)."""
    out = many_bundles(count)
    for n, value in enumerate(out):
        if n % 9 == 4:
            del value["identifier"]
        if n % 7 == 3:
            for entry in value["entry"]:
                if entry["resource"]["resourceType"] == "Patient":
                    entry["resource"]["birthDate"] = "1850-01-01"
    return out


@pytest.mark.slow
def test_evaluate_many_over_spark_partitions_of_fhir_bundles_gives_batch_output_byte_for_byte(
    spark: Any, tmp_path: Path
) -> None:
    path = tmp_path / "bundles.jsonl"
    path.write_text("".join(json.dumps(b) + "\n" for b in bundles_with_flaws(220)), encoding="utf-8")
    source = str(path)
    lines = spark.textFile(source, minPartitions=PARTITIONS).zipWithIndex()
    with_spark = b"".join(lines.mapPartitions(lambda part: advise_bundles(part, source, TODAY)).collect())
    with_lines = b"".join(
        lines.mapPartitions(lambda part: batch_lines(part, source, fhir=True, today=TODAY)).collect()
    )
    done = batch(source, "--input-format", "fhir")
    assert done.returncode == 4, done.stderr  # the Bundles born in 1850 are invalid
    results = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["status"] for r in results} == {"incomplete", "invalid"}  # FHIR never gives every answer
    assert sum(r["case_id"].startswith(source) for r in results) > 10  # named by their place
    assert all("sources" in r for r in results)
    assert with_spark == done.stdout
    assert with_lines == done.stdout
