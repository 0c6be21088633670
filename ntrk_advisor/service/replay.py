"""The replay window: each token id (`jti`) is accepted once, until its token expires.

A process that answers alone keeps the window in its memory (`ReplayWindow`): the fastest form,
and enough, since every call reaches that one process. Several worker processes (`serve
--workers N`, or workers another server starts through `app.app_from_environment`) must see one
window, or a token replayed to another worker would pass: they share `SharedReplayWindow`, a small
SQLite file next to the feedback log, where the primary key makes "first use" one atomic statement
across processes. The file holds issuers, token ids and expiry times only, never a patient's data.
"""

from __future__ import annotations

import heapq
import sqlite3
from pathlib import Path

from ntrk_advisor.service.errors import HttpError, ServiceSetupError

APPLICATION_ID = 0x4E54524A  # "NTRJ": marks the file as a replay window
DB_NAME = "replay-window.sqlite3"
BUSY_TIMEOUT_MS = 5_000
PURGE_EVERY = 256
"""Expired token ids are deleted once every this many calls (one indexed DELETE)."""

_SCHEMA = (
    """CREATE TABLE seen (
           issuer TEXT NOT NULL,
           jti TEXT NOT NULL,
           expires REAL NOT NULL,
           PRIMARY KEY (issuer, jti)
       ) WITHOUT ROWID""",
    "CREATE INDEX seen_expires ON seen (expires)",
)
_FIRST_USE = (
    "INSERT INTO seen (issuer, jti, expires) VALUES (?, ?, ?) "
    "ON CONFLICT (issuer, jti) DO UPDATE SET expires = excluded.expires WHERE seen.expires < ?"
)
"""Inserts a new id, or takes over one whose token has expired; changes nothing for a live one."""


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
            path.parent.mkdir(parents=True, exist_ok=True)
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
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id == 0 and tables == 0:
                for statement in _SCHEMA:
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            elif app_id != APPLICATION_ID:
                raise sqlite3.DatabaseError("not an ntrk-advisor replay window")
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

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
            cursor = self._conn.execute(_FIRST_USE, (key[0], key[1], expires, now))
        except sqlite3.Error:
            raise HttpError(
                503,
                "replay_window_unavailable",
                "the token cannot be checked for replay just now; try again",
                {"Retry-After": "1"},
            ) from None
        return cursor.rowcount == 1

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
