"""The browser tests on a machine without a browser: one line on a newcomer's machine, a failure in CI.

Both runs start pytest itself in a child process whose PATH holds only the venv, so no Chromium
can be found, on the browser tests alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import REQUIRE_BROWSER

pytestmark = pytest.mark.slow
PROJECT = Path(__file__).resolve().parent.parent


def pytest_without_a_browser(*, required: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_BROWSER and not k.startswith("PYTEST")}
    env["PATH"] = str(Path(sys.executable).parent)
    if required:
        env[REQUIRE_BROWSER] = "1"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    command += ["-m", "browser", "tests/test_html_browser.py"]
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)


def test_without_chromium_the_browser_tests_are_left_out_under_one_line_saying_how_to_run_them() -> None:
    run = pytest_without_a_browser(required=False)
    lines = [line for line in run.stdout.splitlines() if "browser tests left out" in line]
    assert lines == [
        "browser tests left out (no Chromium): install headless Chromium and a Chinese font "
        "(apt-get install chromium fonts-noto-cjk), then run .venv/bin/python -m pytest -n auto -m browser"
    ], run.stdout
    assert "error" not in run.stdout.lower() and "failed" not in run.stdout.lower(), run.stdout


def test_where_ci_requires_a_browser_its_absence_fails_every_browser_test() -> None:
    run = pytest_without_a_browser(required=True)
    assert run.returncode == 1, run.stdout
    assert "browser tests left out" not in run.stdout
    assert f"{REQUIRE_BROWSER}=1 and browser tests cannot run (no Chromium)" in run.stdout
    assert " passed" not in run.stdout and " skipped" not in run.stdout, run.stdout
