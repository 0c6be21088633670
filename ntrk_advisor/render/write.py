"""A consult's result written in the format asked for: to the terminal, to stdout or to a file.

The flow (`consultation`) produces the result; this module only writes it, so a consult, and any
later surface that shows one result, share one writer: the screen through the pager at a terminal,
Markdown, JSON, the HTML report, or that report printed to PDF by a headless Chromium.
"""

from __future__ import annotations

from pathlib import Path

from ntrk_advisor.contract.result import Result
from ntrk_advisor.environment import Environment
from ntrk_advisor.errors import UsageError
from ntrk_advisor.files import atomic_output, write_atomic
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase


def write_result(
    result: Result,
    output_format: str,
    kb: KnowledgeBase,
    lang: Lang,
    env: Environment,
    *,
    tumor_type: str | None = None,
    explain: bool = False,
    page: bool = True,
    output: Path | None = None,
    inputs: tuple[Path, ...] = (),
) -> None:
    """Write the result in `output_format` to stdout, or atomically to `output` (never an input).

    On a screen at an interactive terminal a long result goes through the pager (unless `page` is
    off), and the bottom line is printed once more at the end, where the eye is. The HTML report
    and the PDF say when they were made, by the environment's clock.
    """
    if output_format == "pdf":
        from ntrk_advisor.render.html_report import render_html
        from ntrk_advisor.render.pdf import html_to_pdf

        if output is None:
            raise UsageError("usage.pdf_needs_output")
        html = render_html(result, kb, lang, tumor_type=tumor_type, explain=explain, generated=env.clock())
        pdf = html_to_pdf(html)
        with atomic_output(output, inputs=inputs, binary=True) as handle:
            handle.write(pdf)
        return
    if output_format == "rich":
        from ntrk_advisor.render import pager
        from ntrk_advisor.render.console import make_console
        from ntrk_advisor.render.screen import bottom_line_box, result_screen

        screen = result_screen(result, kb, lang, tumor_type=tumor_type, explain=explain)
        if output is not None:
            with atomic_output(output, inputs=inputs) as handle:
                make_console(env, file=handle).print(screen)
            return
        pager.show(screen, env, page=page)
        if pager.wants_pager(env) and result.actions:
            make_console(env).print(bottom_line_box(result, lang))
        return
    if output_format == "json":
        from ntrk_advisor.render.json_out import result_json

        text = result_json(result) + "\n"
    elif output_format == "markdown":
        from ntrk_advisor.render.markdown import render_markdown

        text = render_markdown(result, kb, lang, tumor_type=tumor_type, explain=explain)
    elif output_format == "html":
        from ntrk_advisor.render.html_report import render_html

        text = render_html(result, kb, lang, tumor_type=tumor_type, explain=explain, generated=env.clock())
    else:
        raise UsageError("usage.unknown_format", format=output_format)
    if output is None:
        env.stdout.write(text)
    else:
        write_atomic(output, text, inputs=inputs)
