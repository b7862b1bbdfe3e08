"""Every passage suggestion becomes a proposal, with its state, reason and reviewer; the
suggestion model then goes (proposals are the one way a reader proposes an argument), and
the Curators group decides proposals as it reviewed suggestions."""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

STATES = {"pending": "pending", "accepted": "accepted", "rejected": "rejected"}


def suggestions_to_proposals(apps, schema_editor):
    Suggestion = apps.get_model("annotations", "Suggestion")
    Proposal = apps.get_model("annotations", "Proposal")
    rows = Suggestion.objects.select_related("annotation", "target", "created_node")
    for suggestion in rows.order_by("pk").iterator():
        annotation = suggestion.annotation
        near = suggestion.target or suggestion.created_node
        proposal = Proposal.objects.create(
            proposer_id=suggestion.suggested_by_id,
            map_id=near.map_id if near else None,
            target=suggestion.target,
            target_text=suggestion.target.text if suggestion.target else "",
            relation=suggestion.relation,
            text=suggestion.proposed_text,
            kind=suggestion.kind,
            source_id=annotation.source_id,
            start=annotation.start,
            end=annotation.end,
            exact=annotation.exact,
            prefix=annotation.prefix,
            suffix=annotation.suffix,
            annotation=annotation,
            state=STATES[suggestion.status],
            reason=suggestion.reason,
            decided_by_id=suggestion.reviewed_by_id,
            decided_at=suggestion.reviewed_at,
            created_node=suggestion.created_node,
        )
        # created is auto_now_add: the suggestion's own date is written after.
        Proposal.objects.filter(pk=proposal.pk).update(created=suggestion.created)


def proposals_to_suggestions(apps, schema_editor):
    Suggestion = apps.get_model("annotations", "Suggestion")
    Proposal = apps.get_model("annotations", "Proposal")
    back = {"pending": "pending", "accepted": "accepted", "merged": "accepted"}
    for proposal in Proposal.objects.filter(annotation__isnull=False).order_by("pk"):
        if proposal.relation not in ("supports", "opposes", "undercuts"):
            continue
        suggestion = Suggestion.objects.create(
            annotation_id=proposal.annotation_id,
            suggested_by_id=proposal.proposer_id,
            target_id=proposal.target_id,
            relation=proposal.relation,
            kind=proposal.kind or "evidence",
            proposed_text=proposal.text,
            status=back.get(proposal.state, "rejected"),
            reason=proposal.reason,
            reviewed_by_id=proposal.decided_by_id,
            reviewed_at=proposal.decided_at,
            created_node_id=proposal.created_node_id,
        )
        Suggestion.objects.filter(pk=suggestion.pk).update(created=proposal.created)
        proposal.delete()


def curators_decide_proposals(apps, schema_editor):
    app_config = apps.get_app_config("annotations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Curators").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="annotations",
                codename__in=["change_proposal", "view_proposal"],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0005_proposals"),
        ("debates", "0003_curators_group"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterField(
            model_name="proposal",
            name="annotation",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="proposal",
                to="annotations.annotation",
            ),
        ),
        migrations.RunPython(suggestions_to_proposals, proposals_to_suggestions),
        migrations.DeleteModel(name="Suggestion"),
        migrations.RunPython(curators_decide_proposals, migrations.RunPython.noop),
    ]
