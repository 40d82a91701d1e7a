"""Counts kept current: published documents per entity and per year.

The unfiltered listing, its facets and timeline, the home page and the entity
indexes read these instead of counting a large catalogue on every request.
Each refresh recounts only what a change touched, from the documents
themselves, so a count cannot drift by missing an increment; `catalogue.upkeep`
calls these functions. `python manage.py recount` rebuilds them all, and
`recount --check` lists any drift. Counting facets over a result set is
`catalogue.listing`'s.
"""

from collections.abc import Callable, Iterable
from itertools import batched

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear

from .models import ENTITY_KINDS, MANY_KINDS, SINGLE_KINDS, Document, Entity, Status, Topic, TopicTree, YearTally
from .paging import id_condition

DOCUMENTS = Document._meta.db_table

Kind = type[Entity]
# ({kind: ids of its entities}, years) that some documents count towards (see `snapshot`).
Snapshot = tuple[dict[Kind, set[int]], set[int]]
# Gives (SQL, params) that picks the chosen documents by their id column.
Condition = Callable[[str], tuple[str, list]]


def link(model: Kind) -> tuple[str, str]:
    """(table of links, its column naming the entity) for a many-valued kind."""
    return model.link_model()._meta.db_table, model.link_column()


def refresh_entities(model: Kind, ids: Iterable[int | None]) -> None:
    ids = sorted({int(pk) for pk in ids if pk is not None})
    for chunk in batched(ids, 500):
        _recount(model, list(chunk))
    if model is Topic and ids:
        refresh_gathered(ids)


def refresh_gathered(topic_ids: Iterable[int | None] | None = None) -> None:
    """Recount what these topics and every broader topic above them gather (all topics, with None): after
    their documents changed, or where they sit among the topics did."""
    if topic_ids is None:
        _recount_gathered()
        return
    for chunk in batched(sorted(TopicTree().with_broader(topic_ids)), 500):
        _recount_gathered(list(chunk))


def refresh_years(years: Iterable[int | None]) -> None:
    for year in sorted({int(y) for y in years if y is not None}):
        documents = Document.objects.published()
        if year:
            documents = documents.filter(date_start__year=year)
        else:
            documents = documents.filter(date_start__isnull=True)
        count = documents.count()
        if count:
            YearTally.objects.update_or_create(year=year, defaults={"document_count": count})
        else:
            YearTally.objects.filter(year=year).delete()


def snapshot(document_ids: Iterable[int | None]) -> Snapshot:
    """({kind: entity ids}, years) these documents count towards now, in two queries however many kinds.

    Take it before a change and pass it to `refresh_after` with the same documents afterwards.
    """
    document_ids = sorted({int(pk) for pk in document_ids if pk is not None})
    found: dict[Kind, set[int]] = {kind: set() for kind in ENTITY_KINDS}
    years: set[int] = set()
    if not document_ids:
        return found, years
    kinds = list(ENTITY_KINDS)
    with connection.cursor() as cursor:
        for chunk in batched(document_ids, 500):
            where, params = id_condition("document_id", list(chunk))
            branches = [
                f"SELECT {kinds.index(kind)}, {kind.link_column()} FROM {link(kind)[0]} WHERE {where}"
                for kind in MANY_KINDS
            ]
            cursor.execute(" UNION ALL ".join(branches), params * len(branches))
            for index, entity_id in cursor.fetchall():
                found[kinds[index]].add(entity_id)
            columns = [kind.document_column() for kind in SINGLE_KINDS]
            where, params = id_condition("id", list(chunk))
            cursor.execute(f"SELECT date_start, {', '.join(columns)} FROM {DOCUMENTS} WHERE {where}", params)
            for start, *ids in cursor.fetchall():
                years.add(_year(start))
                for kind, entity_id in zip(SINGLE_KINDS, ids, strict=True):
                    if entity_id is not None:
                        found[kind].add(entity_id)
    return found, years


def _year(start: object) -> int:
    """The year a date_start counts towards (0 for undated); SQLite's raw cursor gives dates as text."""
    if start is None:
        return 0
    return start.year if hasattr(start, "year") else int(str(start)[:4])


def refresh(entities: dict[Kind, set[int]] | None = None, years: Iterable[int] = ()) -> None:
    """Recount the given {model: ids} and years."""
    for model, ids in (entities or {}).items():
        if ids:
            refresh_entities(model, ids)
    if years:
        refresh_years(years)


def refresh_after(before: Snapshot, document_ids: Iterable[int]) -> None:
    """Recount what the documents counted towards before a change and what they count towards now."""
    entities, years = before
    now_entities, now_years = snapshot(document_ids)
    refresh({model: entities[model] | now_entities[model] for model in ENTITY_KINDS}, years | now_years)


# The documents not (yet) published, as SQL: the database itself allows no status but these and published
# (the check constraint `document_status_valid`), and naming them lets the status index find them.
_UNPUBLISHED = ", ".join(f"'{status}'" for status in Status.values if status != Status.PUBLISHED)
_UNPUBLISHED_IDS = f"(SELECT id FROM {DOCUMENTS} WHERE status IN ({_UNPUBLISHED}))"


def _published_links(links: str, column: str, among: str) -> str:
    """Rows of (entity id, its link to a document, 1 if that document is not published): counting the links
    and taking away the few to documents not published reads the links alone, where asking each linked
    document whether it is published reads hundreds of thousands of documents for a broad topic."""
    return (
        f"SELECT l.{column} AS entity_id, l.document_id, CASE WHEN u.id IS NULL THEN 0 ELSE 1 END AS unpublished"
        f" FROM {links} AS l LEFT JOIN {_UNPUBLISHED_IDS} AS u ON u.id = l.document_id WHERE {among}"
    )


