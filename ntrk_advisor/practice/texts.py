"""Practice-mode interface texts: the `practice.` entries of the one translation table.

They live in `ntrk_advisor.i18n.UI`, so the same completeness test covers every interface text.
"""

from __future__ import annotations

from ntrk_advisor.i18n import Lang, t


def say(key: str, lang: Lang, **values: object) -> str:
    """A practice-mode text in `lang`, with `values` filled in."""
    return t(f"practice.{key}", lang, **values)
