"""Reading case files and writing outputs safely (atomic replace, never over an input)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ntrk_advisor.errors import CaseFileError, UsageError


def read_case_file(path: Path) -> Any:
    """Decode a case JSON file ('-' is stdin); unreadable or non-JSON files are usage errors."""
    from ntrk_advisor.contract.decode import loads

    name = str(path)
    try:
        raw = sys.stdin.buffer.read() if name == "-" else path.read_bytes()
    except OSError as exc:
        raise CaseFileError(name, exc.strerror or str(exc)) from None
    try:
        return loads(raw)
    except UnicodeDecodeError:
        raise CaseFileError(name, "not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        raise CaseFileError(name, f"not JSON ({exc})") from None


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (existing or not)."""
    if str(a) == "-" or str(b) == "-":
        return False
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def write_atomic(path: Path, text: str, *, inputs: tuple[Path, ...] = ()) -> None:
    """Write `text` to `path` via a temporary file and a rename; refuse to replace an input."""
    with atomic_output(path, inputs=inputs) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_output(path: Path, *, inputs: tuple[Path, ...] = (), binary: bool = False) -> Iterator[IO[Any]]:
    """A text stream that becomes `path` only if the block completes (temp file, then rename)."""
    for source in inputs:
        if same_file(path, source):
            raise UsageError(f"refusing to write over an input file: {path}")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        handle: IO[Any]
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def case_json(answers: dict[str, Any]) -> str:
    """A case as pretty JSON text, in contract field order."""
    from ntrk_advisor.contract.case import CASE_FIELDS

    ordered = {k: answers[k] for k in CASE_FIELDS if k in answers}
    return json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"
