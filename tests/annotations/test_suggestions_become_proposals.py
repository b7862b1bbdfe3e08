"""The data migration: every passage suggestion becomes a proposal, with its state."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotations", "0005_proposals")]
AFTER = [("annotations", "0006_suggestions_become_proposals")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_every_suggestion_becomes_a_proposal_with_its_state():
    apps = migrate(BEFORE)
    try:
        # Users, maps, nodes and sources as they are now (the migration's state predates
        # later columns of their apps); the suggestions as they were, by id.
        from tests.factories import MapFactory, SourceFactory, ThesisFactory, UserFactory

        Annotation = apps.get_model("annotations", "Annotation")
        Suggestion = apps.get_model("annotations", "Suggestion")
        alice, curator = UserFactory(username="alice"), UserFactory(username="curator")
        thesis = ThesisFactory(map=MapFactory())
        argmap = thesis.map
        source = SourceFactory(text="One two three.")
        made = []
        for number, (status, reason) in enumerate(
            [("pending", ""), ("accepted", ""), ("rejected", "Already there.")]
        ):
            annotation = Annotation.objects.create(
                author_id=alice.pk, source_id=source.pk, start=0, end=3, exact="One",
                suffix=" two three.", body="b", body_html="<p>b</p>",
            )  # fmt: skip
            made.append(
                Suggestion.objects.create(
                    annotation=annotation,
                    suggested_by_id=alice.pk,
                    target_id=thesis.pk,
                    relation="opposes",
                    kind="claim",
                    proposed_text=f"Point {number}.",
                    status=status,
                    reason=reason,
                    reviewed_by_id=curator.pk if status != "pending" else None,
                )  # fmt: skip
            )
        apps = migrate(AFTER)
        Proposal = apps.get_model("annotations", "Proposal")
        rows = list(Proposal.objects.order_by("pk"))
        assert [(p.text, p.state, p.reason) for p in rows] == [
            ("Point 0.", "pending", ""),
            ("Point 1.", "accepted", ""),
            ("Point 2.", "rejected", "Already there."),
        ]
        for proposal, suggestion in zip(rows, made, strict=True):
            assert (proposal.proposer_id, proposal.map_id, proposal.target_id) == (
                alice.pk,
                argmap.pk,
                thesis.pk,
            )
            assert (proposal.source_id, proposal.start, proposal.end, proposal.exact) == (
                source.pk,
                0,
                3,
                "One",
            )
            assert proposal.annotation_id == suggestion.annotation_id
            assert proposal.created == suggestion.created
        assert rows[2].decided_by_id == curator.pk
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
