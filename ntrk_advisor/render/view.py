"""What the human formats share: labels, the case line, references, in the chosen language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ntrk_advisor.contract.result import Action, KnowledgeStamp, Result
from ntrk_advisor.contract.vocabulary import ReviewStatus, Strength
from ntrk_advisor.i18n import Lang, has, t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.render.safe_text import shown


@dataclass(frozen=True)
class Reference:
    """A resolved evidence reference, ready to print: numbered in order of first citation."""

    number: int
    id: str
    citation: str
    link: str | None
    verified: bool

    def short_line(self) -> str:
        """`dubois-2018-cancer · https://…`: the ID and where the source is, for a screen."""
        return f"{self.id} · {self.link}" if self.link else self.id

    def line(self, lang: Lang, *, printed: bool = False) -> str:
        """`Author A, et al. Title. Journal 2019;30:1417-27. doi:… https://doi.org/…` (link last).

        On paper (`printed`) a DOI link that only repeats the DOI the citation ends with is left out.
        """
        text = self.citation
        if not self.verified:
            text += f" ({t('not_verified', lang)})"
        if not self.link:
            return text
        if printed and self.link.startswith("https://doi.org/") and "doi:" in self.citation:
            return text  # the citation already ends with the DOI
        return f"{text} {self.link}"


def strength_label(strength: Strength, lang: Lang) -> str:
    """The badge text for a strength."""
    return t(f"strength.{strength.value}", lang)


def level_label(action: Action, lang: Lang) -> str:
    """`evidence: prospective trials`: how strong the evidence behind the action is."""
    return t("evidence_level", lang, level=t(f"level.{action.evidence_level.value}", lang))


def unused_line(result: Result, lang: Lang) -> str | None:
    """The one line that says which given answers this path did not use, or None.

    The answers are named by their labels in the reader's language, never by their field codes.
    """
    if not result.unused_answers:
        return None
    separator = "、" if lang == "zh" else ", "
    fields = separator.join(field_label(name, lang) for name in result.unused_answers)
    return t("unused_answers", lang, fields=fields)


def field_label(field: str, lang: Lang) -> str:
    """A case field's short label (`Prior TRK inhibitors`, `既往TRK抑制剂`); its code if it has none."""
    key = f"field.{field}"
    return t(key, lang) if has(key) else field


def action_title(action: Action, lang: Lang, number: str | None = None) -> str:
    """`Step 2 · Surgery at maximal response` in the chosen language.

    `number` is the step's label from `step_numbers` ("1a" when two actions share step 1).
    """
    label = number if number is not None else str(action.order)
    return f"{t('step', lang)} {label} · {t(f'action.{action.action.value}', lang)}"


def step_numbers(actions: Sequence[Action]) -> dict[int, str]:
    """Each action's step label by `id`: its order, or "1a", "1b" when actions share one order.

    Two actions at one step are done together; two panels both titled "Step 1" read like a
    numbering slip, "Step 1a" and "Step 1b" read as one step of two parts.
    """
    shared: dict[int, list[Action]] = {}
    for action in actions:
        shared.setdefault(action.order, []).append(action)
    labels: dict[int, str] = {}
    for order, together in shared.items():
        for index, action in enumerate(together):
            labels[id(action)] = f"{order}{chr(ord('a') + index)}" if len(together) > 1 else str(order)
    return labels


def avoid_title(action: Action, lang: Lang) -> str:
    """`✗ Avoid · Next-generation TRK inhibitor`: an avoid item is never a numbered step."""
    return f"✗ {t('group.avoid', lang)} · {t(f'action.{action.action.value}', lang)}"


def bullet_citation(action: Action, index: int, kb: KnowledgeBase) -> str:
    """`neoadjuvant.downstaging · S3` for a bullet resting on the article, else its evidence IDs.

    Empty when the bullet's basis is not known (a result read back from JSON).
    """
    per_bullet = action.bullet_arguments
    arguments = per_bullet[index] if index < len(per_bullet) else ()
    if arguments:
        return citation(arguments, (), kb)
    evidence = action.bullet_evidence[index] if index < len(action.bullet_evidence) else ()
    return citation((), evidence, kb)


