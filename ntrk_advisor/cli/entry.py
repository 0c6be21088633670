"""The console script's entry point: answers `--version` before importing anything heavy.

Scripts call `ntrk-advisor --version` to check what is installed; it should cost no more than
starting Python. Everything else goes to the typer application.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    args = sys.argv[1:] if argv is None else argv
    if sys.stdout is None or sys.stderr is None:  # started with a standard stream closed (>&-)
        if sys.stderr is not None:
            sys.stderr.write(
                "ntrk-advisor: error: standard output is closed; give --output FILE or redirect it\n"
            )
        try:
            sys.stdout = sys.stdout or open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
        except OSError:
            return 2
        return 2
    if args == ["--version"]:
        from ntrk_advisor._version import __version__

        sys.stdout.write(f"ntrk-advisor {__version__}\n")
        return 0
    # The tool uses no pydantic plugins; looking them up scans every installed package's
    # metadata, about 20 ms of a quick consult.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from ntrk_advisor.cli.startup import collector_paused

    with collector_paused(freeze=True):  # typer and the CLI's modules: they live until the end
        from ntrk_advisor.cli.app import main as app_main

    return app_main(args)
