"""Grade one answer against the engine-derived key, and describe the grade for people and machines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import ActionCode
from ntrk_advisor.environment import Clock
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.errors import InvalidChoice
from ntrk_advisor.practice.library import KeyedScenario, evaluate_scenario
from ntrk_advisor.practice.schema import Option
from ntrk_advisor.practice.store import Attempt, now_utc


@dataclass(frozen=True)
class Feedback:
    """The grade of one answer, with everything needed to explain it in one language."""

    keyed: KeyedScenario
    chosen_index: int
    result: Result
    lang: Lang

    @property
    def chosen(self) -> Option:
        """The option the trainee picked."""
        return self.keyed.scenario.options[self.chosen_index]

    @property
    def correct(self) -> bool:
        """Whether the pick is the engine-derived key."""
        return self.chosen_index == self.keyed.key_index

    def attempt(self, knowledge_version: str, clock: Clock) -> Attempt:
        """The row to record for this answer, stamped now by `clock` (the store's)."""
        return Attempt(
            answered_at=now_utc(clock),
            scenario_id=self.keyed.id,
            choice=self.chosen.action.value,
            correct=self.correct,
            lang=self.lang,
            knowledge_version=knowledge_version,
            scenario_version=self.keyed.scenario.version,
        )


def parse_choice(keyed: KeyedScenario, text: str) -> int:
    """The option index (from 0) that `text` names: its number (1..n) or its action code."""
    options = keyed.scenario.options
    cleaned = text.strip()
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(options):
        return int(cleaned) - 1
    try:
        code = ActionCode(cleaned)
    except ValueError:
        code = None
    for index, option in enumerate(options):
        if option.action is code:
            return index
    raise InvalidChoice(keyed.id, text, [o.action.value for o in options])


def grade(keyed: KeyedScenario, chosen_index: int, lang: Lang, kb: KnowledgeBase) -> Feedback:
    """Grade the option at `chosen_index`; the result is re-worded in `lang` for the feedback."""
    return Feedback(keyed, chosen_index, evaluate_scenario(keyed.scenario, kb, lang), lang)


def feedback_dict(feedback: Feedback) -> dict[str, Any]:
    """The grade as a JSON-ready object (the `--format json` of `practice answer`)."""
    lang = feedback.lang
    keyed = feedback.keyed
    chosen = feedback.chosen
    why = None
    if not feedback.correct and chosen.why_weaker is not None:
        why = {
            "text": getattr(chosen.why_weaker, lang),
            "arguments": list(chosen.arguments),
            "evidence": list(chosen.evidence),
        }
    return {
        "scenario_id": keyed.id,
        "scenario_version": keyed.scenario.version,
        "question": keyed.scenario.question.value,
        "lang": lang,
        "choice": chosen.action.value,
        "choice_number": feedback.chosen_index + 1,
        "correct": feedback.correct,
        "key": keyed.key.action.value,
        "key_number": keyed.key_index + 1,
        "key_strength": keyed.key.strength.value,
        "key_text": keyed.key_option.label(lang),
        "why_weaker": why,
        "teaching_points": [
            {"text": getattr(p.text, lang), "arguments": list(p.arguments), "evidence": list(p.evidence)}
            for p in keyed.scenario.teaching_points
        ],
        "recommendation": feedback.result.to_dict(),
    }
