"""`pathways review` at a terminal: walk the statements that need a decision, and sign each one.

Each statement is shown as a reviewer must judge it: its texts in both languages, its rationale
with the full references and links it cites, the article arguments it rests on, where the
pathways use it and with what strength, and a few answer combinations that reach it (from the
exhaustive walk `pathways check` does). Each decision is signed and written at once
(`signoff.record_decisions`), so stopping loses nothing. A statement the reviewer last edited is
left for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import questionary
from rich.console import Console

from ntrk_advisor.authoring.keys import public_text_of, read_private_key
from ntrk_advisor.authoring.signoff import Reviewed, record_decisions, reviewed
from ntrk_advisor.contract.vocabulary import ReviewDecision, ReviewStatus
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import Interrupted, UsageError
from ntrk_advisor.i18n import LANGS, Lang, t
from ntrk_advisor.pathway.knowledge import load_knowledge_base
from ntrk_advisor.pathway.look_alike import reads_as
from ntrk_advisor.pathway.sources import REVIEWERS_FILE
from ntrk_advisor.pathway.statements import StatementInfo
from ntrk_advisor.render.safe_text import shown

CASES_SHOWN = 3
_NEEDS = (ReviewStatus.STALE, ReviewStatus.UNREVIEWED, ReviewStatus.CHANGES_REQUESTED)


def run_session(folder: Path, key_file: Path, env: Environment, lang: Lang) -> None:
    """Ask for a decision on each statement that needs one, signing and saving each at once."""
    from ntrk_advisor.authoring.audit import walk_leaves

    console = Console(stderr=True, highlight=False)
    pem = read_private_key(key_file)
    public = public_text_of(pem)
    r = reviewed(load_knowledge_base(folder))
    listed = r.kb.catalogues.reviewers
    me = next((x for x in (listed.reviewers if listed else []) if x.public_key == public), None)
    if me is None:
        raise UsageError("review.key_not_listed", path=key_file, file=folder / REVIEWERS_FILE)
    todo = [sid for sid in r.statements if r.state.statements[sid].status in _NEEDS]
    own = [sid for sid in todo if reads_as(me.name, r.statements[sid].author)]
    todo = [sid for sid in todo if sid not in own]
    if not todo:
        console.print(t("review.nothing_left", lang, name=shown(me.name)))
        return
    console.print(t("review.session", lang, name=shown(me.name), role=shown(me.role), count=len(todo)))
    if own:
        console.print(t("review.own_skipped", lang, count=len(own)))
    cases = Reach.of(walk_leaves(r.kb))
    done: list[Path] = []
    try:
        _walk(folder, key_file, env, lang, r, todo, cases, console, done)
    except KeyboardInterrupt:
        # Ctrl-C: every decision taken so far is signed and saved; say so in one line (exit 130).
        said = t("review.interrupted", lang, count=len(done), file=done[-1] if done else "-")
        raise Interrupted(said) from None
    if done:
        console.print(t("review.done", lang, count=len(done), file=done[-1]))


def _walk(
    folder: Path,
    key_file: Path,
    env: Environment,
    lang: Lang,
    r: Reviewed,
    todo: list[str],
    cases: Reach,
    console: Console,
    done: list[Path],
) -> None:
    """Ask about each statement of `todo` in turn; each decision's file is appended to `done`."""
    for n, sid in enumerate(todo, start=1):
        console.rule(t("review.progress", lang, n=n, total=len(todo)))
        console.print(describe(r, r.statements[sid], cases, lang), markup=False)
        choice = questionary.select(
            t("review.decide", lang),
            choices=[
                questionary.Choice(t(f"review.choice.{d.value}", lang), value=d.value) for d in ReviewDecision
            ]
            + [
                questionary.Choice(t("review.choice.skip", lang), value="skip"),
                questionary.Choice(t("review.choice.stop", lang), value="stop"),
            ],
        ).unsafe_ask()
        if choice == "stop":
            break
        if choice == "skip":
            continue
        decision = ReviewDecision(choice)
        needed = decision is not ReviewDecision.APPROVED
        prompt = t("review.comment_required" if needed else "review.comment_optional", lang)
        comment = questionary.text(prompt, validate=_comment_check(needed)).unsafe_ask()
        written, _, _ = record_decisions(folder, key_file, [sid], decision, comment.strip(), env.today())
        done.append(written)


