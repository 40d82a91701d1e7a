import logging
from itertools import chain

from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import connection
from django.db.models import F
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponsePermanentRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.text import capfirst, get_text_list
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView, TemplateView, View
from django_filters.views import FilterView

from . import api, citations, exports, maps, navigation, pdf, search, spelling, tallies, timeline, viewer
from .filters import ENTITY_FILTERS, MATCH_SUFFIX, MAX_TAG_VALUES, PER_PAGE_CHOICES, SORT_CHOICES, DocumentFilter
from .jsontext import markup_safe_json
from .links import QueryLinks
from .listing import ResultSet
from .models import (
    MANY_KINDS,
    Collection,
    Document,
    DocumentType,
    Event,
    Organisation,
    Page,
    Person,
    PersonMerge,
    Place,
    Status,
    Topic,
    WithdrawnRecord,
)

logger = logging.getLogger(__name__)


# Between the phrases of a listing's heading: English reads it as one sentence, the others as a list.
HEADING_SEPARATORS = {"en": " ", "zh-hans": "；"}


def any_of_names(names):
    """Alternatives in words: "either Russian or Chinese", "any of Mao Zedong, Zhou Enlai or Liu Shaoqi"."""
    if len(names) == 2:
        return _("either %(first)s or %(second)s") % {"first": names[0], "second": names[1]}
    return _("any of %(names)s") % {"names": get_text_list(names, _("or"))}


def describe(filterset):
    """What a listing shows, in words: "Documents tagged with Wang Ming and the Soviet Union"."""
    data = filterset.cleaned
    named = {}
    for name, kind in sorted(ENTITY_FILTERS.items(), key=lambda item: item[1].heading_rank):
        # Kinds that share a heading are one phrase: tagged with all of them, not related to each other.
        names = [entity.heading_name() for entity in data.get(name) or ()]
        if not names:
            continue
        if len(names) > 1 and filterset.any_of(name):
            names = [any_of_names(names)]
        named.setdefault(str(kind.heading), []).extend(names)
    parts = [heading % {"names": get_text_list(names, _("and"))} for heading, names in named.items()]
    if filterset.keywords:
        # A search that has quotation marks of its own is not put in another pair.
        keywords = filterset.keywords
        quoted = '"' in keywords or "“" in keywords
        parts.append((_("matching %(q)s") if quoted else _("matching “%(q)s”")) % {"q": keywords})
    start, end = data.get("date_from"), data.get("date_to")
    if start and end:
        parts.append(_("dated %(start)s to %(end)s") % {"start": start.shown(), "end": end.shown()})
    elif start:
        parts.append(_("dated %(start)s or later") % {"start": start.shown()})
    elif end:
        parts.append(_("dated %(end)s or earlier") % {"end": end.shown()})
    if not parts:
        return _("Documents")
    separator = HEADING_SEPARATORS.get(get_language(), "; ")
    return _("Documents %(what)s") % {"what": separator.join(parts)}


def counted_words(paginator, page, description):
    """The listing's sentences that count its results: the page's description for search engines, the range
    shown ("1 - 10 of 14") and the label of the downloads, as {name: text}; made here rather than in the
    template, where each would cost a block translation."""
    count, capped = paginator.count, paginator.capped
    named = {"description": description, "catalogue_name": settings.CATALOGUE_NAME}
    if capped:
        more = intcomma(count - 1)
        return {
            "meta_description": _(
                "%(description)s: more than %(count)s documents in %(catalogue_name)s, with their dates, "
                "summaries and citations."
            )
            % {**named, "count": more},
            "results_range": _("%(first)s - %(last)s of more than %(count)s")
            % {"first": page.start_index(), "last": page.end_index(), "count": more},
            "download_label": _("Download all the results:"),
        }
    shown = intcomma(count)
    return {
        "meta_description": ngettext(
            "%(description)s: %(count)s document in %(catalogue_name)s, with its date, summary and citation.",
            "%(description)s: %(count)s documents in %(catalogue_name)s, with their dates, summaries and citations.",
            count,
        )
        % {**named, "count": shown},
        "results_range": _("%(first)s - %(last)s of %(count)s")
        % {"first": page.start_index(), "last": page.end_index(), "count": shown}
        if count
        else "0",
        "download_label": _("Download this result:")
        if count == 1
        else _("Download all %(count)s results:") % {"count": shown},
    }


