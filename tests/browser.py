"""Whether this machine can run the browser tests, and the one line that says so when it cannot.

A newcomer's machine may have only Python: there the browser tests are left out (tests/conftest.py),
under one line of pytest's summary that names the packages to install and the command to run them.
CI sets `NTRK_ADVISOR_REQUIRE_BROWSER=1` (`.ci/run`), which keeps them in, so a missing browser fails.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

REQUIRE_BROWSER = "NTRK_ADVISOR_REQUIRE_BROWSER"
HOW_TO_RUN = (
    "install headless Chromium and a Chinese font (apt-get install chromium fonts-noto-cjk), "
    "then run .venv/bin/python -m pytest -n auto -m browser"
)


def browser_on_this_machine() -> tuple[str | None, str]:
    """The path of a Chromium, and what is missing for the browser tests ("" when nothing is)."""
    path = next(
        (
            found
            for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
            if (found := shutil.which(name))
        ),
        None,
    )
    if path is None:
        return None, "no Chromium"
    if shutil.which("fc-list") is None:
        return path, "no fontconfig (fc-list)"
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
    if not fonts.stdout.strip():
        return path, "no font with Chinese glyphs"
    return path, ""


def browser_missing(missing: str) -> None:
    """Fail the calling test: where the browser tests were not left out (conftest leaves them out
    on a machine without a browser), CI requires a browser, so its absence is a failure."""
    pytest.fail(f"{REQUIRE_BROWSER}=1 and browser tests cannot run ({missing}): {HOW_TO_RUN}", pytrace=False)
