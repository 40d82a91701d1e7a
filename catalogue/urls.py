from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, register_converter

from . import advanced, feeds, health, metrics, oai, selection, views
from .models import Page
from .sitemaps import SITEMAPS


class PageSlugConverter:
    """Only the addresses of the site's own pages ("about", "how-to-search", "how-to-cite")."""

    regex = "|".join(Page.Address.values)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(PageSlugConverter, "page_slug")

app_name = "catalogue"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path("documents/export.csv", views.DocumentExportView.as_view(format="csv"), name="document-export-csv"),
    path("documents/export.json", views.DocumentExportView.as_view(format="json"), name="document-export-json"),
    path("documents/id/<int:number>/", views.document_by_number, name="document-by-number"),
    path("documents/feed.rss", feeds.DocumentFeed(), name="document-feed-rss"),
    path("documents/feed.atom", feeds.DocumentAtomFeed(), name="document-feed-atom"),
    path("documents/<slug:slug>/", views.DocumentDetailView.as_view(), name="document-detail"),
    path(
        "documents/<slug:slug>/cite.bib",
        views.CitationDownloadView.as_view(),
        {"format": "bib"},
        name="document-bibtex",
    ),
    path(
        "documents/<slug:slug>/cite.ris", views.CitationDownloadView.as_view(), {"format": "ris"}, name="document-ris"
    ),
    path(
        "documents/<slug:slug>/cite.json",
        views.CitationDownloadView.as_view(),
        {"format": "json"},
        name="document-csl-json",
    ),
    path("documents/<slug:slug>/record.pdf", views.DocumentPdfView.as_view(), name="document-pdf"),
    path("selection/", selection.SelectionView.as_view(), name="selection"),
    *(
        path(
            f"selection/export.{format}",
            selection.SelectionExportView.as_view(format=format),
            name=f"selection-export-{format}",
        )
        for format in ("csv", "json", "bib", "ris")
    ),  # fmt: skip
    path("people/", views.PersonIndexView.as_view(), name="person-index"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("events/", views.EventIndexView.as_view(), name="event-index"),
    path("events/<slug:slug>/", views.EventDetailView.as_view(), name="event-detail"),
    path("places/", views.PlaceIndexView.as_view(), name="place-index"),
    path("places/<slug:slug>/", views.PlaceDetailView.as_view(), name="place-detail"),
    path("collections/", views.CollectionIndexView.as_view(), name="collection-index"),
    path("collections/<slug:slug>/", views.CollectionDetailView.as_view(), name="collection-detail"),
    path("organisations/", views.OrganisationIndexView.as_view(), name="organisation-index"),
    path("organisations/<slug:slug>/", views.OrganisationDetailView.as_view(), name="organisation-detail"),
    path("topics/", views.TopicIndexView.as_view(), name="topic-index"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic-detail"),
    path("types/", views.DocumentTypeIndexView.as_view(), name="type-index"),
    path("types/<slug:slug>/", views.DocumentTypeDetailView.as_view(), name="type-detail"),
    path("search/", advanced.AdvancedSearchView.as_view(), name="advanced-search"),
    # The site's own pages, by their fixed addresses (see `models.Page.Address`).
    path("<page_slug:slug>/", views.PageView.as_view(), name="page"),
    path("oai/", oai.endpoint, name="oai"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("healthz", health.alive, name="healthz"),
    path("readyz", health.ready, name="readyz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("api/", views.ApiGuideView.as_view(), name="api-guide"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "catalogue:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
]
