"""Which outcomes cite which argument and evidence: the reverse index behind the transparency commands."""

from __future__ import annotations

from ntrk_advisor.pathway.knowledge import KnowledgeBase


def cited_by(kb: KnowledgeBase) -> dict[tuple[str, str], list[str]]:
    """(`argument`|`evidence`, id) -> the outcome or caution sites (`pathway.node`) that cite it."""
    index: dict[tuple[str, str], list[str]] = {}

    def note(kind: str, item: str, site: str) -> None:
        sites = index.setdefault((kind, item), [])
        if site not in sites:
            sites.append(site)

    for pathway, pfile in kb.pathways.items():
        for name, node in pfile.nodes.items():
            bundle = node.add or node.outcome
            if bundle is None:
                continue
            site = f"{pathway.value}.{name}"
            for ref in bundle.actions:
                statement = kb.statements.statements[ref.use]
                for ev in statement.evidence:
                    note("evidence", ev, site)
                for bullet in statement.rationale:
                    for arg in bullet.arguments:
                        note("argument", arg, site)
                    for ev in bullet.evidence:
                        note("evidence", ev, site)
            for caution in bundle.cautions:
                for ev in kb.cautions.cautions[caution.id].evidence:
                    note("evidence", ev, f"{site} (caution {caution.id})")
    return index
