from django.core.paginator import InvalidPage
from django.http import Http404
from django.views.generic import DetailView, TemplateView
from django_filters.views import FilterView

from . import search, timeline
from .filters import ENTITY_FILTERS, SORT_CHOICES, DocumentFilter
from .models import Collection, Document, Event, Person, Place


def url_with(params, add=None, remove=None, **replace):
    """`?query` from a QueryDict: add or remove one (name, value) pair, replace whole names.

    Changing what is shown always returns to the first page.
    """
    params = params.copy()
    params.pop("page", None)
    if add:
        name, value = add
        if value not in params.getlist(name):
            params.appendlist(name, value)
    if remove:
        name, value = remove
        params.setlist(name, [v for v in params.getlist(name) if v != value])
    for name, value in replace.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + params.urlencode() if params else "?"


FACET_LABELS = {
    "person": "People",
    "place": "Places",
    "event": "Events",
    "collection": "Collections",
    "language": "Languages",
    "archive": "Archives",
}


def _joined(names):
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _place_name(place):
    # Names of unions, federations and republics take the article in a sentence.
    needs_article = place.name.split()[-1] in {
        "Union",
        "States",
        "Kingdom",
        "Republic",
        "Emirates",
        "Netherlands",
    }
    return f"the {place.name}" if needs_article else place.name


def describe(filterset):
    """What a listing shows, in words: "Documents about Wang Ming in the Soviet Union"."""
    data = filterset.cleaned
    parts = ["Documents"]
    if data.get("person"):
        parts.append("about " + _joined(person.name for person in data["person"]))
    if data.get("event"):
        parts.append("on " + _joined(event.name for event in data["event"]))
    if data.get("place"):
        parts.append("in " + _joined(_place_name(place) for place in data["place"]))
    if data.get("collection"):
        parts.append("from the collection " + _joined(c.name for c in data["collection"]))
    if data.get("language"):
        parts.append("in " + _joined(language.name for language in data["language"]))
    if data.get("archive"):
        parts.append("held by " + _joined(archive.name for archive in data["archive"]))
    if filterset.keywords:
        parts.append(f"matching “{filterset.keywords}”")
    start, end = data.get("date_from"), data.get("date_to")
    if start and end:
        parts.append(f"dated {start.display()} to {end.display()}")
    elif start:
        parts.append(f"dated {start.display()} or later")
    elif end:
        parts.append(f"dated {end.display()} or earlier")
    return " ".join(parts)


class DocumentListView(FilterView):
    """The searchable, filterable listing of published documents."""

    model = Document
    filterset_class = DocumentFilter
    paginate_by = 10
    template_name = "catalogue/document_list.html"
    facet_limit = 10
    facet_limit_expanded = 500

    def get_queryset(self):
        return Document.objects.published().defer("full_text", "search_vector")

    def get_strict(self):
        return self.filterset.has_strict_errors

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        requested = self.request.GET.get("page") or "1"
        if requested == "last":
            requested = str(paginator.num_pages)
        if not (requested.isascii() and requested.isdigit()):
            raise Http404(f"“{requested[:40]}” is not a page number.")
        try:
            page = paginator.page(int(requested))
        except InvalidPage:
            pages = paginator.num_pages
            raise Http404(
                f"There is no page {requested}: these results have {pages} page{'s' if pages != 1 else ''}."
            ) from None
        return paginator, page, page.object_list, page.has_other_pages()

    def facets(self):
        if self.filterset.has_strict_errors:
            return []
        params = self.request.GET
        expanded = params.get("show")
        chosen = set(self.filterset.chosen())
        facets = []
        for name, model in ENTITY_FILTERS.items():
            limit = self.facet_limit_expanded if expanded == name else self.facet_limit
            entities = self.object_list.facet(model, limit + 1)
            values = [
                {
                    "entity": entity,
                    "count": entity.document_count,
                    "selected": (name, entity) in chosen,
                    "url": url_with(params, remove=(name, entity.slug))
                    if (name, entity) in chosen
                    else url_with(params, add=(name, entity.slug)),
                }
                for entity in entities[:limit]
            ]
            if values:
                facets.append(
                    {
                        "name": name,
                        "label": FACET_LABELS[name],
                        "values": values,
                        "show_all_url": url_with(params, show=name) if len(entities) > limit else "",
                        "show_fewer_url": url_with(params, show=None) if expanded == name else "",
                    }
                )
        return facets

    def chips(self):
        params = self.request.GET
        chips = [
            {"label": FACET_LABELS[name][:-1] if name != "person" else "Person", "value": str(entity),
             "url": url_with(params, remove=(name, entity.slug))}
            for name, entity in self.filterset.chosen()
        ]  # fmt: skip
        cleaned = self.filterset.cleaned
        if self.filterset.keywords:
            chips.insert(
                0, {"label": "Search", "value": self.filterset.keywords, "url": url_with(params, q=None)}
            )
        for name, label in (("date_from", "From"), ("date_to", "To")):
            if cleaned.get(name):
                chips.append(
                    {
                        "label": label,
                        "value": cleaned[name].display(),
                        "url": url_with(params, **{name: None}),
                    }
                )
        return chips

    def timeline(self):
        if self.filterset.has_strict_errors:
            return None
        params = self.request.GET
        return timeline.build(
            self.object_list.year_counts(),
            lambda first, last: url_with(params, date_from=str(first), date_to=str(last)),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        documents = list(page.object_list)
        marks = search.highlights(documents, self.filterset.keywords)
        for document in documents:
            document.highlight = marks.get(document.pk)
        context.update(
            documents=documents,
            description=describe(self.filterset),
            facets=self.facets(),
            chips=self.chips(),
            timeline=self.timeline(),
            sort=self.filterset.sort_order,
            sort_choices=[c for c in SORT_CHOICES if c[0] != "relevance" or self.filterset.keywords],
            clear_url="?",
            # A new search keeps the entity filters chosen so far.
            carried_filters=[
                (name, value) for name in ENTITY_FILTERS for value in self.request.GET.getlist(name)
            ],
        )
        return context


class DocumentDetailView(DetailView):
    template_name = "catalogue/document_detail.html"
    context_object_name = "document"

    def get_queryset(self):
        return (
            Document.objects.published()
            .select_related("language", "repository")
            .prefetch_related("people", "places", "events", "collections")
        )

    def get_context_data(self, **kwargs):
        document = self.object
        relations = (
            ("People", document.people.all()),
            ("Places", document.places.all()),
            ("Events", document.events.all()),
            ("Collections", document.collections.all()),
        )
        return super().get_context_data(document_relations=relations, **kwargs)


class HomeView(TemplateView):
    template_name = "catalogue/home.html"

    def get_context_data(self, **kwargs):
        published = Document.objects.published()
        on_public_documents = {"documents__in": published.values("pk")}
        counts = {
            "documents": published.count(),
            "people": Person.objects.filter(**on_public_documents).distinct().count(),
            "events": Event.objects.filter(**on_public_documents).distinct().count(),
            "places": Place.objects.filter(**on_public_documents).distinct().count(),
            "collections": Collection.objects.filter(**on_public_documents).distinct().count(),
        }
        recent = published.defer("full_text", "search_vector")[:5]
        return super().get_context_data(counts=counts, recent=recent, **kwargs)
