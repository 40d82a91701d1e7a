"""Roles and workflow, history with revert, merging people."""

from datetime import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, User
from django.urls import reverse

from catalogue import curation
from catalogue.models import Document, Person, PersonMerge, Status

from .factories import DocumentFactory, UserFactory
from .helpers import NO_INLINES, html, text_of

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:catalogue_document_changelist")


@pytest.fixture
def archivist(client, sample):
    client.force_login(UserFactory(username="archivist", roles=["Archivist"]))
    return client


@pytest.fixture
def editor(client, sample):
    client.force_login(UserFactory(username="editor", roles=["Editor"]))
    return client


def act(client, action, *documents):
    return client.post(CHANGELIST, {"action": action, ACTION_CHECKBOX_NAME: [d.pk for d in documents]}, follow=True)


def action_names(client):
    return [value for value, _ in client.get(CHANGELIST).context["action_form"].fields["action"].choices]


def test_roles_have_exactly_their_permissions(sample):
    archivist = set(Group.objects.get(name="Archivist").permissions.values_list("codename", flat=True))
    editor = set(Group.objects.get(name="Editor").permissions.values_list("codename", flat=True))
    assert editor - archivist == {"publish_document"}
    assert {"add_document", "change_document", "view_document", "change_person", "import_documents"} <= archivist
    # Records are withdrawn, never deleted, by a role; a document's texts and files are curated in its form.
    assert {p for p in archivist | editor if p.startswith("delete_")} == {"delete_documentfile", "delete_documenttext"}


def test_archivist_submits_but_cannot_publish(archivist):
    draft = DocumentFactory(title="Newly found letter")
    assert "submit_for_review" in action_names(archivist)
    assert "publish" not in action_names(archivist) and "unpublish" not in action_names(archivist)
    response = act(archivist, "submit_for_review", draft)
    assert "1 document submitted for review." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    # A forged POST of the hidden action changes nothing.
    act(archivist, "publish", draft)
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


def test_archivist_cannot_publish_through_the_form(archivist):
    draft = DocumentFactory(title="Newly found letter")
    url = reverse("admin:catalogue_document_change", args=[draft.pk])
    form = archivist.get(url).context["adminform"].form
    assert [value for value, _ in form.fields["status"].choices] == ["draft", "in_review"]
    response = archivist.post(
        url, {"title": draft.title, "slug": draft.slug, "status": "published", "date": "1957",
              "added_0": "2026-01-01", "added_1": "10:00", **NO_INLINES},
    )  # fmt: skip
    assert response.status_code == 200 and "status" in response.context["adminform"].form.errors
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_archivist_sees_published_documents_read_only(archivist):
    published = Document.objects.published().first()
    url = reverse("admin:catalogue_document_change", args=[published.pk])
    assert archivist.get(url).status_code == 200
    archivist.post(url, {"title": "Vandalised", "status": "draft"})
    published.refresh_from_db()
    assert published.title != "Vandalised" and published.status == Status.PUBLISHED


def test_editor_publishes_and_unpublishes_with_counts(editor, client):
    drafts = [DocumentFactory(title=f"Letter {n}") for n in range(3)]
    already = Document.objects.published().first()
    response = act(editor, "publish", *drafts, already)
    text = response.content.decode()
    assert "3 documents published." in text and "1 was not in a status that allows it." in text
    assert all(Document.objects.get(pk=d.pk).status == Status.PUBLISHED for d in drafts)
    client.logout()
    assert client.get(drafts[0].get_absolute_url()).status_code == 200
    editor.force_login(User.objects.get(username="editor"))
    response = act(editor, "unpublish", drafts[0])
    assert "1 document unpublished and returned to draft." in response.content.decode()
    editor.logout()
    assert editor.get(drafts[0].get_absolute_url()).status_code == 404


def test_transitions_are_recorded_with_who(editor):
    draft = DocumentFactory(title="Newly found letter")
    act(editor, "publish", draft)
    latest = draft.history.first()
    assert latest.status == Status.PUBLISHED
    assert latest.history_user.username == "editor"
    assert latest.history_change_reason == "Status: Published"


def test_staff_preview_drafts_the_public_cannot(client, archivist):
    draft = DocumentFactory(title="Newly found letter", status=Status.IN_REVIEW)
    preview = archivist.get(draft.get_absolute_url())
    assert preview.status_code == 200
    page = html(preview)
    assert "Preview: in review." in page.select_one(".preview-banner").get_text()
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    archivist.logout()
    assert client.get(draft.get_absolute_url()).status_code == 404


