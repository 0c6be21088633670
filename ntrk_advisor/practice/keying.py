"""The answer key of a scenario, derived from the engine's result, and the rules options must keep.

The key is never written by hand: if the knowledge base changes a recommendation, the key follows,
and a scenario whose options no longer fit is refused at load instead of teaching stale advice.
"""

from __future__ import annotations

from ntrk_advisor.contract.result import Action, Result
from ntrk_advisor.contract.vocabulary import ActionCode, Status, Strength
from ntrk_advisor.practice.schema import Scenario
from ntrk_advisor.practice.vocabulary import QuestionKind

KEY_STRENGTHS = (Strength.URGENT, Strength.PREFERRED, Strength.RECOMMENDED)
"""Strengths that can key a `next_step` or `timing` question, strongest first."""


def derive_key(question: QuestionKind, result: Result) -> Action | None:
    """The engine's action that answers `question`, or None when the result has none.

    `next_step` and `timing`: of the strongest strength present (urgent, then preferred, then
    recommended), the first action in plan order, MDT review aside (it accompanies every plan,
    so it never answers "what next?"). `avoid`: the first `not_recommended` action.
    """
    if question is QuestionKind.AVOID:
        return next((a for a in result.actions if a.strength is Strength.NOT_RECOMMENDED), None)
    for strength in KEY_STRENGTHS:
        for action in result.actions:  # already in plan order; equal steps keep data order
            if action.strength is strength and action.action is not ActionCode.MDT_REVIEW:
                return action
    return None


def key_problems(scenario: Scenario, result: Result) -> list[str]:
    """Everything that keeps `scenario` from being graded against `result` (empty when sound)."""
    if result.status is not Status.COMPLETE:
        detail = ", ".join(result.missing) or "; ".join(f"{e.field}: {e.message}" for e in result.errors)
        return [f"the case must evaluate 'complete', not '{result.status.value}' ({detail})"]
    problems: list[str] = []
    if result.pathway is not scenario.pathway:
        got = result.pathway.value if result.pathway else "-"
        problems.append(f"declares pathway '{scenario.pathway.value}' but the case ends in '{got}'")
    if result.age_group is not scenario.age_group:
        got = result.age_group.value if result.age_group else "-"
        problems.append(f"declares age group '{scenario.age_group.value}' but the case is '{got}'")
    key = derive_key(scenario.question, result)
    if key is None:
        wanted = (
            "not_recommended"
            if scenario.question is QuestionKind.AVOID
            else "urgent, preferred or recommended"
        )
        kind = scenario.question.value
        return [*problems, f"the engine's result has no {wanted} action to key a '{kind}' question"]
    actions = [o.action for o in scenario.options]
    if key.action not in actions:
        problems.append(f"no option has the keyed action '{key.action.value}' (from the engine's result)")
    same_strength = {a.action for a in result.actions if a.strength is key.strength}
    positive = {a.action for a in result.actions if a.strength is not Strength.NOT_RECOMMENDED}
    for number, option in enumerate(scenario.options, start=1):
        where = f"option {number} ({option.action.value})"
        if option.action is key.action:
            if option.why_weaker is not None:
                problems.append(f"{where} is the key, so it takes no why_weaker")
            continue
        if option.why_weaker is None:
            problems.append(f"{where} is a distractor and needs why_weaker")
        if option.action in same_strength:
            problems.append(
                f"{where} is a distractor, yet the engine also gives it as '{key.strength.value}', "
                "like the key"
            )
        if scenario.question is QuestionKind.AVOID and option.action not in positive:
            # Otherwise a trainee could rightly want to avoid it too and still be marked wrong.
            problems.append(f"{where}: in an 'avoid' question every distractor must be advised by the engine")
    return problems
