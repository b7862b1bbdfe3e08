"""RateCounter moves here from argmap.core: the model's state only. Its table,
argmap_rate_counter, and every counter in it stay as they are (core.0003 forgets the model
without dropping the table); the content type follows, so its permissions keep their rows."""

from django.db import migrations, models


def move_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="ratelimit", model="ratecounter").exists():
        content_type.objects.filter(app_label="core", model="ratecounter").update(
            app_label="ratelimit"
        )


def restore_content_type(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="core", model="ratecounter").exists():
        content_type.objects.filter(app_label="ratelimit", model="ratecounter").update(
            app_label="core"
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0002_rate_counter"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RateCounter",
                    fields=[
                        (
                            "name",
                            models.CharField(max_length=255, primary_key=True, serialize=False),
                        ),
                        ("count", models.IntegerField()),
                        (
                            "expires",
                            models.FloatField(
                                help_text="When the window ends, in seconds since the epoch."
                            ),
                        ),
                    ],
                    options={"db_table": "argmap_rate_counter"},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type, elidable=True),
    ]
