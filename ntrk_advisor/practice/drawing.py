"""A fresh case for one item, worded as a vignette, and its grade by the engine.

Each review draws one end point of the walk that reaches the item (`items.ItemIndex`), at an age
drawn inside the end point's age band, and asks what the engine's plan for that case answers:
the best next step, or, when the plan has none to key, what to avoid. The options are the key and
actions the engine does not give in the same sense (`keying.derive_key` picks the key, as it does
for the written scenarios). Everything is drawn from the `random.Random` handed in, so a seed
gives the same case. The vignette is the case's answers in the trainee's language, worded by the
question labels the consult uses: no clinical fact is written here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.result import Result
from ntrk_advisor.contract.vocabulary import ActionCode, Status, Strength
from ntrk_advisor.engine import build_result, decide, evaluate
from ntrk_advisor.i18n import Lang, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.practice.errors import NothingToDraw
from ntrk_advisor.practice.items import ARGUMENT, OUTCOME, EndPoint, ItemIndex
from ntrk_advisor.practice.keying import derive_key
from ntrk_advisor.practice.texts import say
from ntrk_advisor.practice.vocabulary import QuestionKind

OPTIONS = 4
"""Options per question: the key and three others (fewer when fewer fit)."""
TRIES = 40
"""End points tried, in drawn order, before an item is reported as having no case to ask."""
OLDEST = 80
"""The oldest age drawn in the last age band, which has no upper bound."""


@dataclass(frozen=True)
class DrawnCase:
    """One question about one item: the case, what is asked, and the options in the order shown."""

    item: str
    case: Case
    answers: dict[str, Any]
    question: QuestionKind
    options: tuple[ActionCode, ...]

    def option_label(self, index: int, lang: Lang) -> str:
        """An option's words in `lang` (the action's name, as every recommendation names it)."""
        return t(f"action.{self.options[index].value}", lang)


def reaches(case: Case, item: str, kb: KnowledgeBase) -> bool:
    """Whether the engine takes `case` to `item`: ends at the outcome, or its plan cites the argument."""
    decision = decide(case, kb)
    if decision.status is not Status.COMPLETE:
        return False
    kind, _, key = item.partition(":")
    if kind == OUTCOME:
        return decision.trail[-1].qid == key
    if kind == ARGUMENT:
        result = build_result(decision, None, "en", kb)
        return any(key in action.arguments for action in result.actions)
    return False


def draw(index: ItemIndex, item: str, rng: random.Random) -> DrawnCase:
    """A fresh question about `item`, drawn by `rng`; `NothingToDraw` if no walked case can ask it."""
    ends = index.reaching(item)
    order = list(range(len(ends)))
    rng.shuffle(order)
    for number in order[:TRIES]:
        drawn = _question(index.kb, item, ends[number], rng)
        if drawn is not None:
            return drawn
    raise NothingToDraw(item)


def _question(kb: KnowledgeBase, item: str, end: EndPoint, rng: random.Random) -> DrawnCase | None:
    answers = {**end.answers, "age_years": _age_in_band(kb, end.answers["age_years"], rng)}
    case = case_from_data(answers)
    if not reaches(case, item, kb):
        return None
    result = evaluate(case, "en", kb)
    question = QuestionKind.NEXT_STEP
    key = derive_key(question, result)
    if key is None:
        question = QuestionKind.AVOID
        key = derive_key(question, result)
    if key is None:
        return None
    advised = sorted(
        {a.action for a in result.actions if a.strength is not Strength.NOT_RECOMMENDED} - {key.action},
        key=lambda c: c.value,
    )
    if question is QuestionKind.AVOID:  # the others must be advised, or avoiding them is right too
        pool: list[ActionCode] = [c for c in advised if c is not ActionCode.MDT_REVIEW]
    else:  # the others must not be given by the engine in any positive sense
        given = {a.action for a in result.actions if a.strength is not Strength.NOT_RECOMMENDED}
        pool = [c for c in ActionCode if c not in given and c is not key.action]
    if not pool:
        return None
    options = [key.action, *rng.sample(pool, min(OPTIONS - 1, len(pool)))]
    rng.shuffle(options)
    return DrawnCase(item, case, answers, question, tuple(options))


def _age_in_band(kb: KnowledgeBase, youngest: float, rng: random.Random) -> float:
    """An age in the same band as `youngest` (whole months under 2, whole years from then on)."""
    band = kb.bands.band_of(youngest)
    index = kb.bands.ids.index(band)
    upper = kb.bands.bounds[index] if index < len(kb.bands.bounds) else float(OLDEST)
    if upper <= 2:
        months = rng.randrange(int(youngest * 12), int(upper * 12))
        return round(months / 12, 4)
    return float(rng.randrange(int(youngest), int(upper)))


@dataclass(frozen=True)
class ReviewGrade:
    """The engine's grade of one answer to a drawn question."""

    drawn: DrawnCase
    chosen_index: int
    key: ActionCode
    result: Result
    """The engine's result for the case, worded in the trainee's language."""

    @property
    def correct(self) -> bool:
        """Whether the option chosen is the engine's key."""
        return self.drawn.options[self.chosen_index] is self.key

    @property
    def key_index(self) -> int:
        """Where the key stands among the options (from 0)."""
        return self.drawn.options.index(self.key)


def grade_drawn(drawn: DrawnCase, chosen_index: int, kb: KnowledgeBase, lang: Lang) -> ReviewGrade:
    """Grade an answer: the key is whatever the engine's result for the case gives, asked now."""
    result = evaluate(drawn.case, lang, kb)
    key = derive_key(drawn.question, result)
    assert key is not None  # drawn only when the engine keyed it, from the same knowledge
    return ReviewGrade(drawn, chosen_index, key.action, result)


def vignette_lines(drawn: DrawnCase, kb: KnowledgeBase, lang: Lang) -> list[str]:
    """The case as a trainee reads it: each finding the path asks about, labelled, in its language."""
    from ntrk_advisor.render.view import answer_label, field_label, labelled

    result = evaluate(drawn.case, lang, kb)
    lines = [labelled(field_label("age_years", lang), _age_words(drawn.case.age_years or 0.0, lang), lang)]
    for step in result.trace:
        if step.field == "age_years":
            continue
        lines.append(
            labelled(field_label(step.field, lang), answer_label(kb, step.field, step.answer, lang), lang)
        )
    return lines


def _age_words(age: float, lang: Lang) -> str:
    if age < 2:
        return say("age_months", lang, months=round(age * 12))
    return say("age_years", lang, years=int(age))
