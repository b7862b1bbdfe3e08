"""Readers propose arguments on a node: the form, the passage check, the quota, the rate
limit, the reader's list, and the similar claims shown as they type."""

import pytest
from django.urls import reverse

from argmap.annotations.models import Proposal
from argmap.debates.models import Node

from ..conftest import HX, needs_postgresql
from ..factories import SourceFactory, UserFactory


def propose_url(node):
    return reverse("propose", args=[node.map.slug, node.key])


def propose(client, node, **fields):
    data = {"relation": "opposes", "text": "The chips were not cheap at all."}
    data.update(fields)
    return client.post(propose_url(node), data)


def passage(source, quote):
    start = source.text.index(quote)
    end = start + len(quote)
    return {
        "source": source.slug,
        "start": start,
        "end": end,
        "exact": quote,
        "prefix": source.text[max(0, start - 32) : start],
        "suffix": source.text[end : end + 32],
    }


def test_the_form_needs_a_log_in_and_works_without_javascript(client, as_alice, node):
    assert client.get(propose_url(node)).status_code == 302
    html = as_alice.get(propose_url(node)).content.decode()
    assert f'action="{propose_url(node)}"' in html and 'method="post"' in html
    for relation in ("supports", "opposes", "undercuts", "same_point", "contradicts"):
        assert f'value="{relation}"' in html
    # the thesis has no link to a parent to undercut
    thesis_form = as_alice.get(propose_url(node.parent)).content.decode()
    assert 'value="undercuts"' not in thesis_form


def test_a_proposal_is_pending_and_listed_with_its_state(as_alice, alice, node):
    response = propose(as_alice, node)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#proposal-{proposal.pk}")
    assert (proposal.state, proposal.proposer, proposal.target, proposal.map) == (
        "pending",
        alice,
        node,
        node.map,
    )
    html = as_alice.get(reverse("proposals")).content.decode()
    assert "The chips were not cheap at all." in html and "Pending" in html


def test_the_list_is_the_readers_own(as_alice, as_bob, node):
    propose(as_alice, node)
    assert "The chips were not cheap" not in as_bob.get(reverse("proposals")).content.decode()


def test_a_grounding_passage_is_kept_verbatim_with_its_offsets(as_alice, node):
    source = SourceFactory()
    quote = "Critics said the cost figure leaves out research"
    assert propose(as_alice, node, **passage(source, quote)).status_code == 302
    proposal = Proposal.objects.get()
    assert source.text[proposal.start : proposal.end] == proposal.exact == quote
    assert proposal.matches_source()


@pytest.mark.parametrize(
    "change",
    [
        {"exact": "Critics said the cost figure leaves out RESEARCH"},
        {"start": 3},
        {"end": 100_000},
        {"prefix": "not what comes before"},
        {"source": "no-such-source"},
    ],
)
def test_a_passage_that_is_not_verbatim_is_refused_with_the_reason(as_alice, node, change):
    source = SourceFactory()
    data = {**passage(source, "Critics said the cost figure leaves out research"), **change}
    response = propose(as_alice, node, **data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_link_names_another_node_of_the_map(as_alice, node, thesis):
    from ..factories import NodeFactory

    far = NodeFactory(map=node.map, parent=thesis, text="Elsewhere in the map.")
    response = propose(as_alice, node, relation="same_point", other="")
    assert response.status_code == 400 and "Give the other node" in response.content.decode()
    response = propose(as_alice, node, relation="contradicts", other="no-such-key")
    assert "This map has no node" in response.content.decode()
    assert (
        propose(as_alice, node, relation="same_point", other=far.get_absolute_url()).status_code
        == 302
    )
    assert Proposal.objects.get().other == far


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_text_is_required_and_bounded(as_alice, node, text):
    assert propose(as_alice, node, text=text).status_code == 400
    assert not Proposal.objects.exists()


def test_at_most_the_limit_pending_per_reader_and_map(settings, as_alice, as_bob, node):
    settings.PROPOSAL_LIMIT = 3
    for number in range(3):
        assert propose(as_alice, node, text=f"Argument number {number}.").status_code == 302
    refused = propose(as_alice, node, text="One too many.")
    assert refused.status_code == 400
    assert "3 proposals waiting" in refused.content.decode()
    assert propose(as_bob, node).status_code == 302  # another reader's quota is their own
    # a decided proposal no longer counts
    Proposal.objects.filter(proposer__username="alice").first().reject(
        UserFactory(username="curator"), "Not an argument."
    )
    assert propose(as_alice, node, text="Room again.").status_code == 302


def test_proposing_is_rate_limited(settings, as_alice, node):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "propose": (2, 60)}
    assert propose(as_alice, node, text="First.").status_code == 302
    assert propose(as_alice, node, text="Second.").status_code == 302
    response = propose(as_alice, node, text="Third.", headers=HX)
    assert response.status_code == 429
    assert Proposal.objects.count() == 2


