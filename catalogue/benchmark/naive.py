"""The naive build the benchmark compares the catalogue against: what the same pages cost done the obvious way.

Every count counts every match, every page is fetched with OFFSET, facets and timeline group every
result, and an export is built in memory before it is sent. The views take these in place of their own
strategies (`result_set_class`, `respond`), so that the same requests are measured both ways.
"""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils.functional import cached_property

from catalogue import views
from catalogue.listing import ResultSet
from catalogue.paging import CataloguePage


class NaivePaginator(Paginator):
    capped = False

    def __init__(self, object_list, per_page, known_count=None, window=None):
        super().__init__(object_list, per_page)

    @cached_property
    def browsable_count(self):
        return self.count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return CataloguePage(list(self.object_list[bottom : bottom + self.per_page]), number, self)


class NaiveResultSet(ResultSet):
    """Counts and groups every result on every request; never the kept counts, never a window."""

    paginator_class = NaivePaginator

    @classmethod
    def for_listing(cls, documents, per_page, filterset, facet_limits=None):
        return cls(documents, per_page)

    @classmethod
    def for_entity(cls, entity, documents, per_page):
        return cls(documents, per_page)

    @property
    def sample(self):
        return None


class NaiveExportView(views.DocumentExportView):
    def respond(self, rows, documents, url_prefix, content_type):
        return HttpResponse("".join(rows(list(documents), url_prefix)), content_type=content_type)


def naive_view(view):
    """The naive counterpart of one of the catalogue's views, as `as_view()` keyword arguments and class."""
    if issubclass(view, views.DocumentExportView):
        return NaiveExportView, {}
    return view, {"result_set_class": NaiveResultSet}
