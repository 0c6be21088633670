"""Which signed reviews count, and so where each statement stands: approved, stale, or not yet.

A review record (`reviews/NAME.yaml`) holds a statement's id and content hash, the reviewer, the
decision (approved, changes requested, rejected), the date and a comment, signed with the
reviewer's private key. A record counts only while:

- its reviewer is listed in `reviewers.yaml` and the signature verifies against that public key;
- its reviewer is not the statement's last author (`edited_by`, as CIViC asks of its editors);
- its hash is the statement's hash now. An approval of an earlier content makes the statement
  `stale` until someone approves it again; nothing is carried over an edit.

Each reviewer's latest counting decision on a statement stands. An objection outweighs an approval
(any current `rejected`, then any `changes_requested`); otherwise one current approval is enough.
The result is computed when the knowledge is compiled and kept in the compiled layer, so no
signature is checked per case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ntrk_advisor.contract.result import ReviewerStamp
from ntrk_advisor.contract.vocabulary import ReviewDecision, ReviewStatus
from ntrk_advisor.pathway.look_alike import reads_as
from ntrk_advisor.pathway.statements import StatementInfo, canonical_json, plain

if TYPE_CHECKING:
    from ntrk_advisor.pathway.schema import ReviewersFile, ReviewRecord, ReviewsFile

REVIEW_SCHEME = "ntrk-advisor review 1"


def signed_payload(
    statement: str, hash_: str, reviewer: str, decision: str, date: str, comment: str
) -> bytes:
    """The bytes a reviewer signs: the record without its signature, as canonical JSON."""
    return canonical_json(
        {
            "scheme": REVIEW_SCHEME,
            "statement": statement,
            "hash": hash_,
            "reviewer": reviewer,
            "decision": decision,
            "date": date,
            "comment": comment,
        }
    )


def payload_of(record: ReviewRecord) -> bytes:
    """What `record`'s signature must sign."""
    return signed_payload(
        record.statement,
        record.hash,
        record.reviewer,
        record.decision.value,
        record.date.isoformat(),
        record.comment,
    )


@dataclass(frozen=True)
class Stamp:
    """A review record as read, with where it came from and the reviewer's role (when listed)."""

    record: ReviewRecord
    file: str
    index: int
    role: str | None


@dataclass(frozen=True)
class SetAside:
    """A record that does not count, and why (`reason` is a key: see `REASONS`)."""

    stamp: Stamp
    reason: str


REASONS = (
    "unknown_statement",
    "unknown_reviewer",
    "bad_signature",
    "own_edit",
    "changed",
)
"""Why a record is set aside: the statement no longer exists; the reviewer is not in
reviewers.yaml; the signature does not verify; the reviewer last edited the statement; the
statement changed since (an approval of it makes the statement stale)."""


@dataclass(frozen=True)
class StatementReview:
    """Where one statement stands, and whose current decisions put it there."""

    status: ReviewStatus
    reviewers: tuple[ReviewerStamp, ...]


UNREVIEWED = StatementReview(ReviewStatus.UNREVIEWED, ())


@dataclass(frozen=True)
class ReviewState:
    """Every statement's review, the records that count, and those set aside with the reason."""

    statements: dict[str, StatementReview]
    counted: tuple[Stamp, ...]
    set_aside: tuple[SetAside, ...]

    @property
    def approved(self) -> int:
        """How many statements are approved."""
        return sum(r.status is ReviewStatus.APPROVED for r in self.statements.values())

    def last_approval(self) -> dt.date | None:
        """The latest date among the approvals that count, or None."""
        dates = [s.record.date for s in self.counted if s.record.decision is ReviewDecision.APPROVED]
        return max(dates, default=None)


def review_state(
    statements: Mapping[str, StatementInfo],
    reviewers: ReviewersFile | None,
    files: Mapping[str, ReviewsFile],
) -> ReviewState:
    """Check every record (signature, reviewer, author, hash) and say where each statement stands."""
    listed = {_name(r.name): r for r in (reviewers.reviewers if reviewers is not None else [])}
    valid: list[Stamp] = []
    set_aside: list[SetAside] = []
    for file, content in files.items():
        for index, record in enumerate(content.reviews):
            reviewer = listed.get(_name(record.reviewer))
            stamp = Stamp(record, file, index, None if reviewer is None else reviewer.role)
            info = statements.get(record.statement)
            reason = None
            if info is None:
                reason = "unknown_statement"
            elif reviewer is None:
                reason = "unknown_reviewer"
            elif not _verifies(reviewer.public_key, record):
                reason = "bad_signature"
            elif reads_as(record.reviewer, info.author):
                reason = "own_edit"
            if reason is not None:
                set_aside.append(SetAside(stamp, reason))
            else:
                valid.append(stamp)
    latest: dict[tuple[str, str], Stamp] = {}
    for stamp in valid:  # in file order: a later record of the same date wins
        key = (stamp.record.statement, _name(stamp.record.reviewer))
        current = stamp.record.hash == statements[stamp.record.statement].hash
        held = latest.get(key)
        if held is None:
            latest[key] = stamp
            continue
        held_current = held.record.hash == statements[held.record.statement].hash
        if (current, stamp.record.date) >= (held_current, held.record.date):
            latest[key] = stamp
    by_statement: dict[str, list[Stamp]] = {}
    for (statement, _), stamp in latest.items():
        by_statement.setdefault(statement, []).append(stamp)
    out: dict[str, StatementReview] = {}
    counted: list[Stamp] = []
    for sid, info in statements.items():
        stamps = by_statement.get(sid, [])
        now = [s for s in stamps if s.record.hash == info.hash]
        counted += now
        out[sid] = _standing(now, stamps)
    for stamp in valid:
        if stamp.record.hash != statements[stamp.record.statement].hash:
            set_aside.append(SetAside(stamp, "changed"))
    return ReviewState(out, tuple(counted), tuple(set_aside))


def _standing(current: Sequence[Stamp], latest: Sequence[Stamp]) -> StatementReview:
    for decision, status in (
        (ReviewDecision.REJECTED, ReviewStatus.REJECTED),
        (ReviewDecision.CHANGES_REQUESTED, ReviewStatus.CHANGES_REQUESTED),
        (ReviewDecision.APPROVED, ReviewStatus.APPROVED),
    ):
        deciding = [s for s in current if s.record.decision is decision]
        if deciding:
            ordered = sorted(deciding, key=lambda s: (s.record.date, _name(s.record.reviewer)))
            stamps = tuple(
                ReviewerStamp(s.record.reviewer, s.role or "", s.record.date.isoformat()) for s in ordered
            )
            return StatementReview(status, stamps)
    if any(s.record.decision is ReviewDecision.APPROVED for s in latest):
        return StatementReview(ReviewStatus.STALE, ())
    return UNREVIEWED


def _verifies(public_key: str, record: ReviewRecord) -> bool:
    from ntrk_advisor.pathway.signing import verifies

    return verifies(public_key, payload_of(record), record.signature)


def _name(name: str) -> str:
    return plain(name).casefold()
