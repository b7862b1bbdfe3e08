from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The rate limits live in a database cache shared by every app server.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
