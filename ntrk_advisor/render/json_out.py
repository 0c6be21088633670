"""The contract JSON: plain text to stdout, never through rich (it would wrap and eat `[r0]`)."""

from __future__ import annotations

import json

from ntrk_advisor.contract.result import Result


def result_json(result: Result, *, indent: int | None = 2) -> str:
    """One result as the contract's JSON object (UTF-8 text, Chinese kept readable)."""
    return json.dumps(result.to_dict(), ensure_ascii=False, indent=indent)
