import io
import re

import pytest
from django.urls import reverse

from catalogue.models import Collection, Document, Event, Person, Place, Status

from .helpers import html, result_titles, text_of

LISTING = reverse("catalogue:document-list")
SEED_FILTER = {"person": "wang-ming", "place": "soviet-union"}

pytestmark = pytest.mark.django_db


def test_seed_page_reproduced(client, sample, seed_listing):
    response = client.get(LISTING, SEED_FILTER)
    assert response.status_code == 200
    page = html(response)
    assert text_of(page.select_one(".results-count")) == seed_listing["header"]
    assert text_of(page.find("h1")).startswith(seed_listing["section"])
    rows = page.select(".results .result")
    assert len(rows) == seed_listing["page_size"]
    for row, expected in zip(rows, seed_listing["items"], strict=True):
        assert text_of(row.select_one(".result__date")) == expected["date_display"]
        assert text_of(row.select_one(".result__title")) == expected["title"]
        # Character for character: the summary's text node is the seed's summary.
        assert row.select_one(".result__summary").get_text() == expected["summary"]


def test_seed_page_two(client, sample, facts):
    response = client.get(LISTING, {**SEED_FILTER, "page": 2})
    page = html(response)
    assert text_of(page.select_one(".results-count")) == "Results: 11 - 14 of 14"
    expected = sorted(
        (d for d in facts["documents"] if d["listing_position"] and d["listing_position"] > 10),
        key=lambda d: d["listing_position"],
    )
    assert result_titles(response) == [d["title"] for d in expected]
    assert [text_of(n) for n in page.select(".result__date")] == [d["date_display"] for d in expected]


def test_skip_link_leads_the_page(client, sample):
    page = html(client.get(LISTING, SEED_FILTER))
    first_link = page.body.find("a")
    assert text_of(first_link) == "Skip to content"
    assert page.select_one(first_link["href"]) is not None


def test_pagination_links_keep_every_filter(client, sample):
    page = html(client.get(LISTING, SEED_FILTER))
    next_link = page.select_one('.pagination a[rel="next"]')
    assert next_link is not None
    assert "person=wang-ming" in next_link["href"] and "place=soviet-union" in next_link["href"]
    assert "page=2" in next_link["href"]
    page2 = html(client.get(LISTING + next_link["href"]))
    prev_link = page2.select_one('.pagination a[rel="prev"]')
    assert "person=wang-ming" in prev_link["href"] and "place=soviet-union" in prev_link["href"]
    assert page2.select_one(".pagination").get("aria-label") == "Pagination"


def test_pagination_shows_the_pages_around_the_one_open_and_marks_it(client, empty_catalogue):
    from django.core.management import call_command

    call_command("generate_documents", 200, "--no-progress", "--seed", "3", stdout=io.StringIO(), stderr=io.StringIO())
    page = html(client.get(LISTING, {"sort": "title", "page": 10}))
    items = [text_of(item).removeprefix("Page ") for item in page.select(".pagination li")]
    assert items == ["‹ Previous page", "1", "2", "…", "7", "8", "9", "10", "11", "12", "13", "…", "19", "20",
                     "Next page ›"]  # fmt: skip
    assert text_of(page.select_one(".pagination [aria-current=page]")) == "Page 10"
    links = {text_of(a).removeprefix("Page "): a["href"] for a in page.select(".pagination a")}
    assert links["11"] == "?sort=title&page=11" and links["Next page ›"] == "?sort=title&page=11"
    assert links["‹ Previous page"] == "?sort=title&page=9" and links["1"] == "?sort=title&page=1"
    # The last page, in Russian: its own number marked, the first pages kept.
    last = html(client.get("/ru" + LISTING, {"sort": "title", "page": 20}))
    assert text_of(last.select_one(".pagination [aria-current=page]")) == "Страница 20"
    assert not last.select('.pagination a[rel="next"]')


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"person": "wang-ming"}, 14),
        ({"place": "soviet-union"}, 16),
        ({"place": "india"}, 2),
        ({"event": "mao-visit-moscow-1949"}, 2),
        ({"collection": "albania-in-the-cold-war"}, 1),
        ({"language": "chinese"}, 4),
        ({"archive": "aprf"}, 2),
        ({"person": "joseph-stalin", "place": "soviet-union"}, 5),
    ],
)
def test_each_filter_alone_and_combined(client, sample, facts, params, expected):
    response = client.get(LISTING, params)
    fields = {
        "person": "people",
        "place": "places",
        "event": "events",
        "collection": "collections",
    }

    def matches(doc):
        for name, slug in params.items():
            if name == "language":
                if (doc["language"] or "").lower() != slug:
                    return False
            elif name == "archive":
                if not (doc["source"] or "").startswith("APRF"):
                    return False
            elif slug not in doc[fields[name]]:
                return False
        return True

    hand_count = sum(1 for doc in facts["documents"] if matches(doc))
    assert hand_count == expected
    assert response.context["paginator"].count == expected


