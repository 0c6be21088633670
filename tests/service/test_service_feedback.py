"""Feedback: stored in an append-only SQLite log, exported as CSV by `serve feedback`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ntrk_advisor.service.errors import ServiceSetupError
from ntrk_advisor.service.feedback import COLUMNS, FeedbackLog, export_csv
from tests.conftest import run_main
from tests.service.helpers import IFS_ANSWERS, PATIENT_VIEW, Keys, cards_of, hook_request, valid

FEEDBACK = f"{PATIENT_VIEW}/feedback"


def send(client: Any, keys: Keys, body: dict[str, Any]) -> Any:
    return client.post(FEEDBACK, json=valid("feedback", body), headers=keys.auth(FEEDBACK))


def test_feedback_on_a_card_is_stored_and_exported(client: Any, keys: Keys, tmp_path: Path) -> None:
    cards = cards_of(
        client.post(PATIENT_VIEW, json=hook_request(answers=IFS_ANSWERS), headers=keys.auth(PATIENT_VIEW))
    )
    body = {
        "feedback": [
            {
                "card": cards[0]["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": "s1"}],
                "outcomeTimestamp": "2026-12-01T10:00:00Z",
            },
            {
                "card": cards[0]["uuid"],
                "outcome": "overridden",
                "overrideReason": {
                    "reason": {
                        "system": "https://ehr.example.org/reasons",
                        "code": "mdt",
                        "display": "MDT decided otherwise",
                    },
                    "userComment": '=HYPERLINK("x")',
                },
                "outcomeTimestamp": "2026-12-01T10:05:00Z",
            },
        ]
    }
    response = send(client, keys, body)
    assert response.status_code == 200 and response.json() == {"stored": 2}
    db = tmp_path / "feedback.sqlite3"
    lines = export_csv(db).splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 3
    assert cards[0]["uuid"] in lines[1] and ",accepted," in lines[1] and '"[""s1""]"' in lines[1]
    assert "https://ehr.example.org/reasons,mdt,MDT decided otherwise" in lines[2]
    assert "'=HYPERLINK" in lines[2]  # never a live formula in a spreadsheet
    assert lines[1].endswith(",https://ehr.example.org")  # the calling issuer


def test_the_cli_exports_the_log(client: Any, keys: Keys, tmp_path: Path) -> None:
    send(
        client,
        keys,
        {"feedback": [{"card": "c1", "outcome": "overridden", "outcomeTimestamp": "2026-12-01T10:00:00Z"}]},
    )
    db = tmp_path / "feedback.sqlite3"
    out = run_main("serve", "feedback", "--export", "csv", "--db", str(db))
    assert out.code == 0 and out.stdout == export_csv(db)
    target = tmp_path / "out.csv"
    assert run_main("serve", "feedback", "--export", "csv", "--db", str(db), "-o", str(target)).code == 0
    assert target.read_text(encoding="utf-8") == export_csv(db)
    assert run_main("serve", "feedback", "--db", str(db), "-o", str(db)).code == 2  # never over its input


def test_the_log_is_append_only_and_in_wal_mode(tmp_path: Path) -> None:
    from ntrk_advisor.service.feedback import Item

    path = tmp_path / "log.sqlite3"
    log = FeedbackLog(path)
    log.append("svc", [Item("c", "overridden", "2026-01-01T00:00:00Z", (), None, None, None, None)], "iss")
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for statement in ("UPDATE feedback SET outcome = 'accepted'", "DELETE FROM feedback"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
    conn.close()
    log.close()


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(ServiceSetupError, match="not an ntrk-advisor feedback log"):
        FeedbackLog(path)
    assert run_main("serve", "feedback", "--db", str(path)).code == 2


def test_an_absent_log_is_an_error_not_an_empty_export(tmp_path: Path) -> None:
    out = run_main("serve", "feedback", "--db", str(tmp_path / "none.sqlite3"))
    assert out.code == 2 and out.stdout == "" and "no feedback log at" in out.stderr
    assert not (tmp_path / "none.sqlite3").exists()


def test_each_item_is_stamped_by_the_log_s_clock(tmp_path: Path) -> None:
    import datetime as dt

    from ntrk_advisor.service.feedback import Item, rows

    moment = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)
    log = FeedbackLog(tmp_path / "log.sqlite3", clock=lambda: moment)
    log.append("svc", [Item("c", "accepted", "2026-01-01T00:00:00Z", (), None, None, None, None)], "iss")
    log.close()
    assert [row[COLUMNS.index("received_at")] for row in rows(tmp_path / "log.sqlite3")] == [
        "2026-03-04T05:06:07.000+00:00"
    ]


def test_the_override_reason_chosen_from_the_order_warning_is_stored(
    client: Any, keys: Keys, tmp_path: Path
) -> None:
    """U6: the clinician keeps the order for a reason the card offered, or accepts its suggestion;
    the log holds the card, the reason's system, code and display, and the suggestion's uuid."""
    from tests.service.helpers import ORDER_SELECT
    from tests.service.test_service_orders import ADULT, LAROTRECTINIB, draft

    body = hook_request(
        "order-select", answers=ADULT, prefetch={"observations": None}, draftOrders=draft(LAROTRECTINIB)
    )
    (card,) = cards_of(client.post(ORDER_SELECT, json=body, headers=keys.auth(ORDER_SELECT)))
    reason = card["overrideReasons"][0]
    path = f"{ORDER_SELECT}/feedback"
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": reason},
                "outcomeTimestamp": "2026-12-01T10:00:00Z",
            },
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2026-12-01T10:01:00Z",
            },
        ]
    }
    response = client.post(path, json=valid("feedback", feedback), headers=keys.auth(path))
    assert response.status_code == 200 and response.json() == {"stored": 2}
    with sqlite3.connect(tmp_path / "feedback.sqlite3") as db:
        stored = db.execute(
            "SELECT service, card, outcome, override_system, override_code, override_display, "
            "accepted_suggestions FROM feedback ORDER BY id"
        ).fetchall()
    assert stored[0] == (
        "ntrk-order-select",
        card["uuid"],
        "overridden",
        "urn:ntrk-advisor:override-reason",
        "confirmed-elsewhere",
        "Fusion confirmed by a molecular test outside this record",
        "[]",
    )
    assert stored[1][2] == "accepted" and card["suggestions"][0]["uuid"] in stored[1][6]
