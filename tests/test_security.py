import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("url", ["/", "/documents/", "/people/wang-ming/", "/oai/?verb=Identify", "/admin/login/"])
def test_security_headers_everywhere(client, sample, url):
    response = client.get(url)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("url", ["/", "/documents/?q=mao", "/people/wang-ming/", "/events/", "/collections/"])
def test_public_pages_need_no_inline_script_or_style(client, sample, url):
    body = client.get(url).content.decode()
    assert " style=" not in body and "<style" not in body
    for script in re.findall(r"<script[^>]*>", body):
        assert 'type="application/ld+json"' in script or 'type="application/json"' in script or " src=" in script, (
            script
        )


def test_document_page_json_ld_is_a_data_block_not_a_script(client, sample):
    from catalogue.models import Document

    body = client.get(Document.objects.first().get_absolute_url()).content.decode()
    # The inline script elements are data blocks (JSON-LD, the interface's words); the only code is the site's file.
    assert sorted(re.findall(r"<script[^>]*>", body)) == [
        '<script src="/static/js/catalogue.js" defer>',
        '<script type="application/json" id="interface-text">',
        '<script type="application/ld+json">',
    ]


def test_admin_login_is_throttled_after_repeated_failures(client, sample):
    User.objects.create_superuser("curator", password="the-right-password-42")
    login = reverse("admin:login")
    for _ in range(4):
        response = client.post(login, {"username": "curator", "password": "wrong"})
        assert response.status_code == 200
    assert client.post(login, {"username": "curator", "password": "wrong"}).status_code == 429
    locked = client.post(login, {"username": "curator", "password": "the-right-password-42"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another account from the same address is not locked.
    User.objects.create_superuser("other", password="the-right-password-43")
    ok = client.post(login, {"username": "other", "password": "the-right-password-43"})
    assert ok.status_code == 302


def production_environment(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CATALOGUE_")) and key != "DATABASE_URL"
    }
    for line in (ROOT / ".env.production.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(64)
    env["DATABASE_URL"] = "sqlite:////tmp/unused-deploy-check.sqlite3"
    env.update(extra)
    return env


def test_deploy_check_passes_with_the_production_example():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_environment(DJANGO_SECRET_KEY=""),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_https_settings_behind_a_proxy(client, sample, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_SSL_REDIRECT = True
    plain = client.get("/documents/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/documents/", headers={"x-forwarded-proto": "https"})
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")


def test_behind_a_proxy_a_forged_forwarded_for_cannot_dodge_the_lock_out(client, sample, settings):
    settings.CATALOGUE_PROXY_COUNT = 1
    User.objects.create_superuser("curator", password="the-right-password-42")
    login = reverse("admin:login")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for n in range(5):
        # The attacker writes a new address on the left each time; the proxy appends the real one.
        forged = {**proxy, "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}, 203.0.113.7"}
        client.post(login, {"username": "curator", "password": "wrong"}, **forged)
    forged = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.99, 203.0.113.7"}
    assert client.post(login, {"username": "curator", "password": "wrong"}, **forged).status_code == 429
    # The honest curator, at another address behind the same proxy, is not locked out with them.
    honest = {**proxy, "HTTP_X_FORWARDED_FOR": "192.0.2.44"}
    response = client.post(login, {"username": "curator", "password": "the-right-password-42"}, **honest)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),  # no proxy configured: the header is the client's own words
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, "203.0.113.7", "10.0.0.2"),  # fewer hops than proxies: did not come through them
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_trusts_exactly_the_configured_proxies(rf, settings, proxies, forwarded, expected):
    from catalogue.clients import client_address

    settings.CATALOGUE_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
