"""How a document is cited: CSL styles (Chicago, MLA) and CSL-JSON, BibTeX, RIS, COinS, Highwire and Dublin
Core meta tags, JSON-LD.

Every format is built from the same facts; absent facts are left out rather than guessed.
"""

import html
import json
from datetime import date
from urllib.parse import quote_plus, urlencode

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from django.conf import settings
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe

from . import csl
from .jsontext import markup_safe_json

DC_ELEMENTS = "http://purl.org/dc/elements/1.1/"


def archive_and_location(document):
    """(holding archive, place in it): the archive record and the source line when the archive is known (the
    source's leading archive name dropped), or the source line alone as the archive when it is not."""
    source = " ".join(document.source.split())
    repository = getattr(document, "repository", None)
    if not repository:
        return source, ""
    name = " ".join(repository.name.split())
    if source.startswith(name):
        source = source[len(name) :].lstrip(" ,;.")
    return name, source


def csl_item(document, url, accessed=None):
    """The document as one CSL-JSON item: what every CSL processor (and Zotero, pandoc, citation-js) reads."""
    accessed = accessed or date.today()
    item = {"id": document.slug, "type": "manuscript", "title": " ".join(document.title.split())}
    if getattr(document, "pk", None):
        # The catalogue's permanent record number ("no. 12"), as archives' records are cited by theirs.
        item["number"] = str(document.pk)
    if _creators(document):
        # Names as the catalogue writes them, never split into given and family names ("Mao Zedong").
        item["author"] = [{"literal": name} for name in _creators(document)]
    partial = document.partial_date
    if partial:
        item["issued"] = {"date-parts": [[part for part in (partial.year, partial.month, partial.day) if part]]}
    archive, location = archive_and_location(document)
    if archive:
        item["archive"] = archive
    if location:
        item["archive_location"] = location
    if document.summary:
        item["abstract"] = " ".join(document.summary.split())
    if document.credit:
        item["note"] = " ".join(document.credit.split())
    if getattr(document, "rights", ""):
        item["license"] = document.rights  # CSL 1.0.2's variable for a rights statement or licence
    # No "language": the item cited is the catalogue's record, in English, whatever the original's language.
    item.update(
        source=settings.CATALOGUE_NAME,
        URL=url,
        accessed={"date-parts": [[accessed.year, accessed.month, accessed.day]]},
    )
    return item


def _creators(document):
    return [" ".join(name.split()) for name in getattr(document, "creators", [])]


def csl_json(document, url, accessed=None):
    """CSL-JSON, as Zotero, pandoc and citation-js read it: a list of one item."""
    return json.dumps([csl_item(document, url, accessed)], ensure_ascii=False, indent=2) + "\n"


def citations(document, url, accessed=None):
    """(style, HTML) for every style, for the page's citation box."""
    item = csl_item(document, url, accessed)
    return [(style, csl.render(style, item)) for style in csl.STYLES]


def chicago(document, url, accessed=None):
    """The Chicago note as plain text."""
    return html.unescape(strip_tags(csl.render(csl.STYLES[0], csl_item(document, url, accessed))))


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
    if _creators(document):
        # Each name braced whole: BibTeX neither splits "Mao Zedong" into first and last nor a body's name.
        fields.insert(0, ("author", " and ".join(f"{{{bibtex_escape(name)}}}" for name in _creators(document))))
    partial = document.partial_date
    if partial:
        fields.append(("year", str(partial.year)))
        if partial.month:
            fields.append(("month", partial.start.strftime("%b").lower()))
        fields.append(("date", document.date))
    fields.append(("howpublished", settings.CATALOGUE_NAME))
    if getattr(document, "pk", None):
        fields.append(("number", str(document.pk)))
    notes = [text for text in (document.source, document.credit) if text]
    if notes:
        fields.append(("note", ". ".join(note.rstrip(".") for note in notes) + "."))
    if document.summary:
        fields.append(("abstract", document.summary))
    if document.language:
        fields.append(("language", document.language.name))
    fields.append(("url", url))
    fields.append(("urldate", accessed.isoformat()))
    # Months are BibTeX macros and go unbraced; URLs are verbatim; authors are escaped above; everything else
    # is escaped. The title is braced twice so that styles which lowercase titles keep its proper names.
    verbatim = {"month": "{}", "url": "{{{}}}", "urldate": "{{{}}}", "author": "{{{}}}"}
    doubled = {"title"}
    entry = Entry(
        "misc",
        document.slug.replace("-", "_"),
        [
            Field(
                name,
                verbatim[name].format(value)
                if name in verbatim
                else f"{{{{{bibtex_escape(value)}}}}}"
                if name in doubled
                else f"{{{bibtex_escape(value)}}}",
            )
            for name, value in fields
        ],
    )
    # The values are written as given (already enclosed and escaped above): no middleware re-encloses them.
    return bibtexparser.write_string(Library([entry]), unparse_stack=[], bibtex_format=_BIBTEX_FORMAT)


