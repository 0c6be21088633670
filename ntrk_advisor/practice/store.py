"""A trainee's attempts, kept in an SQLite database (stdlib `sqlite3`, parameterised queries only).

Why it is built this way:

- The file is recognised by `PRAGMA application_id` before anything is written, so a corrupt or
  foreign file (someone else's database, a text file) is reported and never touched.
- `PRAGMA user_version` numbers the schema; `_MIGRATIONS[n]` upgrades version n to n + 1, inside
  one write transaction, after a backup of the older file. A newer file is refused.
- Version 3 adds the review log of practice items (`reviews`), from which the spaced-repetition
  schedule is replayed. Its migration keeps every attempt as it was and writes, in the same
  transaction, one review for each item the attempt's scenario covered (the `Coverage` the
  caller hands in, from the scenarios and the knowledge in use), stamped with the attempt's time
  and pointing back to it.
- WAL mode and a busy timeout let two practice sessions write at once without losing an attempt;
  every write takes the write lock up front (`BEGIN IMMEDIATE`), so it waits instead of failing.
- Backups use SQLite's online backup API into a temporary file, then an atomic rename.
- File modes: SQLite creates the database with the user's umask, and backups and exports follow
  it too (`files.atomic_output`), like every output of the tool. It is not forced private: it
  holds a trainee's answers to teaching scenarios, never patient data, and it lives in the
  user's own data folder (or wherever `--db` puts it, where the umask is the user's choice).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import sqlite3
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ntrk_advisor.environment import Clock, utc_now
from ntrk_advisor.files import atomic_output
from ntrk_advisor.practice.errors import PracticeDatabaseError

APPLICATION_ID = 0x4E54524B  # "NTRK": marks the file as ours
SCHEMA_VERSION = 3
DB_NAME = "practice.sqlite3"
HOME_ENV = "NTRK_ADVISOR_HOME"
BUSY_TIMEOUT_MS = 30_000
_SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Attempt:
    """One graded answer. `lang` and `scenario_version` are None for attempts kept by schema v1."""

    answered_at: str
    scenario_id: str
    choice: str
    correct: bool
    lang: str | None
    knowledge_version: str
    scenario_version: int | None
    id: int | None = None


@dataclass(frozen=True)
class ItemReview:
    """One answered question about one practice item (an argument or an outcome node).

    `attempt_id` names the scenario attempt a review was derived from when the database was
    upgraded to version 3; a review asked on a drawn case has none, and keeps the case's answers.
    """

    item: str
    reviewed_at: str
    rating: int
    correct: bool
    knowledge_version: str
    pathway: str | None = None
    choice: str | None = None
    key: str | None = None
    lang: str | None = None
    answers: str | None = None
    """The drawn case's answers, as JSON."""
    attempt_id: int | None = None
    id: int | None = None


Coverage = Callable[[str], "tuple[str | None, tuple[str, ...]]"]
"""A scenario's pathway and the practice items it covers, by scenario ID (unknown: `(None, ())`)."""


def now_utc(clock: Clock = utc_now) -> str:
    """The time now by `clock`, as UTC ISO 8601 with milliseconds (sorts as text)."""
    return clock().astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")


def resolve_db_path(option: Path | None = None) -> Path:
    """Where the attempts live: `--db`, else `$NTRK_ADVISOR_HOME/practice.sqlite3`, else the user data dir."""
    if option is not None:
        return option.expanduser()
    home = os.environ.get(HOME_ENV, "").strip()
    if home:
        return Path(home).expanduser() / DB_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("ntrk-advisor")) / DB_NAME


