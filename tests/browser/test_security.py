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
