"""Full-text search: the query syntax, what the index is made of, and highlights.

How each database keeps and reads the index is in `catalogue.backends`: PostgreSQL keeps a weighted
`tsvector` on each document (GIN-indexed) in a text search configuration `catalogue` that folds accents
and stems English; SQLite keeps an FTS5 table (porter stemming, diacritics removed) whose rowid is the
document's id. Both are brought up to date by `update_index()`, which `catalogue.upkeep` calls whenever a
document, its relations or the names of what it is tagged with change.

Both read the same query syntax, that of PostgreSQL's `websearch_to_tsquery`:
words (all must match), "quoted phrases", `or` between alternatives, and
`-word` to exclude; and fields: `title:telegram`, `summary:"secret speech"`, `text:harbour` look in that
part of the documents alone, and `person:"Mao Zedong"` (or place, organisation, event, topic, type,
language, archive, collection) narrows to what that name, another name or a slug names.
"""

import re
from dataclasses import dataclass, field
from itertools import batched
from urllib.parse import urlencode

from django.db.models import Value
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from .backends import database
from .backends.base import MARK_START, MARK_STOP
from .models import ENTITY_KINDS, KINDS_BY_PARAMETER, Document

MAX_QUERY_LENGTH = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_TOKEN = re.compile(r'(?:(\w+):)?"([^"]*)"?|(\S+)')
# The parts of a document a word may be looked for in alone: {field in the query: the part}.
TEXT_FIELDS = {"title": "title", "summary": "summary", "text": "full_text"}
_WORD = re.compile(r"\w+")


def clean(text):
    """Drop control characters (NUL included) and fold runs of white space."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


@dataclass
class ParsedQuery:
    """A keyword query read the way `websearch_to_tsquery` reads it."""

    # Each group must match; a group matches if any of its alternatives does.
    # An alternative is a tuple of words that must stand together as a phrase.
    required: list = field(default_factory=list)
    excluded: list = field(default_factory=list)
    # Words that must be in one part of the document: [(part, words as a phrase)].
    fielded: list = field(default_factory=list)
    # Names of entities the documents must carry: [(query parameter of the kind, the name as typed)].
    entities: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.required and not self.excluded and not self.fielded and not self.entities

    @property
    def plain(self):
        """The query without its fields, as websearch_to_tsquery reads it."""
        groups = [" or ".join(_quoted(words) for words in group) for group in self.required]
        return " ".join(groups + [f"-{_quoted(words)}" for words in self.excluded])

    @property
    def highlighted(self):
        """Every group of words to mark in the results, fielded ones included."""
        return self.required + [[words] for _part, words in self.fielded]


def _quoted(words):
    return " ".join(words) if len(words) == 1 else '"' + " ".join(words) + '"'


def any_words(text):
    """Any of the words of `text` (fielded ones too), for finding where they are: `a or b or "c d"`."""
    return " or ".join(_quoted(words) for group in parse(text).highlighted for words in group)


def parse(text):
    parsed = ParsedQuery()
    joining = False
    named = KINDS_BY_PARAMETER
    for match in _TOKEN.finditer(clean(text)):
        prefix, phrase, bare = match.groups()
        if bare is not None and ":" in bare and not bare.startswith("-"):
            prefix, _colon, rest = bare.partition(":")
            if prefix.lower() in TEXT_FIELDS or prefix.lower() in named:
                bare, phrase = None, rest
            else:
                prefix = None
        if prefix is not None and (prefix.lower() in TEXT_FIELDS or prefix.lower() in named):
            value = " ".join((phrase or "").split())
            if prefix.lower() in named:
                if value:
                    parsed.entities.append((prefix.lower(), value))
            elif _WORD.findall(value):
                parsed.fielded.append((TEXT_FIELDS[prefix.lower()], tuple(_WORD.findall(value))))
            joining = False
            continue
        if prefix is not None:
            # Not a field: its name is a word like any other, before the phrase.
            parsed.required.append([(prefix,)])
        negated = False
        if bare is not None:
            if bare.lower() == "or" and parsed.required and not joining:
                joining = True
                continue
            if bare.startswith("-") and len(bare) > 1:
                negated, bare = True, bare[1:]
            words = tuple(_WORD.findall(bare.replace('"', " ")))
        else:
            words = tuple(_WORD.findall(phrase))
        if not words:
            continue
        if negated:
            parsed.excluded.append(words)
        elif joining:
            parsed.required[-1].append(words)
        else:
            parsed.required.append([words])
        joining = False
    return parsed


def matching(queryset, text, parsed=None):
    """Documents of `queryset` matching `text` (or its `parsed` words, its names in fields already applied by
    the caller), annotated with `search_rank` (higher is better)."""
    parsed = parsed or parse(text)
    if parsed.is_empty:
        return queryset.none()
    if not parsed.required and not parsed.excluded and not parsed.fielded:
        return queryset.annotate(search_rank=Value(0.0))
    return database().match(queryset, parsed, parsed.plain)


def marked(text):
    """Escape `text` for HTML, turning the database's match markers into <mark>."""
    if not text:
        return ""
    html = escape(text).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>")
    return mark_safe(html)


