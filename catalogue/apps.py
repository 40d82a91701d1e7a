import gc

from django.apps import AppConfig

# Python looks for reference cycles after every 700 new container objects; a listing makes tens of thousands,
# none in a cycle that outlives it, and the collector's passes over them are a measurable part of the page's
# time (docs/benchmarks.md). Looking every 10,000 still finds every cycle, holding at most a megabyte or so
# more between collections.
YOUNG_COLLECTION_THRESHOLD = 10_000


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        from . import checks, signals  # noqa: F401  (registers the checks; connects upkeep to model changes)

        young, older, oldest = gc.get_threshold()
        gc.set_threshold(max(young, YOUNG_COLLECTION_THRESHOLD), older, oldest)
