"""Thin receivers: model saves, deletes and tag changes handed to `catalogue.upkeep`.

Fixture loads (`raw`) and restores (`upkeep.bulk_loading`) are skipped: those rebuild the index and the
counts once, at the end.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver

from . import reading, upkeep
from .models import ENTITY_KINDS, MANY_KINDS, Document, DocumentFile, DocumentText, Language, Page, Topic
from .upkeep import loading


@receiver(pre_save, sender=Document)
def remember_what_a_document_counted_towards(sender, instance, raw, **kwargs):
    if raw or loading():
        return
    instance._counted_before = upkeep.counted_state(instance.pk)


@receiver(post_save, sender=Document)
def keep_up_after_document_saved(sender, instance, raw, **kwargs):
    if raw or loading():
        return
    upkeep.document_saved(instance, getattr(instance, "_counted_before", None))
    instance._counted_before = None


@receiver(pre_delete, sender=Document)
def remember_counts_of_deleted_document(sender, instance, **kwargs):
    if loading():
        return
    instance._counted_before = upkeep.document_deleting(instance)


@receiver(post_delete, sender=Document)
def keep_up_after_document_deleted(sender, instance, **kwargs):
    if loading():
        return
    upkeep.document_deleted(instance, getattr(instance, "_counted_before", None))


@receiver(post_save, sender=DocumentText)
@receiver(post_delete, sender=DocumentText)
@receiver(post_save, sender=DocumentFile)
def keep_up_after_reading_changed(sender, instance, raw=False, origin=None, **kwargs):
    # A document being deleted takes its texts and files with it: its own upkeep covers them.
    if raw or loading() or isinstance(origin, Document):
        return
    upkeep.reading_changed([instance.document_id])


@receiver(pre_delete, sender=DocumentFile)
def remember_stored_names(sender, instance, **kwargs):
    # Its pages go before it does: what was made of them is named now.
    instance._stored_names = reading.stored_names(instance)


@receiver(post_delete, sender=DocumentFile)
def remove_stored_bytes_after_commit(sender, instance, origin=None, **kwargs):
    # The bytes go only once the delete is certain: a delete rolled back leaves the file whole.
    names, file_id = getattr(instance, "_stored_names", [instance.file.name]), instance.pk
    transaction.on_commit(lambda: reading.remove_stored(names, file_id), robust=True)
    if not loading() and not isinstance(origin, Document):
        upkeep.reading_changed([instance.document_id])


def _changed(instance, action, reverse, pk_set, kind):
    """(document ids, entity ids) an m2m change touched, or None before it happens."""
    if action == "pre_clear":
        # After the clear, nothing says which rows lost the link.
        related = instance.documents if reverse else getattr(instance, kind.document_field)
        instance._cleared = list(related.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove"}:
        return (pk_set, [instance.pk]) if reverse else ([instance.pk], pk_set)
    elif action == "post_clear":
        cleared = getattr(instance, "_cleared", [])
        return (cleared, [instance.pk]) if reverse else ([instance.pk], cleared)
    return None


def _tags_changed(sender, instance, action, reverse, pk_set, kind, **kwargs):
    if loading():
        return
    changed = _changed(instance, action, reverse, pk_set, kind)
    if changed and changed[0]:
        upkeep.tags_changed(kind, *changed)


def _entity_saving(sender, instance, raw, **kwargs):
    if not (raw or loading()):
        instance._shown_before = upkeep.shown_state(instance)
        if sender is Topic:
            instance._broader_before = upkeep.broader_of(instance)


def _entity_saved(sender, instance, raw, created, **kwargs):
    # A new entity is on no document yet; a fixture's rows are indexed when the load ends.
    if not (raw or created or loading()):
        upkeep.entity_renamed(instance, getattr(instance, "_shown_before", None))
        if sender is Language:
            upkeep.language_tagged(instance)
        if sender is Topic:
            upkeep.topic_placed(instance, getattr(instance, "_broader_before", None))


def _entity_deleting(sender, instance, **kwargs):
    if not loading():
        instance._documents_before_delete = upkeep.entity_deleting(instance)


def _entity_deleted(sender, instance, **kwargs):
    if not loading():
        upkeep.entity_deleted(sender, getattr(instance, "_documents_before_delete", []))
        if sender is Topic:
            upkeep.topic_deleted(instance)


def _entity_changed(sender, instance, raw=False, **kwargs):
    # A name, a note or a description of any kind may be on public pages.
    if not (raw or loading()):
        upkeep.public_changed()


# The site's own pages are public too.
post_save.connect(_entity_changed, sender=Page, dispatch_uid="public-Page")
for _kind in ENTITY_KINDS:
    post_save.connect(_entity_changed, sender=_kind, dispatch_uid=f"public-{_kind.__name__}")
    post_delete.connect(_entity_changed, sender=_kind, dispatch_uid=f"public-gone-{_kind.__name__}")
for _kind in MANY_KINDS:
    m2m_changed.connect(partial(_tags_changed, kind=_kind), sender=_kind.link_model(), weak=False)
for _kind in ENTITY_KINDS:
    pre_save.connect(_entity_saving, sender=_kind)
    post_save.connect(_entity_saved, sender=_kind)
    pre_delete.connect(_entity_deleting, sender=_kind)
    post_delete.connect(_entity_deleted, sender=_kind)
