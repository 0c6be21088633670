"""Whether this machine can run the browser tests, and the one line that says so when it cannot.

A newcomer's machine may have only Python: there the browser tests skip, all under one line of
pytest's summary that names the packages to install and the command to run them. CI sets
`NTRK_ADVISOR_REQUIRE_BROWSER=1` (`.ci/run`), which turns that skip into a failure.
"""

from __future__ import annotations

import os
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
    """Skip the calling test, or fail it where CI requires a browser. Raised from one line, so
    pytest's summary groups every browser test under it."""
    message = f"browser tests cannot run ({missing}): {HOW_TO_RUN}"
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{REQUIRE_BROWSER}=1 and {message}", pytrace=False)
    pytest.skip(message)
