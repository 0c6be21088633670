"""Start an institution's own copy of the pathway modules from the built-ins."""

from __future__ import annotations

import re
from pathlib import Path

from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import write_atomic
from ntrk_advisor.pathway.knowledge import builtin_source


def make_local_copy(directory: Path) -> list[Path]:
    """Copy every built-in YAML file (scenarios included) into a new or empty folder.

    The copy is renamed at once (`name`, `version` in knowledge.yaml): a local copy that still
    carried the built-in name would be refused at load, so its advice never passes as ours.
    """
    if directory.exists() and any(directory.iterdir()):
        raise UsageError("usage.folder_not_empty", path=directory)
    made: list[Path] = []
    source = builtin_source()

    def copy(folder: object, target: Path) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):  # type: ignore[attr-defined]
            if entry.is_dir() and not entry.name.startswith("__"):
                copy(entry, target / entry.name)
            elif entry.name.endswith(".yaml"):
                try:
                    target.mkdir(parents=True, exist_ok=True)
                except OSError as exc:  # a read-only or full place: say which folder
                    raise UsageError(
                        "usage.cannot_create_folder", path=target, reason=exc.strerror or exc
                    ) from None
                text = entry.read_text(encoding="utf-8")
                if entry.name == "knowledge.yaml" and target == directory:
                    text = _renamed(text, directory.name)
                path = target / entry.name
                write_atomic(path, text)
                made.append(path)

    copy(source, directory)
    return made


def _renamed(text: str, label: str) -> str:
    text = re.sub(
        r"(?m)^(\s*name:\s*).*$",
        lambda m: f'{m.group(1)}"Local pathways ({label}), from ntrk-advisor built-in pathways"',
        text,
        count=1,
    )
    return re.sub(
        r'(?m)^(\s*version:\s*)"?([^"\n]*)"?\s*$',
        lambda m: f'{m.group(1)}"{m.group(2)}-local.1"',
        text,
        count=1,
    )


def next_steps(directory: Path, copied: int) -> str:
    """What to do after `pathways init`: edit, check, then use the copy."""
    return (
        f"copied {copied} files to {directory}\n"
        f"next: edit them, run `ntrk-advisor pathways check --dir {directory}`, then use them with "
        f"`ntrk-advisor --pathways-dir {directory} consult` (or NTRK_ADVISOR_PATHWAYS={directory})\n"
    )
