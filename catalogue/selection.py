"""A reader's selection of documents, kept in their own browser (localStorage, by `static/js/catalogue.js`).

The server keeps nothing of it: the selection page, its exports and the link a reader shares all carry the
documents in the address (`?ids=12,57,90`, in the order they were chosen). Only published documents are
shown or exported; ids that name anything else are counted as unavailable and never told apart.
"""

from django.db.models import Case, IntegerField, When
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse
from django.views.generic import TemplateView

from . import citations, exports
from .models import Document

# A selection is a reader's working set, not the catalogue: enough for a chapter's sources.
MAX_DOCUMENTS = 500


class SelectionError(ValueError):
    pass


def parse_ids(text):
    """The ids of `?ids=`, in order, each once; a clear error for anything that is not a list of ids."""
    if not text:
        return []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() and len(part) <= 18 for part in parts):
        raise SelectionError("A selection is a list of document numbers separated by commas, such as 12,57,90.")
    ids = list(dict.fromkeys(int(part) for part in parts))
    if len(ids) > MAX_DOCUMENTS:
        raise SelectionError(f"A selection holds at most {MAX_DOCUMENTS} documents ({len(ids)} were given).")
    return ids


def chosen(ids):
    """The published documents of `ids`, in the order they were chosen."""
    if not ids:
        return Document.objects.none()
    order = Case(*(When(pk=pk, then=position) for position, pk in enumerate(ids)), output_field=IntegerField())
    return Document.objects.published().filter(pk__in=ids).order_by(order)


class SelectionMixin:
    def dispatch(self, request, *args, **kwargs):
        try:
            self.ids = parse_ids(request.GET.get("ids", ""))
        except SelectionError as error:
            return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
        return super().dispatch(request, *args, **kwargs)


class SelectionView(SelectionMixin, TemplateView):
    template_name = "catalogue/selection.html"

    def get_context_data(self, **kwargs):
        documents = list(chosen(self.ids).defer("search_vector"))
        query = f"?ids={','.join(str(document.pk) for document in documents)}" if documents else ""
        return super().get_context_data(
            documents=documents,
            unavailable=len(self.ids) - len(documents),
            query=query,
            share_url=self.request.build_absolute_uri(reverse("catalogue:selection") + query),
            **kwargs,
        )


class SelectionExportView(SelectionMixin, TemplateView):
    """The selection as a file: CSV and JSON as the listing's exports, BibTeX and RIS as one file of entries."""

    format = ""
    content_types = {
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "bib": "application/x-bibtex; charset=utf-8",
        "ris": "application/x-research-info-systems; charset=utf-8",
    }

    def get(self, request, *args, **kwargs):
        documents = chosen(self.ids)
        if self.format in ("csv", "json"):
            url_prefix = request.build_absolute_uri(reverse("catalogue:document-list"))
            response = StreamingHttpResponse(exports.stream(documents, self.format, url_prefix),
                                             content_type=self.content_types[self.format])  # fmt: skip
        else:
            build = citations.bibtex if self.format == "bib" else citations.ris
            entries = (build(document, request.build_absolute_uri(document.get_absolute_url()))
                       for document in documents.select_related("repository", "language"))  # fmt: skip
            response = HttpResponse("\n".join(entries), content_type=self.content_types[self.format])
        response["Content-Disposition"] = f'attachment; filename="selection.{self.format}"'
        return response
