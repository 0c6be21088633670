"""YAML read as plain data only, strictly: the one loader for pathway and scenario files.

A safe loader already refuses tags that would build objects. On top of that, a key given twice in
one mapping is an error (a YAML parser keeps the last one, so a second `upfront_surgery:` node
silently replaced the first), and anchors and aliases are refused (nothing in these files needs
them, and an alias bomb expands to gigabytes: the "billion laughs"). Every problem is reported as
one short line with its line number, never with the offending value.

`parse_yaml_file` is the one place such a problem becomes a reported one, for pathway and scenario
files alike, so both name the place the same way (`file:line N: ...`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import yaml

from ntrk_advisor.errors import Problem

P = TypeVar("P", bound=Problem)

_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    """The text is not acceptable YAML data; `line` is 1-based, or None when unknown."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    @property
    def where(self) -> str:
        """`line N`, or `-` when the line is not known."""
        return "-" if self.line is None else f"line {self.line}"


class _StrictLoader(_BASE):  # type: ignore[misc]
    """The safe loader, refusing a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: the safe constructor reports it
                break
            if duplicate:
                shown = str(key) if len(str(key)) <= 60 else str(key)[:57] + "..."
                raise YamlProblem(f"the key '{shown}' is given twice", key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


_StrictLoader.add_constructor(
    "tag:yaml.org,2002:map",
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def load_yaml(text: str) -> Any:
    """The data of one YAML document; raises `YamlProblem` for anything that is not plain data."""
    try:
        for event in yaml.parse(text, Loader=_BASE):
            anchored = getattr(event, "anchor", None) is not None
            if anchored or isinstance(event, yaml.AliasEvent):
                mark = event.start_mark
                raise YamlProblem(
                    "anchors and aliases (& and *) are not allowed: write each value out",
                    None if mark is None else mark.line + 1,
                )
        return yaml.load(text, Loader=_StrictLoader)  # a safe loader, refusing duplicates
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc).splitlines()[0][:120]
        raise YamlProblem(f"not valid YAML: {problem}", None if mark is None else mark.line + 1) from None


def parse_yaml_file(file: str, text: str, problem: Callable[[str, str, str], P]) -> tuple[Any, P | None]:
    """One file's data, or None and the problem that stops it: `problem(file, where, message)`.

    `where` is `line N` (or `-` when the line is not known), whichever kind of file it is.
    """
    try:
        return load_yaml(text), None
    except YamlProblem as exc:
        return None, problem(file, exc.where, exc.message)
