"""What is kept in step with the documents: the search index, the kept counts, the API's kept list entries
and each record's `modified`.

One service, called by every path that changes documents or entities: model saves and deletes (through
the thin receivers in `catalogue.signals`), the admin, import, merges, fixture loads, restore and the
generator. Each function is told what changed and does only the upkeep that change needs.
"""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db.models import Model
from django.utils import timezone

from . import records, search, tallies
from .models import ENTITY_KINDS, CatalogueVersion, Document, Entity, Language, Status, Topic, WithdrawnRecord

# What a published document's own row counts towards, after the slug it is public under: its year (0 undated),
# then one id per single-valued kind.
CountedState = tuple[str, int, *tuple[int | None, ...]]

# What the search index of a document is made of: these fields of its own, its texts and the words of its
# files' pages, and the names of the kinds whose `names_searched` is set. A change to any of them reindexes
# the documents it touches.
INDEXED_FIELDS = ("title", "summary")
SEARCHED_KINDS = tuple(kind for kind in ENTITY_KINDS if kind.names_searched)

_bulk_loading = ContextVar("bulk_loading", default=False)


@contextmanager
def bulk_loading() -> Iterator[None]:
    """Load data as it was saved: no new history, no new datestamps, no per-row index or count upkeep.

    For restores and fixture loads; the caller brings index and counts up to date afterwards.
    """
    token = _bulk_loading.set(True)
    history_was = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    settings.SIMPLE_HISTORY_ENABLED = False
    try:
        yield
    finally:
        settings.SIMPLE_HISTORY_ENABLED = history_was
        _bulk_loading.reset(token)


def loading() -> bool:
    return _bulk_loading.get()


def public_changed() -> None:
    """Something the public sees changed: a new catalogue version, in the caller's transaction, so that no
    cached page from before is served once it commits (and none is lost if it rolls back)."""
    if not CatalogueVersion.objects.filter(pk=1).update(token=uuid.uuid4(), changed=timezone.now()):
        CatalogueVersion.objects.create(pk=1)
    CatalogueVersion.forget()


# Documents -------------------------------------------------------------------------------


def counted_state(document_id: int | None) -> CountedState | None:
    """What a saved document's own row contributes to the kept counts, read before it is saved again.

    None for a document not yet saved or not published (it counts towards nothing). The first item is the
    slug it is public under, which a save may withdraw.
    """
    if document_id is None:
        return None
    columns = ("slug", "date_start", *(kind.document_column() for kind in ENTITY_KINDS if not kind.many()))
    row = Document.objects.filter(pk=document_id, status=Status.PUBLISHED).values_list(*columns).first()
    return None if row is None else (row[0], row[1].year if row[1] else 0, *row[2:])


def _state_of(document: Document) -> CountedState:
    """`counted_state` of a published document as it stands in memory, just saved."""
    singles = (getattr(document, kind.document_column()) for kind in ENTITY_KINDS if not kind.many())
    return (document.slug, document.date_start.year if document.date_start else 0, *singles)


def document_saved(document: Document, before: CountedState | None) -> None:
    """After `document.save()`: reindex it; recount only if what it counts towards may have moved.

    `before` is `counted_state()` from before the save. Tags are not changed by a save (see `tags_changed`).
    """
    search.update_index([document.pk], texts=False)
    published = document.status == Status.PUBLISHED
    if before is None and not published:
        return  # a draft stays a draft: it counted towards nothing and still does not
    public_changed()
    records.keep([document.pk], published=published)
    if before is not None and (not published or before[0] != document.slug):
        withdrawn(before[0], moved_to=document if published else None)
    if published and (before is None or before[0] != document.slug):
        WithdrawnRecord.objects.filter(slug=document.slug).delete()
    now = _state_of(document) if published else None
    if before is not None and now is not None and before[1:] == now[1:]:
        return  # published before and after, with the same year, language and archive
    tallies.refresh_after(_before_state(document.pk, before), [document.pk])


def withdrawn(slug: str, moved_to: Document | None = None) -> None:
    """A public document left its address (unpublished, deleted or renamed): harvesters are to be told, and
    a renamed one is found from its old address."""
    WithdrawnRecord.objects.update_or_create(slug=slug, defaults={"withdrawn": timezone.now(), "moved_to": moved_to})


def _before_state(document_id: int, before: CountedState | None) -> tallies.Snapshot:
    """The snapshot of what the document counted towards before a save, rebuilt from `counted_state`."""
    if before is None:
        return tallies.snapshot([])
    entities, _ = tallies.snapshot([document_id])  # its tags: unchanged by a save
    _slug, year, *single_ids = before
    singles = [kind for kind in ENTITY_KINDS if not kind.many()]
    for kind, entity_id in zip(singles, single_ids, strict=True):
        entities[kind] = {entity_id} if entity_id is not None else set()
    return entities, {year or 0}


def document_deleting(document: Document) -> tallies.Snapshot | None:
    """Before a delete: what a published document counted towards (None for any other)."""
    return tallies.snapshot([document.pk]) if document.status == Status.PUBLISHED else None


def document_deleted(document: Document, before: tallies.Snapshot | None) -> None:
    search.remove_from_index([document.pk])
    if before:
        public_changed()
        withdrawn(document.slug)
        tallies.refresh(*before)


