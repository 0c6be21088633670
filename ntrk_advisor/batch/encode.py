"""Fast, byte-exact contract JSON for decisions: the batch hot path.

Every decision that passes the same nodes (with the same age band and status) has the same JSON
except for the case id and the answers in its trace. So the JSON is rendered once per path and
language through the ordinary `Result` (guaranteeing identical bytes), cut at those values, and
reused: per case only the cut points are filled in, each answer's JSON looked up in a small cache.

Paths share more than that: everything before the trace depends only on the outcome (the nodes
that contribute actions, the band, what is missing), and the actions and cautions, most of the
bytes, recur across outcomes. So a new path's template is joined from pieces kept per outcome,
per trace step, per action and per list of cautions, each rendered once through the ordinary
`Result` and `json.dumps`, and outcomes share the bytes of their actions rather than copying them.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.result import Action, Result, json_value
from ntrk_advisor.contract.vocabulary import AgeGroup, Status, age_group_of
from ntrk_advisor.engine import Decision, build_result, invalid_result
from ntrk_advisor.i18n import Lang
from ntrk_advisor.memo import BoundedMemo
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.tree import TreeNode

_SLOT = "\u0000slot\u0000"
_SLOT_JSON = json.dumps(_SLOT, ensure_ascii=False)
_TEXT_KEYS = ("summary", "rationale")
_ACTIONS_SLOT = "\u0000actions\u0000"
_ACTIONS_SLOT_JSON = json.dumps(_ACTIONS_SLOT, ensure_ascii=False)
_CAUTIONS_SLOT = "\u0000cautions\u0000"
_CAUTIONS_SLOT_JSON = json.dumps(_CAUTIONS_SLOT, ensure_ascii=False)
CACHE_LIMIT = 5_000
"""Entries a cache that varies by case (the unused answers) keeps before it starts afresh: a
varied input can bring a new pattern with almost every record, and memory must stay flat."""


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


@dataclass(frozen=True, slots=True, eq=False)
class Summary:
    """What tables and counts need from a result, without its texts.

    Compared by identity: one summary object is shared by every decision on the same path, so
    counting them costs one dictionary update per case.
    """

    status: str
    pathway: str | None
    age_group: str | None
    actions: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    unused: tuple[str, ...]
    errors: tuple[tuple[str, str], ...]
    reviews: tuple[str, ...] = ()
    """Per action, its statement's review status (`approved`, `unreviewed`, …): what the tables mark."""


_Head = tuple[bytes, tuple[bytes, ...], bytes, bytes]
"""An outcome's JSON cut at its case id, unused answers and trace: the JSON before the id, the body
(up to the unused answers), and the JSON before and after the trace."""