def _comment_check(needed: bool) -> Any:
    """A comment is required to ask for changes or reject, optional to approve."""
    return lambda text: bool(text.strip()) or not needed


@dataclass
class Reach:
    """Which walked answer combinations pass each node: a few to show, and how many in all."""

    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """For each node, the first few combinations (`CASES_SHOWN`) whose path passes it."""
    leaves: dict[str, set[int]] = field(default_factory=dict)
    """For each node, the numbers of every combination whose path passes it."""

    @classmethod
    def of(cls, leaves: list[Any]) -> Reach:
        """Read the exhaustive walk (`audit.walk_leaves`) once."""
        reach = cls()
        for number, leaf in enumerate(leaves):
            for step in leaf.decision.trail:
                reach.leaves.setdefault(step.qid, set()).add(number)
                found = reach.samples.setdefault(step.qid, [])
                if len(found) < CASES_SHOWN and leaf.answers not in found:
                    found.append(leaf.answers)
        return reach

    def count(self, places: tuple[str, ...]) -> int:
        """How many combinations reach at least one of `places`."""
        return len(set().union(*(self.leaves.get(place, set()) for place in places)))


def describe(r: Reviewed, info: StatementInfo, cases: Reach, lang: Lang) -> str:
    """A statement as a reviewer reads it: texts in both languages, evidence, places, cases."""
    c = r.kb.catalogues
    status = r.state.statements[info.id].status
    lines = [
        f"{t(f'review.kind.{info.kind}', lang)}  {info.id}",
        f"{t('review.label.status', lang)}: {t(f'review.status.{status.value}', lang)}",
        f"{t('review.label.author', lang)}: {shown(info.author)}",
        f"{t('review.label.hash', lang)}: {info.hash}",
        "",
    ]
    evidence: list[str] = []
    arguments: list[str] = []
    if info.kind == "rec":
        s = c.statements.statements[info.key]
        for language in LANGS:
            lines.append(f"[{language}] {t('review.label.summary', lang)}: {getattr(s.summary, language)}")
        lines.append(f"{t('review.label.rationale', lang)}:")
        for bullet in s.rationale:
            for language in LANGS:
                lines.append(f"  • [{language}] {getattr(bullet.text, language)}")
            arguments += bullet.arguments
            evidence += bullet.evidence
        evidence += s.evidence
    elif info.kind == "caution":
        caution = c.cautions.cautions[info.key]
        lines += [f"[{language}] {getattr(caution.text, language)}" for language in LANGS]
        evidence += caution.evidence
    else:
        argument = c.arguments.arguments[info.key]
        lines.append(f"{t('review.label.section', lang)}: {argument.section}")
        lines += [f"[{language}] {getattr(argument.text, language)}" for language in LANGS]
    if arguments:
        lines += ["", f"{t('review.label.arguments', lang)}: " + ", ".join(dict.fromkeys(arguments))]
    if evidence:
        lines += ["", f"{t('review.label.references', lang)}:"]
        for eid in dict.fromkeys(evidence):
            work = r.kb.work(eid)
            lines.append(
                f"  {eid}: " + ("?" if work is None else f"{work.citation} {work.link or ''}".strip())
            )
    lines += ["", f"{t('review.label.used_at', lang)}:"]
    lines += [f"  {place}" for place in _places(r, info, lang)] or [f"  {t('review.label.not_used', lang)}"]
    shown_cases = [case for place in info.places for case in cases.samples.get(place, [])][:CASES_SHOWN]
    if shown_cases:
        lines += ["", f"{t('review.label.cases', lang)}:"]
        lines += [f"  {_answers(case)}" for case in shown_cases]
        more = cases.count(info.places) - len(shown_cases)
        if more > 0:
            lines.append(f"  {t('review.label.more_cases', lang, count=more)}")
    return "\n".join(shown(line) for line in lines)


def _places(r: Reviewed, info: StatementInfo, lang: Lang) -> list[str]:
    """Each node that uses the statement, with the strength a recommendation is given there."""
    if info.kind != "rec":
        return list(info.places)
    out = []
    for qid in info.places:
        bundle = r.kb.nodes[qid].bundle
        refs = [] if bundle is None else [ref for ref in bundle.actions if ref.use == info.key]
        given = ", ".join(dict.fromkeys(t(f"strength.{ref.strength.value}", lang) for ref in refs))
        out.append(f"{qid} ({given})" if given else qid)
    return out


def _answers(answers: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in answers.items())
