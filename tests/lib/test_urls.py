"""lib.urls gives the address reverse() gives, for any slug, and falls back to it otherwise."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix
from hypothesis import given, settings
from hypothesis import strategies as st

from argmap.lib.urls import slug_url

SLUGS = st.from_regex(r"[-a-zA-Z0-9_]{1,20}", fullmatch=True)


@settings(deadline=None)  # the first example loads the URLconf
@given(map_slug=SLUGS, key=SLUGS)
def test_a_slug_route_is_the_address_reverse_gives(map_slug, key):
    assert slug_url("node", map_slug, key) == reverse("node", args=[map_slug, key])
    assert slug_url("map", map_slug) == reverse("map", args=[map_slug])
    # A slug that looks like a mark is filled in as itself.
    assert slug_url("node", "argmaparg1x", key) == reverse("node", args=["argmaparg1x", key])


def test_an_address_under_a_script_prefix_keeps_it():
    try:
        set_script_prefix("/argmap/")
        assert (
            slug_url("source", "essay")
            == "/argmap/sources/essay/"
            == reverse("source", args=["essay"])
        )
    finally:
        set_script_prefix("/")
    assert slug_url("source", "essay") == "/sources/essay/"


def test_what_is_not_a_slug_goes_to_reverse():
    with pytest.raises(NoReverseMatch):
        slug_url("source", "not a slug")
    with pytest.raises(NoReverseMatch):
        slug_url("source", "")
