from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("debates", "0011_curators_add_sources"),
    ]

    operations = [
        migrations.AddField(
            model_name="argumentmap",
            name="definition",
            field=models.TextField(
                blank=True,
                help_text="The sense(s) in which the map reads its question, so every node "
                "bears on a stated sense (shown on the map page, exported as map.definition).",
                verbose_name="the question defined",
            ),
        ),
        migrations.AddField(
            model_name="node",
            name="is_implicit",
            field=models.BooleanField(
                default=False,
                help_text="A premise an argument needs but its author leaves unstated, written "
                "by the curators (no anchor) so that an attack on it lands where it belongs.",
                verbose_name="implicit premise",
            ),
        ),
        migrations.AddField(
            model_name="node",
            name="scheme",
            field=models.CharField(
                blank=True,
                choices=[
                    ("analogy", "argument from analogy"),
                    ("expert-opinion", "argument from expert opinion"),
                    ("witness-testimony", "argument from witness testimony"),
                    ("position-to-know", "argument from position to know"),
                    ("popular-opinion", "argument from popular opinion"),
                    ("example", "argument from example"),
                    ("sign", "argument from sign"),
                    ("cause-to-effect", "argument from cause to effect"),
                    ("correlation-to-cause", "argument from correlation to cause"),
                    ("evidence-to-hypothesis", "argument from evidence to a hypothesis"),
                    ("practical-reasoning", "practical reasoning"),
                    ("positive-consequences", "argument from positive consequences"),
                    ("negative-consequences", "argument from negative consequences"),
                    ("precedent", "argument from precedent"),
                    ("ad-hominem", "ad hominem (argument against the person)"),
                    ("tu-quoque", "tu quoque (circumstantial ad hominem)"),
                    ("inconsistent-commitment", "argument from inconsistent commitment"),
                    ("bias", "argument from bias"),
                    ("verbal-classification", "argument from verbal classification"),
                ],
                help_text="The kind of inference from this node to its parent (Walton's schemes).",
                max_length=30,
                verbose_name="argument scheme",
            ),
        ),
    ]
