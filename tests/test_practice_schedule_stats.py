"""`practice stats` from the review log: due, retained, weakest argument, bars, and the HTML page."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import html5lib
import pytest
from rich.console import Console

from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice import commands
from ntrk_advisor.practice.items import all_items
from ntrk_advisor.practice.library import load_library
from ntrk_advisor.practice.progress_view import schedule_page, schedule_screen
from ntrk_advisor.practice.schedule import Rating
from ntrk_advisor.practice.stats import ScheduleStats, summarise_schedule
from ntrk_advisor.practice.store import Attempt, ItemReview, PracticeStore

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
NOW = T0 + dt.timedelta(days=2, hours=12)


def review(item: str, days: float, correct: bool, pathway: str = "early") -> ItemReview:
    return ItemReview(
        item=item,
        reviewed_at=(T0 + dt.timedelta(days=days)).isoformat(timespec="milliseconds"),
        rating=int(Rating.GOOD if correct else Rating.AGAIN),
        correct=correct,
        knowledge_version="k",
        pathway=pathway,
    )


REVIEWS = [
    review("argument:limits.bulk", 0, False),
    review("argument:limits.bulk", 1, False),
    review("argument:limits.bulk", 2, True),
    review("argument:mechanism.targeted", 0, True, "metastatic"),
    review("argument:limits.local_role", 0, False, "metastatic"),
    review("outcome:early.unfit", 0, True),
]


@pytest.fixture(scope="module")
def stats(kb: KnowledgeBase) -> ScheduleStats:
    attempts = [
        Attempt("2027-03-01T08:00:00.000+00:00", "res-solvent-front", "next_gen_trk", True, "en", "k", 1),
        Attempt("2027-03-01T08:01:00.000+00:00", "retired", "surgery", False, "en", "k", 1),
    ]
    items = [i.id for i in all_items(kb)]
    return summarise_schedule(REVIEWS, attempts, load_library(kb), items, NOW)


def test_the_numbers_due_retained_weakest_and_per_group(stats: ScheduleStats, kb: KnowledgeBase) -> None:
    assert stats.items == len(all_items(kb))
    assert stats.reviewed == 4
    # Two and a half days on: the argument missed on day 0 (back after a day) and the two right on
    # day 0 (back after two days) are due, longest overdue first; the one answered on day 2 is not.
    assert [s.item for s in stats.due] == [
        "argument:limits.local_role",
        "argument:mechanism.targeted",
        "outcome:early.unfit",
    ]
    assert stats.next_due is not None and stats.next_due.item == "argument:limits.bulk"
    assert stats.next_due.due == T0 + dt.timedelta(days=3)
    assert stats.retained == 1  # only the one reviewed half a day ago is still above 90%
    assert stats.weakest_argument is not None
    argument, tally = stats.weakest_argument
    assert argument == "limits.local_role" and (tally.correct, tally.attempts) == (0, 1)
    assert {k: (t.correct, t.attempts) for k, t in stats.by_argument.items()} == {
        "mechanism.targeted": (1, 1),
        "limits.bulk": (1, 3),
        "limits.local_role": (0, 1),
    }
    # Per pathway: each question once; the scenario attempts by their scenario's pathway.
    assert {k: (t.correct, t.attempts) for k, t in stats.by_pathway.items()} == {
        "early": (2, 4),
        "metastatic": (1, 2),
        "resistant": (1, 1),
        "other": (0, 1),
    }


def test_the_terminal_shows_the_headline_and_a_bar_per_pathway_and_argument(
    stats: ScheduleStats, kb: KnowledgeBase
) -> None:
    for lang, words in (
        ("en", ("Due now: 3 of", "Weakest argument: limits.local_role")),
        ("zh", ("当前到期", "最薄弱的论点")),
    ):
        console = Console(width=100, record=True, color_system=None)
        console.print(schedule_screen(stats, kb, lang))  # type: ignore[arg-type]
        text = console.export_text()
        for word in words:
            assert word in text
        assert "limits.bulk" in text and "1/3 (33%)" in text
        assert "0/1 (0%)" in text and "2/4 (50%)" in text


def test_the_html_page_parses_strictly_is_self_contained_and_shows_the_same_bars(
    stats: ScheduleStats, kb: KnowledgeBase
) -> None:
    for lang in ("en", "zh"):
        page = schedule_page(stats, kb, lang, "/tmp/<script>alert(1)</script>.sqlite3")  # type: ignore[arg-type]
        tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(page)
        csp = [
            m.get("content") for m in tree.iter("meta") if m.get("http-equiv") == "Content-Security-Policy"
        ]
        assert csp and "default-src 'none'" in csp[0]
        assert not list(tree.iter("script"))  # the database path is escaped, not run
        assert "&lt;script&gt;" in page
        for element in tree.iter():
            assert element.get("src") is None and element.get("href") is None  # nothing fetched
        rows = {tr.find("th").text: tr for tr in tree.iter("tr")}  # type: ignore[union-attr]
        bulk = rows["limits.bulk"]
        fill = next(d for d in bulk.iter("div") if d.get("class") == "fill")
        assert fill.get("style") == "width: 33%"
        assert "1/3 (33%)" in "".join(bulk.itertext())
        assert tree.get("lang") == ("en" if lang == "en" else "zh-Hans")


def test_stats_reads_the_database_with_the_clock_handed_in(tmp_path: Path, kb: KnowledgeBase) -> None:
    db = tmp_path / "p.sqlite3"
    with PracticeStore(db) as store:
        for row in REVIEWS:
            store.record_review(row)
    shown = commands.progress(kb, "en", db, as_json=True, note=lambda _: None, clock=lambda: NOW)
    data = json.loads(str(shown.out))["schedule"]
    assert [d["item"] for d in data["due"]] == [
        "argument:limits.local_role",
        "argument:mechanism.targeted",
        "outcome:early.unfit",
    ]
    assert data["retained"] == 1 and data["weakest_argument"]["argument"] == "limits.local_role"
    later = commands.progress(
        kb, "en", db, as_json=True, note=lambda _: None, clock=lambda: T0 + dt.timedelta(days=400)
    )
    assert len(json.loads(str(later.out))["schedule"]["due"]) == 4


def test_stats_html_is_written_to_the_output_file(tmp_path: Path, kb: KnowledgeBase) -> None:
    db = tmp_path / "p.sqlite3"
    with PracticeStore(db) as store:
        store.record_review(REVIEWS[0])
    page = tmp_path / "stats.html"
    shown = commands.progress(kb, "zh", db, as_html=True, output=page, note=lambda _: None, clock=lambda: T0)
    assert shown.note == f"统计页面已写入 {page}。"
    html5lib.HTMLParser(strict=True).parse(page.read_text(encoding="utf-8"))
