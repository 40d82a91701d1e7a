"""Fast tests of the pure parts, without a database or HTTP: dates, the timeline, the search parser,
query links, citations and import planning."""

from datetime import date
from types import SimpleNamespace

import bibtexparser
import pytest
import rispy
from django.core.exceptions import ValidationError
from django.http import QueryDict

from catalogue import citations, importer, search, timeline
from catalogue.dates import PartialDate, display_span
from catalogue.links import QueryLinks

# Dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "shown"),
    [
        ("1956", date(1956, 1, 1), date(1956, 12, 31), "1956"),
        ("1956-02", date(1956, 2, 1), date(1956, 2, 29), "February 1956"),
        ("1956-09-20", date(1956, 9, 20), date(1956, 9, 20), "September 20, 1956"),
        ("0950", date(950, 1, 1), date(950, 12, 31), "950"),
    ],
)
def test_a_partial_date_spans_what_it_can_mean(text, start, end, shown):
    parsed = PartialDate.parse(text)
    assert (parsed.start, parsed.end, parsed.display(), parsed.isoformat()) == (start, end, shown, text)


@pytest.mark.parametrize("text", ["", "56", "1956-13", "1955-02-29", "0000", "1956/09/20", "1956-9-20"])
def test_an_impossible_date_is_refused_with_a_message(text):
    with pytest.raises(ValidationError) as refused:
        PartialDate.parse(text)
    assert refused.value.messages[0]


def test_spans_read_as_words():
    assert display_span("1945", "1949") == "1945–1949"
    assert display_span("1949-01-30", "1949-02-08") == "January 30, 1949 – February 8, 1949"
    assert display_span("1956", "") == display_span("1956", "1956") == "1956"
    assert display_span("", "") == ""


# Timeline ----------------------------------------------------------------------------------------


def test_a_timeline_draws_a_bar_a_year_with_links_only_where_there_are_documents():
    chart = timeline.build({1950: 2, 1952: 4}, lambda first, last: f"/{first}-{last}")
    assert [(bar.label, bar.count, bar.url) for bar in chart.bars] == [
        ("1950", 2, "/1950-1950"),
        ("1951", 0, ""),
        ("1952", 4, "/1952-1952"),
    ]
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.label == "1952" and chart.bars[0].height == pytest.approx(tallest.height / 2, abs=0.1)
    assert chart.summary == "6 dated documents from 1950 to 1952, by year; the most, 4, in 1952."


def test_over_long_spans_bars_stand_for_decades():
    chart = timeline.build({1901: 1, 1999: 3}, lambda first, last: f"/{first}-{last}")
    assert chart.unit == "decade" and len(chart.bars) == 10
    assert (chart.bars[0].label, chart.bars[0].url, chart.bars[-1].label) == ("1900s", "/1900-1909", "1990s")
    assert timeline.build({}, str) is None


# Search parser -----------------------------------------------------------------------------------


def test_the_parser_reads_phrases_alternatives_and_exclusions_as_websearch_does():
    parsed = search.parse('"Wang Ming" Moscow or Beijing -Stalin')
    assert parsed.required == [[("Wang", "Ming")], [("Moscow",), ("Beijing",)]]
    assert parsed.excluded == [("Stalin",)]


@pytest.mark.parametrize("text", ["", "   ", "-", '""', "\x00\x01"])
def test_a_query_without_words_is_empty(text):
    assert search.parse(text).is_empty


def test_control_characters_and_runs_of_space_are_cleaned():
    assert search.clean("Mao\x00 \t Zedong\n") == "Mao Zedong"


# Query links -------------------------------------------------------------------------------------


def test_query_links_change_one_thing_and_return_to_the_first_page():
    links = QueryLinks(QueryDict("person=wang-ming&place=china&page=3&utm=x"), known={"person", "place", "q"})
    assert links.url() == "?person=wang-ming&place=china"
    assert links.url(add=("person", "mao-zedong")) == "?person=wang-ming&place=china&person=mao-zedong"
    assert links.url(remove=("place", "china")) == "?person=wang-ming"
    assert links.url(person="kim-il-sung") == "?person=kim-il-sung&place=china"
    assert links.url(q="Korea") == "?person=wang-ming&place=china&q=Korea"
    assert links.params().urlencode() == "person=wang-ming&place=china"
    # A facet's links, made many at a time, are the query's pairs with the new one after them, as urlencode writes.
    from urllib.parse import urlencode

    pairs = [("person", "wang-ming"), ("place", "china")]
    for name, value in (("person", "mao-zedong"), ("person", "wang-ming"), ("topic", "a b&c"), ("place", "china")):
        added = [] if (name, value) in pairs else [(name, value)]
        assert links.url(add=(name, value)) == "?" + urlencode(pairs + added)
    assert QueryLinks(QueryDict()).url(add=("person", "wang-ming")) == "?person=wang-ming"
    # And a timeline's, each setting a span of years, whether the query has one already or not.
    for query, expected in (
        ("person=wang-ming&place=china", "person=wang-ming&place=china&date_from=1956&date_to=1959"),
        ("date_from=1950&person=wang-ming", "date_from=1956&person=wang-ming&date_to=1959"),
        ("", "date_from=1956&date_to=1959"),
        ("date_to=1960", "date_to=1959&date_from=1956"),
    ):
        assert QueryLinks(QueryDict(query)).url(date_from="1956", date_to="1959") == "?" + expected