def test_repeating_a_parameter_narrows(client, sample):
    one = client.get(LISTING, {"person": "joseph-stalin"}).context["paginator"].count
    both = client.get(LISTING + "?person=joseph-stalin&person=zhou-enlai").context["paginator"].count
    assert (one, both) == (5, 1)
    assert result_titles(client.get(LISTING + "?person=joseph-stalin&person=zhou-enlai")) == [
        "Conversation between Stalin and Mao, Moscow, 22 January 1950"
    ]


def test_unfiltered_listing_is_most_recently_added_first(client, sample):
    response = client.get(LISTING)
    added = [d.added for d in response.context["documents"]]
    assert added == sorted(added, reverse=True)
    assert response.context["paginator"].count == 17


def test_no_match_says_so_and_keeps_filters(client, sample):
    response = client.get(LISTING, {"person": "jawaharlal-nehru", "place": "albania"})
    assert response.status_code == 200
    page = html(response)
    assert "No documents match" in text_of(page.select_one(".no-results"))
    chips = text_of(page.select_one(".chips"))
    assert "Jawaharlal Nehru" in chips and "Albania" in chips


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99", "1.5", "9" * 30, "２"])
def test_bad_page_numbers_are_a_clear_404(client, sample, page):
    response = client.get(LISTING, {**SEED_FILTER, "page": page})
    assert response.status_code == 404
    assert "page" in text_of(html(response).find("main")).lower()


def test_last_page_by_name(client, sample):
    response = client.get(LISTING, {**SEED_FILTER, "page": "last"})
    assert text_of(html(response).select_one(".results-count")) == "Results: 11 - 14 of 14"


def test_unknown_slug_gives_no_results_and_says_why(client, sample):
    response = client.get(LISTING, {"person": "nobody-at-all", "place": "soviet-union"})
    assert response.status_code == 200
    page = html(response)
    assert response.context["paginator"].count == 0
    errors = text_of(page.select_one(".form-errors"))
    assert "nobody-at-all" in errors


def test_draft_is_absent_from_listing_and_its_page_is_404(client, draft):
    response = client.get(LISTING, SEED_FILTER)
    assert response.context["paginator"].count == 14
    assert draft.title not in response.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404
    for status in (Status.IN_REVIEW,):
        Document.objects.filter(pk=draft.pk).update(status=status)
        assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("catalogue:document-detail", args=["no-such-document"])).status_code == 404


def test_document_page_shows_every_fact_with_links(client, sample, facts):
    source = next(d for d in facts["documents"] if d["listing_position"] == 5)
    document = Document.objects.get(title=source["title"])
    response = client.get(document.get_absolute_url())
    assert response.status_code == 200
    page = html(response)
    body = text_of(page.find("main"))
    assert text_of(page.find("h1")) == source["title"]
    for value in (
        source["date_display"],
        source["summary"],
        source["source"],
        source["credit"],
        source["language"],
    ):
        assert value in body
    # Each tag is one clear link, to its own page (which leads on to all its documents), and nothing else.
    for model, slugs in ((Person, source["people"]), (Place, source["places"]), (Event, source["events"]),
                         (Collection, source["collections"])):  # fmt: skip
        for slug in slugs:
            entity = model.objects.get(slug=slug)
            links = page.select(f'.document__facts a[href="{entity.get_absolute_url()}"]')
            assert [text_of(link) for link in links] == [entity.name]
    # Its organisations and topics (described here, not in the seed's facts) are links of their own.
    described = document.organisations.count() + document.topics.count()
    assert described and len(page.select(".tag-list a")) == described + sum(
        len(source[kind]) for kind in ("people", "places", "events", "collections")
    )
    assert "⌕" not in body


