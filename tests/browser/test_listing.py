import re

import pytest

pytestmark = pytest.mark.browser


def test_researcher_searches_narrows_pages_and_opens_a_document(page, live_sample, axe):
    page.goto("/")
    assert axe(page) == []
    page.get_by_role("searchbox", name="Search the documents").fill("Mao")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/documents/\?q=Mao"))
    assert page.locator(".results-count").inner_text().startswith("Results: 1 - 10 of")
    assert page.locator(".result mark").count() > 0
    assert axe(page) == []

    # Narrow by a facet: the chip appears and the count drops to that person's documents.
    page.locator('.facet a[data-facet="person"][data-slug="wang-ming"]').click()
    page.wait_for_url(re.compile(r"person=wang-ming"))
    assert "Person: Wang Ming" in page.locator(".chips").inner_text()
    count = page.locator(".results-count").inner_text()
    assert re.match(r"Results: 1 - 10 of \d+", count)

    # Page two keeps both the keyword and the facet.
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "q=Mao" in page.url and "person=wang-ming" in page.url
    assert page.locator(".results-count").inner_text().startswith("Results: 11 - ")

    first = page.locator(".result__title a").first
    title = first.inner_text()
    first.click()
    assert page.locator("h1").inner_text() == title
    # The Chicago note, title-cased by its style.
    assert page.locator("#citation-chicago").inner_text().lower().startswith(f"“{title.lower()},”")
    assert axe(page) == []

    # From the document to a person, and on to an event.
    page.locator(".document__facts a", has_text="Wang Ming").first.click()
    page.wait_for_url(re.compile(r"/people/wang-ming/$"))
    assert page.locator("h1").inner_text() == "Wang Ming"
    assert page.locator(".entity__dates").inner_text() == "1904–1974"
    assert axe(page) == []
    page.goto("/events/ccp-8th-congress/")
    assert page.locator("h1").inner_text() == "Eighth National Congress of the CCP"
    assert axe(page) == []


def test_seed_listing_in_the_browser_on_a_phone(browser, live_server, live_sample, axe):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto("/documents/?person=wang-ming&place=soviet-union")
    assert page.locator(".results-count").inner_text() == "Results: 1 - 10 of 14"
    assert page.locator(".result").count() == 10
    # Nothing runs off the side of a phone screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    assert axe(page) == []
    context.close()
