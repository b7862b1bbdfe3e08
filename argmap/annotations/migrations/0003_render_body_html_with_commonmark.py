from django.db import migrations

from argmap.lib.markdown import render_markdown


def render_bodies(apps, schema_editor):
    """Every stored body rendered again by the CommonMark renderer that writes new ones."""
    Annotation = apps.get_model("annotations", "Annotation")
    batch = []
    for annotation in Annotation.objects.only("pk", "body", "body_html").iterator(chunk_size=500):
        annotation.body_html = render_markdown(annotation.body)
        batch.append(annotation)
        if len(batch) == 500:
            Annotation.objects.bulk_update(batch, ["body_html"])
            batch = []
    Annotation.objects.bulk_update(batch, ["body_html"])


class Migration(migrations.Migration):
    dependencies = [("annotations", "0002_suggestion_relation_undercuts")]

    operations = [migrations.RunPython(render_bodies, migrations.RunPython.noop, elidable=True)]
