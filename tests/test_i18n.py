"""Every interface text exists in English and Chinese; the build fails when one is missing."""

from __future__ import annotations

from ntrk_advisor.contract.vocabulary import ActionCode, AgeGroup, PathwayName, Status, Strength
from ntrk_advisor.i18n import LANGS, UI


def test_every_interface_text_has_both_languages() -> None:
    missing = [(key, lang) for key, texts in UI.items() for lang in LANGS if not texts.get(lang, "").strip()]
    assert missing == []


def test_every_code_has_a_label_in_both_languages() -> None:
    keys = [f"action.{c.value}" for c in ActionCode] + [f"strength.{s.value}" for s in Strength]
    keys += [f"pathway.{p.value}" for p in PathwayName] + [f"status.{s.value}" for s in Status]
    keys += [f"age.{a.value}" for a in AgeGroup]
    assert [k for k in keys if k not in UI] == []


def test_placeholders_match_between_languages() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    assert [k for k, v in UI.items() if fields(v["en"]) != fields(v["zh"])] == []
