"""Keep the search index and the counts current whenever a document or what it is tagged with changes."""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from . import search, tallies
from .models import ENTITY_KINDS, MANY_KINDS, Document, Status

_bulk_loading = ContextVar("bulk_loading", default=False)


@contextmanager
def bulk_loading():
    """Load data as it was saved: no new history, no new datestamps, no per-row index or count upkeep.

    For restoring a backup; the caller rebuilds the search index and the counts afterwards.
    """
    token = _bulk_loading.set(True)
    history_was = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = history_was
        _bulk_loading.reset(token)


def loading():
    return _bulk_loading.get()


@receiver(pre_save, sender=Document)
def remember_what_a_document_counted_towards(sender, instance, raw, **kwargs):
    if loading():
        return
    was_published = (
        instance.pk is not None and Document.objects.filter(pk=instance.pk, status=Status.PUBLISHED).exists()
    )
    if was_published:
        instance._tallies_before = tallies.snapshot([instance.pk])


@receiver(post_save, sender=Document)
def recount_after_document_saved(sender, instance, **kwargs):
    if loading():
        return
    before = getattr(instance, "_tallies_before", None)
    if before is None and instance.status != Status.PUBLISHED:
        return
    tallies.refresh_after(before or tallies.snapshot([]), [instance.pk])
    instance._tallies_before = None


@receiver(pre_delete, sender=Document)
def remember_counts_of_deleted_document(sender, instance, **kwargs):
    if loading():
        return
    if instance.status == Status.PUBLISHED:
        instance._tallies_before = tallies.snapshot([instance.pk])


@receiver(post_save, sender=Document)
def index_saved_document(sender, instance, **kwargs):
    if loading():
        return
    search.update_index([instance.pk])


@receiver(post_delete, sender=Document)
def unindex_deleted_document(sender, instance, **kwargs):
    if loading():
        return
    search.remove_from_index([instance.pk])
    before = getattr(instance, "_tallies_before", None)
    if before:
        tallies.refresh(*before)


def _changed(instance, action, reverse, pk_set, model):
    """(document ids, entity ids) an m2m change touched, or None before it happens."""
    if action == "pre_clear":
        # After the clear, nothing says which rows lost the link.
        related = instance.documents if reverse else getattr(instance, model.document_field)
        instance._cleared = list(related.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove"}:
        return (pk_set, [instance.pk]) if reverse else ([instance.pk], pk_set)
    elif action == "post_clear":
        cleared = getattr(instance, "_cleared", [])
        return (cleared, [instance.pk]) if reverse else ([instance.pk], cleared)
    return None


def _relation_changed(sender, instance, action, reverse, pk_set, entity_model, **kwargs):
    if loading():
        return
    model = entity_model
    changed = _changed(instance, action, reverse, pk_set, model)
    if not changed:
        return
    documents, entities = changed
    if not documents:
        return
    # A change of tags is a change of the record: harvesters see a new datestamp.
    Document.objects.filter(pk__in=documents).update(modified=timezone.now())
    if model.names_searched:
        search.update_index(documents)
    if Document.objects.published().filter(pk__in=documents).exists():
        tallies.refresh_entities(model, entities)


for _kind in MANY_KINDS:
    m2m_changed.connect(partial(_relation_changed, entity_model=_kind), sender=_kind.link_model(), weak=False)

# The kinds whose names are in the search index with their documents.
SEARCHED_KINDS = [kind for kind in ENTITY_KINDS if kind.names_searched]


def index_renamed_entity(sender, instance, raw, created, **kwargs):
    if loading():
        return
    # Names are indexed with every document tagged with them; a new entity has none yet.
    if not created:
        search.update_index(instance.documents.values_list("pk", flat=True))


def remember_tagged_documents(sender, instance, **kwargs):
    if loading():
        return
    instance._documents_before_delete = list(instance.documents.values_list("pk", flat=True))


def index_after_entity_deleted(sender, instance, **kwargs):
    if loading():
        return
    search.update_index(getattr(instance, "_documents_before_delete", []))


for _kind in SEARCHED_KINDS:
    post_save.connect(index_renamed_entity, sender=_kind)
    pre_delete.connect(remember_tagged_documents, sender=_kind)
    post_delete.connect(index_after_entity_deleted, sender=_kind)
