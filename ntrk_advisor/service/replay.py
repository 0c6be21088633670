"""The replay window: each token id (`jti`) is accepted once, until its token expires.

A process that answers alone keeps the window in its memory (`ReplayWindow`): the fastest form,
and enough, since every call reaches that one process. Several worker processes (`serve
--workers N`, or workers another server starts through `app.app_from_environment`) must see one
window, or a token replayed to another worker would pass: they share `SharedReplayWindow`, a small
SQLite file, where the primary key makes "first use" one atomic statement across processes, so of
two workers racing on one token exactly one accepts it.

Where the file is: `replay-window.sqlite3` beside the feedback log (`serve --feedback-db`, else its
default), not a private temporary folder that `serve` would make and remove, because
- workers started by another server (gunicorn, through `app.app_from_environment`) have no `serve`
  parent to make that folder, but all of them know the feedback log's place;
- the window outlives a restart, so a token used just before `serve` restarts is still refused
  after it (a temporary folder removed on exit would forget it);
- the service keeps its state in one place, which a deployment already backs up and protects.
The file is created owner-only (0600; SQLite gives its `-wal` and `-shm` files the same mode), a
link or anything but a regular file in its place is refused, and it holds no token content: each
key is the SHA-256 of the issuer and the token id, stored with the time it may be forgotten.
Nothing in it is a patient's data.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import os
import sqlite3
import stat
from pathlib import Path

from ntrk_advisor.service.errors import HttpError, ServiceSetupError

APPLICATION_ID = 0x4E54524A  # "NTRJ": marks the file as a replay window
SCHEMA_VERSION = 2
"""1 (user_version 0) kept issuers and token ids as given; 2 keeps only their SHA-256."""
DB_NAME = "replay-window.sqlite3"
BUSY_TIMEOUT_MS = 5_000
PURGE_EVERY = 256
"""Expired token ids are deleted once every this many calls (one indexed DELETE)."""
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)

_SCHEMA = (
    """CREATE TABLE seen (
           key BLOB PRIMARY KEY,
           expires REAL NOT NULL
       ) WITHOUT ROWID""",
    "CREATE INDEX seen_expires ON seen (expires)",
)
_FIRST_USE = (
    "INSERT INTO seen (key, expires) VALUES (?, ?) "
    "ON CONFLICT (key) DO UPDATE SET expires = excluded.expires WHERE seen.expires < ?"
)
"""Inserts a new key, or takes over one whose token has expired (and was not purged yet); changes
nothing for a live one, so the row count says whether this call was the first use."""


def window_unavailable() -> HttpError:
    """HTTP 503 for a call whose token cannot be checked for replay (the store is unreachable).

    Whichever store keeps the window (SQLite here, PostgreSQL in `postgres.py`), the caller is
    asked to retry, and the token is never let through unchecked.
    """
    return HttpError(
        503,
        "replay_window_unavailable",
        "the token cannot be checked for replay just now; try again",
        {"Retry-After": "1"},
    )


def token_key(key: tuple[str, str]) -> bytes:
    """The SHA-256 of an (issuer, token id) pair: what the shared window stores instead of them.

    Encoded as a JSON array, so no issuer and id can be spelled to collide with another pair.
    """
    return hashlib.sha256(json.dumps(list(key)).encode("utf-8")).digest()


class ReplayWindow:
    """Token ids seen and not yet expired, per issuer, in this process's memory."""

    def __init__(self) -> None:
        self._expiry: dict[tuple[str, str], float] = {}
        self._queue: list[tuple[float, tuple[str, str]]] = []

    def __len__(self) -> int:
        return len(self._expiry)

    def first_use(self, key: tuple[str, str], expires: float, now: float) -> bool:
        """Record a token id; False if it was already used and has not expired."""
        while self._queue and self._queue[0][0] < now:
            _, old = heapq.heappop(self._queue)
            if self._expiry.get(old, now + 1) < now:
                del self._expiry[old]
        if key in self._expiry:
            return False
        self._expiry[key] = expires
        heapq.heappush(self._queue, (expires, key))
        return True

    def close(self) -> None:
        """Nothing to release."""


class SharedReplayWindow:
    """The window in an SQLite file that every worker process of the machine opens (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._calls = 0
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            _create_private(path)
            self._conn = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
        except (OSError, sqlite3.Error) as exc:
            raise ServiceSetupError("usage.replay_window", path=str(path), reason=str(exc)) from None
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            # A token id lost in a power cut lets one token be replayed once more; no data is at stake.
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._prepare()
        except sqlite3.Error as exc:
            self._conn.close()
            raise ServiceSetupError("usage.replay_window", path=str(path), reason=str(exc)) from None

    def _prepare(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id == 0 and version == 0 and tables == 0:
                self._create()
            elif app_id == APPLICATION_ID and version == 0:
                self._upgrade()
            elif app_id != APPLICATION_ID or version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError("not an ntrk-advisor replay window")
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _create(self) -> None:
        for statement in _SCHEMA:
            self._conn.execute(statement)
        self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _upgrade(self) -> None:
        """A window of the first form (issuers and ids as given) rewritten with their hashes only.

        Every live entry is kept, so an upgrade opens no gap for a replay.
        """
        old = self._conn.execute("SELECT issuer, jti, expires FROM seen").fetchall()
        self._conn.execute("PRAGMA secure_delete = ON")  # the old pages zeroed, not just freed
        self._conn.execute("DROP TABLE seen")
        self._conn.execute("PRAGMA secure_delete = OFF")
        self._create()
        self._conn.executemany(
            "INSERT OR IGNORE INTO seen (key, expires) VALUES (?, ?)",
            [(token_key((issuer, jti)), expires) for issuer, jti, expires in old],
        )

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM seen").fetchone()[0])

    def first_use(self, key: tuple[str, str], expires: float, now: float) -> bool:
        """Record a token id; False if any worker already recorded it and it has not expired.

        A store that cannot be written refuses the call (HTTP 503): a token is never let through
        unchecked.
        """
        try:
            if self._calls % PURGE_EVERY == 0:
                self._conn.execute("DELETE FROM seen WHERE expires < ?", (now,))
            self._calls += 1
            cursor = self._conn.execute(_FIRST_USE, (token_key(key), expires, now))
        except sqlite3.Error:
            raise window_unavailable() from None
        return cursor.rowcount == 1

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _create_private(path: Path) -> None:
    """The window's file, created owner-only (0600) if it is new; a link or a non-file is refused.

    SQLite creates its `-wal` and `-shm` files with the database file's mode, so they are
    owner-only too.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | _NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError("not a regular file")
        if mode & 0o077:  # a window an earlier version made with the umask's mode
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
