"""An accepted proposal's node says who proposed it, in the map's public fixtures and its
argmap/2 export, only by the name the proposer chose (User.credit_proposals), and the
credit follows their choice, their name and their account afterwards."""

import json
from importlib import import_module
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from argmap.annotations.models import Proposal
from argmap.debates import mapdoc
from argmap.debates.models import ArgumentMap, Node, Source

from ..factories import UserFactory

SEED = "deepseek-r1-sputnik"
WORDS = "Sputnik"


@pytest.fixture
def curator_user(db):
    return UserFactory(username="curator", is_staff=True)


def accepted(seeded_map, curator_user, username, credit):
    reader = UserFactory(username=username, credit_proposals=credit)
    target = seeded_map.thesis.children.first()
    source = Source.objects.get(slug="not-sputnik-blog")
    proposal = Proposal(proposer=reader, map=seeded_map, target=target, relation="opposes")
    proposal.text = "The launch was not a surprise to those who watched."
    start = source.text.index(WORDS)
    proposal.select(source, start, start + len(WORDS))
    proposal.submit(10)
    return reader, proposal.accept(curator_user)


def exported_nodes(directory):
    return json.loads((directory / SEED / "nodes.json").read_text(encoding="utf-8"))


def test_a_credited_proposer_is_named_in_the_fixtures_and_they_round_trip(
    seeded_map, curator_user, tmp_path
):
    _, node = accepted(seeded_map, curator_user, "ada", credit=True)
    assert node.proposed_by == "ada"
    call_command("export_seed", directory=tmp_path, verbosity=0)
    entries = exported_nodes(tmp_path)
    credited = [e["fields"] for e in entries if "proposed_by" in e["fields"]]
    assert [(fields["key"], fields["proposed_by"]) for fields in credited] == [(node.key, "ada")]
    # The curators' nodes keep their lines: only the proposed node's entry is new.
    shipped = (mapdoc.FIXTURE_DIR / SEED / "nodes.json").read_text(encoding="utf-8")
    assert len(entries) == len(json.loads(shipped)) + 1

    # Loaded into an empty database (no users), the credit comes back and writes no byte.
    Proposal.objects.all().delete()
    ArgumentMap.objects.all().delete()
    Source.objects.all().delete()
    call_command("seed", directory=str(tmp_path), verbosity=0)
    assert Node.objects.get(map__slug=SEED, key=node.key).proposed_by == "ada"
    again = tmp_path / "again"
    call_command("export_seed", directory=again, verbosity=0)
    for path in mapdoc.fixture_paths(tmp_path):
        assert (again / path.relative_to(tmp_path)).read_bytes() == path.read_bytes()


def test_a_proposer_who_did_not_choose_credit_is_a_reader_and_their_name_stays_out(
    seeded_map, curator_user, tmp_path
):
    _, node = accepted(seeded_map, curator_user, "quietperson", credit=False)
    assert node.proposed_by == "a reader"
    call_command("export_seed", directory=tmp_path, verbosity=0)
    for path in mapdoc.fixture_paths(tmp_path):
        assert "quietperson" not in path.read_text(encoding="utf-8")
    (fields,) = [e["fields"] for e in exported_nodes(tmp_path) if e["fields"]["key"] == node.key]
    assert fields["proposed_by"] == "a reader"


def test_the_credit_follows_the_proposers_choice_name_and_account(seeded_map, curator_user, client):
    reader, node = accepted(seeded_map, curator_user, "ada", credit=True)

    def credit():
        shown = client.get(node.get_absolute_url()).content.decode()
        stored = Node.objects.get(pk=node.pk).proposed_by
        assert f"Proposed by {stored}; the curators accepted it" in shown
        return stored

    assert credit() == "ada"

    reader.credit_proposals = False
    reader.save()
    assert credit() == "a reader"
    reader.credit_proposals = True
    reader.save(update_fields=["credit_proposals"])
    assert credit() == "ada"
    reader.username = "ada_l"
    reader.save()
    assert credit() == "ada_l"
    reader.delete()
    assert credit() == "a reader"


def test_the_argmap2_export_carries_the_credit_and_an_import_keeps_it(seeded_map, curator_user):
    _, node = accepted(seeded_map, curator_user, "ada", credit=True)
    out = StringIO()
    call_command("export_map", SEED, stdout=out)
    document = json.loads(out.getvalue())
    credited = {n["id"]: n["proposed_by"] for n in document["nodes"] if "proposed_by" in n}
    assert credited == {node.key: "ada"}
    copy, _ = mapdoc.import_text(out.getvalue(), slug="copy")
    assert copy.nodes.get(key=node.key).proposed_by == "ada"
    assert copy.nodes.exclude(proposed_by="").count() == 1


def test_nodes_accepted_before_credit_are_credited_by_the_migration(seeded_map, curator_user):
    _, named = accepted(seeded_map, curator_user, "ada", credit=True)
    _, unnamed = accepted(seeded_map, curator_user, "bo", credit=False)
    Node.objects.filter(pk__in=[named.pk, unnamed.pk]).update(proposed_by="")
    migration = import_module("argmap.annotations.migrations.0008_credit_accepted_proposals")
    migration.credit_accepted_proposals(apps, None)
    assert Node.objects.get(pk=named.pk).proposed_by == "ada"
    assert Node.objects.get(pk=unnamed.pk).proposed_by == "a reader"
