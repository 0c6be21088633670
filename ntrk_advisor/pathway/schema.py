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

from ntrk_advisor.contract.vocabulary import (
    PEDIATRIC_AGE_LIMIT,
    ActionCode,
    AgeGroup,
    Audience,
    EvidenceLevel,
    PathwayName,
    ReviewDecision,
    Strength,
)
from ntrk_advisor.pathway.references import DOI, NCT, PMID, link_of, official_host, vancouver

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", max_length=80)]


class Data(BaseModel):
    """The base of every model of a data file: unknown keys are refused, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


_CJK = "\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


class Text(Data):
    """A user-facing text: both languages are required and non-empty."""

    en: NonEmpty
    zh: NonEmpty

    @field_validator("zh")
    @classmethod
    def _no_space_between_chinese(cls, value: str) -> str:
        # YAML's folded style (>-) joins lines with a space; Chinese never has one between characters.
        return _SPACE_BETWEEN_CJK.sub("", value)


class KnowledgeSource(Data):
    title: NonEmpty
    title_en: NonEmpty
    author: NonEmpty
    affiliation: NonEmpty
    published: dt.date
    publisher: NonEmpty


class AgeBand(Data):
    """One age band: every age below `below` (and at or above the previous band's bound)."""

    id: Identifier
    below: float | None = Field(default=None, gt=0, le=130)
    """The band's upper bound in years, exclusive; the last band has none."""
    label: Text


class AgeBands(Data):
    """Age bands in increasing order, with the sources their bounds come from.

    The contract fixes one boundary (under 18 is pediatric); a band never straddles it, so every
    band belongs to one age group. `pathways check` proves the order and the boundary.
    """

    evidence: list[Identifier] = Field(min_length=1)
    bands: list[AgeBand] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered(self) -> AgeBands:
        bounds = [b.below for b in self.bands]
        if any(b is None for b in bounds[:-1]) or bounds[-1] is not None:
            raise ValueError("every band but the last has 'below'; the last has none")
        finite = [b for b in bounds if b is not None]
        if finite != sorted(set(finite)):
            raise ValueError("'below' bounds must increase from band to band")
        if PEDIATRIC_AGE_LIMIT not in finite:
            raise ValueError(
                f"one band must end at {PEDIATRIC_AGE_LIMIT} years, the contract's boundary between "
                "the pediatric and adult age groups"
            )
        ids = [b.id for b in self.bands]
        if len(set(ids)) != len(ids):
            raise ValueError("band ids must differ")
        if set(ids) & {Audience.ALL.value}:
            raise ValueError("'all' cannot name a band")
        for band in self.bands:
            pediatric = band.below is not None and band.below <= PEDIATRIC_AGE_LIMIT
            for group in AgeGroup:
                if band.id == group.value and pediatric != (group is AgeGroup.PEDIATRIC):
                    raise ValueError(f"a band named '{group.value}' must lie in the {group.value} age group")
        return self


class KnowledgeMeta(Data):
    """Who made this knowledge base, from what, and when it was last changed.

    `edited` is the date the knowledge was last changed. It was called `reviewed` before clinician
    sign-off existed (and a copy made then may still say so): a date of editing never claims a
    review, which only a signed review record can (`pathway/reviews.py`).
    """

    name: NonEmpty
    version: NonEmpty
    edited: dt.date
    source: KnowledgeSource
    developer: NonEmpty
    """Who makes the knowledge; also the author of every statement that names none (`edited_by`)."""
    report_problems: NonEmpty
    intended_use: Text
    not_for: Text
    every_path_asks: list[Identifier] = []
    """Fields no path may skip (an emergency is never left out): `pathways check` walks every
    path and proves each one asks them."""
    age_bands: AgeBands | None = None
    """The age bands the pathways may route on and word texts for; without them, the contract's
    two age groups (pediatric under 18, adult) are the only bands."""

    @model_validator(mode="before")
    @classmethod
    def _edited_was_reviewed(cls, data: Any) -> Any:
        # A copy made before sign-off existed names the date `reviewed`: it is the date last edited.
        if isinstance(data, dict) and "reviewed" in data and "edited" not in data:
            data = {("edited" if key == "reviewed" else key): value for key, value in data.items()}
        return data


class KnowledgeFile(Data):
    knowledge: KnowledgeMeta


class Question(Data):
    """How to ask for one case field."""

    prompt: Text
    help: Text
    choices: dict[str, Text] | None = None
    none_label: Text | None = None
    start_on: str | None = None
    """The choice the prompt's cursor starts on (else the first): the answer that is safe to
    leave highlighted, so a hasty Enter cannot pick the riskier one."""

    @model_validator(mode="before")
    @classmethod
    def _string_keys(cls, data: Any) -> Any:
        # YAML reads an unquoted `true:` key as a boolean; a choice key is always its JSON text.
        if isinstance(data, dict) and isinstance(data.get("choices"), dict):
            data = dict(data)
            data["choices"] = {
                (str(k).lower() if isinstance(k, bool) else k): v for k, v in data["choices"].items()
            }
        if isinstance(data, dict) and isinstance(data.get("start_on"), bool):
            data = {**data, "start_on": str(data["start_on"]).lower()}
        return data


class QuestionsFile(Data):
    questions: dict[str, Question]


class Section(Data):
    heading: NonEmpty
    title: Text


EditedBy = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
"""The person who last changed a statement: a reviewer of that name may not approve it (CIViC's rule)."""


class Argument(Data):
    section: NonEmpty
    text: Text
    edited_by: EditedBy | None = None
    """Who last changed this paraphrase (default: the knowledge's `developer`)."""


class ArgumentsFile(Data):
    sections: dict[str, Section]
    arguments: dict[str, Argument]


class EvidenceKind(str, Enum):
    """What kind of source a reference is.

    All but `review` and `ongoing_trial` are also evidence levels. A review lends the level of what
    it reviews; a trial's registration shows that a question is being studied, not an effect, so it
    lends no level at all.
    """

    LABEL = "label"
    GUIDELINE = "guideline"
    RANDOMIZED = "randomized"
    PROSPECTIVE = "prospective"
    RETROSPECTIVE = "retrospective"
    CASE_REPORTS = "case_reports"
    REVIEW = "review"
    PRECLINICAL = "preclinical"
    ONGOING_TRIAL = "ongoing_trial"


class Evidence(Data):
    """An external reference, with what the advisor takes from it: always a primary source.

    It carries a stable identifier (a DOI, a PubMed ID, a trial registry number, or a URL on an
    official host: `references.OFFICIAL_HOSTS`); its link is derived from that identifier, never
    typed. `verified` says whether the identifiers were checked against the source itself; an
    unverified one is shown as such.
    """

    kind: EvidenceKind
    reviews: EvidenceLevel | None = None
    """For a review: the kind of evidence it mainly reviews (or `expert_opinion`)."""
    authors: NonEmpty
    """First author et al. (`Drilon A, et al.`), or the issuing body for a label or guideline."""
    title: NonEmpty
    journal: NonEmpty | None = None
    issuer: NonEmpty | None = None
    """The body that issued a label, approval record, guideline or registry record."""
    year: int | None = Field(default=None, ge=1900, le=2100)
    volume: NonEmpty | None = None
    pages: NonEmpty | None = None
    doi: Annotated[str, StringConstraints(pattern=DOI.pattern)] | None = None
    pmid: Annotated[str, StringConstraints(pattern=PMID.pattern)] | None = None
    nct: Annotated[str, StringConstraints(pattern=NCT.pattern)] | None = None
    url: NonEmpty | None = None
    verified: bool
    company_report: bool = False
    """A regulatory event (an approval) as the marketing company reported it, in its stock-exchange
    filing or its own release, cited because the regulator's record could not be reached. Its url
    may be on a company-report host (`references.COMPANY_HOSTS`), and its citation says so."""
    summary: Text

    @model_validator(mode="after")
    def _primary_and_identified(self) -> Evidence:
        problems = []
        if not (self.doi or self.pmid or self.nct or self.url):
            problems.append("a reference needs a stable identifier: doi, pmid, nct or an official url")
        if self.company_report and self.kind is not EvidenceKind.LABEL:
            problems.append("only a label (an approval) may be a company report")
        if self.url is not None:
            host = official_host(self.url, company_report=self.company_report)
            if host is not None:
                problems.append(
                    f"url host '{host}' is not an official source (a regulator's or guideline body's own "
                    "site over https); cite the paper by its doi or pmid instead"
                )
        if self.year is None:
            problems.append("a reference needs its year")
        if self.kind is EvidenceKind.LABEL:
            if self.issuer is None:
                problems.append("a label needs its issuer (the regulator)")
        elif self.kind is EvidenceKind.GUIDELINE:
            if self.journal is None and self.issuer is None:
                problems.append("a guideline needs its journal or its issuer")
        elif self.kind is EvidenceKind.ONGOING_TRIAL:
            if self.nct is None:
                problems.append("an ongoing trial needs its registry number (nct)")
        elif self.nct is None and (self.journal is None or not (self.doi or self.pmid)):
            problems.append(f"a {self.kind.value} reference needs its journal and a doi or pmid (or an nct)")
        if (self.kind is EvidenceKind.REVIEW) != (self.reviews is not None):
            problems.append("'reviews' is given for a review, and only for a review")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def level(self) -> EvidenceLevel | None:
        """The evidence level this reference lends an action.

        A review lends the level of what it reviews, and a trial still running lends none.
        """
        if self.reviews is not None:
            return self.reviews
        if self.kind is EvidenceKind.ONGOING_TRIAL:
            return None
        return EvidenceLevel(self.kind.value)

    @property
    def link(self) -> str | None:
        """The reference's one link, derived from its identifier."""
        return link_of(self)

    @property
    def citation(self) -> str:
        """The reference in compact Vancouver style."""
        return vancouver(self)


class EvidenceFile(Data):
    evidence: dict[str, Evidence]


class Caution(Data):
    text: Text
    evidence: list[Identifier] = Field(min_length=1)
    edited_by: EditedBy | None = None
    """Who last changed this caution (default: the knowledge's `developer`)."""


class CautionsFile(Data):
    cautions: dict[str, Caution]


AudienceSpec = Identifier | list[Identifier]
"""Who a text is for: `all`, an age group (`pediatric`, `adult`), an age band of knowledge.yaml, or a
list of these."""


class Bullet(Data):
    """One reason behind an action, tied to the article arguments it rests on."""

    text: Text
    arguments: list[Identifier] = []
    evidence: list[Identifier] = []
    audience: AudienceSpec = Audience.ALL.value


class Statement(Data):
    """A reusable, fully worded action: what to do and why."""

    action: ActionCode
    summary: Text
    rationale: list[Bullet] = Field(min_length=1)
    evidence: list[Identifier] = []
    evidence_level: EvidenceLevel | None = None
    """Pins the level lower than the strongest reference cited would make it (never higher): for a
    statement that cites, say, a label only to say its use lies outside it."""
    topic: Text | None = None
    """What the statement is about, in a few words ("Brain metastases without symptoms"): when two
    statements of one action meet in a plan they become one action, and each part is named by its
    topic. `pathways check` asks for it wherever that happens."""
    edited_by: EditedBy | None = None
    """Who last changed this statement (default: the knowledge's `developer`); a reviewer of that
    name cannot approve it."""


class PlanSelector(Data):
    """One side of a conflict: statements by id, or every statement of some action codes.

    `strengths` narrows either to the statements used at those strengths.
    """

    statements: list[Identifier] = []
    actions: list[ActionCode] = []
    strengths: list[Strength] = []
    """Only at these strengths (all of them when empty)."""

    @model_validator(mode="after")
    def _one_way(self) -> PlanSelector:
        if bool(self.statements) == bool(self.actions):
            raise ValueError("a side names either 'statements' or 'actions', not both")
        return self


class Conflict(Data):
    """Two kinds of action that cannot stand in one plan, and why.

    `pathways check` walks every combination of answers and proves that no plan holds both.
    """

    between: list[PlanSelector] = Field(min_length=2, max_length=2)
    why: Text


class StatementsFile(Data):
    statements: dict[str, Statement]
    conflicts: dict[Identifier, Conflict] = {}


class ActionRef(Data):
    """An action of an outcome: which statement, how strongly, at which step."""

    use: Identifier
    strength: Strength
    step: int = Field(default=1, ge=1, le=20)
    level: EvidenceLevel | dict[Identifier, EvidenceLevel] | None = None
    """The strongest kind of evidence behind this action in this situation, where it differs from
    what the statement's citations alone would give; per age band or group where it differs by age
    (`{infant: prospective, adult: case_reports}`). Never stronger than what the statement cites."""


class CautionRef(Data):
    id: Identifier
    audience: AudienceSpec = Audience.ALL.value

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, data: Any) -> Any:
        return {"id": data} if isinstance(data, str) else data