def citation(arguments: Sequence[str], evidence: Sequence[str], kb: KnowledgeBase) -> str:
    """`advanced.oligoprogression · S4; weickhardt-2012-jto`: what a text rests on."""
    parts = []
    if arguments:
        sections = sorted({s for s in map(kb.section_of, arguments) if s is not None})
        parts.append(f"{', '.join(arguments)} · {', '.join(sections)}")
    if evidence:
        parts.append(", ".join(evidence))
    return "; ".join(parts)


def case_line(result: Result, kb: KnowledgeBase, lang: Lang, tumor_type: str | None) -> list[tuple[str, str]]:
    """Label/value pairs summarising the case and where it ended (case texts shown literally)."""
    pairs = [
        (t("case", lang), shown(result.case_id) if result.case_id else "-"),
        (t("status", lang), t(f"status.{result.status.value}", lang)),
    ]
    if result.pathway is not None:
        pairs.append((t("pathway", lang), t(f"pathway.{result.pathway.value}", lang)))
    if result.age_group is not None:
        pairs.append((t("age_group", lang), t(f"age.{result.age_group.value}", lang)))
    band = result.age_band
    if band is not None and band in kb.bands.ids and band != getattr(result.age_group, "value", None):
        pairs.append((t("age_band", lang), kb.bands.label(band, lang)))
    if tumor_type:
        pairs.append((t("tumor_type", lang), shown(tumor_type)))
    return pairs


def references(result: Result, kb: KnowledgeBase) -> list[Reference]:
    """Every evidence ID the result cites, resolved to its full reference, first-cited first."""
    seen: dict[str, None] = {}
    for action in result.actions:
        seen.update(dict.fromkeys(action.evidence))
    out: list[Reference] = []
    for ref_id in seen:
        work = kb.work(ref_id)
        if work is not None:
            out.append(Reference(len(out) + 1, ref_id, work.citation, work.link, work.verified))
    return out


def urgent_first(result: Result) -> list[Action]:
    """Actions with urgent ones first, the rest in the order the plan runs."""
    urgent = [a for a in result.actions if a.strength is Strength.URGENT]
    return urgent + [a for a in result.actions if a.strength is not Strength.URGENT]


DO_STRENGTHS = (Strength.URGENT, Strength.PREFERRED, Strength.RECOMMENDED)
CONSIDER_STRENGTHS = (Strength.CONSIDER, Strength.INDIVIDUALIZED)
AVOID_STRENGTHS = (Strength.NOT_RECOMMENDED,)


@dataclass(frozen=True)
class BottomLine:
    """The plan at a glance, in three groups a reader can take in within seconds.

    `do`: urgent, preferred and recommended actions, strongest first and then in the order the plan
    runs; `consider`: actions to consider or decide case by case; `avoid`: what not to do. An avoid
    item is never a step of the plan, so it is never numbered.
    """

    do: tuple[Action, ...]
    consider: tuple[Action, ...]
    avoid: tuple[Action, ...]

    def groups(self) -> list[tuple[str, tuple[Action, ...]]]:
        """(`do`|`consider`|`avoid`, actions) for the groups that have any, in that order."""
        named = [("do", self.do), ("consider", self.consider), ("avoid", self.avoid)]
        return [(name, actions) for name, actions in named if actions]


def bottom_line(result: Result) -> BottomLine:
    """The result's actions grouped into do, consider and avoid (see `BottomLine`)."""

    def picked(strengths: tuple[Strength, ...]) -> tuple[Action, ...]:
        chosen = [a for a in result.actions if a.strength in strengths]
        return tuple(sorted(chosen, key=lambda a: (strengths.index(a.strength), a.order)))

    return BottomLine(picked(DO_STRENGTHS), picked(CONSIDER_STRENGTHS), picked(AVOID_STRENGTHS))


