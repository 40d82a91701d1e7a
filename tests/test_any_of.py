"""Any of the values of a facet: documents in Russian or Chinese, about Mao or Zhou."""

import csv
import io

import feedparser
import pytest
from django.urls import reverse

from catalogue.models import Document, Language, Person

from .helpers import html, text_of

pytestmark = pytest.mark.django_db

LISTING = "/documents/"


def count(response):
    return response.context["paginator"].count


def facet(page, name):
    """{name: count} of a facet as the page shows it, and the facet's section."""
    section = page.select_one(f'section[aria-labelledby="facet-{name}"]')
    values = {
        text_of(a.select_one(".facet__name")).removeprefix("Remove filter: "): int(
            text_of(a.select_one(".facet__count")).split()[0]
        )
        for a in section.select("a.facet__value")
    }
    return values, section


def test_documents_in_russian_or_chinese_are_both_languages_documents(client, sample):
    russian = Document.objects.published().filter(language__slug="russian").count()
    chinese = Document.objects.published().filter(language__slug="chinese").count()
    assert russian and chinese
    response = client.get(LISTING, {"language": ["russian", "chinese"], "language_op": "any"})
    assert count(response) == russian + chinese
    assert text_of(html(response).select_one("h1")) == "Documents in either Chinese or Russian"
    # Without the choice, two languages still mean both at once: every existing address keeps its meaning.
    assert count(client.get(LISTING, {"language": ["russian", "chinese"]})) == 0


def test_any_of_several_people_is_their_documents_together(client, sample):
    people = ["mao-zedong", "zhou-enlai", "wang-ming"]
    expected = Document.objects.published().filter(people__slug__in=people).distinct().count()
    both = Document.objects.published().filter(people__slug="mao-zedong").filter(people__slug="zhou-enlai").count()
    response = client.get(LISTING, {"person": people, "person_op": "any"})
    assert count(response) == expected > both
    heading = text_of(html(response).select_one("h1"))
    assert heading == "Documents tagged with any of Mao Zedong, Wang Ming or Zhou Enlai"
    all_of = client.get(LISTING, {"person": ["mao-zedong", "zhou-enlai"]})
    assert count(all_of) == both
    assert text_of(html(all_of).select_one("h1")) == "Documents tagged with Mao Zedong and Zhou Enlai"


def test_an_any_of_facet_counts_what_each_value_would_add_and_the_others_count_the_results(client, sample):
    response = client.get(LISTING, {"person": ["wang-ming"], "person_op": "any", "place": "soviet-union"})
    page = html(response)
    people, section = facet(page, "person")
    # Counted among the documents the place alone gives: choosing Mao would add his documents there.
    for slug in ("mao-zedong", "wang-ming"):
        person = Person.objects.get(slug=slug)
        on_place = Document.objects.published().filter(people=person, places__slug="soviet-union").count()
        if on_place:
            assert people[person.name] == on_place
    # Other facets count the results themselves.
    languages, _ = facet(page, "language")
    results = Document.objects.published().filter(people__slug="wang-ming", places__slug="soviet-union")
    assert sum(languages.values()) == results.exclude(language=None).count()
    # The choice between all and any is offered, the one in use marked.
    choices = {text_of(a): a for a in section.select(".facet__match-choice")}
    assert choices["any of these"].get("aria-current") == "true" and not choices["all of these"].get("aria-current")
    assert "person_op" not in choices["all of these"]["href"]


def test_a_chosen_language_s_facet_offers_the_others_and_adding_one_asks_for_either(client, sample):
    page = html(client.get(LISTING, {"language": "russian", "place": "soviet-union"}))
    languages, _ = facet(page, "language")
    on_place = Document.objects.published().filter(places__slug="soviet-union")
    assert languages == {
        language.name: on_place.filter(language=language).count()
        for language in Language.objects.filter(documents__in=on_place).distinct()
    }
    link = next(a for a in page.select('a.facet__value[data-facet="language"]') if a["data-slug"] != "russian")
    followed = client.get(LISTING + link["href"])
    assert "language_op=any" in link["href"]
    chosen = Language.objects.get(slug=link["data-slug"])
    expected = on_place.filter(language__slug__in=["russian", chosen.slug]).count()
    assert count(followed) == expected > 0


def test_exports_feeds_and_the_api_follow_any_of(client, sample):
    params = {"language": ["russian", "chinese"], "language_op": "any"}
    either = Document.objects.published().filter(language__slug__in=["russian", "chinese"])
    expected = sorted(either.values_list("slug", flat=True))
    exported = client.get(reverse("catalogue:document-export-csv"), params)
    rows = list(csv.DictReader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    assert sorted(row["slug"] for row in rows) == expected
    api = client.get("/api/v1/documents/", {**params, "limit": 100}).json()
    assert sorted(item["slug"] for item in api["results"]) == expected and api["total"]["value"] == len(expected)
    feed = feedparser.parse(client.get("/documents/feed.atom", params).content)
    assert sorted(entry.link.rstrip("/").rsplit("/", 1)[-1] for entry in feed.entries) == expected


def test_a_match_that_is_neither_all_nor_any_is_refused_with_the_listing_s_words(client, sample):
    response = client.get(LISTING, {"language": ["russian", "chinese"], "language_op": "maybe"})
    assert "Choose “all” or “any” (“maybe” was given)." in text_of(html(response).select_one(".form-errors"))
    problem = client.get("/api/v1/documents/", {"language": "russian", "language_op": "maybe"})
    assert problem.status_code == 400
    assert problem.json()["errors"]["language_op"] == ["Choose “all” or “any” (“maybe” was given)."]
