"""Curators add sources (the documents of a new debate, uploaded or pasted in the admin)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def curators_add_sources(apps, schema_editor):
    app_config = apps.get_app_config("debates")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Curators").first()
    if group is not None:
        Permission = apps.get_model("auth", "Permission")
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="debates", codename__in=["add_source"]
            )
        )


class Migration(migrations.Migration):
    dependencies = [("debates", "0010_map_revision_state")]
    operations = [migrations.RunPython(curators_add_sources, migrations.RunPython.noop)]
