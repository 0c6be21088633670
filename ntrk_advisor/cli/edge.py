"""The CLI edge: domain exceptions become one line on stderr and an exit code. Nowhere else."""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from ntrk_advisor.errors import AdvisorError, Terminated  # light: the texts and the standard library
from ntrk_advisor.exit_codes import ExitCode
from ntrk_advisor.i18n import Lang, t

F = TypeVar("F", bound=Callable[..., Any])

DEBUG_ENV = "NTRK_ADVISOR_DEBUG"

DEBUG_KEY = "ntrk_advisor.debug"
"""Where the root command puts `--debug` (or NTRK_ADVISOR_DEBUG=1): in the run's `ctx.meta`, which
click shares between a run's nested contexts and makes anew for each run, so the setting travels
with the run it was given for and no process-wide state is kept between runs."""


def remember_debug(ctx: typer.Context, debug: bool) -> None:
    """Keep the root's `--debug` for this run's commands (`debug_enabled`)."""
    ctx.meta[DEBUG_KEY] = debug


def debug_enabled(ctx: typer.Context | None) -> bool:
    """Whether this run asked for tracebacks (False outside a run)."""
    return ctx is not None and bool(ctx.meta.get(DEBUG_KEY, False))


def error_line(message: str, lang: Lang = "en") -> None:
    """Write one error line on stderr, prefixed with the program's name."""
    first, *rest = str(message).splitlines() or [""]
    sys.stderr.write(f"{_prefix('edge.error', lang)}{first}\n")
    for line in rest:
        sys.stderr.write(f"  {line}\n")


def warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    """Show a library warning as one line on stderr, as errors are (a `warnings.showwarning`)."""
    sys.stderr.write(f"ntrk-advisor: warning: {message}\n")


def exit_code_for(exc: BaseException) -> int:
    """The one table from an exception a command lets out to the exit code the user sees.

    A domain error names its own code (`AdvisorError.exit_code`); anything else the advisor did
    not foresee is internal (a bug), except what the machine or the user did to the process.
    """
    if isinstance(exc, Terminated):
        return 128 + exc.signum  # the shell's convention for a process ended by a signal
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, AdvisorError):
        return exc.exit_code
    if isinstance(exc, BrokenPipeError):
        return ExitCode.OK  # the reader went away (`| head`): not an error of ours or theirs
    if isinstance(exc, OSError):
        return ExitCode.USAGE  # the machine, not the tool: a full disk, a closed stream
    return ExitCode.INTERNAL


def message_for(exc: BaseException, lang: Lang = "en") -> str | None:
    """The one line shown for an exception, in `lang`, or None when it ends quietly (a closed pipe)."""
    if isinstance(exc, (KeyboardInterrupt, Terminated)):
        return None
    if isinstance(exc, AdvisorError):
        return exc.worded(lang)
    if isinstance(exc, BrokenPipeError):
        return None
    if isinstance(exc, OSError):
        return t("edge.cannot_write_output", lang, reason=exc.strerror or exc)
    return t("edge.unexpected", lang, kind=type(exc).__name__, detail=exc)


def _prefix(key: str, lang: Lang) -> str:
    """`ntrk-advisor: error: ` (full-width colons in Chinese)."""
    colon = t("label_sep", lang)
    return f"ntrk-advisor{colon}{t(key, lang)}{colon}"


def _language_of(kwargs: dict[str, Any]) -> Lang:
    """The command's `--lang` if it has one and it was given, else NTRK_ADVISOR_LANG."""
    from ntrk_advisor.environment import Environment

    chosen = kwargs.get("lang")
    return Environment.of_process().language(chosen if isinstance(chosen, str) else None)


def at_the_edge(command: F) -> F:
    """Map every exception a command lets out to a message and an exit code (`exit_code_for`).

    The command must take the run's context as `ctx`: the run's settings (`--debug`) travel on it.

    The wrapper carries the command's signature with its annotations evaluated once, here: typer
    reads the signature and the type hints twice when it builds a command, and would otherwise
    evaluate every annotation (text, under `from __future__ import annotations`) four times.
    """
    import inspect

    signature = inspect.signature(command, eval_str=True)
    if "ctx" not in signature.parameters:
        raise TypeError(f"{command.__qualname__} must take `ctx: typer.Context` to be run at the edge")

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except (KeyboardInterrupt, Terminated, Exception) as exc:
            debug = debug_enabled(signature.bind_partial(*args, **kwargs).arguments.get("ctx"))
            raise typer.Exit(_report(exc, _language_of(kwargs), debug=debug)) from None

    wrapper.__signature__ = signature  # type: ignore[attr-defined]
    parameters = signature.parameters.values()
    evaluated = {p.name: p.annotation for p in parameters if p.annotation is not p.empty}
    if signature.return_annotation is not signature.empty:
        evaluated["return"] = signature.return_annotation
    wrapper.__annotations__ = evaluated
    return wrapper  # type: ignore[return-value]


