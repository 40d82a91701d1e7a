"""RSS and Atom feeds of the newest documents added to the catalogue, for the whole archive or for any
listing: `/documents/feed.atom?person=wang-ming` follows what the listing with those filters would show
first, newest first. Django's syndication framework writes them; they are public pages like any other
(kept in the cache, published documents only)."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from .filters import DocumentFilter
from .models import Document, Person, Place

# How many of the newest documents a feed holds.
FEED_LENGTH = 50


class InvalidFilters(Exception):
    pass


class DocumentFeed(Feed):
    feed_type = Rss201rev2Feed

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFilters as error:
            # The message may quote what was asked: never as markup, whoever reads it.
            return HttpResponseBadRequest(escape(str(error)), content_type="text/plain; charset=utf-8")

    def get_object(self, request, *args, **kwargs):
        # Only the listing's own parameters, each as the listing validates it; the order is always newest first.
        query = request.GET.copy()
        query.pop("sort", None)
        filterset = DocumentFilter(query or None, queryset=Document.objects.published(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
            raise InvalidFilters(_("The filters could not be used: %(problems)s") % {"problems": problems})
        filterset.request_query = query.urlencode()
        return filterset

    def title(self, filterset):
        from .views import describe

        return f"{settings.CATALOGUE_NAME}: {describe(filterset)}"

    def link(self, filterset):
        query = filterset.request_query
        return reverse("catalogue:document-list") + (f"?{query}" if query else "")

    def feed_url(self, filterset):
        path = filterset.request.path
        query = filterset.request_query
        return path + (f"?{query}" if query else "")

    def description(self, filterset):
        return _("The newest documents added to %(catalogue)s that match these filters.") % {
            "catalogue": settings.CATALOGUE_NAME
        }

    def items(self, filterset):
        documents = list(filterset.qs.order_by("-added", "-id").defer("search_vector")[:FEED_LENGTH])
        ids = [document.pk for document in documents]
        people, places = names_on(Person, ids), names_on(Place, ids)
        for document in documents:
            document.categories = [*people.get(document.pk, ()), *places.get(document.pk, ())]
        return documents

    def item_title(self, document):
        return document.title

    def item_description(self, document):
        return document.summary or document.date_shown

    def item_link(self, document):
        return document.get_absolute_url()

    def item_pubdate(self, document):
        return document.added

    def item_updateddate(self, document):
        return document.modified

    def item_author_name(self, document):
        return "; ".join(document.creators) or None

    def item_categories(self, document):
        return document.categories


def names_on(kind, document_ids):
    """{document id: the names of `kind` it is tagged with, in the kind's order}.

    The links, then the few hundred entities they name by id: joined in one statement, the planner may read
    every entity of the kind to find them.
    """
    links = list(
        kind.link_model().objects.filter(document_id__in=document_ids).values_list("document_id", kind.link_column())
    )
    ordering = kind._meta.ordering or ("name",)
    entities = kind.objects.filter(pk__in={pk for _, pk in links}).order_by(*ordering).values_list("pk", "name")
    rank = {pk: (index, name) for index, (pk, name) in enumerate(entities)}
    found = {}
    for document_id, pk in sorted(links, key=lambda link: rank[link[1]][0]):
        found.setdefault(document_id, []).append(rank[pk][1])
    return found


class DocumentAtomFeed(DocumentFeed):
    feed_type = Atom1Feed
    subtitle = DocumentFeed.description
