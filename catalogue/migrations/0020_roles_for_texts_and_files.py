"""The roles over documents' texts and files: Archivists and Editors add, change and remove them. What is
public still changes only through an Editor: the texts and files of a published document are changed
through its form, which is an Editor's (see `admin.ReadingInline`)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = ("documenttext", "documentfile")
ARCHIVIST = [f"{action}_{model}" for model in CURATED for action in ("add", "change", "delete", "view")]
EDITOR = ARCHIVIST
ROLES = {"Archivist": ARCHIVIST, "Editor": EDITOR}


def grant(apps, schema_editor):
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
        group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(*Permission.objects.filter(codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0019_documents_texts_and_files")]

    operations = [migrations.RunPython(grant, revoke)]
