"""Citation styles rendered by citeproc-py from the Citation Style Language files in catalogue/csl/.

Five corrections bring citeproc-py's output to what the styles and the CSL specification say, and to what
citeproc-js (the reference processor, which `tests/test_citation_clients.py` compares against) renders:
substituted variables are not repeated, prepositions stay lowercase in headline-style capitals, a bracketed
word is capitalised at its first letter, two names written whole take no comma before "and", and American
English punctuation and apostrophes are typeset.
"""

import hashlib
import html
import json
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import model as citeproc_model
from citeproc import string as citeproc_string
from citeproc.source.json import CiteProcJSON
from django.core.cache import cache
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

CSL_DIR = Path(__file__).parent / "csl"


@dataclass(frozen=True)
class Style:
    key: str
    label: "str | Promise"
    filename: str
    form: str  # "note": the style's first note; "bibliography": its bibliography entry


STYLES = (
    Style("chicago", _("Chicago (17th edition), note"), "chicago-notes-bibliography-17th-edition.csl", "note"),
    Style("mla", _("MLA (9th edition)"), "modern-language-association.csl", "bibliography"),
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

# Headline-style capitals as the Chicago Manual has them: articles, coordinating conjunctions and every
# preposition lowercase (citeproc-py's own list leaves out most prepositions: "Talks Between" for "between").
citeproc_model.TextCased._stop_words = sorted(
    {"a", "an", "the", "and", "but", "for", "nor", "or", "so", "yet", "as", "about", "above", "across", "after",
     "against", "along", "alongside", "amid", "among", "around", "at", "before", "behind", "below", "beneath",
     "beside", "besides", "between", "beyond", "by", "despite", "down", "during", "except", "from", "in",
     "inside", "into", "like", "near", "of", "off", "on", "onto", "out", "over", "per", "since", "than",
     "through", "throughout", "till", "to", "toward", "towards", "under", "underneath", "until", "unto", "up",
     "upon", "versus", "via", "with", "within", "without"}
)  # fmt: skip


def _capitalize_first_letter(self):
    """The first letter upper case, after any opening bracket or quotation mark ("[Undated]")."""
    for index, character in enumerate(self):
        if character.isalpha():
            return self.__class__(self[:index] + character.upper() + self[index + 1 :])
    return self


citeproc_string.String.capitalize_first = _capitalize_first_letter


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
# punctuation-in-quote), which citeproc-py leaves outside; and an apostrophe is typeset as one (’).
_PUNCTUATION_AFTER_QUOTE = re.compile("”([.,])")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w|\s|$)")


def render(style, item):
    """One citation in `style` as HTML: the data escaped, the style's italics and bold as <i> and <b>.

    Rendering takes milliseconds; the result is kept in the cache under the item's own content, so any
    change to what is cited renders afresh.
    """
    # What the styles print: CSL 1.0.2's `license`, which citeproc-py does not know, stays in the data alone.
    item = {key: value for key, value in item.items() if key != "license"}
    digest = hashlib.blake2b(json.dumps(item, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()
    key = f"csl:{style.key}:{digest}"
    text = cache.get(key)
    if text is None:
        text = _render(style, item)
        cache.set(key, text, timeout=24 * 60 * 60)
    return mark_safe(text)


def _render(style, item):
    item = {key: _unmarked(value) for key, value in item.items()}
    bibliography = CitationStylesBibliography(_style(style), CiteProcJSON([item]), _formatter)
    citation = Citation([CitationItem(item["id"])])
    bibliography.register(citation)
    if style.form == "note":
        text = str(bibliography.cite(citation, lambda missing: None))
    else:
        text = str(bibliography.bibliography()[0])
    authors = item.get("author", [])
    if len(authors) == 2 and "literal" in authors[0]:
        # A name written whole is never inverted, so no comma parts it from "and" ("Li Lisan and Wang Ming").
        text = text.replace(f"{authors[0]['literal']}, and ", f"{authors[0]['literal']} and ", 1)
    text = _PUNCTUATION_AFTER_QUOTE.sub("\\1”", _APOSTROPHE.sub("’", text))
    text = html.escape(text, quote=False)
    return _MARK_CHARACTERS.sub(lambda mark: _MARKS[mark.group()], text)
