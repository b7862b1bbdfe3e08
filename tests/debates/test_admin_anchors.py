"""The anchor form in the admin: paste a quote, get the computed anchor."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry

from argmap.debates.models import Anchor, Node, Source
from argmap.debates.quotes import find_quote

from ..curation_support import CURLY_TEXT, claim_under_a_thesis, form_data, node_change_url
from ..factories import SourceFactory

# The anchor form in the admin -----------------------------------------------------------


@pytest.mark.django_db
def test_pasting_a_quote_in_the_admin_saves_the_computed_anchor_and_logs_it(curator_client):
    source = SourceFactory(text=CURLY_TEXT)
    node = claim_under_a_thesis()
    response = curator_client.post(
        "/admin/debates/anchor/add/",
        {
            "node": node.pk,
            "source": source.pk,
            # Browsers send textarea line breaks as CRLF, and pasting adds stray spaces.
            "exact": '  Still, it\'s open, and "open" matters. ',
            "occurrence": "",
            "speaker": "",
            "voice": "asserts",  # the select's default, as a browser sends it
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    anchor = node.anchors.get()
    assert anchor.exact == "Still, it’s open, and “open” matters."
    assert anchor.start == CURLY_TEXT.index("Still")
    assert anchor.matches_source()
    assert anchor.speaker == "the author"
    entry = LogEntry.objects.get(object_id=str(anchor.pk), action_flag=ADDITION)
    assert entry.user.username == "curator"
    page = curator_client.get(f"/admin/debates/anchor/{anchor.pk}/change/").content.decode()
    assert "<mark>Still, it’s open, and “open” matters.</mark>" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("quote", "occurrence", "error"),
    [
        ("R1 is expensive", "", "This quote is not in"),
        ("it’s", "", "appears 2 times"),
        ("it’s", "5", "there is no occurrence 5"),
    ],
)
def test_a_bad_paste_is_a_form_error_and_saves_nothing(curator_client, quote, occurrence, error):
    source = SourceFactory(text=CURLY_TEXT)
    node = claim_under_a_thesis()
    response = curator_client.post(
        "/admin/debates/anchor/add/",
        {"node": node.pk, "source": source.pk, "exact": quote, "occurrence": occurrence},
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Anchor.objects.exists()
    assert not LogEntry.objects.exists()


@pytest.mark.django_db
def test_an_anchor_without_a_source_is_a_form_error(curator_client):
    node = claim_under_a_thesis()
    response = curator_client.post(
        "/admin/debates/anchor/add/", {"node": node.pk, "source": "", "exact": "anything"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["source"]
    assert not Anchor.objects.exists()


def test_pasting_in_the_node_pages_anchor_inline_adds_an_anchor_after_the_others(
    curator_client, seeded_map
):
    node = Node.objects.get(key="andreessen-sputnik-moment")
    source = Source.objects.get(slug="china-showed-it-essay")
    quote = next(  # a sentence of the essay with a curly apostrophe, quoted only once
        sentence
        for sentence in source.text.split(". ")
        if "’" in sentence and len(find_quote(source.text, sentence)) == 1
    )
    data = form_data(curator_client.get(node_change_url(node)))
    extra = data["anchors-INITIAL_FORMS"]
    data.update(
        {
            f"anchors-{extra}-source": source.pk,
            f"anchors-{extra}-exact": quote,
            f"anchors-{extra}-speaker": "",
            "anchors-TOTAL_FORMS": extra + 1,
        }
    )
    response = curator_client.post(node_change_url(node), data)
    assert response.status_code == 302
    added = node.anchors.get(source=source)
    assert added.position == extra  # after the node's existing anchors
    assert added.exact == quote
    assert (added.start, added.end) == (
        source.text.index(quote),
        source.text.index(quote) + len(quote),
    )
    entry = LogEntry.objects.get(object_id=str(node.pk), action_flag=CHANGE)
    assert "Added" in entry.get_change_message()
