"""A "did you mean" is difflib's answer, however cheaply it is found (contract/spelling.py).

`close_match` skips the candidates that cannot reach the cutoff, and every candidate when their
letters together cannot; these tests hold it to `difflib.get_close_matches` on the lists it is
used with and on lists and words drawn at random, non-ASCII text and lone surrogates included.
"""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from ntrk_advisor.contract.case import CASE_FIELDS
from ntrk_advisor.contract.fields import CASE_SPECS
from ntrk_advisor.contract.spelling import CUTOFF, close_match, closest, normal

VOCABULARIES = [
    tuple(str(member.value) for member in spec.values)
    for spec in CASE_SPECS.values()
    if spec.values is not None
]
CANDIDATE_LISTS = [CASE_FIELDS, *VOCABULARIES]


def difflibs(typed: str, allowed: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(typed, list(allowed), n=1, cutoff=CUTOFF)
    return close[0] if close else None


def misspelt(words: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A word with a letter dropped, doubled or replaced, or with text around it."""
    return st.one_of(
        st.tuples(words, st.integers(0, 40)).map(lambda p: p[0][: p[1]] + p[0][p[1] + 1 :]),
        st.tuples(words, st.integers(0, 40)).map(lambda p: p[0][: p[1]] + p[0][p[1] :] * 2),
        st.tuples(words, st.integers(0, 40), st.characters()).map(
            lambda p: p[0][: p[1]] + p[2] + p[0][p[1] + 1 :]
        ),
        st.tuples(st.text(max_size=4), words, st.text(max_size=4)).map("".join),
        words.map(str.upper),
    )


ANY_WORD = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789-", max_size=30),
    misspelt(st.sampled_from([word for words in CANDIDATE_LISTS for word in words])),
)


@settings(max_examples=600, deadline=None)
@given(ANY_WORD, st.sampled_from(CANDIDATE_LISTS))
def test_the_suggestion_among_the_contracts_words_is_difflibs(typed: str, allowed: tuple[str, ...]) -> None:
    assert close_match(typed, allowed) == difflibs(typed, allowed)


@settings(max_examples=300, deadline=None)
@given(ANY_WORD, st.lists(st.one_of(ANY_WORD, st.text(min_size=0, max_size=12)), max_size=8))
def test_the_suggestion_among_any_words_is_difflibs(typed: str, allowed: list[str]) -> None:
    assert close_match(typed, tuple(allowed)) == difflibs(typed, tuple(allowed))


def test_a_near_miss_is_suggested_and_free_text_is_not() -> None:
    assert close_match("tumour_type", CASE_FIELDS) == "tumor_type"
    assert close_match("agee", CASE_FIELDS) == "age_years"
    assert close_match("note_17_402113", CASE_FIELDS) is None
    assert close_match("", ("",)) == ""  # difflib's own answer for two empty texts
    assert close_match("anything", ()) is None


def test_a_value_is_compared_in_its_normal_spelling() -> None:
    assert closest("Locally Advanced", ["early", "locally_advanced"]) == "locally_advanced"
    assert closest("  METASTATC ", ["metastatic", "resistant"]) == difflibs(
        normal("  METASTATC "), ("metastatic", "resistant")
    )
