"""The spaced-repetition record for people: due, retained, the weakest argument, accuracy bars.

Two faces of one `ScheduleStats`: rich bars for a terminal (`schedule_screen`) and a
self-contained HTML page (`schedule_page`: autoescaped Jinja2, no script, no request, a
Content-Security-Policy that forbids any), so both show the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from rich.bar import Bar
from rich.console import Group, RenderableType
from rich.table import Table

from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.items import Item
from ntrk_advisor.practice.schedule import DESIRED_RETENTION
from ntrk_advisor.practice.stats import OTHER, ScheduleStats, Tally
from ntrk_advisor.practice.texts import say
from ntrk_advisor.render.rich_blocks import fold

BAR_WIDTH = 24


@dataclass(frozen=True)
class BarRow:
    """One bar: what it measures, the share right, and the count behind it."""

    label: str
    title: str
    tally: Tally


def item_label(item_id: str, kb: KnowledgeBase, lang: Lang) -> str:
    """An item's short name, with its kind (`argument · limits.bulk (S2)`)."""
    kind, _, key = item_id.partition(":")
    return f"{say(f'item.{kind}', lang)} · {Item(item_id, kind, key).label(kb, lang)}"


def when(moment: dt.datetime, lang: Lang) -> str:
    """A due time as a date and UTC time (`2027-03-04 09:00 UTC`)."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _pathway_rows(tallies: Mapping[str, Tally], lang: Lang) -> list[BarRow]:
    def label(p: str) -> str:
        return say("unknown", lang) if p == OTHER else t(f"pathway.{p}", lang)

    return [BarRow(label(p), label(p), tally) for p, tally in tallies.items()]


def _argument_rows(tallies: Mapping[str, Tally], kb: KnowledgeBase, lang: Lang) -> list[BarRow]:
    rows = []
    for argument, tally in tallies.items():
        known = kb.arguments.arguments.get(argument)
        title = str(getattr(known.text, lang)) if known is not None else argument
        rows.append(BarRow(argument, title, tally))
    return rows


def _headline(stats: ScheduleStats, kb: KnowledgeBase, lang: Lang) -> list[str]:
    lines = [
        say("due_count", lang, count=len(stats.due), total=stats.items),
        say(
            "retained_count",
            lang,
            count=stats.retained,
            reviewed=stats.reviewed,
            percent=round(DESIRED_RETENTION * 100),
        ),
    ]
    if stats.weakest_argument is None:
        lines.append(say("no_weakest_argument", lang))
    else:
        argument, tally = stats.weakest_argument
        lines.append(
            say(
                "weakest_argument",
                lang,
                item=argument,
                correct=tally.correct,
                answered=tally.attempts,
                percent=tally.percent,
            )
        )
    if not stats.due and stats.next_due is not None:
        nxt = stats.next_due
        lines.append(say("nothing_due", lang, item=item_label(nxt.item, kb, lang), when=when(nxt.due, lang)))
    return lines


def _bar_table(title: str, rows: list[BarRow]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(overflow="fold", ratio=1)
    table.add_column(width=BAR_WIDTH, no_wrap=True)
    table.add_column(justify="right", no_wrap=True)
    for row in rows:
        share = row.tally.correct / row.tally.attempts if row.tally.attempts else 0.0
        table.add_row(
            row.label,
            Bar(size=1.0, begin=0.0, end=share, width=BAR_WIDTH, color="green", bgcolor="grey23"),
            f"{row.tally.correct:,}/{row.tally.attempts:,} ({row.tally.percent}%)",
        )
    return table


def schedule_screen(stats: ScheduleStats, kb: KnowledgeBase, lang: Lang) -> Group:
    """`practice stats`, its spaced-repetition part: the headline lines, then the two sets of bars."""
    parts: list[RenderableType] = [fold(line) for line in _headline(stats, kb, lang)]
    if stats.due:
        table = Table(title=say("due_list", lang), title_justify="left")
        table.add_column(say("col.item", lang), overflow="fold")
        table.add_column(say("col.due", lang), no_wrap=True)
        for item in stats.due:
            table.add_row(item_label(item.item, kb, lang), when(item.due, lang))
        parts.append(table)
    if stats.by_pathway:
        parts.append(_bar_table(say("bars_pathway", lang), _pathway_rows(stats.by_pathway, lang)))
    if stats.by_argument:
        parts.append(_bar_table(say("bars_argument", lang), _argument_rows(stats.by_argument, kb, lang)))
    return Group(*parts)


_PAGE = """<!DOCTYPE html>
<html lang="{{ lang_tag }}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 60rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { text-align: left; padding: 0.2rem 0.5rem; vertical-align: middle; }
td.count { text-align: right; white-space: nowrap; }
.track { background: #ddd; width: 16rem; height: 0.9rem; }
.fill { background: #2e7d32; height: 100%; }
@media print { .fill { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p>{{ database }}</p>
<ul>
{% for line in headline %}
<li>{{ line }}</li>
{% endfor %}
</ul>
{% for section in sections %}
<h2>{{ section.title }}</h2>
<table>
{% for row in section.rows %}
<tr>
<th scope="row" title="{{ row.title }}">{{ row.label }}</th>
<td><div class="track" role="img" aria-label="{{ row.percent }}%">
<div class="fill" style="width: {{ row.percent }}%"></div></div></td>
<td class="count">{{ row.correct }}/{{ row.attempts }} ({{ row.percent }}%)</td>
</tr>
{% endfor %}
</table>
{% endfor %}
</body>
</html>
"""


def schedule_page(stats: ScheduleStats, kb: KnowledgeBase, lang: Lang, database: str) -> str:
    """The same numbers and bars as a self-contained HTML page (every value escaped)."""
    import jinja2

    from ntrk_advisor.render.html_report import LANG_TAGS

    def rows(bars: list[BarRow]) -> list[dict[str, object]]:
        return [
            {
                "label": b.label,
                "title": b.title,
                "percent": b.tally.percent,
                "correct": b.tally.correct,
                "attempts": b.tally.attempts,
            }
            for b in bars
        ]

    sections = [
        {"title": say("bars_pathway", lang), "rows": rows(_pathway_rows(stats.by_pathway, lang))},
        {"title": say("bars_argument", lang), "rows": rows(_argument_rows(stats.by_argument, kb, lang))},
    ]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True)
    return env.from_string(_PAGE).render(
        lang_tag=LANG_TAGS[lang],
        title=say("html_title", lang),
        database=say("stats_title", lang, db=database),
        headline=_headline(stats, kb, lang),
        sections=[s for s in sections if s["rows"]],
    )
