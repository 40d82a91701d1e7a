"""A set of published documents and the strategy for showing it: its count, its pages, its facets, its timeline.

The listing and the page of one entity both show a result set; this is where each decides how to count
it without reading it all. What it may lean on:

- the kept counts (`tallies`), when nothing narrows the catalogue (the landing listing) or when one entity
  alone does (its `document_count`);
- a window of the first results, up to the cap, read once, from which a search's count (or "more than"),
  its first pages, and its facets and timeline come (not read when a kept count past the cap answers);
- past the cap, facets and timeline counted over a sample (`CATALOGUE_FACET_SAMPLE`) of the first results,
  or of the most recently added when sorted by date, said to be a sample.

The views only turn what a `ResultSet` answers into links and labels.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

from . import tallies
from .backends import database
from .models import Document, DocumentQuerySet, Entity, Status, YearTally
from .paging import CataloguePaginator, ResultWindow, among, count_cap, paginate
from .prepared import loaded
from .replicas import read_connection
from .tallies import DOCUMENTS, Condition, Kind
from .tallies import link as _link  # the table of links of a many-valued kind

if TYPE_CHECKING:
    from .filters import DocumentFilter


class ResultSet:
    # Made with (documents, per_page, known_count=..., window=...); the benchmark gives a naive one.
    paginator_class: Any = CataloguePaginator

    def __init__(
        self,
        documents: DocumentQuerySet,
        per_page: int,
        *,
        known_count: int | None = None,
        window: ResultWindow | None = None,
        from_tallies: bool = False,
        by_date: bool = False,
        years: dict[int, int] | None = None,
    ) -> None:
        """`documents` in the order they are shown; `known_count` when the tallies know it; `window` for a search
        read up to the cap; `from_tallies` when they are the whole published catalogue; `by_date` when sorted
        by date (a sample of the first results by date would all come from the earliest years); `years`, the
        timeline's counts, when they were read with the count."""
        self.documents = documents
        self.window = window
        self.from_tallies = from_tallies
        self.by_date = by_date
        self._years = years  # or read with the facets (else asked for apart)
        self._facets: tuple[dict, dict] | None = None  # (limits, facets) read with the count
        self.paginator = self.paginator_class(documents, per_page, known_count=known_count, window=window)

    # Building -----------------------------------------------------------------------------

    @classmethod
    def for_listing(
        cls,
        documents: DocumentQuerySet,
        per_page: int,
        filterset: DocumentFilter,
        facet_limits: dict[Kind, int] | None = None,
    ) -> Self:
        """The listing's results for a (validated) DocumentFilter over `documents`.

        `facet_limits` ({kind: how many}), when the facets will be asked for: the whole catalogue's are then read
        in the same statement as its count and years.
        """
        by_date = filterset.sort_order in {"date", "-date"}
        if filterset.has_strict_errors:
            return cls(documents, per_page, by_date=by_date)
        cleaned, chosen = filterset.cleaned, filterset.chosen()
        narrowed = filterset.keywords or cleaned.get("date_from") or cleaned.get("date_to")
        if not narrowed and not chosen:
            if facet_limits is None:
                total, years = tallies.total_and_years()
                return cls(documents, per_page, known_count=total, from_tallies=True, by_date=by_date, years=years)
            found, counts = popular_all(facet_limits, years=True)
            total, years = sum(counts.values()), {year: count for year, count in counts.items() if year}
            results = cls(documents, per_page, known_count=total, from_tallies=True, by_date=by_date, years=years)
            results._facets = (facet_limits, found)
            return results
        known = chosen[0][1].listed_count if len(chosen) == 1 and not narrowed else None
        # Past the cap a kept count needs no window: its pages come from the sort's index, its facets from a sample.
        past_cap = known is not None and known > count_cap()
        window = None if past_cap else ResultWindow(documents, relevance=filterset.sort_order == "relevance")
        return cls(documents, per_page, known_count=known, window=window, by_date=by_date)

    @classmethod
    def for_entity(cls, entity: Entity, documents: DocumentQuerySet, per_page: int) -> Self:
        """The published documents tagged with `entity` (or, for a topic, with a narrower one), in date order,
        counted by its kept count."""
        return cls(documents, per_page, known_count=entity.listed_count, by_date=True)

    # Answering ----------------------------------------------------------------------------

    def page(self, request: HttpRequest) -> tuple[Paginator, Page]:
        """The page `?page=` asks for (a clear 404 for one that is not there)."""
        return paginate(request, self.paginator)

    @property
    def count(self) -> int:
        return self.paginator.count

    @property
    def sample(self) -> int | None:
        """How many results facets and timeline are counted over, or None for all of them."""
        if self.from_tallies or self.count <= count_cap():
            return None
        return min(settings.CATALOGUE_FACET_SAMPLE, count_cap())

    @property
    def ranked_sample(self) -> bool:
        """True when a relevance order ranks only the most recently added matches."""
        return self.window is not None and self.window.ranked_sample

    @cached_property
    def counted_ids(self) -> list[int] | None:
        """The ids facets and the timeline count over, or None for every result.

        The first results, up to the sample; sorted by date, or with no window read, the most recently added
        stand for the whole instead (the first by date all come from the earliest years).
        """
        if self.from_tallies:
            return None
        if self.sample and (self.by_date or self.window is None):
            recent = self.documents.order_by("-added", "-id").values_list("pk", flat=True)
            return list(recent[: self.sample])
        if self.window is None:
            return None
        return self.window.ids[: self.sample] if self.sample else self.window.ids

    def facets(self, limits: dict[type[Entity], int]) -> dict[type[Entity], list[Entity]]:
        """{kind: its entities on these documents, most frequent first} for `limits` = {kind: how many}.

        Each entity carries `result_count`, or `document_count` when the kept counts answered.
        """
        if self._facets is not None and self._facets[0] == limits:
            return self._facets[1]
        if self.from_tallies:
            return popular_all(limits)
        if self.counted_ids is not None:
            # The years come in the same statement, for the timeline that follows.
            found, self._years = count_among_all(limits, self.counted_ids, years=True)
            return found
        return {kind: self.documents.facet(kind, limit) for kind, limit in limits.items()}

    def year_counts(self) -> dict[int, int]:
        """{year: how many} of the dated documents (of the sample, when there is one)."""
        if self._years is not None:
            return self._years
        if self.from_tallies:
            return tallies.year_counts()
        if self.counted_ids is not None:
            return Document.objects.filter(pk__in=among(self.counted_ids)).year_counts()
        return self.documents.year_counts()


