"""`ntrk-advisor serve`: the CDS Hooks service, and `serve feedback` to export its feedback log.

Thin: options parsed into a `ServiceConfig` and handed to `service.run.serve`. The web server and
everything behind it are imported only when the command runs (the `server` extra), so `--help`
and every other command never load them.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.cli.edge import at_the_edge
from ntrk_advisor.cli.help_texts import help_for
from ntrk_advisor.cli.options import OutputOption
from ntrk_advisor.environment import Environment


class FeedbackFormat(str, Enum):
    CSV = "csv"


SERVER_EXTRA_MISSING = "usage.server_extra"

serve_app = typer.Typer(
    help=(
        "Run the CDS Hooks 2.0 service: the advice as cards inside an electronic health record. "
        "Listens on loopback unless told otherwise, checks each caller's signed token, and makes "
        "no outbound connection unless --fhir-fallback names a FHIR server."
    ),
    invoke_without_command=True,
    add_completion=False,
)


@serve_app.callback()
@at_the_edge
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8080,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes (one per core is typical).")
    ] = 1,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="The URL the EHR calls (each token's aud); default http://HOST:PORT.",
            show_default=False,
        ),
    ] = None,
    jwks: Annotated[
        Path | None,
        typer.Option(
            "--jwks", help="JWK Set file with the EHRs' public keys.", show_default=False, dir_okay=False
        ),
    ] = None,
    issuer: Annotated[
        list[str] | None,
        typer.Option(
            "--issuer", help="A trusted token issuer (iss); repeat for several.", show_default=False
        ),
    ] = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth", help="Check no token. For local testing only; loopback addresses only."
        ),
    ] = False,
    feedback_db: Annotated[
        str | None,
        typer.Option(
            "--feedback-db",
            metavar="<file|url>",
            help="Feedback log: an SQLite file (default: $NTRK_ADVISOR_HOME/feedback.sqlite3, else the user "
            "data folder), or a postgresql:// URL that several machines share, the replay window with it.",
            show_default=False,
        ),
    ] = None,
    app_url: Annotated[
        str | None,
        typer.Option(
            "--app-url",
            help="Another page for entering missing answers, linked from an incomplete case's card "
            "instead of the service's own /app.",
            show_default=False,
        ),
    ] = None,
    page_key: Annotated[
        Path | None,
        typer.Option(
            "--page-key",
            help="File with the key (32+ bytes, owner-only) that signs the answer page's links; "
            "default: a random key per run.",
            show_default=False,
            dir_okay=False,
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="A browser origin allowed to call (CORS), e.g. https://sandbox.cds-hooks.org; repeat for "
            "several. None by default.",
            show_default=False,
        ),
    ] = None,
    fhir_fallback: Annotated[
        list[str] | None,
        typer.Option(
            "--fhir-fallback",
            help="A FHIR server (base URL) a missing prefetch key may be read from, with the call's "
            "fhirAuthorization; repeat for several. None by default: prefetch only.",
            show_default=False,
        ),
    ] = None,
    max_body_bytes: Annotated[
        int,
        typer.Option("--max-body-bytes", min=1024, help="Largest request body accepted (HTTP 413 above)."),
    ] = 2 * 1024 * 1024,
    max_header_bytes: Annotated[
        int,
        typer.Option(
            "--max-header-bytes",
            min=1024,
            help="Largest request line and header block accepted (HTTP 431 above).",
        ),
    ] = 64 * 1024,
    header_timeout: Annotated[
        float,
        typer.Option(
            "--header-timeout",
            min=0.1,
            help="Seconds a connection has to send a request's headers (HTTP 408, then closed).",
        ),
    ] = 10.0,
    body_timeout: Annotated[
        float,
        typer.Option(
            "--body-timeout",
            min=0.1,
            help="Seconds a request has to send its body after its headers (HTTP 408, then closed).",
        ),
    ] = 30.0,
    max_connections: Annotated[
        int,
        typer.Option(
            "--max-connections",
            min=1,
            help="Open connections per worker; beyond it a connection gets HTTP 503 and is closed.",
        ),
    ] = 1000,
    max_concurrency: Annotated[
        int,
        typer.Option(
            "--max-concurrency",
            min=1,
            help="Requests in flight per worker; beyond it a request gets HTTP 503 with Retry-After.",
        ),
    ] = 256,
) -> None:
    """Serve `patient-view` and `order-select` until SIGTERM or Ctrl-C (SIGTERM drains and exits 0)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        from ntrk_advisor.service.config import ServiceConfig
        from ntrk_advisor.service.run import serve as run
    except ModuleNotFoundError as exc:
        if exc.name in {"starlette", "uvicorn", "jwt"}:
            from ntrk_advisor.errors import UsageError

            raise UsageError(SERVER_EXTRA_MISSING) from None
        raise
    config = ServiceConfig(
        host=host,
        port=port,
        workers=workers,
        base_url=base_url,
        jwks_path=None if jwks is None else str(jwks),
        issuers=tuple(issuer or ()),
        insecure_no_auth=insecure_no_auth,
        feedback_db=feedback_db,
        app_url=app_url,
        page_key_file=None if page_key is None else str(page_key),
        cors_origins=tuple(cors_origin or ()),
        fhir_fallback=tuple(fhir_fallback or ()),
        pathways_dir=ctx.find_root().params.get("pathways_dir"),
        max_body_bytes=max_body_bytes,
        max_header_bytes=max_header_bytes,
        header_timeout_s=header_timeout,
        body_timeout_s=body_timeout,
        max_connections=max_connections,
        max_concurrency=max_concurrency,
    )
    run(config)


@serve_app.command("feedback", **help_for("serve feedback"))
@at_the_edge
def feedback(
    ctx: typer.Context,
    export: Annotated[
        FeedbackFormat, typer.Option("--export", case_sensitive=False, help="Export format.")
    ] = FeedbackFormat.CSV,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="<file|url>",
            help="Feedback log, a file or a postgresql:// URL (default: as serve's --feedback-db).",
            show_default=False,
        ),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Every stored feedback item (what was done with which card), oldest first."""
    from ntrk_advisor.files import write_atomic
    from ntrk_advisor.service.postgres import is_url
    from ntrk_advisor.service.storage import export_csv, feedback_path

    text = export_csv(db)
    if output is None:
        Environment.of_process().stdout.write(text)
    else:
        write_atomic(output, text, inputs=() if is_url(db) else (feedback_path(db),))
