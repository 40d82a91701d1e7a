"""The result set's strategy, asked directly: what it counts from, and what it counts over."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from catalogue import tallies
from catalogue.filters import DocumentFilter
from catalogue.listing import ResultSet
from catalogue.models import Document, Person, Place
from catalogue.views import in_date_order

pytestmark = pytest.mark.django_db


def results_for(query, per_page=10):
    published = Document.objects.published()
    filterset = DocumentFilter(QueryDict(query) if query else None, queryset=published)
    return ResultSet.for_listing(filterset.qs, per_page, filterset)


def grouped(documents, kind):
    """{slug: count} of `kind` over every one of `documents`, counted the plain way."""
    return {entity.slug: entity.result_count for entity in documents.facet(kind, 1000)}


def test_the_whole_catalogue_is_answered_from_the_kept_counts(sample, django_assert_num_queries):
    results = results_for("")
    assert results.from_tallies and results.sample is None and results.counted_ids is None
    with django_assert_num_queries(1):
        assert results.count == Document.objects.published().count()
    facets = results.facets({Person: 100})[Person]
    assert {p.slug: p.document_count for p in facets} == grouped(Document.objects.published(), Person)
    assert results.year_counts() == Document.objects.published().year_counts()


def test_the_whole_catalogue_reads_its_count_years_and_facets_in_one_statement(
    sample, draft, django_assert_num_queries
):
    published = Document.objects.published()
    filterset = DocumentFilter(None, queryset=published)
    limits = {Person: 100, Place: 100}
    with django_assert_num_queries(1):
        results = ResultSet.for_listing(filterset.qs, 10, filterset, limits)
        count, facets, years = results.count, results.facets(limits), results.year_counts()
    assert count == published.count() == 17
    assert years == published.year_counts() != {}
    for kind in limits:
        assert {entity.slug: entity.document_count for entity in facets[kind]} == grouped(published, kind)
    # Other limits are read afresh (a facet shown in full).
    with django_assert_num_queries(1):
        assert len(results.facets({Person: 1})[Person]) == 1


def test_one_person_is_counted_from_their_kept_count_and_their_documents_read_once(sample, django_assert_num_queries):
    results = results_for("person=wang-ming")
    assert results.count == Person.objects.get(slug="wang-ming").document_count == 14
    assert results.counted_ids is not None and len(results.counted_ids) == 14
    facets = results.facets({Place: 100})[Place]
    expected = grouped(Document.objects.published().filter(people__slug="wang-ming"), Place)
    assert {p.slug: p.result_count for p in facets} == expected
    # The timeline's years were counted in the facets' statement: the same as counting them apart.
    with django_assert_num_queries(0):
        years = results.year_counts()
    assert years == Document.objects.published().filter(people__slug="wang-ming").year_counts() != {}


def test_past_the_cap_facets_count_a_sample_of_the_most_recently_added(sample, settings):
    settings.CATALOGUE_COUNT_CAP = 5
    results = results_for("person=wang-ming&sort=date")
    assert results.count == 14 and results.sample == 5
    newest = Document.objects.published().filter(people__slug="wang-ming").order_by("-added", "-id")[:5]
    assert results.counted_ids == [d.pk for d in newest]
    assert sum(results.year_counts().values()) <= 5
    searched = results_for("q=Wang&sort=relevance")
    assert searched.paginator.capped and searched.sample == 5 and searched.ranked_sample


def test_a_page_of_an_entity_counts_its_related_people_over_its_documents(sample, settings):
    wang = Person.objects.get(slug="wang-ming")
    documents = in_date_order(Document.objects.published().filter(people=wang))
    results = ResultSet.for_entity(wang, documents, 10)
    paginator, page = results.page(RequestFactory().get("/", {"page": "2"}))
    assert (paginator.count, len(page.object_list)) == (14, 4)
    assert {p.slug: p.result_count for p in results.facets({Person: 100})[Person]} == grouped(documents, Person)
    settings.CATALOGUE_COUNT_CAP = 5
    assert ResultSet.for_entity(wang, documents, 10).sample == 5
    assert tallies.published_total() == 17


def test_prepared_lookups_read_what_their_querysets_read(sample, draft):
    """The tag lookups and a page's rows, compiled once and reused: the same rows, drafts never among them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalogue.filters import public_by_slug
    from catalogue.paging import published_rows

    published = list(Document.objects.published().order_by("id").values_list("pk", flat=True))
    for ids in ([draft.pk, *published[:3]], published[3:7], [published[-1], draft.pk]):
        with CaptureQueriesContext(connection) as queries:
            rows = {row.pk: row for row in published_rows(ids, "default")}
        assert len(queries) == 1
        expected = Document.objects.published().filter(pk__in=ids)
        assert set(rows) == {document.pk for document in expected} and draft.pk not in rows
        for document in expected:
            shown = rows[document.pk]
            assert (shown.title, shown.slug, shown.summary, shown.date, shown.added, shown.language_id) == (
                document.title, document.slug, document.summary, document.date, document.added, document.language_id
            )  # fmt: skip
            assert "search_vector" in shown.get_deferred_fields()
            assert (shown._state.db, shown._state.adding, shown.language) == ("default", False, document.language)
    # A change to one read this way is saved to its own row.
    shown.summary = "Read by id and changed."
    shown.save(update_fields=["summary"])
    assert Document.objects.get(pk=shown.pk).summary == "Read by id and changed." and Document.objects.count() == 18
    # A name only a draft carries is not public; each public one is found once, whatever the order asked.
    secret = Person.objects.create(name="Secret Person", slug="secret-person")
    draft.people.add(secret)
    for slugs in (["wang-ming"], ["secret-person", "wang-ming", "mao-zedong"], ["mao-zedong", "nobody"]):
        found = public_by_slug(Person, slugs)
        assert sorted(entity.slug for entity in found) == sorted(
            Person.objects.public().filter(slug__in=slugs).values_list("slug", flat=True)
        )
        assert "secret-person" not in {entity.slug for entity in found}
        assert all(entity.name == Person.objects.get(pk=entity.pk).name for entity in found)


