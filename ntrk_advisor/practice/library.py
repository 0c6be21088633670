"""Load the scenario library and check every scenario against the knowledge base in use.

The scenarios live beside the pathway modules (`pathways/scenarios/*.yaml`); an institution's
copy of the pathways brings its own. Each file is parsed with a safe loader and validated; then
each case is evaluated, its key derived from the result, and every cited argument resolved.
Any problem refuses the whole library, naming file and scenario, as the pathway loader does.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ntrk_advisor.contract.case import Case, case_from_data
from ntrk_advisor.contract.errors import CaseInvalid
from ntrk_advisor.contract.result import Action, Result
from ntrk_advisor.contract.vocabulary import AgeGroup, PathwayName
from ntrk_advisor.engine import evaluate
from ntrk_advisor.i18n import Lang
from ntrk_advisor.pathway.knowledge import KnowledgeBase, builtin_source, default_knowledge_base
from ntrk_advisor.practice.errors import ScenarioError, ScenarioProblem, UnknownScenario
from ntrk_advisor.practice.keying import derive_key, key_problems
from ntrk_advisor.practice.schema import Option, Scenario, ScenarioFile
from ntrk_advisor.practice.vocabulary import Difficulty

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

SCENARIO_FOLDER = "scenarios"


@dataclass(frozen=True)
class KeyedScenario:
    """A checked scenario with its validated case and the key the engine gives it."""

    scenario: Scenario
    case: Case
    key: Action
    source: str

    @property
    def id(self) -> str:
        """The scenario's ID (also its case ID)."""
        return self.scenario.id

    @property
    def key_index(self) -> int:
        """Position (from 0) of the keyed option."""
        return next(i for i, o in enumerate(self.scenario.options) if o.action is self.key.action)

    @property
    def key_option(self) -> Option:
        """The option that is the right answer."""
        return self.scenario.options[self.key_index]


class ScenarioLibrary:
    """Every scenario, in file then data order, keyed against one knowledge base."""

    def __init__(self, scenarios: Sequence[KeyedScenario], kb: KnowledgeBase) -> None:
        self.kb = kb
        self._by_id = {s.id: s for s in scenarios}

    def __iter__(self) -> Iterator[KeyedScenario]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, scenario_id: object) -> bool:
        return scenario_id in self._by_id

    def get(self, scenario_id: str) -> KeyedScenario:
        """The scenario with this ID; `UnknownScenario` (with a suggestion) otherwise."""
        found = self._by_id.get(scenario_id.strip().lower())
        if found is None:
            raise UnknownScenario(scenario_id, list(self._by_id))
        return found

    def matching(
        self,
        *,
        pathway: PathwayName | None = None,
        difficulty: Difficulty | None = None,
        age_group: AgeGroup | None = None,
    ) -> list[KeyedScenario]:
        """The scenarios that pass every filter given, in library order."""
        return [
            s
            for s in self
            if (pathway is None or s.scenario.pathway is pathway)
            and (difficulty is None or s.scenario.difficulty is difficulty)
            and (age_group is None or s.scenario.age_group is age_group)
        ]


def scenario_source(kb: KnowledgeBase) -> Traversable:
    """The scenarios that go with `kb`: a local copy's own folder, else the built-in ones."""
    if not kb.builtin:
        local = Path(kb.location) / SCENARIO_FOLDER
        if local.is_dir():
            return local
    return builtin_source().joinpath(SCENARIO_FOLDER)


