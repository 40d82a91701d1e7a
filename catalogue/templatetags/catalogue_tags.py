import functools
import html

from django import template
from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from .. import citations
from ..jsontext import markup_safe_json
from ..links import QueryLinks, in_html
from ..reversing import fixed_url

register = template.Library()


# The listing's results, facets and timeline repeat the same few elements dozens of times; written here
# they cost a few microseconds an element instead of a template node's dozens. The markup is that of a
# template: change it here.


@register.simple_tag(takes_context=True)
def result_rows(context, documents):
    """One <li class="result"> a document: its date, title (to its page, or to it among these results), summary,
    where the words searched for were found, the selection's button and a COinS span for reference managers.
    Matched words come marked (`search.Highlight`)."""
    # Every address on the page has the same scheme and host: asked of the request once, not once a row.
    origin = context["request"].build_absolute_uri("/")[:-1]
    add = _escaped(_("Add to selection"))
    rows = []
    for document in documents:
        highlight = getattr(document, "highlight", None)
        address = getattr(document, "address", None) or document.get_absolute_url()
        url = getattr(document, "nav_url", None) or address
        title = highlight.title if highlight else document.title
        row = (
            f'<li class="result">\n  <p class="result__date">{_escaped(document.date_shown)}</p>\n'
            f'  <h2 class="result__title"><a href="{_escaped(url)}">{_escaped(title)}</a></h2>\n'
        )
        if document.summary:
            summary = highlight.summary if highlight else document.summary
            row += f'  <p class="result__summary">{_escaped(summary)}</p>\n'
        if highlight and highlight.excerpt:
            found = _("Found %(where)s") % {"where": highlight.where}
            row += (
                f'  <p class="result__excerpt"><a class="result__excerpt-label" href="{_escaped(highlight.where_url)}">'
                f"{_escaped(found)}</a>: {_escaped(highlight.excerpt)}</p>\n"
            )
        citation = citations.coins(document, origin + address)
        rows.append(
            f'{row}  <button type="button" class="select-button" data-select="{document.pk}" hidden>'
            f'<span class="select-button__label">{add}</span><span class="visually-hidden">: '
            f"{_escaped(document.title)}</span></button>\n"
            f'  <span class="Z3988" title="{_escaped(citation)}"></span>\n</li>'
        )
    return mark_safe("".join(rows))  # noqa: S308  (every value escaped above)


@register.simple_tag
def address(viewname):
    """`{% url viewname %}` for an address that takes no arguments, reversed once per language and prefix."""
    return fixed_url(viewname)


@register.filter(is_safe=True)
def meta_text(value, length):
    """Text for a page's description: its tags stripped and at most `length` characters (as `striptags` and then
    `truncatechars`, which walks every character even of a short text)."""
    value = str(value)
    if "<" in value:
        value = strip_tags(value)
    if len(value) > length:
        value = Truncator(value).chars(length)
    return value


@register.simple_tag
def feed_links(query, title):
    """The <link>s to the Atom and RSS feeds of these documents (`query`: the listing's, "?…" or "")."""
    atom = _("%(feed_title)s (Atom)") % {"feed_title": title}
    rss = _("%(feed_title)s (RSS)") % {"feed_title": title}
    atom_url = _escaped(fixed_url("catalogue:document-feed-atom") + query)
    rss_url = _escaped(fixed_url("catalogue:document-feed-rss") + query)
    return mark_safe(  # noqa: S308  (every value escaped)
        f'<link rel="alternate" type="application/atom+xml" title="{_escaped(atom)}" href="{atom_url}">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{_escaped(rss)}" href="{rss_url}">'
    )


@register.simple_tag
def search_hint(hint_id):
    """The line under a search box: how to write a search, and where to read more."""
    return _search_hint(get_language(), get_script_prefix(), get_resolver(get_urlconf()), hint_id)


@functools.lru_cache(maxsize=64)
def _search_hint(language, script_prefix, resolver, hint_id):
    # The same for every page in one language, place and set of addresses: made once each (the translations
    # change only with a restart).
    syntax = _("“Quotes” for a phrase, <kbd>or</kbd> for either word, a minus to leave a word out: <kbd>-word</kbd>.")
    advanced, how = _escaped(_("Advanced search")), _escaped(_("How to search"))
    guide = reverse("catalogue:page", args=["how-to-search"])
    # The syntax's words are the interface's own (their markup is in every translation).
    return mark_safe(  # noqa: S308
        f'<p class="search-form__hint" id="{_escaped(hint_id)}">{syntax}<span class="search-form__more"> '
        f'<a href="{_escaped(fixed_url("catalogue:advanced-search"))}">{advanced}</a> · '
        f'<a href="{_escaped(guide)}">{how}</a></span></p>'
    )


