from django.contrib.sitemaps import Sitemap

from .models import Collection, Document, DocumentType, Event, Organisation, Person, Place, Topic


class DocumentSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def items(self):
        return Document.objects.published().only("slug", "modified").order_by("pk")

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
