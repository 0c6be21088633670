"""The shape of the pathway files, as pydantic models.

These models check each file on its own (types, required keys, both languages present).
Checks that need several files at once (references, reachability, coverage) live in `checks.py`.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ntrk_advisor.vocabulary import ActionCode, Audience, PathwayName, Strength

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80)]


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


class Text(_Data):
    """A user-facing text: both languages are required and non-empty."""

    en: NonEmpty
    zh: NonEmpty

    @field_validator("zh")
    @classmethod
    def _no_space_between_chinese(cls, value: str) -> str:
        # YAML's folded style (>-) joins lines with a space; Chinese never has one between characters.
        return _SPACE_BETWEEN_CJK.sub("", value)


class KnowledgeSource(_Data):
    title: NonEmpty
    title_en: NonEmpty
    author: NonEmpty
    affiliation: NonEmpty
    published: dt.date
    publisher: NonEmpty


class KnowledgeMeta(_Data):
    """Who made this knowledge base, from what, and when it was last reviewed."""

    name: NonEmpty
    version: NonEmpty
    reviewed: dt.date
    source: KnowledgeSource
    developer: NonEmpty
    report_problems: NonEmpty
    intended_use: Text
    not_for: Text


class KnowledgeFile(_Data):
    knowledge: KnowledgeMeta


class Question(_Data):
    """How to ask for one case field."""

    prompt: Text
    help: Text
    choices: dict[str, Text] | None = None
    none_label: Text | None = None

    @model_validator(mode="before")
    @classmethod
    def _string_keys(cls, data: Any) -> Any:
        # YAML reads an unquoted `true:` key as a boolean; a choice key is always its JSON text.
        if isinstance(data, dict) and isinstance(data.get("choices"), dict):
            data = dict(data)
            data["choices"] = {
                (str(k).lower() if isinstance(k, bool) else k): v for k, v in data["choices"].items()
            }
        return data


class QuestionsFile(_Data):
    questions: dict[str, Question]


class Section(_Data):
    heading: NonEmpty
    title: Text


class Argument(_Data):
    section: NonEmpty
    text: Text


class ArgumentsFile(_Data):
    sections: dict[str, Section]
    arguments: dict[str, Argument]


class EvidenceKind(str, Enum):
    PHASE_1 = "phase_1"
    PHASE_2 = "phase_2"
    PHASE_3 = "phase_3"
    POOLED_ANALYSIS = "pooled_analysis"
    LABEL = "label"
    GUIDELINE = "guideline"
    CONSENSUS = "consensus"
    CASE_REPORT = "case_report"
    CASE_SERIES = "case_series"
    RETROSPECTIVE = "retrospective"
    REGISTRY = "registry"
    REVIEW = "review"
    PRECLINICAL = "preclinical"


class Evidence(_Data):
    """An external reference, with what the advisor takes from it."""

    citation: NonEmpty
    year: int | None = Field(default=None, ge=1900, le=2100)
    kind: EvidenceKind
    pmid: Annotated[str, StringConstraints(pattern=r"^\d{1,9}$")] | None = None
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    summary: Text

    @model_validator(mode="after")
    def _locatable(self) -> Evidence:
        if self.pmid is None and self.url is None:
            raise ValueError("a reference needs a pmid or a url")
        return self


class EvidenceFile(_Data):
    evidence: dict[str, Evidence]


class Caution(_Data):
    text: Text
    evidence: list[Identifier] = Field(min_length=1)


class CautionsFile(_Data):
    cautions: dict[str, Caution]


class Bullet(_Data):
    """One reason behind an action, tied to the article arguments it rests on."""

    text: Text
    arguments: list[Identifier] = []
    evidence: list[Identifier] = []
    audience: Audience = Audience.ALL


class Statement(_Data):
    """A reusable, fully worded action: what to do and why."""

    action: ActionCode
    summary: Text
    rationale: list[Bullet] = Field(min_length=1)
    evidence: list[Identifier] = []


class StatementsFile(_Data):
    statements: dict[str, Statement]


class ActionRef(_Data):
    """An action of an outcome: which statement, how strongly, at which step."""

    use: Identifier
    strength: Strength
    step: int = Field(default=1, ge=1, le=20)


class CautionRef(_Data):
    id: Identifier
    audience: Audience = Audience.ALL

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        return {"id": data} if isinstance(data, str) else data


def _bare_caution_ids(schema: dict[str, Any]) -> None:
    """In the editor schema, a caution may be a bare id (for everyone) as well as {id, audience}."""
    items = schema["properties"]["cautions"]["items"]
    schema["properties"]["cautions"]["items"] = {"anyOf": [items, {"type": "string"}]}


class Bundle(_Data):
    """Actions and cautions that a node contributes to the recommendation."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_bare_caution_ids)

    actions: list[ActionRef] = []
    cautions: list[CautionRef] = []


class Branch(_Data):
    """One way out of a question: plain data, never an expression."""

    when: list[Any] | None = None
    when_empty: bool | None = None
    otherwise: bool | None = None
    goto: Identifier | None = None
    handoff: Annotated[str, StringConstraints(pattern=r"^[a-z_]+(:[a-z0-9_]+)?$")] | None = None

    @model_validator(mode="after")
    def _one_condition_one_target(self) -> Branch:
        conditions = [self.when is not None, bool(self.when_empty), bool(self.otherwise)]
        if sum(conditions) != 1:
            raise ValueError("a branch needs exactly one of: when, when_empty: true, otherwise: true")
        if (self.goto is None) == (self.handoff is None):
            raise ValueError("a branch needs exactly one of: goto (a node here), handoff (a pathway)")
        return self


class Node(_Data):
    """One step of a pathway: exactly one of four kinds.

    A question (`ask`), a silent split on age group (`route_on`), a contribution that carries on
    (`add` + `next`), or an end point (`outcome`).
    """

    ask: Identifier | None = None
    route_on: Identifier | None = None
    branches: list[Branch] | None = None
    add: Bundle | None = None
    outcome: Bundle | None = None
    next: Identifier | None = None
    note: NonEmpty | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Node:
        kinds = [k for k in ("ask", "route_on", "add", "outcome") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("a node needs exactly one of: ask, route_on, add, outcome")
        kind = kinds[0]
        if kind in ("ask", "route_on") and not self.branches and not (kind == "ask" and self.next):
            raise ValueError(f"an '{kind}' node needs branches" + (" or next" if kind == "ask" else ""))
        if kind == "add" and not self.next:
            raise ValueError("an 'add' node needs next")
        if kind == "outcome" and (self.next or self.branches):
            raise ValueError("an 'outcome' node ends the path: no next, no branches")
        if self.branches and self.next:
            raise ValueError("a node has branches or next, not both")
        return self

    @property
    def kind(self) -> str:
        """Which of the four node kinds this is."""
        for kind in ("ask", "route_on", "add", "outcome"):
            if getattr(self, kind) is not None:
                return kind
        raise AssertionError("validated node without a kind")


class PathwayFile(_Data):
    """One pathway module: a tree of nodes starting at `entry`."""

    pathway: PathwayName
    title: Text
    summary: Text
    entry: Identifier
    nodes: dict[Identifier, Node] = Field(min_length=1)
