"""The shape of a scenario file, as pydantic models (each file checked on its own).

What needs the knowledge base (argument IDs, the case's result, the key) is checked by
`ntrk_advisor.practice.library` once every file has passed these models.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator

from ntrk_advisor.contract.vocabulary import ActionCode, AgeGroup, PathwayName
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.schema import Data, Identifier, Text
from ntrk_advisor.practice.vocabulary import Difficulty, QuestionKind

ScenarioId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=64)]
"""A scenario ID is also the case ID its result carries, hence the contract's 64 characters."""


class Option(Data):
    """One answer a trainee can give: an action, in plain words, and why it falls short if it does."""

    action: ActionCode
    text: Text
    why_weaker: Text | None = None
    arguments: list[Identifier] = Field(min_length=1)
    evidence: list[Identifier] = Field(default_factory=list)

    def label(self, lang: Lang) -> str:
        """The option's words in `lang`."""
        return str(getattr(self.text, lang))


class TeachingPoint(Data):
    """What the scenario is meant to teach, tied to the article arguments it rests on."""

    text: Text
    arguments: list[Identifier] = Field(min_length=1)
    evidence: list[Identifier] = Field(default_factory=list)


class Scenario(Data):
    """One vignette with its contract case, its question and 4-5 options.

    There is deliberately no field for the correct answer: it is derived from the engine's
    recommendation for `case`, so the library can never disagree with the advisor.
    """

    id: ScenarioId
    version: int = Field(ge=1)
    pathway: PathwayName
    age_group: AgeGroup
    difficulty: Difficulty
    title: Text
    vignette: Text
    case: dict[str, Any]
    question: QuestionKind
    prompt: Text
    options: list[Option] = Field(min_length=4, max_length=5)
    teaching_points: list[TeachingPoint] = Field(min_length=1)

    @model_validator(mode="after")
    def _distinct_actions(self) -> Scenario:
        actions = [o.action for o in self.options]
        doubled = sorted({a.value for a in actions if actions.count(a) > 1})
        if doubled:
            raise ValueError(f"two options share the action {', '.join(doubled)}")
        return self


class ScenarioFile(Data):
    """One file of the library (by convention one per pathway)."""

    scenarios: list[Scenario] = Field(min_length=1)