@register.simple_tag(takes_context=True)
def search_form(context):
    """The listing's search form: the words and dates typed (a field that could not be used marked so, with the
    box of errors above), the order and page length chosen, and the tag filters a new search keeps."""
    typed, invalid = context["search_typed"], context["search_invalid"]
    words = {
        key: _escaped(text)
        for key, text in (
            ("form", _("Search the documents")), ("errors", _("Some of the search could not be used")),
            ("search", _("Search")), ("phrase", _("Words or “a phrase”")), ("from", _("From")), ("to", _("To")),
            ("date", _("YYYY[-MM[-DD]]")), ("sort", _("Sort by")), ("per_page", _("Per page")),
        )
    }  # fmt: skip

    def marked(name):
        return ' aria-invalid="true"' if name in invalid else ""

    errors = ""
    if invalid:
        items = []
        for where, label, message in context["error_links"]:
            link = f'<a href="{_escaped(where)}">{_escaped(label)}</a>: ' if where else ""
            items.append(f"<li>{link}{_escaped(message)}</li>")
        listed = "".join(items)
        errors = (
            f'<div class="form-errors" role="alert"><h2 class="form-errors__title">{words["errors"]}</h2>'
            f"<ul>{listed}</ul></div>"
        )
    dates = "".join(
        f'<div class="field"><label for="id_{name}">{words[label]}</label><input type="text" name="{name}" '
        f'id="id_{name}" value="{_escaped(typed[name])}" maxlength="10" inputmode="numeric" '
        f'placeholder="{words["date"]}"{marked(name)}></div>'
        for name, label in (("date_from", "from"), ("date_to", "to"))
    )
    carried = "".join(
        f'<input type="hidden" name="{_escaped(name)}" value="{_escaped(value)}">'
        for name, value in context["carried_filters"]
    )
    action, hint = _escaped(fixed_url("catalogue:document-list")), search_hint("search-hint")
    sort = options(context["sort_choices"], context["sort"])
    per_page = options(context["per_page_choices"], context["per_page"])
    return mark_safe(  # noqa: S308  (every value escaped)
        f'<form class="search-form" method="get" action="{action}" '
        f'role="search" aria-label="{words["form"]}">{errors}<div class="search-form__main">'
        f'<label for="id_q">{words["search"]}</label><input type="search" name="q" id="id_q" '
        f'value="{_escaped(typed["q"])}" maxlength="500" placeholder="{words["phrase"]}" '
        f'aria-describedby="search-hint"{marked("q")}><button type="submit">{words["search"]}</button>'
        f"{hint}</div>"
        f'<div class="search-form__options">{dates}<div class="field"><label for="id_sort">{words["sort"]}</label>'
        f'<select name="sort" id="id_sort">{sort}</select></div>'
        f'<div class="field field--narrow"><label for="id_per_page">{words["per_page"]}</label>'
        f'<select name="per_page" id="id_per_page">{per_page}'
        f"</select></div></div>{carried}</form>"
    )


def options(choices, chosen):
    """The <option>s of a select: (value, label) pairs, the one equal to `chosen` selected."""
    return mark_safe(  # noqa: S308  (every value escaped)
        "".join(
            f'<option value="{_escaped(value)}"{" selected" if value == chosen else ""}>{_escaped(label)}</option>'
            for value, label in choices
        )
    )


