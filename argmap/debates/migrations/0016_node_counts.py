import django.db.models.deletion
from django.db import migrations, models


def count_nodes(apps, schema_editor):
    """Each existing map's nodes, counted once by relation (counts.py keeps them after)."""
    Node = apps.get_model("debates", "Node")
    NodeCount = apps.get_model("debates", "NodeCount")
    rows = (
        Node.objects.order_by().values_list("map_id", "relation").annotate(number=models.Count("*"))
    )
    NodeCount.objects.bulk_create(
        NodeCount(map_id=map_id, relation=relation, number=number)
        for map_id, relation, number in rows
    )


class Migration(migrations.Migration):
    dependencies = [
        ("debates", "0015_node_proposed_by"),
    ]

    operations = [
        migrations.CreateModel(
            name="NodeCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("relation", models.CharField(blank=True, max_length=10)),
                ("number", models.IntegerField(default=0)),
                (
                    "map",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="debates.argumentmap",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("map", "relation"), name="node_count_unique_relation"
                    )
                ],
            },
        ),
        migrations.RunPython(count_nodes, migrations.RunPython.noop),
    ]
