import pytest

pytestmark = pytest.mark.browser


def test_no_content_security_policy_violation_on_any_page(strict_page, live_sample):
    page = strict_page
    violations = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )
    for url in (
        "/",
        "/documents/?q=Mao&person=wang-ming",
        "/documents/record-of-a-meeting-between-the-sino-soviet-delegation-and-the-korean-workers/",
        "/people/wang-ming/",
        "/events/",
        "/admin/login/",
    ):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        # The page's own stylesheet applied: the header is dark, so CSS was not blocked.
        if not url.startswith("/admin"):
            colour = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
            assert colour == "rgb(29, 29, 27)", url
    assert violations == []


def test_the_api_reference_works_from_the_site_s_own_files_under_its_policy(strict_page, live_server, live_sample):
    page = strict_page
    violations, outside = [], []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto("/api/v1/docs/")
    # Swagger UI read the OpenAPI document and drew every operation, the entities' ones included.
    page.get_by_text("/api/v1/documents/{slug}/").first.wait_for()
    assert page.get_by_text("/api/v1/archives/").count() >= 1
    assert violations == [] and outside == []
    page.goto("/api/")
    assert page.locator("#example-python").inner_text().startswith("import requests")
