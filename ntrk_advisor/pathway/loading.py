"""The pathway files' texts parsed as plain YAML data and validated into pydantic models.

This is the slow half of loading, kept apart so that a quick consult never imports it: YAML and
pydantic load only when files are checked (nothing cached for them yet) or when the catalogues are
first asked for. Nothing in the files is ever executed, and every problem is collected, located by
file and node, so that one run lists them all.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ntrk_advisor.errors import PathwayProblem
from ntrk_advisor.pathway.yaml_data import parse_yaml_file

if TYPE_CHECKING:
    from ntrk_advisor.pathway.schema import KnowledgeFile

M = TypeVar("M", bound=BaseModel)

BUILTIN_NAME = "ntrk-advisor built-in pathways"


def parse_texts(texts: Mapping[str, str | None], problems: list[PathwayProblem]) -> dict[str, Any]:
    """Each file's data, by name (None for a file that could not be read or parsed, or is empty)."""
    return {name: parse_text(name, text, problems) for name, text in texts.items()}


def parse_text(name: str, text: str | None, problems: list[PathwayProblem]) -> Any:
    """Parse as plain data only (see `yaml_data`): no tag builds an object, no key is given twice."""
    if text is None:
        return None
    data, problem = parse_yaml_file(name, text, PathwayProblem)
    if problem is not None:
        problems.append(problem)
        return None
    if data is None:
        problems.append(PathwayProblem(name, "-", "the file is empty"))
    return data


def validate(
    model: type[M], parsed: Mapping[str, Any], fname: str, problems: list[PathwayProblem]
) -> M | None:
    """One parsed file as `model`, or None; each validation error becomes a problem at its node."""
    data = parsed.get(fname)
    if data is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = [str(p) for p in error["loc"]]
            # ('nodes', 'phase', 'branches', '0', 'goto') -> node 'phase', detail 'branches.0.goto'
            node = loc[1] if len(loc) >= 2 and loc[0] in _MAPPING_KEYS else (loc[0] if loc else "-")
            detail = ".".join(loc[2:] if len(loc) >= 2 and loc[0] in _MAPPING_KEYS else loc[1:])
            message = error["msg"].removeprefix("Value error, ")
            problems.append(PathwayProblem(fname, node, f"{detail}: {message}" if detail else message))
        return None


_MAPPING_KEYS = frozenset(
    {"nodes", "questions", "arguments", "sections", "evidence", "cautions", "statements"}
)


def check_local_identity(meta: KnowledgeFile) -> list[PathwayProblem]:
    """A local copy must not carry the built-in name, even disguised by invisible or odd spaces."""
    if _letters(meta.knowledge.name) == _letters(BUILTIN_NAME):
        return [
            PathwayProblem(
                "knowledge.yaml",
                "knowledge",
                f"a local copy must change 'name' (it still says '{BUILTIN_NAME}'), so that its results "
                "are never mistaken for the built-in advice; `ntrk-advisor pathways init` does this",
            )
        ]
    return []


def _letters(name: str) -> str:
    """A name as a reader sees it: compatibility-normalised, without spaces or invisible characters."""
    normal = unicodedata.normalize("NFKC", name)
    return "".join(
        c for c in normal if not c.isspace() and unicodedata.category(c) not in ("Cf", "Cc")
    ).casefold()
