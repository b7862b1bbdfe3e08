from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# GIN indexes over the exact expressions search.py queried, so PostgreSQL could use them
# (0017 replaces them by stored vectors with their own indexes).
# SQLite has no full-text indexes of this kind; search falls back to a scan there.


def search_vector(field):
    return SearchVector(field, config="english")


INDEXES = [
    ("node", "text", "debates_node_text_fts"),
    ("anchor", "exact", "debates_anchor_exact_fts"),
    ("source", "text", "debates_source_text_fts"),
]


def add_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field, name in INDEXES:
        model = apps.get_model("debates", model_name)
        schema_editor.add_index(model, GinIndex(search_vector(field), name=name))


def remove_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model_name, field, name in INDEXES:
        model = apps.get_model("debates", model_name)
        schema_editor.remove_index(model, GinIndex(search_vector(field), name=name))


class Migration(migrations.Migration):
    dependencies = [("debates", "0001_initial")]
    operations = [migrations.RunPython(add_indexes, remove_indexes)]