# History -----------------------------------------------------------------------


def form_data(form):
    """What a browser would submit for an admin form as it is shown (a document's with no texts or files)."""
    data = dict(NO_INLINES)
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v.pk if hasattr(v, "pk") else v) for v in value]
        elif isinstance(value, datetime):
            data[f"{name}_0"], data[f"{name}_1"] = value.strftime("%Y-%m-%d"), value.strftime("%H:%M:%S")
        else:
            data[name] = str(value.pk if hasattr(value, "pk") else value)
    return data


def test_history_diff_and_revert_restore_fields_and_relations(admin_client, sample):
    document = Document.objects.get(title__startswith="Record of a Meeting")
    original_people = set(document.people.values_list("slug", flat=True))
    original_title = document.title
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    data = form_data(admin_client.get(url).context["adminform"].form)
    data["title"] = "A corrected title"
    data["people"] = [str(p.pk) for p in document.people.exclude(slug="wang-ming")]
    assert admin_client.post(url, data).status_code == 302
    document.refresh_from_db()
    assert document.title == "A corrected title" and "wang-ming" not in document.people.values_list("slug", flat=True)

    history = admin_client.get(reverse("admin:catalogue_document_history", args=[document.pk]))
    assert history.status_code == 200
    body = history.content.decode()
    assert "A corrected title" in body and "Title:" in body and "People:" in body

    # The version as loaded from the sample: revert to it in the admin.
    before_edit = document.history.filter(title=original_title).first()
    revert_url = reverse("admin:catalogue_document_simple_history", args=[document.pk, before_edit.history_id])
    form = admin_client.get(revert_url).context["adminform"].form
    data = form_data(form)
    assert set(data["people"]) == {
        str(pk) for pk in Person.objects.filter(slug__in=original_people).values_list("pk", flat=True)
    }
    assert admin_client.post(revert_url, data).status_code == 302
    document.refresh_from_db()
    assert document.title == original_title
    assert set(document.people.values_list("slug", flat=True)) == original_people
    # And the search index follows the revert.
    from catalogue import search

    assert search.matching(Document.objects.filter(pk=document.pk), "Wang Ming").exists()


def test_entities_have_history_too(admin_client, sample):
    person = Person.objects.get(slug="pavel-yudin")
    url = reverse("admin:catalogue_person_change", args=[person.pk])
    data = form_data(admin_client.get(url).context["adminform"].form)
    data["note"] = "Soviet ambassador to China."
    admin_client.post(url, data)
    record = person.history.first()
    assert record.note == "Soviet ambassador to China." and record.history_user.username == "admin"
    assert admin_client.get(reverse("admin:catalogue_person_history", args=[person.pk])).status_code == 200


# Merging people ----------------------------------------------------------------


@pytest.fixture
def duplicate(sample):
    """A second record of Pavel Yudin, on two documents, one of which already lists him."""
    twin = Person.objects.create(name="P. F. Yudin", sort_name="Yudin, P. F.", slug="p-f-yudin", born=1899)
    yudin = Person.objects.get(slug="pavel-yudin")
    shared = yudin.documents.order_by("pk").first()
    only_twin = Document.objects.get(title__startswith="Anastas Mikoyan’s Recollections")
    assert not only_twin.people.filter(pk=yudin.pk).exists()
    shared.people.add(twin)
    only_twin.people.add(twin)
    return twin


def links(person_slug):
    return Document.people.through.objects.filter(person__slug=person_slug).count()


def test_merge_moves_every_link_and_keeps_both_histories(admin_client, duplicate):
    yudin = Person.objects.get(slug="pavel-yudin")
    before = (links("pavel-yudin"), links("p-f-yudin"))
    assert before == (4, 2)
    people_url = reverse("admin:catalogue_person_changelist")
    selected = {"action": "merge", ACTION_CHECKBOX_NAME: [yudin.pk, duplicate.pk]}
    preview = admin_client.post(people_url, selected)
    assert preview.status_code == 200
    plan = {entry["person"].slug: entry for entry in preview.context["plan"]}
    assert len(plan["p-f-yudin"]["moved"]) == 1 and len(plan["p-f-yudin"]["shared"]) == 1
    assert Person.objects.filter(slug="p-f-yudin").exists()  # nothing happens before confirming
    admin_client.post(people_url, {**selected, "kept": yudin.pk, "confirm": "yes"})
    assert not Person.objects.filter(slug="p-f-yudin").exists()
    assert (links("pavel-yudin"), links("p-f-yudin")) == (5, 0)
    # Both histories remain: the merged person's ends with its deletion and the reason.
    twin_history = Person.history.filter(slug="p-f-yudin")
    assert twin_history.first().history_type == "-"
    assert "Merged “P. F. Yudin”" in twin_history.first().history_change_reason
    assert "P. F. Yudin" in yudin.history.first().history_change_reason
    record = PersonMerge.objects.get()
    assert record.merged_by.username == "admin"


