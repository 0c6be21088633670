"""Process-wide choices made on the command line, kept in a module with no heavy imports.

The root command sets these on every run (so nothing lingers between in-process calls), and the
library reads them when it needs them.
"""

from __future__ import annotations

PATHWAYS_ENV = "NTRK_ADVISOR_PATHWAYS"

chosen_pathways_dir: str | None = None
"""`--pathways-dir`, when given; otherwise NTRK_ADVISOR_PATHWAYS or the built-ins are used."""


def use_pathways(directory: str | None) -> None:
    """Choose the pathway folder for this process; None restores the default."""
    global chosen_pathways_dir
    chosen_pathways_dir = directory or None