@register.simple_tag
def chip_list(chips, clear_url):
    """The filters in use, each a link that removes it (one that could not be used marked so), and "Clear all"."""
    listed, problem = _escaped(_("Filters in use")), _escaped(_("(not found)"))
    remove, clear = _escaped(_("(remove)")), _escaped(_("Clear all"))
    items = []
    for chip in chips:
        unusable, anchor = chip.get("unusable"), chip.get("id")
        marked = " chip--unusable" if unusable else ""
        anchored = f' id="{_escaped(anchor)}"' if anchor else ""
        noted = f' <span class="chip__problem">{problem}</span>' if unusable else ""
        items.append(
            f'<li><a class="chip{marked}" href="{_escaped(chip["url"])}"{anchored}><span class="chip__label">'
            f'{_escaped(chip["label"])}:</span> {_escaped(chip["value"])}{noted} <span class="chip__x" '
            f'aria-hidden="true">×</span><span class="visually-hidden"> {remove}</span></a></li>'
        )
    items.append(f'<li><a class="chips__clear" href="{_escaped(clear_url)}">{clear}</a></li>')
    return mark_safe(f'<ul class="chips" aria-label="{listed}">{"".join(items)}</ul>')  # noqa: S308  (all escaped)


@register.simple_tag
def facet_sections(facets):
    language = get_language()
    words = _escaped(_("Remove filter: "))
    remove = f'<span class="visually-hidden">{words}</span>'
    return mark_safe("".join(_facet_section(facet, language, remove) for facet in facets))  # noqa: S308


# The same few words for a count, asked for a hundred times a page (every facet value and timeline bar) and the
# same counts page after page: each process keeps them for each language (the translations change only with a
# restart).
@functools.lru_cache(maxsize=8192)
def _documents_word(language, count):
    return html.escape(ngettext("document", "documents", count))


@functools.lru_cache(maxsize=8192)
def _documents_phrase(language, count):
    return ngettext("%(n)s document", "%(n)s documents", count) % {"n": count}


def _escaped(value):
    """As `conditional_escape`, for the few kinds of value a facet holds, without its general machinery."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def _facet_section(facet, language, remove):
    """One facet's section; `remove` is the hidden words before a chosen value."""
    name, label = facet["name"], facet["label"]
    attribute = html.escape(name)
    items = []
    escape = html.escape
    for value in facet["values"]:
        count, selected, entity = value["count"], value["selected"], value["entity"]
        marked = ' is-selected" aria-current="true' if selected else ""
        items.append(
            f'<li><a href="{in_html(value["url"])}" class="facet__value{marked}" data-facet="{attribute}"'
            f' data-slug="{escape(entity.slug)}"><span class="facet__name">{remove if selected else ""}'
            f'{escape(str(entity))}</span> <span class="facet__count">{count:d}'
            f'<span class="visually-hidden"> {_documents_word(language, count)}</span></span></a></li>'
        )
    more = ""
    if facet["show_all_url"]:
        words = _("Show all %(kinds)s") % {"kinds": label.lower()}
        more = f'<a class="facet__more" href="{escape(facet["show_all_url"])}">{_escaped(words)}</a>'
    if facet["show_fewer_url"]:
        words = _("Show fewer %(kinds)s") % {"kinds": label.lower()}
        more += f'<a class="facet__more" href="{escape(facet["show_fewer_url"])}">{_escaped(words)}</a>'
    match = ""
    if facet.get("match"):
        current = ' aria-current="true"'
        choices = ' <span aria-hidden="true">·</span> '.join(
            f'<a href="{escape(choice["url"])}" class="facet__match-choice"{current if choice["current"] else ""}>'
            f"{_escaped(choice['label'])}</a>"
            for choice in facet["match"]
        )
        words = _escaped(_("Documents with"))
        match = f'<p class="facet__match">{words} {choices}</p>'
    return (
        f'<section class="facet" aria-labelledby="facet-{attribute}"><h2 class="facet__title" id="facet-{attribute}">'
        f'{_escaped(label)}</h2>{match}<ul class="facet__values">{"".join(items)}</ul>{more}</section>'
    )


@register.simple_tag
def pagination(page, query):
    """Links to the pages of these results (`query` is what every link keeps): the previous and next, the first
    and last two, and three each side of the one shown, which is marked; the rest elided."""
    if not page.has_other_pages():
        return ""
    links = QueryLinks(query)

    def to(number):
        return _escaped(links.url(page=number))

    word = _escaped(_("Page"))
    hidden = f'<span class="visually-hidden">{word} </span>'
    items = []
    if page.has_previous():
        label = _('‹ Previous<span class="visually-hidden"> page</span>')
        items.append(f'<li><a href="{to(page.previous_page_number())}" rel="prev">{label}</a></li>')
    paginator = page.paginator
    for number in paginator.get_elided_page_range(page.number):
        if not isinstance(number, int):  # the ellipsis
            items.append(f'<li><span class="pagination__gap">{_escaped(number)}</span></li>')
        elif number == page.number:
            items.append(f'<li><span aria-current="page" class="pagination__current">{hidden}{number}</span></li>')
        else:
            items.append(f'<li><a href="{to(number)}">{hidden}{number}</a></li>')
    if page.has_next():
        label = _('Next<span class="visually-hidden"> page</span> ›')
        items.append(f'<li><a href="{to(page.next_page_number())}" rel="next">{label}</a></li>')
    # The labels are the interface's own words (their markup is in every translation); numbers are numbers.
    name, listed = _escaped(_("Pagination")), "".join(items)
    return mark_safe(f'<nav class="pagination" aria-label="{name}">\n<ul>\n{listed}\n</ul>\n</nav>')  # noqa: S308