def test_keeping_someone_not_selected_is_refused_and_merges_nothing(admin_client, duplicate):
    yudin, stranger = Person.objects.get(slug="pavel-yudin"), Person.objects.get(slug="wang-ming")
    selected = {"action": "merge", ACTION_CHECKBOX_NAME: [yudin.pk, duplicate.pk]}
    refused = admin_client.post(
        reverse("admin:catalogue_person_changelist"), {**selected, "kept": stranger.pk, "confirm": "yes"}
    )
    assert refused.status_code == 200
    assert "Select a valid choice" in text_of(html(refused).select_one(".errorlist"))
    assert Person.objects.filter(pk__in=[yudin.pk, duplicate.pk]).count() == 2 and not PersonMerge.objects.exists()


def test_merge_can_be_undone(admin_client, duplicate):
    yudin = Person.objects.get(slug="pavel-yudin")
    documents_before = {
        slug: set(Document.objects.filter(people__slug=slug).values_list("pk", flat=True))
        for slug in ("pavel-yudin", "p-f-yudin")
    }
    curation.merge_people(yudin, [duplicate])
    record = PersonMerge.objects.get()
    admin_client.post(
        reverse("admin:catalogue_personmerge_changelist"), {"action": "undo", ACTION_CHECKBOX_NAME: [record.pk]}
    )
    twin = Person.objects.get(slug="p-f-yudin")
    assert (twin.name, twin.born) == ("P. F. Yudin", 1899)
    for slug, expected in documents_before.items():
        assert set(Document.objects.filter(people__slug=slug).values_list("pk", flat=True)) == expected
    record.refresh_from_db()
    assert record.undone_at is not None


def test_editor_may_merge_and_public_search_follows(editor, duplicate):
    yudin = Person.objects.get(slug="pavel-yudin")
    editor.post(
        reverse("admin:catalogue_person_changelist"),
        {"action": "merge", ACTION_CHECKBOX_NAME: [yudin.pk, duplicate.pk], "kept": yudin.pk, "confirm": "yes"},
    )
    assert not Person.objects.filter(slug="p-f-yudin").exists()
    listing = editor.get(reverse("catalogue:document-list"), {"person": "pavel-yudin"})
    assert listing.context["paginator"].count == 5


def test_archivist_cannot_merge_people_of_published_documents(archivist, duplicate):
    yudin = Person.objects.get(slug="pavel-yudin")
    response = archivist.post(
        reverse("admin:catalogue_person_changelist"),
        {"action": "merge", ACTION_CHECKBOX_NAME: [yudin.pk, duplicate.pk], "kept": yudin.pk, "confirm": "yes"},
        follow=True,
    )
    assert "only an Editor may change published documents" in response.content.decode()
    assert (links("pavel-yudin"), links("p-f-yudin")) == (4, 2)
    assert not PersonMerge.objects.exists()


def test_archivist_merges_people_known_only_from_drafts(archivist, sample):
    first, second = DocumentFactory(title="Letter one"), DocumentFactory(title="Letter two")
    twins = [Person.objects.create(name="Li Fu", sort_name="Li, Fu", slug=slug) for slug in ("li-fu", "li-fu-2")]
    first.people.add(twins[0])
    second.people.add(twins[1])
    archivist.post(
        reverse("admin:catalogue_person_changelist"),
        {"action": "merge", ACTION_CHECKBOX_NAME: [p.pk for p in twins], "kept": twins[0].pk, "confirm": "yes"},
    )
    assert not Person.objects.filter(slug="li-fu-2").exists()
    assert set(Document.objects.filter(people__slug="li-fu")) == {first, second}


def test_archivist_cannot_undo_a_merge_of_published_documents(archivist, duplicate):
    curation.merge_people(Person.objects.get(slug="pavel-yudin"), [duplicate])
    record = PersonMerge.objects.get()
    archivist.post(
        reverse("admin:catalogue_personmerge_changelist"), {"action": "undo", ACTION_CHECKBOX_NAME: [record.pk]}
    )
    record.refresh_from_db()
    assert record.undone_at is None and not Person.objects.filter(slug="p-f-yudin").exists()


