"""Load-time checks across the pathway files: references, coverage, reachability, no cycles.

Each problem names its file and node, so a clinician editing YAML can find it without Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ntrk_advisor.contract.fields import ASKABLE_FIELDS, FIELD_SPECS, ROUTE_SPECS, FieldSpec
from ntrk_advisor.contract.vocabulary import ActionCode, EvidenceLevel, PathwayName
from ntrk_advisor.errors import PathwayProblem
from ntrk_advisor.pathway.age_bands import BandTable
from ntrk_advisor.pathway.compiled import band_table, evidence_level
from ntrk_advisor.pathway.schema import (
    ArgumentsFile,
    Bundle,
    CautionsFile,
    EvidenceFile,
    KnowledgeFile,
    Node,
    PathwayFile,
    QuestionsFile,
    Statement,
    StatementsFile,
)
from ntrk_advisor.pathway.tree import TreeNode, canonical

_RANK = {level: rank for rank, level in enumerate(EvidenceLevel)}

ENTRY_PATHWAY = PathwayName.DIAGNOSTIC


def check_catalogues(
    meta: KnowledgeFile,
    questions: QuestionsFile,
    arguments: ArgumentsFile,
    evidence: EvidenceFile,
    cautions: CautionsFile,
    statements: StatementsFile,
) -> list[PathwayProblem]:
    """Problems in the shared catalogues and the references between them."""
    problems: list[PathwayProblem] = []
    bands = band_table(meta.knowledge.age_bands)
    if meta.knowledge.age_bands is not None:
        problems += _unknown(
            "knowledge.yaml", "age_bands", "evidence", meta.knowledge.age_bands.evidence, evidence.evidence
        )
    problems += _check_questions(questions)
    for arg_id, argument in arguments.arguments.items():
        if argument.section not in arguments.sections:
            problems.append(PathwayProblem("arguments.yaml", arg_id, f"unknown section '{argument.section}'"))
    for caution_id, caution in cautions.cautions.items():
        problems += _unknown("cautions.yaml", caution_id, "evidence", caution.evidence, evidence.evidence)
    for st_id, statement in statements.statements.items():
        problems += _check_statement(st_id, statement, arguments, evidence, bands)
    for conflict_id, conflict in statements.conflicts.items():
        for side in conflict.between:
            problems += _unknown(
                "recommendations.yaml",
                f"conflicts.{conflict_id}",
                "statement",
                side.statements,
                statements.statements,
            )
    return problems


def _check_statement(
    st_id: str, statement: Statement, arguments: ArgumentsFile, evidence: EvidenceFile, bands: BandTable
) -> list[PathwayProblem]:
    where = ("recommendations.yaml", st_id)
    problems: list[PathwayProblem] = []
    for bullet in statement.rationale:
        problems += _unknown(*where, "argument", bullet.arguments, arguments.arguments)
        problems += _unknown(*where, "evidence", bullet.evidence, evidence.evidence)
        problems += [
            PathwayProblem(*where, f"unknown audience '{token}' (all, pediatric, adult or an age band)")
            for token in bands.unknown(bullet.audience)
        ]
    problems += _unknown(*where, "evidence", statement.evidence, evidence.evidence)
    if problems:
        return problems
    cited = any(b.arguments for b in statement.rationale)
    sourced = bool(statement.evidence) or all(b.evidence for b in statement.rationale)
    if not cited and not sourced:
        problems.append(PathwayProblem(*where, "cites no article argument and no evidence"))
    for band in bands.ids:
        if not any(band in bands.members(b.audience) for b in statement.rationale):
            problems.append(PathwayProblem(*where, f"has no rationale shown for the age band '{band}'"))
        elif statement.evidence_level is not None:
            strongest = strongest_cited(statement, band, evidence, bands)
            if _RANK[statement.evidence_level] < _RANK[strongest]:
                problems.append(
                    PathwayProblem(
                        *where,
                        f"evidence_level '{statement.evidence_level.value}' is stronger than what it "
                        f"cites for the age band '{band}' ('{strongest.value}')",
                    )
                )
    return problems


def strongest_cited(
    statement: Statement, band: str, evidence: EvidenceFile, bands: BandTable
) -> EvidenceLevel:
    """The strongest level among the references a statement shows an age band."""
    shown = [*statement.evidence]
    for bullet in statement.rationale:
        if band in bands.members(bullet.audience):
            shown += bullet.evidence
    return evidence_level(tuple(shown), evidence.evidence)


@dataclass(frozen=True)
class Referenced:
    """What the trees refer to: statements, cautions, references and the age bands."""

    statements: StatementsFile
    cautions: CautionsFile
    evidence: EvidenceFile
    bands: BandTable


def check_pathways(files: dict[PathwayName, PathwayFile], known: Referenced) -> list[PathwayProblem]:
    """Problems in the decision trees: fields, coverage, references, reachability, cycles."""
    problems: list[PathwayProblem] = []
    for pathway, pfile in files.items():
        fname = f"{pathway.value}.yaml"
        if pfile.entry not in pfile.nodes:
            problems.append(PathwayProblem(fname, "entry", f"entry node '{pfile.entry}' not found"))
        for name, node in pfile.nodes.items():
            problems += _check_node(fname, name, node, pfile, files, known)
    if not problems:
        problems += _check_graph(files, known.bands)
    return problems


def _check_questions(questions: QuestionsFile) -> list[PathwayProblem]:
    problems: list[PathwayProblem] = []
    for name in FIELD_SPECS:
        if name not in questions.questions:
            problems.append(PathwayProblem("questions.yaml", name, "no question for this case field"))
    for name, question in questions.questions.items():
        spec = FIELD_SPECS.get(name)
        if spec is None:
            problems.append(PathwayProblem("questions.yaml", name, "not a case field"))
            continue
        expected = set(spec.choice_keys())
        given = set(question.choices or {})
        if expected != given:
            for key in sorted(expected - given):
                problems.append(PathwayProblem("questions.yaml", name, f"no choice label for '{key}'"))
            for key in sorted(given - expected):
                problems.append(PathwayProblem("questions.yaml", name, f"unknown choice '{key}'"))
        if spec.kind == "list" and question.none_label is None:
            problems.append(PathwayProblem("questions.yaml", name, "a list question needs none_label"))
        if question.start_on is not None and (
            spec.kind not in ("enum", "bool") or question.start_on not in given
        ):
            problems.append(
                PathwayProblem(
                    "questions.yaml", name, f"start_on '{question.start_on}' is not one of its choices"
                )
            )
    return problems


def _unknown(
    file: str, node: str, what: str, ids: Iterable[str], known: Iterable[str]
) -> list[PathwayProblem]:
    known_ids = set(known)
    return [PathwayProblem(file, node, f"unknown {what} '{i}'") for i in ids if i not in known_ids]


def _check_node(
    fname: str,
    name: str,
    node: Node,
    pfile: PathwayFile,
    files: dict[PathwayName, PathwayFile],
    known: Referenced,
) -> list[PathwayProblem]:
    problems: list[PathwayProblem] = []

    def problem(message: str) -> None:
        problems.append(PathwayProblem(fname, name, message))

    if node.next is not None and node.next not in pfile.nodes:
        problem(f"next node '{node.next}' not found")
    spec: FieldSpec | None = None
    if node.ask is not None:
        spec = FIELD_SPECS.get(node.ask)
        if spec is None:
            problem(f"asks '{node.ask}', which is not a case field")
        elif node.ask not in ASKABLE_FIELDS:
            problem(f"asks '{node.ask}', which no pathway may ask (free text or a version-1 field)")
        targets = {b.goto or b.handoff for b in node.branches or []}
        if len(targets) == 1 and len(node.branches or []) > 1:
            problem(
                f"every answer to '{node.ask}' leads to the same place: the question cannot change the advice"
            )
    if node.route_on is not None:
        spec = ROUTE_SPECS.get(node.route_on)
        if spec is None and node.route_on in ASKABLE_FIELDS:
            spec = FIELD_SPECS[node.route_on]
        if spec is None:
            problem(
                f"routes on '{node.route_on}'; only {', '.join(ROUTE_SPECS)} or a case field asked "
                "earlier on the path can be routed on"
            )
    if node.branches and spec is not None:
        problems += [PathwayProblem(fname, name, m) for m in _coverage(spec, node, known.bands)]
    for i, branch in enumerate(node.branches or []):
        if branch.goto is not None and branch.goto not in pfile.nodes:
            problem(f"branch {i + 1}: goto '{branch.goto}' not found in {fname}")
        if branch.handoff is not None:
            target, _, target_node = branch.handoff.partition(":")
            try:
                target_file = files[PathwayName(target)]
            except (ValueError, KeyError):
                problem(f"branch {i + 1}: handoff to unknown pathway '{target}'")
                continue
            if target_node and target_node not in target_file.nodes:
                problem(f"branch {i + 1}: handoff to unknown node '{branch.handoff}'")
    bundle = node.add or node.outcome
    statements = known.statements
    if bundle is not None:
        problems += [PathwayProblem(fname, name, m) for m in _bundle(bundle, known)]
        if node.outcome is not None:
            codes = {
                statements.statements[a.use].action for a in bundle.actions if a.use in statements.statements
            }
            if ActionCode.MDT_REVIEW not in codes:
                problem("an outcome must include an mdt_review action")
    return problems


def _coverage(spec: FieldSpec, node: Node, bands: BandTable) -> list[str]:
    messages: list[str] = []
    covered: set[object] = set()
    has_default = False
    has_empty = False
    branches = node.branches or []
    for i, branch in enumerate(branches):
        if branch.otherwise:
            has_default = True
            if i != len(branches) - 1:
                messages.append(f"branch {i + 1}: 'otherwise' must be the last branch")
        if branch.when_empty:
            if spec.kind != "list":
                messages.append(f"branch {i + 1}: when_empty applies only to list fields")
            has_empty = True
        if branch.count_at_least is not None and spec.kind != "list":
            messages.append(f"branch {i + 1}: count_at_least applies only to list fields")
        if branch.below is not None and spec.kind != "number":
            messages.append(f"branch {i + 1}: below applies only to number fields")
        if branch.when is not None and spec.kind == "number":
            messages.append(f"branch {i + 1}: a number field branches with 'below', not 'when'")
            continue
        for raw in branch.when or []:
            try:
                value = canonical(spec, raw)
            except ValueError as exc:
                messages.append(f"branch {i + 1}: {exc}")
                continue
            if value in covered and spec.kind != "list":
                messages.append(f"branch {i + 1}: '{raw}' is already covered by an earlier branch")
            covered.add(value)
    if spec.kind == "text":
        return [f"cannot branch on text field '{spec.name}'; use next"]
    if spec.kind == "number":
        bounds = [b.below for b in branches if b.below is not None]
        if not bounds:
            messages.append(f"a number field branches with 'below' bounds; '{spec.name}' has none")
        if bounds != sorted(set(bounds)):
            messages.append("'below' bounds must increase from branch to branch")
        if not has_default:
            messages.append("a number field needs a last 'otherwise' branch for values above every bound")
        return messages
    if has_default:
        return messages
    if spec.kind == "bool":
        expected: set[object] = {True, False}
    elif spec.kind == "band":
        expected = set(bands.ids)
        strangers = sorted(map(str, covered - expected))
        messages += [f"'{v}' is not an age band of knowledge.yaml" for v in strangers]
    else:
        assert spec.values is not None
        expected = set(spec.values)
    uncovered = expected - covered
    if spec.kind == "list":
        if not has_empty:
            messages.append(f"no branch for an empty '{spec.name}' list (add when_empty or otherwise)")
        if uncovered:
            messages.append("values not covered: " + ", ".join(sorted(str(v) for v in uncovered)))
    elif uncovered:
        listed = ", ".join(sorted(str(v).lower() for v in uncovered))
        messages.append(f"values of '{spec.name}' not covered: {listed} (add them or 'otherwise')")
    return messages


def _bundle(bundle: Bundle, known: Referenced) -> list[str]:
    messages: list[str] = []
    seen: set[str] = set()
    bands = known.bands
    for ref in bundle.actions:
        statement = known.statements.statements.get(ref.use)
        if statement is None:
            messages.append(f"unknown statement '{ref.use}'")
        if ref.use in seen:
            messages.append(f"statement '{ref.use}' used twice")
        seen.add(ref.use)
        if ref.level is None or statement is None:
            continue
        levels = ref.level if isinstance(ref.level, dict) else {"all": ref.level}
        unknown = bands.unknown(list(levels))
        if unknown:
            messages += [f"'{ref.use}': level for unknown audience '{token}'" for token in unknown]
            continue
        for token, level in levels.items():
            for band in sorted(bands.members(token)):
                strongest = strongest_cited(statement, band, known.evidence, bands)
                if _RANK[level] < _RANK[strongest]:
                    messages.append(
                        f"'{ref.use}': level '{level.value}' is stronger than what the statement cites "
                        f"for the age band '{band}' ('{strongest.value}')"
                    )
    for caution in bundle.cautions:
        if caution.id not in known.cautions.cautions:
            messages.append(f"unknown caution '{caution.id}'")
        messages += [
            f"caution '{caution.id}': unknown audience '{token}'" for token in bands.unknown(caution.audience)
        ]
    return messages


def _check_graph(files: dict[PathwayName, PathwayFile], bands: BandTable) -> list[PathwayProblem]:
    """Every node reachable from the diagnostic gate, and no path loops back on itself.

    Then a silent split on a case field must come after every path to it has asked that field.
    """
    from ntrk_advisor.pathway.tree import compile_tree

    nodes = compile_tree(files, bands)
    entry = nodes[f"{ENTRY_PATHWAY.value}.{files[ENTRY_PATHWAY].entry}"]
    problems: list[PathwayProblem] = []
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    stack = [(entry, iter(entry.successors()))]
    state[entry.qid] = 1
    while stack:
        node, children = stack[-1]
        child = next(children, None)
        if child is None:
            state[node.qid] = 2
            stack.pop()
            continue
        if state.get(child.qid) == 1:
            pathway, _, name = node.qid.partition(".")
            problems.append(PathwayProblem(f"{pathway}.yaml", name, f"cycle: leads back to '{child.qid}'"))
        elif child.qid not in state:
            state[child.qid] = 1
            stack.append((child, iter(child.successors())))
    for qid in nodes:
        if qid not in state:
            pathway, _, name = qid.partition(".")
            problems.append(PathwayProblem(f"{pathway}.yaml", name, "unreachable from the diagnostic gate"))
    if not problems:
        problems += _routes_after_asking(entry)
    return problems


def _routes_after_asking(entry: TreeNode) -> list[PathwayProblem]:
    """A `route_on` a case field must follow an `ask` of that field on every path that reaches it."""
    order: list[TreeNode] = []  # reverse post-order: every node after all of its predecessors
    seen: set[str] = set()

    def visit(node: TreeNode) -> None:
        seen.add(node.qid)
        for child in node.successors():
            if child.qid not in seen:
                visit(child)
        order.append(node)

    visit(entry)
    order.reverse()
    asked: dict[str, frozenset[str]] = {entry.qid: frozenset()}
    problems: list[PathwayProblem] = []
    for node in order:
        before = asked[node.qid]
        route = node.splits_on
        if node.kind == "route_on" and route not in ROUTE_SPECS and route not in before:
            pathway, _, name = node.qid.partition(".")
            problems.append(
                PathwayProblem(f"{pathway}.yaml", name, f"routes on '{route}' before every path has asked it")
            )
        after = before | {node.field} if node.field is not None else before
        for child in node.successors():
            known = asked.get(child.qid)
            asked[child.qid] = after if known is None else known & after
    return problems
