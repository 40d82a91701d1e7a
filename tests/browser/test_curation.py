import re

import pytest
from django.contrib.auth.models import Group, User

from catalogue.models import Document, Status

pytestmark = pytest.mark.browser

PASSWORD = "a-long-browser-test-password"


def log_in(page, username):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def choose(page, field, text):
    """Pick a value in an admin autocomplete (select2) field by typing part of it."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_archivist_drafts_editor_publishes_public_sees(page, live_sample):
    for name in ("Archivist", "Editor"):
        user = User.objects.create_user(name.lower(), password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=name))

    log_in(page, "archivist")
    page.goto("/admin/catalogue/document/add/")
    page.get_by_label("Title:").fill("Telegram from Wang Ming to the Comintern")
    page.locator("#id_date").fill("1937-11")
    page.get_by_label("Summary:").fill("Wang Ming reports his arrival in Yan'an.")
    choose(page, "people", "Wang Ming")
    choose(page, "people", "Zhou")
    choose(page, "places", "Soviet Union")
    # Publishing is not among the choices of an Archivist.
    assert page.locator("#id_status option").all_inner_texts() == ["Draft", "In review"]
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/catalogue/document/$"))
    document = Document.objects.get(title="Telegram from Wang Ming to the Comintern")
    assert document.status == Status.DRAFT
    assert set(document.people.values_list("slug", flat=True)) == {"wang-ming", "zhou-enlai"}

    page.locator(f'input[name="_selected_action"][value="{document.pk}"]').check()
    assert "Publish" not in page.locator('select[name="action"] option').all_inner_texts()
    page.locator('select[name="action"]').select_option("submit_for_review")
    page.get_by_role("button", name="Run").click()
    assert "1 document submitted for review." in page.locator(".messagelist").inner_text()
    page.context.clear_cookies()

    log_in(page, "editor")
    page.goto("/admin/catalogue/document/?status__exact=in_review")
    page.locator(f'input[name="_selected_action"][value="{document.pk}"]').check()
    page.locator('select[name="action"]').select_option("publish")
    page.get_by_role("button", name="Run").click()
    assert "1 document published." in page.locator(".messagelist").inner_text()
    page.context.clear_cookies()

    page.goto("/documents/?person=wang-ming&place=soviet-union")
    assert page.locator(".results-count").inner_text() == "Results: 1 - 10 of 15"
    assert page.locator(".result__title", has_text="Telegram from Wang Ming to the Comintern").count() == 1


def test_the_admin_gives_long_titles_room_and_every_page_whole_breadcrumbs(wide, live_sample):
    User.objects.create_superuser("curator", password=PASSWORD)
    log_in(wide, "curator")
    longest = max(Document.objects.all(), key=lambda document: len(document.title))

    wide.goto("/admin/catalogue/document/")
    cell = wide.locator(".field-title", has_text=longest.title)
    lines = cell.evaluate("(td) => td.getBoundingClientRect().height / parseFloat(getComputedStyle(td).lineHeight)")
    assert lines <= 4.5, f"the longest title wraps to {lines:.0f} lines"
    assert wide.evaluate("document.documentElement.scrollWidth") <= 1366

    wide.goto(f"/admin/catalogue/document/{longest.pk}/change/")
    assert wide.locator("#id_title").bounding_box()["width"] >= 700
    # The whole title is in view, however long.
    assert wide.locator("#id_title").evaluate("(box) => box.scrollHeight <= box.clientHeight + 1")

    history = wide.locator("#change-history")
    wide.goto(f"/admin/catalogue/document/{longest.pk}/history/")
    row = history.locator("tbody tr").first.inner_text()
    assert "None" not in row and "no one signed in" in row and "The first version" in row
    assert "Loaded from the data file “sample”" in row

    version = longest.history.get().history_id
    for address, last in (
        ("/admin/catalogue/document/import/", "Import"),
        (f"/admin/catalogue/document/{longest.pk}/history/{version}/", "Revert to this version"),
        ("/admin/catalogue/person/", "Merge"),
    ):
        wide.goto(address)
        if address.endswith("/person/"):  # the merge page is reached by an action on two people
            wide.locator("input.action-select").nth(0).check()
            wide.locator("input.action-select").nth(1).check()
            wide.locator("select[name=action]").select_option("merge")
            wide.get_by_role("button", name="Run").click()
            wide.wait_for_load_state()
        crumbs = wide.locator("ol.breadcrumbs li")
        texts = crumbs.all_inner_texts()
        assert texts[:3] == ["Home", "Catalogue", "Documents" if "document" in address else "People"], texts
        assert texts[-1] == last and "Historical" not in " ".join(texts)
        # Styled as the admin's own: the dark band, not bare links on the page.
        band = wide.locator("ol.breadcrumbs").evaluate("(ol) => getComputedStyle(ol).backgroundColor")
        assert band not in ("rgba(0, 0, 0, 0)", "transparent")
