"""`ntrk-advisor pathways`: list, show, check, export and copy the pathway modules."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.help_texts import help_for
from ntrk_advisor.cli.options import LangOption, OutputOption, knowledge_base
from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.environment import Environment
from ntrk_advisor.exit_codes import ExitCode

if TYPE_CHECKING:
    from ntrk_advisor.i18n import Lang

pathways_app = typer.Typer(
    help="See, check, export and copy the pathway modules (the clinical knowledge, as data).",
    no_args_is_help=True,
    add_completion=False,
)


class ExportFormat(str, Enum):
    MERMAID = "mermaid"
    DOT = "dot"
    JSON = "json"
    FHIR = "fhir"


@pathways_app.command("list", **help_for("pathways list"))
@at_the_edge
def list_pathways(ctx: typer.Context, lang: LangOption = None) -> None:
    """The modules, with their node and outcome counts and the knowledge version."""
    from ntrk_advisor.render.catalogue_tables import pathways_table
    from ntrk_advisor.render.console import make_console

    env = Environment.of_process()
    make_console(env).print(pathways_table(knowledge_base(ctx), env.language(lang)))


@pathways_app.command("show", **help_for("pathways show"))
@at_the_edge
def show(
    ctx: typer.Context,
    pathway: Annotated[
        PathwayName | None,
        typer.Argument(
            help="One pathway (default: all, or those the --case passes through).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    case_file: Annotated[
        Path | None,
        typer.Option("--case", help="Highlight the path this case takes; dim the rest.", show_default=False),
    ] = None,
    lang: LangOption = None,
) -> None:
    """The tree of questions, branches and outcomes."""
    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid
    from ntrk_advisor.engine import decide
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.intake import read_answers_file
    from ntrk_advisor.render.console import make_console
    from ntrk_advisor.render.tree_view import pathway_trees

    kb, env = knowledge_base(ctx), Environment.of_process()
    chosen = env.language(lang)
    trail = None
    if case_file is not None:  # whatever `consult --case` reads: a case, a derived case, a Bundle
        try:
            answers = read_answers_file(case_file, today=env.today(), lang=chosen, stdin=env.stdin_bytes())
            trail = decide(case_from_data(answers.values), kb).trail
        except CaseInvalid as exc:
            raise UsageError("usage.case_invalid", path=case_file, reason=exc) from None
    console = make_console(env)
    for tree in pathway_trees(kb, chosen, pathway, trail):
        console.print(tree)


@pathways_app.command("check", **help_for("pathways check"))
@at_the_edge
def check(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Check this folder instead of the pathways in use.", show_default=False),
    ] = None,
    require_review: Annotated[
        bool,
        typer.Option(
            "--require-review",
            help="Also a problem: a statement on a walked path without a current clinician approval.",
        ),
    ] = False,
) -> None:
    """Every load-time check, the exhaustive walk, translations and unused entries; exit 5 on problems."""
    from ntrk_advisor.authoring.check import check_pathways

    report = check_pathways(
        directory or ctx.find_root().params.get("pathways_dir"), require_review=require_review
    )
    env = Environment.of_process()
    env.stdout.write(report.findings)
    env.stderr.write(report.summary)
    raise typer.Exit(ExitCode.OK if report.passed else ExitCode.PROBLEMS)


@pathways_app.command("export", **help_for("pathways export"))
@at_the_edge
def export(
    ctx: typer.Context,
    output_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help=(
                "mermaid, dot, json, or fhir (CPG-on-FHIR R4: a Bundle, or one file per resource "
                "into an existing folder given with -o)."
            ),
        ),
    ],
    pathway: Annotated[
        PathwayName | None,
        typer.Option(
            "--pathway",
            help="Only this pathway (and where it hands off).",
            case_sensitive=False,
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
    lang: LangOption = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="With --format fhir: the base of the export's canonical URLs (default http://example.org/ntrk-advisor).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """The tree as a Mermaid flowchart, Graphviz DOT, the compiled tree as JSON, or CPG-on-FHIR."""
    from ntrk_advisor.authoring.export import export_text
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.files import write_atomic

    env = Environment.of_process()
    if output_format is not ExportFormat.FHIR and base_url is not None:
        raise UsageError("review.base_url_needs_fhir")
    if output_format is ExportFormat.FHIR:
        if pathway is not None:
            raise UsageError("review.fhir_whole_knowledge")
        from ntrk_advisor.authoring import fhir_export
        from ntrk_advisor.authoring.cpg_canonicals import DEFAULT_BASE_URL

        base = base_url or DEFAULT_BASE_URL
        if output is not None and output.is_dir():
            for name, body in fhir_export.write_resources(
                fhir_export.fhir_resources(knowledge_base(ctx), base)
            ).items():
                write_atomic(output / name, body)
            return
        text = fhir_export.to_json(fhir_export.fhir_bundle(knowledge_base(ctx), base))
    else:
        text = export_text(knowledge_base(ctx), output_format.value, pathway, env.language(lang))
    if output is None:
        env.stdout.write(text)
    else:
        write_atomic(output, text)


@pathways_app.command("init", **help_for("pathways init"))
@at_the_edge
def init(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="New folder for the institution's copy.")],
) -> None:
    """Copy the built-in pathway modules to a folder, as a starting point for a local copy."""
    from ntrk_advisor.authoring.local_copy import make_local_copy, next_steps

    made = make_local_copy(directory)
    Environment.of_process().stderr.write(next_steps(directory, len(made)))
    raise typer.Exit(ExitCode.OK)


class StatusFormat(str, Enum):
    TEXT = "text"
    JSON = "json"
    HTML = "html"


PathwaysDirOption = Annotated[
    Path | None,
    typer.Option(
        "--pathways-dir",
        help="The folder of pathway files to review (default: the one given before the command).",
        show_default=False,
    ),
]


def _folder(ctx: typer.Context, directory: Path | None) -> str | Path | None:
    return directory or ctx.find_root().params.get("pathways_dir")


@pathways_app.command("reviewer-key", **help_for("pathways reviewer-key"))
@at_the_edge
def reviewer_key(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="The reviewer's name, as records will carry it.")],
    role: Annotated[str, typer.Option("--role", help="The reviewer's role (e.g. medical oncologist).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="New file for the private key (readable by you alone).")
    ],
    directory: PathwaysDirOption = None,
    lang: LangOption = None,
) -> None:
    """Make a reviewer's Ed25519 key pair.

    The private key goes to a new file only its owner can read; the public key into the pathways
    folder's reviewers.yaml.
    """
    from ntrk_advisor.authoring.keys import new_key_pair, write_private_key
    from ntrk_advisor.authoring.signoff import add_reviewer, review_folder
    from ntrk_advisor.i18n import t

    folder = review_folder(_folder(ctx, directory))
    pem, public = new_key_pair()
    write_private_key(output, pem)
    try:
        listed = add_reviewer(folder, name.strip(), role.strip(), public)
    except BaseException:
        output.unlink(missing_ok=True)  # no key without its listing
        raise
    env = Environment.of_process()
    chosen = env.language(lang)
    env.stderr.write(t("review.key_made", chosen, path=output, name=name, role=role, file=listed) + "\n")


@pathways_app.command("review", **help_for("pathways review"))
@at_the_edge
def review(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None,
        typer.Argument(
            help="Statement ids to decide on (with --approve, --request-changes or --reject).",
            show_default=False,
        ),
    ] = None,
    status: Annotated[
        bool, typer.Option("--status", help="Show the review coverage; change nothing.")
    ] = False,
    output_format: Annotated[
        StatusFormat,
        typer.Option("--format", case_sensitive=False, help="text, json or html (with --status)."),
    ] = StatusFormat.TEXT,
    export_fhir: Annotated[
        bool,
        typer.Option(
            "--export-fhir",
            help="Write the decisions that count as a FHIR R4 Bundle (Provenance with the signature, Basic).",
        ),
    ] = False,
    approve: Annotated[bool, typer.Option("--approve", help="Approve the statements named.")] = False,
    request_changes: Annotated[
        bool,
        typer.Option("--request-changes", help="Ask for changes to the statements named (with --comment)."),
    ] = False,
    reject: Annotated[
        bool, typer.Option("--reject", help="Reject the statements named (with --comment).")
    ] = False,
    comment: Annotated[
        str, typer.Option("--comment", help="What you found (required to ask for changes or reject).")
    ] = "",
    key: Annotated[
        Path | None,
        typer.Option("--key", help="Your private key (from pathways reviewer-key).", show_default=False),
    ] = None,
    output: OutputOption = None,
    directory: PathwaysDirOption = None,
    lang: LangOption = None,
) -> None:
    """Clinician sign-off, statement by statement.

    At a terminal, walk the unreviewed and stale statements and sign each decision; with --approve
    (or --request-changes, --reject) decide on the named statements without questions; with
    --status show where the review stands; with --export-fhir write the stamps as FHIR.
    """
    from ntrk_advisor.authoring.signoff import record_decisions, review_folder
    from ntrk_advisor.contract.vocabulary import ReviewDecision
    from ntrk_advisor.errors import UsageError
    from ntrk_advisor.i18n import t

    env = Environment.of_process()
    chosen = env.language(lang)
    decisions = [
        d
        for d, on in (
            (ReviewDecision.APPROVED, approve),
            (ReviewDecision.CHANGES_REQUESTED, request_changes),
            (ReviewDecision.REJECTED, reject),
        )
        if on
    ]
    if status or export_fhir:
        if decisions or ids or (status and export_fhir):
            raise UsageError("review.status_alone")
        if export_fhir and output_format is not StatusFormat.TEXT:
            raise UsageError("review.format_needs_status")
        _write_report(ctx, directory, output_format if status else None, chosen, env, output)
        return
    if output is not None:
        raise UsageError("review.output_needs_report")
    if output_format is not StatusFormat.TEXT:
        raise UsageError("review.format_needs_status")
    if len(decisions) > 1:
        raise UsageError("review.one_decision")
    if decisions:
        if key is None:
            raise UsageError("review.approve_needs_key")
        if not ids:
            raise UsageError("review.decision_needs_ids")
        if decisions[0] is not ReviewDecision.APPROVED and not comment.strip():
            raise UsageError("review.comment_needed")
        folder = review_folder(_folder(ctx, directory))
        path, name, count = record_decisions(folder, key, ids, decisions[0], comment.strip(), env.today())
        env.stderr.write(t("review.recorded", chosen, count=count, name=name, file=path) + "\n")
        return
    if ids:
        raise UsageError("review.decision_needs_ids")
    if key is None:
        raise UsageError("review.approve_needs_key")
    if not env.stdin_is_terminal:
        raise UsageError("review.no_terminal")
    from ntrk_advisor.authoring.review_session import run_session

    run_session(review_folder(_folder(ctx, directory)), key, env, chosen)


def _write_report(
    ctx: typer.Context,
    directory: Path | None,
    output_format: StatusFormat | None,
    lang: Lang,
    env: Environment,
    output: Path | None,
) -> None:
    """`--status` in `output_format`, or the FHIR export (`output_format` None), to stdout or `output`."""
    import json

    from ntrk_advisor.authoring.signoff import reviewed, status_data, status_text
    from ntrk_advisor.files import write_atomic
    from ntrk_advisor.pathway.knowledge import default_knowledge_base

    r = reviewed(default_knowledge_base(_folder(ctx, directory)))
    if output_format is None:
        from ntrk_advisor.authoring.review_fhir import review_bundle

        text = json.dumps(review_bundle(r), ensure_ascii=False, indent=2) + "\n"
    elif output_format is StatusFormat.JSON:
        text = json.dumps(status_data(r), ensure_ascii=False, indent=2) + "\n"
    elif output_format is StatusFormat.HTML:
        from ntrk_advisor.authoring.review_page import status_html

        text = status_html(status_data(r), lang, env.clock())
    else:
        text = status_text(status_data(r), lang)
    if output is None:
        env.stdout.write(text)
    else:
        write_atomic(output, text)
