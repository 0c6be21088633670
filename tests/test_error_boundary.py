"""One error boundary: `cli/edge.py` alone turns what escapes a command into a line and a code.

Scripts and shells read the exit status; a newcomer should find every rule for it in one table.
"""

from __future__ import annotations

import ast
import errno
import re
import signal
from pathlib import Path

import pytest

from ntrk_advisor.cli.edge import exit_code_for, message_for
from ntrk_advisor.errors import (
    AdvisorError,
    CaseFileError,
    ConsultInterrupted,
    InternalError,
    Interrupted,
    NoTerminalError,
    PathwayError,
    Terminated,
    UsageError,
)
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.fhir.elements import FhirError
from ntrk_advisor.practice.errors import ConfirmationUnanswered, NoScenarioMatches

PACKAGE = Path(__file__).resolve().parent.parent / "ntrk_advisor"


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (UsageError("bad option"), ExitCode.USAGE),
        (CaseFileError("case.json", "not JSON"), ExitCode.USAGE),
        (NoTerminalError(["age_years"]), ExitCode.USAGE),
        (PathwayError([]), ExitCode.USAGE),
        (NoScenarioMatches(), ExitCode.USAGE),
        (ConfirmationUnanswered("en"), ExitCode.USAGE),
        (FhirError("Bundle", "not_bundle"), ExitCode.USAGE),
        (
            Interrupted("Consult interrupted; nothing was answered, so nothing was saved."),
            ExitCode.INTERRUPTED,
        ),
        (ConsultInterrupted({}), ExitCode.INTERNAL),
        (InternalError("ours"), ExitCode.INTERNAL),
        (AdvisorError("ours"), ExitCode.INTERNAL),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), ExitCode.OK),
        (OSError(errno.ENOSPC, "No space left on device"), ExitCode.USAGE),
        (Terminated(signal.SIGTERM), 128 + signal.SIGTERM),
        (Terminated(signal.SIGHUP), 128 + signal.SIGHUP),
        (KeyError("a bug"), ExitCode.INTERNAL),
        (Exception("plain"), ExitCode.INTERNAL),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_every_kind_of_failure_has_one_exit_code(exc: BaseException, code: int) -> None:
    assert exit_code_for(exc) == code


def test_a_closed_pipe_and_a_signal_end_quietly_and_a_bug_says_so() -> None:
    assert message_for(BrokenPipeError(errno.EPIPE, "Broken pipe")) is None
    assert message_for(Terminated(signal.SIGTERM)) is None
    assert message_for(OSError(errno.ENOSPC, "No space left on device")) == (
        "cannot write the output: No space left on device"
    )
    assert message_for(KeyError("x")) == "unexpected KeyError: 'x' (run with --debug for details)"


def python_sources() -> dict[str, str]:
    return {p.relative_to(PACKAGE).as_posix(): p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py")}


def test_only_the_boundary_recognises_exceptions_by_class_name() -> None:
    by_name = re.compile(r"__name__\s*(==|!=|in)\s*[\"'(]\w*(Error|Abort|Exit)")
    assert [name for name, text in python_sources().items() if by_name.search(text)] == ["cli/edge.py"]


def advisor_error_classes() -> dict[str, tuple[str, ast.ClassDef]]:
    """Every class of the package that derives from `AdvisorError`, by name: (file:line, its node).

    Read from the source, so a subclass in a module no test imports is found as well.
    """
    classes: dict[str, tuple[str, ast.ClassDef]] = {}
    bases: dict[str, set[str]] = {}
    for name, text in python_sources().items():
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                classes[node.name] = (f"{name}:{node.lineno}", node)
                bases[node.name] = {
                    b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases
                }
    derived = {"AdvisorError"}
    while grown := {c for c, named in bases.items() if named & derived} - derived:
        derived |= grown
    return {c: classes[c] for c in derived - {"AdvisorError"}}


def declares_exit_code(node: ast.ClassDef) -> bool:
    for statement in node.body:
        targets = (
            statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
        )
        if any(isinstance(t, ast.Name) and t.id == "exit_code" for t in targets):
            return True
    return False


def test_every_domain_error_names_its_own_exit_code() -> None:
    found = advisor_error_classes()
    assert {"UsageError", "FhirError", "PracticeError", "CaseInvalid", "InternalError", "Interrupted"} <= set(
        found
    )
    silent = sorted(
        f"{where}: {name}" for name, (where, node) in found.items() if not declares_exit_code(node)
    )
    assert silent == [], "each AdvisorError subclass must set `exit_code` in its own body"


def test_the_exit_code_reader_sees_a_declaration_and_its_absence() -> None:
    (declared,) = ast.parse("class A(B):\n    exit_code = 2\n").body
    (inherited,) = ast.parse("class A(B):\n    said_as_error = False\n").body
    assert isinstance(declared, ast.ClassDef) and isinstance(inherited, ast.ClassDef)
    assert declares_exit_code(declared) and not declares_exit_code(inherited)


def test_every_domain_error_the_package_defines_maps_to_the_code_it_declares() -> None:
    import importlib

    for name, (where, _) in advisor_error_classes().items():
        module = importlib.import_module("ntrk_advisor." + where.split(":")[0][:-3].replace("/", "."))
        cls = getattr(module, name)
        assert "exit_code" in vars(cls), where
        error = cls.__new__(cls)  # no arguments needed: the code is the class's
        assert exit_code_for(error) == cls.exit_code, where


def test_debug_belongs_to_the_run_it_was_given_for(tmp_path: Path) -> None:
    from tests.conftest import run_main

    missing = ["consult", "--case", str(tmp_path / "missing.json"), "--no-input", "--format", "json"]
    debugged = run_main("--debug", *missing)
    plain = run_main(*missing)
    assert debugged.code == plain.code == ExitCode.USAGE
    assert "Traceback (most recent call last):" in debugged.stderr
    assert "Traceback" not in plain.stderr and plain.stderr.startswith(
        "ntrk-advisor: error: cannot read case file"
    )
    assert run_main("--debug", *missing).stderr == debugged.stderr  # and a later run may ask again


ERROR_CODES = {"USAGE", "INTERNAL", "INTERRUPTED"}


def error_exits(tree: ast.Module) -> list[int]:
    """Lines that end a command with an error's code by hand (`typer.Exit(ExitCode.USAGE)`)."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "Exit"
        and any(isinstance(a, ast.Attribute) and a.attr in ERROR_CODES for a in node.args)
    ]


def test_only_the_edge_ends_a_command_with_an_error_s_code() -> None:
    # a command raises a domain error (its class names the code); the edge writes the line
    found = [
        f"{name}:{line}"
        for name, text in python_sources().items()
        if name != "cli/edge.py"
        for line in error_exits(ast.parse(text))
    ]
    assert found == []


def test_the_error_exit_reader_sees_one() -> None:
    assert error_exits(ast.parse("raise typer.Exit(ExitCode.USAGE)\nraise typer.Exit(ExitCode.OK)\n")) == [1]