class DecisionEncoder:
    """Encodes decisions to contract JSON lines and summaries, caching per path and language."""

    def __init__(self, kb: KnowledgeBase, lang: Lang, *, compact: bool = False) -> None:
        self.kb = kb
        self.lang = lang
        self.compact = compact
        self._templates: dict[tuple[Any, ...], tuple[list[bytes], tuple[bytes, ...], Summary]] = {}
        self._summaries: BoundedMemo[tuple[Any, ...], Summary] = BoundedMemo(CACHE_LIMIT)
        self._answers: dict[Any, bytes] = {}  # answers' JSON: the vocabularies bound it
        self._unused: BoundedMemo[tuple[str, ...], bytes] = BoundedMemo(CACHE_LIMIT)
        self._heads: BoundedMemo[tuple[Any, ...], tuple[_Head, Summary]] = BoundedMemo(CACHE_LIMIT)
        self._steps: dict[str, bytes] = {}  # per node: the tree bounds it
        self._action_texts: BoundedMemo[Action, bytes] = BoundedMemo(CACHE_LIMIT)
        self._caution_texts: BoundedMemo[tuple[str, ...], bytes] = BoundedMemo(CACHE_LIMIT)
        self._invalid: dict[tuple[AgeGroup, str] | None, tuple[str, str, str, str | None]] = {}

    def invalid(self, exc: CaseInvalid, case_id: str | None) -> tuple[bytes, Summary]:
        """The `invalid` result's JSON line and summary, without building a `Result` or the general encoder.

        Everything but the case id and the errors is the same for every invalid record of one age
        band, so it is rendered once per band through the ordinary `Result` (identical bytes) and
        only the id and the `{field, message}` pairs are written per record.
        """
        age = exc.age_years
        key = None if age is None else (age_group_of(age), self.kb.bands.band_of(age))
        cached = self._invalid.get(key)
        if cached is None:
            cached = self._invalid[key] = self._invalid_template(exc)  # a few bands: no bound needed
        head, middle, tail, group = cached
        pairs = exc.messages(self.lang)
        if pairs:
            quote = encode_basestring
            shown = ", ".join(
                '{"field": ' + quote(name) + ', "message": ' + quote(text) + "}" for name, text in pairs
            )
            errors_json = "[" + shown + "]"
        else:
            errors_json = "[]"
        shown_id = "null" if case_id is None else encode_basestring(case_id)
        line = head + shown_id + middle + errors_json + tail
        return line.encode(), Summary(Status.INVALID.value, None, group, (), (), (), pairs, ())

    def _invalid_template(self, exc: CaseInvalid) -> tuple[str, str, str, str | None]:
        result = invalid_result(CaseInvalid((), age_years=exc.age_years), self.lang, self.kb, _SLOT)
        data = result.to_dict()
        data["errors"] = _SLOT
        text = dumps(compact_dict(data) if self.compact else data)
        head, middle, tail = text.split(_SLOT_JSON)
        return head, middle, tail, None if result.age_group is None else result.age_group.value

    def encode(self, decision: Decision, case_id: str | None) -> tuple[bytes, Summary]:
        """The JSON line (UTF-8, no newline) and the summary for one decision.

        Bytes, because the texts are not ASCII (the source is Chinese): joining ready-encoded
        pieces avoids re-encoding kilobytes of text for every case.
        """
        key = (decision.trail, decision.age_band, decision.missing)
        cached = self._templates.get(key)
        if cached is None:
            cached = self._templates[key] = self._template(decision)
        parts, body, summary = cached
        unused = decision.unused
        if unused:  # the answers this path left unused vary by case, not by path: a slot of their own
            summary_key = (key, unused)
            shown = self._summaries.get(summary_key)
            if shown is None:
                shown = self._summaries.keep(summary_key, dataclasses.replace(summary, unused=unused))
            summary = shown
        unused_json = self._unused.get(unused)
        if unused_json is None:
            unused_json = self._unused.keep(unused, dumps(list(unused)).encode())
        out = [
            parts[0],
            b"null" if case_id is None else encode_basestring(case_id).encode(),
            *body,
            unused_json,
        ]
        known = self._answers
        for index, value in enumerate(decision.answers, 1):
            out.append(parts[index])
            cls = value.__class__
            if cls is float or cls is int:
                out.append(cls.__repr__(value).encode())  # what json.dumps writes for a finite number
            else:
                # Enum, bool and list answers are few, so their JSON is cached; numbers never
                # reach this cache, so True cannot be mistaken for 1.
                text = known.get(value)
                if text is None:
                    text = known[value] = dumps(json_value(value)).encode()
                out.append(text)
        out.append(parts[-1])
        return b"".join(out), summary

    def _template(self, decision: Decision) -> tuple[list[bytes], tuple[bytes, ...], Summary]:
        """The cut JSON of one path: a head shared by every path with the same outcome, and its trace.

        Everything before the trace (status, actions, cautions, missing, ...) depends only on the
        nodes that contribute actions, the age band and what is missing, not on the questions asked
        on the way; many paths share it, so it is rendered once through the ordinary `Result` and
        the trace is joined to it from one cut step per node.
        """
        head_key = (
            decision.status,
            decision.pathway,
            decision.age_group,
            decision.age_band,
            decision.contributors,
            decision.missing,
        )
        head = self._heads.get(head_key)
        if head is None:
            head = self._heads.keep(head_key, self._head(decision))
        (before_id, body, before_trace, after_trace), summary = head
        asked = [node for node, _ in decision.asked]
        if not asked:
            return [before_id, before_trace + b"[]" + after_trace], body, summary
        parts = [before_id]
        joint = before_trace + b"["
        for node in asked:
            parts.append(joint + self._step(node))
            joint = b"}, "
        parts.append(b"}]" + after_trace)
        return parts, body, summary

    def _step(self, node: TreeNode) -> bytes:
        """One trace step's JSON up to its answer: `{"node": "…", "field": "…", "answer": `."""
        step = self._steps.get(node.qid)
        if step is None:
            text = dumps({"node": node.qid, "field": node.field or "", "answer": _SLOT})
            step = self._steps[node.qid] = text[: text.index(_SLOT_JSON)].encode()
        return step

    def _head(self, decision: Decision) -> tuple[_Head, Summary]:
        """The JSON before and after the trace for one outcome, cut at the case id and unused answers.

        The part between the case id and the unused answers (the body: status, actions, cautions,
        missing) is kept as pieces, and its actions and cautions, most of the bytes, are the JSON
        kept per action and per list of cautions: outcomes that share them share the bytes too, so
        thousands of outcomes cost little memory.
        """
        result = build_result(decision._replace(answers=(), unused=()), _SLOT, self.lang, self.kb)
        data = dataclasses.replace(result, actions=(), cautions=()).to_dict()
        data["unused_answers"] = _SLOT
        data["trace"] = _SLOT
        data["actions"] = _ACTIONS_SLOT
        if self.compact:
            del data["cautions"]
        else:
            data["cautions"] = _CAUTIONS_SLOT
        before_id, before_unused, before_trace, after_trace = dumps(data).split(_SLOT_JSON)
        before_actions, after_actions = before_unused.split(_ACTIONS_SLOT_JSON)
        body = [before_actions.encode(), *self._actions_json(result.actions)]
        if self.compact:
            body.append(after_actions.encode())
        else:
            before_cautions, after_cautions = after_actions.split(_CAUTIONS_SLOT_JSON)
            body += [before_cautions.encode(), self._cautions_json(result.cautions), after_cautions.encode()]
        summary = Summary(
            status=decision.status.value,
            pathway=decision.pathway.value,
            age_group=None if decision.age_group is None else decision.age_group.value,
            actions=tuple((a.action.value, a.strength.value) for a in result.actions),
            missing=decision.missing,
            unused=(),
            errors=(),
            reviews=review_statuses(result),
        )
        return (before_id.encode(), tuple(body), before_trace.encode(), after_trace.encode()), summary

    def _actions_json(self, actions: tuple[Action, ...]) -> list[bytes]:
        """A list of actions as `json.dumps` writes it, in pieces, each action's JSON kept (they are few)."""
        if not actions:
            return [b"[]"]
        known = self._action_texts
        pieces = [b"["]
        for action in actions:
            text = known.get(action)
            if text is None:
                data = action.to_dict()
                if self.compact:
                    data = {k: v for k, v in data.items() if k not in _TEXT_KEYS}
                text = known.keep(action, dumps(data).encode())
            pieces += (text, b", ")
        pieces[-1] = b"]"
        return pieces

    def _cautions_json(self, cautions: tuple[str, ...]) -> bytes:
        """A list of cautions as `json.dumps` writes it, kept per list."""
        text = self._caution_texts.get(cautions)
        if text is None:
            text = self._caution_texts.keep(cautions, dumps(list(cautions)).encode())
        return text


def summary_of(result: Result) -> Summary:
    """The summary of any result (the general path; invalid records use it)."""
    return Summary(
        status=result.status.value,
        pathway=None if result.pathway is None else result.pathway.value,
        age_group=None if result.age_group is None else result.age_group.value,
        actions=tuple((a.action.value, a.strength.value) for a in result.actions),
        missing=result.missing,
        unused=result.unused_answers,
        errors=tuple((e.field, e.message) for e in result.errors),
        reviews=review_statuses(result),
    )


def review_statuses(result: Result) -> tuple[str, ...]:
    """Each action's review status, in the order of the actions (`unreviewed` when none is known)."""
    return tuple("unreviewed" if a.review is None else a.review.status.value for a in result.actions)
