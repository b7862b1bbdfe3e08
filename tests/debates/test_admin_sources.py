"""Sources in the admin: quoted text is frozen, hashes follow edits."""

import pytest

from argmap.debates.models import Source
from argmap.debates.quotes import sha256_of

from ..curation_support import form_data
from ..factories import SourceFactory

# Sources ----------------------------------------------------------------------------------


def test_an_anchored_sources_text_is_shown_but_not_editable(curator_client, seeded_map):
    source = Source.objects.get(slug="not-sputnik-blog")
    page = curator_client.get(f"/admin/debates/source/{source.pk}/change/").content.decode()
    assert 'name="text"' not in page
    assert source.sha256 in page
    assert "DeepSeek-R1&#x27;s lead is fundamentally different" in page


@pytest.mark.django_db
def test_an_unquoted_sources_text_is_editable_and_its_hash_follows(curator_client):
    source = SourceFactory()
    data = form_data(curator_client.get(f"/admin/debates/source/{source.pk}/change/"))
    data["text"] = "A corrected text."
    assert (
        curator_client.post(f"/admin/debates/source/{source.pk}/change/", data).status_code == 302
    )
    source.refresh_from_db()
    assert sha256_of(source.text) == source.sha256