# rispy's tags, and the archive's location, which RIS has as AV and rispy does not name.
_RIS_TAGS = {**rispy.TAG_KEY_MAPPING, "AV": "archive_location"}


class _RisWriter(rispy.RisWriter):
    """One reference, no numbered header, lines ended by CR LF as the RIS specification has them."""

    NEWLINE = "\r\n"
    DEFAULT_MAPPING = _RIS_TAGS

    def set_header(self, count):
        return None


def ris(document, url, accessed=None):
    """A manuscript (TY MANSCPT): citation managers file the holding archive (DB) and the place in it (AV)
    in their archive and archive-location fields, and the catalogue as the catalogue it was found in (DP)."""
    accessed = accessed or date.today()
    entry = {"type_of_reference": "MANSCPT", "title": document.title}
    if _creators(document):
        entry["authors"] = _creators(document)
    partial = document.partial_date
    if partial:
        month = f"{partial.month:02d}" if partial.month else ""
        day = f"{partial.day:02d}" if partial.day else ""
        entry.update(year=str(partial.year), date=f"{partial.year}/{month}/{day}/")
    if document.summary:
        entry["abstract"] = document.summary
    archive, location = archive_and_location(document)
    if archive:
        entry["name_of_database"] = archive
    if location:
        entry["archive_location"] = location
    if document.credit:
        entry["notes"] = [document.credit]
    if document.language:
        entry["language"] = document.language.name
    keywords = [e.name for e in (*document.people.all(), *document.places.all(), *document.events.all())]
    if keywords:
        entry["keywords"] = keywords
    entry.update(database_provider=settings.CATALOGUE_NAME, urls=[url], access_date=accessed.isoformat())
    # RIS is line-based: a value may not carry a line break.
    entry = {
        key: [" ".join(v.split()) for v in value] if isinstance(value, list) else " ".join(value.split())
        for key, value in entry.items()
    }
    return rispy.dumps([entry], implementation=_RisWriter)


def coins(document, url):
    """A COinS span: lets Zotero save every document on a page of results.

    Only keys Zotero's OpenURL reader keeps for its "document" type: title, date, abstract (description),
    publisher and the URL (rft_id); it would file `rft.source` as a journal title. Built from the
    row alone, so a page of results costs no query per document.
    """
    pairs = [("rft.title", document.title)]
    pairs += [("rft.creator", name) for name in _creators(document)]
    if document.date:
        pairs.append(("rft.date", document.date))
    if document.summary:
        pairs.append(("rft.description", document.summary))
    pairs += [("rft.publisher", settings.CATALOGUE_NAME), ("rft_id", url)]
    # The context, the same for every document, encoded once; each pair as `urlencode` gives it.
    return _COINS_CONTEXT + "".join(f"&{key}={quote_plus(str(value))}" for key, value in pairs)


_COINS_CONTEXT = urlencode(
    [
        ("ctx_ver", "Z39.88-2004"),
        ("rft_val_fmt", "info:ofi/fmt:kev:mtx:dc"),
        ("rfr_id", "info:sid/catalogue"),
        ("rft.type", "document"),
    ]
)


