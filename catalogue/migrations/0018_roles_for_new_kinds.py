"""The roles over what this version adds: Archivists and Editors curate document types, topics and
organisations as they do people and places. (The site's own pages are an Editor's through the right to
publish: see `admin.PageAdmin`.)"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CURATED = ("documenttype", "topic", "organisation")
ARCHIVIST = [f"{action}_{model}" for model in CURATED for action in ("add", "change", "view")]
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
    dependencies = [("catalogue", "0017_the_site_s_own_pages")]

    operations = [migrations.RunPython(grant, revoke)]
