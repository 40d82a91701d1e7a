"""How a document is cited: Chicago style, BibTeX, RIS, COinS, Highwire and Dublin Core meta tags, JSON-LD.

Every format is built from the same facts; absent facts are left out rather than guessed.
"""

from datetime import date
from urllib.parse import urlencode

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from django.conf import settings
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from .jsontext import markup_safe_json


def chicago(document, url, accessed=None):
    """Chicago notes-and-bibliography style for an archival document in a digital archive."""
    accessed = accessed or date.today()
    pieces = [piece for piece in (document.date and document.date_display, document.source) if piece]
    if pieces:
        text = f"“{document.title},” " + ", ".join(pieces) + "."
    else:
        text = f"“{document.title}.”"
    if document.credit:
        text += f" {document.credit.rstrip('.')}."
    text += f" {settings.CATALOGUE_NAME}. {url} (accessed {accessed:%B} {accessed.day}, {accessed.year})."
    return text


_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}


def bibtex_escape(text):
    return "".join(_BIBTEX_SPECIALS.get(char, char) for char in " ".join(text.split()))


_BIBTEX_FORMAT = BibtexFormat()
_BIBTEX_FORMAT.indent = "  "


def bibtex(document, url, accessed=None):
    accessed = accessed or date.today()
    fields = [("title", document.title)]
    partial = document.partial_date
    if partial:
        fields.append(("year", str(partial.year)))
        if partial.month:
            fields.append(("month", partial.start.strftime("%b").lower()))
        fields.append(("date", document.date))
    fields.append(("howpublished", settings.CATALOGUE_NAME))
    notes = [text for text in (document.source, document.credit) if text]
    if notes:
        fields.append(("note", ". ".join(note.rstrip(".") for note in notes) + "."))
    if document.summary:
        fields.append(("abstract", document.summary))
    if document.language:
        fields.append(("language", document.language.name))
    fields.append(("url", url))
    fields.append(("urldate", accessed.isoformat()))
    # Months are BibTeX macros and go unbraced; URLs are verbatim; everything else is escaped.
    verbatim = {"month": "{}", "url": "{{{}}}", "urldate": "{{{}}}"}
    entry = Entry(
        "misc",
        document.slug.replace("-", "_"),
        [
            Field(name, verbatim[name].format(value) if name in verbatim else f"{{{bibtex_escape(value)}}}")
            for name, value in fields
        ],
    )
    # The values are written as given (already enclosed and escaped above): no middleware re-encloses them.
    return bibtexparser.write_string(Library([entry]), unparse_stack=[], bibtex_format=_BIBTEX_FORMAT)


class _RisWriter(rispy.RisWriter):
    """One reference, no numbered header, lines ended by CR LF as the RIS specification has them."""

    NEWLINE = "\r\n"

    def set_header(self, count):
        return None


def ris(document, url, accessed=None):
    accessed = accessed or date.today()
    entry = {"type_of_reference": "GEN", "title": document.title}
    partial = document.partial_date
    if partial:
        month = f"{partial.month:02d}" if partial.month else ""
        day = f"{partial.day:02d}" if partial.day else ""
        entry.update(year=str(partial.year), date=f"{partial.year}/{month}/{day}/")
    if document.summary:
        entry["abstract"] = document.summary
    if document.source:
        entry["accession_number"] = document.source
    if document.credit:
        entry["notes"] = [document.credit]
    if document.language:
        entry["language"] = document.language.name
    keywords = [e.name for e in (*document.people.all(), *document.places.all(), *document.events.all())]
    if keywords:
        entry["keywords"] = keywords
    entry.update(publisher=settings.CATALOGUE_NAME, urls=[url], access_date=accessed.isoformat())
    # RIS is line-based: a value may not carry a line break.
    entry = {
        key: [" ".join(v.split()) for v in value] if isinstance(value, list) else " ".join(value.split())
        for key, value in entry.items()
    }
    return rispy.dumps([entry], implementation=_RisWriter)


def coins(document, url):
    """A COinS span: lets Zotero save every document on a page of results."""
    pairs = [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rfr_id", "info:sid/catalogue"),
        ("rft.type", "document"),
        ("rft.title", document.title),
    ]
    if document.date:
        pairs.append(("rft.date", document.date))
    if document.summary:
        pairs.append(("rft.description", document.summary))
    if document.source:
        pairs.append(("rft.source", document.source))
    pairs += [("rft.publisher", settings.CATALOGUE_NAME), ("rft.identifier", url)]
    return urlencode(pairs)


def meta_tags(document, url):
    """Highwire Press (`citation_*`) and Dublin Core (`DC.*`) tags for reference managers and Google Scholar."""
    tags = [("citation_title", document.title)]
    partial = document.partial_date
    if partial:
        tags.append(("citation_date", partial.isoformat().replace("-", "/")))
        tags.append(("citation_publication_date", partial.isoformat().replace("-", "/")))
    tags.append(("citation_publisher", settings.CATALOGUE_NAME))
    if document.language:
        tags.append(("citation_language", document.language.name))
    tags.append(("citation_abstract_html_url", url))
    for person in document.people.all():
        tags.append(("citation_keywords", person.name))
    tags += [("DC.title", document.title), ("DC.type", "Text"), ("DC.identifier", url)]
    if document.date:
        tags.append(("DC.date", document.date))
    if document.summary:
        tags.append(("DC.description", document.summary))
    if document.source:
        tags.append(("DC.source", document.source))
    if document.language:
        tags.append(("DC.language", document.language.name))
    for entity in (*document.people.all(), *document.events.all()):
        tags.append(("DC.subject", entity.name))
    for place in document.places.all():
        tags.append(("DC.coverage", place.name))
    tags.append(("DC.publisher", settings.CATALOGUE_NAME))
    return format_html_join("\n  ", '<meta name="{}" content="{}">', tags)


def json_ld(document, url, entity_url):
    """schema.org ArchiveComponent; `entity_url(entity)` gives each linked entity's absolute URL."""
    data = {
        "@context": "https://schema.org",
        "@type": "ArchiveComponent",
        "@id": url,
        "url": url,
        "name": document.title,
    }
    if document.date:
        data["dateCreated"] = document.date
    if document.summary:
        data["description"] = document.summary
    if document.language:
        data["inLanguage"] = document.language.name
    if document.credit:
        data["creditText"] = document.credit
    if document.repository:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "name": document.repository.name}
    elif document.source:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "description": document.source}
    about = [{"@type": "Person", "name": p.name, "url": entity_url(p)} for p in document.people.all()]
    about += [{"@type": "Event", "name": e.name, "url": entity_url(e)} for e in document.events.all()]
    if about:
        data["about"] = about
    places = [{"@type": "Place", "name": p.name, "url": entity_url(p)} for p in document.places.all()]
    if places:
        data["spatialCoverage"] = places
    collections = [{"@type": "Collection", "name": c.name, "url": entity_url(c)} for c in document.collections.all()]
    if collections:
        data["isPartOf"] = collections
    data["publisher"] = {"@type": "Organization", "name": settings.CATALOGUE_NAME}
    return mark_safe(markup_safe_json(data, indent=2))
