"""The feedback log: what clinicians did with the cards, kept in SQLite, append-only.

- One row per feedback item (`card` uuid, `outcome`, the accepted suggestions, the override reason
  and comment), with the time it arrived, the service and the calling issuer. Each POST is one
  transaction, committed before the answer is sent, so an EHR that got HTTP 200 knows its feedback
  is on disk: the file is in WAL mode with `synchronous = FULL`, and survives the process being
  killed (`kill -9`) with no committed row lost.
- Append-only: triggers refuse every UPDATE and DELETE, so the log is a record, not a state.
- Several workers of one machine write the same file (WAL and a busy timeout let them take turns).
  More than one machine shares one PostgreSQL database instead (`service.postgres`, chosen by
  `service.storage` when `--feedback-db` is a `postgresql://` URL).
- `ntrk-advisor serve feedback --export csv` writes it out (formula-safe CSV).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ntrk_advisor.environment import Clock, utc_now
from ntrk_advisor.errors import UsageError
from ntrk_advisor.render.csv_safe import csv_line
from ntrk_advisor.service.errors import HttpError, ServiceSetupError

APPLICATION_ID = 0x4E544642  # "NTFB": marks the file as this log
SCHEMA_VERSION = 1
DB_NAME = "feedback.sqlite3"
BUSY_TIMEOUT_MS = 30_000
MAX_ITEMS = 100
"""The most feedback items one POST may carry."""
MAX_TEXT = 4000
"""The longest text kept from one field (a comment); longer is refused, never cut silently."""

COLUMNS = (
    "id",
    "received_at",
    "service",
    "card",
    "outcome",
    "outcome_timestamp",
    "accepted_suggestions",
    "override_system",
    "override_code",
    "override_display",
    "user_comment",
    "issuer",
)

_SCHEMA = (
    """CREATE TABLE feedback (
           id INTEGER PRIMARY KEY,
           received_at TEXT NOT NULL,
           service TEXT NOT NULL,
           card TEXT NOT NULL,
           outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
           outcome_timestamp TEXT NOT NULL,
           accepted_suggestions TEXT NOT NULL,
           override_system TEXT,
           override_code TEXT,
           override_display TEXT,
           user_comment TEXT,
           issuer TEXT
       )""",
    """CREATE TRIGGER feedback_is_append_only_update BEFORE UPDATE ON feedback
       BEGIN SELECT RAISE(ABORT, 'the feedback log is append-only'); END""",
    """CREATE TRIGGER feedback_is_append_only_delete BEFORE DELETE ON feedback
       BEGIN SELECT RAISE(ABORT, 'the feedback log is append-only'); END""",
)


def default_path() -> Path:
    """`$NTRK_ADVISOR_HOME/feedback.sqlite3`, else the user data folder."""
    home = os.environ.get("NTRK_ADVISOR_HOME", "").strip()
    if home:
        return Path(home).expanduser() / DB_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("ntrk-advisor")) / DB_NAME


@dataclass(frozen=True)
class Item:
    """One validated feedback item."""

    card: str
    outcome: str
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...]
    override_system: str | None
    override_code: str | None
    override_display: str | None
    user_comment: str | None


def items_of(body: Mapping[str, Any]) -> list[Item]:
    """The feedback items of a POST body, or HTTP 400 naming the first problem."""
    found = body.get("feedback")
    if not isinstance(found, list) or not found:
        raise HttpError(400, "bad_feedback", "the body needs a non-empty 'feedback' array")
    if len(found) > MAX_ITEMS:
        raise HttpError(400, "bad_feedback", f"at most {MAX_ITEMS} feedback items per request")
    return [_item(raw, i) for i, raw in enumerate(found)]


def rows_of(now: dt.datetime, service: str, items: list[Item], issuer: str | None) -> list[tuple[Any, ...]]:
    """The log's rows for one feedback call, in its column order: one shape for SQLite and PostgreSQL."""
    received = now.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds")
    return [
        (
            received,
            service,
            i.card,
            i.outcome,
            i.outcome_timestamp,
            json.dumps(list(i.accepted_suggestions)),
            i.override_system,
            i.override_code,
            i.override_display,
            i.user_comment,
            issuer,
        )
        for i in items
    ]


