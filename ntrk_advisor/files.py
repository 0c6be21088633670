"""Reading case files and writing outputs safely (atomic replace, never over an input)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ntrk_advisor.errors import CaseFileError, Terminated, UsageError

MAX_CASE_FILE_BYTES = 1_048_576
"""A case file larger than this is refused unread (one case is a few hundred bytes; the same limit
as one batch record), so an endless input such as /dev/zero stops at once."""


def read_case_file(path: Path, stdin: IO[bytes] | None = None, *, max_bundle_bytes: int) -> Any:
    """Decode a case JSON file; unreadable, oversized or non-JSON files are usage errors.

    '-' is `stdin`, the command's standard input (None when it is closed).

    A file over `MAX_CASE_FILE_BYTES` is accepted only when it is a FHIR Bundle (`resourceType`
    "Bundle") of at most `max_bundle_bytes` (`intake.MAX_BUNDLE_BYTES`, the one Bundle limit of
    every surface). A key given twice anywhere in the file raises `CaseInvalid` naming it: the
    case is invalid, as the same record is in batch.
    """
    from ntrk_advisor.contract.decode import DuplicateKey, loads
    from ntrk_advisor.contract.errors import CaseInvalid

    name = str(path)
    try:
        if name == "-":
            if stdin is None:
                raise CaseFileError(name, "standard input is closed")
            raw = stdin.read(max_bundle_bytes + 1)
        else:
            with path.open("rb") as handle:
                raw = handle.read(max_bundle_bytes + 1)
    except OSError as exc:
        raise CaseFileError(name, exc.strerror or str(exc)) from None
    too_large = CaseFileError(
        name,
        f"larger than {MAX_CASE_FILE_BYTES} bytes; one case is a small JSON object "
        f"(a FHIR Bundle may have up to {max_bundle_bytes} bytes)",
    )
    if len(raw) > max_bundle_bytes:
        raise too_large
    try:
        value = loads(raw)
    except DuplicateKey as exc:
        raise CaseInvalid([exc.problem()]) from None
    except UnicodeDecodeError:
        if len(raw) > MAX_CASE_FILE_BYTES:
            raise too_large from None
        raise CaseFileError(name, "not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        if len(raw) > MAX_CASE_FILE_BYTES:
            raise too_large from None
        raise CaseFileError(name, f"not JSON ({exc})") from None
    if len(raw) > MAX_CASE_FILE_BYTES and not (
        isinstance(value, dict) and value.get("resourceType") == "Bundle"
    ):
        raise too_large
    return value


SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
"""What SQLite keeps beside a database `X`: `X-wal` (the write-ahead log, which holds every
committed change until a checkpoint), `X-shm` (the log's shared index) and `X-journal` (the
rollback journal). Replacing one of them while the database is in use loses committed rows."""

_SQLITE_MAGIC = b"SQLite format 3\x00"


def database_of_side_file(path: Path, inputs: tuple[Path, ...] = ()) -> Path | None:
    """The database whose side file (`SQLITE_SIDE_FILES`) `path` is, or None.

    Two ways to be one, checked on the path as given and with its links resolved:
    - it names, links to or is a hard link of `<input>-wal`, `-shm` or `-journal` for any of
      `inputs` (as given or resolved; existing or not: a log appears while the database is used);
    - its name is `<X>-wal`, `-shm` or `-journal` beside an SQLite database `X` (a file that starts
      with SQLite's header), whoever holds it: another command or a running service.
    """
    for source in inputs:
        if str(source) == "-":
            continue
        for base in _spellings(source):
            for suffix in SQLITE_SIDE_FILES:
                if same_file(path, Path(f"{base}{suffix}")):
                    return source
    for spelling in _spellings(path):
        for suffix in SQLITE_SIDE_FILES:
            if spelling.name.endswith(suffix) and len(spelling.name) > len(suffix):
                base = Path(str(spelling)[: -len(suffix)])
                if _is_sqlite_database(base):
                    return base
    return None


def _spellings(path: Path) -> tuple[Path, ...]:
    """The path as given and with its links resolved (SQLite names side files either way)."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):
        return (path,)
    return (path,) if resolved == path else (path, resolved)


def _is_sqlite_database(path: Path) -> bool:
    """Whether `path` is a regular file starting with SQLite's header (never blocks on a FIFO)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        return os.read(fd, len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False
    finally:
        os.close(fd)


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (existing or not)."""
    if str(a) == "-" or str(b) == "-":
        return False
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def write_atomic(path: Path, text: str, *, inputs: tuple[Path, ...] = (), private: bool = False) -> None:
    """Write `text` to `path` via a temporary file and a rename; refuse to replace an input."""
    with atomic_output(path, inputs=inputs, private=private) as handle:
        handle.write(text)


@contextlib.contextmanager
def atomic_output(
    path: Path, *, inputs: tuple[Path, ...] = (), binary: bool = False, private: bool = False
) -> Iterator[IO[Any]]:
    """A stream that becomes `path` only if the block completes (a temporary file, then a rename).

    Refused before anything is written: an empty path, an output that is one of the inputs (by
    path, link or inode; `-` is standard input, compared by device and inode, so
    `batch - -o X < X` cannot replace X), the `-wal`, `-shm` or `-journal` file of an input or of
    any SQLite database (`database_of_side_file`), a folder, a device, a FIFO or anything else
    that is not a regular file, and a read-only file. The temporary file is removed on any failure or signal
    (SIGINT, SIGTERM, SIGHUP). Problems writing are usage errors naming the path, never a crash.

    Modes: the temporary file is made 0600 (`tempfile.mkstemp`), and before the rename it is
    given the mode the output should have: a new file follows the user's umask (0644 under umask
    022, 0600 under 077), as any program's output does; a replaced file keeps its mode; and a
    `private` file is 0600 whatever the umask (kept for a file written where others can look,
    such as the answers of an interrupted consult in the temporary folder).
    """
    if not str(path):
        raise UsageError("usage.empty_output")
    for source in inputs:
        if same_file(path, source) or (str(source) == "-" and _is_stdin(path)):
            raise UsageError("usage.over_input", path=path)
    database = database_of_side_file(path, inputs)
    if database is not None:
        raise UsageError("usage.database_side_file", path=path, database=database)
    mode = _target_mode(path)
    if private:
        mode = stat.S_IRUSR | stat.S_IWUSR
    directory = path.parent if str(path.parent) else Path(".")
    import tempfile  # only a run that writes a file needs it (not a consult to stdout)

    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UsageError("usage.cannot_write", path=path, reason=exc.strerror or exc) from None
    try:
        with _signals_end_the_write():
            handle: IO[Any]
            with (
                os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as handle
            ):
                yield handle
                handle.flush()
                if hasattr(os, "fchmod"):
                    os.fchmod(handle.fileno(), mode)
                else:  # pragma: no cover - Windows has no fchmod before Python 3.13
                    os.chmod(tmp, mode)
                os.fsync(handle.fileno())
            os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError("usage.cannot_write", path=path, reason=exc.strerror or exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _target_mode(path: Path) -> int:
    """The mode the output will have; refuses a target that must not be replaced."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return 0o666 & ~current_umask()
    except OSError as exc:
        raise UsageError("usage.cannot_write", path=path, reason=exc.strerror or exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError("usage.not_regular", path=path)
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(path, os.W_OK):
        # by its mode bits too: root may write anywhere, but a file marked read-only means "keep"
        raise UsageError("usage.read_only", path=path)
    return stat.S_IMODE(info.st_mode)


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without leaving it changed for another thread.

    Linux states it in /proc/self/status; elsewhere the only way is to set it and set it back,
    which is done under a lock so that two writes at once cannot both see the 0 set in between.
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        umask = os.umask(0o077)  # the safest value for the instant it is in force
        os.umask(umask)
    return umask


def _is_stdin(path: Path) -> bool:
    """Whether `path` is the file standard input was redirected from."""
    try:
        stdin = os.fstat(0)
        target = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(stdin.st_mode) and (stdin.st_dev, stdin.st_ino) == (target.st_dev, target.st_ino)


@contextlib.contextmanager
def _signals_end_the_write() -> Iterator[None]:
    """While writing, SIGTERM and SIGHUP unwind (and so clean up) instead of killing at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    previous = {s: signal.signal(s, stop) for s in wanted}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def case_json(answers: dict[str, Any]) -> str:
    """A case as pretty JSON text, in contract field order."""
    from ntrk_advisor.contract.case import CASE_FIELDS

    ordered = {k: answers[k] for k in CASE_FIELDS if k in answers}
    return json.dumps(ordered, ensure_ascii=False, indent=2) + "\n"
