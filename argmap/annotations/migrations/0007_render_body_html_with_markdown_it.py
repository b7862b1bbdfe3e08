from importlib import import_module

from django.db import migrations

# The same pass as 0003, now run by markdown-it-py through its public interface: ordinary
# Markdown renders as before; a block that starts with a tag keeps its inline markup, and a
# link to a script scheme shows as the text typed.
render_bodies = import_module(
    "argmap.annotations.migrations.0003_render_body_html_with_commonmark"
).render_bodies


class Migration(migrations.Migration):
    dependencies = [("annotations", "0006_suggestions_become_proposals")]

    operations = [migrations.RunPython(render_bodies, migrations.RunPython.noop, elidable=True)]
