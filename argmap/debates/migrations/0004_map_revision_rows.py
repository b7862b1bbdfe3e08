"""Every map has its token row (argmap/debates/fragments.py): reading a token never writes.

New maps get theirs when they are saved; this gives one to every map that exists already.
"""

from django.db import migrations


def create_rows(apps, schema_editor):
    ArgumentMap = apps.get_model("debates", "ArgumentMap")
    MapRevision = apps.get_model("debates", "MapRevision")
    have = set(MapRevision.objects.values_list("map_id", flat=True))
    MapRevision.objects.bulk_create(
        [
            MapRevision(map_id=pk)
            for pk in ArgumentMap.objects.values_list("pk", flat=True)
            if pk not in have
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("debates", "0003_curators_group")]
    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
