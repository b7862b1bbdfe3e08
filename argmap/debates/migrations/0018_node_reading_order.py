"""Each node's path in its map's reading order (order.py keeps it after), with an index by
map, so an export reads a map in the index's order instead of sorting it first."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from argmap.debates import order

    ArgumentMap = apps.get_model("debates", "ArgumentMap")
    for map_id in ArgumentMap.objects.order_by("pk").values_list("pk", flat=True):
        order.rewrite(map_id)


class Migration(migrations.Migration):
    dependencies = [
        ("debates", "0017_stored_search_vectors"),
    ]

    operations = [
        migrations.AddField(
            model_name="node",
            name="reading_order",
            field=models.BinaryField(default=b"", serialize=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="node",
            index=models.Index(fields=["map", "reading_order"], name="node_map_reading_order_idx"),
        ),
    ]
