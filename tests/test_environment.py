"""The environment object: the one place that knows which stream is a terminal, colour and language."""

from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ntrk_advisor.consultation import Consultation
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import NoTerminalError
from ntrk_advisor.i18n import LanguageWarning
from ntrk_advisor.render.console import make_console
from tests.conftest import run_main

PACKAGE = Path(__file__).resolve().parents[1] / "ntrk_advisor"


def made_up(*, stdin_is_terminal: bool = False, plain: bool = False, lang: str = "en") -> Environment:
    return Environment(
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdin_is_terminal=stdin_is_terminal,
        stdout_is_terminal=False,
        stderr_is_terminal=False,
        plain=plain,
        dumb_terminal=False,
        width=80,
        height=24,
        pager=None,
        lang=lang,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("variables", "plain"),
    [
        ({}, False),
        ({"NO_COLOR": ""}, True),
        ({"NO_COLOR": "1"}, True),
        ({"TERM": "dumb"}, True),
        ({"TERM": "DUMB"}, True),
    ],
)
def test_no_color_or_a_dumb_terminal_asks_for_plain_text(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], plain: bool
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert Environment.of_process().plain is plain


@pytest.mark.parametrize(
    ("variable", "expected"), [(None, "en"), ("zh", "zh"), ("zh_CN.UTF-8", "zh"), ("en", "en")]
)
def test_the_language_comes_from_the_environment_unless_chosen(
    monkeypatch: pytest.MonkeyPatch, variable: str | None, expected: str
) -> None:
    if variable is None:
        monkeypatch.delenv("NTRK_ADVISOR_LANG", raising=False)
    else:
        monkeypatch.setenv("NTRK_ADVISOR_LANG", variable)
    env = Environment.of_process()
    assert env.lang == expected
    assert env.language(None) == expected
    assert env.language("zh") == "zh"
    assert env.language("en") == "en"


def test_a_closed_stream_is_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    closed = io.StringIO()
    closed.close()
    monkeypatch.setattr("sys.stdin", closed)
    monkeypatch.setattr("sys.stdout", None)
    env = Environment.of_process()
    assert env.stdin_is_terminal is False
    assert env.stdout_is_terminal is False


def test_a_console_for_a_plain_environment_writes_no_escape_codes() -> None:
    env = made_up(plain=True)
    console = make_console(env, force_terminal=True)
    console.print("[bold]stays text[/bold]", style="bold red")
    written = env.stdout.getvalue()  # type: ignore[attr-defined]
    assert written == "[bold]stays text[/bold]\n"


def test_a_console_for_a_styled_environment_keeps_its_styles() -> None:
    env = made_up(plain=False)
    make_console(env, force_terminal=True, color_system="standard").print("x", style="bold")
    assert "\x1b[" in env.stdout.getvalue()  # type: ignore[attr-defined]


def test_a_consult_with_no_terminal_to_ask_at_says_what_is_missing_instead_of_prompting() -> None:
    consultation = Consultation("en", None, made_up(stdin_is_terminal=False))
    with pytest.raises(NoTerminalError) as caught:
        consultation.run(None, {"age_years": 50}, interactive=True)
    assert "fusion_status" in caught.value.missing


def test_only_the_environment_module_asks_whether_a_stream_is_a_terminal() -> None:
    askers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "isatty":
                askers.append(str(path.relative_to(PACKAGE)))
    assert sorted(set(askers)) == ["environment.py"]


def test_only_the_environment_module_reads_no_color_and_term() -> None:
    readers = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if '"NO_COLOR"' in text or '"TERM"' in text:
            readers.append(str(path.relative_to(PACKAGE)))
    assert readers == ["environment.py"]


@pytest.mark.parametrize(
    ("variable", "expected"),
    [("zh_CN.UTF-8", "zh"), ("zh-Hans", "zh"), ("ZH", "zh"), (" zh ", "zh"), ("en_GB", "en"), ("EN", "en")],
)
def test_a_locale_name_means_its_language_without_a_warning(
    monkeypatch: pytest.MonkeyPatch, variable: str, expected: str
) -> None:
    monkeypatch.setenv("NTRK_ADVISOR_LANG", variable)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Environment.of_process().lang == expected


@pytest.mark.parametrize("variable", ["fr", "french", "C.UTF-8", "zhx"])
def test_a_language_the_tool_does_not_have_is_a_warning_and_english(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv("NTRK_ADVISOR_LANG", variable)
    with pytest.warns(LanguageWarning, match=f"NTRK_ADVISOR_LANG={variable} is not a language"):
        assert Environment.of_process().lang == "en"


def test_an_unknown_language_is_one_line_on_stderr_once_per_run_and_the_run_goes_on_in_english(
    tmp_path: Path,
) -> None:
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"age_years": 70, "fusion_status": "ihc_only", "emergency": []}), "utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS")}
    done = subprocess.run(
        [sys.executable, "-m", "ntrk_advisor", "consult", "--case", str(case), "--no-input"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**env, "NTRK_ADVISOR_LANG": "fr"},
        timeout=120,
    )
    assert done.returncode == 0
    assert done.stderr == (
        "ntrk-advisor: warning: NTRK_ADVISOR_LANG=fr is not a language of this tool (en, zh); using en\n"
    )
    assert "Status: complete" in done.stdout and "状态" not in done.stdout
    for _ in range(2):  # and again in the next run of the same process
        again = run_main("consult", "--case", str(case), "--no-input", env={"NTRK_ADVISOR_LANG": "fr"})
        assert again.code == 0 and again.stderr.count("is not a language of this tool") == 1


def test_the_machine_clocks_date_and_seconds_are_local_nows_without_its_offset() -> None:
    from ntrk_advisor import environment

    before = environment.local_now()
    day, seconds = environment.today_by(environment.local_now), environment.seconds_by(environment.local_now)
    after = environment.local_now()
    assert day in (before.date(), after.date())  # the same, unless midnight fell between the readings
    assert before.timestamp() - 0.001 <= seconds <= after.timestamp() + 0.001  # microseconds, rounded


def test_any_other_clock_gives_its_own_date_and_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from ntrk_advisor import environment

    pinned = dt.datetime(2031, 2, 28, 23, 59, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert environment.today_by(lambda: pinned) == dt.date(2031, 2, 28)
    assert environment.seconds_by(lambda: pinned) == pinned.timestamp()
    # A test that pins the module's clock pins these too: the machine's clock is known by identity.
    monkeypatch.setattr(environment, "local_now", lambda: pinned)
    assert environment.today_by(environment.local_now) == dt.date(2031, 2, 28)
    assert environment.seconds_by(environment.local_now) == pinned.timestamp()
