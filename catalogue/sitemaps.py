from django.contrib.sitemaps import Sitemap
from django.core.paginator import Page, Paginator
from django.db.models import Max
from django.utils.functional import cached_property

from .models import Collection, Document, DocumentType, Event, Organisation, Person, Place, Topic


class IdRangePaginator(Paginator):
    """Pages of a queryset by ranges of ids, `per_page` ids wide: page n holds the rows whose ids are in
    ((n - 1) × per_page, n × per_page].

    Each page is read from the primary key's index wherever it falls, where counting rows to it (`OFFSET`)
    reads every row before it: the hundredth page of a million documents' sitemap would read 990,000. A page
    holds at most `per_page` rows, fewer where ids were left by drafts or deletions; nothing is counted.
    """

    @cached_property
    def num_pages(self):
        highest = self.object_list.aggregate(highest=Max("pk"))["highest"] or 0
        return max(1, -(-highest // self.per_page))

    def page(self, number):
        number = self.validate_number(number)
        above = (number - 1) * self.per_page
        return Page(self.object_list.filter(pk__gt=above, pk__lte=above + self.per_page), number, self)


class DocumentSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def items(self):
        return Document.objects.published().only("slug", "modified").order_by("pk")

    @property
    def paginator(self):
        return IdRangePaginator(self.items(), self.limit)

    def lastmod(self, document):
        return document.modified

    def get_latest_lastmod(self):
        """The newest change to a published document, read from an index (Django's own reads every document
        through `lastmod`: seconds for the sitemap index of a large catalogue)."""
        return self.items().order_by("-modified").values_list("modified", flat=True).first()


class EntitySitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.public().only("slug").order_by("pk")


SITEMAPS = {
    "documents": DocumentSitemap(),
    "people": EntitySitemap(Person),
    "events": EntitySitemap(Event),
    "places": EntitySitemap(Place),
    "collections": EntitySitemap(Collection),
    "organisations": EntitySitemap(Organisation),
    "topics": EntitySitemap(Topic),
    "types": EntitySitemap(DocumentType),
}
