"""Paging that stays fast on a large catalogue.

- The count is given when it is already known (the kept tallies), or counted
  only up to the cap (settings.CATALOGUE_COUNT_CAP): past it the page says
  "more than 10,000", which is true, rather than counting every match on every
  request.
- A page is fetched in two steps: the ids of the page from the ordering's index
  alone (an index-only scan, even deep into the results), then those rows.
- Results can be browsed up to settings.CATALOGUE_MAX_BROWSABLE; past it a
  clear 404 asks for a narrower search.
"""

from django.conf import settings
from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import ngettext

from .backends import database
from .models import Document
from .prepared import Prepared


def among(ids):
    """A value for `pk__in` naming these ids (however many: see the backends)."""
    return database().among(ids)


def id_condition(column, ids):
    """(SQL, params) for "column is one of these ids", in raw SQL."""
    return database().id_condition(column, ids)


# The rows of a page, by id: the ids are this request's answer to the results' filters, so the rows are read by
# id alone, still only published ones (a document unpublished since is left out), without the search vector.
_PUBLISHED_BY_ID = Prepared(
    lambda ids: Document.objects.published().defer("search_vector").filter(pk__in=ids).order_by(),
    mark=lambda n: -1 - n,  # no document has a negative id
)


def published_rows(ids, alias):
    """The published documents among these (distinct) ids, in no order, read from the database `alias`."""
    return _PUBLISHED_BY_ID.rows(ids, alias)


def count_cap():
    return settings.CATALOGUE_COUNT_CAP


class CataloguePage(Page):
    def end_index(self):
        # The paginator's count may be "more than" the cap; the page knows its own rows.
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class ResultWindow:
    """The ids of the first results, up to the cap, read in one query and used for everything else.

    The count (when it is not known already), the pages within the window, and the facets and
    timeline all come from this list instead of each running the search again. For a relevance
    order, the window is the most recently added matches, ranked among themselves: ranking every
    match of a very common word would mean reading all of them. `ranked_sample` says when that
    happened, so that the page can say so.
    """

    def __init__(self, queryset, relevance=False):
        cap = count_cap()
        if relevance:
            ids = list(queryset.order_by("-added", "-id").values_list("pk", flat=True)[: cap + 1])
            self.capped = len(ids) > cap
            ids = set(ids[:cap])
            self.ids = list(queryset.filter(pk__in=among(ids)).values_list("pk", flat=True)) if ids else []
        else:
            ids = list(queryset.values_list("pk", flat=True)[: cap + 1])
            self.capped = len(ids) > cap
            self.ids = ids[:cap]
        self.ranked_sample = relevance and self.capped


class CataloguePaginator(Paginator):
    def __init__(self, object_list, per_page, known_count=None, window=None):
        super().__init__(object_list, per_page)
        self.known_count = known_count
        self.window = window

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        if self.window is not None:
            return len(self.window.ids) + (1 if self.window.capped else 0)
        return self.object_list[: count_cap() + 1].count()

    @property
    def capped(self):
        """True when there are more results than were counted."""
        return self.known_count is None and self.count > count_cap()

    @cached_property
    def browsable_count(self):
        limit = count_cap() if self.capped else settings.CATALOGUE_MAX_BROWSABLE
        return min(self.count, limit)

    @cached_property
    def num_pages(self):
        if self.browsable_count == 0 and not self.allow_empty_first_page:
            return 0
        return max(1, -(-self.browsable_count // self.per_page))

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.browsable_count)
        if self.window is not None and top <= len(self.window.ids):
            ids = self.window.ids[bottom:top]
        else:
            ids = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in published_rows(ids, self.object_list.db)}
        return CataloguePage([rows[pk] for pk in ids if pk in rows], number, self)


def paginate(request, paginator):
    """(paginator, page) for `?page=`; a page that is not a number or not there is a clear 404."""
    requested = request.GET.get("page") or "1"
    if requested == "last":
        requested = str(paginator.num_pages)
    if not (requested.isascii() and requested.isdigit()):
        raise Http404(f"“{requested[:40]}” is not a page number.")
    try:
        return paginator, paginator.page(int(requested))
    except InvalidPage:
        pages = paginator.num_pages
        if paginator.browsable_count < paginator.count or paginator.capped:
            raise Http404(
                f"Only the first {paginator.browsable_count:,} results can be browsed, {pages:,} pages: "
                "narrow the search, or sort it another way."
            ) from None
        raise Http404(
            f"There is no page {requested}: "
            + ngettext("these results have %(n)s page.", "these results have %(n)s pages.", pages) % {"n": f"{pages:,}"}
        ) from None


class AdminPaginator(Paginator):
    """The admin's paginator: exact counts up to the cap; past it, PostgreSQL's estimate, said to be one.

    Counting a million documents costs a quarter of a second on every page of the changelist; the
    planner's estimate of the same query costs a millisecond. `estimated` tells the templates to say
    "about". SQLite, the small embedded database, always counts.
    """

    estimated = False

    @cached_property
    def count(self):
        cap = count_cap()
        # Counting to the cap needs no order; sorting every match first would cost more than counting.
        counted = self.object_list.order_by()[: cap + 1].count()
        if counted <= cap:
            return counted
        estimate = database().estimated_count(self.object_list)
        if estimate is None:
            return self.object_list.count()
        self.estimated = True
        return max(estimate, counted)
