"""Fast, byte-exact contract JSON for decisions: the batch hot path.

Every decision with the same path (same nodes, same routed answers, same age group) has the same
JSON except for the case id and free-valued answers such as the age. So the JSON is rendered once
per path and language through the ordinary `Result` (guaranteeing identical bytes), cut at those
values, and reused: per case only the cut points are filled in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ntrk_advisor.engine import Decision, build_result
from ntrk_advisor.i18n import Lang
from ntrk_advisor.models import Result
from ntrk_advisor.pathway.knowledge import KnowledgeBase

_SLOT = "\u0000slot\u0000"
_SLOT_JSON = json.dumps(_SLOT, ensure_ascii=False)
_TEXT_KEYS = ("summary", "rationale")
_FREE_KINDS = frozenset({"number", "text"})


def dumps(data: Any) -> str:
    """The one JSON spelling used for results: one line, UTF-8 characters kept."""
    return json.dumps(data, ensure_ascii=False)


def compact_dict(data: dict[str, Any]) -> dict[str, Any]:
    """A result without its texts (summaries, rationale, cautions): codes and references only."""
    out = dict(data)
    out.pop("cautions", None)
    out["actions"] = [{k: v for k, v in a.items() if k not in _TEXT_KEYS} for a in data["actions"]]
    return out


def result_line(result: Result, *, compact: bool = False) -> str:
    """One result as a single JSON line (the slow, general path; used for invalid records)."""
    data = result.to_dict()
    return dumps(compact_dict(data) if compact else data)


@dataclass(frozen=True, slots=True)
class Summary:
    """What tables and counts need from a result, without its texts."""

    status: str
    pathway: str | None
    age_group: str | None
    actions: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    errors: tuple[tuple[str, str], ...]


class DecisionEncoder:
    """Encodes decisions to contract JSON lines and summaries, caching per path and language."""

    def __init__(self, kb: KnowledgeBase, lang: Lang, *, compact: bool = False) -> None:
        self.kb = kb
        self.lang = lang
        self.compact = compact
        self._templates: dict[tuple[Any, ...], tuple[list[str], Summary]] = {}

    def encode(self, decision: Decision, case_id: str | None) -> tuple[str, Summary]:
        """The JSON line and the summary for one decision."""
        free: list[Any] = []
        routed: list[Any] = []
        for node, value in decision.asked:
            if node.spec is not None and node.spec.kind in _FREE_KINDS:
                free.append(value)
                routed.append((node.qid, None))
            else:
                routed.append((node.qid, value))
        key = (
            decision.status,
            decision.pathway,
            decision.age_group,
            tuple(routed),
            decision.missing,
            tuple(n.qid for n in decision.contributors),
        )
        cached = self._templates.get(key)
        if cached is None:
            cached = self._template(decision)
            self._templates[key] = cached
        parts, summary = cached
        values = [dumps(case_id), *(dumps(v) for v in free)]
        out = [parts[0]]
        for value, part in zip(values, parts[1:], strict=False):
            out.append(value)
            out.append(part)
        return "".join(out), summary

    def _template(self, decision: Decision) -> tuple[list[str], Summary]:
        result = build_result(decision, _SLOT, self.lang, self.kb)
        data = result.to_dict()
        for step in data["trace"]:
            node = self.kb.nodes[step["node"]]
            if node.spec is not None and node.spec.kind in _FREE_KINDS:
                step["answer"] = _SLOT
        text = dumps(compact_dict(data) if self.compact else data)
        parts = text.split(_SLOT_JSON)
        summary = Summary(
            status=decision.status.value,
            pathway=decision.pathway.value,
            age_group=None if decision.age_group is None else decision.age_group.value,
            actions=tuple((a.action.value, a.strength.value) for a in result.actions),
            missing=decision.missing,
            errors=(),
        )
        return parts, summary


def summary_of(result: Result) -> Summary:
    """The summary of any result (the general path; invalid records use it)."""
    return Summary(
        status=result.status.value,
        pathway=None if result.pathway is None else result.pathway.value,
        age_group=None if result.age_group is None else result.age_group.value,
        actions=tuple((a.action.value, a.strength.value) for a in result.actions),
        missing=result.missing,
        errors=tuple((e.field, e.message) for e in result.errors),
    )
