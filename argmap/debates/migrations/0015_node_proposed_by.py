from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("debates", "0014_map_origin_generated"),
    ]

    operations = [
        migrations.AddField(
            model_name="node",
            name="proposed_by",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text="Whose proposal this node was: the reader's username where they chose "
                "to be credited, “a reader” where not; empty for the curators' own nodes.",
                max_length=150,
                verbose_name="proposed by",
            ),
        ),
    ]
