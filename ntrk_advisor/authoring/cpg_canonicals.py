"""Every FHIR version, IG version, profile and extension URL the CPG-on-FHIR export writes, in one place.

The URLs of the HL7 CPG implementation guide drifted between releases (`cqif-` became `cqf-`,
`cpg-knowledgeCapability` became `cqf-knowledgeCapability`), so the export pins those of one
release: CPG 2.0.0 on FHIR R4 4.0.1. Where each was checked is said beside it; docs/fhir-export.md
repeats the list. Nothing here is fetched: these are names, not addresses the tool connects to.
"""

from __future__ import annotations

FHIR_VERSION = "4.0.1"
"""FHIR R4, the version CPG 2.0.0 is built on (sushi-config.yaml `fhirVersion`)."""
CPG_VERSION = "2.0.0"
"""HL7 CPG-on-FHIR (`http://hl7.org/fhir/uv/cpg`), sushi-config.yaml `version`."""

DEFAULT_BASE_URL = "http://example.org/ntrk-advisor"
"""Where the export's own canonical URLs live unless `--base-url` says otherwise. `example.org` is
reserved for examples (RFC 2606): an institution that publishes the export sets its own base."""

_CPG = "http://hl7.org/fhir/uv/cpg/StructureDefinition/"
# Profiles (HL7/cqf-recommendations c91a79d5, input/fsh/profiles/…: the `Id:` of each profile).
RECOMMENDATION_DEFINITION = _CPG + "cpg-recommendationdefinition"
"""domain-profiles/cpg-recommendationdefinition.fsh: `type = plan-definition-type#eca-rule`."""
STRATEGY_DEFINITION = _CPG + "cpg-strategydefinition"
"""domain-profiles/cpg-strategydefinition.fsh: `type = #workflow-definition`; each top-level action
has title, description and a code from cpg-common-process, and points to recommendation definitions."""
COMPUTABLE_ACTIVITY = _CPG + "cpg-computableactivity"
"""artifact-profiles/cpg-computable-activity.fsh: `kind 1..1`."""
COMPUTABLE_QUESTIONNAIRE = _CPG + "cpg-computablequestionnaire"
"""artifact-profiles/cpg-computable-questionnaire.fsh."""

# Extensions on PlanDefinition.action (cpg-computable-plandefinition.fsh; aliases.fsh for the URLs).
STRENGTH = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
QUALITY = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
DIRECTION = _CPG + "cpg-directionOfRecommendation"
"""extension-cpg-direction-of-recommendation.fsh: required binding to cpg-recommendation-direction-vs."""
RATIONALE = _CPG + "cpg-rationale"
"""extension-cpg-rationale.fsh: markdown, on a resource or on PlanDefinition.action."""
DIRECTION_SYSTEM = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-recommendation-direction-cs"
"""codesystem-cpg-recommendation-direction.fsh: `for`, `against`."""
COMMON_PROCESS_SYSTEM = "http://hl7.org/fhir/uv/cpg/CodeSystem/cpg-common-process-cs"
"""codesystem-cpg-common-process.fsh: `guideline-based-care` among others."""
PLAN_DEFINITION_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
"""aliases.fsh `$plan-definition-type`: `eca-rule`, `workflow-definition`."""

# Questionnaire extensions.
ENABLE_WHEN_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
)
"""SDC (HL7/sdc, input/resources/StructureDefinition-sdc-questionnaire-enableWhenExpression.xml): on
Questionnaire.item, 0..1, an Expression returning a boolean; only where the item has no enableWhen."""
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
"""FHIR R4 core (hl7.org/fhir/R4/extension-variable.html): an Expression whose `name` is added to
FHIRPath's context for the descendants of the element that holds it."""
TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
"""FHIR R4 core (hl7.org/fhir/R4/extension-translation.html): on a string, code or markdown;
sub-extensions `lang` (code, 1..1) and `content` (1..1)."""

STEP_SHARING = "StructureDefinition/step-sharing"
"""Our own extension (under the export's base URL) on a node's action: `alongside` (its steps share
the next node's) or `together` (they share the previous node's); no IG has an element for it."""

FHIRPATH = "text/fhirpath"
