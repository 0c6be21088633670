"""Clinician sign-off as files: add a reviewer, sign decisions, and report where the review stands.

What counts is decided by the knowledge layer (`pathway/reviews.py`), when the knowledge is
compiled; this module only writes what a reviewer does and reads the state back. It writes two
kinds of file, as data beside the pathway files, so a version-control history shows every act:

- `reviewers.yaml`: each reviewer's name, role and Ed25519 public key;
- `reviews/NAME.yaml`: one file per reviewer, their signed records in the order they were made.
  A record is never changed or removed: a later decision by the same reviewer supersedes it.

Signing needs the reviewer's private key (`authoring/keys.py`), which never enters the folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from ntrk_advisor.authoring.keys import public_text_of, read_private_key, sign
from ntrk_advisor.contract.vocabulary import PathwayName, ReviewDecision, ReviewStatus
from ntrk_advisor.errors import PathwayError, PathwayProblem, UsageError
from ntrk_advisor.files import write_atomic
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase, load_knowledge_base
from ntrk_advisor.pathway.look_alike import reads_as
from ntrk_advisor.pathway.reviews import ReviewState, review_state, signed_payload
from ntrk_advisor.pathway.sources import REVIEWERS_FILE, REVIEWS_FOLDER
from ntrk_advisor.pathway.statements import StatementInfo

_HEADER_REVIEWERS = (
    "# The clinicians whose signed review records count for these pathways: name, role and Ed25519\n"
    "# public key. Written by `ntrk-advisor pathways reviewer-key`; the private keys stay with them.\n"
)
_HEADER_REVIEWS = (
    "# Signed review records of {name}, in the order they were made (`ntrk-advisor pathways review`).\n"
    "# Do not edit a record: its signature covers every field, and an edited one no longer counts.\n"
)


def review_folder(directory: str | Path | None) -> Path:
    """The folder whose pathways are reviewed: it must be named, and be a folder of pathway files.

    The built-in pathways of an installed tool are not reviewed in place: a reviewer signs the
    files of a source checkout (`--pathways-dir pathways`) or of an institution's copy.
    """
    if directory is None:
        raise UsageError("review.installed_builtin", path="-")
    folder = Path(directory)
    if not (folder / "knowledge.yaml").is_file():
        raise UsageError("review.not_a_folder", path=folder)
    return folder


@dataclass(frozen=True)
class Reviewed:
    """A knowledge base with every statement, and where each one's review stands (signatures checked)."""

    kb: KnowledgeBase
    statements: dict[str, StatementInfo]
    state: ReviewState


def reviewed(kb: KnowledgeBase) -> Reviewed:
    """Every statement of `kb` and its review, worked out afresh from the files."""
    from ntrk_advisor.pathway.compiled import statement_infos

    c = kb.catalogues
    infos = statement_infos(c, kb.nodes, kb.bands)
    return Reviewed(kb, infos, review_state(infos, c.reviewers, c.reviews))


def add_reviewer(folder: Path, name: str, role: str, public_key: str) -> Path:
    """List a reviewer in the folder's `reviewers.yaml` (made if absent); a listed name is refused."""
    path = folder / REVIEWERS_FILE
    entries = _read_list(path, "reviewers")
    for entry in entries:
        if reads_as(str(entry.get("name", "")), name):
            raise UsageError("review.reviewer_exists", name=name, file=path)
    entries.append({"name": name, "role": role, "public_key": public_key})
    write_atomic(path, _HEADER_REVIEWERS + _yaml_list("reviewers", entries))
    return path


def record_decisions(
    folder: Path,
    key_file: Path,
    ids: Sequence[str],
    decision: ReviewDecision,
    comment: str,
    today: dt.date,
) -> tuple[Path, str, int]:
    """Sign `decision` on each statement of `ids` as it is now, and append the records.

    Returns the review file written, the reviewer's name and how many records were added. Nothing
    is written unless every id is known and none was last edited by the signing reviewer.
    """
    kb = load_knowledge_base(folder)
    state = reviewed(kb)
    pem = read_private_key(key_file)
    reviewer = _reviewer_of(kb, public_text_of(pem), key_file, folder)
    records = []
    for sid in dict.fromkeys(ids):
        info = state.statements.get(sid)
        if info is None:
            raise UsageError("review.unknown_statement", id=sid)
        if reads_as(reviewer, info.author):
            raise UsageError("review.own_edit", name=reviewer, id=sid)
        date = today.isoformat()
        payload = signed_payload(sid, info.hash, reviewer, decision.value, date, comment)
        records.append(
            {
                "statement": sid,
                "hash": info.hash,
                "reviewer": reviewer,
                "decision": decision.value,
                "date": date,
                "comment": comment,
                "signature": sign(pem, payload),
            }
        )
    path = folder / REVIEWS_FOLDER / f"{file_stem(reviewer)}.yaml"
    existing = _read_list(path, "reviews")
    path.parent.mkdir(exist_ok=True)
    write_atomic(path, _HEADER_REVIEWS.format(name=reviewer) + _yaml_list("reviews", existing + records))
    return path, reviewer, len(records)


def _reviewer_of(kb: KnowledgeBase, public_key: str, key_file: Path, folder: Path) -> str:
    reviewers = kb.catalogues.reviewers
    for entry in reviewers.reviewers if reviewers is not None else []:
        if entry.public_key == public_key:
            return entry.name
    raise UsageError("review.key_not_listed", path=key_file, file=folder / REVIEWERS_FILE)


def file_stem(name: str) -> str:
    """A reviewer's review file name: their name in ASCII letters, with a short digest to keep it theirs."""
    letters = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")[:40]
    digest = hashlib.sha256(" ".join(name.casefold().split()).encode()).hexdigest()[:8]
    return f"{letters}-{digest}" if letters else digest