@register.simple_tag
def timeline_figure(timeline, sample=None):
    """The histogram as SVG, each bar a link, with a caption and a table as its text alternative."""
    if not timeline:
        return ""
    escape = html.escape
    language = get_language()
    drawn, rows = [], []
    for bar in timeline.bars:
        if not bar.count:
            continue
        url, label = escape(bar.url), escape(bar.label)
        words = escape(f"{bar.label}: {_documents_phrase(language, bar.count)}")
        drawn.append(
            f'<a href="{url}" aria-label="{words}"><rect x="{bar.x}" y="{bar.y}" width="{bar.width}" '
            f'height="{bar.height}" class="timeline__bar"><title>{words}</title></rect></a>'
        )
        rows.append(f'<tr><td><a href="{url}">{label}</a></td><td>{bar.count:d}</td></tr>')
    caption = format_html(_("From a sample of {} results: "), sample) if sample else ""
    # The year labels are drawn apart from the bars: the bars stretch to the width, the text never does
    # (a percentage `x` in an SVG without a viewBox places it without scaling it).
    ticks = []
    for label, centre in timeline.ticks():
        anchor = "start" if centre < 4 else "end" if centre > 96 else "middle"
        ticks.append(
            f'<text x="{centre}%" y="13" class="timeline__label" text-anchor="{anchor}">{escape(label)}</text>'
        )
    words, documents = timeline.words, escape(_("Documents"))
    return mark_safe(  # noqa: S308  (every value escaped)
        f'<figure class="timeline"><figcaption class="timeline__caption" id="timeline-caption">{caption}'
        f"{escape(words['caption'])}: {escape(timeline.summary)}</figcaption>"
        f'<svg class="timeline__chart" viewBox="0 0 {timeline.width:d} {timeline.height:d}" role="group" '
        f'aria-labelledby="timeline-caption" preserveAspectRatio="none">{"".join(drawn)}</svg>'
        f'<svg class="timeline__axis" aria-hidden="true" focusable="false">{"".join(ticks)}</svg>'
        f'<details class="timeline__table"><summary>{escape(words["table"])}</summary><table>'
        f'<thead><tr><th scope="col">{escape(words["column"])}</th><th scope="col">{documents}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></details></figure>"
    )


@register.simple_tag
def interface_text():
    """The words `catalogue.js` says, in the interface's language, as a JSON data block (never run as code).

    Counts come as one phrase for each plural category the browser's `Intl.PluralRules` names, each made by
    ngettext with a number of that category ("1 документ", "2 документа", "5 документов")."""
    samples = {"one": 1, "few": 2, "many": 5, "other": 2}
    words = {
        "documents": {
            category: ngettext("%(n)s document", "%(n)s documents", n).replace("%(n)s", "{n}")
            for category, n in samples.items()
        },  # fmt: skip
        "copied": _("Copied"),
        "copiedToClipboard": _("Copied to the clipboard."),
        "copyRefused": _("The browser did not allow copying; select the text and copy it."),
        "storageRefused": _("This browser does not let the catalogue keep a selection."),
        "add": _("Add to selection"),
        "remove": _("Remove from selection"),
        "added": _("Added to your selection, which holds {count}."),
        "removed": _("Removed from your selection, which holds {count}."),
        "tooMany": _("A selection holds at most {most} documents."),
    }
    # markup_safe_json escapes "<", ">" and "&", so the block cannot be closed early.
    data = mark_safe(markup_safe_json(words))  # noqa: S308
    return format_html('<script type="application/json" id="interface-text">{}</script>', data)