@dataclass
class Highlight:
    title: str
    summary: str
    excerpt: str = ""
    # Where the excerpt is ("in the English translation", "in the scan, page 3"), and the address opening the
    # document there with the words marked.
    where: str = ""
    where_url: str = ""


def highlights(documents, text):
    """{document id: Highlight} for a page of documents, matched words in <mark>, with an excerpt of the first
    text or page of the scans the words are in."""
    marked_query = ParsedQuery(required=parse(text).highlighted)
    ids = [document.pk for document in documents]
    if not ids or not marked_query.required:
        return {}
    found = {
        pk: Highlight(marked(title), marked(summary))
        for pk, title, summary in database().highlight_rows(ids, marked_query, marked_query.plain)
    }
    _where_found(documents, text, found)
    return found


def _where_found(documents, text, found):
    """Add to each highlight the first of its document's texts, then pages of its scans, the words are in
    (the first by reading order: PostgreSQL gives only that one, SQLite every passage)."""
    from .models import where_found

    rows = database().passages(list(found), any_words(text))
    best = {}
    for document_id, source, source_id, _number, excerpt, kind, language, place in rows:
        if MARK_START not in excerpt:
            continue
        if source == "text":
            rank, where, place = (0, place, source_id), where_found(kind, language), {"fragment": f"text-{source_id}"}
        else:
            rank, where = (1, place, 0), gettext("in the scan, page %(number)s") % {"number": place}
            place = {"page": place}
        if document_id not in best or rank < best[document_id][0]:
            best[document_id] = (rank, where, place, excerpt)
    urls = {document.pk: document.get_absolute_url() for document in documents}
    for document_id, (_rank, where, place, excerpt) in best.items():
        query = {"q": text, **({"page": place["page"]} if "page" in place else {})}
        fragment = place.get("fragment", "scan")
        highlight = found.setdefault(document_id, Highlight("", ""))
        highlight.excerpt, highlight.where = marked(excerpt), where
        highlight.where_url = f"{urls[document_id]}?{urlencode(query)}#{fragment}"


def _names_sql(kind):
    """SQL for the names of one kind of entity on the document `d`, space-separated ('' for none)."""
    # Its other names too: a birth name, another transliteration or the original script finds its documents.
    aggregate = database().join_names.format("e.name || ' ' || e.other_names")
    if not kind.many():
        name = "e.name || ' ' || e.other_names"
        return f"coalesce((SELECT {name} FROM {kind._meta.db_table} AS e WHERE e.id = d.{kind.document_column()}), '')"
    return (
        f"coalesce((SELECT {aggregate} FROM {kind.link_model()._meta.db_table} AS r"
        f" JOIN {kind._meta.db_table} AS e ON e.id = r.{kind.link_column()} WHERE r.document_id = d.id), '')"
    )


def _all_names_sql():
    """SQL for every searched name on the document `d` (the kinds whose `names_searched` is set)."""
    return " || ' ' || ".join(_names_sql(kind) for kind in ENTITY_KINDS if kind.names_searched)


def update_index(document_ids, texts=True):
    """Bring the search index up to date for these documents (any that no longer exist are dropped); `texts`
    False when their texts and scans have not changed (a database that keeps them apart leaves them be)."""
    ids = sorted({int(pk) for pk in document_ids if pk is not None})
    names = _all_names_sql()
    for chunk in batched(ids, 500):
        database().index(list(chunk), names, texts)


def remove_from_index(document_ids):
    database().unindex([int(pk) for pk in document_ids])


def rebuild_index():
    ids = list(Document.objects.values_list("pk", flat=True))
    database().clear_index()
    update_index(ids)
    return len(ids)