def _bare_caution_ids(schema: dict[str, Any]) -> None:
    """In the editor schema, a caution may be a bare id (for everyone) as well as {id, audience}."""
    items = schema["properties"]["cautions"]["items"]
    schema["properties"]["cautions"]["items"] = {"anyOf": [items, {"type": "string"}]}


class Bundle(Data):
    """Actions and cautions that a node contributes to the recommendation."""

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra=_bare_caution_ids)

    actions: list[ActionRef] = []
    cautions: list[CautionRef] = []
    alongside: bool = False
    """For an `add` node: its steps run alongside the next contributor's instead of before them."""
    together: bool = False
    """Its steps are counted from where the contribution before it started, so the two run at the
    same time (two emergencies treated at once, each from its own node)."""


class Branch(Data):
    """One way out of a question: plain data, never an expression.

    `when` lists values (for a list answer: any of them given); `when_empty` takes an empty list;
    `count_at_least` a list with at least that many items; `below` a number under that bound;
    `otherwise` everything else. Branches are tried in order.
    """

    when: list[Any] | None = None
    when_empty: bool | None = None
    count_at_least: int | None = Field(default=None, ge=1, le=50)
    below: float | None = None
    otherwise: bool | None = None
    goto: Identifier | None = None
    handoff: Annotated[str, StringConstraints(pattern=r"^[a-z_]+(:[a-z0-9_]+)?$")] | None = None

    @model_validator(mode="after")
    def _one_condition_one_target(self) -> Branch:
        conditions = [
            self.when is not None,
            bool(self.when_empty),
            self.count_at_least is not None,
            self.below is not None,
            bool(self.otherwise),
        ]
        if sum(conditions) != 1:
            raise ValueError(
                "a branch needs exactly one of: when, when_empty: true, count_at_least, below, "
                "otherwise: true"
            )
        if (self.goto is None) == (self.handoff is None):
            raise ValueError("a branch needs exactly one of: goto (a node here), handoff (a pathway)")
        return self


