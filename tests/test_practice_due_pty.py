"""`ntrk-advisor practice` with no argument, in a real pseudo-terminal: it takes the item that is due.

The process runs with its clock pinned (`tests/fixed_clock_cli.py`), never today's date.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import pytest

from ntrk_advisor.practice.schedule import Rating
from ntrk_advisor.practice.store import ItemReview, PracticeStore
from ntrk_advisor.practice.texts import say
from tests.keyboard import plain, pty_env

pexpect = pytest.importorskip("pexpect")

pytestmark = [
    pytest.mark.pty,
    pytest.mark.slow,  # a real terminal process, and the walk of every combination
    pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
]

RUNNER = Path(__file__).parent / "fixed_clock_cli.py"
T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
NOW = T0 + dt.timedelta(days=10)
ITEM = "outcome:diagnostic.ihc_only"
OTHER = "argument:limits.bulk"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_practice_without_argument_reviews_the_due_item_and_reschedules_it(tmp_path: Path, lang: str) -> None:
    db = tmp_path / "trainee.sqlite3"
    with PracticeStore(db) as store:
        store.record_review(
            ItemReview(
                ITEM, T0.isoformat(timespec="milliseconds"), int(Rating.AGAIN), False, "k", "diagnostic"
            )
        )
        later = (NOW + dt.timedelta(days=1)).isoformat(
            timespec="milliseconds"
        )  # reviewed "tomorrow": not due
        store.record_review(ItemReview(OTHER, later, int(Rating.GOOD), True, "k", "early"))
    argv = [str(RUNNER), NOW.isoformat(), "practice", "--db", str(db), "--lang", lang, "--seed", "4"]
    child = pexpect.spawn(
        sys.executable,
        argv,
        env=pty_env(tmp_path, NTRK_ADVISOR_HOME=str(tmp_path / "home")),
        cwd=str(Path(__file__).parents[1]),
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
        dimensions=(40, 100),
    )
    log = io.StringIO()
    child.logfile_read = log
    try:
        child.expect_exact(f"{say('review_title', lang)} 1/1")  # one item due, the other not
        child.expect_exact(say("vignette_intro", lang))
        child.expect_exact(say("ask.next_step", lang)[:8])
        child.send("1")  # the number alone answers
        child.expect_exact(say("full_recommendation", lang))
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.close(force=True)
    child.close()
    assert child.exitstatus == 0, plain(log.getvalue())
    screen = " ".join(plain(log.getvalue()).replace("│", " ").split())
    assert say("correct", lang) in screen or say("incorrect", lang) in screen
    assert "IHC" in screen or "ihc_only" in screen  # the item is named after the answer
    with PracticeStore(db) as store:
        every = store.reviews()
    reviews = [r for r in every if r.item == ITEM]
    assert len(reviews) == 2
    assert reviews[-1].reviewed_at == NOW.isoformat(timespec="milliseconds")
    assert reviews[-1].lang == lang and reviews[-1].key is not None and reviews[-1].answers is not None
    assert [r.item for r in every].count(OTHER) == 1  # the item not due was not asked


def test_with_nothing_due_it_says_when_next_and_offers_a_new_item(tmp_path: Path) -> None:
    db = tmp_path / "trainee.sqlite3"
    with PracticeStore(db) as store:
        store.record_review(
            ItemReview(OTHER, NOW.isoformat(timespec="milliseconds"), int(Rating.GOOD), True, "k")
        )
    argv = [str(RUNNER), NOW.isoformat(), "practice", "--db", str(db), "--seed", "4"]
    child = pexpect.spawn(
        sys.executable,
        argv,
        env=pty_env(tmp_path, NTRK_ADVISOR_HOME=str(tmp_path / "home")),
        cwd=str(Path(__file__).parents[1]),
        encoding="utf-8",
        codec_errors="replace",
        timeout=60,
        dimensions=(40, 100),
    )
    log = io.StringIO()
    child.logfile_read = log
    try:
        child.expect_exact("Nothing is due now. Next due: argument · limits.bulk")
        child.expect_exact("2027-03-13 09:00 UTC")  # two days after the review on 11 March
        child.expect_exact("Take a new item now (")
        child.send("\x1b[B")  # down to "no"
        child.send("\r")
        child.expect(pexpect.EOF)
    finally:
        if child.isalive():
            child.close(force=True)
    child.close()
    assert child.exitstatus == 0, plain(log.getvalue())
    with PracticeStore(db) as store:
        assert len(store.reviews()) == 1  # declined: nothing asked, nothing recorded