# Citations ---------------------------------------------------------------------------------------


class _Related(list):
    def all(self):
        return self


def document(**facts):
    values = {
        "title": "Telegram on {the} 50% & $cost_",
        "slug": "telegram-on-cost",
        "date": "1956-09",
        "summary": "About the\nharbour.",
        "source": "Archive of Foreign Policy",
        "credit": "",
        "language": SimpleNamespace(name="Russian"),
        "people": _Related([SimpleNamespace(name="Wang Ming")]),
        "places": _Related([SimpleNamespace(name="China")]),
        "events": _Related(),
        **facts,
    }
    values["partial_date"] = PartialDate.parse(values["date"]) if values["date"] else None
    values["date_display"] = values["partial_date"].display() if values["partial_date"] else "Undated"
    return SimpleNamespace(**values)


def test_bibtex_survives_a_parser_with_every_special_character_intact():
    text = citations.bibtex(document(), "https://example.org/d/1/", accessed=date(2026, 11, 28))
    (entry,) = bibtexparser.parse_string(text).entries
    assert entry.entry_type == "misc" and entry.key == "telegram_on_cost"
    assert entry["title"] == r"{Telegram on \{the\} 50\% \& \$cost\_}"
    assert (entry["year"], entry["url"], entry["urldate"]) == ("1956", "https://example.org/d/1/", "2026-11-28")


def test_ris_reads_back_with_one_line_per_value_and_no_invented_facts():
    text = citations.ris(document(credit=""), "https://example.org/d/1/", accessed=date(2026, 11, 28))
    assert text.endswith("ER  - \r\n") and "\r\n" in text
    (entry,) = rispy.loads(text)
    assert entry["abstract"] == "About the harbour."
    assert entry["keywords"] == ["Wang Ming", "China"]
    assert entry["date"] == "1956/09//" and "notes" not in entry


def test_chicago_leaves_out_what_is_unknown():
    text = citations.chicago(document(date="", source="", credit=""), "https://example.org/d/1/", date(2026, 1, 2))
    # Chicago's "n.d." for an undated document, and then the access date it asks for instead.
    assert text == "“Telegram on {The} 50% & $Cost_,” n.d., accessed January 2, 2026, https://example.org/d/1/."


def test_a_bibtex_style_that_lowercases_titles_keeps_the_proper_names():
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    record = document(title="Anastas Mikoyan and Mao Zedong on China", date="1956-04-07")
    data = parse_string(citations.bibtex(record, "https://example.org/d/1/"), "bibtex")
    style = find_plugin("pybtex.style.formatting", "plain")()
    (entry,) = style.format_entries(data.entries.values())
    assert "Anastas Mikoyan and Mao Zedong on China" in entry.text.render_as("text")


def test_bibtex_names_each_creator_whole_so_no_style_splits_or_reorders_them():
    from pybtex.database import parse_string

    record = document(creators=["Mao Zedong", "CPSU Central Committee"])
    (entry,) = parse_string(citations.bibtex(record, "https://example.org/d/1/"), "bibtex").entries.values()
    names = [str(person) for person in entry.persons["author"]]
    assert names == ["{Mao Zedong}", "{CPSU Central Committee}"]


