"""Option types shared by several commands, declared once."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from ntrk_advisor.i18n import Lang


class LangChoice(str, Enum):
    EN = "en"
    ZH = "zh"


class ConsultFormat(str, Enum):
    RICH = "rich"
    MARKDOWN = "markdown"
    JSON = "json"


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


def resolve_lang(choice: LangChoice | None) -> Lang:
    """The language to use: the option, else the environment, else English."""
    if choice is not None:
        return choice.value
    from ntrk_advisor.i18n import default_lang

    return default_lang()