# Facets in SQL: one query for every kind ------------------------------------------------------


def _counts_sql(model: Kind, condition: Condition, singles: str = "") -> tuple[str, list, str]:
    """(SQL, params, column): how many of the chosen documents each entity of `model` is on, ungrouped yet.

    `condition(column)` gives the (SQL, params) that picks the chosen documents by their id column; `singles`
    names a table of their single-valued columns, read once for every such kind, when there is one.
    Counting from the table of links (or the document's own column) by document id reads only the
    index, where grouping joined rows would read the whole table of links.
    """
    if model.many():
        links, column = _link(model)
        where, params = condition("document_id")
        return f"SELECT {column} AS entity_id, count(*) AS n FROM {links} WHERE {where}", params, column
    column = model.document_column()
    if singles:
        return f"SELECT {column} AS entity_id, count(*) AS n FROM {singles} WHERE {column} IS NOT NULL", [], column
    where, params = condition("id")
    sql = f"SELECT {column} AS entity_id, count(*) AS n FROM {DOCUMENTS} WHERE {where}"
    return f"{sql} AND {column} IS NOT NULL", params, column


def _entities_from_union(
    models: list[Kind], branches: list[str], params: list, count_attribute: str, prefix: str = "", kept: bool = False
) -> tuple[dict[Kind, list[Entity]], dict[int, int]]:
    """({model: [entities, most counted first]}, {year: count}) from queries giving rows of (kind, id, name,
    slug, count); rows of kind -1, if any, are (year, count) of the timeline. `kept`: a statement without
    parameters, asked the same way on many requests (`execute_kept`)."""
    connection = read_connection()
    sql = prefix + " UNION ALL ".join(branches) + " ORDER BY 1, 5 DESC, 2"
    with connection.cursor() as cursor:
        if kept:
            database().execute_kept(cursor, sql)
        else:
            cursor.execute(sql, params)
        rows = cursor.fetchall()
    found: dict[Kind, list[Entity]] = {model: [] for model in models}
    years: dict[int, int] = {}
    for kind, pk, name, slug, count in rows:
        if kind < 0:
            years[pk] = count
            continue
        model = models[kind]
        # Each entity as a facet shows it: its id, name and slug and its count, any other field read if asked for.
        entity = loaded(model, connection.alias, _SHOWN, (pk, name, slug))
        entity.__dict__[count_attribute] = count
        found[model].append(entity)
    return found, years


_SHOWN = ("id", "name", "slug")


