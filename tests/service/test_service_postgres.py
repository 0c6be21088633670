"""`--feedback-db postgresql://…`: the feedback log and the replay window of several machines in one database.

(Issue 24, "Safety and conformance": more than one machine.)

Every test here that needs a database runs against a real PostgreSQL (tests/postgres.py: the server
`.ci/run` starts, or a throwaway cluster started for the session), each in a database of its own.
Servers are real `ntrk-advisor serve` processes on loopback; "two machines" are two such processes
with one public URL, as behind a load balancer.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.service.errors import HttpError, ServiceSetupError
from ntrk_advisor.service.feedback import Item
from ntrk_advisor.service.postgres import PostgresFeedbackLog, PostgresReplayWindow, redact, scrub
from ntrk_advisor.service.replay import token_key
from tests.service.helpers import ISSUER, Keys
from tests.service.live import PATIENT_VIEW, LiveServer, live_server, read_answer, request_bytes
from tests.service.test_service_replay import call_body

pytestmark = pytest.mark.slow  # a real database server, and real server processes

FEEDBACK = f"{PATIENT_VIEW}/feedback"
PUBLIC = "https://cds.example.org"
"""The one public URL both "machines" answer for (each token's aud)."""


def item(card: str) -> dict[str, Any]:
    return {"card": card, "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}


def post_feedback(server: LiveServer, card: str, token: str | None = None) -> int:
    headers = [] if token is None else [("Authorization", f"Bearer {token}")]
    body = json.dumps({"feedback": [item(card)]}).encode()
    return server.exchange(request_bytes("POST", FEEDBACK, body, headers)).status


def stored_cards(url: str) -> list[str]:
    import psycopg

    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT card FROM ntrk_feedback ORDER BY id")]


def cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
    )


# -- the feedback log ---------------------------------------------------------------------------------


def test_feedback_posted_to_a_real_server_is_stored_in_postgres_and_exported(
    tmp_path: Path, postgres_url: str
) -> None:
    with live_server(tmp_path, "--feedback-db", postgres_url) as server:
        assert [post_feedback(server, f"card-{i}") for i in range(3)] == [200, 200, 200]
    assert not (tmp_path / "feedback.sqlite3").exists()  # the database, not a file, holds it
    assert stored_cards(postgres_url) == ["card-0", "card-1", "card-2"]
    done = cli("serve", "feedback", "--db", postgres_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("id,received_at,service,card,outcome")
    assert [line.split(",")[3] for line in lines[1:]] == ["card-0", "card-1", "card-2"]


def test_the_postgres_log_is_append_only(postgres_url: str) -> None:
    import psycopg

    log = PostgresFeedbackLog(postgres_url)
    log.append(
        "ntrk-patient-view",
        [Item("c", "overridden", "2026-12-01T10:00:00Z", (), None, None, None, None)],
        None,
    )
    log.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for statement in (
            "UPDATE ntrk_feedback SET card = 'x'",
            "DELETE FROM ntrk_feedback",
            "TRUNCATE ntrk_feedback",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute(statement)
        assert [r[0] for r in conn.execute("SELECT card FROM ntrk_feedback")] == ["c"]


def test_feedback_waits_for_the_flush_even_where_the_database_says_not_to(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as owner:
        name = owner.execute("SELECT current_database()").fetchone()
        assert name is not None
        owner.execute(f'ALTER DATABASE "{name[0]}" SET synchronous_commit = off')
    log, window = PostgresFeedbackLog(postgres_url), PostgresReplayWindow(postgres_url)
    assert log._conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
    assert window._conn.execute("SHOW synchronous_commit").fetchone() == ("off",)  # token ids only
    log.close()
    window.close()


def test_many_workers_creating_the_tables_at_once_all_succeed_and_make_them_once(postgres_url: str) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def open_both() -> None:
        start.wait()
        try:
            PostgresFeedbackLog(postgres_url).close()
            PostgresReplayWindow(postgres_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_both) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT component, version FROM ntrk_advisor_schema ORDER BY 1").fetchall() == [
            ("feedback log", 1),
            ("replay window", 1),
        ]


def test_a_table_of_that_name_not_made_by_the_tool_is_refused(postgres_url: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE ntrk_feedback (anything TEXT)")
    with pytest.raises(ServiceSetupError) as refused:
        PostgresFeedbackLog(postgres_url)
    assert refused.value.key == "usage.postgres_foreign"


def test_a_service_role_with_only_the_documented_grants_serves_and_cannot_change_the_log(
    postgres_url: str,
) -> None:
    import secrets

    import psycopg
    from psycopg import sql

    PostgresFeedbackLog(postgres_url).close()  # the owner role creates the tables on first start
    PostgresReplayWindow(postgres_url).close()
    role, password = f"svc_{secrets.token_hex(4)}", secrets.token_hex(8)
    with psycopg.connect(postgres_url, autocommit=True) as owner:  # the grants docs/service.md lists
        owner.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
        )
        for grant in (
            "GRANT SELECT ON ntrk_advisor_schema TO {}",
            "GRANT SELECT, INSERT ON ntrk_feedback TO {}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ntrk_replay_seen TO {}",
        ):
            owner.execute(sql.SQL(grant).format(sql.Identifier(role)))
    as_service = postgres_url.replace(
        postgres_url.split("://", 1)[1].split("@", 1)[0], f"{role}:{password}", 1
    )
    log, window = PostgresFeedbackLog(as_service), PostgresReplayWindow(as_service)
    assert (
        log.append("s", [Item("c", "overridden", "2026-12-01T10:00:00Z", (), None, None, None, None)], None)
        == 1
    )
    assert window.first_use((ISSUER, "a"), expires=4e9, now=0.0)
    log.close()
    window.close()
    with psycopg.connect(as_service, autocommit=True) as service:
        for statement in ("ALTER TABLE ntrk_feedback DISABLE TRIGGER ALL", "DELETE FROM ntrk_feedback"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                service.execute(statement)
    assert stored_cards(postgres_url) == ["c"]


# -- the replay window ---------------------------------------------------------------------------------


def test_a_token_id_seen_through_one_connection_is_refused_through_another_until_it_expires(
    postgres_url: str,
) -> None:
    one, two = PostgresReplayWindow(postgres_url), PostgresReplayWindow(postgres_url)
    assert one.first_use((ISSUER, "a"), expires=100.0, now=0.0)
    assert not two.first_use((ISSUER, "a"), expires=100.0, now=99.0)
    assert two.first_use(("https://other.example.org", "a"), expires=100.0, now=99.0)  # per issuer
    assert two.first_use((ISSUER, "a"), expires=300.0, now=101.0)  # expired: forgotten
    assert not one.first_use((ISSUER, "a"), expires=300.0, now=102.0)
    one.close()
    two.close()


def test_expired_token_ids_are_purged_and_only_hashes_are_kept(postgres_url: str) -> None:
    filled = PostgresReplayWindow(postgres_url)
    for i in range(10):
        assert filled.first_use((ISSUER, f"old-{i}"), expires=100.0, now=0.0)
    assert filled.first_use((ISSUER, "live"), expires=500.0, now=0.0)
    filled.close()
    later = PostgresReplayWindow(postgres_url)  # a worker's first call purges
    assert later.first_use((ISSUER, "new"), expires=600.0, now=200.0)
    assert len(later) == 2  # "live" and "new"; the ten expired ids are gone
    later.close()
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        keys = {bytes(r[0]) for r in conn.execute("SELECT key FROM ntrk_replay_seen")}
    assert keys == {token_key((ISSUER, "live")), token_key((ISSUER, "new"))}


RACER = """
import sys, time
from ntrk_advisor.service.postgres import PostgresReplayWindow
window = PostgresReplayWindow(sys.argv[1])
offset, count = int(sys.argv[2]), int(sys.argv[3])
print("ready", flush=True)
start = float(sys.stdin.readline())  # one moment for every racer: the writes to each come one by one
time.sleep(max(0.0, start - time.time()))
for n in range(count):
    i = (n + offset) % count
    if window.first_use(("https://ehr.example.org", f"jti-{i}"), expires=4e9, now=time.time()):
        print(f"jti-{i}", flush=True)
"""


def test_processes_racing_on_the_same_token_ids_accept_each_exactly_once(postgres_url: str) -> None:
    racers, ids = 6, 600  # enough ids that the race outlasts a slice of a busy machine's scheduler
    processes = [  # each tries every id; each starts at another place, so first tries differ
        subprocess.Popen(
            [sys.executable, "-c", RACER, postgres_url, str(k * ids // racers), str(ids)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(racers)
    ]
    assert all(p.stdout is not None and p.stdout.readline() == "ready\n" for p in processes)
    start = time.time() + 0.5  # every racer connected; all begin at this moment
    for p in processes:
        assert p.stdin is not None
        p.stdin.write(f"{start}\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=120)[0].split() for p in processes]
    assert all(p.returncode == 0 for p in processes)
    accepted = [token_id for out in outputs for token_id in out]
    assert sorted(accepted) == sorted(f"jti-{i}" for i in range(ids))  # each once: never twice, never lost
    assert sum(1 for out in outputs if out) >= 2, "one racer won every id: no race happened"


def send(server: LiveServer, token: str) -> tuple[int, str]:
    with server.connect() as conn:
        conn.sendall(request_bytes("POST", PATIENT_VIEW, call_body(), [("Authorization", f"Bearer {token}")]))
        answer = read_answer(conn)
    return answer.status, answer.json().get("message", "") if answer.status != 200 else ""


def two_machines(tmp_path: Path, url: str, keys: Keys, *extra: str) -> tuple[LiveServer, LiveServer]:
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        folder.mkdir()
    first = LiveServer(folders[0], "--feedback-db", url, "--base-url", PUBLIC, *extra, keys=keys)
    try:
        second = LiveServer(folders[1], "--feedback-db", url, "--base-url", PUBLIC, *extra, keys=keys)
    except BaseException:
        first.stop()
        raise
    return first, second


def test_a_token_used_at_one_machine_is_refused_at_the_other(
    tmp_path: Path, keys: Keys, postgres_url: str
) -> None:
    first, second = two_machines(tmp_path, postgres_url, keys)  # one worker each: still one window
    try:
        token = keys.token(PATIENT_VIEW, aud=f"{PUBLIC}{PATIENT_VIEW}")
        assert send(first, token) == (200, "")
        status, message = send(second, token)
        assert status == 401 and "replay" in message
        status, message = send(first, token)
        assert status == 401 and "replay" in message
        other = keys.token(PATIENT_VIEW, aud=f"{PUBLIC}{PATIENT_VIEW}")
        assert send(second, other) == (200, "")
        assert send(first, other)[0] == 401
        feedback = keys.token(FEEDBACK, aud=f"{PUBLIC}{FEEDBACK}")
        assert post_feedback(first, "from-a", feedback) == 200
        assert post_feedback(second, "from-b", keys.token(FEEDBACK, aud=f"{PUBLIC}{FEEDBACK}")) == 200
        assert post_feedback(second, "replayed", feedback) == 401
    finally:
        assert first.stop() == 0
        assert second.stop() == 0
    assert stored_cards(postgres_url) == ["from-a", "from-b"]  # one log for both machines
    assert not list(tmp_path.rglob("*.sqlite3"))


def test_two_machines_of_two_workers_each_accept_a_token_racing_at_all_four_exactly_once(
    tmp_path: Path, keys: Keys, postgres_url: str
) -> None:
    first, second = two_machines(tmp_path, postgres_url, keys, "--workers", "2")
    try:
        token = keys.token(PATIENT_VIEW, aud=f"{PUBLIC}{PATIENT_VIEW}")
        answers: list[tuple[int, str]] = []
        start = threading.Barrier(8)

        def replay(server: LiveServer) -> None:  # fresh connections: every worker takes some
            start.wait()
            for _ in range(6):
                answers.append(send(server, token))

        threads = [threading.Thread(target=replay, args=(s,)) for s in (first, second) * 4]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        assert first.stop() == 0
        assert second.stop() == 0
    assert len(answers) == 48
    assert [status for status, _ in answers].count(200) == 1
    assert all(status == 401 and "replay" in message for status, message in answers if status != 200)


def test_with_postgres_a_token_sent_to_two_workers_of_one_machine_is_accepted_exactly_once(
    tmp_path: Path, keys: Keys, postgres_url: str
) -> None:
    from tests.service.test_service_replay import send as send_to
    from tests.service.test_service_workers import descendants

    with live_server(tmp_path, "--workers", "2", "--feedback-db", postgres_url, keys=keys) as server:
        deadline = time.monotonic() + 30
        while len(workers := descendants(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        token = keys.token(PATIENT_VIEW, aud=f"{server.base}{PATIENT_VIEW}")
        answers = [send_to(server, token, workers)]
        while len({w for w, _, _ in answers}) < 2 and len(answers) < 200:  # until both workers saw it
            answers.append(send_to(server, token, workers))
        assert server.stop() == 0
    assert len({w for w, _, _ in answers}) == 2, "one worker took every connection"
    assert [status for _, status, _ in answers] == [200] + [401] * (len(answers) - 1)
    assert all("replay" in message for _, _, message in answers[1:])
    assert not list(tmp_path.rglob("*.sqlite3"))  # the window was in the database, not in a file


# -- kill -9 ---------------------------------------------------------------------------------------


def test_kill_9_loses_no_acknowledged_feedback_and_the_restarted_server_carries_on(
    tmp_path: Path, postgres_url: str
) -> None:
    server = LiveServer(tmp_path, "--feedback-db", postgres_url)
    committed = [f"card-{i}" for i in range(40) if post_feedback(server, f"card-{i}") == 200]
    acknowledged: list[str] = []

    def writer() -> None:  # a stream of feedback, cut by the kill
        for i in range(100_000):
            try:
                if post_feedback(server, f"stream-{i}") == 200:
                    acknowledged.append(f"stream-{i}")
            except (OSError, AssertionError, IndexError, ValueError):
                return

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(1.0)
    os.kill(server.pid, signal.SIGKILL)
    thread.join(30)
    server.process.wait(10)
    assert len(committed) == 40 and acknowledged
    stored = stored_cards(postgres_url)
    assert stored[:40] == committed  # in order, nothing lost
    assert set(acknowledged) <= set(stored[40:])  # every acknowledged item is there
    assert len(stored) == len(set(stored))  # none twice
    with live_server(
        tmp_path, "--feedback-db", postgres_url
    ) as restarted:  # the same database, as it was left
        assert post_feedback(restarted, "after-restart") == 200
    after = stored_cards(postgres_url)
    assert after[: len(stored)] == stored and after[-1] == "after-restart"
    done = cli("serve", "feedback", "--db", postgres_url)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == len(after) + 1


# -- the password is never shown; psycopg is needed only for a URL -------------------------------------------


def test_the_password_is_masked_in_a_url_shown_anywhere() -> None:
    assert (
        redact("postgresql://ntrk:s3cr%2Ft@db.example.org:5432/cds")
        == "postgresql://ntrk:***@db.example.org:5432/cds"
    )
    assert redact("postgres://db.example.org/cds?password=s3cret&sslmode=require") == (
        "postgres://db.example.org/cds?password=***&sslmode=require"
    )
    assert redact("postgresql://ntrk@db.example.org/cds") == "postgresql://ntrk@db.example.org/cds"
    url = "postgresql://ntrk:s3cr%2Ft@db.example.org/cds"
    assert scrub("failed for s3cr/t and s3cr%2Ft", url) == "failed for *** and ***"


def test_the_server_logs_where_its_database_is_without_the_password(
    tmp_path: Path, postgres_url: str
) -> None:
    password = postgres_url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]
    with live_server(tmp_path, "--feedback-db", postgres_url) as server:
        assert post_feedback(server, "c") == 200
    starting = next(e for e in server.events() if e.get("event") == "starting")
    assert starting["feedback_db"] == redact(postgres_url) and ":***@" in starting["feedback_db"]
    assert password not in server.log.read_text(encoding="utf-8")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_wrong_password_is_a_usage_error_that_does_not_show_it(
    tmp_path: Path, postgres_server: str, lang: str
) -> None:
    wrong = "not-the-Password-42"
    user_host = postgres_server.split("://", 1)[1].split("@", 1)[1]
    url = f"postgresql://ntrk:{wrong}@{user_host}"
    done = cli("serve", "--insecure-no-auth", "--port", "0", "--feedback-db", url, NTRK_ADVISOR_LANG=lang)
    assert done.returncode == 2
    assert wrong not in done.stderr and "ntrk:***@" in done.stderr
    assert "Traceback" not in done.stderr
    lead = "cannot use the PostgreSQL database" if lang == "en" else "无法使用 PostgreSQL 数据库"
    assert lead in done.stderr


def test_an_unreachable_database_fails_within_the_connect_timeout(tmp_path: Path) -> None:
    from tests.postgres import free_port

    began = time.monotonic()
    done = cli(
        "serve",
        "--insecure-no-auth",
        "--port",
        "0",
        "--feedback-db",
        f"postgresql://ntrk:hunter2@127.0.0.1:{free_port()}/cds",
    )
    assert done.returncode == 2 and "hunter2" not in done.stderr and "ntrk:***@127.0.0.1" in done.stderr
    assert time.monotonic() - began < 30


NO_PSYCOPG = "import sys; sys.modules['psycopg'] = None; from ntrk_advisor.cli.entry import main; sys.argv[0] = 'ntrk-advisor'; raise SystemExit(main())"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "needs the postgres extra: pip install 'ntrk-advisor[postgres]'"),
        ("zh", "需要 postgres 扩展：pip install 'ntrk-advisor[postgres]'"),
    ],
)
def test_without_psycopg_a_postgres_url_says_what_to_install(
    tmp_path: Path, lang: str, expected: str
) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            NO_PSYCOPG,
            "serve",
            "--insecure-no-auth",
            "--port",
            "0",
            "--feedback-db",
            "postgresql://ntrk:hunter2@127.0.0.1:1/cds",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NTRK_ADVISOR_LANG": lang},
    )
    assert done.returncode == 2
    assert expected in done.stderr and "hunter2" not in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith(("ntrk-advisor: error: ", "ntrk-advisor：错误："))


def test_without_psycopg_an_sqlite_log_still_serves(tmp_path: Path) -> None:
    from tests.postgres import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            NO_PSYCOPG,
            "serve",
            "--insecure-no-auth",
            "--port",
            str(port),
            "--feedback-db",
            str(tmp_path / "feedback.sqlite3"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "feedback.sqlite3").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        assert process.poll() is None
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode == 0


def test_a_503_not_a_crash_when_the_database_goes_away(postgres_url: str) -> None:
    import psycopg

    window = PostgresReplayWindow(postgres_url)
    log = PostgresFeedbackLog(postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as admin:  # the database server drops them
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ntrk-advisor'"
        )
    with pytest.raises(HttpError) as refused:
        window.first_use((ISSUER, "x"), expires=4e9, now=0.0)
    assert refused.value.status == 503  # never let through unchecked
    with pytest.raises(HttpError) as refused:
        log.append("s", [Item("c", "overridden", "2026-12-01T10:00:00Z", (), None, None, None, None)], None)
    assert refused.value.status == 503
    assert window.first_use((ISSUER, "x"), expires=4e9, now=0.0)  # the next call reconnects
    log.append("s", [Item("c", "overridden", "2026-12-01T10:00:00Z", (), None, None, None, None)], None)
    window.close()
    log.close()
