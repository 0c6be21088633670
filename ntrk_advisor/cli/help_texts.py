"""What `--help` says besides the options: each command's one-line summary and its examples.

Summaries are short enough to be shown whole in a command list at 80 columns (click cuts a
longer one with "..."); examples are real command lines a clinician can copy. Kept here, apart
from the commands, so the help reads as one text and a test can check every command has both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

from typer import _click as click  # typer carries its own copy of click

SUMMARIES = {
    "consult": "One case: asks only what its path needs.",
    "batch": "Many cases from JSON files: one result each.",
    "pathways": "See, check, export and copy the pathways.",
    "practice": "Review what is due, practise scenarios, track progress.",
    "arguments": "The source article's arguments, paraphrased.",
    "evidence": "Full references and what cites each.",
    "schema": "JSON Schemas for cases, results, pathways.",
    "about": "Intended use, limits, knowledge and source.",
    "import": "Cases from health records (FHIR R4).",
    "import fhir": "A FHIR R4 Bundle to a case, with sources.",
    "pathways list": "The modules, with their counts and version.",
    "pathways show": "The tree of questions, branches and outcomes.",
    "pathways check": "Every check and the exhaustive walk.",
    "pathways export": "The tree as Mermaid, DOT or JSON.",
    "pathways init": "Copy the built-ins to start a local copy.",
    "pathways reviewer-key": "Make a reviewer's signing key pair.",
    "pathways review": "Clinician sign-off, statement by statement.",
    "practice list": "The scenarios, by pathway and difficulty.",
    "practice show": "One scenario and its options (no answer).",
    "practice answer": "Grade one answer and record it.",
    "practice stats": "What is due and retained, accuracy bars.",
    "practice export": "Every recorded attempt, as CSV or JSON.",
    "practice reset": "Delete the attempts (a backup is kept).",
    "serve": "Advice as CDS Hooks cards for a health record.",
    "serve feedback": "Export the service's feedback log as CSV.",
}
"""The command list's one-liners (the commands' own docstrings stay the full description)."""


def _examples(*lines: str) -> str:
    # "\b" keeps click from re-wrapping the block, so each command stays on its own line.
    return "Examples:\n\n\b\n" + "\n".join(f"  {line}" for line in lines)


EXAMPLES = {
    "root": _examples(
        "ntrk-advisor consult                       # answer the questions at the terminal",
        "ntrk-advisor consult --case case.json --format markdown -o note.md",
        "ntrk-advisor batch cohort.jsonl --format csv -o results.csv",
        "ntrk-advisor practice --count 3            # three scenarios for a trainee",
        "ntrk-advisor pathways show metastatic      # the decision tree",
    ),
    "consult": _examples(
        "ntrk-advisor consult",
        "ntrk-advisor consult --age 0.5 --setting locally-advanced --fusion-status confirmed",
        "ntrk-advisor consult --case case.json --no-input --format json",
        "ntrk-advisor consult --case case.json --explain --lang zh",
        "ntrk-advisor consult --save case.json      # keep the answers for replay",
    ),
    "batch": _examples(
        "ntrk-advisor batch cohort.jsonl                      # a table at a terminal",
        "ntrk-advisor batch cohort.jsonl --format csv -o results.csv",
        "cat cases.json | ntrk-advisor batch - --format jsonl --quiet",
        "ntrk-advisor batch registry.json --compact --lang zh -o results.jsonl",
        "ntrk-advisor batch bundles.jsonl --input-format fhir   # FHIR R4 Bundles",
    ),
    "pathways": _examples(
        "ntrk-advisor pathways list",
        "ntrk-advisor pathways show resistant --case case.json",
        "ntrk-advisor pathways export --format mermaid -o tree.mmd",
        "ntrk-advisor pathways init ~/clinic-pathways && ntrk-advisor pathways check --dir ~/clinic-pathways",
    ),
    "practice": _examples(
        "ntrk-advisor practice                        # the items due, a fresh case each",
        "ntrk-advisor practice --pathway metastatic --count 3",
        "ntrk-advisor practice --review               # the ones you missed first",
        "ntrk-advisor practice answer res-solvent-front 2",
        "ntrk-advisor practice stats",
    ),
    "arguments": _examples(
        "ntrk-advisor arguments", "ntrk-advisor arguments advanced.oligoprogression --lang zh"
    ),
    "evidence": _examples("ntrk-advisor evidence", "ntrk-advisor evidence drilon-2018-nejm --format json"),
    "schema": _examples("ntrk-advisor schema case > case.schema.json"),
    "about": _examples("ntrk-advisor about", "ntrk-advisor about --lang zh"),
    "import": _examples(
        "ntrk-advisor import fhir bundle.json -o case.json",
        "ntrk-advisor consult --case bundle.json     # or consult the Bundle directly",
    ),
    "import fhir": _examples(
        "ntrk-advisor import fhir bundle.json -o case.json",
        "ntrk-advisor import fhir bundle.json --id mdt-2026-014 --validate",
        "ntrk-advisor consult --case case.json      # the reviewed case, with its sources",
    ),
    "pathways list": _examples("ntrk-advisor pathways list --lang zh"),
    "pathways show": _examples(
        "ntrk-advisor pathways show early", "ntrk-advisor pathways show --case case.json"
    ),
    "pathways check": _examples("ntrk-advisor pathways check --dir ~/clinic-pathways"),
    "pathways export": _examples(
        "ntrk-advisor pathways export --format dot --pathway resistant -o resistant.dot"
    ),
    "pathways init": _examples("ntrk-advisor pathways init ~/clinic-pathways"),
    "pathways reviewer-key": _examples(
        "ntrk-advisor pathways reviewer-key --name 'Dr Li Wei' --role 'medical oncologist' "
        "-o ~/.ntrk-review.key --pathways-dir ~/clinic-pathways"
    ),
    "pathways review": _examples(
        "ntrk-advisor pathways review --status --pathways-dir ~/clinic-pathways",
        "ntrk-advisor pathways review --key ~/.ntrk-review.key --pathways-dir ~/clinic-pathways",
        "ntrk-advisor pathways review --approve rec:surgery.early_definitive --key ~/.ntrk-review.key "
        "--pathways-dir ~/clinic-pathways",
        "ntrk-advisor pathways check --dir ~/clinic-pathways --require-review   # the release gate",
    ),
    "practice list": _examples("ntrk-advisor practice list --format json"),
    "practice show": _examples("ntrk-advisor practice show res-solvent-front"),
    "practice answer": _examples("ntrk-advisor practice answer res-solvent-front 2 --format json"),
    "practice stats": _examples(
        "ntrk-advisor practice stats --lang zh", "ntrk-advisor practice stats --format html -o stats.html"
    ),
    "practice export": _examples("ntrk-advisor practice export --format csv -o attempts.csv"),
    "practice reset": _examples("ntrk-advisor practice reset --yes"),
    "serve": _examples(
        "ntrk-advisor serve --jwks ehr-keys.json --issuer https://ehr.example.org",
        "ntrk-advisor serve --host 0.0.0.0 --workers 2 --base-url https://cds.example.org "
        "--jwks ehr-keys.json --issuer https://ehr.example.org",
        "ntrk-advisor serve --insecure-no-auth --port 8081   # local testing only",
        "ntrk-advisor serve feedback --export csv -o feedback.csv",
    ),
    "serve feedback": _examples("ntrk-advisor serve feedback --export csv -o feedback.csv"),
}
"""The "Examples" section at the end of each command's `--help` (and the root's)."""


class CommandHelp(TypedDict):
    short_help: str
    epilog: str


def help_for(command: str) -> CommandHelp:
    """The `short_help` and `epilog` of a command (`consult`, `practice stats`) for its registration."""
    return {"short_help": SUMMARIES[command], "epilog": EXAMPLES[command]}


_KEPT_HYPHEN = "\u2011"
"""A non-breaking hyphen: stands in for `-` while click wraps a help text, then is put back."""


class HyphenKeepingFormatter(click.HelpFormatter):
    """click's help formatter, except that a value is never broken at its hyphen.

    click wraps option help with Python's `textwrap`, which breaks "non-fusion-alteration"
    after "non-fusion-"; copied from a terminal it then reads "non-fusion- alteration". Each
    hyphen is held as a non-breaking one while the text is wrapped, and restored after.
    """

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """The rows as click writes them, each hyphen kept with the word around it."""
        start = len(self.buffer)
        held = [(first, second.replace("-", _KEPT_HYPHEN)) for first, second in rows]
        super().write_dl(held, col_max, col_spacing)
        self.buffer[start:] = [part.replace(_KEPT_HYPHEN, "-") for part in self.buffer[start:]]
