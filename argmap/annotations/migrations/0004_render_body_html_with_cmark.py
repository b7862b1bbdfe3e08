from importlib import import_module

from django.db import migrations

# The same pass as 0003, now run by cmark: ordinary Markdown renders as before, but a block
# that starts with a tag, nesting past the cap and links to a script scheme look different.
render_bodies = import_module(
    "argmap.annotations.migrations.0003_render_body_html_with_commonmark"
).render_bodies


class Migration(migrations.Migration):
    dependencies = [("annotations", "0003_render_body_html_with_commonmark")]

    operations = [migrations.RunPython(render_bodies, migrations.RunPython.noop, elidable=True)]