def test_a_model_whose_making_is_listened_for_is_made_the_usual_way(sample):
    from django.db.models.signals import post_init

    from catalogue.paging import published_rows
    from catalogue.prepared import plainly_set

    made = []

    def heard(sender, instance, **kwargs):
        made.append(instance.pk)

    ids = list(Document.objects.published().values_list("pk", flat=True)[:3])
    post_init.connect(heard, sender=Document)
    plainly_set.cache_clear()
    try:
        rows = published_rows(ids, "default")
    finally:
        post_init.disconnect(heard, sender=Document)
        plainly_set.cache_clear()
    assert sorted(made) == sorted(ids) == sorted(row.pk for row in rows)


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="statements prepared by PostgreSQL"
)
def test_the_landing_facets_are_prepared_once_for_each_kept_connection(sample, draft, settings):
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from catalogue.backends import database
    from catalogue.listing import popular_all

    # A name only a draft carries, whose kept count is wrong (as if a recount were late): never shown.
    secret = Person.objects.create(name="Draft Only", slug="draft-only")
    draft.people.add(secret)
    Person.objects.filter(pk=secret.pk).update(document_count=99)
    limits = {Person: 100, Place: 3}
    expected = popular_all(limits, years=True)  # a connection used for one request prepares nothing
    assert "draft-only" not in dict(_shown(expected)[Person]) and len(_shown(expected)[Person]) > 3
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        for run in range(3):
            with CaptureQueriesContext(connection) as queries:
                answer = popular_all(limits, years=True)
            statements = [query["sql"].split()[0] for query in queries]
            assert statements == (["PREPARE", "EXECUTE"] if run == 0 else ["EXECUTE"])
            assert _shown(answer) == _shown(expected) and answer[1] == expected[1]
        # Planned once: the statement has no parameters, so PostgreSQL keeps its plan.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'catalogue_%%'"
            )
            assert cursor.fetchall() == [(3, 0)]
        # Other limits (a facet shown in full) are a statement of their own.
        for run in range(2):
            with CaptureQueriesContext(connection) as queries:
                fewer = popular_all({Person: 1, Place: 1}, years=True)
            assert [query["sql"].split()[0] for query in queries] == (
                ["PREPARE", "EXECUTE"] if run == 0 else ["EXECUTE"]
            )
            assert _shown(fewer)[Person] == _shown(expected)[Person][:1]
        assert "draft-only" not in dict(_shown(answer)[Person])
        # Each connection prepares a statement of its own, once.
        other = connections.create_connection("default")
        other.settings_dict["CONN_MAX_AGE"] = 60
        try:
            for wrapper, first in ((other, True), (other, False), (connection, True)):
                with CaptureQueriesContext(wrapper) as queries, wrapper.cursor() as cursor:
                    database().execute_kept(cursor, "SELECT 41 + 1")
                    assert cursor.fetchone() == (42,)
                assert [q["sql"].split()[0] for q in queries] == (["PREPARE", "EXECUTE"] if first else ["EXECUTE"])
        finally:
            other.close()
        # Switched off (behind a pooler that shares sessions), nothing is prepared.
        settings.CATALOGUE_PREPARED_STATEMENTS = False
        with CaptureQueriesContext(connection) as queries:
            assert _shown(popular_all(limits, years=True)) == _shown(expected)
        assert [query["sql"].split()[0] for query in queries] == ["SELECT"]
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = kept


def _shown(answer):
    facets = answer[0] if isinstance(answer, tuple) else answer
    return {kind: [(entity.slug, entity.document_count) for entity in entities] for kind, entities in facets.items()}
