"""Around the results: a document opened from a result list knows the list it came from.

Its address carries the listing's query and the document's place in it (`?in=person%3Dwang-ming&at=3`),
so "Back to results" and "Previous" / "Next" survive a reload and can be shared. The neighbours are read
from the listing's own pages (the same ResultSet, counts, windows and orders), at most two pages of ids.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from .filters import PER_PAGE_CHOICES, DocumentFilter
from .listing import ResultSet
from .models import Document

# The listing's own page length when the query does not choose one.
DEFAULT_PER_PAGE = 10


class NavigationError(ValueError):
    """A navigation parameter that is not what the site writes: said clearly, answered with a 400."""


@dataclass
class Around:
    """Where a document sits in the results it was opened from."""

    description: str
    back_url: str
    position: int | None = None
    total: int | None = None
    previous: Document | None = None
    previous_url: str = ""
    next: Document | None = None
    next_url: str = ""


def link(document, query: str, position: int) -> str:
    """The address of `document` opened as the `position`th result of the listing `query`."""
    return links([document], query, position)[0]


def links(documents, query: str, first: int) -> list[str]:
    """The addresses of `documents` opened as the results of the listing `query` from the `first`th on (the
    query encoded once for a page of them)."""
    encoded = urlencode({"in": query})
    return [
        f"{getattr(document, 'address', None) or document.get_absolute_url()}?{encoded}&at={position}"
        for position, document in enumerate(documents, start=first)
    ]


def around(document, request) -> Around | None:
    """The document's place in the results named by `?in=` and `?at=`, or None when it was not opened
    from a result list. A document no longer at that place (the catalogue changed) keeps its way back."""
    if "in" not in request.GET:
        return None
    query = request.GET.get("in", "")
    at = request.GET.get("at", "")
    if not (at.isascii() and at.isdigit() and 0 < int(at) <= 10_000_000):
        raise NavigationError(_("“at” is the place of the document in its results: a whole number from 1."))
    position = int(at)
    params = QueryDict(query)
    filterset = DocumentFilter(params or None, queryset=Document.objects.published(), request=request)
    if filterset.is_bound and not filterset.is_valid():
        raise NavigationError(_("The results this document was opened from cannot be read again."))
    per_page = per_page_of(params)
    from .views import describe

    listing = reverse("catalogue:document-list")
    page = (position - 1) // per_page + 1
    back = QueryDict(query, mutable=True)
    if page > 1:
        back["page"] = str(page)
    found = Around(description=describe(filterset), back_url=f"{listing}?{back.urlencode()}" if back else listing)
    results = ResultSet.for_listing(filterset.qs.defer("search_vector"), per_page, filterset)
    paginator = results.paginator
    if position > min(paginator.count, paginator.browsable_count):
        return found
    wanted = {position - 1, position, position + 1}
    pages = sorted({(place - 1) // per_page + 1 for place in wanted if place >= 1})
    placed = {}
    for number in pages:
        if number > paginator.num_pages:
            continue
        page_obj = paginator.page(number)
        for offset, item in enumerate(page_obj.object_list):
            placed[(number - 1) * per_page + offset + 1] = item
    if placed.get(position) is None or placed[position].pk != document.pk:
        return found  # the results have changed since: the way back stays, the neighbours would be wrong
    found.position, found.total = position, paginator.count
    for neighbour, place in (("previous", position - 1), ("next", position + 1)):
        other = placed.get(place)
        if other is not None:
            setattr(found, neighbour, other)
            setattr(found, f"{neighbour}_url", link(other, query, place))
    return found


def per_page_of(params) -> int:
    value = params.get("per_page", "")
    return int(value) if value in dict(PER_PAGE_CHOICES) else DEFAULT_PER_PAGE
