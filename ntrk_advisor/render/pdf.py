"""The HTML report printed to PDF by a headless Chromium: the same page, so the same content and layout.

The browser is the one on PATH (`chromium`, `chromium-browser`, `google-chrome`), started for this
one page in a profile of its own that is removed afterwards, with its network features off; the page
itself fetches nothing (see `render.html_report`). Without a browser, `--format pdf` is refused with a
line saying what to install, or to print the HTML from any browser.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ntrk_advisor.errors import UsageError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PRINT_SECONDS = 120
_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
)


def find_browser() -> str:
    """The path of a Chromium-based browser on PATH."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    raise UsageError("usage.pdf_no_browser")


def html_to_pdf(html: str) -> bytes:
    """The page printed on A4 by a headless Chromium, as PDF bytes."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="ntrk-advisor-pdf-") as folder:
        work = Path(folder)
        page, pdf = work / "report.html", work / "report.pdf"
        page.write_text(html, encoding="utf-8")
        flags = list(_FLAGS)
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            flags.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
        command = [
            browser,
            *flags,
            f"--user-data-dir={work / 'profile'}",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise UsageError("usage.pdf_failed", browser=browser, reason=exc) from None
        if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            raise UsageError("usage.pdf_exit", browser=browser, code=done.returncode)
        return pdf.read_bytes()
