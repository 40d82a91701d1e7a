"""The reading room in a browser: the scan opens in the viewer under the site's own script policy, pages turn
from the keyboard and the thumbnails, the texts are tabs, and the whole is usable on a phone."""

import pytest

from catalogue import specimen

from ..helpers import require_ocr

pytestmark = pytest.mark.browser


@pytest.fixture
def live_specimen(transactional_db, settings, tmp_path):
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("loaddata", "sample", verbosity=0)
    document, _ = specimen.load()
    return document


def current_page(page):
    return page.locator(".scan__place [data-current]").inner_text()


def test_the_scan_opens_in_the_viewer_and_turns_page_by_page_from_the_keyboard(strict_page, live_specimen):
    page = strict_page
    problems, images = [], []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: images.append((response.url, response.status)) if "/iiif/3/" in response.url
            else None)  # fmt: skip
    page.goto(live_specimen.get_absolute_url())
    page.wait_for_selector(".scan__viewer--live .openseadragon-canvas canvas")
    page.wait_for_function("() => document.querySelector('.openseadragon-canvas canvas').width > 0")
    page.wait_for_timeout(500)
    assert any(url.endswith("/info.json") and status == 200 for url, status in images)
    assert any(url.endswith("/default.jpg") and status == 200 for url, status in images)
    policy = [problem for problem in problems if "Content Security Policy" in problem]
    assert policy == [], "the viewer runs under the site's script policy"
    assert not [url for url, status in images if status >= 500]
    assert current_page(page) == "1"
    page.locator("[data-viewer]").focus()
    page.keyboard.press("PageDown")
    page.wait_for_function("() => document.querySelector('.scan__place [data-current]').textContent === '2'")
    assert "page=2" in page.url
    page.keyboard.press("End")
    page.wait_for_function("() => document.querySelector('.scan__place [data-current]').textContent === '3'")
    assert page.locator(".scan__step[data-step='1']").get_attribute("aria-disabled") == "true"
    page.keyboard.press("Home")
    page.wait_for_function("() => document.querySelector('.scan__place [data-current]').textContent === '1'")
    # A thumbnail opens its page; the address keeps it, so a reload opens the same page.
    page.locator(".scan__thumbnails [data-page='3']").click()
    page.wait_for_function("() => document.querySelector('.scan__place [data-current]').textContent === '3'")
    assert page.locator(".scan__thumbnails [data-page='3']").get_attribute("aria-current") == "page"
    page.reload()
    page.wait_for_selector(".scan__viewer--live")
    assert current_page(page) == "3"
    # Zooming in magnifies the page; "Whole page" shows it all again.
    page.wait_for_timeout(600)
    whole = page.locator("[data-viewer]").screenshot()
    for _ in range(3):
        page.locator("[data-zoom='in']").click()
    page.wait_for_timeout(1200)
    zoomed = page.locator("[data-viewer]").screenshot()
    assert zoomed != whole
    page.locator("[data-zoom='home']").click()
    page.wait_for_timeout(1200)
    assert page.locator("[data-viewer]").screenshot() != zoomed


def test_the_texts_are_tabs_that_the_keyboard_switches(page, live_specimen, axe):
    page.goto(live_specimen.get_absolute_url())
    tabs = page.locator(".texts__tabs [role=tab]")
    assert tabs.count() == 2 and tabs.nth(0).inner_text() == "Russian transcript"
    transcript, translation = page.locator(".text").nth(0), page.locator(".text").nth(1)
    assert transcript.is_visible() and not translation.is_visible()
    assert transcript.locator(".text__body").get_attribute("lang") == "ru"
    tabs.nth(0).focus()
    page.keyboard.press("ArrowRight")
    assert tabs.nth(1).get_attribute("aria-selected") == "true" and translation.is_visible()
    assert not transcript.is_visible() and translation.locator(".text__body").get_attribute("lang") == "en"
    assert page.evaluate("document.activeElement.id") == tabs.nth(1).get_attribute("id")
    assert axe(page) == []
    # Side by side: both at once, next to each other.
    page.locator(".text a", has_text="Read beside the Russian transcript").click()
    panels = page.locator(".texts__panels--beside .text")
    assert panels.count() == 2 and panels.nth(0).is_visible() and panels.nth(1).is_visible()
    first, second = panels.nth(0).bounding_box(), panels.nth(1).bounding_box()
    assert second["x"] >= first["x"] + first["width"]


def test_the_scan_sits_beside_its_texts_on_a_wide_screen_and_above_them_on_a_phone(wide, phone, live_specimen, axe):
    for screen in (wide, phone):
        screen.goto(live_specimen.get_absolute_url())
        screen.wait_for_selector(".scan__viewer--live .openseadragon-canvas")
    scan, texts = wide.locator(".scan").bounding_box(), wide.locator(".texts").bounding_box()
    assert texts["x"] >= scan["x"] + scan["width"], "beside on a wide screen"
    scan, texts = phone.locator(".scan").bounding_box(), phone.locator(".texts").bounding_box()
    assert texts["y"] >= scan["y"] + scan["height"], "below on a phone"
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    viewer = phone.locator("[data-viewer]").bounding_box()
    assert viewer["width"] <= 390 and viewer["height"] >= 300
    assert axe(phone) == [] and axe(wide) == []


def test_a_search_hit_in_the_scan_opens_the_viewer_at_its_page(page, live_specimen):
    require_ocr()
    page.goto("/documents/?q=palimpsest")
    page.locator(".result__excerpt a", has_text="Found in the scan, page 2").click()
    page.wait_for_selector(".scan__viewer--live")
    assert current_page(page) == "2"
    assert "palimpsest" in page.locator(".scan__found mark").inner_text().lower()
