"""Closed vocabularies of practice mode (light: the CLI uses them as option types)."""

from __future__ import annotations

from enum import Enum


class Difficulty(str, Enum):
    """How hard a scenario is meant to be for a trainee."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class QuestionKind(str, Enum):
    """What a scenario asks; decides how its key is derived from the engine's result."""

    NEXT_STEP = "next_step"
    AVOID = "avoid"
    TIMING = "timing"
