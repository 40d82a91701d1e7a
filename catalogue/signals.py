"""Keep the search index current whenever a document or what it is tagged with changes."""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils import timezone

from . import search
from .models import Document, Event, Person, Place


@receiver(post_save, sender=Document)
def index_saved_document(sender, instance, **kwargs):
    search.update_index([instance.pk])


@receiver(post_delete, sender=Document)
def unindex_deleted_document(sender, instance, **kwargs):
    search.remove_from_index([instance.pk])


def _changed_documents(instance, action, reverse, pk_set):
    """The ids of the documents whose tags an m2m change touched, or None before it happens."""
    if action == "pre_clear" and reverse:
        # After the clear, nothing says which documents lost the tag.
        instance._documents_before_clear = list(instance.documents.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove"}:
        return pk_set if reverse else [instance.pk]
    elif action == "post_clear":
        return getattr(instance, "_documents_before_clear", []) if reverse else [instance.pk]
    return None


def _relation_changed(sender, instance, action, reverse, pk_set, **kwargs):
    documents = _changed_documents(instance, action, reverse, pk_set)
    if documents:
        # A change of tags is a change of the record: harvesters see a new datestamp.
        Document.objects.filter(pk__in=documents).update(modified=timezone.now())
        if sender in INDEXED_RELATIONS:
            search.update_index(documents)


INDEXED_RELATIONS = {Document.people.through, Document.places.through, Document.events.through}
for _relation in (Document.people, Document.places, Document.events, Document.collections):
    m2m_changed.connect(_relation_changed, sender=_relation.through, weak=False)


@receiver(post_save, sender=Person)
@receiver(post_save, sender=Place)
@receiver(post_save, sender=Event)
def index_renamed_entity(sender, instance, raw, created, **kwargs):
    # Names are indexed with every document tagged with them; a new entity has none yet.
    if not created:
        search.update_index(instance.documents.values_list("pk", flat=True))


@receiver(pre_delete, sender=Person)
@receiver(pre_delete, sender=Place)
@receiver(pre_delete, sender=Event)
def remember_tagged_documents(sender, instance, **kwargs):
    instance._documents_before_delete = list(instance.documents.values_list("pk", flat=True))


@receiver(post_delete, sender=Person)
@receiver(post_delete, sender=Place)
@receiver(post_delete, sender=Event)
def index_after_entity_deleted(sender, instance, **kwargs):
    search.update_index(getattr(instance, "_documents_before_delete", []))
