"""Practice mode on a terminal (rich): vignettes, feedback, session summary, stats and the list.

Each screen is returned as one renderable for the caller to print, so the CLI and the interactive
session show exactly the same thing and tests can render a screen without running a command.
Every text folds (`overflow="fold"`) so Chinese, which has no spaces to break at, wraps instead
of being cut. The advisor's own recommendation is shown by the consult's renderer, unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.grading import Feedback
from ntrk_advisor.practice.library import KeyedScenario, ScenarioLibrary
from ntrk_advisor.practice.stats import OTHER, Stats, Tally
from ntrk_advisor.practice.texts import say
from ntrk_advisor.render.rich_blocks import fold
from ntrk_advisor.render.screen import result_screen
from ntrk_advisor.render.view import citation


def pathway_label(value: str, lang: Lang) -> str:
    """A pathway's name in `lang` ("other" for scenarios the library no longer holds)."""
    return say("unknown", lang) if value == OTHER else t(f"pathway.{value}", lang)


def age_label(value: str, lang: Lang) -> str:
    """An age group's name in `lang`."""
    return say("unknown", lang) if value == OTHER else t(f"age.{value}", lang)


def vignette_panel(keyed: KeyedScenario, lang: Lang, position: tuple[int, int] | None = None) -> Panel:
    """The scenario's story in a panel, titled with its place in the session."""
    s = keyed.scenario
    where = f" {position[0]}/{position[1]}" if position else ""
    title = f"{say('scenario', lang)}{where} · {getattr(s.title, lang)}"
    subtitle = " · ".join(
        [
            s.id,
            pathway_label(s.pathway.value, lang),
            age_label(s.age_group.value, lang),
            say(f"difficulty.{s.difficulty.value}", lang),
        ]
    )
    return Panel(
        fold(getattr(s.vignette, lang)),
        title=fold(title, "bold"),
        title_align="left",
        subtitle=fold(subtitle, "dim"),
        subtitle_align="right",
        border_style="cyan",
    )


def question_screen(keyed: KeyedScenario, lang: Lang) -> Group:
    """The vignette, the question and the numbered options (what `practice show` prints)."""
    options = [
        fold(f"  {number}. {option.label(lang)}  [{option.action.value}]")
        for number, option in enumerate(keyed.scenario.options, start=1)
    ]
    return Group(vignette_panel(keyed, lang), fold(getattr(keyed.scenario.prompt, lang), "bold"), *options)


def feedback_screen(
    feedback: Feedback, kb: KnowledgeBase, score: Tally | None = None, *, full: bool = True
) -> Group:
    """Right or not and why, the teaching points, then the advisor's whole recommendation, the score.

    The verdict comes first, so that it is read first: the recommendation is long, and is there
    to check the verdict against. Without `full` the recommendation is left out: the session
    offers it behind a key, so the verdict stays on screen next to the "Go on?" prompt.
    """
    lang = feedback.lang
    keyed = feedback.keyed
    points = []
    for point in keyed.scenario.teaching_points:
        line = fold(f"• {getattr(point.text, lang)}")
        line.append(f"  [{citation(point.arguments, point.evidence, kb)}]", style="cyan")
        points.append(line)
    parts: list[RenderableType] = [
        _verdict(feedback, kb),
        Panel(Group(*points), title=say("teaching_points", lang), title_align="left", border_style="magenta"),
    ]
    if full:
        parts.append(full_recommendation(feedback, kb))
    if score is not None:
        parts.append(fold(_score(score, lang), "bold"))
    return Group(*parts)


def full_recommendation(feedback: Feedback, kb: KnowledgeBase) -> Group:
    """The advisor's whole recommendation for the scenario, under its heading."""
    lang = feedback.lang
    return Group(
        fold(say("full_recommendation", lang), "bold underline"),
        result_screen(feedback.result, kb, lang, tumor_type=feedback.keyed.case.tumor_type),
    )


def verdict_line(feedback: Feedback, score: Tally | None = None) -> str:
    """`✗ Not the best answer (the advisor's answer: 3) · Score: 0/1 (0%)`: the verdict in one line."""
    lang = feedback.lang
    if feedback.correct:
        line = f"✓ {say('correct', lang)}"
    else:
        keyed = say("keyed_short", lang, number=feedback.keyed.key_index + 1)
        line = f"✗ {say('incorrect', lang)}" + (f"（{keyed}）" if lang == "zh" else f" ({keyed})")
    if score is not None:
        line += f" · {_score(score, lang)}"
    return line


