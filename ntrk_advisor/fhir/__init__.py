"""FHIR R4 import: a Bundle's resources mapped to the raw answers of a case, with their sources.

A layer of its own, above `contract` and `files` and below the engine: it reads plain dicts and
writes raw answers, which then take the one validation path (`contract/case.case_from_data`). It
never evaluates and it never guesses a clinician's judgement. See docs/fhir.md.
"""
