"""Where the service keeps its state: SQLite files on this machine, or one PostgreSQL database.

The one place that reads `--feedback-db`: a path (or nothing: the default file) opens the SQLite
feedback log (`service.feedback`) and, for several workers, the SQLite replay window beside it
(`service.replay`); a `postgresql://` or `postgres://` URL opens both in that database
(`service.postgres`), and then the window is shared even by a single worker, since other machines
answer too. The rest of the service sees only `FeedbackStore` and `auth.Replays`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ntrk_advisor.service import postgres
from ntrk_advisor.service.feedback import FeedbackLog, Item, default_path
from ntrk_advisor.service.feedback import export_csv as export_file
from ntrk_advisor.service.replay import DB_NAME as REPLAY_DB_NAME
from ntrk_advisor.service.replay import ReplayWindow, SharedReplayWindow

if TYPE_CHECKING:
    from ntrk_advisor.service.auth import Replays  # not at run time: it loads the JWT library


class FeedbackStore(Protocol):
    """An open feedback log: an SQLite file or a PostgreSQL table."""

    @property
    def where(self) -> str:
        """The log's place as it may be logged (a path, or the URL without its password)."""

    def append(self, service: str, items: list[Item], issuer: str | None) -> int:
        """Store the items in one transaction; returns how many. Committed when this returns."""

    def close(self) -> None:
        """Close the connection."""


def feedback_path(target: str | None) -> Path:
    """The SQLite file a `--feedback-db` value that is not a URL names (the default if none)."""
    return default_path() if target is None else Path(target).expanduser()


def open_feedback_log(target: str | None) -> FeedbackStore:
    """The feedback log `--feedback-db` names, opened (and created if absent)."""
    if postgres.is_url(target):
        return postgres.PostgresFeedbackLog(str(target))
    return FeedbackLog(feedback_path(target))


def open_replay_window(feedback_target: str | None, replay_target: str | None, *, shared: bool) -> Replays:
    """The replay window: in the PostgreSQL database when one is named, else SQLite or memory.

    With SQLite, `shared` (several worker processes) chooses the file beside the feedback log (or
    `replay_target`) over this process's memory. A PostgreSQL window is always the shared one.
    """
    if postgres.is_url(replay_target) or (replay_target is None and postgres.is_url(feedback_target)):
        return postgres.PostgresReplayWindow(str(replay_target or feedback_target))
    if not shared:
        return ReplayWindow()
    if replay_target is not None:
        return SharedReplayWindow(Path(replay_target).expanduser())
    return SharedReplayWindow(feedback_path(feedback_target).parent / REPLAY_DB_NAME)


def export_csv(target: str | None) -> str:
    """The whole feedback log as CSV, from the file or the database `target` names."""
    if postgres.is_url(target):
        return postgres.export_csv(str(target))
    return export_file(feedback_path(target))
