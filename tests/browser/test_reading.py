"""What a reader sees, at a laptop's width (1366) and a phone's (390): the defects of the walk-through, each
checked as the reader would notice it."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from catalogue.models import Document, Person

from .test_curation import log_in

pytestmark = pytest.mark.browser

SEED = "/documents/?person=wang-ming&place=soviet-union"


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def style(page, selector, prop):
    return page.locator(selector).first.evaluate(f"(e) => getComputedStyle(e).getPropertyValue('{prop}')")


@pytest.mark.parametrize("width", [1366, 390])
def test_the_content_keeps_its_space_from_the_header_and_the_footer(browser, live_server, live_sample, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(SEED)
    header, main, footer = box(page, ".site-header"), box(page, "main"), box(page, ".site-footer")
    first = box(page, ".search-form")
    pagination = box(page, ".exports")
    assert first["y"] - (header["y"] + header["height"]) >= 14, "the search form touches the header"
    assert footer["y"] - (pagination["y"] + pagination["height"]) >= 24, "the last line touches the footer"
    assert float(style(page, "main", "padding-top").removesuffix("px")) > 0
    assert main["width"] <= width
    context.close()


def test_a_document_tag_is_one_clear_link_of_a_fair_size(wide, live_sample, axe):
    document = Document.objects.get(slug__startswith="record-of-a-meeting-between-the-sino-soviet")
    wide.goto(document.get_absolute_url())
    assert "⌕" not in wide.locator("main").inner_text()
    tags = wide.locator(".tag-list a")
    names = [
        name
        for kind in (
            document.people,
            document.places,
            document.events,
            document.organisations,
            document.topics,
            document.collections,
        )  # fmt: skip
        for name in kind.values_list("name", flat=True)
    ]
    assert sorted(tags.all_inner_texts()) == sorted(names)
    assert axe(wide) == []  # target size included


def test_one_document_in_one_year_reads_as_a_person_would_write_it(wide, live_sample, axe):
    person = Person.objects.filter(document_count=1).order_by("slug").first()
    document = person.documents.get()
    year = document.date_start.year
    wide.goto(f"/documents/?person={person.slug}")
    caption = wide.locator(".timeline figcaption").inner_text()
    assert caption == f"Documents by year: 1 dated document, from {year}."
    assert wide.locator(".exports").inner_text().startswith("Download this result:")
    # The one bar is a bar, not a block across the chart.
    chart, bar = box(wide, ".timeline__chart"), box(wide, ".timeline__bar")
    assert bar["width"] < chart["width"] / 10
    assert wide.locator(".timeline__label").all_text_contents() == [str(year)]
    # Screen readers hear "1 document" in the facets.
    counts = wide.locator(".facet__count").all_text_contents()
    assert counts and all(text == "1 document" for text in counts)
    assert axe(wide) == []


def test_year_labels_stay_legible_and_several_on_a_phone(phone, live_sample):
    phone.goto(SEED)
    labels = phone.locator(".timeline__label")
    assert labels.all_text_contents() == ["1950", "1955", "1960", "1965"]
    for index in range(labels.count()):
        shape = labels.nth(index).bounding_box()
        # 12 px text, four digits: not squeezed into a sliver nor stretched (its width to height as drawn).
        assert 10 <= shape["height"] <= 18 and 1.6 <= shape["width"] / shape["height"] <= 3.2
    xs = [labels.nth(index).bounding_box()["x"] for index in range(labels.count())]
    assert xs == sorted(xs) and min(b - a for a, b in zip(xs, xs[1:], strict=False)) > 40


@pytest.mark.parametrize("address", ["/", SEED])
def test_the_search_button_is_as_tall_as_the_search_box(wide, live_sample, address):
    wide.goto(address)
    field, button = box(wide, "main input[type=search]"), box(wide, "main form button[type=submit]")
    assert abs(field["height"] - button["height"]) < 1
    assert abs(field["y"] - button["y"]) < 1


def test_an_invalid_filter_can_be_seen_removed_and_left_behind(wide, live_sample, axe):
    wide.goto("/documents/?date_from=foo&person=nobody")
    # Every link in the error box leads somewhere on the page.
    for target in wide.locator(".form-errors a").evaluate_all("(links) => links.map((a) => a.hash)"):
        assert wide.locator(target).count() == 1, f"{target} is not on the page"
    chip = wide.locator("#chip-person")
    assert chip.inner_text().startswith("Person: nobody (not found)")
    # A new search does not carry the bad value on.
    assert wide.locator("form input[type=hidden][name=person]").count() == 0
    wide.get_by_role("searchbox", name="Search").fill("Mao")
    wide.get_by_role("button", name="Search").click()
    wide.wait_for_url(re.compile(r"q=Mao"))
    assert "person=nobody" not in wide.url and wide.locator(".result").count() > 0
    # And from the empty page, a way to start again.
    wide.goto("/documents/?person=nobody")
    wide.get_by_role("link", name="Start a new search").click()
    wide.wait_for_url(re.compile(r"/documents/$"))
    assert wide.locator(".result").count() == 10
    wide.goto("/documents/?date_from=foo&person=nobody")
    chip = wide.locator("#chip-person")
    chip.click()
    wide.wait_for_url(re.compile(r"date_from=foo$"))
    assert axe(wide) == []


def test_an_empty_search_says_what_was_searched_and_what_to_try(wide, live_sample):
    wide.goto('/documents/?q="secret+speech"+zzzzqx')
    assert wide.locator("h1").inner_text() == 'Documents matching "secret speech" zzzzqx'
    empty = wide.locator(".no-results").inner_text()
    assert "No documents match this search." in empty and "these filters" not in empty
    assert "Check the spelling" in empty
    wide.goto("/documents/?q=zzzzqx&person=wang-ming")
    assert "this search with these filters" in wide.locator(".no-results").inner_text()
    wide.get_by_role("link", name="Search all documents for zzzzqx").click()
    wide.wait_for_url(re.compile(r"/documents/\?q=zzzzqx$"))
    assert wide.locator("h1").inner_text() == "Documents matching “zzzzqx”"


def test_the_seed_heading_says_what_the_filters_mean(wide, live_sample):
    wide.goto(SEED)
    assert wide.locator("h1").inner_text() == "Documents tagged with Wang Ming and the Soviet Union"


def test_every_count_on_the_home_page_is_a_whole_link(wide, live_sample, axe):
    wide.goto("/")
    links = wide.locator(".home-counts a")
    assert links.count() == 7
    for index, (name, path) in enumerate(
        [("documents", "/documents/"), ("people", "/people/"), ("events", "/events/"), ("places", "/places/"),
         ("topics", "/topics/"), ("organisations", "/organisations/"), ("collections", "/collections/")]
    ):  # fmt: skip
        link = links.nth(index)
        assert re.fullmatch(rf"\d+ {name}", link.inner_text()) and link.get_attribute("href") == path
        # One unbroken underline: the number and the word are one run of text with no gap between.
        assert link.evaluate("(a) => getComputedStyle(a.querySelector('strong')).marginRight") == "0px"
    assert axe(wide) == []


def test_a_document_page_reads_beside_its_citation_on_a_wide_screen(wide, live_sample, axe):
    document = Document.objects.first()
    wide.goto(document.get_absolute_url())
    assert wide.locator("main").inner_text().count(document.date_display) == 1
    facts, cite = box(wide, ".document__facts"), box(wide, ".cite")
    assert cite["x"] > facts["x"] + facts["width"], "the citation sits beside the text"
    layout = box(wide, ".document__layout")
    used = facts["width"] + cite["width"]
    assert used / layout["width"] > 0.8, "the page leaves a wide screen empty"
    assert axe(wide) == []


def test_a_phone_has_a_short_header_a_whole_placeholder_and_filters_at_the_top(phone, live_sample, axe):
    phone.goto(SEED)
    assert box(phone, ".site-header")["height"] <= 90
    field = phone.locator("#id_q")
    placeholder_fits = field.evaluate(
        """(input) => {
            const s = getComputedStyle(input), canvas = document.createElement('canvas').getContext('2d');
            canvas.font = `${s.fontSize} ${s.fontFamily}`;
            const room = input.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return canvas.measureText(input.placeholder).width <= room;
        }"""
    )
    assert placeholder_fits
    # The facets are hidden behind "Filters", which opens them above the results.
    assert not phone.locator("#filters").is_visible()
    toggle = phone.get_by_role("button", name=re.compile(r"^Filters \(2 in use\)"))
    assert box(phone, ".filters-toggle")["y"] < 844 / 2, "Filters is in the first half of the first screen"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    facets, first_result = box(phone, "#filters"), box(phone, ".result")
    assert facets["y"] < first_result["y"]
    assert phone.evaluate("document.activeElement.id") == "filters"
    assert axe(phone) == []
    phone.locator('#filters a[data-facet="person"][data-slug="mao-zedong"]').click()
    phone.wait_for_url(re.compile(r"person=mao-zedong"))
    assert "Mao Zedong" in phone.locator(".chips").inner_text()
    toggle = phone.get_by_role("button", name=re.compile(r"^Filters"))
    toggle.press("Enter")
    assert phone.locator("#filters").is_visible()
    toggle.press("Enter")
    assert not phone.locator("#filters").is_visible()


def test_copy_citation_and_copy_link_work_from_the_keyboard_and_are_announced(wide, live_sample, axe):
    document = Document.objects.get(slug__startswith="record-of-a-meeting-between-the-sino-soviet")
    wide.goto(document.get_absolute_url())
    chicago = wide.locator("#citation-chicago").inner_text()
    button = wide.get_by_role("button", name="Copy citation (Chicago (17th edition), note)")
    assert button.count() == 1
    button = wide.locator('[data-copy="#citation-chicago"]')  # its name changes once it has copied
    button.focus()
    wide.keyboard.press("Enter")
    assert wide.evaluate("navigator.clipboard.readText()") == chicago
    status = wide.get_by_role("status")
    status.filter(has_text="Citation copied (Chicago (17th edition), note).").wait_for()
    assert button.inner_text() == "Copied"
    link = wide.get_by_role("button", name="Copy link")
    link.focus()
    wide.keyboard.press("Space")
    permalink = wide.evaluate("navigator.clipboard.readText()")
    assert permalink.endswith(document.get_absolute_url()) and permalink.startswith("http")
    status.filter(has_text=f"Link copied: {permalink}").wait_for()
    assert axe(wide) == []


def test_without_javascript_there_are_no_dead_buttons_and_citations_stay_selectable(browser, live_server, live_sample):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    document = Document.objects.first()
    page.goto(document.get_absolute_url())
    assert page.get_by_role("button").count() == 0
    assert page.locator(".cite__text").first.evaluate("(e) => getComputedStyle(e).userSelect") != "none"
    assert page.locator(".document__permalink a").inner_text().endswith(document.get_absolute_url())
    # The filters are reached by a link on a phone-sized window.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(SEED)
    page.get_by_role("link", name=re.compile("^Filters")).click()
    assert page.url.endswith("#filters") and page.locator("#filters").is_visible()
    context.close()


def test_error_pages_look_like_the_site_and_lead_back_to_it(page, live_sample, axe, monkeypatch):
    from catalogue import views

    def broken(self, **kwargs):
        raise RuntimeError("a fault while drawing the page")

    monkeypatch.setattr(views.DocumentDetailView, "get_context_data", broken)
    response = page.goto(Document.objects.first().get_absolute_url())
    assert response.status == 500
    assert page.locator("h1").inner_text() == "Something went wrong"
    # The site's own stylesheet, not the browser's defaults.
    assert page.locator("body").evaluate("(b) => getComputedStyle(b).backgroundColor") == "rgb(251, 250, 247)"
    page.get_by_role("link", name="Back to the catalogue").click()
    page.wait_for_url(re.compile(r"/$"))
    assert page.locator(".home-counts").count() == 1

    # An address in the admin that names nothing is a 404 page, not a fault.
    User.objects.create_superuser("curator", password="a-long-browser-test-password")
    log_in(page, "curator")
    for address in ("/admin/catalogue/document/abc/history/", "/admin/catalogue/person/abc/history/"):
        assert page.goto(address).status == 404
        assert page.locator("h1").inner_text() == "Not found"
        assert "“abc”" in page.locator("main").inner_text()
    assert axe(page) == []


def test_printing_a_record_gives_the_record_and_its_citation_without_the_controls(wide, live_sample):
    import io

    import pypdf

    document = Document.objects.get(slug__startswith="record-of-a-meeting-between-the-sino-soviet")
    wide.goto(document.get_absolute_url())
    wide.emulate_media(media="print")
    for hidden in (".site-nav", ".tools", ".cite__downloads", ".related", ".skip-link"):
        assert not wide.locator(hidden).first.is_visible(), hidden
    assert wide.locator(".cite").evaluate("(c) => getComputedStyle(c).breakInside") == "avoid"
    assert wide.locator(".site-name").is_visible()
    printed = pypdf.PdfReader(io.BytesIO(wide.pdf(format="A4")))
    text = " ".join(" ".join(page.extract_text() for page in printed.pages).split())
    assert document.title in text and "Cite this document" in text and "Wang Ming" in text
    assert "Digital Archive of Historical Documents" in text
    for control in (
        "Skip to content",
        "Copy link",
        "Copy citation",
        "PDF of this record",
        "BibTeX",
        "Documents People Events Places",
    ):
        assert control not in text, control
    # The citation box is whole on one page.
    pages = [" ".join(page.extract_text().split()) for page in printed.pages]
    assert any("Cite this document" in page and "MLA (9th edition)" in page for page in pages)


def test_a_reader_collects_documents_keeps_them_across_visits_and_shares_them(browser, live_server, live_sample, axe):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, bypass_csp=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(SEED)
    assert not page.locator(".site-nav__selection").is_visible()  # nothing chosen yet
    titles = page.locator(".result__title a").all_inner_texts()
    first = page.locator(".result").nth(0).get_by_role("button", name=re.compile("^Add to selection"))
    first.click()
    page.locator(".result").nth(2).get_by_role("button", name=re.compile("^Add to selection")).click()
    page.get_by_role("status").filter(has_text="which holds 2 documents").wait_for()
    assert page.locator(".site-nav__selection").inner_text() == "Selection 2"
    assert page.locator(".result").nth(0).locator(".select-button__label").inner_text() == "Remove from selection"

    # Another search, and a document's own page.
    page.goto("/documents/?q=Khrushchev")
    page.locator(".result__title a").first.click()
    third = page.locator("h1").inner_text()
    page.get_by_role("button", name=re.compile("^Add to selection")).click()
    assert page.locator(".selection-count").inner_text() == "3"
    assert axe(page) == []

    # A later visit, in a browser that kept its storage.
    kept = context.storage_state()
    context.close()
    context = browser.new_context(base_url=live_server.url, storage_state=kept, bypass_csp=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/")
    page.get_by_role("link", name=re.compile("^Selection")).click()
    page.wait_for_url(re.compile(r"/selection/\?ids=\d+,\d+,\d+$"))
    assert page.locator(".result__title a").all_inner_texts() == [titles[0], titles[2], third]
    assert page.locator(".results-count").inner_text() == "3 documents."
    assert axe(page) == []
    # Taken out again, on the selection page itself.
    page.locator(".result").nth(1).get_by_role("button", name=re.compile("^Remove from selection")).click()
    page.wait_for_url(re.compile(r"/selection/\?ids=\d+,\d+$"))
    assert page.locator(".result__title a").all_inner_texts() == [titles[0], third]
    for format in ("csv", "json", "bib", "ris"):
        href = page.get_by_role("link", name=format.upper() if format != "bib" else "BibTeX").get_attribute("href")
        assert href == f"/selection/export.{format}?" + page.url.split("?")[1]
    page.get_by_role("button", name="Copy link to this selection").click()
    shared = page.evaluate("navigator.clipboard.readText()")
    assert shared == page.url
    context.close()

    # Someone else opens the link: they see the documents, and may keep them as their own.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(shared)
    assert page.locator(".result__title a").all_inner_texts() == [titles[0], third]
    assert page.get_by_text("This is a shared selection.").is_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Make these my selection").click()
    page.wait_for_load_state()
    assert page.locator(".selection-count").first.inner_text() == "2"
    assert not page.get_by_text("This is a shared selection.").is_visible()
    page.get_by_role("button", name="Empty my selection").click()
    page.wait_for_url(re.compile(r"/selection/$"))
    assert "No documents selected" in page.locator("main").inner_text()
    context.close()


@pytest.mark.parametrize("code", [code for code, _ in settings.LANGUAGES])
@pytest.mark.parametrize("width", [1366, 390])
def test_every_page_is_accessible_in_each_language_at_each_width(browser, live_server, live_sample, axe, code, width):
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    prefix = "" if code == "en" else f"/{code}"
    document = Document.objects.get(slug__startswith="record-of-a-meeting-between-the-sino-soviet")
    for path in ("/", SEED, "/documents/?date_from=foo&person=nobody", document.get_absolute_url(),
                 "/people/wang-ming/", f"/selection/?ids={document.pk}"):  # fmt: skip
        page.goto(prefix + path)
        assert page.locator("html").get_attribute("lang") == code
        assert axe(page) == [], (code, width, path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (code, width, path)
    context.close()


def test_a_reader_switches_to_russian_and_the_catalogue_remembers(page, live_sample):
    page.goto(SEED)
    page.get_by_role("link", name="Русский").click()
    page.wait_for_url(re.compile(r"/ru/documents/\?person=wang-ming&place=soviet-union$"))
    assert page.locator(".results-count").inner_text() == "Результаты: 1 - 10 из 14"
    # The selection speaks Russian too, its counts in Russian plurals.
    page.locator(".result").nth(0).get_by_role("button", name=re.compile("^Добавить в подборку")).click()
    page.get_by_role("status").filter(has_text="Добавлено в подборку; в ней 1 документ.").wait_for()
    page.locator(".result").nth(1).get_by_role("button", name=re.compile("^Добавить в подборку")).click()
    page.get_by_role("status").filter(has_text="в ней 2 документа.").wait_for()
    # Coming back later to the home page, the reader finds it in Russian.
    page.goto("/")
    page.wait_for_url(re.compile(r"/ru/$"))
    assert page.locator("h1").inner_text() == "Digital Archive of Historical Documents"
    assert page.get_by_role("link", name="Документы", exact=True).count() == 1
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/")
    assert page.url.endswith("/") and not page.url.endswith("/ru/")
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_reader_steps_through_the_results_from_a_document_with_the_keyboard(wide, live_sample, axe):
    wide.goto(SEED + "&per_page=25")
    titles = wide.locator(".result__title a").all_inner_texts()
    assert len(titles) == 14  # one page of 25
    wide.locator(".result__title a").nth(12).focus()
    wide.keyboard.press("Enter")
    wide.wait_for_url(re.compile(r"at=13$"))
    assert wide.locator(".result-nav__place").inner_text() == "Result 13 of 14"
    assert axe(wide) == []
    wide.get_by_role("link", name=re.compile(r"^Next ›")).focus()
    wide.keyboard.press("Enter")
    wide.wait_for_url(re.compile(r"at=14$"))
    assert wide.locator("h1").inner_text() == titles[13]
    wide.reload()  # kept in the address
    assert wide.locator(".result-nav__place").inner_text() == "Result 14 of 14"
    assert wide.get_by_role("link", name=re.compile(r"^Next ›")).count() == 0
    wide.get_by_role("link", name="‹ Back to results").click()
    wide.wait_for_url(re.compile(r"/documents/\?person=wang-ming&place=soviet-union&per_page=25$"))
    assert wide.locator(".result").count() == 14


def test_any_of_a_facet_is_chosen_with_the_keyboard_and_says_what_it_shows(wide, live_sample, axe):
    wide.goto(SEED)
    people = wide.locator('section[aria-labelledby="facet-person"]')
    choice = people.get_by_role("link", name="any of these")
    choice.focus()
    wide.keyboard.press("Enter")
    wide.wait_for_url(re.compile(r"person_op=any"))
    heading = wide.locator("h1")
    assert heading.inner_text() == "Documents tagged with Wang Ming and the Soviet Union"
    assert people.get_by_role("link", name="any of these").get_attribute("aria-current") == "true"
    # Zhou Enlai is offered with what he would add, and choosing him widens the results.
    before = int(wide.locator(".results-count__range").inner_text().split()[-1])
    people.locator('a.facet__value[data-slug="zhou-enlai"]').click()
    wide.wait_for_url(re.compile(r"zhou-enlai"))
    assert heading.inner_text() == "Documents tagged with either Wang Ming or Zhou Enlai and the Soviet Union"
    assert int(wide.locator(".results-count__range").inner_text().split()[-1]) > before
    assert axe(wide) == []


def test_the_places_map_is_reached_with_the_keyboard_and_leads_to_a_place(wide, live_sample, axe):
    wide.goto("/places/")
    first = wide.locator("a.place-map__place").first
    assert wide.locator("a.place-map__place").count() == 7
    # Tab from the heading reaches the markers, which show focus and open their place.
    wide.locator("h1").click()
    for _ in range(10):
        wide.keyboard.press("Tab")
        if wide.evaluate("document.activeElement.classList.contains('place-map__place')"):
            break
    focused = wide.evaluate("document.activeElement.getAttribute('aria-label')")
    assert focused == first.get_attribute("aria-label")
    wide.keyboard.press("Enter")
    wide.wait_for_url(re.compile(r"/places/[a-z-]+/$"))
    assert axe(wide) == []
    wide.goto("/places/")
    assert wide.locator(".place-map__drawing").bounding_box()["width"] > 600
    assert axe(wide) == []


def test_the_places_map_fits_a_phone(phone, live_sample, axe):
    phone.goto("/places/")
    drawing = phone.locator(".place-map__drawing").bounding_box()
    assert drawing["width"] <= 390 and drawing["height"] > 100
    assert axe(phone) == []


def test_the_advanced_search_is_filled_in_with_the_keyboard_and_says_what_is_wrong(wide, live_sample, axe):
    wide.goto("/search/")
    assert axe(wide) == []
    wide.get_by_label("In the title").focus()
    wide.keyboard.type("conversation")
    wide.get_by_label("Person").fill("Chen Shaoyu")
    wide.locator("#id_language").select_option("russian")
    wide.get_by_label("Person").press("Enter")
    wide.wait_for_url(re.compile(r"/documents/\?q="))
    assert wide.locator(".results .result").count() > 0
    assert "Wang Ming" in wide.locator(".results").inner_text()
    wide.goto("/search/?person=Nobody+Atall")
    errors = wide.locator(".form-errors")
    assert "There is no person “Nobody Atall” in the catalogue." in errors.inner_text()
    errors.get_by_role("link", name="Person").click()
    assert wide.evaluate("document.activeElement.name") == "person"
    assert axe(wide) == []


@pytest.mark.parametrize("address", ["/topics/", "/topics/china-foreign-relations/", "/organisations/", "/types/",
                                     "/how-to-search/", "/documents/?q=Krushchev"])  # fmt: skip
def test_the_new_pages_pass_axe_at_both_widths(wide, phone, live_sample, axe, address):
    for page in (wide, phone):
        page.goto(address)
        assert page.locator("h1").count() == 1
        assert axe(page) == [], (address, page.viewport_size)
