from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0001_cache_table")]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                ("name", models.CharField(max_length=255, primary_key=True, serialize=False)),
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
    ]
