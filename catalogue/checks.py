"""System checks for the catalogue's own settings (run by `manage.py check`, `--deploy` for production)."""

import re

from django.conf import settings
from django.core import checks

# The oai-identifier scheme's repositoryIdentifier: a domain name with at least one dot.
OAI_NAMESPACE = re.compile(r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+")
EXAMPLE_OAI_NAMESPACE = "catalogue.example.org"


@checks.register()
def oai_namespace(app_configs, **kwargs):
    namespace = settings.CATALOGUE_OAI_NAMESPACE
    if not OAI_NAMESPACE.fullmatch(namespace):
        return [
            checks.Error(
                f"CATALOGUE_OAI_NAMESPACE {namespace!r} is not a domain name such as archive.example.edu.",
                hint="OAI identifiers are oai:NAMESPACE:slug, and the namespace must be a domain name.",
                id="catalogue.E001",
            )
        ]
    return []


@checks.register(deploy=True)
def oai_namespace_is_set(app_configs, **kwargs):
    if settings.CATALOGUE_OAI_NAMESPACE == EXAMPLE_OAI_NAMESPACE:
        return [
            checks.Warning(
                "CATALOGUE_OAI_NAMESPACE is still the example domain.",
                hint="Set it to the site's domain before the first harvest: identifiers must never change.",
                id="catalogue.W001",
            )
        ]
    return []
