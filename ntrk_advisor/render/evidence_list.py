"""The evidence catalogue for people (a table) and for scripts (JSON with every field)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.citations import cited_by
from ntrk_advisor.pathway.knowledge import KnowledgeBase

if TYPE_CHECKING:
    from rich.table import Table


def evidence_json(kb: KnowledgeBase, only: str | None = None) -> str:
    """Every entry (or one) with all its fields, its derived citation and link, and what cites it."""
    uses = cited_by(kb)
    entries: list[dict[str, Any]] = []
    for ev_id, ref in kb.evidence.evidence.items():
        if only is not None and ev_id != only:
            continue
        entry: dict[str, Any] = {"id": ev_id, **ref.model_dump(mode="json", exclude_none=True)}
        entry["level"] = None if ref.level is None else ref.level.value
        entry["citation"] = ref.citation
        entry["link"] = ref.link
        entry["cited_by"] = uses.get(("evidence", ev_id), [])
        entries.append(entry)
    return json.dumps(entries, ensure_ascii=False, indent=2)


def evidence_table(kb: KnowledgeBase, lang: Lang, only: str | None = None) -> Table:
    """One row per reference: id, citation with its link, kind, what it shows, what cites it."""
    from rich.table import Table

    uses = cited_by(kb)
    table = Table(title=t("references", lang), title_justify="left", show_lines=True)
    for column in ("id", "reference", "kind", "what it shows", "cited by"):
        table.add_column(column, overflow="fold")
    for ev_id, ref in kb.evidence.evidence.items():
        if only is not None and ev_id != only:
            continue
        reference = ref.citation
        if not ref.verified:
            reference += f" ({t('not_verified', lang)})"
        table.add_row(
            ev_id,
            reference + (f"\n{ref.link}" if ref.link else ""),
            ref.kind.value if ref.reviews is None else f"{ref.kind.value} ({ref.reviews.value})",
            str(getattr(ref.summary, lang)),
            "\n".join(uses.get(("evidence", ev_id), [])),
        )
    return table