def test_similar_claims_answer_as_one_types(client, node):
    url = reverse("similar-claims", args=[node.map.slug, node.key])
    html = client.get(
        url, {"text": "the model was made with cheap chips"}, headers=HX
    ).content.decode()
    assert html.strip().startswith('<section id="similar-claims"')
    assert node.get_absolute_url() in html
    assert node.get_absolute_url() not in client.get(url, {"text": "x"}).content.decode()


def test_the_form_lists_similar_claims_again_on_a_refused_submit(as_alice, node):
    response = propose(as_alice, node, relation="nonsense", text="Cheap chips made that model")
    assert response.status_code == 400
    assert node.get_absolute_url() in response.content.decode().split('id="similar-claims"')[1]


def test_an_unknown_node_is_404(as_alice, node):
    assert as_alice.get(reverse("propose", args=[node.map.slug, "nope"])).status_code == 404


# Paraphrases of seed-map claims, each with the node it repeats: the right node is among the
# first five for at least 8 of 10 (issue 24's target).
PARAPHRASES = [
    (
        "DeepSeek trained R1 with older Nvidia chips that export rules still let China buy",
        "trained-on-older-allowed-chips",
    ),
    (
        "Other AI labs will copy DeepSeek's efficiency gains in their own models",
        "others-will-adopt-efficiencies",
    ),
    ("The Chinese government secretly gave DeepSeek lots of banned chips", "hidden-banned-chips"),
    ("R1 is a good and impressive model", "r1-widely-seen-as-impressive"),
    (
        "Rather than restricting a rival's breakthrough we should learn from it",
        "learn-dont-restrict",
    ),
    ("Cheaper and better models will democratize access", "democratized-access"),
    ("America needs a response to R1", "wake-up-call-response"),
    (
        "US AI firms never optimized training since they focus on cheap fast inference",
        "us-focus-on-inference",
    ),
    (
        "If old GPUs are enough for frontier models the definition of controlled hardware "
        "must change",
        "redefine-controlled-hardware",
    ),
    (
        "DeepSeek used o1 outputs for training, against OpenAI's terms of use",
        "o1-outputs-speculation",
    ),
]


def test_paraphrases_find_the_claim_they_repeat(seeded_map):
    from argmap.debates.search import similar

    found = 0
    for text, key in PARAPHRASES:
        keys = [node.key for node in similar(seeded_map.nodes.all(), text)]
        found += key in keys[:5]
    assert found >= 8
    assert Node.objects.filter(map=seeded_map, key__in=[k for _, k in PARAPHRASES]).count() == 10


def test_a_claim_page_offers_to_propose(client, node):
    assert propose_url(node) in client.get(node.get_absolute_url()).content.decode()


def test_words_from_the_reader_lead_to_the_nodes_most_like_them(as_alice, node):
    source = SourceFactory()
    quote = "Critics said the cost figure leaves out research"
    url = reverse("passage-propose", args=[source.slug])
    html = as_alice.get(url, passage(source, quote)).content.decode()
    assert quote in html
    assert as_alice.get(url, {**passage(source, quote), "exact": "not there"}).status_code == 400