def _report(exc: BaseException, lang: Lang = "en", *, debug: bool = False) -> int:
    """Say what `message_for` says (a signal and a closed pipe end quietly); return the code.

    A domain error that is no failure (`said_as_error` False: the user left, or left a question
    unanswered) is written as it is; every other line is an error line, after the traceback when
    the run asked for one.
    """
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write(_prefix("edge.interrupted", lang).rstrip(": ：") + "\n")
    elif isinstance(exc, BrokenPipeError):
        _quiet_after_a_closed_pipe()
    elif isinstance(exc, AdvisorError) and not exc.said_as_error:
        sys.stderr.write(exc.worded(lang) + "\n")
    elif (message := message_for(exc, lang)) is not None:
        if debug:
            traceback.print_exc(file=sys.stderr)
        error_line(message, lang)
    return exit_code_for(exc)


def run(app: typer.Typer, argv: list[str]) -> int:
    """Run the application and return its exit code: the one place the process's status is set.

    Commands end with `typer.Exit(code)`; what escapes them was mapped by `at_the_edge`. What is
    left is typer's own parsing: a usage error is one line on stderr (exit 2), a bare group prints
    its help (exit 0), Ctrl-C before a command starts is exit 130.
    """
    import warnings

    from ntrk_advisor.i18n import LanguageWarning  # light: the standard library only

    with warnings.catch_warnings():
        # Each run starts with fresh filters (so a fresh registry): a warning repeated within a
        # run is shown once, and shown again by the next run in the same process. The language
        # warning is for the user, so it shows even when Python's warnings are turned off.
        warnings.showwarning = warning_line
        warnings.filterwarnings("default", category=LanguageWarning)
        return _run(app, argv)


def _run(app: typer.Typer, argv: list[str]) -> int:
    try:
        code = app(args=argv, prog_name="ntrk-advisor", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except (KeyboardInterrupt, typer.Abort):
        sys.stderr.write("ntrk-advisor: interrupted\n")
        return ExitCode.INTERRUPTED
    except typer.TyperException as exc:  # click's usage errors, vendored by typer
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError":  # not exported by typer; its name is stable
            sys.stdout.write(ctx.get_help() + "\n" if ctx is not None else "")
            return ExitCode.OK
        format_message = getattr(exc, "format_message", None)
        exit_code = getattr(exc, "exit_code", ExitCode.USAGE)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        message = format_message() if callable(format_message) else str(exc)
        message = _options_as_spelt(exc, message, argv)
        message += _closest_choice(exc, message, argv)
        sys.stderr.write(f"ntrk-advisor: error: {message}{hint}\n")
        return exit_code if isinstance(exit_code, int) else ExitCode.USAGE
    return code if isinstance(code, int) else ExitCode.OK


def _options_as_spelt(exc: BaseException, message: str, argv: list[str]) -> str:
    """An unknown option named as the user typed it, and its suggestions as `--help` spells them.

    Options match in any case and with - or _ (the root's `token_normalize_func`), so click names
    them in that matching form (`--feedback_db`), which nobody typed and no help page shows.
    """
    name = getattr(exc, "option_name", None)
    if not isinstance(name, str):
        return message
    normal = _normal_option
    typed = next((w.split("=", 1)[0] for w in argv if normal(w.split("=", 1)[0]) == name), None)
    if typed is not None:
        message = message.replace(f"No such option: {name}", f"No such option: {typed}", 1)
    ctx = getattr(exc, "ctx", None)
    command = getattr(ctx, "command", None)
    declared = {normal(o): o for param in getattr(command, "params", []) for o in getattr(param, "opts", [])}
    for possibility in getattr(exc, "possibilities", None) or []:
        if possibility in declared:
            message = message.replace(possibility, declared[possibility])
    return message


def _normal_option(word: str) -> str:
    """An option as click compares it: the dashes in front kept, the rest as the root normalises."""
    body = word.lstrip("-")
    return word[: len(word) - len(body)] + body.casefold().replace("-", "_").replace(" ", "_")


def _closest_choice(exc: BaseException, message: str, argv: list[str]) -> str:
    """`; did you mean 'metastatic'?` when a value typed for a choice option is near one.

    click names the bad value in its message but keeps only the parameter; the value is the
    command-line word the message quotes.
    """
    from ntrk_advisor.cli.spelling import closest

    choices = getattr(getattr(getattr(exc, "param", None), "type", None), "choices", None)
    if not choices:
        return ""
    allowed = [str(getattr(choice, "value", choice)) for choice in choices]
    for word in argv:
        if word.startswith("-") and "=" not in word:
            continue  # an option's name, not a value
        value = word.split("=", 1)[-1]
        if f"{value!r} is not one of" in message:
            close = closest(value, allowed)
            return f" Did you mean '{close}'?" if close is not None else ""
    return ""


def _quiet_after_a_closed_pipe() -> None:
    """Point stdout at nowhere, so Python's final flush cannot complain about the closed pipe."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass
