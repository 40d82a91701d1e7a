"""How a document is cited: Chicago style, BibTeX, RIS, COinS, Highwire and Dublin Core meta tags, JSON-LD.

Every format is built from the same facts; absent facts are left out rather than guessed.
"""

import html
import json
import re
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import bibtexparser
import rispy
from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import BibtexFormat
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import model as citeproc_model
from citeproc.source.json import CiteProcJSON
from django.conf import settings
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe

from .jsontext import markup_safe_json

# Citation styles, rendered from the Citation Style Language files in catalogue/csl/ -----------------

DC_ELEMENTS = "http://purl.org/dc/elements/1.1/"
CSL_DIR = Path(__file__).parent / "csl"


@dataclass(frozen=True)
class Style:
    key: str
    label: str
    filename: str
    form: str  # "note": the style's first note; "bibliography": its bibliography entry


STYLES = (
    Style("chicago", "Chicago (17th edition), note", "chicago-notes-bibliography-17th-edition.csl", "note"),
    Style("mla", "MLA (9th edition)", "modern-language-association.csl", "bibliography"),
)
_parsed = threading.local()


def _repress_substituted(substitute, child, context):
    """CSL: "substituted variables are suppressed in the rest of the output". citeproc-py suppresses a
    variable named on the substituting element itself but not one reached through a macro, so a document
    with no author (its title standing in the author's place) would repeat its title; this suppresses
    every variable the substituting element or its macros name."""
    layout = context.get_layout()
    pending, seen = [child], set()
    while pending:
        element = pending.pop()
        if element.get("variable"):
            layout.repressed.setdefault(element.tag, []).extend(element.get("variable").split())
        if element.get("macro") and element.get("macro") not in seen:
            seen.add(element.get("macro"))
            pending.append(element.get_macro(element.get("macro")))
        pending.extend(element.iterchildren())


citeproc_model.Substitute.add_to_repressed_list = _repress_substituted


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
    if document.language:
        item["language"] = document.language.name
    item.update(
        source=settings.CATALOGUE_NAME,
        URL=url,
        accessed={"date-parts": [[accessed.year, accessed.month, accessed.day]]},
    )
    return item


def csl_json(document, url, accessed=None):
    """CSL-JSON, as Zotero, pandoc and citation-js read it: a list of one item."""
    return json.dumps([csl_item(document, url, accessed)], ensure_ascii=False, indent=2) + "\n"


def _style(style):
    cache = _parsed.__dict__.setdefault("styles", {})
    if style.key not in cache:
        cache[style.key] = CitationStylesStyle(str(CSL_DIR / style.filename), validate=False)
    return cache[style.key]


# citeproc-py's HTML formatter lets markup in the data through, so rendering is plain text with the style's
# italics and bold marked by private-use characters (removed from the data first), escaped afterwards.
_MARKS = {"\ue000": "<i>", "\ue001": "</i>", "\ue002": "<b>", "\ue003": "</b>"}
_MARK_CHARACTERS = re.compile("[\ue000-\ue003]")
_formatter = SimpleNamespace(
    preformat=lambda text: text,
    Italic=lambda text: f"\ue000{text}\ue001",
    Oblique=lambda text: f"\ue000{text}\ue001",
    Bold=lambda text: f"\ue002{text}\ue003",
    **dict.fromkeys(("Light", "Underline", "Superscript", "Subscript", "SmallCaps"), str),
)


def _unmarked(value):
    if isinstance(value, str):
        return _MARK_CHARACTERS.sub("", value)
    if isinstance(value, dict):
        return {key: _unmarked(inner) for key, inner in value.items()}
    return value


# American English puts a closing comma or full stop inside the quotation marks (the locale's
# punctuation-in-quote), which citeproc-py leaves outside.
_PUNCTUATION_AFTER_QUOTE = re.compile("”([.,])")


def render(style, item):
    """One citation in `style` as HTML: the data escaped, the style's italics and bold as <i> and <b>."""
    # The language of the catalogue's titles, not of the original: CSL applies title case to English titles only.
    item = {key: _unmarked(value) for key, value in item.items() if key != "language"}
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), _formatter)
    citation = Citation([CitationItem(item["id"])])
    bibliography.register(citation)
    if style.form == "note":
        text = str(bibliography.cite(citation, lambda missing: None))
    else:
        text = str(bibliography.bibliography()[0])
    text = _PUNCTUATION_AFTER_QUOTE.sub("\\1”", html.escape(text, quote=False))
    return mark_safe(_MARK_CHARACTERS.sub(lambda mark: _MARKS[mark.group()], text))


def citations(document, url, accessed=None):
    """(style, HTML) for every style, for the page's citation box."""
    item = csl_item(document, url, accessed)
    return [(style, render(style, item)) for style in STYLES]


def chicago(document, url, accessed=None):
    """The Chicago note as plain text."""
    return html.unescape(strip_tags(render(STYLES[0], csl_item(document, url, accessed))))


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
    # Months are BibTeX macros and go unbraced; URLs are verbatim; everything else is escaped. The title is
    # braced twice so that styles which lowercase titles keep its proper names ("Mao Zedong") as written.
    verbatim = {"month": "{}", "url": "{{{}}}", "urldate": "{{{}}}"}
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
    pairs += [("rft.publisher", settings.CATALOGUE_NAME), ("rft_id", url)]
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
    if document.credit:
        tags.append(("DC.contributor", document.credit))
    tags.append(("DC.publisher", settings.CATALOGUE_NAME))
    # The schema link tells readers of DC.* names which element set they come from.
    return format_html('<link rel="schema.DC" href="{}">\n  ', DC_ELEMENTS) + format_html_join(
        "\n  ", '<meta name="{}" content="{}">', tags
    )


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
