import pytest
from django.db import connection
from django.urls import reverse
from django.utils.html import escape

from catalogue.models import Collection, Document, Event, Language, Person, Place, Repository

from .helpers import NO_INLINES, html, text_of

pytestmark = pytest.mark.django_db

MODELS = (Document, Person, Event, Place, Collection, Language, Repository)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_forms_load_for_staff(admin_client, sample, model):
    opts = model._meta
    changelist = admin_client.get(reverse(f"admin:catalogue_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = admin_client.get(reverse(f"admin:catalogue_{opts.model_name}_add"))
    assert add.status_code == 200
    obj = model.objects.first()
    change = admin_client.get(reverse(f"admin:catalogue_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200
    assert escape(str(obj)) in change.content.decode()


def test_document_changelist_filters_by_status_and_searches_people(admin_client, sample, draft):
    url = reverse("admin:catalogue_document_changelist")
    drafts = admin_client.get(url, {"status__exact": "draft"})
    assert list(drafts.context["cl"].result_list) == [draft]
    by_person = admin_client.get(url, {"q": "Rittenberg"})
    assert [d.title for d in by_person.context["cl"].result_list] == [
        "Anastas Mikoyan’s Recollections of his Trip to China"
    ]


def test_document_form_offers_view_on_site_and_autocomplete(admin_client, sample):
    document = Document.objects.get(slug__startswith="record-of-a-meeting")
    response = admin_client.get(reverse("admin:catalogue_document_change", args=[document.pk]))
    body = response.content.decode()
    view_on_site = html(response).select_one("a.viewsitelink")
    assert view_on_site is not None
    assert admin_client.get(view_on_site["href"])["Location"].endswith(document.get_absolute_url())
    for relation in ("people", "places", "events", "collections"):
        assert f'id="id_{relation}"' in body
        assert "admin-autocomplete" in body
    autocomplete = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "Khrush", "app_label": "catalogue", "model_name": "document", "field_name": "people"},
    )
    assert [r["text"] for r in autocomplete.json()["results"]] == ["Nikita Khrushchev"]


def test_saving_in_the_admin_derives_the_date_span(admin_client, sample):
    response = admin_client.post(
        reverse("admin:catalogue_document_add"),
        {
            "title": "A new record",
            "slug": "",
            "status": "draft",
            "summary": "",
            "date": "1956-09",
            "source": "",
            "credit": "",
            **NO_INLINES,
            "added_0": "2026-01-01",
            "added_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    document = Document.objects.get(title="A new record")
    assert (str(document.date_start), str(document.date_end)) == ("1956-09-01", "1956-09-30")
    assert document.slug == "a-new-record"


def test_a_title_typed_over_several_lines_is_saved_on_one(admin_client, sample):
    form = {"slug": "", "status": "draft", "summary": "", "date": "", "source": "", "credit": "", **NO_INLINES,
            "added_0": "2026-01-01", "added_1": "10:00:00"}  # fmt: skip
    title = "Record of a Meeting between the Delegation \r\n and the Presidium\n"
    response = admin_client.post(reverse("admin:catalogue_document_add"), {**form, "title": title})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Document.objects.filter(title="Record of a Meeting between the Delegation and the Presidium").exists()


def test_admin_rejects_an_impossible_date(admin_client, sample):
    response = admin_client.post(
        reverse("admin:catalogue_document_add"),
        {
            "title": "Bad date",
            "status": "draft",
            "date": "1956-02-30",
            "added_0": "2026-01-01",
            "added_1": "10:00",
            **NO_INLINES,
        },
    )
    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert not Document.objects.filter(title="Bad date").exists()


def test_changelists_count_exactly_below_the_cap(admin_client, sample):
    response = admin_client.get(reverse("admin:catalogue_document_changelist"))
    paginator = text_of(html(response).select_one("nav.paginator"))
    assert "17 documents" in paginator and "about" not in paginator


def test_a_changelist_past_the_cap_gives_an_estimate_and_says_so(admin_client, sample, settings):
    settings.CATALOGUE_COUNT_CAP = 5
    url = reverse("admin:catalogue_document_changelist")
    response = admin_client.get(url)
    page = html(response)
    paginator = text_of(page.select_one("nav.paginator"))
    if connection.vendor == "postgresql":
        # The planner's estimate, never below what was counted, and labelled as one.
        assert response.context["cl"].paginator.estimated
        assert response.context["cl"].result_count >= 6
        assert "about" in paginator
        assert "about" in text_of(page.select_one(".actions .question"))
    else:
        assert "17 documents" in paginator and "about" not in paginator
    # Searching past the cap is labelled the same way.
    searched = text_of(html(admin_client.get(url, {"q": "Mao"})).select_one("#changelist-search"))
    assert ("about" in searched) == (connection.vendor == "postgresql")


def test_admin_search_reads_the_full_text_index_with_its_syntax(admin_client, sample, draft):
    url = reverse("admin:catalogue_document_changelist")

    def titles(query):
        return {d.title for d in admin_client.get(url, {"q": query}).context["cl"].result_list}

    # Drafts are found (curators search everything), words are stemmed, names of places count.
    assert draft.title in titles("secret conversations")
    assert titles('"secret draft" -stalin') == set()
    yudin = Document.objects.get(slug="minutes-of-conversation-mao-zedong-and-ambassador-yudin")
    assert yudin.title in titles("Yudin")
    # A slug finds its document even though slugs are not words of the text.
    assert titles(yudin.slug) == {yudin.title}
    # Nothing the index cannot read reaches the database as an error.
    response = admin_client.get(url, {"q": '"\x00 & | ! :*'})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "code_point"),
    [("title", "Bell\x0bRing", "U+000B"), ("summary", "start\x01", "U+0001"), ("credit", "end\ufffe", "U+FFFE")],
)
def test_admin_refuses_control_characters_in_any_text_field_and_saves_nothing(
    admin_client, sample, field, value, code_point
):
    data = {"title": "A new record", "status": "draft", "added_0": "2026-01-01", "added_1": "10:00", field: value,
            **NO_INLINES}  # fmt: skip
    before = Document.objects.count()
    response = admin_client.post(reverse("admin:catalogue_document_add"), data)
    assert response.status_code == 200
    (message,) = response.context["adminform"].form.errors[field]
    assert f"the control character {code_point}" in message
    assert Document.objects.count() == before


def test_admin_refuses_a_control_character_in_a_person_name(admin_client, sample):
    person = Person.objects.get(slug="wang-ming")
    response = admin_client.post(
        reverse("admin:catalogue_person_change", args=[person.pk]),
        {"name": "Wang\x07Ming", "slug": person.slug, "sort_name": person.sort_name},
    )
    assert response.status_code == 200 and "U+0007" in str(response.context["adminform"].form.errors["name"])
    person.refresh_from_db()
    assert person.name == "Wang Ming"