# The history's "Revert" saves through its own URL: it must keep the change form's rule. ------------


def revert_post(client, document, version, **changes):
    url = reverse("admin:catalogue_document_simple_history", args=[document.pk, version.history_id])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and not isinstance(value, list)}
    data.update({"added_0": "2026-01-01", "added_1": "10:00", "people": form.initial.get("people", [])})
    data.update(changes)
    return client.post(url, data)


def test_archivist_cannot_revert_or_unpublish_a_published_document_through_history(archivist):
    published = Document.objects.published().first()
    version = published.history.earliest()
    url = reverse("admin:catalogue_document_simple_history", args=[published.pk, version.history_id])
    page = archivist.get(url)
    assert page.status_code == 200 and "Revert" not in html(page).select_one("#content").get_text()
    response = revert_post(archivist, published, version, title="Vandalised", status="draft")
    assert response.status_code == 403
    published.refresh_from_db()
    assert published.title != "Vandalised" and published.status == Status.PUBLISHED


def test_archivist_reverts_a_draft_and_an_editor_reverts_a_published_document(archivist, client):
    draft = DocumentFactory(title="A letter")
    first = draft.history.earliest()
    draft.title = "A letter, retitled"
    draft.save()
    assert revert_post(archivist, draft, first).status_code == 302
    draft.refresh_from_db()
    assert draft.title == "A letter"
    published = Document.objects.published().first()
    client.force_login(UserFactory(username="editor", roles=["Editor"]))
    assert revert_post(client, published, published.history.earliest(), title="Corrected").status_code == 302
    published.refresh_from_db()
    assert published.title == "Corrected"


@pytest.mark.parametrize(
    "path", ["document/abc/history/", "document/999999/history/", "person/abc/history/", "document/{pk}/history/abc/",
             "document/{pk}/history/999999/", "document/abc/history/1/"],
)  # fmt: skip
def test_history_urls_that_name_nothing_are_404(admin_client, sample, path):
    pk = Document.objects.first().pk
    assert admin_client.get(f"/admin/catalogue/{path.format(pk=pk)}").status_code == 404


# Two curators on one record: the second save must not silently undo the first. -----------------


def two_curators_open(url, first_role, second_role):
    """Two logged-in curators (first-editor and the other) who have each opened the change form at `url`:
    (first's client, the other's client, first's form data, the other's form data)."""
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(UserFactory(username="first-editor", roles=[first_role]))
    second.force_login(UserFactory(username=f"a-second-{second_role.lower()}", roles=[second_role]))
    mine = form_data(first.get(url).context["adminform"].form)
    theirs = form_data(second.get(url).context["adminform"].form)
    return first, second, mine, theirs


def test_a_save_over_someone_elses_change_is_refused_with_what_changed(sample):
    document = Document.objects.get(title__startswith="Record of a Meeting")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    first, second, mine, theirs = two_curators_open(url, "Editor", "Editor")
    mine["title"] = "Title corrected by the first editor"
    assert first.post(url, mine).status_code == 302
    theirs["summary"] = "A summary written meanwhile."
    refused = second.post(url, theirs)
    assert refused.status_code == 200
    errors = text_of(html(refused).select_one("#content .errorlist"))
    assert "changed by first-editor" in errors and "“Title corrected by the first editor”" in errors
    document.refresh_from_db()
    assert document.title == "Title corrected by the first editor"
    assert document.summary != "A summary written meanwhile."
    # The form now carries the newer version: saving again, knowingly, goes through.
    again = {**theirs, "seen_version": refused.context["adminform"].form["seen_version"].value()}
    assert again["seen_version"] != theirs["seen_version"]
    assert second.post(url, again).status_code == 302
    document.refresh_from_db()
    assert document.summary == "A summary written meanwhile."


def test_entities_are_protected_from_lost_updates_too(sample):
    person = Person.objects.get(slug="pavel-yudin")
    url = reverse("admin:catalogue_person_change", args=[person.pk])
    client, other, mine, theirs = two_curators_open(url, "Editor", "Archivist")
    mine["note"] = "Soviet ambassador to China, 1953–1959."
    assert client.post(url, mine).status_code == 302
    theirs["name"] = "P. F. Yudin"
    assert other.post(url, theirs).status_code == 200
    person.refresh_from_db()
    assert (person.note, person.name) == ("Soviet ambassador to China, 1953–1959.", "Pavel Yudin")
