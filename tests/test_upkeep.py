"""The upkeep service: the index, the kept counts and `modified` follow every change, for few queries."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue import search, tallies
from catalogue.models import Document, Language, Person, YearTally

pytestmark = pytest.mark.django_db


def published_document():
    return Document.objects.published().filter(date__startswith="1956").exclude(language=None).first()


def test_one_published_save_costs_at_most_22_queries_and_is_found_by_its_new_words(sample):
    document = published_document()
    counts = dict(Person.objects.values_list("slug", "document_count")), list(YearTally.objects.values_list())
    document.title = "Conversation about the Zanzibar harbour"
    with CaptureQueriesContext(connection) as queries:
        document.save()
    # Two of them record each of its six kinds of tags in its history; one keeps its names for the exports.
    assert len(queries) <= 22, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert list(search.matching(Document.objects.published(), "Zanzibar")) == [document]
    assert counts == (dict(Person.objects.values_list("slug", "document_count")), list(YearTally.objects.values_list()))
    assert not tallies.drift()


def test_a_published_document_moved_to_another_year_and_language_moves_its_counts(sample):
    document = published_document()
    old_language = document.language
    new_language = Language.objects.exclude(pk=old_language.pk).first()
    in_1956, in_1931 = tallies.year_counts().get(1956, 0), tallies.year_counts().get(1931, 0)
    document.date, document.language = "1931-05", new_language
    document.save()
    assert (tallies.year_counts().get(1956, 0), tallies.year_counts().get(1931, 0)) == (in_1956 - 1, in_1931 + 1)
    old_language.refresh_from_db()
    assert old_language.document_count == Document.objects.published().filter(language=old_language).count()
    assert not tallies.drift()


def test_loading_the_sample_costs_at_most_850_queries_and_leaves_it_searchable_and_counted(empty_catalogue):
    started = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        call_command("loaddata", "sample", verbosity=0)
    assert len(queries) <= 850
    assert search.matching(Document.objects.published(), "Wang Ming").count() >= 14
    assert not tallies.drift()
    # Every loaded document has its first version in its history.
    versions = Document.history.filter(history_type="+", history_date__gte=started)
    reason = "Loaded from the data file “sample” (manage.py loaddata)"
    assert versions.filter(history_change_reason=reason).count() == Document.objects.count() == 17
