"""Django's `loaddata`, with the catalogue's upkeep done once for the whole load instead of row by row."""

from django.core.management.commands import loaddata
from django.db.models.signals import post_save

from catalogue import upkeep
from catalogue.models import Document, record_history


class Command(loaddata.Command):
    def loaddata(self, fixture_labels):
        if upkeep.loading():
            return super().loaddata(fixture_labels)  # a restore, which does its own upkeep after
        loaded = []

        def collect(sender, instance, raw, **kwargs):
            loaded.append(instance)

        post_save.connect(collect, weak=False, dispatch_uid="catalogue-loaddata")
        try:
            with upkeep.bulk_loading():
                super().loaddata(fixture_labels)
        finally:
            post_save.disconnect(dispatch_uid="catalogue-loaddata")
        if loaded:
            # Each loaded document's first version in its history, as an import gives one.
            documents = [obj for obj in loaded if isinstance(obj, Document)]
            names = ", ".join(f"“{label}”" for label in fixture_labels)
            record_history(documents, reason=f"Loaded from the data file {names} (manage.py loaddata)")
            upkeep.rows_loaded(loaded)
