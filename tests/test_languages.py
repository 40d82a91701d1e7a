"""The interface in English, Russian and Chinese (simplified): addresses, the switcher and its memory, dates
and numbers, and catalogues that translate every string; catalogue data stays as catalogued."""

import gettext
import re

import polib
import pytest
from django.conf import settings
from django.urls import set_script_prefix
from django.utils.translation import to_locale

from catalogue.models import ENTITY_KINDS, Document, Person

from .helpers import html, result_titles, text_of

pytestmark = pytest.mark.django_db

SEED = "/documents/?person=wang-ming&place=soviet-union"
LANGUAGES = [code for code, _ in settings.LANGUAGES]
TRANSLATED = [code for code in LANGUAGES if code != settings.LANGUAGE_CODE]


def prefixed(code, path):
    return path if code == "en" else f"/{code}{path}"


@pytest.mark.parametrize("code", LANGUAGES)
@pytest.mark.parametrize(
    "path", ["/", SEED, "/documents/?q=Khrushchev", "/people/", "/people/wang-ming/", "/events/", "/places/china/",
             "/collections/", "/selection/", "/api/"],
)  # fmt: skip
def test_every_page_speaks_the_language_of_its_address_and_names_the_others(client, sample, code, path):
    response = client.get(prefixed(code, path))
    assert response.status_code == 200
    page = html(response)
    assert page.html["lang"] == code
    alternates = {link["hreflang"]: link["href"] for link in page.select('link[rel="alternate"][hreflang]')}
    assert alternates == {
        **{other: f"http://testserver{prefixed(other, path)}" for other in LANGUAGES},
        "x-default": f"http://testserver{path}",
    }
    switcher = page.select(".languages a")
    assert [link["hreflang"] for link in switcher] == LANGUAGES
    assert [link.get("aria-current") for link in switcher] == ["true" if other == code else None for other in LANGUAGES]


def test_the_header_and_footer_each_process_keeps_follow_the_page_the_language_and_the_address(client, sample):
    def header(path):
        page = html(client.get(path))
        current = [text_of(link) for link in page.select(".site-nav [aria-current=page]")]
        return current, [link["href"] for link in page.select(".site-nav a, .browse a")], text_of(page.footer.p)

    # Page after page, the one the reader is on is marked, in the words of their language.
    assert header("/documents/")[0] == ["Documents"]
    assert header("/people/")[0] == ["People"]
    assert header("/ru/people/")[0] == ["Персоналии"]
    assert header("/documents/")[0] == ["Documents"]
    assert header("/people/wang-ming/")[0] == []
    current, links, footer = header("/zh-hans/documents/")
    assert links[0] == "/zh-hans/documents/" and "API" in footer
    # Served under another address, its links lead there.
    assert header("/places/")[0] == ["Places"]
    set_script_prefix("/archive/")
    try:
        current, links, _ = header("/places/?page=1")
    finally:
        set_script_prefix("/")
    assert current == ["Places"] and links and all(link.startswith("/archive/") for link in links)
    assert not any(link.startswith("/archive/") for link in header("/documents/")[1])


def test_the_seed_listing_in_russian_and_chinese_keeps_the_catalogue_as_catalogued(client, sample):
    english = client.get(SEED)
    russian = client.get(prefixed("ru", SEED))
    chinese = client.get(prefixed("zh-hans", SEED))
    # The same documents, in the same order, with their titles as catalogued.
    assert result_titles(russian) == result_titles(chinese) == result_titles(english)
    assert text_of(html(russian).select_one(".results-count")) == "Результаты: 1 - 10 из 14"
    assert text_of(html(chinese).select_one(".results-count")) == "结果： 第 1 - 10 条，共 14 条"
    assert text_of(html(russian).find("h1")) == "Документы: с метками Wang Ming и Soviet Union"
    assert text_of(html(chinese).find("h1")) == "文献：标记为Wang Ming 和 Soviet Union"
    # Dates as each language writes them.
    assert text_of(html(english).select_one(".result__date")) == "September 20, 1956"
    assert text_of(html(russian).select_one(".result__date")) == "20 сентября 1956 г."
    assert text_of(html(chinese).select_one(".result__date")) == "1956年9月20日"
    facets = [text_of(title) for title in html(russian).select(".facet__title")]
    assert facets[:2] == ["Персоналии", "Места"]


