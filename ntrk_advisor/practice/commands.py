"""The work behind each `ntrk-advisor practice` command, so that the CLI only parses and prints.

Each function loads what its command needs (the scenarios, the database), does the work (grade and
record an answer, summarise, export, reset, run a session) and returns a `Shown`: what goes on
stdout (JSON or CSV as text, a screen as a rich renderable), then a closing note for stderr. A
note that belongs in the middle of the work (the database was upgraded) goes through the `note`
function the caller passes, when it happens, so it keeps its place among the prompts.

rich (the screens) and questionary and prompt_toolkit (the session) are imported only by the
functions that show them, so JSON and CSV output start as light as ever.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.environment import Clock, Environment, utc_now
from ntrk_advisor.files import write_atomic
from ntrk_advisor.i18n import Lang
from ntrk_advisor.practice.errors import NeedsTerminal
from ntrk_advisor.practice.export import scenario_rows, to_csv, to_json
from ntrk_advisor.practice.grading import feedback_dict, grade, parse_choice
from ntrk_advisor.practice.library import load_library
from ntrk_advisor.practice.stats import stats_dict, summarise
from ntrk_advisor.practice.store import (
    SCHEMA_VERSION,
    Attempt,
    Coverage,
    ItemReview,
    PracticeStore,
    resolve_db_path,
)
from ntrk_advisor.practice.texts import say
from ntrk_advisor.practice.vocabulary import Difficulty

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ntrk_advisor.pathway.knowledge import KnowledgeBase

Note = Callable[[str], None]
"""Where a line for the person at the terminal goes, as it happens (the CLI writes it on stderr)."""


@dataclass(frozen=True)
class Shown:
    """What a command shows when its work is done: `out` on stdout, then `note` on stderr.

    `out` is either text to write as it is (JSON, CSV) or a rich renderable (a screen); None, or
    an empty `Group`, shows nothing.
    """

    out: RenderableType | None = None
    note: str | None = None


@dataclass(frozen=True)
class SessionEnd(Shown):
    """The end of an interactive session: its summary, and whether Ctrl-C or end of input cut it short."""

    interrupted: bool = False


def list_scenarios(kb: KnowledgeBase, lang: Lang, *, as_json: bool) -> Shown:
    """`practice list`: every scenario with where it sits and what it asks, as a table or JSON."""
    library = load_library(kb)
    if as_json:
        return Shown(_json(scenario_rows(library)))
    from ntrk_advisor.practice.render import list_table

    return Shown(list_table(library, lang))


def show_scenario(kb: KnowledgeBase, scenario_id: str, lang: Lang) -> Shown:
    """`practice show`: one scenario's vignette, question and numbered options (never the answer)."""
    from ntrk_advisor.practice.render import question_screen

    return Shown(question_screen(load_library(kb).get(scenario_id), lang))


def answer_scenario(
    kb: KnowledgeBase,
    scenario_id: str,
    choice: str,
    lang: Lang,
    db: Path | None,
    *,
    as_json: bool,
    note: Note,
) -> Shown:
    """`practice answer`: grade `choice` (a number or an action code), record it, give the feedback.

    A choice that is no option is refused before the database is opened, so nothing is recorded.
    """
    library = load_library(kb)
    keyed = library.get(scenario_id)
    feedback = grade(keyed, parse_choice(keyed, choice), lang, library.kb)
    with _open_store(db, lang, note, kb=kb) as store:
        row = store.record(feedback.attempt(library.kb.stamp.version, store.clock))
        path = store.path
    if as_json:
        return Shown(_json({**feedback_dict(feedback), "recorded": {"db": str(path), "id": row}}))
    from ntrk_advisor.practice.render import feedback_screen

    return Shown(feedback_screen(feedback, library.kb), say("recorded", lang, db=path))


