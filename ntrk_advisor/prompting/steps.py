"""What a consult tells the interviewer about the step it is at, and the answer meaning "back".

Light on purpose (no questionary, no prompt_toolkit): the consult flow imports it on every run,
also when nobody is asked anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ntrk_advisor.contract.result import TraceStep


class _Back:
    """The answer of a person who pressed Esc or ←: "take me to the previous question"."""

    _instance: _Back | None = None

    def __new__(cls) -> _Back:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "BACK"


BACK: Any = _Back()
"""Returned by `ask` and `review` instead of an answer when the person goes back one question."""


@dataclass(frozen=True)
class Asking:
    """Where a question stands: the path so far (for the breadcrumb) and the answers given.

    `answers` lets a list start from the choices that fit them (the contract's own rules say
    which do); `can_go_back` says whether Esc or ← has a question to go back to.
    """

    trace: tuple[TraceStep, ...] = ()
    pathway: str | None = None
    answers: Mapping[str, Any] = field(default_factory=dict)
    can_go_back: bool = False


def choice_order(field_name: str, keys: Sequence[str], answers: Mapping[str, Any]) -> list[str]:
    """`keys` with the choices that fit `answers` first, those the contract refuses after them.

    A choice fits when the case with it added passes the contract's cross-field rules: a
    58-year-old's tumour-category list starts from the adult categories, because the contract
    says an infantile fibrosarcoma is a tumour of children. No clinical rule is written here;
    the order within each group is the questions file's.
    """
    from ntrk_advisor.contract.case import case_from_data
    from ntrk_advisor.contract.errors import CaseInvalid

    if not answers:
        return list(keys)
    fit: list[str] = []
    refused: list[str] = []
    for key in keys:
        value: Any = {"true": True, "false": False}.get(key, key)
        try:
            case_from_data({**answers, field_name: value})
        except CaseInvalid as exc:
            if field_name in exc.fields():
                refused.append(key)
                continue
        fit.append(key)
    return fit + refused
