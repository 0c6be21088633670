"""A small `$apply` of our own over the exported PlanDefinitions, for the equivalence proof.

It is not HAPI's: it holds only the semantics the export uses, written down here so that the test
owns them. A case becomes a QuestionnaireResponse; the walk starts at the strategy's entry, follows
`definitionCanonical` into PlanDefinitions, evaluates `applicability` conditions with fhirpathpy
(`%resource` = the QuestionnaireResponse), takes the one applicable branch of an `exactly-one`
action (none applicable: that question is missing; two: the export is wrong), and collects each
node's statements (those pointing at an ActivityDefinition: id, strength, step, evidence level)
and cautions, in document order. Conditions read one item each, so results are memoised per
expression and the answers of the items it names.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import fhirpathpy
from fhirpathpy.models import models

from ntrk_advisor.authoring import cpg_canonicals as cpg
from ntrk_advisor.authoring.fhir_export import NONE_CODE
from ntrk_advisor.contract.case import Case
from ntrk_advisor.contract.fields import FIELD_SPECS, LEGACY_FIELDS

_LINK = re.compile(r"linkId='([a-z_]+)'")
Statement = tuple[str, str, int, str]
"""(ActivityDefinition id, strength code, step, evidence-level code)."""


class ExactlyOneBroken(AssertionError):
    """More than one branch of an `exactly-one` action applies."""


@dataclass
class Applied:
    """What the walk found: each contributing node's statements and cautions, and what is missing."""

    nodes: list[tuple[str, list[Statement], list[str], tuple[str, ...]]] = field(default_factory=list)
    """(node, statements, cautions, step sharing: `alongside`, `together`)."""
    missing: str | None = None


def response(case: Case, base: str = cpg.DEFAULT_BASE_URL) -> dict[str, Any]:
    """The case as a QuestionnaireResponse to the exported Questionnaire."""
    items = []
    for name, spec in FIELD_SPECS.items():
        value = getattr(case, name)
        if name in LEGACY_FIELDS or value is None:
            continue
        system = f"{base}/CodeSystem/{name.replace('_', '-')}"
        if spec.kind == "bool":
            answers: list[dict[str, Any]] = [{"valueBoolean": value}]
        elif spec.kind == "number":
            answers = [{"valueDecimal": float(value)}]
        elif spec.kind == "text":
            answers = [{"valueString": value}]
        elif spec.kind == "list":
            codes = [v.value for v in value] or [NONE_CODE]
            answers = [{"valueCoding": {"system": system, "code": c}} for c in codes]
        else:
            answers = [{"valueCoding": {"system": system, "code": value.value}}]
        items.append({"linkId": name, "answer": answers})
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "item": items}


def _part_of_a_node(action: dict[str, Any]) -> bool:
    """A statement (points at an ActivityDefinition) or a caution (coded in the caution CodeSystem)."""
    if "/ActivityDefinition/" in action.get("definitionCanonical", ""):
        return True
    return any(c["coding"][0]["system"].endswith("/CodeSystem/caution") for c in action.get("code", []))


