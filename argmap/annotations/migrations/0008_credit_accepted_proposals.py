from django.db import migrations


def credit_accepted_proposals(apps, schema_editor):
    """Nodes accepted from proposals before nodes recorded it: each credited as its proposer
    chose (their username only with credit_proposals on; User.credit())."""
    Proposal = apps.get_model("annotations", "Proposal")
    Node = apps.get_model("debates", "Node")
    accepted = Proposal.objects.filter(state="accepted", created_node__isnull=False)
    for proposal in accepted.select_related("proposer"):
        proposer = proposal.proposer
        credit = proposer.username if proposer.credit_proposals else "a reader"
        Node.objects.filter(pk=proposal.created_node_id).update(proposed_by=credit)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_render_body_html_with_markdown_it"),
        ("accounts", "0003_profile_settings_notifications"),
        ("debates", "0015_node_proposed_by"),
    ]

    operations = [migrations.RunPython(credit_accepted_proposals, migrations.RunPython.noop)]
