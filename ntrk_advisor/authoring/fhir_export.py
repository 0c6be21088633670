"""The knowledge as HL7 CPG-on-FHIR 2.0.0 (FHIR R4 4.0.1): `pathways export --format fhir`.

A hospital whose platform runs FHIR clinical reasoning takes guidelines as FHIR artefacts, not as a
Python package. This module writes the compiled tree, the statements, the questions and the review
stamps as plain FHIR JSON (dicts), deterministically: the same knowledge and base URL give the same
bytes, and nothing reads the clock.

- One **PlanDefinition** (`cpg-recommendationdefinition`, `eca-rule`) per pathway module, and one
  per node reached from more than one place or from another module, referenced by
  `definitionCanonical`, so each node is written once. A question is an action with
  `selectionBehavior: exactly-one`; each branch carries an `applicability` condition in FHIRPath
  over the case as a QuestionnaireResponse. The engine's first-match routing (list and number
  branches, `otherwise`) is made exclusive by conjoining the negation of the earlier branches; an
  unanswered question makes every branch false, which is how a missing answer shows.
- One **PlanDefinition** (`cpg-strategydefinition`) for the whole guideline, pointing at the entry.
- One **ActivityDefinition** (`cpg-computableactivity`) per statement, keyed by its stable id.
- Each statement where a node uses it: an action with `cqf-strengthOfRecommendation`,
  `cpg-directionOfRecommendation` and `cqf-qualityOfEvidence`, coded in local CodeSystems shipped
  in the Bundle (our six strengths and eight evidence levels are not GRADE's and are not mapped to it).
  A level that differs by age band splits the action by band, each with an age condition.
- One **Questionnaire** (`cpg-computablequestionnaire`): an item per case field, Chinese through the
  `translation` extension, and path dependence as `sdc-questionnaire-enableWhenExpression` over
  one `variable` per node ("this node is reached").
- The review stamps that count, as `authoring/review_fhir.py` writes them.

Each node's statements carry the node's own steps (`prefix`); a node whose steps share the next
node's or the previous node's says so in our `step-sharing` extension, which is all a reader needs to
number the plan and merge the statements of one action as the engine does (docs/fhir-export.md).
"""

from __future__ import annotations

import json
from typing import Any

from ntrk_advisor.authoring import cpg_canonicals as cpg
from ntrk_advisor.contract.fields import FIELD_SPECS, LEGACY_FIELDS, FieldSpec
from ntrk_advisor.contract.vocabulary import (
    PEDIATRIC_AGE_LIMIT,
    ActionCode,
    AgeGroup,
    EvidenceLevel,
    Strength,
)
from ntrk_advisor.i18n import t
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.pathway.schema import Text
from ntrk_advisor.pathway.tree import TreeNode

NONE_CODE = "none"
"""The answer code of a tick-all-that-apply field when none applies (an empty list)."""


def resource_id(key: str) -> str:
    """A FHIR id (`[A-Za-z0-9-.]{1,64}`) from one of our identifiers (underscores become hyphens)."""
    return key.replace("_", "-")[:64]


def fhir_resources(kb: KnowledgeBase, base_url: str = cpg.DEFAULT_BASE_URL) -> list[dict[str, Any]]:
    """Every resource of the export, sorted by type and id."""
    found = _Export(kb, base_url.rstrip("/")).resources()
    return sorted(found, key=lambda r: (r["resourceType"], r["id"]))


def fhir_bundle(kb: KnowledgeBase, base_url: str = cpg.DEFAULT_BASE_URL) -> dict[str, Any]:
    """A FHIR R4 collection Bundle holding every resource, with its canonical URL as `fullUrl`."""
    base = base_url.rstrip("/")
    entries = []
    for resource in fhir_resources(kb, base):
        url = resource.get("url") or f"{base}/{resource['resourceType']}/{resource['id']}"
        entries.append({"fullUrl": url, "resource": resource})
    return {
        "resourceType": "Bundle",
        "id": resource_id(f"ntrk-advisor-{kb.stamp.version}"),
        "type": "collection",
        "entry": entries,
    }


