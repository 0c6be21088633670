"""The pathway files' texts parsed as plain YAML data and validated into pydantic models.

This is the slow half of loading, kept apart so that a quick consult never imports it: YAML and
pydantic load only when files are checked (nothing cached for them yet) or when the catalogues are
first asked for. Nothing in the files is ever executed, and every problem is collected, located by
file and node, so that one run lists them all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from ntrk_advisor.errors import PathwayProblem
from ntrk_advisor.pathway.look_alike import reads_as, unseen
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
    """A local copy must not carry the built-in name, nor a name that reads as it (`look_alike`).

    Spaces, invisible characters, case, accents, punctuation and letters from other scripts that
    imitate Latin ones are all set aside: `ntrk-аdvisor built-in pathways` with a Cyrillic а, or
    a soft hyphen in `built-in`, is refused like the name itself.
    """
    if reads_as(meta.knowledge.name, BUILTIN_NAME):
        return [
            PathwayProblem(
                "knowledge.yaml",
                "knowledge",
                f"a local copy must change 'name' (it still reads as '{BUILTIN_NAME}'), so that its "
                "results are never mistaken for the built-in advice; `ntrk-advisor pathways init` does this",
            )
        ]
    return []


KNOWLEDGE_FILE = "knowledge.yaml"
_NAMES = frozenset({("knowledge", "name"), ("knowledge", "version")})
"""The metadata printed on every result, where not even an invisible character may hide."""


def check_metadata_text(data: Any, text: str | None) -> list[PathwayProblem]:
    """Problems with the texts of knowledge.yaml that would disturb a terminal, each with its line.

    No control character, escape sequence or bidi override anywhere, and in `name` and `version`
    nothing invisible either (`look_alike.unseen`). These texts reach the terminal on every
    result, in `about` and in `pathways check`; refused at load, they never get there (and the
    renderers write such characters out visibly besides).
    """
    problems = []
    for path, value in _strings(data, ()):
        code = unseen(value, invisible=path in _NAMES)
        if code is not None:
            key = ".".join(path[1:])
            problems.append(
                PathwayProblem(
                    KNOWLEDGE_FILE,
                    _line_of(text, path),
                    f"'{key}' holds {code}, a control or invisible character; write it in visible "
                    "characters only (it is printed on every result)",
                )
            )
    return problems


def _strings(data: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, Mapping):
        for key, value in data.items():
            yield from _strings(value, (*path, str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _strings(value, (*path, str(index)))


def _line_of(text: str | None, path: tuple[str, ...]) -> str:
    """`line N` of the value at `path` in the YAML text (`-` if it cannot be found)."""
    import yaml

    try:
        node: yaml.Node | None = yaml.compose(
            text or "", Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    except yaml.YAMLError:  # pragma: no cover - the text was parsed already
        return "-"
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
            node = node.value[int(part)]
        else:
            node = None
    return "-" if node is None else f"line {node.start_mark.line + 1}"
