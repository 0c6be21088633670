"""Every answer combination that `pathways check` walks gives schema-valid cards, in both languages."""

from __future__ import annotations

import pytest

from ntrk_advisor import api
from ntrk_advisor.authoring.audit import walk_leaves
from ntrk_advisor.contract.vocabulary import Status
from ntrk_advisor.pathway.knowledge import KnowledgeBase
from ntrk_advisor.service.cards import result_cards
from tests.service.helpers import valid


@pytest.mark.slow
def test_every_leaf_gives_schema_valid_cards(kb: KnowledgeBase) -> None:
    leaves = walk_leaves(kb)
    assert len(leaves) > 100
    for leaf in leaves:
        assert leaf.result.status is Status.COMPLETE
        for lang in ("en", "zh"):
            result = leaf.result if lang == "en" else api.evaluate(leaf.answers, lang, kb)
            cards = valid("card", {"cards": result_cards(result, kb, lang)})["cards"]
            assert 1 <= len(cards) <= 3, leaf.answers
            assert all(c["indicator"] in ("info", "warning") and len(c["summary"]) < 140 for c in cards)
            assert sum(c["detail"].count("**") for c in cards) >= 2 * len(result.actions)
