"""The "Curators" group: edit the map, review suggestions, moderate annotations.

It holds model permissions on the map's models only, and none on users or groups,
so a curator can never administer accounts. A curator is a staff user in this group.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Curators"
PERMISSIONS = {
    ("debates", "node"): ["add", "change", "delete", "view"],
    ("debates", "anchor"): ["add", "change", "delete", "view"],
    ("debates", "section"): ["add", "change", "delete", "view"],
    ("debates", "argumentmap"): ["add", "change", "delete", "view"],
    ("debates", "source"): ["change", "view"],
    ("annotations", "suggestion"): ["change", "view"],
    ("annotations", "annotation"): ["change", "view"],
    ("annotations", "flag"): ["change", "view"],
}


def create_curators_group(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    for app_label in ("debates", "annotations"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    # filter, not get: a model a later migration deleted (annotations' Suggestion, replaced by
    # Proposal in annotations.0006) has no permission left when tests recreate the group.
    wanted = [
        permission
        for (app_label, model), actions in PERMISSIONS.items()
        for action in actions
        for permission in Permission.objects.filter(
            content_type__app_label=app_label,
            content_type__model=model,
            codename=f"{action}_{model}",
        )
    ]
    group.permissions.set(wanted)


def remove_curators_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("debates", "0002_search_indexes"),
        ("annotations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_curators_group, remove_curators_group)]
