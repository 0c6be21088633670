"""Output files are written whole or not at all, never over an input, a device or a read-only file.

Regression tests for the reliability review's M8 (`batch - -o X < X` replaced its input), M9 (`-o`
onto a device node replaced it), and its low findings: `-o` onto a folder or `-o ''` ended as an
internal error, a full disk was "unexpected", SIGTERM and SIGHUP left temporary files, files were
written 0600 whatever the umask.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import atomic_output
from tests.conftest import EXAMPLES

IHC = json.dumps({"age_years": 70, "fusion_status": "ihc_only", "emergency": []})


def advisor(*args: str, stdin: Any = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_batch_from_stdin_never_writes_over_the_file_stdin_comes_from(tmp_path: Path) -> None:
    cases = tmp_path / "in.jsonl"
    cases.write_text(IHC + "\n", encoding="utf-8")
    before = cases.read_bytes()
    with cases.open("rb") as stdin:
        done = advisor("batch", "-", "-o", str(cases), "-q", stdin=stdin)
    assert done.returncode == 2 and "refusing to write over an input file" in done.stderr
    assert cases.read_bytes() == before


@pytest.mark.parametrize("target", ["folder", "fifo", "empty"])
def test_an_output_that_is_not_a_regular_file_is_refused_with_a_usage_error(
    tmp_path: Path, target: str
) -> None:
    cases = tmp_path / "in.jsonl"
    cases.write_text(IHC + "\n", encoding="utf-8")
    if target == "folder":
        out = tmp_path / "adir"
        out.mkdir()
    elif target == "fifo":
        out = tmp_path / "pipe"
        os.mkfifo(out)
    else:
        out = Path("")
    done = advisor("batch", str(cases), "-o", str(out), "-q")
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    if target == "fifo":
        assert stat.S_ISFIFO(out.stat().st_mode)  # still a FIFO: not replaced


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a device node")
def test_a_device_node_is_never_replaced(tmp_path: Path) -> None:
    device = tmp_path / "null"
    os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    cases = tmp_path / "in.jsonl"
    cases.write_text(IHC + "\n", encoding="utf-8")
    done = advisor("batch", str(cases), "-o", str(device), "-q")
    assert done.returncode == 2 and "not a regular file" in done.stderr
    assert stat.S_ISCHR(device.stat().st_mode)


def test_a_read_only_output_is_not_silently_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("keep\n", encoding="utf-8")
    out.chmod(0o444)
    with pytest.raises(UsageError, match="read-only"), atomic_output(out) as handle:
        handle.write("new")
    assert out.read_text(encoding="utf-8") == "keep\n"


def test_a_new_output_follows_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        new = tmp_path / "new.txt"
        with atomic_output(new) as handle:
            handle.write("x")
        assert stat.S_IMODE(new.stat().st_mode) == 0o644
        kept = tmp_path / "kept.txt"
        kept.write_text("old", encoding="utf-8")
        kept.chmod(0o664)
        with atomic_output(kept) as handle:
            handle.write("new")
        assert stat.S_IMODE(kept.stat().st_mode) == 0o664
    finally:
        os.umask(old)


def test_a_full_disk_is_a_usage_error_naming_the_path_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.txt"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with (
        pytest.raises(UsageError, match=f"cannot write {out}: No space left on device"),
        atomic_output(out) as h,
    ):
        h.write("x")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_during_a_batch_leave_no_temporary_file(tmp_path: Path, signum: int) -> None:
    cases = tmp_path / "in.jsonl"
    cases.write_text((IHC + "\n") * 400_000, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    child = subprocess.Popen(
        [sys.executable, "-m", "ntrk_advisor", "batch", str(cases), "-o", str(out), "-q", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()):  # wait until it is writing
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.05)
    child.send_signal(signum)
    assert child.wait(timeout=60) == 128 + signum
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_an_endless_case_file_stops_at_the_size_limit_with_one_line(tmp_path: Path) -> None:
    done = advisor("consult", "--case", "/dev/zero", "--no-input", "--format", "json")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "larger than 1048576 bytes" in done.stderr


def test_a_closed_stdin_for_a_case_is_a_usage_error_not_a_crash(tmp_path: Path) -> None:
    done = subprocess.run(
        f"exec {sys.executable} -m ntrk_advisor consult --case - --no-input --format json <&-",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1


def shell(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, shell=True, capture_output=True, text=True, timeout=120)


def a_case(tmp_path: Path) -> Path:
    case = tmp_path / "case.json"
    case.write_text(IHC, encoding="utf-8")
    return case


def test_a_closed_stdout_is_a_usage_error_with_one_line(tmp_path: Path) -> None:
    done = shell(f"{sys.executable} -m ntrk_advisor consult --case {a_case(tmp_path)} --no-input >&-")
    assert (
        done.returncode == 2 and done.stderr.count("\n") == 1 and "standard output is closed" in done.stderr
    )


@pytest.mark.parametrize("command", ["consult --case {case} --no-input --format json", "batch {case} -q"])
def test_a_full_stdout_is_a_usage_error_with_one_line(tmp_path: Path, command: str) -> None:
    args = command.format(case=a_case(tmp_path))
    done = shell(f"{sys.executable} -m ntrk_advisor {args} > /dev/full")
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "No space left on device" in done.stderr


def test_the_formatted_screen_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    case = a_case(tmp_path)
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"COLUMNS=40 {sys.executable} -m ntrk_advisor consult --case {case} --no-input | head -1 >/dev/null; exit ${{PIPESTATUS[0]}}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr == "" and done.returncode == 0


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_every_written_output_follows_the_users_umask(tmp_path: Path, umask: int, expected: int) -> None:
    case = a_case(tmp_path)
    outputs = {
        "batch": (["batch", str(case), "-o", "out.jsonl", "-q"], tmp_path / "out.jsonl"),
        "consult": (
            ["consult", "--case", str(case), "--no-input", "--save", "saved.json"],
            tmp_path / "saved.json",
        ),
        "export": (["pathways", "export", "--format", "dot", "-o", "tree.dot"], tmp_path / "tree.dot"),
    }
    for args, target in outputs.values():
        done = subprocess.run(
            [sys.executable, "-m", "ntrk_advisor", *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            umask=umask,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert stat.S_IMODE(target.stat().st_mode) == expected, args
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_umask_is_read_without_being_left_changed() -> None:
    from ntrk_advisor.files import current_umask

    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        assert os.umask(0o027) == 0o027  # still in force afterwards
    finally:
        os.umask(old)


def test_an_interrupted_consults_answers_are_private_in_the_temporary_folder_and_none_is_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ntrk_advisor.consultation import save_interrupted

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    old = os.umask(0o022)
    try:
        assert save_interrupted({}, None, ()) is None
        assert list(tmp_path.iterdir()) == []  # nothing answered: no empty {} file
        kept = save_interrupted({"age_years": 50}, None, ())
        assert kept is not None and kept.parent == tmp_path
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # others may list the temporary folder
        chosen = save_interrupted({"age_years": 50}, tmp_path / "partial.json", ())
        assert chosen is not None and stat.S_IMODE(chosen.stat().st_mode) == 0o644  # --save: any output
    finally:
        os.umask(old)


PIPED = {
    "consult": "consult --case {case} --no-input",
    "pathways show": "pathways show",
    "evidence": "evidence",
    "practice list": "practice list",
    "batch table": "batch {cases} --format table -q",
}


@pytest.mark.parametrize("reader", ["head -1", "true"])  # reads a line; reads nothing and goes at once
@pytest.mark.parametrize("command", list(PIPED))
def test_rich_output_piped_into_a_reader_that_stops_ends_quietly_with_status_0(
    tmp_path: Path, command: str, reader: str
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text((IHC + "\n") * 50, encoding="utf-8")  # all complete: the status is the pipe's alone
    args = PIPED[command].format(case=a_case(tmp_path), cases=cases)
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"set -o pipefail; {sys.executable} -m ntrk_advisor {args} | {reader} >/dev/null; "
            'echo "${PIPESTATUS[@]}"',
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NTRK_ADVISOR_LANG")},
        timeout=120,
    )
    assert done.stdout.split() == ["0", "0"]  # never 141 (SIGPIPE) or 1 (rich's own handler)
    assert done.stderr == ""  # no traceback, no "Exception ignored … BrokenPipeError"


def test_a_batch_summary_piped_into_head_keeps_the_batchs_own_status(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            "bash",
            "-c",
            f"set -o pipefail; {sys.executable} -m ntrk_advisor batch {EXAMPLES} --format table "
            '| head -1 >/dev/null; echo "${PIPESTATUS[@]}"',
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["4", "0"]  # the invalid example case, as without the pipe
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr
    assert done.stderr.startswith("8 cases in")