def _grouped_counts_sql(model: Kind, only: int = 0) -> str:
    """(entity id, count of its published documents) for every entity with any, in one grouped query.

    With `only`, for that many entities named by the parameters.
    """
    if model.many():
        links, column = link(model)
        among = f"l.{column} IN ({', '.join(['%s'] * only)})" if only else f"l.{column} IS NOT NULL"
        return (
            f"SELECT entity_id, count(*) - sum(unpublished) AS n FROM ({_published_links(links, column, among)}) AS p"
            " GROUP BY entity_id HAVING count(*) > sum(unpublished)"
        )
    column = f"d.{model.document_column()}"
    among = f" AND {column} IN ({', '.join(['%s'] * only)})" if only else f" AND {column} IS NOT NULL"
    return (
        f"SELECT {column} AS entity_id, count(*) AS n FROM {DOCUMENTS} AS d"
        f" WHERE d.status = '{Status.PUBLISHED}'{among} GROUP BY {column}"
    )


def _recount(model: Kind, ids: list[int] | None = None) -> None:
    """Recount the given entities of `model`, or all of them."""
    table, ids = model._meta.db_table, ids or []
    among = f"id IN ({', '.join(['%s'] * len(ids))}) AND " if ids else ""
    counts = _grouped_counts_sql(model, len(ids))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET document_count = 0 WHERE {among}document_count <> 0", ids)
        cursor.execute(
            f"UPDATE {table} SET document_count = counts.n FROM ({counts}) AS counts"
            f" WHERE {table}.id = counts.entity_id",
            ids,
        )


def _gathered_counts(topic_ids: Iterable[int] | None = None) -> dict[int, int]:
    """{topic id: how many published documents are on it or on a narrower topic, each once} for these topics
    (every topic, with None), one statement a topic: its own and its narrower topics' links, each document
    once, less those to documents not published."""
    tree = TopicTree()
    links, column = link(Topic)
    counts = {}
    with connection.cursor() as cursor:
        for topic in tree.parents if topic_ids is None else [pk for pk in topic_ids if pk in tree.parents]:
            where, params = id_condition(column, sorted([topic, *tree.beneath(topic)]))
            cursor.execute(
                f"SELECT count(*) - count(u.id) FROM (SELECT DISTINCT document_id FROM {links} WHERE {where}) AS l"
                f" LEFT JOIN {_UNPUBLISHED_IDS} AS u ON u.id = l.document_id",
                params,
            )
            counts[topic] = cursor.fetchone()[0]
    return counts


def _recount_gathered(ids: list[int] | None = None) -> None:
    for topic, count in _gathered_counts(ids).items():
        Topic.objects.filter(pk=topic).exclude(gathered_count=count).update(gathered_count=count)


def rebuild() -> None:
    """Recount everything from the documents, one grouped query per kind of entity."""
    for model in ENTITY_KINDS:
        _recount(model)
    _recount_gathered()
    YearTally.objects.all().delete()
    rows = (
        Document.objects.published()
        .order_by()
        .annotate(year=ExtractYear("date_start"))
        .values("year")
        .annotate(n=Count("pk"))
    )
    YearTally.objects.bulk_create(YearTally(year=row["year"] or 0, document_count=row["n"]) for row in rows)


def published_total() -> int:
    return YearTally.objects.aggregate(total=Sum("document_count"))["total"] or 0


def year_counts() -> dict[int, int]:
    """{year: count} of published dated documents."""
    return dict(YearTally.objects.exclude(year=0).values_list("year", "document_count"))


def total_and_years() -> tuple[int, dict[int, int]]:
    """(`published_total()`, `year_counts()`) in one query, for a page that shows both."""
    counts = dict(YearTally.objects.values_list("year", "document_count"))
    return sum(counts.values()), {year: count for year, count in counts.items() if year}


def drift() -> list[tuple[str, int, int]]:
    """Every kept count that differs from a count of the documents now: [(what, kept, counted)].

    Nothing should ever be listed; `recount --check` reports it for a scheduled check, and `recount` mends it.
    """
    found = []
    for model in ENTITY_KINDS:
        with connection.cursor() as cursor:
            cursor.execute(_grouped_counts_sql(model))
            counted = dict(cursor.fetchall())
        kept = model.objects.filter(document_count__gt=0).values_list("pk", "slug", "document_count")
        seen = set()
        for pk, slug, count in kept:
            seen.add(pk)
            if counted.get(pk, 0) != count:
                found.append((f"{model._meta.verbose_name} {slug}", count, counted.get(pk, 0)))
        for pk in sorted(set(counted) - seen):
            missing = model.objects.filter(pk=pk).values_list("slug", flat=True).first()
            found.append((f"{model._meta.verbose_name} {missing}", 0, counted[pk]))
    counted = _gathered_counts()
    for pk, slug, count in Topic.objects.values_list("pk", "slug", "gathered_count"):
        if counted.get(pk, 0) != count:
            found.append((f"topic {slug} with its narrower topics", count, counted.get(pk, 0)))
    counted_years = {
        row["year"] or 0: row["n"]
        for row in Document.objects.published().order_by().annotate(year=ExtractYear("date_start"))
        .values("year").annotate(n=Count("pk"))
    }  # fmt: skip
    kept_years = dict(YearTally.objects.values_list("year", "document_count"))
    for year in sorted(set(counted_years) | set(kept_years)):
        if counted_years.get(year, 0) != kept_years.get(year, 0):
            found.append((f"year {year or 'undated'}", kept_years.get(year, 0), counted_years.get(year, 0)))
    return found
