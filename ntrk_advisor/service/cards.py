"""A `Result` as CDS Hooks cards: one per action group, or one naming what is missing.

- A complete result gives one card per group of the bottom line (`render.view.bottom_line`): do,
  consider, avoid. The `summary` (under 140 characters) is the group's name and the short names of
  its actions; the `indicator` is `info`, or `warning` for an avoid group or an urgent action
  (never `critical`: the advice prepares an MDT decision, it does not stop the clinician); the
  `source` names the knowledge and its version (and no URL: it has no page to open); the
  references the group cites are its `links`, each labelled by its citation;
  the `detail` (Markdown) gives each action's summary, strength, evidence level and rationale with
  its citations and its clinician review (an unapproved statement is marked in bold), then the
  references, the cautions (on the first card) and the knowledge stamp with its review coverage.
- An incomplete result gives one card naming the answers still needed by their plain labels, with
  a link to an app to enter them only if the service was given one (`serve --app-url`). An
  emergency is never hidden behind it: the urgent actions such a result already holds come first,
  as a `warning` card, and the card naming the missing answers second.
- An invalid case gives one warning card naming each problem.

Texts come from the knowledge (statements, cautions, references) and the interface catalogue, in
English or Chinese. Text that came from the record is escaped before it enters Markdown.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
import weakref
from collections.abc import Sequence
from typing import Any

from ntrk_advisor.contract.result import Action, KnowledgeStamp, Result
from ntrk_advisor.contract.vocabulary import Status, Strength
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.memo import BoundedMemo
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import markdown_text, shown
from ntrk_advisor.render.view import (
    Reference,
    bottom_line,
    bullet_citation,
    field_label,
    labelled,
    level_label,
    references,
    review_mark,
    review_note,
    stamp_line,
    strength_label,
    unapproved,
)

SUMMARY_LIMIT = 139
"""CDS Hooks: a summary is under 140 characters."""


def result_cards(
    result: Result,
    kb: KnowledgeBase,
    lang: Lang,
    *,
    notes: Sequence[str] = (),
    app_url: str | None = None,
) -> list[dict[str, Any]]:
    """The cards for one result; `notes` (where the answers came from) go on the first card."""
    if result.status is Status.INCOMPLETE:
        urgent = tuple(a for a in result.actions if a.strength is Strength.URGENT)
        first = group_cards(dataclasses.replace(result, actions=urgent), kb, lang) if urgent else []
        return [*first, missing_card(result, kb, lang, notes=notes, app_url=app_url)]
    if result.status is Status.INVALID:
        return [invalid_card(result, lang, notes=notes)]
    return group_cards(result, kb, lang, notes=notes)


def group_cards(
    result: Result, kb: KnowledgeBase, lang: Lang, *, notes: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """One card per group of the bottom line of `result`'s actions (a warning if avoid or urgent)."""
    cards = []
    for index, (group, actions) in enumerate(bottom_line(result).groups()):
        urgent = any(a.strength is Strength.URGENT for a in actions)
        names = [t(f"action.{a.action.value}", lang) for a in actions]
        detail: list[str] = []
        for action in actions:
            detail += action_block(action, kb, lang)
        if index == 0 and result.cautions:
            detail += [f"**{t('cautions', lang)}**", ""] + [f"- {c}" for c in result.cautions] + [""]
        if index == 0 and notes:
            detail += [f"**{t('cds.answers_from', lang)}**", ""] + [f"- {n}" for n in notes] + [""]
        lines, links = reference_section(result, actions, kb, lang)
        detail += lines
        detail += footer(result, lang)
        cards.append(
            card(
                summary_line(t(f"group.{group}", lang), names, lang),
                "warning" if group == "avoid" or urgent else "info",
                "\n".join(detail),
                source(result),
                [dict(link) for link in links] if links else None,
            )
        )
    return cards


