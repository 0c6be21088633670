"""Practice mode for trainees: scenarios keyed by the engine, graded answers, progress in SQLite.

The data flows one way: scenario files → `ScenarioLibrary` (each case evaluated, its answer key
derived from the engine's recommendation) → grading → `PracticeStore` → stats. Nothing here
decides anything clinical: the key is whatever the engine recommends for the scenario's case.

Kept import-light on purpose: the CLI imports `ntrk_advisor.practice.vocabulary` for its option
types, which must not pull in pydantic, YAML or rich.
"""
