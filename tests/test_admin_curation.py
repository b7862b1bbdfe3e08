"""The curators' admin: pasted anchors, moves without cycles, suggestions, permissions."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from argmap.annotations.models import Annotation, Suggestion
from argmap.debates.models import Anchor, Node, Source, quote_context

from .factories import (
    AnchorFactory,
    NodeFactory,
    PassageAnnotationFactory,
    SourceFactory,
    SuggestionFactory,
    ThesisFactory,
    UserFactory,
)

CURLY_TEXT = (
    "The essay’s claim: “R1 is cheap.” Critics replied that it’s not cheap at all. "
    "Still, it’s open, and “open” matters."
)


@pytest.fixture
def curators_group(db):
    # A transactional test elsewhere may have flushed the migration's rows; the same
    # function puts the group back, so this is exactly what the migration creates.
    migration = import_module("argmap.debates.migrations.0003_curators_group")
    migration.create_curators_group(django_apps, None)
    return Group.objects.get(name=migration.GROUP)


@pytest.fixture
def curator(curators_group):
    user = UserFactory(username="curator", is_staff=True)
    user.groups.add(curators_group)
    return user


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


def form_data(response):
    """The POST data an admin change form (and its inlines) would send back unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for form in formset.initial_forms:
            add(form)
    return data


def claim_under_a_thesis(**fields):
    thesis = ThesisFactory()
    return NodeFactory(map=thesis.map, parent=thesis, **fields)


def node_change_url(node):
    return f"/admin/debates/node/{node.pk}/change/"


# Offsets from a pasted quote ------------------------------------------------------------


def pasted(source, quote, occurrence=None):
    anchor = Anchor(source=source, exact=quote)
    anchor.place_quote(occurrence)
    return anchor


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
        if len(anchor.source.find_quote(anchor.exact)) != 1:
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
        if "’" in sentence and len(source.find_quote(sentence)) == 1
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


# Moving and reordering nodes ------------------------------------------------------------


def test_moving_a_node_under_its_own_descendant_is_refused_and_nothing_is_saved(
    curator_client, seeded_map
):
    branch = Node.objects.get(key="analogy-fits")
    descendant = branch.children.first()
    data = form_data(curator_client.get(node_change_url(branch)))
    data["parent"] = descendant.pk
    response = curator_client.post(node_change_url(branch), data)
    assert response.status_code == 200
    assert "would make a cycle" in response.content.decode()
    branch.refresh_from_db()
    assert branch.parent.key == "thesis"
    assert not LogEntry.objects.exists()


def test_a_node_cannot_become_its_own_parent(seeded_map):
    node = Node.objects.get(key="analogy-fits")
    node.parent = node
    with pytest.raises(ValidationError) as raised:
        node.full_clean()
    assert "cycle" in raised.value.message_dict["parent"][0]


def test_a_moved_node_goes_last_among_its_new_siblings_and_the_move_is_logged(
    curator_client, seeded_map
):
    node = Node.objects.get(key="andreessen-sputnik-moment")
    new_parent = Node.objects.get(key="thesis").children.exclude(pk=node.parent_id).first()
    last = max(new_parent.children.values_list("position", flat=True))
    data = form_data(curator_client.get(node_change_url(node)))
    data["parent"] = new_parent.pk
    assert curator_client.post(node_change_url(node), data).status_code == 302
    node.refresh_from_db()
    assert (node.parent, node.position) == (new_parent, last + 1)
    entry = LogEntry.objects.get(object_id=str(node.pk))
    assert (entry.user.username, entry.action_flag) == ("curator", CHANGE)
    assert entry.get_change_message() == "Changed parent."


def test_siblings_are_reordered_through_the_parents_children_inline(curator_client, seeded_map):
    parent = Node.objects.get(key="analogy-fits")
    first, second = list(parent.children.order_by("position", "pk"))[:2]
    data = form_data(curator_client.get(node_change_url(parent)))
    for index in range(int(data["children-TOTAL_FORMS"])):
        if data[f"children-{index}-id"] == first.pk:
            data[f"children-{index}-position"] = second.position + 1
    assert curator_client.post(node_change_url(parent), data).status_code == 302
    assert list(parent.children.order_by("position", "pk"))[:2] == [second, first]