RefKey = tuple[tuple[tuple[str, ...], ...], Lang]
_REFERENCES: weakref.WeakKeyDictionary[
    KnowledgeBase, BoundedMemo[RefKey, tuple[tuple[str, ...], tuple[dict[str, Any], ...]]]
] = weakref.WeakKeyDictionary()
"""Each knowledge base's reference sections already made, per group's evidence and language."""


def reference_section(
    result: Result, actions: tuple[Action, ...], kb: KnowledgeBase, lang: Lang
) -> tuple[tuple[str, ...], tuple[dict[str, Any], ...]]:
    """A group's references in Markdown and as links, made once per knowledge base, evidence and language.

    They depend on nothing but the evidence its actions cite (`references`); the links are copied
    by the caller, so no card shares a dict with another.
    """
    made = _REFERENCES.get(kb)
    if made is None:
        made = _REFERENCES[kb] = BoundedMemo(MAX_BLOCKS)
    key = (tuple(a.evidence for a in actions), lang)
    found = made.get(key)
    if found is None:
        refs = references(dataclasses.replace(result, actions=actions), kb)
        lines: list[str] = []
        if refs:
            lines += [f"**{t('references', lang)}**", ""]
            lines += [f"{ref.number}. {ref.line(lang)}" for ref in refs] + [""]
        found = made.keep(key, (tuple(lines), tuple(reference_links(refs) or ())))
    return found


BlockKey = tuple[Action, tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...], Lang]
_BLOCKS: weakref.WeakKeyDictionary[KnowledgeBase, BoundedMemo[BlockKey, tuple[str, ...]]] = (
    weakref.WeakKeyDictionary()
)
"""Each knowledge base's actions already rendered, per language: an action is made from a
statement of the knowledge, so a service renders the same few again and again (issue 27)."""
MAX_BLOCKS = 4096
"""Rendered actions kept per knowledge base (the built-in one has a few hundred statements)."""


def action_block(action: Action, kb: KnowledgeBase, lang: Lang) -> list[str]:
    """One action in Markdown, rendered once per knowledge base, action and language (`_BLOCKS`).

    The key holds what the rendering reads: the action (its comparable fields) and the per-bullet
    bases that its equality leaves out.
    """
    blocks = _BLOCKS.get(kb)
    if blocks is None:
        blocks = _BLOCKS[kb] = BoundedMemo(MAX_BLOCKS)
    key = (action, action.bullet_arguments, action.bullet_evidence, lang)
    found = blocks.get(key)
    if found is None:
        found = blocks.keep(key, tuple(rendered_action(action, kb, lang)))
    return list(found)


def rendered_action(action: Action, kb: KnowledgeBase, lang: Lang) -> list[str]:
    """One action in Markdown: its name, strength and evidence level; what to do; why."""
    name = t(f"action.{action.action.value}", lang)
    mark = review_mark(action, lang)
    out = [
        f"**{name}** · {strength_label(action.strength, lang)} · {level_label(action, lang)}"
        + (f" · **{mark}**" if mark else ""),
        "",
        action.summary,
        "",
    ]
    for i, bullet in enumerate(action.rationale):
        citation = bullet_citation(action, i, kb)
        out.append(f"- {bullet}" + (f" _[{citation}]_" if citation else ""))
    if action.rationale:
        out.append("")
    note = markdown_text(review_note(action, lang))
    out += [f"**{note}**" if unapproved(action) else f"_{note}_", ""]
    return out


def missing_card(
    result: Result, kb: KnowledgeBase, lang: Lang, *, notes: Sequence[str], app_url: str | None
) -> dict[str, Any]:
    """The card of an incomplete case: the answers needed by their plain labels, each with its question.

    Written for the clinician who reads it: labels and questions as the consult asks them, and
    where to give the answers, never how a program sends them.
    """
    detail = [t("incomplete_note", lang), ""]
    detail += [f"- **{field_label(field, lang)}**: {kb.prompt(field, lang)}" for field in result.missing]
    detail += ["", t("cds.answer_in_app" if app_url else "cds.how_to_answer", lang), ""]
    if notes:
        detail += [f"**{t('cds.answers_from', lang)}**", ""] + [f"- {n}" for n in notes] + [""]
    detail += footer(result, lang)
    links = [{"label": t("cds.enter_answers", lang), "url": app_url, "type": "absolute"}] if app_url else None
    return card(
        summary_line(t("cds.answers_needed", lang), [field_label(f, lang) for f in result.missing], lang),
        "info",
        "\n".join(detail),
        source(result),
        links,
    )