def test_unknown_fields_stay_blank(client, sample, facts):
    source = next(d for d in facts["documents"] if d["listing_position"] == 1)
    assert source["source"] is None and source["credit"] is None
    page = html(client.get(Document.objects.get(title=source["title"]).get_absolute_url()))
    labels = [text_of(dt) for dt in page.select(".document__facts dt")]
    assert "Source" not in labels and "Credit" not in labels


def test_home_page_leads_to_the_listing(client, sample, draft):
    response = client.get(reverse("catalogue:home"))
    assert response.status_code == 200
    page = html(response)
    form = page.select_one("form[role=search]")
    assert form["action"] == LISTING and form.select_one("input[name=q]")
    assert re.search(r"\b17\b documents", text_of(page.select_one(".home-counts")))
    assert draft.title not in response.content.decode()
    assert len(page.select(".home-recent .result")) == 5


# Repeated tag filters: bounded, and "all of" without a join per value. ---------------------------


def test_repeated_people_narrow_to_documents_with_all_of_them(client, sample):
    from catalogue.models import Person

    chosen = ["wang-ming", "mao-zedong", "joseph-stalin"]
    response = client.get(LISTING, {"person": chosen})
    expected = set(Document.objects.published().filter(people__slug="wang-ming"))
    for slug in chosen[1:]:
        expected &= set(Person.objects.get(slug=slug).documents.all())
    assert response.context["paginator"].count == len(expected) > 0
    assert set(result_titles(response)) == {d.title for d in expected}
    # The same person twice is the person once.
    twice = client.get(LISTING, {"person": ["wang-ming", "wang-ming"]})
    assert twice.context["paginator"].count == Person.objects.get(slug="wang-ming").document_count
    # A document has one language: two at once match nothing.
    both = client.get(LISTING, {"language": ["russian", "chinese"]})
    assert both.status_code == 200 and both.context["paginator"].count == 0


def test_more_values_than_allowed_are_refused_with_a_clear_message(client, sample):
    many = [f"person-{n}" for n in range(200)]
    response = client.get(LISTING, {"person": many, "place": "soviet-union"})
    assert response.status_code == 200 and response.context["paginator"].count == 0
    assert "Choose at most 10 people at once (200 were given)." in text_of(html(response).select_one(".form-errors"))
    export = client.get(reverse("catalogue:document-export-csv"), {"person": many})
    assert export.status_code == 400
    assert "Choose at most 10 people" in export.json()["fields"]["person"][0]


def test_ten_values_cost_no_more_joins_than_two(client, sample):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalogue.models import Person

    def listing_sql(slugs):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LISTING, {"person": slugs}).status_code == 200
        return max((q["sql"] for q in queries if "catalogue_document_people" in q["sql"]), key=len)

    slugs = list(Person.objects.public().order_by("slug").values_list("slug", flat=True)[:10])
    assert len(slugs) == 10
    assert listing_sql(slugs).count("JOIN") == listing_sql(slugs[:2]).count("JOIN")


def test_timeline_bars_before_the_year_1000_keep_their_filter(client, sample):
    document = Document.objects.published().first()
    document.date = "0950"
    document.save()
    response = client.get(LISTING, {"q": document.title.split()[0], "date_to": "1960"})
    bars = [a["href"] for a in html(response).select(".timeline a")]
    early = [href for href in bars if "date_from=0950" in href]
    assert early, bars
    followed = client.get(LISTING + early[0])
    assert not followed.context["filter"].errors and document in followed.context["documents"]


def test_links_carry_only_the_parameters_the_listing_reads(client, sample):
    response = client.get(LISTING + "?person=wang-ming&zz=1&zz=2&utm_source=x")
    links = [a["href"] for a in html(response).select("main a[href^='?']")]
    assert links and not any("zz=" in href or "utm_source" in href for href in links)
    assert any("person=wang-ming" in href for href in links)


def test_pages_of_an_entity_and_of_the_listing_drop_unknown_parameters(client, sample):
    for url in (LISTING + "?zz=1&zz=2", reverse("catalogue:person-detail", args=["mao-zedong"]) + "?zz=1"):
        pages = [a["href"] for a in html(client.get(url)).select(".pagination a")]
        assert pages and not any("zz" in href for href in pages), url