@pytest.mark.parametrize("code", ["ru", "zh-hans"])
def test_a_search_finds_the_same_documents_whatever_the_interface_language(client, sample, code):
    for query in ("q=Khrushchev", 'q="secret+speech"+OR+Mikoyan', "q=Mao&date_from=1956&date_to=1957&sort=date"):
        english = client.get(f"/documents/?{query}")
        other = client.get(prefixed(code, f"/documents/?{query}"))
        assert result_titles(other) == result_titles(english) and result_titles(english), query
    # An error is said in the reader's language, and the same things are refused.
    refused = html(client.get(prefixed(code, "/documents/?date_from=1956-13")))
    assert "1956-13" in text_of(refused.select_one(".form-errors"))
    assert "month" not in text_of(refused.select_one(".form-errors"))


def test_the_switcher_remembers_the_choice_and_the_home_page_honours_it(client, sample):
    response = client.get("/language/", {"language": "ru", "next": "/documents/?q=Mao"})
    assert response.status_code == 302 and response["Location"] == "/ru/documents/?q=Mao"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    # A later visit to the home page is taken to it in Russian; other pages keep their own language.
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/ru/"
    assert "Cookie" in home["Vary"]
    assert client.get("/documents/").status_code == 200
    # From one translated page to the same page in another language.
    response = client.get("/language/", {"language": "zh-hans", "next": "/ru/people/wang-ming/"})
    assert response["Location"] == "/zh-hans/people/wang-ming/"
    response = client.get("/language/", {"language": "en", "next": "/zh-hans/people/wang-ming/"})
    assert response["Location"] == "/people/wang-ming/"
    assert client.get("/").status_code == 200


def test_the_switcher_refuses_what_it_cannot_do(client, sample):
    refused = client.get("/language/", {"language": "xx", "next": "/"})
    assert refused.status_code == 400 and "en, ru, zh-hans" in refused.content.decode()
    assert settings.LANGUAGE_COOKIE_NAME not in refused.cookies
    away = client.get("/language/", {"language": "ru", "next": "https://elsewhere.example/"})
    assert away.status_code == 302 and away["Location"] == "/ru/"


def test_the_admin_speaks_the_chosen_language(client, sample):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    page = client.get("/admin/login/").content.decode()
    assert "Имя пользователя" in page and '<html lang="ru"' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "用户名" in client.get("/admin/login/").content.decode()


@pytest.mark.parametrize("code", TRANSLATED)
def test_no_english_is_left_in_the_interface_around_the_catalogue(client, sample, code):
    data = {settings.CATALOGUE_NAME, "zzzqx", "English", "CSV", "JSON", "API", "PDF", "or", "BibTeX", "RIS", "Zotero",
            "EndNote", "Mendeley", "CSL-JSON", "pandoc", "Chicago", "MLA"}  # fmt: skip
    for document in Document.objects.all():
        data |= {document.title, document.summary, document.source, document.credit}
        data |= set(document.texts.values_list("body", flat=True))
    for model in ENTITY_KINDS:
        for entity in model.objects.all():
            data |= {entity.name, *entity.variants, getattr(entity, "description", "")}
    data |= set(Person.objects.values_list("sort_name", flat=True)) | set(Person.objects.values_list("note", flat=True))
    document = Document.objects.get(slug__startswith="record-of-a-meeting-between-the-sino-soviet")
    for path in ("/", SEED, "/documents/?q=zzzqx", document.get_absolute_url(), "/people/wang-ming/", "/selection/"):
        page = html(client.get(prefixed(code, path)))
        # Citations are in the style's own language, addresses are addresses, and the breadcrumb ends with
        # the document's own title cut short.
        for hidden in page.select('script, .cite__text, .Z3988, .document__permalink, .selection__link,'
                                  ' .breadcrumb [aria-current]'):  # fmt: skip
            hidden.decompose()
        text = text_of(page.body)
        for known in sorted(filter(None, data), key=len, reverse=True):
            text = text.replace(known, " ")
        english = [word for word in re.findall(r"[A-Za-z]{3,}", text) if word not in data]
        assert english == [], (path, english[:10])


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_string_has_its_translation_and_the_compiled_catalogue_is_current(code):
    folder = settings.BASE_DIR / "locale" / to_locale(code) / "LC_MESSAGES"
    catalogue = polib.pofile(str(folder / "django.po"))
    assert catalogue.untranslated_entries() == [] and catalogue.fuzzy_entries() == []
    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    for entry in catalogue:
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translated in translations:
            assert sorted(set(placeholder.findall(translated))) == sorted(set(placeholder.findall(entry.msgid))), (
                entry.msgid
            )
    compiled = gettext.GNUTranslations(open(folder / "django.mo", "rb"))  # noqa: SIM115
    for entry in catalogue:
        if not entry.msgid_plural and not entry.msgctxt:
            assert compiled.gettext(entry.msgid) == entry.msgstr, (
                f"django.mo is stale: run `make translations` ({entry.msgid!r})"
            )