def test_line_breaks_posted_as_crlf_still_match_the_source(as_alice, node):
    source = SourceFactory(text="First line of it.\nSecond line of it.")
    data = passage(source, "of it.\nSecond")
    data = {name: value.replace("\n", "\r\n") if isinstance(value, str) else value
            for name, value in data.items()}  # fmt: skip
    assert propose(as_alice, node, **data).status_code == 302
    assert Proposal.objects.get().exact == "of it.\nSecond"


def test_a_hostile_long_text_is_compared_as_one_long_sentence(seeded_map, monkeypatch):
    from rapidfuzz import process

    from argmap.debates import search

    compared = []
    extract = process.extract

    def watched(query, *args, **kwargs):
        compared.append(query)
        return extract(query, *args, **kwargs)

    monkeypatch.setattr(process, "extract", watched)
    text, key = PARAPHRASES[0]
    hostile = f"{text} " + "padding\u200b words\x00 " * 20_000  # 400 KB, with invisibles
    keys = [node.key for node in search.similar(seeded_map.nodes.all(), hostile)]
    assert key in keys
    assert len(compared[0]) <= search.SIMILAR_TEXT_CHARS
    assert compared[0].startswith(text[:50])
    assert "\x00" not in compared[0] and "\u200b" not in compared[0]


@needs_postgresql
def test_on_postgresql_similar_claims_come_by_word_runs_then_by_trigrams(seeded_map):
    from argmap.debates import search

    nodes = seeded_map.nodes.all()
    node = nodes.get(key=PARAPHRASES[0][1])
    # Most of a claim's own words, a few dropped: its runs of words find it in the index.
    words = " ".join(node.text.split()[1:-1])
    assert node.pk in search._by_word_runs(nodes, words)
    assert [n.key for n in search.similar(nodes, words)][0] == node.key
    # Misspelt throughout: no run of its words is any node's; trigrams still find it.
    typed = "R1 was traned on oldr, les capabel Nvidia chps of a knd US exprt controls alowed"
    assert search._by_word_runs(nodes, typed) == {}
    assert [n.key for n in search.similar(nodes, typed)][0] == node.key


@needs_postgresql
def test_on_postgresql_words_put_in_between_are_found_by_shorter_runs(seeded_map):
    from argmap.debates import search

    nodes = seeded_map.nodes.all()
    node = nodes.get(key=PARAPHRASES[0][1])
    words = node.text.rstrip(".").split()
    # A word of the reader's own after every third of the claim's: no run of 4 survives.
    own = iter(["frankly", "notably", "reportedly", "arguably", "clearly", "apparently", "sadly"])
    spliced = " ".join(w + (f" {next(own)}" if i % 3 == 2 else "") for i, w in enumerate(words))
    assert node.pk not in search._by_word_runs(nodes, spliced)
    assert node.pk in search._by_word_runs(nodes, spliced, search.SIMILAR_SHORT_RUN)
    assert [n.key for n in search.similar(nodes, spliced)][0] == node.key


@needs_postgresql
def test_on_postgresql_a_slow_trigram_lookup_is_stopped_and_the_bound_put_back(seeded_map):
    from django.db import connection
    from django.db.models.expressions import RawSQL

    from argmap.debates import search

    def statement_timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = statement_timeout()
    nodes = seeded_map.nodes.all()
    # The map read through a sleep longer than the bound: the server stops the lookup.
    slow = nodes.filter(pk__in=RawSQL("SELECT id FROM debates_node, pg_sleep(0.5)", []))
    assert search._by_trigrams(slow, "chips export controls", bound_ms=50) == {}
    assert statement_timeout() == before
    assert len(search._by_trigrams(nodes, "chips export controls")) == search.SIMILAR_CANDIDATES
    assert statement_timeout() == before
    assert nodes.count() > 0  # the connection and its transaction still answer