def bottom_line_item(action: Action, lang: Lang) -> str:
    """`Surgery at maximal response · PREFERRED · evidence: case series`: one line of the bottom line.

    An action whose statement no clinician has approved (as it is now) says so at the end.
    """
    name = t(f"action.{action.action.value}", lang)
    line = f"{name} · {strength_label(action.strength, lang)} · {level_label(action, lang)}"
    mark = review_mark(action, lang)
    return f"{line} · {mark}" if mark else line


def unapproved(action: Action) -> bool:
    """Whether the action's statement lacks a current clinician approval (also when it is not known)."""
    return action.review is None or action.review.status is not ReviewStatus.APPROVED


def review_mark(action: Action, lang: Lang) -> str | None:
    """`⚠ not reviewed`: the short mark of an unapproved action, or None for an approved one."""
    if not unapproved(action):
        return None
    status = ReviewStatus.UNREVIEWED if action.review is None else action.review.status
    return t(f"stamp.short.{status.value}", lang)


def review_note(action: Action, lang: Lang) -> str:
    """The action's review in a sentence: who approved it and when, or a warning that none did."""
    review = action.review
    if review is None or review.status is not ReviewStatus.APPROVED:
        status = ReviewStatus.UNREVIEWED if review is None else review.status
        return t(f"stamp.{status.value}", lang)
    separator = "；" if lang == "zh" else "; "
    who = separator.join(
        t("stamp.reviewer", lang, name=r.name, role=r.role, date=r.date) for r in review.reviewers
    )
    return shown(t("stamp.approved", lang, reviewers=who))  # names and roles typed in reviewers.yaml


def knowledge_line(result: Result, lang: Lang) -> str:
    """Name, version, date last edited and review coverage of the knowledge that produced the result."""
    return stamp_line(result.knowledge, lang)


def stamp_line(k: KnowledgeStamp, lang: Lang) -> str:
    """Name, version, date last edited and how many statements a clinician approved.

    The date is named for what it is, the last edit; the coverage says how much of the knowledge a
    clinician reviewer has signed off (none, for the built-in knowledge as shipped).
    """
    coverage = t("stamp.coverage", lang, approved=k.review.approved, statements=k.review.statements)
    edited = k.edited or k.reviewed
    # a local copy's own name and version: typed by someone else, shown literally
    return shown(f"{k.name} · {t('version', lang)} {k.version} · {t('edited', lang)} {edited} · {coverage}")


def labelled(label: str, value: str, lang: Lang) -> str:
    """`Label: value`, with the full-width colon in Chinese (the one `label_sep` of every format)."""
    return f"{label}{t('label_sep', lang)}{value}"


def answer_label(kb: KnowledgeBase, field: str, answer: object, lang: Lang) -> str:
    """An answer as the question's choices word it (`Locally advanced: …`), else as `answer_text`."""
    question = kb.questions.questions.get(field)
    choices = (question.choices or {}) if question is not None else {}
    if answer == [] and question is not None and question.none_label is not None:
        return str(getattr(question.none_label, lang))  # "None of these", as the checklist said

    def label(value: object) -> str:
        key = str(value).lower() if isinstance(value, bool) else str(value)
        text = choices.get(key)
        return str(getattr(text, lang)) if text is not None else answer_text(value, lang)

    if isinstance(answer, list):
        return ("、" if lang == "zh" else ", ").join(label(a) for a in answer) or t("none", lang)
    return label(answer)


def answer_text(answer: object, lang: Lang) -> str:
    """A trace answer as a reader sees it."""
    if isinstance(answer, bool):
        return t("yes" if answer else "no", lang)
    if isinstance(answer, list):
        return ", ".join(str(a) for a in answer) or t("none", lang)
    return str(answer)
