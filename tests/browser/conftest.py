"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Without /usr/bin/chromium they are skipped with a message, unless
CATALOGUE_REQUIRE_BROWSER is set (as CI sets it), when they fail instead.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(what):
    if os.environ.get("CATALOGUE_REQUIRE_BROWSER"):
        pytest.fail(f"{what}; CATALOGUE_REQUIRE_BROWSER is set, so browser tests may not be skipped.")
    pytest.skip(f"{what}: browser tests skipped (apt-get install chromium to run them).")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    # Playwright runs an event loop in this thread; the live server's ORM calls happen in
    # its own thread, and the test's own ORM calls are synchronous, so this is safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # axe-core is injected as an inline script, which the site's own policy rightly forbids.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def strict_page(browser, live_server):
    """A page that obeys the site's Content Security Policy."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A page the size of a phone's screen (390 × 844), touch and all."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
        bypass_csp=True,
    )  # fmt: skip
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def wide(browser, live_server):
    """A page on a laptop's screen (1366 × 900)."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900}, bypass_csp=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def live_sample(transactional_db):
    call_command("loaddata", "sample", verbosity=0)


@pytest.fixture
def axe():
    """Run axe-core on a page; returns the serious and critical violations."""
    if not AXE.exists():
        _unavailable(f"{AXE} is missing (run npm ci)")

    def check(page):
        page.add_script_tag(path=str(AXE))
        # WCAG 2.2's target size (24 px, or spaced apart) is checked too; axe leaves it off by default.
        options = "{resultTypes: ['violations'], rules: {'target-size': {enabled: true}}}"
        result = page.evaluate(f"async () => await axe.run(document, {options})")
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]

    return check