class Node(Data):
    """One step of a pathway: exactly one of four kinds.

    A question (`ask`), a silent split (`route_on`: on the age group, the age band, or an answer
    already given on every path to the node), a contribution that carries on (`add` + `next`), or
    an end point (`outcome`).
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


class PathwayFile(Data):
    """One pathway module: a tree of nodes starting at `entry`."""

    pathway: PathwayName
    title: Text
    summary: Text
    entry: Identifier
    nodes: dict[Identifier, Node] = Field(min_length=1)


# --- Review files: who may review (reviewers.yaml) and what they signed (reviews/*.yaml) ---


class Reviewer(Data):
    """A clinician whose signed review records count: a name, a role, and an Ed25519 public key."""

    name: EditedBy
    role: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    public_key: Annotated[str, StringConstraints(pattern=r"^ed25519:[A-Za-z0-9+/]{43}=$")]


class ReviewersFile(Data):
    """`reviewers.yaml`: the institution's reviewers; a name or a key appears once."""

    reviewers: list[Reviewer] = []

    @model_validator(mode="after")
    def _each_once(self) -> ReviewersFile:
        names = [" ".join(r.name.casefold().split()) for r in self.reviewers]
        keys = [r.public_key for r in self.reviewers]
        if len(set(names)) != len(names):
            raise ValueError("a reviewer's name appears twice; each reviewer is listed once")
        if len(set(keys)) != len(keys):
            raise ValueError("a public key appears twice; each reviewer has a key of their own")
        return self


class ReviewRecord(Data):
    """One signed decision about one statement as it was (its content hash) on a date."""

    statement: Annotated[
        str, StringConstraints(pattern=r"^(rec|caution|arg):[a-z0-9][a-z0-9_.\-]*$", max_length=90)
    ]
    hash: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
    reviewer: EditedBy
    decision: ReviewDecision
    date: dt.date
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""
    signature: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]{86}==$")]


class ReviewsFile(Data):
    """`reviews/NAME.yaml`: signed review records, appended in the order they were made."""

    reviews: list[ReviewRecord] = []
