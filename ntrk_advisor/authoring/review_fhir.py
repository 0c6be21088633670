"""The review stamps that count, as FHIR R4: a `Provenance` with the signature and a `Basic` per stamp.

`pathways review --export-fhir` writes one Bundle (type `collection`). For each review record that
counts now (`ReviewState.counted`: signature verified, reviewer listed, not the author, over the
statement as it reads now):

- a **Provenance**: `target` the statement by its id (a logical reference: the knowledge has no
  published canonical URL), `entity` the content hash the reviewer signed (role `source`),
  `occurredDateTime` the review date, `recorded` and `signature.when` that date at 00:00 UTC (a
  record keeps the date only), one `agent` who is the reviewer by name and role and nothing else,
  and `signature`: type ASTM E1762 `1.2.840.10065.1.12.1.5` "Verification Signature", `data` the
  Ed25519 signature in base64 as the record holds it. It is raw Ed25519 (RFC 8032) over the
  canonical JSON of the record (`reviews.signed_payload`), so `targetFormat` is `application/json`
  and `sigFormat` `application/octet-stream`: neither a JWS nor an XML signature.
- a **Basic** carrying the artifact assessment the R4 way (CRMI: "ArtifactAssessment (Basic or
  cqf-artifactComment extensions in R4)"): `subject` the statement, `author` and `created` the
  reviewer and date, and the extension `cqf-artifactComment` with `type` `review`, `text` the
  decision and the comment, `user` the reviewer's name and `authoredOn` the date.

The codes and URLs are the ones checked at their source (docs/governance.md says where); anything
that could not be checked is left out rather than guessed. The export reads what the knowledge
layer already decided, and signs nothing.
"""

from __future__ import annotations

from typing import Any

from ntrk_advisor.authoring.signoff import Reviewed

ARTIFACT_COMMENT = "http://hl7.org/fhir/StructureDefinition/cqf-artifactComment"
"""The R4 extension for a review comment on an artifact (HL7/crmi-ig, cqf-artifact-comment.fsh)."""
SIGNATURE_TYPES = "urn:iso-astm:E1762-95:2013"
"""FHIR's Signature Type Codes (ValueSet signature-type), from ASTM E1762-95(2013)."""
VERIFICATION = "1.2.840.10065.1.12.1.5"


def review_bundle(r: Reviewed) -> dict[str, Any]:
    """A FHIR R4 Bundle (collection) with a Provenance and a Basic for each review that counts now."""
    entries: list[dict[str, Any]] = []
    for n, stamp in enumerate(r.state.counted, start=1):
        record = stamp.record
        date = record.date.isoformat()
        instant = f"{date}T00:00:00Z"
        statement = {"identifier": {"value": record.statement}, "display": record.statement}
        reviewer = {"display": record.reviewer}
        text = record.decision.value + (f": {record.comment}" if record.comment else "")
        provenance: dict[str, Any] = {
            "resourceType": "Provenance",
            "id": f"review-{n}",
            "target": [statement],
            "occurredDateTime": date,
            "recorded": instant,
            "agent": [{"who": reviewer, **({"role": [{"text": stamp.role}]} if stamp.role else {})}],
            "entity": [
                {
                    "role": "source",
                    "what": {"identifier": {"value": record.hash}, "display": "content hash signed"},
                }
            ],
            "signature": [
                {
                    "type": [
                        {"system": SIGNATURE_TYPES, "code": VERIFICATION, "display": "Verification Signature"}
                    ],
                    "when": instant,
                    "who": reviewer,
                    "targetFormat": "application/json",
                    "sigFormat": "application/octet-stream",
                    "data": record.signature,
                }
            ],
        }
        assessment = {
            "resourceType": "Basic",
            "id": f"assessment-{n}",
            "extension": [
                {
                    "url": ARTIFACT_COMMENT,
                    "extension": [
                        {"url": "type", "valueCode": "review"},
                        {"url": "text", "valueMarkdown": text},
                        {"url": "user", "valueString": record.reviewer},
                        {"url": "authoredOn", "valueDateTime": date},
                    ],
                }
            ],
            "code": {"text": "artifact assessment"},
            "subject": statement,
            "created": date,
            "author": reviewer,
        }
        entries += [{"resource": provenance}, {"resource": assessment}]
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection"}
    if entries:
        bundle["entry"] = entries
    return bundle