def tags_changed(kind: type[Entity], document_ids: Iterable[int], entity_ids: Iterable[int]) -> None:
    """After documents gained or lost entities of `kind`."""
    # A change of tags is a change of the record: harvesters see a new datestamp.
    Document.objects.filter(pk__in=document_ids).update(modified=timezone.now())
    if kind.names_searched:
        search.update_index(document_ids, texts=False)
    if Document.objects.published().filter(pk__in=document_ids).exists():
        public_changed()
        records.keep(document_ids)
        tallies.refresh_entities(kind, entity_ids)


def documents_written(document_ids: list[int], before: tallies.Snapshot | None = None) -> None:
    """After documents were written in bulk (import, generator): reindex them and recount what moved.

    `before` is `tallies.snapshot()` of those that existed, or None when none of them was published.
    """
    search.update_index(document_ids)
    if before is not None or Document.objects.published().filter(pk__in=list(document_ids)).exists():
        public_changed()
        _published_again(document_ids)
        records.keep(document_ids)
        tallies.refresh_after(before or tallies.snapshot([]), document_ids)


def reading_changed(document_ids: Iterable[int]) -> None:
    """After a document's texts, files or the words read off its pages changed: a new datestamp for harvesters,
    its index brought up to date, and (if it is published) its pages and API entry showing the change."""
    document_ids = [int(pk) for pk in document_ids]
    Document.objects.filter(pk__in=document_ids).update(modified=timezone.now())
    search.update_index(document_ids)
    if Document.objects.published().filter(pk__in=document_ids).exists():
        public_changed()
        records.keep(document_ids)


def language_tagged(language: Language) -> None:
    """After a language's tag was set or changed: its texts, and the pages of documents in it, are indexed
    with the stemming the new tag calls for."""
    from .models import DocumentText, FilePage
    from .reading import search_config

    config = search_config(language)
    texts = DocumentText.objects.filter(language=language).exclude(search_config=config)
    pages = FilePage.objects.filter(file__document__language=language).exclude(search_config=config)
    document_ids = {*texts.values_list("document_id", flat=True), *pages.values_list("file__document_id", flat=True)}
    texts.update(search_config=config)
    FilePage.objects.filter(pk__in=list(pages.values_list("pk", flat=True))).update(search_config=config)
    if document_ids:
        search.update_index(document_ids)


# Entities --------------------------------------------------------------------------------


def shown_state(entity: Entity) -> tuple | None:
    """What of a saved entity its documents show (in their search index and the API's entries), read
    before it is saved again: its names, its slug and what orders it among its kind."""
    if entity.pk is None:
        return None
    return type(entity).objects.filter(pk=entity.pk).values_list(*_shown_fields(type(entity))).first()


def _shown_fields(kind: type[Entity]) -> tuple[str, ...]:
    ordering = (str(name).lstrip("-") for name in kind._meta.ordering or ())
    return ("name", "slug", "other_names", *(name for name in ordering if name not in {"name", "slug"}))


def entity_renamed(entity: Entity, before: tuple | None) -> None:
    """After an entity was saved: if its name, slug or order changed, every document it is on is reindexed
    (where its kind's names are searched) and its API entry rewritten."""
    if before is not None and before == tuple(getattr(entity, name) for name in _shown_fields(type(entity))):
        return
    document_ids = list(entity.documents.values_list("pk", flat=True))
    if type(entity) in SEARCHED_KINDS:
        search.update_index(document_ids, texts=False)
    records.keep(document_ids)


def broader_of(topic: Topic) -> int | None:
    """The broader topic a saved topic sits under, read before it is saved again."""
    if topic.pk is None:
        return None
    return Topic.objects.filter(pk=topic.pk).values_list("parent_id", flat=True).first()


def topic_placed(topic: Topic, broader_before: int | None) -> None:
    """After a topic was saved: if it moved under another broader topic, what the topics above it, before and
    now, gather is recounted (a topic's documents are counted with every topic above it)."""
    if broader_before != topic.parent_id:
        tallies.refresh_gathered([broader_before, topic.parent_id])


def topic_deleted(topic: Topic) -> None:
    """After a topic was deleted: the topics above it gather its documents no more."""
    tallies.refresh_gathered([topic.parent_id])


def entity_deleting(entity: Entity) -> list[int]:
    """Before an entity is deleted: the documents that show it."""
    return list(entity.documents.values_list("pk", flat=True))


def entity_deleted(kind: type[Entity], document_ids: Iterable[int]) -> None:
    document_ids = list(document_ids)
    if kind in SEARCHED_KINDS:
        search.update_index(document_ids, texts=False)
    records.keep(document_ids)


# Everything ------------------------------------------------------------------------------


def rows_loaded(instances: list[Model]) -> None:
    """After a fixture load: the loaded documents and those tagged with loaded names reindexed and their API
    entries written; counts rebuilt."""
    documents = {obj.pk for obj in instances if isinstance(obj, Document)}
    for kind in ENTITY_KINDS:
        entity_ids = [obj.pk for obj in instances if type(obj) is kind]
        if entity_ids:
            documents.update(
                Document.objects.filter(**{f"{kind.document_field}__in": entity_ids}).values_list("pk", flat=True)
            )
    search.update_index(documents)
    records.keep(documents)
    _published_again(documents)
    tallies.rebuild()
    public_changed()


def _published_again(document_ids: Iterable[int]) -> None:
    """Published documents are not withdrawn: their slugs leave the withdrawn records."""
    published_slugs = Document.objects.published().filter(pk__in=list(document_ids)).values("slug")
    WithdrawnRecord.objects.filter(slug__in=published_slugs).delete()