def count_among_all(limits: dict[Kind, int], document_ids: list[int], years: bool = False) -> Any:
    """The entities of several models on these documents, most frequent first, in one query.

    `limits` is {model: how many}; the answer {model: entities with `result_count`}. Each entity
    carries its id, name and slug: what a facet or a list of related people shows. With `years`, the answer
    is ({model: entities}, {year: how many of the dated documents}), the years counted in the same statement.
    """
    if not document_ids:
        return ({model: [] for model in limits}, {}) if years else {model: [] for model in limits}
    prefix, params, condition = database().chosen_ids(document_ids)
    singles = [model for model in limits if not model.many()]
    shared = len(singles) > 1 or years
    if shared:
        # The documents' own columns read once for all the single-valued kinds (and the years), not once each.
        where, where_params = condition("id")
        columns = ", ".join(["date_start", *(model.document_column() for model in singles)])
        table = f"chosen_documents AS (SELECT {columns} FROM {DOCUMENTS} WHERE {where})"
        prefix = f"{prefix.rstrip()}, {table} " if prefix else f"WITH {table} "
        params = [*params, *where_params]

    branches = []
    for kind, (model, limit) in enumerate(limits.items()):
        counts, condition_params, column = _counts_sql(model, condition, "chosen_documents" if shared else "")
        branches.append(
            f"SELECT * FROM (SELECT {kind} AS kind, entity.id, entity.name, entity.slug, top.n"
            f" FROM {model._meta.db_table} AS entity"
            f" JOIN ({counts} GROUP BY {column} ORDER BY n DESC, entity_id LIMIT %s) AS top"
            " ON top.entity_id = entity.id) AS facet"
        )
        params += [*condition_params, limit]
    if years:
        year = database().year_sql("date_start")
        branches.append(
            f"SELECT -1 AS kind, {year} AS id, '' AS name, '' AS slug, count(*) AS n FROM chosen_documents"
            f" WHERE date_start IS NOT NULL GROUP BY {year}"
        )
    found, counted_years = _entities_from_union(list(limits), branches, params, "result_count", prefix)
    return (found, counted_years) if years else found


def popular_all(limits: dict[Kind, int], years: bool = False) -> Any:
    """The most documented published entities of several models, in one query, from the kept counts.

    With `years`, the answer is ({model: entities}, {year: published documents, 0 for the undated}), the kept
    years read in the same statement.
    """
    sql = _popular_sql(tuple(limits.items()), years)
    found, counted_years = _entities_from_union(list(limits), [sql], [], "document_count", kept=True)
    return (found, counted_years) if years else found


@functools.lru_cache(maxsize=64)
def _popular_sql(limits: tuple[tuple[Kind, int], ...], years: bool) -> str:
    """`popular_all`'s branches, joined: a statement without parameters (the limits are numbers, the status the
    code's own word), the same for every request that shows the same facets, so that the database can keep
    its plan (`execute_kept`)."""
    branches, published = [], f"'{Status.PUBLISHED}'"
    for kind, (model, limit) in enumerate(limits):
        table = model._meta.db_table
        # The counts order the list; whether a name may be shown is asked of the documents themselves.
        branches.append(
            f"SELECT * FROM (SELECT {kind} AS kind, id, name, slug, document_count FROM {table} AS entity"
            f" WHERE document_count > 0 AND {published_exists_sql(model, published)}"
            f" ORDER BY document_count DESC, id LIMIT {int(limit)}) AS facet"
        )
    if years:
        branches.append(f"SELECT -1 AS kind, year, '', '', document_count FROM {YearTally._meta.db_table}")
    return " UNION ALL ".join(branches)


def published_exists_sql(model: Kind, status: str = "%s") -> str:
    """SQL true when the row `entity` of `model` is on a published document (`status`: the SQL of the published
    status, by default a parameter).

    A scalar subquery that stops at the first such document, asked of each candidate in turn: as an
    EXISTS the planner may turn it into a join over every link of every entity, which at a million
    documents costs the landing listing seconds (figures in docs/benchmarks.md).
    """
    if model.many():
        links, column = _link(model)
        return (
            f"(SELECT 1 FROM {links} AS l JOIN {DOCUMENTS} AS d ON d.id = l.document_id"
            f" WHERE l.{column} = entity.id AND d.status = {status} LIMIT 1) IS NOT NULL"
        )
    return (
        f"(SELECT 1 FROM {DOCUMENTS} AS d WHERE d.{model.document_column()} = entity.id AND d.status = {status}"
        " LIMIT 1) IS NOT NULL"
    )