def progress(
    kb: KnowledgeBase,
    lang: Lang,
    db: Path | None,
    *,
    as_json: bool = False,
    as_html: bool = False,
    output: Path | None = None,
    note: Note,
    clock: Clock = utc_now,
) -> Shown:
    """`practice stats`: accuracy, streaks, weakest areas, and what the review log says now.

    From the review log as at `clock`'s now: what is due, what is retained, the weakest argument,
    and accuracy per pathway and per article argument (bars on a screen or an HTML page).

    The HTML page goes to `output` (written atomically, never over the database) or stdout.
    """
    from ntrk_advisor.practice.items import all_items
    from ntrk_advisor.practice.stats import schedule_dict, summarise_schedule

    path = resolve_db_path(db)
    attempts, reviews = _read(path, lang, note, kb)
    library = load_library(kb)
    summary = summarise(attempts, library)
    scheduled = summarise_schedule(reviews, attempts, library, [i.id for i in all_items(kb)], clock())
    if as_json:
        data = {"db": str(path), **stats_dict(summary), "schedule": schedule_dict(scheduled)}
        return Shown(json.dumps(data, indent=2) + "\n")
    if as_html:
        from ntrk_advisor.practice.progress_view import schedule_page

        page = schedule_page(scheduled, kb, lang, str(path))
        if output is None:
            return Shown(page)
        write_atomic(output, page, inputs=(path,))
        return Shown(note=say("html_written", lang, path=output))
    from rich.console import Group

    from ntrk_advisor.practice.progress_view import schedule_screen
    from ntrk_advisor.practice.render import stats_screen

    return Shown(Group(stats_screen(summary, lang, str(path)), schedule_screen(scheduled, kb, lang)))


def export_attempts(
    kb: KnowledgeBase, lang: Lang, db: Path | None, *, as_csv: bool, output: Path | None, note: Note
) -> Shown:
    """`practice export`: every attempt as CSV or JSON, on stdout or written atomically to `output`.

    `output` may not be the database itself (`write_atomic` refuses to write over an input).
    """
    path = resolve_db_path(db)
    attempts, _ = _read(path, lang, note, kb)
    text = (to_csv if as_csv else to_json)(attempts, load_library(kb))
    if output is None:
        return Shown(text)
    write_atomic(output, text, inputs=(path,))
    return Shown(note=say("exported", lang, count=len(attempts), path=output))


def reset_attempts(
    lang: Lang,
    db: Path | None,
    *,
    confirm: Callable[[str], bool] | None,
    note: Note,
    kb: KnowledgeBase | None = None,
) -> Shown:
    """`practice reset`: delete every attempt, keeping a timestamped backup.

    `confirm` is asked the question and says whether to go on (None: do not ask, as `--yes`).
    A database that does not exist is not created.
    """
    path = resolve_db_path(db)
    if not path.exists():
        return Shown(note=say("no_attempts", lang, db=path))
    with _open_store(path, lang, note, kb=kb) as store:
        count = len(store.attempts())
        if confirm is not None and not confirm(say("reset_confirm", lang, count=count, db=path)):
            return Shown(note=say("reset_declined", lang))
        backup, deleted = store.reset()
    return Shown(note=say("reset_done", lang, count=deleted, backup=backup))


def run_session(
    kb: KnowledgeBase,
    env: Environment,
    lang: Lang,
    db: Path | None,
    *,
    note: Note,
    scenario_ids: Sequence[str] = (),
    pathway: PathwayName | None = None,
    difficulty: Difficulty | None = None,
    age_group: AgeGroup | None = None,
    review: bool = False,
    count: int = 5,
    seed: int | None = None,
) -> SessionEnd:
    """`practice`: ask the chosen scenarios at the terminal, grading and recording each answer.

    The questions and feedback are shown as the session goes; what is returned is the summary by
    pathway (or, for a review with nothing due, a line saying so) and, when the session was cut
    short, a note of how many answers were kept and where.
    """
    import random

    from prompt_toolkit.output import create_output

    from ntrk_advisor.practice.render import nothing_to_review, summary_screen
    from ntrk_advisor.practice.selection import choose
    from ntrk_advisor.practice.session import Session
    from ntrk_advisor.render.console import make_console

    if not env.stdin_is_terminal:
        raise NeedsTerminal()
    library = load_library(kb)
    with _open_store(db, lang, note, kb=kb) as store:
        scenarios = choose(
            library,
            store.attempts() if review else (),
            scenario_ids=scenario_ids,
            pathway=pathway,
            difficulty=difficulty,
            age_group=age_group,
            review=review,
            count=count,
            rng=random.Random(seed),
        )
        if not scenarios:
            return SessionEnd(nothing_to_review(lang))
        # Questions go to the terminal even when stdout is redirected to a file.
        session = Session(
            library, store, lang, make_console(env), output=create_output(always_prefer_tty=True)
        )
        report = session.run(scenarios)
        path = store.path
    if not report.interrupted:
        return SessionEnd(summary_screen(report.by_pathway(), lang))
    cut_short = say("interrupted", lang, count=len(report.answered), db=path)
    return SessionEnd(summary_screen(report.by_pathway(), lang), cut_short, interrupted=True)