def invalid_card(result: Result, lang: Lang, *, notes: Sequence[str]) -> dict[str, Any]:
    """The one card of a case that failed validation: each problem, so it can be put right."""
    detail = [t("invalid_note", lang), ""]
    detail += [f"- {code(e.field)}: {markdown_text(e.message)}" for e in result.errors]
    detail.append("")
    if notes:
        detail += [f"**{t('cds.answers_from', lang)}**", ""] + [f"- {n}" for n in notes] + [""]
    detail += footer(result, lang)
    fields = list(dict.fromkeys(shown(e.field) for e in result.errors))
    return card(
        summary_line(t("cds.invalid", lang), fields, lang), "warning", "\n".join(detail), source(result)
    )


def footer(result: Result, lang: Lang) -> list[str]:
    """The knowledge stamp, the source article and the intended use, last in every detail."""
    return list(stamp_footer(result.knowledge, lang))


@functools.lru_cache(maxsize=64)
def stamp_footer(stamp: KnowledgeStamp, lang: Lang) -> tuple[str, ...]:
    """`footer`'s lines, made once per knowledge stamp and language (they depend on nothing else)."""
    return (
        "---",
        "",
        labelled(t("knowledge", lang), markdown_text(stamp_line(stamp, lang)), lang) + "  ",
        labelled(t("source", lang), markdown_text(stamp.source), lang) + "  ",
        f"_{t('intended_use', lang)}_",
    )


def summary_line(label: str, names: Sequence[str], lang: Lang) -> str:
    """`Do: A; B; C` under 140 characters: as many names as fit, then how many more (`+2`)."""
    colon, sep = ("：", "；") if lang == "zh" else (": ", "; ")
    for shown_count in range(len(names), 0, -1):
        more = len(names) - shown_count
        text = label + colon + sep.join(names[:shown_count]) + (f" (+{more})" if more else "")
        if len(text) <= SUMMARY_LIMIT:
            return text
    return (label + colon + (names[0] if names else ""))[: SUMMARY_LIMIT - 1] + "…"


def source(result: Result) -> dict[str, Any]:
    """The card's `source`: the knowledge's name and version, and nothing it does not name.

    CDS Hooks: `source.url` is where to learn about the organisation or data set that gave the
    advice. The knowledge has no page of its own, so there is no URL; the references a card cites
    are its `links`, each labelled with what it opens.
    """
    k = result.knowledge
    return {"label": shown(f"{k.name} {k.version}")[:200]}


LINK_LABEL_LIMIT = 100
MAX_REFERENCE_LINKS = 10


def reference_links(refs: Sequence[Reference]) -> list[dict[str, Any]] | None:
    """The card's cited references that have a link, as `absolute` links labelled by their citation."""
    links = []
    for ref in refs:
        if not ref.link:
            continue
        label = shown(f"[{ref.number}] {ref.citation}")
        if len(label) > LINK_LABEL_LIMIT:
            label = label[: LINK_LABEL_LIMIT - 1].rstrip() + "…"
        links.append({"label": label, "url": ref.link, "type": "absolute"})
    return links[:MAX_REFERENCE_LINKS] or None


def card(
    summary: str,
    indicator: str,
    detail: str,
    source: dict[str, Any],
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A card with a fresh `uuid` (the EHR quotes it in feedback)."""
    out: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "summary": summary,
        "indicator": indicator,
        "detail": detail,
        "source": source,
    }
    if links:
        out["links"] = links
    return out


def code(text: str) -> str:
    """Text as a Markdown code span: shown literally (controls visible), no backtick inside."""
    return "`" + shown(text).replace("`", "'")[:100] + "`"