def load_library(
    kb: KnowledgeBase | None = None, source: Traversable | Path | None = None
) -> ScenarioLibrary:
    """Load and check every `*.yaml` scenario file; raises `ScenarioError` listing every problem."""
    kb = kb or default_knowledge_base()
    root = source if source is not None else scenario_source(kb)
    problems: list[ScenarioProblem] = []
    parsed: list[tuple[str, Scenario]] = []
    files = sorted((e for e in root.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    for entry in files:  # a link out of the folder, a FIFO or a device is never read (or waited on)
        if isinstance(entry, Path) and (entry.is_symlink() or not entry.is_file()):
            problems.append(ScenarioProblem(entry.name, "-", "not a regular file in the scenarios folder"))
    files = [e for e in files if not (isinstance(e, Path) and (e.is_symlink() or not e.is_file()))]
    if not files:
        raise ScenarioError([ScenarioProblem(str(root), "-", "no scenario files (*.yaml) found")])
    for entry in files:
        parsed += [(entry.name, s) for s in _read_file(entry, problems)]
    keyed: list[KeyedScenario] = []
    seen: dict[str, str] = {}
    for fname, scenario in parsed:
        if scenario.id in seen:
            problems.append(ScenarioProblem(fname, scenario.id, f"ID already used in {seen[scenario.id]}"))
            continue
        seen[scenario.id] = fname
        item = _check(fname, scenario, kb, problems)
        if item is not None:
            keyed.append(item)
    if problems:
        raise ScenarioError(problems)
    return ScenarioLibrary(keyed, kb)


def evaluate_scenario(scenario: Scenario, kb: KnowledgeBase, lang: Lang = "en") -> Result:
    """The engine's result for the scenario's case, carrying the scenario's ID as case ID."""
    return evaluate({**scenario.case, "id": scenario.id}, lang, kb)


def _read_file(entry: Traversable, problems: list[ScenarioProblem]) -> list[Scenario]:
    from ntrk_advisor.pathway.yaml_data import parse_yaml_file

    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ScenarioProblem(entry.name, "-", f"cannot read: {exc}"))
        return []
    data, problem = parse_yaml_file(entry.name, text, ScenarioProblem)
    if problem is not None:
        problems.append(problem)
        return []
    try:
        return ScenarioFile.model_validate(data).scenarios
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            loc = [str(p) for p in error["loc"]]
            where = _scenario_label(data, loc)
            detail = ".".join(loc[2:] if loc[:1] == ["scenarios"] else loc)
            message = error["msg"].removeprefix("Value error, ")
            problems.append(ScenarioProblem(entry.name, where, f"{detail}: {message}" if detail else message))
        return []


def _scenario_label(data: Any, loc: list[str]) -> str:
    """`scenario-id` (or `#3`) for an error inside the third scenario of a file."""
    if len(loc) >= 2 and loc[0] == "scenarios" and loc[1].isdigit() and isinstance(data, dict):
        items = data.get("scenarios")
        index = int(loc[1])
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            return str(items[index].get("id") or f"#{index + 1}")
        return f"#{index + 1}"
    return "-"


def _check(
    fname: str, scenario: Scenario, kb: KnowledgeBase, problems: list[ScenarioProblem]
) -> KeyedScenario | None:
    def problem(message: str) -> None:
        problems.append(ScenarioProblem(fname, scenario.id, message))

    for where, arguments, evidence in _citations(scenario):
        for argument in arguments:
            if argument not in kb.arguments.arguments:
                problem(f"{where} cites unknown argument '{argument}'")
        for ref in evidence:
            if ref not in kb.evidence.evidence:
                problem(f"{where} cites unknown evidence '{ref}'")
    try:
        case = case_from_data({**scenario.case, "id": scenario.id})
    except CaseInvalid as exc:
        problem(f"case is not a valid contract case: {exc}")
        return None
    result = evaluate(case, "en", kb)
    found = key_problems(scenario, result)
    for message in found:
        problem(message)
    key = derive_key(scenario.question, result)
    if found or key is None:
        return None
    return KeyedScenario(scenario=scenario, case=case, key=key, source=fname)


def _citations(scenario: Scenario) -> Iterator[tuple[str, list[str], list[str]]]:
    for number, option in enumerate(scenario.options, start=1):
        yield f"option {number}", option.arguments, option.evidence
    for number, point in enumerate(scenario.teaching_points, start=1):
        yield f"teaching point {number}", point.arguments, point.evidence