class Apply:
    """The exported resources, indexed, with a memo of condition results."""

    def __init__(self, resources: list[dict[str, Any]]) -> None:
        systems = {
            r["id"]: [c["code"] for c in r["concept"]] for r in resources if r["resourceType"] == "CodeSystem"
        }
        self.strength_rank = {code: rank for rank, code in enumerate(systems["strength"])}
        self.level_rank = {code: rank for rank, code in enumerate(systems["evidence-level"])}
        self.action_of = {
            r["id"]: r["code"]["coding"][0]["code"]
            for r in resources
            if r["resourceType"] == "ActivityDefinition"
        }
        self.plans = {r["url"]: r for r in resources if r["resourceType"] == "PlanDefinition"}
        self.strategy = next(
            r for r in self.plans.values() if r["type"]["coding"][0]["code"] == "workflow-definition"
        )
        self.compiled: dict[str, Any] = {}
        self.memo: dict[tuple[str, str], bool] = {}
        self.evaluations = 0

    def holds(self, expression: str, qr: dict[str, Any], by_link: dict[str, Any]) -> bool:
        key = (expression, json.dumps([by_link.get(link) for link in _LINK.findall(expression)]))
        found = self.memo.get(key)
        if found is None:
            function = self.compiled.get(expression)
            if function is None:
                function = self.compiled[expression] = fhirpathpy.compile(expression, models["r4"])
            value = function(qr, {"resource": qr})
            self.evaluations += 1
            assert value in ([True], [False], []), (expression, value)
            found = self.memo[key] = value == [True]
        return found

    def run(self, qr: dict[str, Any]) -> Applied:
        by_link = {item["linkId"]: item["answer"] for item in qr["item"]}
        out = Applied()

        def applies(action: dict[str, Any]) -> bool:
            return all(
                self.holds(c["expression"]["expression"], qr, by_link)
                for c in action.get("condition", [])
                if c["kind"] == "applicability"
            )

        def enter(action: dict[str, Any]) -> bool:
            """Carry out an applicable action; False once a question is found unanswered."""
            children = action.get("action", [])
            if action.get("selectionBehavior") == "exactly-one":
                chosen = [child for child in children if applies(child)]
                if not chosen:
                    codes = action.get("code", [])
                    out.missing = codes[0]["coding"][0]["code"] if codes else action["id"]
                    return False
                if len(chosen) > 1:
                    raise ExactlyOneBroken(f"{action['id']}: {[c['id'] for c in chosen]}")
                return enter(chosen[0])
            if any(_part_of_a_node(child) for child in children):
                statements, cautions = [], []
                for child in children:
                    if not applies(child):
                        continue
                    if "definitionCanonical" in child:
                        ext = {
                            e["url"]: e["valueCodeableConcept"]["coding"][0]["code"]
                            for e in child["extension"]
                        }
                        target = child["definitionCanonical"].split("|")[0].rsplit("/", 1)[1]
                        statements.append((target, ext[cpg.STRENGTH], int(child["prefix"]), ext[cpg.QUALITY]))
                    else:
                        cautions.append(child["code"][0]["coding"][0]["code"])
                sharing = tuple(
                    e["valueCode"] for e in action.get("extension", []) if e["url"].endswith(cpg.STEP_SHARING)
                )
                out.nodes.append((action["id"], statements, cautions, sharing))
                return True
            canonical = action.get("definitionCanonical")
            if canonical is not None:
                plan = self.plans[canonical.split("|")[0]]
                if not all(enter(a) for a in plan["action"] if applies(a)):
                    return False
            return all(enter(child) for child in children if applies(child))

        for action in self.strategy["action"]:
            if applies(action) and not enter(action):
                break
        return out

    def plan(self, applied: Applied) -> list[tuple[str, str, int, str]]:
        """The plan as a result shows it: (action, strength, order, evidence level), by order.

        Steps count on from the last step of the nodes before (unless a node shares its steps:
        `together` with the node before, `alongside` with the node after); statements of one action
        (a "do" and a "do not" apart) merge into one, with the strongest strength (the strength
        CodeSystem lists the strongest first), the earliest step and the strongest evidence level
        (likewise).
        """
        parts: list[tuple[str, str, int, str]] = []
        offset = start = 0
        for _, statements, _, sharing in applied.nodes:
            if "together" not in sharing:
                start = offset
            last = offset
            for target, strength, step, level in statements:
                parts.append((self.action_of[target], strength, start + step, level))
                last = max(last, start + step)
            if "alongside" not in sharing:
                offset = last
        groups: dict[tuple[str, bool], list[tuple[str, str, int, str]]] = {}
        for part in parts:
            groups.setdefault((part[0], part[1] == "not_recommended"), []).append(part)
        merged = [
            (
                group[0][0],
                min((p[1] for p in group), key=self.strength_rank.__getitem__),
                min(p[2] for p in group),
                min((p[3] for p in group), key=self.level_rank.__getitem__),
            )
            for group in groups.values()
        ]
        return sorted(merged, key=lambda p: p[2])

    def enabled(self, questionnaire: dict[str, Any], qr: dict[str, Any]) -> set[str]:
        """The items whose `enableWhenExpression` holds for this response (variables in order)."""
        env: dict[str, Any] = {"resource": qr}
        for ext in questionnaire["extension"]:
            expression = ext["valueExpression"]
            env[expression["name"]] = self._eval(expression["expression"], qr, env) == [True]
        enabled = set()
        for item in questionnaire["item"]:
            rules = [e for e in item.get("extension", []) if e["url"] == cpg.ENABLE_WHEN_EXPRESSION]
            if all(self._eval(r["valueExpression"]["expression"], qr, env) == [True] for r in rules):
                enabled.add(item["linkId"])
        return enabled

    def _eval(self, expression: str, qr: dict[str, Any], env: dict[str, Any]) -> list[Any]:
        function = self.compiled.get(expression)
        if function is None:
            function = self.compiled[expression] = fhirpathpy.compile(expression, models["r4"])
        result: list[Any] = function(qr, env)
        return result