def test_the_node_list_shows_paths_from_the_thesis_without_a_query_per_row(
    curator_client, seeded_map, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        response = curator_client.get("/admin/debates/node/")
    page = response.content.decode()
    assert "thesis › analogy-fits" in page
    assert len(response.context["cl"].result_list) == Node.objects.count()


def test_the_node_list_searches_quotes_and_filters_by_source_and_speaker(
    curator_client, seeded_map
):
    found = curator_client.get("/admin/debates/node/", {"q": "group chat on fire"})
    assert [node.key for node in found.context["cl"].result_list] == ["r1-caused-shock"]
    commenters = curator_client.get("/admin/debates/node/", {"speaker": "a reader commenter"})
    assert all(
        "a reader commenter" in node.speakers() for node in commenters.context["cl"].result_list
    )
    by_source = curator_client.get("/admin/debates/node/", {"source": "not-sputnik-blog"})
    assert by_source.context["cl"].result_count > 0
    assert curator_client.get("/admin/debates/node/", {"kind": "evidence"}).status_code == 200


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
    assert source.text_matches_hash()


# Suggestions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_accepting_a_suggestion_adds_the_node_and_anchor_under_the_target(curator):
    suggestion = SuggestionFactory(proposed_text="Critics doubt the cost figure.")
    node = suggestion.accept(curator)
    assert (node.parent, node.relation, node.kind) == (
        suggestion.target,
        Node.Relation.OPPOSES,
        Node.Kind.EVIDENCE,
    )
    assert node.map == suggestion.target.map
    assert node.key == "critics-doubt-the-cost-figure"
    anchor = node.anchors.get()
    annotation = suggestion.annotation
    assert (anchor.source, anchor.start, anchor.end, anchor.exact) == (
        annotation.source,
        annotation.start,
        annotation.end,
        annotation.exact,
    )
    assert anchor.matches_source()
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.ACCEPTED
    assert (suggestion.reviewed_by, suggestion.created_node) == (curator, node)
    assert suggestion.reviewed_at is not None
    with pytest.raises(ValidationError):
        suggestion.accept(curator)
    assert Node.objects.filter(text="Critics doubt the cost figure.").count() == 1


@pytest.mark.django_db
def test_a_suggestion_whose_passage_no_longer_matches_adds_nothing(curator):
    suggestion = SuggestionFactory()
    Annotation.objects.filter(pk=suggestion.annotation_id).update(exact="something else")
    suggestion.refresh_from_db()
    nodes = Node.objects.count()
    with pytest.raises(ValidationError, match="no longer matches"):
        suggestion.accept(curator)
    assert Node.objects.count() == nodes
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING


@pytest.mark.django_db
def test_accepting_in_the_admin_credits_the_suggester_in_the_log(curator_client):
    suggestion = SuggestionFactory(annotation__author__username="alice")
    url = f"/admin/annotations/suggestion/{suggestion.pk}/change/"
    data = form_data(curator_client.get(url))
    data["decision"] = "accept"
    response = curator_client.post(url, data)
    assert response.status_code == 302
    suggestion.refresh_from_db()
    node = suggestion.created_node
    assert node.parent == suggestion.target
    added = LogEntry.objects.get(object_id=str(node.pk), action_flag=ADDITION)
    assert "by alice" in added.get_change_message()
    accepted = LogEntry.objects.get(object_id=str(suggestion.pk), action_flag=CHANGE)
    assert accepted.get_change_message().startswith("Accepted")


@pytest.mark.django_db
def test_rejecting_needs_a_reason_and_records_it_for_the_suggester(curator_client, curator):
    suggestion = SuggestionFactory()
    url = f"/admin/annotations/suggestion/{suggestion.pk}/change/"
    data = form_data(curator_client.get(url))
    data.update(decision="reject", reason="")
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reason"]
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING

    data["reason"] = "The map already has this point under the cost branch."
    assert curator_client.post(url, data).status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REJECTED
    assert suggestion.reason == "The map already has this point under the cost branch."
    assert suggestion.reviewed_by == curator
    assert suggestion.suggested_by.suggestions.get().reason == suggestion.reason
    entry = LogEntry.objects.get(object_id=str(suggestion.pk))
    assert entry.get_change_message() == f"Rejected: {suggestion.reason}"


@pytest.mark.django_db
def test_reject_without_a_reason_changes_nothing(curator):
    suggestion = SuggestionFactory()
    with pytest.raises(ValidationError):
        suggestion.reject(curator, "   ")
    assert Suggestion.objects.get().status == Suggestion.Status.PENDING


@pytest.mark.django_db
def test_the_accept_action_accepts_each_pending_suggestion(curator_client):
    pending, done = SuggestionFactory(), SuggestionFactory(status=Suggestion.Status.REJECTED)
    response = curator_client.post(
        "/admin/annotations/suggestion/",
        {"action": "accept_selected", "_selected_action": [pending.pk, done.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Accepted 1 suggestion(s)." in page
    assert "was not accepted: This suggestion was already rejected." in page
    pending.refresh_from_db()
    assert pending.created_node is not None


# Moderation -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_hide_and_unhide_annotations_and_see_their_flags(curator_client):
    annotation = PassageAnnotationFactory()
    for flagger in UserFactory.create_batch(2):
        annotation.flags.create(flagged_by=flagger, reason="rude")
    listing = curator_client.get("/admin/annotations/annotation/")
    assert listing.context["cl"].result_list[0].flag_count == 2
    hide = {"action": "hide", "_selected_action": [annotation.pk]}
    curator_client.post("/admin/annotations/annotation/", hide)
    annotation.refresh_from_db()
    assert annotation.is_hidden
    assert LogEntry.objects.get(object_id=str(annotation.pk)).get_change_message() == "Hidden"
    curator_client.post("/admin/annotations/annotation/", {**hide, "action": "unhide"})
    annotation.refresh_from_db()
    assert not annotation.is_hidden
    page = curator_client.get(f"/admin/annotations/annotation/{annotation.pk}/change/")
    assert page.content.decode().count("rude") >= 2


# Who reaches the admin -----------------------------------------------------------------


@pytest.mark.django_db
def test_curators_permissions_stop_at_the_map(curator_client, curator):
    assert curator_client.get("/admin/auth/user/").status_code == 403
    assert curator_client.get("/admin/auth/group/").status_code == 403
    assert curator_client.get(f"/admin/auth/user/{curator.pk}/change/").status_code == 403
    assert curator.has_perm("debates.change_node")
    assert curator.has_perm("debates.add_anchor")
    assert curator.has_perm("annotations.change_suggestion")
    assert not curator.has_perm("debates.delete_source")
    assert not curator.has_perm("auth.change_user")
    assert curator_client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_curator_can_change_a_node(curator_client):
    node = claim_under_a_thesis(text="Old words.")
    AnchorFactory(node=node)
    data = form_data(curator_client.get(node_change_url(node)))
    data["text"] = "New words."
    assert curator_client.post(node_change_url(node), data).status_code == 302
    node.refresh_from_db()
    assert node.text == "New words."


@pytest.mark.django_db
def test_a_plain_user_is_sent_to_the_admin_login(client):
    client.force_login(UserFactory())
    response = client.get("/admin/debates/node/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