def status_data(r: Reviewed) -> dict[str, Any]:
    """The coverage per pathway and every statement's status, as the JSON of `review --status`."""
    decisions: dict[str, list[dict[str, str]]] = {}
    for stamp in r.state.counted:  # each reviewer's latest decision on the statement as it is now
        decisions.setdefault(stamp.record.statement, []).append(
            {
                "reviewer": stamp.record.reviewer,
                "role": stamp.role or "",
                "decision": stamp.record.decision.value,
                "date": stamp.record.date.isoformat(),
                "comment": stamp.record.comment,
            }
        )
    statements = []
    for sid, info in r.statements.items():
        standing = r.state.statements[sid]
        statements.append(
            {
                "id": sid,
                "status": standing.status.value,
                "hash": info.hash,
                "author": info.author,
                "pathways": [p.value for p in info.pathways],
                "places": list(info.places),
                "reviewers": [s.to_dict() for s in standing.reviewers],
                "decisions": decisions.get(sid, []),
            }
        )
    return {
        "knowledge": {"name": r.kb.stamp.name, "version": r.kb.stamp.version, "edited": r.kb.stamp.edited},
        "coverage": coverage(r),
        "statements": statements,
        "set_aside": [
            {
                "file": s.stamp.file,
                "record": s.stamp.index,
                "statement": s.stamp.record.statement,
                "reviewer": s.stamp.record.reviewer,
                "reason": s.reason,
            }
            for s in r.state.set_aside
        ],
    }


def coverage(r: Reviewed) -> dict[str, dict[str, int]]:
    """Per pathway (and `all`), how many statements stand at each status, and how many there are."""
    out: dict[str, dict[str, int]] = {}
    groups: list[tuple[str, Iterable[str]]] = [("all", r.statements)]
    groups += [(p.value, [s for s, i in r.statements.items() if p in i.pathways]) for p in PathwayName]
    for name, ids in groups:
        counts = dict.fromkeys([s.value for s in STATUS_ORDER], 0)
        total = 0
        for sid in ids:
            counts[r.state.statements[sid].status.value] += 1
            total += 1
        out[name] = {**counts, "statements": total}
    return out


STATUS_ORDER = (
    ReviewStatus.APPROVED,
    ReviewStatus.STALE,
    ReviewStatus.CHANGES_REQUESTED,
    ReviewStatus.REJECTED,
    ReviewStatus.UNREVIEWED,
)


def unapproved_reached(r: Reviewed, reached: set[str]) -> list[PathwayProblem]:
    """A problem for each statement used on a walked path (`reached` node ids) and not approved now."""
    problems = []
    for sid, info in r.statements.items():
        status = r.state.statements[sid].status
        if status is not ReviewStatus.APPROVED and reached.intersection(info.places):
            problems.append(
                PathwayProblem(info.file, info.key, f"{sid} is {status.value}: no current clinician approval")
            )
    return problems


def _read_list(path: Path, key: str) -> list[dict[str, Any]]:
    """The entries of an existing review or reviewers file, read as strictly as at load (or none)."""
    from ntrk_advisor.pathway.loading import parse_text

    if not path.exists():
        return []
    problems: list[PathwayProblem] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError("review.file_unreadable", path=path, reason=exc) from None
    data = parse_text(path.name, text, problems)
    if problems:
        raise PathwayError(problems)
    entries = data.get(key) if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PathwayError([PathwayProblem(path.name, key, f"`{key}:` must be a list of entries")])
    return [{str(k): _plain_value(v) for k, v in e.items()} for e in entries]


def _plain_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _yaml_list(key: str, entries: Sequence[dict[str, Any]]) -> str:
    """`key:` and the entries, each value a JSON string (a YAML double-quoted scalar), one per line."""
    if not entries:
        return f"{key}: []\n"
    lines = [f"{key}:"]
    for entry in entries:
        for i, (name, value) in enumerate(entry.items()):
            text = json.dumps(value if isinstance(value, str) else str(value), ensure_ascii=False)
            lines.append(f"{'  - ' if i == 0 else '    '}{name}: {text}")
    return "\n".join(lines) + "\n"


def status_text(data: dict[str, Any], lang: Lang) -> str:
    """`review --status` for a reader: the coverage per pathway, then each statement not approved."""
    from ntrk_advisor.i18n import t
    from ntrk_advisor.render.safe_text import shown

    k = data["knowledge"]
    lines = [t("review.report_title", lang, name=shown(k["name"]), version=shown(k["version"])), ""]
    heads = [t("review.col.pathway", lang), *(t(f"review.status.{s.value}", lang) for s in STATUS_ORDER)]
    heads.append(t("review.col.statements", lang))
    rows = [heads]
    for name, counts in data["coverage"].items():
        label = t("review.all_pathways", lang) if name == "all" else t(f"pathway.{name}", lang)
        rows.append([label, *(str(counts[s.value]) for s in STATUS_ORDER), str(counts["statements"])])
    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(heads))]
    for row in rows:
        lines.append(
            "  ".join(cell + " " * (w - cell_len(cell)) for cell, w in zip(row, widths, strict=True))
        )
    pending = [s for s in data["statements"] if s["status"] != ReviewStatus.APPROVED.value]
    if pending:
        lines.append("")
        lines += [f"{s['id']}  " + t("review.status." + s["status"], lang) for s in pending]
    if data["set_aside"]:
        lines += ["", t("review.set_aside", lang)]
        lines += [
            f"{shown(a['file'])} #{a['record'] + 1} {shown(a['statement'])} ({shown(a['reviewer'])}): "
            + t(f"review.reason.{a['reason']}", lang)
            for a in data["set_aside"]
        ]
    return "\n".join(lines) + "\n"
