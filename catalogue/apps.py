from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers the checks; connects upkeep to model changes)