def run_due(
    kb: KnowledgeBase,
    env: Environment,
    lang: Lang,
    db: Path | None,
    *,
    note: Note,
    count: int = 5,
    seed: int | None = None,
) -> SessionEnd:
    """`practice` with no selection: review the items due now (at most `count`), longest overdue first.

    With nothing due, it says when the next item falls due and offers one item never reviewed
    (drawn by `seed`); the answer is yes or no at the terminal. The clock is the environment's.
    """
    import random

    from prompt_toolkit.output import create_output
    from rich.text import Text

    from ntrk_advisor.practice.items import ItemIndex
    from ntrk_advisor.practice.progress_view import item_label, when
    from ntrk_advisor.practice.render import summary_screen
    from ntrk_advisor.practice.reviewing import ReviewSession
    from ntrk_advisor.practice.schedule import due, next_due, schedule
    from ntrk_advisor.practice.stats import as_reviews
    from ntrk_advisor.render.console import make_console

    if not env.stdin_is_terminal:
        raise NeedsTerminal()
    rng = random.Random(seed)
    index = ItemIndex.of(kb)
    now = env.clock()
    console = make_console(env)
    with _open_store(db, lang, note, kb=kb, clock=env.clock) as store:
        schedules = [s for s in schedule(as_reviews(store.reviews())).values() if s.item in index.items]
        items = [s.item for s in due(schedules, now)][:count]
        session = ReviewSession(
            index, store, lang, console, env.clock, output=create_output(always_prefer_tty=True)
        )
        if not items:
            upcoming = next_due(schedules, now)
            if upcoming is None:
                console.print(Text(say("nothing_due_none", lang)))
            else:
                label = item_label(upcoming.item, kb, lang)
                console.print(Text(say("nothing_due", lang, item=label, when=when(upcoming.due, lang))))
            seen = {s.item for s in schedules}
            unseen = [i for i in index.items if i not in seen]
            if not unseen:
                return SessionEnd(Text(say("all_seen", lang)))
            new = rng.choice(unseen)
            try:
                if not session.confirm(say("offer_new", lang, item=item_label(new, kb, lang))):
                    return SessionEnd()
            except (KeyboardInterrupt, EOFError):
                return SessionEnd()
            items = [new]
        report = session.run(items, rng)
        path = store.path
    if not report.interrupted:
        return SessionEnd(summary_screen(report.by_pathway(), lang))
    cut_short = say("interrupted", lang, count=len(report.answered), db=path)
    return SessionEnd(summary_screen(report.by_pathway(), lang), cut_short, interrupted=True)


def scenario_coverage(kb: KnowledgeBase) -> Coverage:
    """What each scenario covered, for turning its old attempts into reviews.

    That is its pathway, the outcome node its case reaches, and the arguments its key and its
    teaching points cite.

    The scenarios are loaded only when an upgrade asks (most openings never do).
    """
    from ntrk_advisor.engine import decide
    from ntrk_advisor.practice.items import ARGUMENT, OUTCOME, item_id

    found: dict[str, tuple[str | None, tuple[str, ...]]] = {}

    def coverage(scenario_id: str) -> tuple[str | None, tuple[str, ...]]:
        if not found:
            for keyed in load_library(kb):
                arguments = [*keyed.key_option.arguments]
                arguments += [a for point in keyed.scenario.teaching_points for a in point.arguments]
                outcome = decide(keyed.case, kb).trail[-1].qid
                items = [item_id(OUTCOME, outcome), *(item_id(ARGUMENT, a) for a in arguments)]
                found[keyed.id] = (keyed.scenario.pathway.value, tuple(dict.fromkeys(items)))
        return found.get(scenario_id, (None, ()))

    return coverage


def _open_store(
    db: Path | None,
    lang: Lang,
    note: Note,
    *,
    read_only: bool = False,
    kb: KnowledgeBase | None = None,
    clock: Clock = utc_now,
) -> PracticeStore:
    """The practice database, opened (created if new); an upgrade of an older file is noted.

    With `kb`, an upgrade to version 3 turns the old attempts into reviews of what they covered.
    """
    coverage = scenario_coverage(kb) if kb is not None else None
    store = PracticeStore(resolve_db_path(db), read_only=read_only, clock=clock, coverage=coverage)
    if store.migration is not None:
        old, backup = store.migration.from_version, store.migration.backup
        note(say("migrated", lang, old=old, new=SCHEMA_VERSION, backup=backup))
    return store


def _read(
    path: Path, lang: Lang, note: Note, kb: KnowledgeBase | None = None
) -> tuple[list[Attempt], list[ItemReview]]:
    """The attempts and reviews in `path` (none if it does not exist: reading never creates it)."""
    if not path.exists():
        return [], []
    with _open_store(path, lang, note, read_only=True, kb=kb) as store:
        return store.attempts(), store.reviews()


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