def test_coins_uses_only_keys_zotero_keeps_for_a_document():
    from urllib.parse import parse_qsl, urlencode

    pairs = parse_qsl(citations.coins(document(), "https://example.org/d/1/"))
    keys = {key for key, _ in pairs}
    # What Zotero's OpenURL reader maps to fields of its "document" type (rft.source would be a journal title).
    assert keys <= {
        "ctx_ver", "rft_val_fmt", "rfr_id", "rft.type", "rft.title", "rft.date", "rft.description",
        "rft.publisher", "rft.creator", "rft_id",
    }  # fmt: skip
    assert ("rft_id", "https://example.org/d/1/") in pairs and ("rft.title", "Telegram on {the} 50% & $cost_") in pairs
    # Encoded as `urlencode` encodes the same pairs, in the same order.
    record = document(creators=["Mao Zedong", "ЦК КПСС"])
    coins = citations.coins(record, "https://example.org/d/1/?a=b&c")
    assert coins == urlencode(parse_qsl(coins)) and ("rft.creator", "ЦК КПСС") in parse_qsl(coins)


# Import planning ---------------------------------------------------------------------------------


def test_a_file_missing_a_required_column_is_refused_before_any_row_is_read():
    with pytest.raises(importer.ImportFileError, match="Missing column: title"):
        list(importer.read_rows(__import__("io").BytesIO(b"identifier,date\nx,1956\n"), "csv"))


def test_unknown_columns_are_named_with_the_known_ones():
    with pytest.raises(importer.ImportFileError, match="Unknown column: colour"):
        list(importer.read_rows(__import__("io").BytesIO(b"identifier,title,colour\nx,T,red\n"), "csv"))


@pytest.mark.parametrize("language", ["en", "ru", "zh-hans"])
@pytest.mark.parametrize("script_prefix", ["/", "/archive/"])
def test_an_address_by_slug_is_the_one_reverse_gives_in_each_language_and_under_a_script_prefix(
    language, script_prefix
):
    from django.urls import reverse, set_script_prefix
    from django.utils import translation

    from catalogue.reversing import slug_url

    names = ("catalogue:document-detail", "catalogue:person-detail", "catalogue:place-detail", "catalogue:topic-detail")
    set_script_prefix(script_prefix)
    try:
        with translation.override(language):
            for name in names:
                for slug in ("wang-ming", "about", "a_b-9"):
                    assert slug_url(name, slug) == reverse(name, kwargs={"slug": slug})
                    assert slug_url(name, slug).startswith(script_prefix)
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize(
    "value", ["wang-ming", "Мао Цзэдун", "a b&c=d?e#f", "100%", "+plus", "毛泽东", 7, "quote'\"<>"]
)
def test_a_query_links_pair_is_encoded_as_urlencode_encodes_it(value):
    from urllib.parse import urlencode

    links = QueryLinks(QueryDict(mutable=True))
    assert links.url(add=("q", value)) == "?" + urlencode({"q": value})
    assert links.url(sort=value) == "?" + urlencode({"sort": value})
    assert QueryLinks(QueryDict("person=x")).url(add=("q", value)) == "?person=x&" + urlencode({"q": value})


@pytest.mark.parametrize(
    "text",
    [
        "Documents tagged with Wang Ming: 14 documents in the catalogue, with their dates.",
        "A summary with <em>markup</em> &amp; an entity.",
        "Word " * 100,
        "<p>" + "Длинная аннотация документа. " * 20 + "</p>",
        "",
    ],
)
def test_a_pages_description_is_its_text_without_tags_cut_to_300_characters(text):
    from django.template.defaultfilters import striptags, truncatechars

    from catalogue.templatetags.catalogue_tags import meta_text

    shown = meta_text(text, 300)
    assert shown == truncatechars(striptags(text), 300)
    assert len(shown) <= 300 and "<" not in shown


def test_a_query_link_needs_only_its_ampersands_escaped_in_html():
    from django.utils.html import escape

    from catalogue.links import in_html

    links = QueryLinks(QueryDict("q=%22secret+speech%22+<b>&person=wang-ming&place=o'hare&x=\"&date_from=1956"))
    for url in (links.url(add=("person", "<mao & \"zedong\">")), links.url(remove=("person", "wang-ming")),
                links.url(add=("topic", "a'b<"), place=None), links.url(page=2)):  # fmt: skip
        assert in_html(url) == escape(url)


def test_a_page_is_searched_for_the_bytes_of_exactly_the_characters_no_text_may_hold():
    from catalogue.text import CONTROL_BYTES, CONTROL_CHARACTERS

    planes_ends = [plane << 16 | end for plane in range(1, 17) for end in (0xFFFD, 0xFFFE, 0xFFFF)]
    code_points = [*range(0xD800), *range(0xE000, 0x10000), *planes_ends, 0x1F600, 0x10000, 0x10FFFD]
    for code_point in code_points:
        character = chr(code_point)
        found = CONTROL_BYTES.search(f"a{character}b".encode())
        assert bool(found) == bool(CONTROL_CHARACTERS.search(character)), hex(code_point)