def _verdict(feedback: Feedback, kb: KnowledgeBase) -> Panel:
    """Right or not; when not, the advisor's answer and why the chosen one is weaker."""
    lang = feedback.lang
    keyed = feedback.keyed
    chosen = feedback.chosen
    lines = [fold(f"{say('your_answer', lang)}: {feedback.chosen_index + 1}. {chosen.label(lang)}")]
    if not feedback.correct:
        key = keyed.key_option
        lines.append(fold(f"{say('keyed_answer', lang)}: {keyed.key_index + 1}. {key.label(lang)}", "bold"))
        if chosen.why_weaker is not None:
            why = fold(f"{say('why_weaker', lang)}: {getattr(chosen.why_weaker, lang)}")
            why.append(f"  [{citation(chosen.arguments, chosen.evidence, kb)}]", style="cyan")
            lines.append(why)
    verdict, style, mark = ("correct", "green", "✓") if feedback.correct else ("incorrect", "red", "✗")
    return Panel(
        Group(*lines),
        title=fold(f"{mark} {say(verdict, lang)}", f"bold {style}"),
        title_align="left",
        border_style=style,
    )


def _score(tally: Tally, lang: Lang) -> str:
    return say("score", lang, correct=tally.correct, answered=tally.attempts, percent=tally.percent)


def _tally_table(title: str, tallies: Mapping[str, Tally], label_of: str, lang: Lang) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column(say(label_of, lang), overflow="fold")
    for column in ("answered", "correct_count", "accuracy"):
        table.add_column(say(column, lang), justify="right")
    labels = pathway_label if label_of == "col.pathway" else age_label
    for group, tally in tallies.items():
        table.add_row(labels(group, lang), f"{tally.attempts:,}", f"{tally.correct:,}", f"{tally.percent}%")
    return table


def summary_screen(by_pathway: Mapping[str, Tally], lang: Lang) -> RenderableType:
    """The end of a session: answers and accuracy by pathway, then the total (nothing if none)."""
    if not by_pathway:
        return Group()
    table = _tally_table(say("summary_title", lang), by_pathway, "col.pathway", lang)
    total = Tally(sum(t.attempts for t in by_pathway.values()), sum(t.correct for t in by_pathway.values()))
    table.add_row(
        say("total", lang), f"{total.attempts:,}", f"{total.correct:,}", f"{total.percent}%", style="bold"
    )
    return table


def nothing_to_review(lang: Lang) -> Text:
    """What a review session says when no scenario was missed and none is unseen."""
    return Text(say("nothing_to_review", lang))


def stats_screen(stats: Stats, lang: Lang, db: str) -> Group:
    """`practice stats` for people."""
    if not stats.total.attempts:
        return Group(fold(say("no_attempts", lang, db=db)))
    parts: list[RenderableType] = [
        fold(say("stats_title", lang, db=db), "bold"),
        fold(_score(stats.total, lang)),
        _tally_table(say("by_pathway", lang), stats.by_pathway, "col.pathway", lang),
        _tally_table(say("by_age_group", lang), stats.by_age_group, "col.age_group", lang),
        fold(say("streaks", lang, current=stats.current_streak, best=stats.best_streak)),
    ]
    if not stats.weakest:
        return Group(*parts, fold(say("no_weak_area", lang), "green"))
    table = Table(title=say("weakest", lang), title_justify="left")
    table.add_column(say("col.area", lang), overflow="fold")
    table.add_column(say("accuracy", lang), justify="right")
    table.add_column(say("col.id", lang), overflow="fold")
    for area in stats.weakest:
        label = f"{pathway_label(area.pathway, lang)} · {age_label(area.age_group, lang)}"
        share = f"{area.tally.correct:,}/{area.tally.attempts:,} ({area.tally.percent}%)"
        table.add_row(label, share, ", ".join(area.missed))
    return Group(*parts, table, fold(say("review_hint", lang), "dim"))


def list_table(library: ScenarioLibrary, lang: Lang) -> Table:
    """`practice list` for people: the ID whole (it is typed back), then where and what it is."""
    table = Table(
        title=say("list_title", lang, count=len(library)), title_justify="left", box=box.SIMPLE_HEAD
    )
    table.add_column(say("col.id", lang), no_wrap=True)
    table.add_column(say("col.title", lang), overflow="fold", ratio=1)
    for keyed in library:
        s = keyed.scenario
        where = " · ".join(
            [
                pathway_label(s.pathway.value, lang),
                age_label(s.age_group.value, lang),
                say(f"difficulty.{s.difficulty.value}", lang),
                say(f"question.{s.question.value}", lang),
            ]
        )
        cell = fold(getattr(s.title, lang))
        cell.append("\n" + where, style="dim")
        table.add_row(s.id, cell)
    return table
