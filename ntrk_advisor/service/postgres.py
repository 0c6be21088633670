"""The feedback log and the replay window in PostgreSQL, for a service that runs on several machines.

`serve --feedback-db postgresql://…` (or `postgres://…`) puts both in one PostgreSQL database, so
every worker of every machine stores its feedback in one log and checks each token id in one
window. SQLite (`service.feedback`, `service.replay`) stays the embedded default; this module
keeps the same promises over a network database:

- Feedback: one transaction per POST, committed (with `synchronous_commit = on`, whatever the
  database's default) before the answer is sent, so an acknowledged item survives the service
  being killed. The table is append-only: triggers refuse every UPDATE, DELETE and TRUNCATE.
- Replay: "first use" is one `INSERT … ON CONFLICT` statement on the token key's primary key, so of
  two workers or machines racing on one token exactly one accepts it; the row count says which.
  Expired ids are purged; only the SHA-256 of the issuer and token id is stored.
- The schema is created when absent, under an advisory lock (many workers start at once), and a
  table of this name that was not made by this tool is refused.
- psycopg 3 (the `postgres` extra) is imported only when a PostgreSQL URL is given; without it the
  one error boundary says what to install. Connecting has a timeout, and the URL is never printed
  or logged with its password (`redact`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ntrk_advisor.environment import Clock, utc_now
from ntrk_advisor.render.csv_safe import csv_line
from ntrk_advisor.service.errors import HttpError, ServiceSetupError
from ntrk_advisor.service.feedback import rows_of

if TYPE_CHECKING:
    import psycopg

    from ntrk_advisor.service.feedback import Item

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT_S = 5
"""Seconds to reach the database (libpq's `connect_timeout`) unless the URL says otherwise."""
STATEMENT_TIMEOUT_MS = 15_000
"""The longest one statement may run (a lock held elsewhere cannot hang a worker for ever)."""
SCHEMA_LOCK = 0x4E545247  # "NTRG": the advisory lock taken while the tables are created
SCHEMA_VERSION = 1
PURGE_EVERY = 256
"""Expired token ids are deleted once every this many calls (one indexed DELETE)."""
MASK = "***"

_META = (
    "CREATE TABLE IF NOT EXISTS ntrk_advisor_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
)
_VERSION_OF = "SELECT version FROM ntrk_advisor_schema WHERE component = %s"
_FEEDBACK_SCHEMA = (
    """CREATE TABLE ntrk_feedback (
           id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    """CREATE OR REPLACE FUNCTION ntrk_feedback_append_only() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'the feedback log is append-only'; END $$""",
    """CREATE TRIGGER ntrk_feedback_no_change BEFORE UPDATE OR DELETE ON ntrk_feedback
       FOR EACH ROW EXECUTE FUNCTION ntrk_feedback_append_only()""",
    """CREATE TRIGGER ntrk_feedback_no_truncate BEFORE TRUNCATE ON ntrk_feedback
       FOR EACH STATEMENT EXECUTE FUNCTION ntrk_feedback_append_only()""",
)
_REPLAY_SCHEMA = (
    "CREATE TABLE ntrk_replay_seen (key BYTEA PRIMARY KEY, expires DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX ntrk_replay_seen_expires ON ntrk_replay_seen (expires)",
)
_FIRST_USE = (
    "INSERT INTO ntrk_replay_seen (key, expires) VALUES (%s, %s) ON CONFLICT (key) "
    "DO UPDATE SET expires = excluded.expires WHERE ntrk_replay_seen.expires < %s"
)
"""Inserts a new key, or takes over one whose token has expired (and was not purged yet); a live
key is left alone, so the row count (1 or 0) says whether this call was the first use. PostgreSQL
makes the insert-or-conflict atomic: a second racer waits for the first and then sees its row."""
_INSERT_FEEDBACK = (
    "INSERT INTO ntrk_feedback (received_at, service, card, outcome, outcome_timestamp, "
    "accepted_suggestions, override_system, override_code, override_display, user_comment, issuer) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def is_url(target: str | None) -> bool:
    """Whether a `--feedback-db` value names a PostgreSQL database rather than an SQLite file."""
    return target is not None and target.strip().lower().startswith(SCHEMES)


def redact(url: str) -> str:
    """The URL with its password (in the user part or a `password=` parameter) replaced by ***."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            user, _, host = netloc.rpartition("@")
            if ":" in user:
                user = f"{user.split(':', 1)[0]}:{MASK}"
            netloc = f"{user}@{host}"
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        query = urlencode([(k, MASK if k.lower() == "password" else v) for k, v in pairs], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return f"{url.split('://', 1)[0]}://{MASK}"


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message) with the URL's password, if it appears, replaced by ***."""
    for secret in _secrets(url):
        text = text.replace(secret, MASK)
    return text


def _secrets(url: str) -> list[str]:
    from urllib.parse import unquote

    try:
        parts = urlsplit(url)
        found = [parts.password or ""]
        found += [v for k, v in parse_qsl(parts.query) if k.lower() == "password"]
    except ValueError:
        return [url]
    return [s for f in found if f for s in {f, unquote(f)}]


def connect(url: str, *, fast_commit: bool = False) -> psycopg.Connection[Any]:
    """An autocommit connection, with a connect and a statement timeout; setup errors are usage errors.

    `fast_commit` turns off waiting for the commit's flush to disk (`synchronous_commit = off`): for
    the replay window only, where a database crash can at worst forget the last instants' token
    ids, never a patient's data.
    """
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo
    except ImportError as exc:  # not installed, or installed without a libpq to use
        raise ServiceSetupError("usage.postgres_extra", reason=str(exc)) from None
    try:
        defaults: dict[str, str | int | None] = {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "application_name": "ntrk-advisor",
        }
        conn = psycopg.connect(make_conninfo("", **{**defaults, **conninfo_to_dict(url)}), autocommit=True)
    except psycopg.Error as exc:
        raise _unreachable(url, exc) from None
    conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    # The feedback log waits for the flush whatever the database's default says.
    conn.execute(f"SET synchronous_commit = {'off' if fast_commit else 'on'}")
    return conn


def _unreachable(url: str, exc: Exception) -> ServiceSetupError:
    """The usage error for a database that cannot be used, naming it without its password."""
    return ServiceSetupError("usage.postgres_unreachable", url=redact(url), reason=scrub(str(exc), url))


def _prepare(conn: psycopg.Connection[Any], component: str, table: str, schema: tuple[str, ...]) -> None:
    """Create `table` (and record its version) if absent; refuse one this tool did not make."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        if _absent(conn, "ntrk_advisor_schema"):  # a role that may not create tables still starts
            conn.execute(_META)
        row = conn.execute(_VERSION_OF, (component,)).fetchone()
        if row is None and _absent(conn, table):
            for statement in schema:
                conn.execute(statement)
            conn.execute("INSERT INTO ntrk_advisor_schema VALUES (%s, %s)", (component, SCHEMA_VERSION))
        elif row is None or row[0] != SCHEMA_VERSION:
            raise ServiceSetupError("usage.postgres_foreign", table=table)


def _absent(conn: psycopg.Connection[Any], table: str) -> bool:
    """Whether no table of this name is on the connection's search path."""
    found = conn.execute("SELECT to_regclass(%s) IS NULL", (table,)).fetchone()
    return bool(found and found[0])


def _opened(
    url: str, component: str, table: str, schema: tuple[str, ...], *, fast_commit: bool = False
) -> psycopg.Connection[Any]:
    """A connection with `component`'s table in place; closed again if that cannot be made sure."""
    conn = connect(url, fast_commit=fast_commit)  # first: it says what to install when psycopg is missing
    import psycopg

    try:
        _prepare(conn, component, table, schema)
    except psycopg.Error as exc:
        conn.close()
        raise _unreachable(url, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


class PostgresFeedbackLog:
    """The feedback log in PostgreSQL (one connection per worker process)."""

    def __init__(self, url: str, clock: Clock = utc_now) -> None:
        """Connect, and create the table if absent; `clock` stamps each stored item (a test fixes it)."""
        self._url = url
        self.where = redact(url)
        """The database, as the log may name it (no password)."""
        self.clock = clock
        self._conn = self._open()

    def _open(self) -> psycopg.Connection[Any]:
        return _opened(self._url, "feedback log", "ntrk_feedback", _FEEDBACK_SCHEMA)

    def append(self, service: str, items: list[Item], issuer: str | None) -> int:
        """Store the items in one transaction; returns how many. Committed when this returns.

        A lost connection is re-opened on the next call, never retried within this one: a commit
        whose answer was lost may have happened, and feedback is never stored twice by the service.
        """
        import psycopg

        rows = rows_of(self.clock(), service, items, issuer)
        try:
            if self._conn.closed or self._conn.broken:
                self._conn = self._open()
            with self._conn.transaction(), self._conn.cursor() as cursor:
                cursor.executemany(_INSERT_FEEDBACK, rows)
        except (psycopg.OperationalError, ServiceSetupError):
            raise HttpError(
                503,
                "feedback_unavailable",
                "the feedback log cannot be reached just now; try again",
                {"Retry-After": "1"},
            ) from None
        return len(rows)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


class PostgresReplayWindow:
    """The replay window in PostgreSQL: one window for every worker of every machine."""

    def __init__(self, url: str) -> None:
        """Connect, and create the table if absent."""
        self._url = url
        self.where = redact(url)
        self._calls = 0
        self._conn = self._open()

    def _open(self) -> psycopg.Connection[Any]:
        return _opened(self._url, "replay window", "ntrk_replay_seen", _REPLAY_SCHEMA, fast_commit=True)

    def __len__(self) -> int:
        row = self._conn.execute("SELECT count(*) FROM ntrk_replay_seen").fetchone()
        return 0 if row is None else int(row[0])

    def first_use(self, key: tuple[str, str], expires: float, now: float) -> bool:
        """Record a token id; False if any worker anywhere already recorded it and it has not expired.

        A database that cannot be reached refuses the call (HTTP 503): a token is never let through
        unchecked.
        """
        import psycopg

        from ntrk_advisor.service.replay import token_key, window_unavailable

        try:
            if self._conn.closed or self._conn.broken:
                self._conn = self._open()
            if self._calls % PURGE_EVERY == 0:
                self._conn.execute("DELETE FROM ntrk_replay_seen WHERE expires < %s", (now,))
            self._calls += 1
            cursor = self._conn.execute(_FIRST_USE, (token_key(key), expires, now))
        except (psycopg.Error, ServiceSetupError):
            raise window_unavailable() from None
        return cursor.rowcount == 1

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def rows(url: str) -> Iterator[tuple[Any, ...]]:
    """Every stored feedback row, oldest first (`serve feedback --db URL`)."""
    from ntrk_advisor.service.feedback import COLUMNS

    conn = connect(url)  # first: it says what to install when psycopg is missing
    import psycopg

    try:
        found = conn.execute(_VERSION_OF, ("feedback log",)).fetchone()
        if found is None or found[0] != SCHEMA_VERSION:
            raise ServiceSetupError("usage.postgres_foreign", table="ntrk_feedback")
        yield from conn.execute(f"SELECT {', '.join(COLUMNS)} FROM ntrk_feedback ORDER BY id")
    except psycopg.errors.UndefinedTable:
        raise ServiceSetupError("usage.postgres_foreign", table="ntrk_feedback") from None
    except psycopg.Error as exc:
        raise _unreachable(url, exc) from None
    finally:
        conn.close()


def export_csv(url: str) -> str:
    """The whole log as CSV, as `feedback.export_csv` writes an SQLite log's."""
    from ntrk_advisor.service.feedback import COLUMNS

    out = [csv_line(COLUMNS)]
    out += [csv_line("" if v is None else str(v) for v in row) for row in rows(url)]
    return "".join(out)
