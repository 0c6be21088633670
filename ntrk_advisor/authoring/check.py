"""`pathways check` as a report: every load-time check, then the exhaustive audit.

The command only prints the two texts and picks the exit code; what counts as a problem and how
it is worded is decided here, next to the audit, so a script and the CLI see the same report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ntrk_advisor.authoring.audit import audit
from ntrk_advisor.errors import PathwayError
from ntrk_advisor.pathway.knowledge import default_knowledge_base, load_knowledge_base
from ntrk_advisor.render.safe_text import shown


@dataclass(frozen=True)
class CheckReport:
    """What a check found: one problem per line (for stdout) and a summary (for stderr)."""

    findings: str
    summary: str
    passed: bool


def check_pathways(directory: Path | str | None = None, *, require_review: bool = False) -> CheckReport:
    """Check the folder given, else the pathway modules in use (NTRK_ADVISOR_PATHWAYS or built-in).

    With `require_review` (an institution's release gate), every statement used on a walked path
    must have a current clinician approval (`authoring/signoff.py`).
    """
    try:
        kb = load_knowledge_base(directory) if directory is not None else default_knowledge_base()
    except PathwayError as exc:
        return CheckReport(
            findings="".join(f"{problem}\n" for problem in exc.problems),
            summary=f"{len(exc.problems)} problem(s): the pathway modules cannot be used\n",
            passed=False,
        )
    report = audit(kb)
    if require_review:
        from ntrk_advisor.authoring.signoff import reviewed, unapproved_reached

        reached = {step.qid for leaf in report.leaves for step in leaf.decision.trail}
        report.problems += unapproved_reached(reviewed(kb), reached)
    texts = ", ".join(f"{lang} {count}" for lang, count in report.texts.items())
    summary = (
        f"{shown(kb.stamp.name)} {shown(kb.stamp.version)} ({shown(kb.location)}): {len(kb.nodes)} nodes, "
        f"{len(report.leaves)} answer combinations walked, texts per language: {texts}\n"
    )
    if report.problems:
        summary += f"{len(report.problems)} problem(s)\n"
    else:
        summary += "all checks passed\n"
    return CheckReport(
        findings="".join(f"{problem}\n" for problem in report.problems),
        summary=summary,
        passed=not report.problems,
    )
