"""Option types shared by several commands, declared once."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ntrk_advisor.pathway.knowledge import KnowledgeBase


class LangChoice(str, Enum):
    EN = "en"
    ZH = "zh"


class ConsultFormat(str, Enum):
    RICH = "rich"
    MARKDOWN = "markdown"
    JSON = "json"
    HTML = "html"
    PDF = "pdf"


LangOption = Annotated[
    LangChoice | None,
    typer.Option(
        "--lang",
        help="Language of the texts (default: $NTRK_ADVISOR_LANG, else en).",
        case_sensitive=False,
        show_default=False,
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write to this file (atomically) instead of stdout.", show_default=False
    ),
]
ExplainOption = Annotated[
    bool, typer.Option("--explain", help="Also show the questions asked and the answers used.")
]


def knowledge_base(ctx: typer.Context) -> KnowledgeBase:
    """The knowledge base this run uses: `--pathways-dir` (or its variable), else the built-ins.

    The folder is passed in from the root command's options, not kept in a process-wide global.
    """
    from ntrk_advisor.pathway.knowledge import default_knowledge_base

    return default_knowledge_base(ctx.find_root().params.get("pathways_dir"))