def _to_v1(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE attempts (
               id INTEGER PRIMARY KEY,
               answered_at TEXT NOT NULL,
               scenario_id TEXT NOT NULL,
               choice TEXT NOT NULL,
               correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
               knowledge_version TEXT NOT NULL
           )"""
    )
    conn.execute("CREATE INDEX attempts_by_scenario ON attempts (scenario_id, answered_at)")


def _to_v2(conn: sqlite3.Connection) -> None:
    # v1 did not record the language or the scenario's version; old rows keep NULL (unknown).
    conn.execute("ALTER TABLE attempts ADD COLUMN lang TEXT")
    conn.execute("ALTER TABLE attempts ADD COLUMN scenario_version INTEGER")


def _to_v3(conn: sqlite3.Connection) -> None:
    conn.execute(
        """CREATE TABLE reviews (
               id INTEGER PRIMARY KEY,
               item TEXT NOT NULL,
               reviewed_at TEXT NOT NULL,
               rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
               correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
               pathway TEXT,
               choice TEXT,
               key TEXT,
               lang TEXT,
               knowledge_version TEXT NOT NULL,
               answers TEXT,
               attempt_id INTEGER REFERENCES attempts (id)
           )"""
    )
    conn.execute("CREATE INDEX reviews_by_item ON reviews (item, reviewed_at)")


def _reviews_from_attempts(conn: sqlite3.Connection, coverage: Coverage, since: int = 0) -> None:
    """One review per item each attempt (with an ID above `since`) covered.

    The upgrade to version 3 runs it over every kept attempt, and each new attempt at a scenario
    runs it over itself, so a scenario answered today counts in the schedule as one answered
    before the upgrade does.
    """
    from ntrk_advisor.practice.schedule import rating_for

    rows = conn.execute(
        "SELECT id, answered_at, scenario_id, choice, correct, lang, knowledge_version FROM attempts "
        "WHERE id > ? ORDER BY answered_at, id",
        (since,),
    ).fetchall()
    for attempt_id, answered_at, scenario_id, choice, correct, lang, version in rows:
        pathway, items = coverage(scenario_id)
        for item in items:
            conn.execute(
                "INSERT INTO reviews (item, reviewed_at, rating, correct, pathway, choice, lang, "
                "knowledge_version, attempt_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item,
                    answered_at,
                    int(rating_for(bool(correct))),
                    correct,
                    pathway,
                    choice,
                    lang,
                    version,
                    attempt_id,
                ),
            )


_MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {0: _to_v1, 1: _to_v2, 2: _to_v3}
"""`_MIGRATIONS[n]` turns schema version n into n + 1."""


@dataclass(frozen=True)
class Migration:
    """An upgrade done on opening: from which version, and where the older file was kept."""

    from_version: int
    backup: Path


def _read_only_now(side: Path) -> bool:
    """Whether `side` exists and this user may not write it.

    Another session may create or remove SQLite's side files at any moment, so a file that
    seems unwritable is looked at once more: one that vanished, or was only being created,
    is not refused.
    """
    if os.access(side, os.W_OK):
        return False
    return side.exists() and not os.access(side, os.W_OK)


class PracticeStore:
    """An open practice database. Use as a context manager; every method is one transaction."""

    def __init__(
        self, path: Path, *, read_only: bool = False, clock: Clock = utc_now, coverage: Coverage | None = None
    ) -> None:
        """Open (or create) the database at `path`.

        A file this user may not write (or in a folder it may not write) is refused at once,
        before SQLite opens it: SQLite would leave `-wal` and `-shm` files beside it, as read-only
        as the file, which keep it unusable after it is made writable again. With `read_only`
        (stats and export) such a file is read as it is, without those files, when no session
        has them open. `clock` stamps the attempts recorded through it and names its backups.
        `coverage` says which items each scenario covers: for the upgrade of an older file to
        version 3, and for each attempt recorded (without it, attempts are kept but no review is
        derived from them).
        """
        self.path = path
        self.clock = clock
        self._coverage = coverage
        self.migration: Migration | None = None
        _refuse_non_sqlite(path)
        sides = [Path(f"{path}{side}") for side in ("-wal", "-shm")]
        self._frozen = path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))
        """This user may not write the file, or create SQLite's files beside it."""
        if self._frozen and not read_only:
            raise PracticeDatabaseError(path, "read_only", "the file or its folder is read-only")
        stuck = next((side for side in sides if _read_only_now(side)), None)
        if stuck is not None and not self._frozen and not read_only:  # SQLite would say "read-only"
            raise PracticeDatabaseError(path, "side_read_only", str(stuck))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _os_error(path, exc) from None
        target, uri = str(path), False
        if self._frozen and not any(side.exists() for side in sides):
            target, uri = f"{path.resolve().as_uri()}?immutable=1", True  # nothing can change it
        try:
            self._conn = sqlite3.connect(
                target, uri=uri, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise PracticeDatabaseError(path, "cannot_open", str(exc)) from None
        try:
            with self._errors():
                self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                self._open()
        except BaseException:
            self._conn.close()
            raise

    # --- opening ---------------------------------------------------------------------------------

    def _open(self) -> None:
        version = self._identify()
        if version > SCHEMA_VERSION:
            raise PracticeDatabaseError(self.path, "newer", str(version))
        if self._frozen:  # read as it is: no upgrade, no change of journal
            if version < SCHEMA_VERSION:
                raise PracticeDatabaseError(self.path, "read_only", "an older file must be upgraded first")
            return
        if 0 < version < SCHEMA_VERSION:
            backup = self.path.with_name(f"{self.path.name}.v{version}-{_stamp(self.clock)}.bak")
            self.backup_to(backup)
            self.migration = Migration(version, backup)
        self._enable_wal()
        if version < SCHEMA_VERSION:
            self._migrate()

    def _enable_wal(self) -> None:
        """Switch to WAL, waiting out another session that holds the file at that moment.

        Changing the journal mode needs the file to itself, and SQLite may refuse at once
        ("database is locked") rather than use the busy timeout, e.g. while a second session
        is creating the same new file; so retry for as long as the busy timeout allows.
        """
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                if self._conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":
                    return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
            if time.monotonic() > deadline:
                raise sqlite3.OperationalError("database is locked")
            time.sleep(0.02)

    def _identify(self) -> int:
        """The schema version of our file (0 for a new, empty one); refuses anything else."""
        # One read transaction, so a session creating the file at the same moment is seen
        # either before or after, never half-way (which would look like a foreign file).
        with self._transaction("BEGIN"):
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == APPLICATION_ID:
            return int(version)
        if app_id == 0 and version == 0 and tables == 0:
            return 0
        raise PracticeDatabaseError(self.path, "foreign")

    def _migrate(self) -> None:
        with self._write() as conn:
            # Re-read under the write lock: another session may have migrated meanwhile.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            while version < SCHEMA_VERSION:
                _MIGRATIONS[version](conn)
                version += 1
                if version == 3 and self._coverage is not None:
                    _reviews_from_attempts(conn, self._coverage)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # --- public API ------------------------------------------------------------------------------

    def record(self, attempt: Attempt) -> int:
        """Store one attempt at once (durable when this returns); its row ID.

        With a `coverage`, the reviews of the items the scenario covers are stored with it, in the
        same transaction.
        """
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO attempts (answered_at, scenario_id, choice, correct, knowledge_version, "
                "lang, scenario_version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    attempt.answered_at,
                    attempt.scenario_id,
                    attempt.choice,
                    int(attempt.correct),
                    attempt.knowledge_version,
                    attempt.lang,
                    attempt.scenario_version,
                ),
            )
            row = int(cursor.lastrowid or 0)
            if self._coverage is not None:  # the items the scenario covers are reviewed with it
                _reviews_from_attempts(conn, self._coverage, since=row - 1)
            return row

    def attempts(self) -> list[Attempt]:
        """Every attempt, oldest first."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT id, answered_at, scenario_id, choice, correct, lang, knowledge_version, "
                "scenario_version FROM attempts ORDER BY answered_at, id"
            ).fetchall()
        return [
            Attempt(
                id=row[0],
                answered_at=row[1],
                scenario_id=row[2],
                choice=row[3],
                correct=bool(row[4]),
                lang=row[5],
                knowledge_version=row[6],
                scenario_version=row[7],
            )
            for row in rows
        ]

    def record_review(self, review: ItemReview) -> int:
        """Store one review at once (durable when this returns); its row ID."""
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO reviews (item, reviewed_at, rating, correct, pathway, choice, key, lang, "
                "knowledge_version, answers, attempt_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    review.item,
                    review.reviewed_at,
                    review.rating,
                    int(review.correct),
                    review.pathway,
                    review.choice,
                    review.key,
                    review.lang,
                    review.knowledge_version,
                    review.answers,
                    review.attempt_id,
                ),
            )
            return int(cursor.lastrowid or 0)

    def reviews(self) -> list[ItemReview]:
        """Every review, oldest first."""
        with self._errors():
            rows = self._conn.execute(
                "SELECT id, item, reviewed_at, rating, correct, pathway, choice, key, lang, "
                "knowledge_version, answers, attempt_id FROM reviews ORDER BY reviewed_at, id"
            ).fetchall()
        return [
            ItemReview(
                id=row[0],
                item=row[1],
                reviewed_at=row[2],
                rating=int(row[3]),
                correct=bool(row[4]),
                pathway=row[5],
                choice=row[6],
                key=row[7],
                lang=row[8],
                knowledge_version=row[9],
                answers=row[10],
                attempt_id=row[11],
            )
            for row in rows
        ]

    def backup_to(self, target: Path) -> int:
        """Copy the database (a consistent snapshot) to `target`; the highest attempt ID it holds."""
        try:
            folder = tempfile.TemporaryDirectory(prefix=".practice-backup-", dir=target.parent)
        except OSError as exc:
            raise _os_error(self.path, exc) from None
        with folder as tmp:
            snapshot = Path(tmp) / "snapshot.sqlite3"
            with self._errors():
                copy = sqlite3.connect(snapshot, isolation_level=None)
                try:
                    self._conn.backup(copy)
                    copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
                    has_table = copy.execute(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'attempts'"
                    ).fetchone()[0]
                    last = copy.execute("SELECT max(id) FROM attempts").fetchone()[0] if has_table else None
                finally:
                    copy.close()
            with snapshot.open("rb") as source, atomic_output(target, binary=True) as out:
                shutil.copyfileobj(source, out)
        return int(last or 0)

    def reset(self) -> tuple[Path, int]:
        """Keep a timestamped backup, then delete the attempts and reviews it holds; (backup, attempts gone).

        Attempts another session records after the backup was taken are kept, so nothing is lost
        that the backup does not hold.
        """
        backup = self.path.with_name(f"{self.path.name}.{_stamp(self.clock)}.bak")
        with self._errors():  # read before the backup, so every review deleted is in it
            last_review = self._conn.execute("SELECT max(id) FROM reviews").fetchone()[0] or 0
        last = self.backup_to(backup)
        with self._write() as conn:
            conn.execute("DELETE FROM reviews WHERE id <= ?", (last_review,))
            deleted = conn.execute("DELETE FROM attempts WHERE id <= ?", (last,)).rowcount
        return backup, int(deleted)

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite)."""
        self._conn.close()

    def __enter__(self) -> PracticeStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- helpers ---------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that takes the lock first (waits up to the busy timeout)."""
        with self._errors(), self._transaction("BEGIN IMMEDIATE"):
            yield self._conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[None]:
        """A transaction, committed at the end or rolled back on any error.

        The error that ended it is the one reported: SQLite may already have rolled back by itself
        (a full disk does that), and the "no transaction is active" of a second ROLLBACK or of a
        COMMIT must not hide why.
        """
        self._conn.execute(begin)
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                with suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise sqlite_error(self.path, exc) from None


def _refuse_non_sqlite(path: Path) -> None:
    """Check the header before SQLite opens the file, so a non-database is never modified.

    Only a regular file is opened at all: a FIFO would block the read forever, and SQLite would
    create a journal beside a device.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PracticeDatabaseError(path, "cannot_open", exc.strerror or str(exc)) from None
    if stat.S_ISDIR(info.st_mode):
        raise PracticeDatabaseError(path, "cannot_open", "it is a directory")
    if not stat.S_ISREG(info.st_mode):
        raise PracticeDatabaseError(path, "cannot_open", "it is not a regular file")
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return
    except IsADirectoryError:
        raise PracticeDatabaseError(path, "cannot_open", "it is a directory") from None
    except OSError as exc:
        raise PracticeDatabaseError(path, "cannot_open", exc.strerror or str(exc)) from None
    if head and head != _SQLITE_MAGIC:
        raise PracticeDatabaseError(path, "not_sqlite")


_BUSY = frozenset({5, 6})  # SQLITE_BUSY, SQLITE_LOCKED
_READ_ONLY = frozenset({3, 8, 23})  # SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH
_FULL = 13  # SQLITE_FULL
_IO_ERROR = 10  # SQLITE_IOERR
_CANNOT_OPEN = 14  # SQLITE_CANTOPEN
_DAMAGED = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
_BY_MESSAGE = (  # Python 3.10 gives no error code: SQLite's own texts for the same codes
    ("database or disk is full", _FULL),
    ("database is locked", 5),
    ("database table is locked", 6),
    ("readonly database", 8),
    ("disk I/O error", _IO_ERROR),
    ("unable to open database", _CANNOT_OPEN),
    ("malformed", 11),
    ("file is not a database", 26),
)


def sqlite_error(path: Path, exc: sqlite3.Error) -> PracticeDatabaseError:
    """What an SQLite error says about the database, classed by SQLite's result code.

    Only SQLITE_CORRUPT and SQLITE_NOTADB mean the file is damaged. A full disk is SQLITE_FULL,
    or an I/O error (SQLite cannot grow its shared-memory file, say) while the file system has
    no room left; any other failure is reported with SQLite's words, never as damage.
    """
    message = str(exc)
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        code = next((c for text, c in _BY_MESSAGE if text in message), -1)
    primary = code & 0xFF if code >= 0 else code
    if primary in _BUSY:
        return PracticeDatabaseError(path, "busy", message)
    if primary in _READ_ONLY:
        return PracticeDatabaseError(path, "read_only", message)
    if primary == _FULL or (primary == _IO_ERROR and _no_room_left(path)):
        return PracticeDatabaseError(path, "disk_full", message)
    if primary == _CANNOT_OPEN:
        return PracticeDatabaseError(path, "cannot_open", message)
    if primary in _DAMAGED:
        return PracticeDatabaseError(path, "corrupt", message)
    return PracticeDatabaseError(path, "sqlite", message)


def _no_room_left(path: Path) -> bool:
    """Whether the file system holding the database has no free block for this user."""
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except (OSError, AttributeError):  # AttributeError: no statvfs (Windows)
        return False


def _os_error(path: Path, exc: OSError) -> PracticeDatabaseError:
    """A failure of the file system around the database (its folder, a backup's folder)."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return PracticeDatabaseError(path, "disk_full", exc.strerror or str(exc))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PracticeDatabaseError(path, "read_only", exc.strerror or str(exc))
    return PracticeDatabaseError(path, "cannot_open", exc.strerror or str(exc))


def _stamp(clock: Clock) -> str:
    return clock().astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
