"""The public contract: what a case is, what a result is, and the one way from raw answers to a case.

`docs/contract.md` describes it in words; these modules are its single source in code:
`vocabulary` (closed value sets), `fields` (the field table), `rules` (contradictions), `case`
(`Case` and its validation), `decode` (JSON text to a case), `result` (`Result` and its parts),
`errors` (`CaseInvalid`) and `json_schema`. Nothing here imports pydantic, YAML or rich.
"""
