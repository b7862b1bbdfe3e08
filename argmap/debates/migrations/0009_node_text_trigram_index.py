"""pg_trgm and a GiST trigram index on node text, for similar claims (search.similar): the
index answers ORDER BY text <-> %s LIMIT n at any size of map. PostgreSQL only; pg_trgm is
a trusted extension, so the database's owner may create it without being a superuser."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS debates_node_text_trgm ON debates_node "
    "USING gist (text gist_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS debates_node_text_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in CREATE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("debates", "0008_node_map_relation_index")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
