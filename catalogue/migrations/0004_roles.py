"""The two curation roles, as groups with exactly the permissions they need.

Archivist: create and edit documents and everything they are tagged with, submit for
review, import files (always as drafts), merge duplicate people; never publish.
Editor: everything an Archivist does, plus publish and unpublish.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = ("document", "person", "event", "place", "collection", "language", "repository")
ARCHIVIST = [f"{action}_{model}" for model in CURATED for action in ("add", "change", "view")] + [
    "import_documents",
    "merge_person",
    "view_personmerge",
]
EDITOR = ARCHIVIST + ["publish_document"]
ROLES = {"Archivist": ARCHIVIST, "Editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="catalogue", codename__in=codenames)
        assert permissions.count() == len(codenames), f"missing permissions for {name}"
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0003_history_and_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