class DocumentListView(FilterView):
    """The searchable, filterable listing of published documents.

    Counts, facets and the timeline come from the kept tallies when nothing is
    filtered, and from a capped count and a sample of CATALOGUE_COUNT_CAP results when a
    search matches more than that (the page says so): see `catalogue.listing`.
    """

    model = Document
    filterset_class = DocumentFilter
    paginate_by = 10
    template_name = "catalogue/document_list.html"
    facet_limit = 10
    facet_limit_expanded = 500

    def get_queryset(self):
        return Document.objects.published().defer("search_vector")

    # How the results are counted, paged and faceted; the benchmark gives a naive one to compare.
    result_set_class = ResultSet

    def get_strict(self):
        return self.filterset.has_strict_errors

    def get_paginate_by(self, queryset):
        return navigation.per_page_of(self.filterset.cleaned)

    def paginate_queryset(self, queryset, page_size):
        limits = None if self.filterset.has_strict_errors else self.facet_limits[1]
        self.results = self.result_set_class.for_listing(queryset, page_size, self.filterset, limits)
        paginator, page = self.results.page(self.request)
        return paginator, page, page.object_list, page.has_other_pages()

    @cached_property
    def links(self):
        return QueryLinks(self.request.GET, known={*DocumentFilter.base_filters, "show"})

    @cached_property
    def facet_limits(self):
        """({kind: how many values its facet shows}, {kind: how many to read}): one more is read than is shown, to
        know whether to offer "show all"."""
        expanded = self.request.GET.get("show")
        limits = {
            model: self.facet_limit_expanded if expanded == name else self.facet_limit
            for name, model in ENTITY_FILTERS.items()
        }
        return limits, {model: limit + 1 for model, limit in limits.items()}

    def facets(self):
        if self.filterset.has_strict_errors:
            return []
        url = self.links.url
        expanded = self.request.GET.get("show")
        chosen = set(self.filterset.chosen())
        limits, asked = self.facet_limits
        found = self.results.facets(asked)
        # A facet of alternatives counts each value among the documents the other filters give (how many a
        # reader would add by choosing it), not among the results it already narrowed.
        for name in self.filterset.alternatives():
            without, kind = self.filterset.without(name), ENTITY_FILTERS[name]
            if not without.has_strict_errors:
                others = self.result_set_class.for_listing(without.qs, self.paginate_by, without)
                found[kind] = others.facets({kind: asked[kind]})[kind]
        chosen_ids = {(name, entity.pk) for name, entity in chosen}
        facets = []
        for name, model in ENTITY_FILTERS.items():
            limit, entities = limits[model], found[model]
            any_of = self.filterset.any_of(name)
            here = [entity for parameter, entity in chosen if parameter == name]
            # A document has one language: a second one chosen is an alternative to the first.
            alternative = {f"{name}{MATCH_SUFFIX}": "any"} if here and not model.many() and not any_of else {}
            values = []
            for entity in entities[:limit]:
                selected, slug = (name, entity.id) in chosen_ids, entity.slug
                count = entity.result_count if hasattr(entity, "result_count") else entity.document_count
                link = url(remove=(name, slug)) if selected else url(add=(name, slug), **alternative)
                values.append({"entity": entity, "count": count, "selected": selected, "url": link})
            if values:
                facets.append(
                    {
                        "name": name,
                        "label": capfirst(str(model.plural())),
                        "values": values,
                        "show_all_url": url(show=name) if len(entities) > limit else "",
                        "show_fewer_url": url(show=None) if expanded == name else "",
                        "match": self.match_choices(name) if here and model.many() else [],
                    }
                )
        return facets

    def match_choices(self, name):
        """The two ways the chosen values of a facet can combine, each a link, the one in use marked."""
        any_of, parameter = self.filterset.any_of(name), f"{name}{MATCH_SUFFIX}"
        return [
            {"label": _("all of these"), "url": self.links.url(**{parameter: None}), "current": not any_of},
            {"label": _("any of these"), "url": self.links.url(**{parameter: "any"}), "current": any_of},
        ]

    def chips(self):
        """The filters in use, each with a link that removes it; values that could not be used included."""
        url = self.links.url
        chips = [
            {"label": capfirst(ENTITY_FILTERS[name].singular()), "value": str(entity),
             "url": url(remove=(name, entity.slug))}
            for name, entity in self.filterset.chosen()
        ]  # fmt: skip
        chips += self.unusable_chips()
        cleaned = self.filterset.cleaned
        if self.filterset.keywords:
            chips.insert(0, {"label": _("Search"), "value": self.filterset.keywords, "url": url(q=None),
                             "search": True})  # fmt: skip
        for name, label in (("date_from", _("From")), ("date_to", _("To"))):
            if cleaned.get(name):
                chips.append(
                    {
                        "label": label,
                        "value": cleaned[name].shown(),
                        "url": url(**{name: None}),
                    }
                )
        return chips

    @cached_property
    def values_in_error(self):
        """{parameter: (its values, each once; {slug: entity} of those that name a public entity)} for each
        tag filter with an error (a value not in the catalogue, or too many values)."""
        found = {}
        for name, kind in ENTITY_FILTERS.items():
            if name in self.filterset.errors:
                raw = list(dict.fromkeys(self.request.GET.getlist(name)))
                known = kind.objects.public().filter(slug__in=raw[:MAX_TAG_VALUES])
                found[name] = (raw, {entity.slug: entity for entity in known})
        return found

    def unusable_chips(self):
        """Chips for the values of a tag filter with an error: each known name, and each unknown one marked so,
        removable one by one (too many values: one chip removing them all)."""
        chips = []
        for name, (raw, known) in self.values_in_error.items():
            kind = ENTITY_FILTERS[name]
            if len(raw) > MAX_TAG_VALUES:
                too_many = _("%(n)s chosen, too many") % {"n": len(raw)}
                url = self.links.url(**{name: None})
                chips.append({"label": capfirst(kind.plural()), "value": too_many, "url": url, "unusable": True,
                              "id": f"chip-{name}"})  # fmt: skip
                continue
            for value in raw:
                chip = {"label": capfirst(kind.singular()), "url": self.links.url(remove=(name, value))}
                if value in known:
                    chip["value"] = str(known[value])
                else:
                    # The error box links to the first of them.
                    first = not any(other.get("id") == f"chip-{name}" for other in chips)
                    chip.update(value=value, unusable=True, id=f"chip-{name}" if first else "")
                chips.append(chip)
        return chips

    def carried_filters(self):
        """The tag filters a new search keeps: the ones that could be used, never a value in error."""
        carried = [(name, entity.slug) for name, entity in self.filterset.chosen()]
        for name, (_raw, known) in self.values_in_error.items():
            carried += [(name, slug) for slug in known]
        return carried

    def error_links(self):
        """[(where, label, message)] for the error box: a field's own input, or the chip of a tag filter."""
        form = self.filterset.form
        if not form.errors:
            return []
        links = [("", "", str(error)) for error in form.non_field_errors()]
        for field in form:
            where = f"#chip-{field.name}" if field.name in ENTITY_FILTERS else f"#id_{field.name}"
            links += [(where, field.label, str(error)) for error in field.errors]
        return links

    def did_you_mean(self):
        """For a search that found nothing: the same search with its misspelt names put right, as a link."""
        if not self.filterset.keywords or self.results.count or self.filterset.has_strict_errors:
            return None
        corrected = spelling.suggestion(self.filterset.keywords, connection.vendor)
        return {"text": corrected, "url": self.links.url(q=corrected)} if corrected else None

    def timeline(self):
        if self.filterset.has_strict_errors:
            return None
        counts = self.results.year_counts()
        # Years as the date filters read them: four digits, so 950 is "0950".
        return timeline.build(
            counts, lambda first, last: self.links.url(date_from=f"{first:04d}", date_to=f"{last:04d}")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = context["page_obj"]
        documents = list(page.object_list)
        marks = search.highlights(documents, self.filterset.keywords)
        # Each result opens its document knowing these results and its place in them.
        query = self.links.url(show=None).removeprefix("?")
        for document in documents:
            document.highlight = marks.get(document.pk)
            document.address = document.get_absolute_url()
        for document, url in zip(documents, navigation.links(documents, query, page.start_index()), strict=True):
            document.nav_url = url
        chips = self.chips()
        description = describe(self.filterset)
        context.update(
            documents=documents,
            description=description,
            **counted_words(context["paginator"], page, description),
            facets=self.facets(),
            sample=self.results.sample,
            ranked_sample=self.results.ranked_sample,
            chips=chips,
            filtered=sum(not chip.get("search") for chip in chips),
            timeline=self.timeline(),
            sort=self.filterset.sort_order,
            per_page=str(navigation.per_page_of(self.filterset.cleaned)),
            per_page_choices=PER_PAGE_CHOICES,
            sort_choices=[c for c in SORT_CHOICES if c[0] != "relevance" or self.filterset.keywords],
            clear_url="?",
            # A new search keeps the entity filters chosen so far.
            export_query=self.links.url(show=None),
            carried_filters=self.carried_filters(),
            error_links=self.error_links(),
            # What the reader typed into the search form's fields, and the fields that could not be used.
            search_typed={name: self.request.GET.get(name, "") for name in ("q", "date_from", "date_to")},
            search_invalid=set(self.filterset.form.errors),
            did_you_mean=self.did_you_mean(),
            listing_params=self.links.params(),
        )
        return context


def moved_permanently(request, old, new):
    """The same address with `new` in the place of the slug `old`, query and all: a 301."""
    path = request.path.replace(f"/{old}/", f"/{new}/", 1)
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(path + (f"?{query}" if query else ""))


def document_by_number(request, number):
    """`/documents/id/12/`: a published document by its record number, at its current address."""
    document = Document.objects.published().filter(pk=number).only("slug").first()
    if document is None:
        raise Http404(_("There is no published document number %(number)s.") % {"number": number})
    return HttpResponsePermanentRedirect(document.get_absolute_url())


def json_error(data, status):
    """A JSON error whose text, even if it quotes the request, can never be read as markup."""
    return HttpResponse(markup_safe_json(data), status=status, content_type="application/json; charset=utf-8")


class DocumentExportView(View):
    """Every document the listing would show for the same parameters, as CSV or JSON."""

    content_types = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
    format = None

    def get(self, request):
        filterset = DocumentFilter(request.GET or None, queryset=Document.objects.published(), request=request)
        if filterset.is_bound and not filterset.is_valid():
            # An export must not silently widen or drop a filter: refuse and say why.
            problems = {field: [str(e) for e in errors] for field, errors in filterset.errors.items()}
            return json_error({"error": "The filters could not be used.", "fields": problems}, status=400)
        url_prefix = request.build_absolute_uri(reverse("catalogue:document-list"))
        chunks = exports.stream(filterset.qs, self.format, url_prefix)
        # The query runs before the status is sent, so a database that fails answers an error, never a 200 with
        # the header alone. A small file is answered whole, with its length, and kept for other readers as a
        # page is; a larger one is streamed as it is read, so memory stays flat however many documents match.
        whole, size = [], 0
        for chunk in chunks:
            piece = chunk.encode() if isinstance(chunk, str) else chunk
            whole.append(piece)
            size += len(piece)
            if size > exports.WHOLE_BYTES:
                response = StreamingHttpResponse(chain(whole, chunks), content_type=self.content_types[self.format])
                break
        else:
            response = HttpResponse(b"".join(whole), content_type=self.content_types[self.format])
        response["Content-Disposition"] = f'attachment; filename="documents.{self.format}"'
        return response


class MovedAddressMixin:
    """A record's address that it has left (a new slug, a merge) redirects for good to where it is now:
    `current_slug(slug)` says where, or None for an address that names nothing."""

    def current_slug(self, slug):
        return None

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            slug = kwargs.get("slug", "")
            current = self.current_slug(slug)
            if current is None:
                raise
            return moved_permanently(request, slug, current)


class PublishedDocumentMixin(MovedAddressMixin):
    """A published document by its slug; an address it has left (its slug changed) redirects for good."""

    def visible_documents(self):
        return Document.objects.published()

    def current_slug(self, slug):
        return (
            WithdrawnRecord.objects.filter(slug=slug, moved_to__status=Status.PUBLISHED)
            .values_list("moved_to__slug", flat=True)
            .first()
        )

    def get_queryset(self):
        return (
            self.visible_documents()
            .select_related("language", "repository", "document_type")
            .prefetch_related(*(kind.document_field for kind in MANY_KINDS))
        )


class DocumentDetailView(PublishedDocumentMixin, DetailView):
    template_name = "catalogue/document_detail.html"
    context_object_name = "document"
    related_limit = 5

    def visible_documents(self):
        # Curators preview drafts and documents in review on the public design; nobody else sees them.
        if self.request.user.has_perm("catalogue.view_document"):
            return Document.objects.all()
        return super().visible_documents()

    def record_context(self):
        """What the page and its PDF both show: the facts, tags, permanent address and citations."""
        document = self.object
        url = self.request.build_absolute_uri(document.get_absolute_url())
        relations = [(capfirst(kind.plural()), getattr(document, kind.document_field).all()) for kind in MANY_KINDS]
        return {"document_relations": relations, "permalink": url, "citations": citations.citations(document, url)}

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except navigation.NavigationError as error:
            return HttpResponseBadRequest(escape(str(error)), content_type="text/plain; charset=utf-8")

    def get_context_data(self, **kwargs):
        document = self.object
        absolute = self.request.build_absolute_uri
        url = absolute(document.get_absolute_url())
        reading = viewer.reading_room(document, self.request)
        manifest = absolute(reverse("iiif-manifest", args=[document.slug])) if reading.pages else None
        return super().get_context_data(
            around=navigation.around(document, self.request) if document.is_public else None,
            **self.record_context(),
            meta_tags=citations.meta_tags(document, url),
            json_ld=citations.json_ld(document, url, lambda e: absolute(e.get_absolute_url()), manifest),
            related=document.related(self.related_limit),
            reading=reading,
            **kwargs,
        )


class DocumentPdfView(DocumentDetailView):
    """The record as a PDF to keep or print: its facts, citation, source, credit and text."""

    def get_context_data(self, **kwargs):
        return {"document": self.object, **self.record_context(), **kwargs}

    def render_to_response(self, context):
        document = self.object
        context = {**context, "catalogue_name": settings.CATALOGUE_NAME}
        try:
            body = pdf.document_pdf(context, base_url=self.request.build_absolute_uri("/"))
        except pdf.PdfUnavailable:
            logger.exception("PDFs cannot be made on this server")
            message = _("The PDF of this record cannot be made just now; the record itself is on its page.")
            return HttpResponse(
                message, status=503, content_type="text/plain; charset=utf-8", headers={"Retry-After": "3600"}
            )
        response = HttpResponse(body, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{document.slug}.pdf"'
        return response


class CitationDownloadView(PublishedDocumentMixin, DetailView):
    """The document's citation as a file a reference manager imports: BibTeX, RIS or CSL-JSON."""

    formats = {
        "bib": (citations.bibtex, "application/x-bibtex; charset=utf-8"),
        "ris": (citations.ris, "application/x-research-info-systems; charset=utf-8"),
        "json": (citations.csl_json, "application/vnd.citationstyles.csl+json; charset=utf-8"),
    }

    def render_to_response(self, context):
        document = self.object
        build, content_type = self.formats[self.kwargs["format"]]
        body = build(document, self.request.build_absolute_uri(document.get_absolute_url()))
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{document.slug}.{self.kwargs["format"]}"'
        return response


class ApiGuideView(TemplateView):
    """Using the API: what it offers, with examples that run against this site."""

    template_name = "catalogue/api.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(base=self.request.build_absolute_uri("/"), rate=api.rate_in_words(), **kwargs)


class PageView(DetailView):
    """One of the site's own pages (About, How to search, How to cite), as staff last worded it."""

    model = Page
    template_name = "catalogue/page.html"
    context_object_name = "page"


class HomeView(TemplateView):
    template_name = "catalogue/home.html"

    def get_context_data(self, **kwargs):
        published = Document.objects.published()
        counts = {
            "documents": tallies.published_total(),
            "people": Person.objects.filter(document_count__gt=0).count(),
            "events": Event.objects.filter(document_count__gt=0).count(),
            "places": Place.objects.filter(document_count__gt=0).count(),
            "collections": Collection.objects.filter(document_count__gt=0).count(),
            # Broader topics gather narrower ones: counted as the index lists them.
            "topics": Topic.objects.public().count(),
            "organisations": Organisation.objects.filter(document_count__gt=0).count(),
        }
        recent = published.defer("search_vector")[:5]
        return super().get_context_data(counts=counts, recent=recent, **kwargs)


def in_date_order(documents):
    return documents.order_by(F("date_start").asc(nulls_last=True), "id")


class EntityDetailView(DetailView):
    """One person, event, place or collection with its published documents in date order."""

    paginate_by = 10
    related_people = 10
    result_set_class = ResultSet

    def get_queryset(self):
        return self.model.objects.public()

    def documents(self):
        relation = self.model.documents.field.name
        return Document.objects.published().filter(**{relation: self.object}).defer("search_vector")

    def get_context_data(self, **kwargs):
        documents = self.documents()
        entity = self.object
        results = self.result_set_class.for_entity(entity, in_date_order(documents), self.paginate_by)
        paginator, page = results.page(self.request)
        listing = reverse("catalogue:document-list")
        people = results.facets({Person: self.related_people + 1})[Person]
        years = results.year_counts()
        people = [p for p in people if p != entity][: self.related_people]
        return super().get_context_data(
            sample=results.sample,
            entity=entity,
            page_obj=page,
            paginator=paginator,
            documents=page.object_list,
            people=people,
            listing_url=entity.get_listing_url(),
            empty_query=QueryDict(),
            timeline=timeline.build(
                years,
                lambda first, last: (
                    f"{listing}?{entity.filter_parameter}={entity.slug}&date_from={first:04d}&date_to={last:04d}"
                ),
            ),
            **kwargs,
        )


class PersonDetailView(MovedAddressMixin, EntityDetailView):
    """A person; the address of a person merged into another redirects to the one kept, for good."""

    model = Person
    template_name = "catalogue/person_detail.html"

    def current_slug(self, slug):
        merge = PersonMerge.objects.filter(merged_slug=slug, undone_at__isnull=True).order_by("-id").first()
        if merge is None:
            return None
        return Person.objects.public().filter(pk=merge.kept_id).values_list("slug", flat=True).first()


class EventDetailView(EntityDetailView):
    model = Event
    template_name = "catalogue/event_detail.html"
    related_people = 30


class PlaceDetailView(EntityDetailView):
    model = Place
    template_name = "catalogue/place_detail.html"


class CollectionDetailView(EntityDetailView):
    model = Collection
    template_name = "catalogue/collection_detail.html"


class OrganisationDetailView(EntityDetailView):
    model = Organisation
    template_name = "catalogue/organisation_detail.html"


class DocumentTypeDetailView(EntityDetailView):
    model = DocumentType
    template_name = "catalogue/type_detail.html"


class TopicDetailView(EntityDetailView):
    """A topic with its documents and those of its narrower topics; its broader and narrower topics."""

    model = Topic
    template_name = "catalogue/topic_detail.html"

    def documents(self):
        topics = [self.object.pk, *self.object.narrower_ids()]
        tagged = Topic.link_model().objects.filter(topic__in=topics).values("document_id")
        return Document.objects.published().filter(pk__in=tagged).defer("search_vector")

    def get_context_data(self, **kwargs):
        narrower = Topic.objects.public().filter(parent=self.object).order_by("name")
        return super().get_context_data(broader=self.object.broader(), narrower=narrower, **kwargs)


class EntityIndexView(ListView):
    """Every public person, event, place or collection with its number of published documents."""

    paginate_by = None
    ordering = None
    title = ""

    def get_queryset(self):
        return self.model.objects.public().order_by(*self.ordering)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, **kwargs)


class PersonIndexView(EntityIndexView):
    model = Person
    ordering = ("sort_name", "slug")
    title = gettext_lazy("People")
    template_name = "catalogue/person_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        letters = {}
        for person in context["object_list"]:
            initial = (person.sort_name[:1] or "#").upper()
            letters.setdefault(initial if initial.isalpha() else "#", []).append(person)
        context["letters"] = sorted(letters.items())
        return context


class EventIndexView(EntityIndexView):
    model = Event
    ordering = ("start", "name", "slug")
    title = gettext_lazy("Events")
    template_name = "catalogue/entity_index.html"


class PlaceIndexView(EntityIndexView):
    """Places on a map (each a circle sized by its documents, linking to its page) above their list."""

    model = Place
    ordering = ("name", "slug")
    title = gettext_lazy("Places")
    template_name = "catalogue/place_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        places = list(context["object_list"])
        found = maps.markers(places)
        context.update(
            markers=found,
            map_width=maps.WIDTH,
            map_height=maps.HEIGHT,
            unplaced=sum(1 for place in places if not place.has_coordinates),
        )
        return context


class CollectionIndexView(EntityIndexView):
    model = Collection
    ordering = ("name", "slug")
    title = gettext_lazy("Collections")
    template_name = "catalogue/entity_index.html"


class OrganisationIndexView(EntityIndexView):
    model = Organisation
    ordering = ("name", "slug")
    title = gettext_lazy("Organisations")
    template_name = "catalogue/entity_index.html"


class DocumentTypeIndexView(EntityIndexView):
    model = DocumentType
    ordering = ("name", "slug")
    title = gettext_lazy("Document types")
    template_name = "catalogue/entity_index.html"


class TopicIndexView(EntityIndexView):
    """Topics as a tree: each broader topic with its narrower ones beneath it."""

    model = Topic
    ordering = ("name", "slug")
    title = gettext_lazy("Topics")
    template_name = "catalogue/topic_index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        topics = list(context["object_list"])
        shown = {topic.pk for topic in topics}
        children = {}
        for topic in topics:
            parent = topic.parent_id if topic.parent_id in shown else None
            children.setdefault(parent, []).append(topic)

        def tree(parent, seen=frozenset()):
            return [
                (topic, tree(topic.pk, seen | {topic.pk})) for topic in children.get(parent, []) if topic.pk not in seen
            ]

        context["tree"] = tree(None)
        return context


def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("catalogue:sitemap"))
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        # Every combination of filters is a page; crawl documents and entity pages instead. Written with
        # the wildcard: a bare "/documents/?" is read by some parsers (Python's among them) as "/documents/",
        # which would shut out every document page the sitemap lists.
        "Disallow: /documents/?*",
        "Disallow: /documents/export",
        "Disallow: /oai/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