def _text(value: object, where: str, *, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise HttpError(400, "bad_feedback", f"{where} must be a string of 1 to {MAX_TEXT} characters")
    return value


def _item(raw: object, index: int) -> Item:
    where = f"feedback[{index}]"
    if not isinstance(raw, dict):
        raise HttpError(400, "bad_feedback", f"{where} must be an object")
    card = _text(raw.get("card"), f"{where}.card")
    outcome = raw.get("outcome")
    if outcome not in ("accepted", "overridden"):
        raise HttpError(400, "bad_feedback", f"{where}.outcome must be accepted or overridden")
    stamp = _text(raw.get("outcomeTimestamp"), f"{where}.outcomeTimestamp")
    try:
        dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, "bad_feedback", f"{where}.outcomeTimestamp must be an ISO 8601 time") from None
    accepted = raw.get("acceptedSuggestions", [])
    empty = "acceptedSuggestions" in raw and not accepted
    if not isinstance(accepted, list) or empty or (outcome == "accepted" and not accepted):
        raise HttpError(
            400, "bad_feedback", f"{where}.acceptedSuggestions must list the accepted suggestions"
        )
    ids = []
    for j, suggestion in enumerate(accepted):
        if not isinstance(suggestion, dict):
            raise HttpError(400, "bad_feedback", f"{where}.acceptedSuggestions[{j}] must be an object")
        ids.append(str(_text(suggestion.get("id"), f"{where}.acceptedSuggestions[{j}].id")))
    override = raw.get("overrideReason", {})
    if not isinstance(override, dict):
        raise HttpError(400, "bad_feedback", f"{where}.overrideReason must be an object")
    reason = override.get("reason", {})
    if not isinstance(reason, dict):
        raise HttpError(400, "bad_feedback", f"{where}.overrideReason.reason must be a Coding")
    has_reason = "reason" in override
    system = _text(reason.get("system"), f"{where}.overrideReason.reason.system", required=has_reason)
    code = _text(reason.get("code"), f"{where}.overrideReason.reason.code", required=has_reason)
    return Item(
        card=str(card),
        outcome=str(outcome),
        outcome_timestamp=str(stamp),
        accepted_suggestions=tuple(ids),
        override_system=system,
        override_code=code,
        override_display=_optional(reason, "display", f"{where}.overrideReason.reason.display"),
        user_comment=_optional(override, "userComment", f"{where}.overrideReason.userComment"),
    )


def _optional(data: Mapping[str, Any], key: str, where: str) -> str | None:
    """An optional text: absent is None; present, it must be a text (CDS Hooks forbids null)."""
    return _text(data[key], where) if key in data else None


class FeedbackLog:
    """An open feedback log (one connection per worker process)."""

    def __init__(self, path: Path, clock: Clock = utc_now) -> None:
        """Open (or create) the log at `path`; `clock` stamps each stored item (a test fixes it)."""
        self.path = path
        self.where = str(path)
        """The log's place as the service's log names it."""
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        try:
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._prepare()
        except sqlite3.Error as exc:
            self._conn.close()
            raise ServiceSetupError("usage.feedback_unusable", path=path, reason=exc) from None

    def _prepare(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            app_id = self._conn.execute("PRAGMA application_id").fetchone()[0]
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id == 0 and version == 0 and tables == 0:
                for statement in _SCHEMA:
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            elif app_id != APPLICATION_ID or version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError("not an ntrk-advisor feedback log of a known version")
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def append(self, service: str, items: list[Item], issuer: str | None) -> int:
        """Store the items in one transaction; returns how many. Committed when this returns."""
        rows = rows_of(self.clock(), service, items, issuer)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(
                "INSERT INTO feedback (received_at, service, card, outcome, outcome_timestamp, "
                "accepted_suggestions, override_system, override_code, override_display, user_comment, "
                "issuer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        return len(rows)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def rows(path: Path) -> Iterator[tuple[Any, ...]]:
    """Every stored row, oldest first (read-only).

    A log that does not exist is an error, not an empty log: the service creates its log when it
    starts, so a missing file is a wrong path (a typo must not read as "no feedback yet").
    """
    if not path.exists():
        raise UsageError("usage.no_feedback_log", path=path)
    uri = f"{path.resolve().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise ServiceSetupError("usage.feedback_unreadable", path=path, reason=exc) from None
        if app_id != APPLICATION_ID:
            raise ServiceSetupError("usage.feedback_foreign", path=path)
        yield from conn.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id")


def export_csv(path: Path) -> str:
    """The whole log as CSV: a header, then one formula-safe line per row."""
    out = [csv_line(COLUMNS)]
    out += [csv_line("" if v is None else str(v) for v in row) for row in rows(path)]
    return "".join(out)