def meta_tags(document, url):
    """Highwire Press (`citation_*`) and Dublin Core (`DC.*`) tags for reference managers and Google Scholar."""
    tags = [("citation_title", document.title)]
    # Google Scholar lists a work under its authors; where the creator is not known there is none to give.
    tags += [("citation_author", name) for name in _creators(document)]
    partial = document.partial_date
    if partial:
        tags.append(("citation_date", partial.isoformat().replace("-", "/")))
        tags.append(("citation_publication_date", partial.isoformat().replace("-", "/")))
    tags.append(("citation_publisher", settings.CATALOGUE_NAME))
    if document.language:
        tags.append(("citation_language", document.language.name))
    tags.append(("citation_abstract_html_url", url))
    for entity in (*document.topics.all(), *document.people.all()):
        tags.append(("citation_keywords", entity.name))
    tags += [("DC.title", document.title), ("DC.type", "Text")]
    if document.document_type:
        tags.append(("DC.type", document.document_type.name))
    tags.append(("DC.identifier", url))
    tags += [("DC.creator", name) for name in _creators(document)]
    if document.date:
        tags.append(("DC.date", document.date))
    if document.summary:
        tags.append(("DC.description", document.summary))
    if document.source:
        tags.append(("DC.source", document.source))
    if document.language:
        tags.append(("DC.language", document.language.name))
    for entity in (
        *document.topics.all(),
        *document.people.all(),
        *document.organisations.all(),
        *document.events.all(),
    ):
        tags.append(("DC.subject", entity.name))
    for place in document.places.all():
        tags.append(("DC.coverage", place.name))
    if document.credit:
        tags.append(("DC.contributor", document.credit))
    tags.append(("DC.publisher", settings.CATALOGUE_NAME))
    # The schema link tells readers of DC.* names which element set they come from.
    return format_html('<link rel="schema.DC" href="{}">\n  ', DC_ELEMENTS) + format_html_join(
        "\n  ", '<meta name="{}" content="{}">', tags
    )


def _linked(kind, entity, entity_url):
    """A schema.org node for an entity, with its other names and the authority records of the same one."""
    node = {"@type": kind, "name": entity.name, "url": entity_url(entity)}
    if entity.variants:
        node["alternateName"] = entity.variants
    if entity.same_as:
        node["sameAs"] = entity.same_as
    return node


def _place(place, entity_url):
    node = _linked("Place", place, entity_url)
    if place.has_coordinates:
        node["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(place.latitude),
            "longitude": float(place.longitude),
        }
    return node


def json_ld(document, url, entity_url, manifest=None):
    """schema.org ArchiveComponent; `entity_url(entity)` gives each linked entity's absolute URL, `manifest`
    the address of its IIIF manifest where it has scans."""
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
    if document.rights:
        data["license"] = document.rights
    if document.repository:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "name": document.repository.name}
    elif document.source:
        data["holdingArchive"] = {"@type": "ArchiveOrganization", "description": document.source}
    if document.document_type:
        data["genre"] = document.document_type.name
    about = [_linked("Person", p, entity_url) for p in document.people.all()]
    about += [_linked("Organization", o, entity_url) for o in document.organisations.all()]
    about += [{"@type": "Event", "name": e.name, "url": entity_url(e)} for e in document.events.all()]
    about += [{"@type": "DefinedTerm", "name": t.name, "url": entity_url(t)} for t in document.topics.all()]
    if about:
        data["about"] = about
    keywords = [topic.name for topic in document.topics.all()]
    if keywords:
        data["keywords"] = keywords
    places = [_place(p, entity_url) for p in document.places.all()]
    if places:
        data["spatialCoverage"] = places
    collections = [{"@type": "Collection", "name": c.name, "url": entity_url(c)} for c in document.collections.all()]
    if collections:
        data["isPartOf"] = collections
    if manifest:
        data["subjectOf"] = {
            "@type": "CreativeWork",
            "name": "IIIF Presentation manifest",
            "url": manifest,
            "encodingFormat": 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"',
        }
    data["publisher"] = {"@type": "Organization", "name": settings.CATALOGUE_NAME}
    return mark_safe(markup_safe_json(data, indent=2))
