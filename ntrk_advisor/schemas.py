"""JSON Schemas for the case, the result and the pathway files, generated from the models."""

from __future__ import annotations

from typing import Any

from ntrk_advisor.models import Case, Result
from ntrk_advisor.pathway.schema import PathwayFile

CASE_NOTE = (
    "Enum values are matched case-insensitively, and '-' or a space counts as '_' (so 'Locally-"
    "Advanced' is accepted as 'locally_advanced'); this schema lists the canonical spellings, "
    "which are what results always use. Unknown keys are rejected."
)


def case_schema() -> dict[str, Any]:
    """The case contract as JSON Schema."""
    schema = Case.model_json_schema()
    schema["title"] = "ntrk-advisor case (contract version 1)"
    schema["description"] = CASE_NOTE
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def result_schema() -> dict[str, Any]:
    """The result contract as JSON Schema (`age_group` is absent when the age is unknown)."""
    schema = Result.model_json_schema()
    schema["title"] = "ntrk-advisor result (contract version 1)"
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def pathway_schema() -> dict[str, Any]:
    """A pathway module's YAML as JSON Schema, for editors that validate while typing."""
    schema = PathwayFile.model_json_schema()
    schema["title"] = "ntrk-advisor pathway module"
    schema["description"] = (
        "One decision tree (diagnostic, early, locally_advanced, metastatic or resistant). Put "
        "'# yaml-language-server: $schema=<path to this file>' on the first line of the YAML."
    )
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


SCHEMAS = {"case": case_schema, "result": result_schema, "pathway": pathway_schema}
