"""`pathways review --status --format html`: where the review stands, as one self-contained page.

A clinical lead reads it, prints it or files it beside a release: the coverage per pathway
(approved, stale, changes requested, rejected, unreviewed), then every statement with its id, its
status, who decided and what they said. Like the case report (`render/html_report.py`) it fetches
nothing: inline styles, no script, and a Content-Security-Policy that forbids any request. The
template is Jinja2 with autoescaping on, and every text from the files (a reviewer's name, role or
comment, a statement's author) also passes through `safe_text.shown`, so a hostile one stays text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ntrk_advisor._version import __version__
from ntrk_advisor.authoring.signoff import STATUS_ORDER
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.render.html_report import LANG_TAGS, templates, when
from ntrk_advisor.render.safe_text import shown


def status_html(data: dict[str, Any], lang: Lang, generated: dt.datetime) -> str:
    """The page for `data` (`signoff.status_data`), in `lang`, saying when it was made."""
    statuses = [(s.value, t(f"review.status.{s.value}", lang)) for s in STATUS_ORDER]
    k = data["knowledge"]
    coverage = [
        {
            "label": t("review.all_pathways", lang) if name == "all" else t(f"pathway.{name}", lang),
            "counts": [counts[key] for key, _ in statuses],
            "total": counts["statements"],
        }
        for name, counts in data["coverage"].items()
    ]
    statements = [
        {
            "id": shown(s["id"]),
            "status_key": s["status"],
            "status": t(f"review.status.{s['status']}", lang),
            "pathways": t("html.list_sep", lang).join(t(f"pathway.{p}", lang) for p in s["pathways"]),
            "author": shown(s["author"]),
            "decisions": [
                t(
                    "review.page.decision",
                    lang,
                    name=shown(d["reviewer"]),
                    role=shown(d["role"]) or "-",
                    decision=t(f"review.status.{d['decision']}", lang),
                    date=d["date"],
                )
                + (t("label_sep", lang) + shown(d["comment"]) if d["comment"] else "")
                for d in s["decisions"]
            ],
        }
        for s in data["statements"]
    ]
    set_aside = [
        f"{shown(a['file'])} #{a['record'] + 1} {shown(a['statement'])} ({shown(a['reviewer'])})"
        + t("label_sep", lang)
        + t(f"review.reason.{a['reason']}", lang)
        for a in data["set_aside"]
    ]
    context = {
        "lang_tag": LANG_TAGS[lang],
        "version": __version__,
        "heading": t("review.report_title", lang, name=shown(k["name"]), version=shown(k["version"])),
        "edited": t("review.page.edited", lang, date=shown(str(k["edited"]))),
        "generated": t("html.generated", lang, when=when(generated)),
        "statuses": statuses,
        "coverage": coverage,
        "statements": statements,
        "set_aside": set_aside,
        "text": {
            "coverage": t("review.page.coverage", lang),
            "statements": t("review.page.statements", lang),
            "pathway": t("review.col.pathway", lang),
            "total": t("review.col.statements", lang),
            "id": t("review.page.id", lang),
            "status": t("review.label.status", lang),
            "used_in": t("review.page.used_in", lang),
            "author": t("review.label.author", lang),
            "decisions": t("review.page.decisions", lang),
            "none": t("review.page.none", lang),
            "set_aside": t("review.set_aside", lang),
            "note": t("review.page.note", lang),
        },
    }
    return templates().get_template("review.html.j2").render(context)