def to_json(value: Any) -> str:
    """FHIR JSON as the export writes it: UTF-8 text, two-space indent, a final newline."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def translated(en: str, zh: str) -> tuple[str, dict[str, Any]]:
    """A text and its `_element` with the Chinese `translation` extension."""
    return en, {
        "extension": [
            {
                "url": cpg.TRANSLATION,
                "extension": [{"url": "lang", "valueCode": "zh"}, {"url": "content", "valueString": zh}],
            }
        ]
    }


def _put(target: dict[str, Any], element: str, en: str, zh: str) -> None:
    target[element], target[f"_{element}"] = translated(en, zh)


def _item(field: str) -> str:
    return f"%resource.item.where(linkId='{field}').answer"


def _codes(codes: list[str]) -> str:
    return (
        f"code = '{codes[0]}'" if len(codes) == 1 else "code in (" + " | ".join(f"'{c}'" for c in codes) + ")"
    )


def _number(field: str, low: float | None, high: float | None) -> str:
    parts = ([f"$this >= {low:g}"] if low is not None else []) + (
        [f"$this < {high:g}"] if high is not None else []
    )
    return f"{_item(field)}.value.ofType(decimal).where({' and '.join(parts)}).exists()"


class _Export:
    """One export run: the knowledge, the base URL and what has been written so far."""

    def __init__(self, kb: KnowledgeBase, base: str) -> None:
        self.kb = kb
        self.base = base
        self.version = kb.stamp.version
        self.parents: dict[str, set[str]] = {}
        for node in kb.nodes.values():
            for target in node.successors():
                self.parents.setdefault(target.qid, set()).add(node.qid)
        entries = {f"{p.value}.{f.entry}" for p, f in kb.pathways.items()} | {kb.entry.qid}
        ways_in: dict[str, int] = {}
        for node in kb.nodes.values():
            if node.kind in ("ask", "route_on"):
                targets = [target for _, _, target in self.branches(node)]
            else:
                targets = [node.next] if node.next is not None else []
            for target in targets:
                ways_in[target.qid] = ways_in.get(target.qid, 0) + 1
        self.separate = {
            qid
            for qid, node in kb.nodes.items()
            if qid in entries
            or ways_in.get(qid, 0) > 1
            or any(kb.nodes[p].pathway is not node.pathway for p in self.parents.get(qid, ()))
        }
        self.module_of_entry = {f"{p.value}.{f.entry}": p.value for p, f in kb.pathways.items()}

    # canonical URLs
    def url(self, kind: str, key: str) -> str:
        return f"{self.base}/{kind}/{resource_id(key)}"

    def plan_key(self, qid: str) -> str:
        module = self.module_of_entry.get(qid)
        return module if module is not None else "node-" + qid

    def code_system(self, key: str) -> str:
        return self.url("CodeSystem", key)

    def coding(self, system_key: str, code: str) -> dict[str, Any]:
        return {"coding": [{"system": self.code_system(system_key), "code": code}]}

    # conditions
    def field_condition(self, field: str, spec: FieldSpec, values: list[Any]) -> str:
        if spec.kind == "bool":
            return " or ".join(
                f"{_item(field)}.value.ofType(boolean).where($this = {str(v).lower()}).exists()"
                for v in values
            )
        return f"{_item(field)}.value.ofType(Coding).where({_codes([str(v.value) for v in values])}).exists()"

    def band_condition(self, bands: list[str]) -> str:
        ids = self.kb.bands.ids
        parts = []
        for band in bands:
            index = ids.index(band)
            high = self.kb.bands.bounds[index] if index < len(self.kb.bands.bounds) else None
            low = self.kb.bands.lower_bound(band) if index > 0 else None
            parts.append(_number("age_years", low, high))
        return " or ".join(parts)

    def branches(self, node: TreeNode) -> list[tuple[str, str, TreeNode]]:
        """(label, FHIRPath condition, target) for each way out of a question or route, in order."""
        on = node.field or node.splits_on or ""
        spec = node.spec
        assert spec is not None
        out: list[tuple[str, str, TreeNode]] = []
        if node.list_routes:
            for condition, target in node.list_routes:
                if condition is None:
                    label, expr = (
                        "none",
                        f"{_item(on)}.value.ofType(Coding).where(code = '{NONE_CODE}').exists()",
                    )
                elif isinstance(condition, int):
                    label = f"at least {condition}"
                    given = f"{_item(on)}.value.ofType(Coding).where(code != '{NONE_CODE}')"
                    expr = f"{given}.count() >= {condition}"
                else:
                    values = sorted(str(v.value) for v in condition)
                    label = " | ".join(values)
                    expr = f"{_item(on)}.value.ofType(Coding).where({_codes(values)}).exists()"
                out.append((label, expr, target))
        elif node.number_routes:
            for bound, target in node.number_routes:
                out.append((f"below {bound:g}", _number(on, None, bound), target))
        elif on == "age_group":
            for value, target in node.scalar_routes.items():
                pediatric = value is AgeGroup.PEDIATRIC
                limit = float(PEDIATRIC_AGE_LIMIT)
                expr = _number("age_years", None, limit) if pediatric else _number("age_years", limit, None)
                out.append((str(value.value), expr, target))
        elif on == "age_band":
            grouped: dict[str, list[str]] = {}
            for value, target in node.scalar_routes.items():
                grouped.setdefault(target.qid, []).append(str(value))
            for qid, bands in grouped.items():
                out.append((" | ".join(bands), self.band_condition(bands), self.kb.nodes[qid]))
        else:
            by_target: dict[str, list[Any]] = {}
            for value, target in node.scalar_routes.items():
                by_target.setdefault(target.qid, []).append(value)
            for qid, values in by_target.items():
                label = " | ".join(str(getattr(v, "value", v)).lower() for v in values)
                out.append((label, self.field_condition(on, spec, values), self.kb.nodes[qid]))
        exclusive: list[tuple[str, str, TreeNode]] = []
        first_match = bool(node.list_routes or node.number_routes)  # scalar branches never overlap
        for index, (label, expr, target) in enumerate(out):
            earlier = [f"({e}).not()" for _, e, _ in out[:index]] if first_match else []
            exclusive.append((label, " and ".join([f"({expr})", *earlier]) if earlier else expr, target))
        fallback = node.default or node.next
        if fallback is not None:
            if on in ("age_group", "age_band"):
                answered = f"{_item('age_years')}.exists()"
            else:
                answered = f"{_item(on)}.exists()"
            rest = [f"({e}).not()" for _, e, _ in out]
            exclusive.append(("otherwise", " and ".join([answered, *rest]), fallback))
        return exclusive

    # PlanDefinition actions
    def reach(self, target: TreeNode) -> dict[str, Any]:
        """What a branch or `next` leads to: a reference to a node of its own, or the node inline."""
        if target.qid in self.separate:
            plan = self.url("PlanDefinition", self.plan_key(target.qid))
            return {"definitionCanonical": f"{plan}|{self.version}"}
        return {"action": self.body(target)}

    def body(self, node: TreeNode) -> list[dict[str, Any]]:
        """The actions that stand for a node (and, inline, what follows it)."""
        if node.kind in ("ask", "route_on"):
            action: dict[str, Any] = {"id": node.qid}
            if node.field is not None:
                _put(action, "title", self.kb.prompt(node.field, "en"), self.kb.prompt(node.field, "zh"))
                action["code"] = [self.coding("case-field", node.field)]
            else:
                action["title"] = f"route on {node.splits_on}"
                if node.splits_on in FIELD_SPECS:
                    action["code"] = [self.coding("case-field", node.splits_on)]
            action["selectionBehavior"] = "exactly-one"
            action["action"] = [
                {
                    "id": f"{node.qid}={n}",
                    "title": label,
                    "condition": [
                        {"kind": "applicability", "expression": {"language": cpg.FHIRPATH, "expression": e}}
                    ],
                    **self.reach(target),
                }
                for n, (label, e, target) in enumerate(self.branches(node), start=1)
            ]
            return [action]
        contribution = self.contribution(node)
        if node.kind == "add" and node.next is not None:
            following = self.reach(node.next)
            if "action" in following:
                return [contribution, *following["action"]]
            return [contribution, {"id": f"{node.qid}>next", **following}]
        return [contribution]

    def contribution(self, node: TreeNode) -> dict[str, Any]:
        assert node.bundle is not None
        actions: list[dict[str, Any]] = []
        for ref in node.bundle.actions:
            levels: dict[EvidenceLevel, list[str]] = {}
            for band in self.kb.bands.ids:
                level = ref.level_for(band) or self.kb.statement(ref.use, "en", band).evidence_level
                levels.setdefault(level, []).append(band)
            for level, bands in levels.items():
                actions.append(
                    self.statement_action(
                        node, ref.use, ref.strength, ref.step, level, bands, len(levels) > 1
                    )
                )
        for caution in node.bundle.cautions:
            item: dict[str, Any] = {"id": f"{node.qid}/caution/{caution.id}"}
            _put(item, "description", self.kb.caution(caution.id, "en"), self.kb.caution(caution.id, "zh"))
            item["code"] = [self.coding("caution", caution.id)]
            if caution.bands != frozenset(self.kb.bands.ids):
                bands = [b for b in self.kb.bands.ids if b in caution.bands]
                item["condition"] = [self.applicability(self.band_condition(bands))]
            actions.append(item)
        contribution: dict[str, Any] = {"id": node.qid}
        sharing = [name for name in ("alongside", "together") if getattr(node.bundle, name)]
        if sharing:
            url = f"{self.base}/{cpg.STEP_SHARING}"
            contribution["extension"] = [{"url": url, "valueCode": name} for name in sharing]
        contribution.update({"title": node.qid, "action": actions})
        return contribution

    def applicability(self, expression: str) -> dict[str, Any]:
        return {"kind": "applicability", "expression": {"language": cpg.FHIRPATH, "expression": expression}}

    def statement_action(
        self,
        node: TreeNode,
        use: str,
        strength: Strength,
        step: int,
        level: EvidenceLevel,
        bands: list[str],
        split: bool,
    ) -> dict[str, Any]:
        en = self.kb.statement(use, "en", bands[0])
        zh = self.kb.statement(use, "zh", bands[0])
        action: dict[str, Any] = {
            "id": f"{node.qid}/{use}" + (f"@{'+'.join(bands)}" if split else ""),
            "prefix": str(step),
        }
        _put(action, "title", en.summary, zh.summary)
        direction = "against" if strength is Strength.NOT_RECOMMENDED else "for"
        action["extension"] = [
            {"url": cpg.STRENGTH, "valueCodeableConcept": self.coding("strength", strength.value)},
            {
                "url": cpg.DIRECTION,
                "valueCodeableConcept": {"coding": [{"system": cpg.DIRECTION_SYSTEM, "code": direction}]},
            },
            {"url": cpg.QUALITY, "valueCodeableConcept": self.coding("evidence-level", level.value)},
        ]
        if split:
            action["condition"] = [self.applicability(self.band_condition(bands))]
        action["documentation"] = self.related(en.arguments, en.evidence, brief=True)
        action["definitionCanonical"] = f"{self.url('ActivityDefinition', use)}|{self.version}"
        return action

    def related(
        self, arguments: tuple[str, ...], evidence: tuple[str, ...], brief: bool = False
    ) -> list[dict[str, Any]]:
        """Arguments as `justification`, references as `citation`.

        Brief (on a PlanDefinition action): the label and link only; the ActivityDefinition
        carries the full citation.
        """
        out: list[dict[str, Any]] = []
        for argument in arguments:
            section = self.kb.section_of(argument)
            out.append(
                {
                    "type": "justification",
                    "label": argument,
                    "display": f"Article argument {argument}" + (f" ({section})" if section else ""),
                }
            )
        for key in evidence:
            work = self.kb.work(key)
            entry: dict[str, Any] = {"type": "citation", "label": key}
            if work is not None:
                if not brief:
                    entry["citation"] = work.citation
                if work.link:
                    entry["url"] = work.link
            out.append(entry)
        return out

    # resources
    def metadata(self, kind: str, key: str, name: str) -> dict[str, Any]:
        meta = self.kb.meta.knowledge
        return {
            "url": self.url(kind, key),
            "identifier": [{"system": f"{self.base}/identifier", "value": key}],
            "version": self.version,
            "name": name,
            "status": "draft",
            "experimental": False,
            "date": meta.edited.isoformat(),
            "publisher": meta.developer,
        }

    def article(self) -> dict[str, Any]:
        return {"type": "citation", "label": "source", "citation": self.kb.stamp.source}

    def plan(self, qid: str) -> dict[str, Any]:
        node = self.kb.nodes[qid]
        key = self.plan_key(qid)
        module = self.module_of_entry.get(qid)
        resource: dict[str, Any] = {
            "resourceType": "PlanDefinition",
            "id": resource_id(key),
            "meta": {"profile": [cpg.RECOMMENDATION_DEFINITION]},
        }
        resource.update(
            self.metadata(
                "PlanDefinition",
                key,
                "Ntrk" + "".join(p.capitalize() for p in key.replace(".", "_").replace("-", "_").split("_")),
            )
        )
        if module is not None:
            pfile = self.kb.pathways[node.pathway]
            _put(resource, "title", pfile.title.en, pfile.title.zh)
            _put(resource, "description", pfile.summary.en, pfile.summary.zh)
        else:
            resource["title"] = f"{qid} (reached from {', '.join(sorted(self.parents.get(qid, ())))})"
        resource["type"] = {"coding": [{"system": cpg.PLAN_DEFINITION_TYPE, "code": "eca-rule"}]}
        resource["lastReviewDate"] = self.kb.stamp.reviewed
        resource["relatedArtifact"] = [self.article()]
        resource["action"] = [
            {"id": f"{qid}/plan", "title": resource.get("title", qid), "action": self.body(node)}
        ]
        return resource

    def strategy(self) -> dict[str, Any]:
        meta = self.kb.meta.knowledge
        resource: dict[str, Any] = {
            "resourceType": "PlanDefinition",
            "id": "guideline",
            "meta": {"profile": [cpg.STRATEGY_DEFINITION]},
        }
        resource.update(self.metadata("PlanDefinition", "guideline", "NtrkAdvisorGuideline"))
        resource["title"] = meta.name
        resource["type"] = {"coding": [{"system": cpg.PLAN_DEFINITION_TYPE, "code": "workflow-definition"}]}
        _put(resource, "description", meta.intended_use.en, meta.intended_use.zh)
        resource["lastReviewDate"] = self.kb.stamp.reviewed
        resource["relatedArtifact"] = [self.article()]
        entry = self.kb.entry.qid
        resource["action"] = [
            {
                "id": "guideline",
                "title": meta.name,
                "description": meta.intended_use.en,
                "code": [{"coding": [{"system": cpg.COMMON_PROCESS_SYSTEM, "code": "guideline-based-care"}]}],
                "definitionCanonical": f"{self.url('PlanDefinition', self.plan_key(entry))}|{self.version}",
            }
        ]
        return resource

    def activity(self, sid: str) -> dict[str, Any]:
        statement = self.kb.statements.statements[sid]
        resource: dict[str, Any] = {
            "resourceType": "ActivityDefinition",
            "id": resource_id(sid),
            "meta": {"profile": [cpg.COMPUTABLE_ACTIVITY]},
        }
        resource["extension"] = [
            {"url": cpg.RATIONALE, "valueMarkdown": "\n".join(f"- {b.text.en}" for b in statement.rationale)}
        ]
        resource.update(
            self.metadata(
                "ActivityDefinition",
                sid,
                "Statement" + "".join(p.capitalize() for p in sid.replace(".", "_").split("_")),
            )
        )
        _put(resource, "title", statement.summary.en, statement.summary.zh)
        _put(resource, "description", statement.summary.en, statement.summary.zh)
        arguments = tuple(dict.fromkeys(a for b in statement.rationale for a in b.arguments))
        evidence = tuple(
            dict.fromkeys([*statement.evidence, *(e for b in statement.rationale for e in b.evidence)])
        )
        resource["relatedArtifact"] = [self.article(), *self.related(arguments, evidence)]
        resource["kind"] = "Task"
        resource["code"] = self.coding("action", statement.action.value)
        return resource

    def codesystem(self, key: str, title: str, concepts: list[tuple[str, str, str]]) -> dict[str, Any]:
        resource: dict[str, Any] = {"resourceType": "CodeSystem", "id": resource_id(key)}
        resource.update(
            self.metadata(
                "CodeSystem", key, "Ntrk" + "".join(p.capitalize() for p in key.replace("-", "_").split("_"))
            )
        )
        resource["title"] = title
        resource.update({"caseSensitive": True, "content": "complete", "count": len(concepts)})
        resource["concept"] = [
            {"code": code, "display": en, "designation": [{"language": "zh", "value": zh}]}
            for code, en, zh in concepts
        ]
        return resource

    def choices(self, field: str) -> list[tuple[str, str, str]]:
        spec = FIELD_SPECS[field]
        question = self.kb.questions.questions.get(field)
        texts: dict[str, Text] = dict(question.choices or {}) if question is not None else {}
        out = []
        for key in spec.choice_keys():
            text = texts.get(key)
            out.append((key, text.en if text else key, text.zh if text else key))
        if spec.kind == "list":
            none = question.none_label if question is not None else None
            out.append(
                (NONE_CODE, none.en if none else t("none", "en"), none.zh if none else t("none", "zh"))
            )
        return out

    def code_systems(self) -> list[dict[str, Any]]:
        systems = [
            self.codesystem(
                "strength",
                "Strength of a recommendation (ntrk-advisor)",
                [(s.value, t(f"strength.{s.value}", "en"), t(f"strength.{s.value}", "zh")) for s in Strength],
            ),
            self.codesystem(
                "evidence-level",
                "Strongest kind of evidence behind an action (ntrk-advisor)",
                [(v.value, t(f"level.{v.value}", "en"), t(f"level.{v.value}", "zh")) for v in EvidenceLevel],
            ),
            self.codesystem(
                "action",
                "Actions (ntrk-advisor)",
                [(a.value, t(f"action.{a.value}", "en"), t(f"action.{a.value}", "zh")) for a in ActionCode],
            ),
            self.codesystem(
                "case-field",
                "Case fields (ntrk-advisor contract)",
                [(f, self.kb.prompt(f, "en"), self.kb.prompt(f, "zh")) for f in self.fields()],
            ),
            self.codesystem(
                "caution",
                "Cautions (ntrk-advisor)",
                [(c, self.kb.caution(c, "en"), self.kb.caution(c, "zh")) for c in self.kb.cautions.cautions],
            ),
        ]
        for field in self.fields():
            if FIELD_SPECS[field].kind in ("enum", "list"):
                systems.append(
                    self.codesystem(field, f"Answers to {field} (ntrk-advisor contract)", self.choices(field))
                )
        return systems

    def fields(self) -> list[str]:
        return [f for f in FIELD_SPECS if f not in LEGACY_FIELDS]

    def order(self) -> list[str]:
        """Every node in an order where each comes after all its parents (the tree is acyclic)."""
        seen: set[str] = set()
        out: list[str] = []

        def visit(qid: str) -> None:
            if qid in seen:
                return
            seen.add(qid)
            for parent in sorted(self.parents.get(qid, ())):
                visit(parent)
            out.append(qid)

        for qid in self.kb.nodes:
            visit(qid)
        return out

    def questionnaire(self) -> dict[str, Any]:
        resource: dict[str, Any] = {
            "resourceType": "Questionnaire",
            "id": "case",
            "meta": {"profile": [cpg.COMPUTABLE_QUESTIONNAIRE]},
        }
        variables = []
        incoming: dict[str, list[str]] = {}
        for node in self.kb.nodes.values():
            ways: list[tuple[str | None, TreeNode]]
            if node.kind in ("ask", "route_on"):
                ways = [(expr, target) for _, expr, target in self.branches(node)]
            else:
                ways = [(None, node.next)] if node.next is not None else []
            for expr, target in ways:
                step = f"%{reach_variable(node.qid)}" + (f" and ({expr})" if expr else "")
                incoming.setdefault(target.qid, []).append(f"({step})")
        for qid in self.order():
            if qid == self.kb.entry.qid:
                expression = "true"
            elif qid in incoming:
                expression = " or ".join(incoming[qid])
            else:
                expression = "false"
            variables.append(
                {
                    "url": cpg.VARIABLE,
                    "valueExpression": {
                        "name": reach_variable(qid),
                        "language": cpg.FHIRPATH,
                        "expression": expression,
                    },
                }
            )
        resource["extension"] = variables
        resource.update(self.metadata("Questionnaire", "case", "NtrkAdvisorCase"))
        _put(resource, "title", t("review.fhir_case_title", "en"), t("review.fhir_case_title", "zh"))
        resource["subjectType"] = ["Patient"]
        items = []
        for field in self.fields():
            spec = FIELD_SPECS[field]
            item: dict[str, Any] = {"linkId": field}
            asked_at = [n.qid for n in self.kb.nodes.values() if n.field == field]
            if asked_at:
                item["extension"] = [
                    {
                        "url": cpg.ENABLE_WHEN_EXPRESSION,
                        "valueExpression": {
                            "language": cpg.FHIRPATH,
                            "expression": " or ".join(f"%{reach_variable(q)}" for q in asked_at),
                        },
                    }
                ]
            item["code"] = self.coding("case-field", field)["coding"]
            _put(item, "text", self.kb.prompt(field, "en"), self.kb.prompt(field, "zh"))
            item["type"] = {"number": "decimal", "text": "string", "bool": "boolean"}.get(spec.kind, "choice")
            if spec.kind == "list":
                item["repeats"] = True
            if spec.kind == "text" and spec.max_length:
                item["maxLength"] = spec.max_length
            if spec.kind in ("enum", "list"):
                options = []
                for code, en, zh in self.choices(field):
                    coding: dict[str, Any] = {"system": self.code_system(field), "code": code}
                    _put(coding, "display", en, zh)
                    options.append({"valueCoding": coding})
                item["answerOption"] = options
            items.append(item)
        resource["item"] = items
        return resource

    def resources(self) -> list[dict[str, Any]]:
        from ntrk_advisor.authoring.review_fhir import review_bundle
        from ntrk_advisor.authoring.signoff import reviewed

        used = {ref.use for n in self.kb.nodes.values() if n.bundle for ref in n.bundle.actions}
        out = [self.strategy(), self.questionnaire(), *self.code_systems()]
        out += [self.plan(qid) for qid in sorted(self.separate)]
        out += [self.activity(sid) for sid in sorted(used)]
        out += [entry["resource"] for entry in review_bundle(reviewed(self.kb)).get("entry", [])]
        return out


def reach_variable(qid: str) -> str:
    """The Questionnaire variable that is true when the node `qid` is on the case's path."""
    return "reach" + "".join(part.capitalize() for part in qid.replace(".", "_").split("_"))


def write_resources(resources: list[dict[str, Any]]) -> dict[str, str]:
    """One file name (`Type-id.json`) and text per resource, for `-o DIR`."""
    return {f"{r['resourceType']}-{r['id']}.json": to_json(r) for r in resources}
