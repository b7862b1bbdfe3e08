"""A pasted quote becomes an anchor's offsets, prefix and suffix."""

import pytest
from django.core.exceptions import ValidationError

from argmap.debates.models import Anchor
from argmap.debates.quotes import find_quote, quote_context

from ..curation_support import CURLY_TEXT, pasted
from ..factories import SourceFactory


@pytest.mark.django_db
def test_a_unique_quote_gets_code_point_offsets_prefix_and_suffix():
    source = SourceFactory(text=CURLY_TEXT)
    anchor = pasted(source, "Critics replied that it’s not cheap")
    start = CURLY_TEXT.index("Critics")
    assert (anchor.start, anchor.end) == (start, start + len("Critics replied that it’s not cheap"))
    # Code points, not UTF-8 bytes: the curly marks before it take three bytes each.
    assert len(CURLY_TEXT[:start].encode("utf-8")) > start
    assert CURLY_TEXT[anchor.start : anchor.end] == anchor.exact
    assert (anchor.prefix, anchor.suffix) == quote_context(CURLY_TEXT, anchor.start, anchor.end)


@pytest.mark.django_db
def test_straight_quotes_pasted_find_the_curly_ones_and_keep_the_sources_characters():
    source = SourceFactory(text=CURLY_TEXT)
    anchor = pasted(source, 'The essay\'s claim: "R1 is cheap."')
    assert anchor.start == 0
    assert anchor.exact == "The essay’s claim: “R1 is cheap.”"
    assert anchor.matches_source()


@pytest.mark.django_db
def test_an_ambiguous_quote_asks_for_more_context_or_an_occurrence():
    source = SourceFactory(text=CURLY_TEXT)
    with pytest.raises(ValidationError) as raised:
        pasted(source, "it’s")
    assert raised.value.code == "quote_ambiguous"
    assert "appears 2 times" in raised.value.messages[0]
    assert "occurrence number (1–2)" in raised.value.messages[0]
    second = pasted(source, "it’s", occurrence=2)
    assert second.start == CURLY_TEXT.index("it’s open")
    with pytest.raises(ValidationError) as raised:
        pasted(source, "it’s", occurrence=3)
    assert raised.value.code == "no_such_occurrence"


@pytest.mark.django_db
def test_a_missing_quote_says_it_is_not_in_the_source():
    source = SourceFactory(text=CURLY_TEXT, title="The essay")
    with pytest.raises(ValidationError) as raised:
        pasted(source, "R1 is expensive")
    assert raised.value.code == "quote_missing"
    assert "not in “The essay”" in raised.value.messages[0]


def test_every_shipped_unique_quote_pastes_back_to_its_shipped_offsets(seeded_map):
    checked = 0
    for anchor in Anchor.objects.select_related("source"):
        if len(find_quote(anchor.source.text, anchor.exact)) != 1:
            continue
        again = pasted(anchor.source, anchor.exact)
        assert (again.start, again.end, again.prefix, again.suffix) == (
            anchor.start,
            anchor.end,
            anchor.prefix,
            anchor.suffix,
        ), anchor.natural_key()
        checked += 1
    assert checked > 100
