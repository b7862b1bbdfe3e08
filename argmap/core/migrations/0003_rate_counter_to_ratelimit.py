"""RateCounter now lives in argmap.ratelimit (its migration 0001): core forgets the model
and keeps the table, argmap_rate_counter, with every counter in it."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_rate_counter"),
        ("ratelimit", "0001_rate_counter_from_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="RateCounter")],
            database_operations=[],
        ),
    ]
