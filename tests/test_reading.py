"""The documents themselves: files received and checked, their pages made ready and read, served only when
published, described by IIIF, searched by their words, curated in the admin."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from catalogue import reading
from catalogue.models import Document, DocumentFile, DocumentText, FilePage, Language, Status

from .factories import DocumentFactory, UserFactory
from .helpers import NO_INLINES, html, require_ocr, result_titles, text_of
from .scans import attach, bomb_png, image_bytes, scanned_pdf, text_pdf


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def telegram(sample):
    """A published document with a two-page PDF (a text layer) and a scanned page (words only OCR finds)."""
    document = DocumentFactory(published=True, title="Ciphered telegram from Beijing", summary="On the harbour.")
    attach(document, text_pdf([["The harbour at Dalian froze early."], ["Signed by the consul."]]))
    attach(document, scanned_pdf([["The quokka delegation arrived late."]]), name="annex.pdf", label="Annex",
           order=2)  # fmt: skip
    return document


def stored_files(media):
    return sorted(str(path.relative_to(media)) for path in Path(media).rglob("*") if path.is_file())


# Receiving files ----------------------------------------------------------------------------------------


def test_media_type_and_pages_are_read_from_the_bytes_not_the_name(media):
    pdf = reading.inspect(SimpleUploadedFile("photo.jpg", text_pdf([["One"], ["Two"], ["Three"]]), "image/jpeg"))
    assert (pdf.media_type, pdf.pages) == ("application/pdf", 3)
    tiff = reading.inspect(SimpleUploadedFile("scan.pdf", image_bytes(["Page"], "TIFF"), "application/pdf"))
    assert (tiff.media_type, tiff.pages) == ("image/tiff", 1)
    data = image_bytes(["Page"], "JPEG")
    jpeg = reading.inspect(SimpleUploadedFile("page", data))
    import hashlib

    assert (jpeg.media_type, jpeg.size, jpeg.sha256) == ("image/jpeg", len(data), hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("notes.pdf", b"Minutes of the meeting, typed.\n" * 10, "neither a PDF nor a JPEG, PNG or TIFF"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF", "cannot be read as one"),
        ("bomb.png", bomb_png(), "pixels once opened"),
        ("empty.pdf", b"", "The submitted file is empty"),
        ("picture.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
         b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "send a PDF, or JPEG, PNG or TIFF"),
    ],
)  # fmt: skip
def test_the_admin_refuses_what_is_not_a_readable_scan_and_stores_nothing(
    admin_client, sample, media, name, data, says
):
    document = DocumentFactory(title="A letter")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = admin_client.get(url).context["adminform"].form
    post = {**NO_INLINES, "title": document.title, "slug": document.slug, "status": "draft", "date": "1957",
            "added_0": "2026-01-01", "added_1": "10:00", "seen_version": form["seen_version"].value(),
            "new_files": [SimpleUploadedFile("good.pdf", text_pdf([["Fine"]])),
                          SimpleUploadedFile(name, data)]}  # fmt: skip
    response = admin_client.post(url, post)
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["new_files"])
    assert says in errors
    assert not DocumentFile.objects.exists() and stored_files(media) == []


def test_a_file_over_the_size_limit_is_refused(admin_client, sample, settings, media):
    settings.CATALOGUE_MAX_FILE_SIZE = 1000
    document = DocumentFactory(title="A letter")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = admin_client.get(url).context["adminform"].form
    response = admin_client.post(url, {
        **NO_INLINES, "title": document.title, "slug": document.slug, "status": "draft", "date": "1957",
        "added_0": "2026-01-01", "added_1": "10:00", "seen_version": form["seen_version"].value(),
        "new_files": [SimpleUploadedFile("big.pdf", text_pdf([["x" * 40]] * 20))],
    })  # fmt: skip
    assert "files may be at most 0 MB" in " ".join(response.context["adminform"].form.errors["new_files"])
    assert not DocumentFile.objects.exists() and stored_files(media) == []


def test_several_files_uploaded_at_once_are_made_ready_in_order(admin_client, sample, media,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    require_ocr()
    document = DocumentFactory(title="A letter", language=Language.objects.get(slug="russian"))
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = admin_client.get(url).context["adminform"].form
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {
            **NO_INLINES, "title": document.title, "slug": document.slug, "status": "draft", "date": "1957",
            "added_0": "2026-01-01", "added_1": "10:00", "seen_version": form["seen_version"].value(),
            "new_files": [SimpleUploadedFile("page_01.png", image_bytes(["First page"])),
                          SimpleUploadedFile("page_02.jpg", image_bytes(["Second page"], "JPEG"))],
        })  # fmt: skip
    assert response.status_code == 302
    files = list(document.files.all())
    assert [(f.label, f.order, f.media_type, f.state, f.page_count) for f in files] == [
        ("page 01", 1, "image/png", "ready", 1), ("page 02", 2, "image/jpeg", "ready", 1),
    ]  # fmt: skip
    # The admin shows each file's state, and what it is.
    page = text_of(html(admin_client.get(url)).select_one(".inline-group"))
    assert "Ready" in page and "image/png" in page and "1 page" in page
    assert FilePage.objects.get(file=files[1]).text_source == "ocr"


def test_a_failed_file_says_why_and_can_be_made_again(admin_client, sample, media, monkeypatch,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    document = DocumentFactory(title="A letter")

    def broken(stored):
        raise OSError("the disk was full")

    with monkeypatch.context() as patched:
        patched.setattr(reading, "make_derivatives", broken)
        stored = attach(document, text_pdf([["Words"]]))
    assert stored.state == "failed" and "the disk was full" in stored.error
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    response = admin_client.get(url)
    assert "Failed" in text_of(html(response).select_one(".inline-group"))
    form = response.context["adminform"].form
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {
            **NO_INLINES, "files-TOTAL_FORMS": "1", "files-INITIAL_FORMS": "1", "files-0-id": str(stored.pk),
            "files-0-document": str(document.pk), "files-0-order": "1", "files-0-label": "Original scan",
            "files-0-redo": "on", "title": document.title, "slug": document.slug, "status": "draft",
            "date": "1957", "added_0": "2026-01-01", "added_1": "10:00",
            "seen_version": form["seen_version"].value(),
        })  # fmt: skip
    stored.refresh_from_db()
    assert stored.state == "ready" and stored.error == "" and stored.pages.get().text == "Words"


# Pages, words and search ---------------------------------------------------------------------------------


def test_pdf_text_layers_and_ocr_give_each_page_its_words(telegram):
    require_ocr()
    pages = FilePage.objects.filter(file__document=telegram).order_by("file__order", "number")
    assert [(page.text_source, page.text) for page in pages[:2]] == [
        ("layer", "The harbour at Dalian froze early."), ("layer", "Signed by the consul."),
    ]  # fmt: skip
    assert pages[2].text_source == "ocr" and "quokka delegation" in pages[2].text.lower()
    # Every page at each width the viewer asks for, no wider than the page.
    page = pages[0]
    for width in reading.page_widths(page.width):
        assert Path(reading.default_storage.path(reading.derivative_name(page.file_id, 1, width))).exists()


def test_words_only_read_off_a_scan_find_it_and_say_where(client, telegram):
    require_ocr()
    response = client.get(reverse("catalogue:document-list"), {"q": "quokka"})
    assert result_titles(response) == ["Ciphered telegram from Beijing"]
    excerpt = html(response).select_one(".result__excerpt")
    link = excerpt.select_one("a")
    assert text_of(link) == "Found in the scan, page 3" and "<mark>quokka</mark>" in str(excerpt).lower()
    opened = client.get(link["href"])
    page = html(opened)
    assert page.select_one(".scan__place [data-current]").get_text() == "3"
    assert "quokka" in text_of(page.select_one(".scan__found mark")).lower()


def test_title_and_summary_still_rank_above_words_in_texts(client, telegram):
    DocumentFactory(published=True, title="The harbour master's report", summary="")
    response = client.get(reverse("catalogue:document-list"), {"q": "harbour", "sort": "relevance"})
    assert result_titles(response)[0] == "The harbour master's report"


def test_translations_are_searched_and_marked_with_their_own_language(client, telegram):
    russian = Language.objects.get(slug="russian")
    DocumentText.objects.create(
        document=telegram, kind="translation", language=Language.objects.create(name="English", slug="english",
                                                                                 code="en"),
        body="The consul reported that the harbours were frozen.", made_by="A. Translator", made_on="2004", order=1,
    )  # fmt: skip
    DocumentText.objects.create(document=telegram, kind="transcript", language=russian, order=0,
                                body="Консул сообщил, что гавани замёрзли. Письма не пришли.")  # fmt: skip
    response = client.get(reverse("catalogue:document-list"), {"q": "harbours frozen"})
    assert result_titles(response) == ["Ciphered telegram from Beijing"]
    if connection.vendor == "postgresql":
        # Russian stemming: "письмо" (a letter) finds "Письма" (letters).
        response = client.get(reverse("catalogue:document-list"), {"q": "письмо"})
        assert result_titles(response) == ["Ciphered telegram from Beijing"]
        assert text_of(html(response).select_one(".result__excerpt a")) == "Found in the Russian transcript"
    page = html(client.get(telegram.get_absolute_url(), {"q": "frozen"}))
    english = page.select_one(".text:has(.text__heading:-soup-contains('English translation'))")
    assert english.select_one(".text__body")["lang"] == "en"
    assert "Translated by A. Translator, 2004" in text_of(english.select_one(".text__maker"))
    assert [mark.get_text() for mark in english.select("mark")] == ["frozen"]
    transcript = page.select_one(".text:has(.text__heading:-soup-contains('Russian transcript'))")
    assert transcript.select_one(".text__body")["lang"] == "ru"
    # Read side by side: both texts, nothing else.
    texts = list(telegram.texts.all())
    beside = html(client.get(telegram.get_absolute_url(), {"beside": f"{texts[0].pk},{texts[1].pk}"}))
    assert len(beside.select(".texts__panels--beside .text")) == 2


# Serving --------------------------------------------------------------------------------------------------


def test_an_original_is_served_with_validators_and_byte_ranges(client, telegram):
    stored = telegram.files.first()
    url = stored.get_absolute_url()
    whole = client.get(url)
    body = b"".join(whole.streaming_content)
    assert whole.status_code == 200 and whole["Content-Type"] == "application/pdf"
    assert int(whole["Content-Length"]) == len(body) == stored.size and whole["ETag"] == f'"{stored.sha256}"'
    assert whole["Accept-Ranges"] == "bytes" and "Last-Modified" in whole
    assert 'filename="ciphered-telegram-from-beijing-original-scan.pdf"' in whole["Content-Disposition"]
    assert client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304
    part = client.get(url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{stored.size}"
    assert b"".join(part.streaming_content) == body[100:200]
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert b"".join(tail.streaming_content) == body[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={stored.size + 5}-").status_code == 416
    # A range of a copy that has changed since: the whole file instead.
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"another"')
    assert stale.status_code == 200
    assert "attachment" in client.get(url + "?download")["Content-Disposition"]


def test_the_front_server_can_send_the_bytes_after_the_check(client, telegram, settings):
    settings.CATALOGUE_FILES_ACCEL = "nginx"
    stored = telegram.files.first()
    response = client.get(stored.get_absolute_url())
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored.file.name}" and response.content == b""
    telegram.status = Status.DRAFT
    telegram.save()
    assert "X-Accel-Redirect" not in client.get(stored.get_absolute_url())


def test_nothing_of_an_unpublished_document_is_served_but_to_curators(client, telegram):
    stored = telegram.files.first()
    page = FilePage.objects.filter(file=stored).first()
    text = DocumentText.objects.create(document=telegram, body="Draft translation.")
    addresses = [
        stored.get_absolute_url(),
        reverse("document-scan-text", args=[stored.pk]),
        f"/iiif/3/{stored.pk}-{page.number}/info.json",
        f"/iiif/3/{stored.pk}-{page.number}/full/max/0/default.jpg",
        reverse("iiif-manifest", args=[telegram.slug]),
        reverse("document-text", args=[telegram.slug, text.pk]),
    ]
    assert all(client.get(address).status_code == 200 for address in addresses)
    telegram.status = Status.IN_REVIEW
    telegram.save()
    assert [client.get(address).status_code for address in addresses] == [404] * len(addresses)
    client.force_login(UserFactory(username="archivist", roles=["Archivist"]))
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 200 and "private" in response["Cache-Control"], address


# IIIF -----------------------------------------------------------------------------------------------------


def test_every_page_has_a_level_0_image_service_with_its_sizes(client, telegram):
    page = FilePage.objects.filter(file__document=telegram).first()
    info = client.get(f"/iiif/3/{page.file_id}-1/info.json")
    assert info["Access-Control-Allow-Origin"] == "*"
    body = info.json()
    assert body["type"] == "ImageService3" and body["profile"] == "level0"
    assert body["@context"] == "http://iiif.io/api/image/3/context.json"
    assert body["id"].endswith(f"/iiif/3/{page.file_id}-1") and (body["width"], body["height"]) == (
        page.width,
        page.height,
    )
    for size in body["sizes"]:
        image = client.get(f"/iiif/3/{page.file_id}-1/full/{size['width']},{size['height']}/0/default.jpg")
        assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
        from PIL import Image

        picture = Image.open(__import__("io").BytesIO(b"".join(image.streaming_content)))
        assert picture.size == (size["width"], size["height"])
    refused = client.get(f"/iiif/3/{page.file_id}-1/full/333,/0/default.jpg")
    assert refused.status_code == 400 and "these sizes only" in refused.content.decode()
    assert client.get(f"/iiif/3/{page.file_id}-1/0,0,10,10/max/0/default.jpg").status_code == 400
    assert client.get(f"/iiif/3/{page.file_id}-99/info.json").status_code == 404
    assert client.get("/iiif/3/abc/info.json").status_code == 404


def test_the_manifest_paints_each_page_with_its_image_service(client, telegram):
    response = client.get(reverse("iiif-manifest", args=[telegram.slug]))
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    manifest = response.json()
    assert manifest["@context"] == "http://iiif.io/api/presentation/3/context.json"
    assert manifest["type"] == "Manifest" and manifest["label"] == {"none": ["Ciphered telegram from Beijing"]}
    assert len(manifest["items"]) == 3
    for position, canvas in enumerate(manifest["items"], start=1):
        assert canvas["type"] == "Canvas" and canvas["label"] == {"none": [f"p. {position}"]}
        (annotation,) = canvas["items"][0]["items"]
        assert annotation["motivation"] == "painting" and annotation["target"] == canvas["id"]
        body = annotation["body"]
        assert (body["width"], body["height"]) == (canvas["width"], canvas["height"])
        service = body["service"][0]
        info = client.get(service["id"].replace("http://testserver", "") + "/info.json").json()
        assert info["id"] == service["id"] and (info["width"], info["height"]) == (canvas["width"], canvas["height"])
    assert {item["format"] for item in manifest["rendering"]} == {"application/pdf"}
    # The page's JSON-LD and the OAI record point to it.
    page = html(client.get(telegram.get_absolute_url()))
    data = json.loads(page.select_one('script[type="application/ld+json"]').string)
    assert data["subjectOf"]["url"] == manifest["id"]
    oai = client.get("/oai/", {"verb": "GetRecord", "metadataPrefix": "oai_dc",
                               "identifier": f"oai:catalogue.example.org:{telegram.slug}"})  # fmt: skip
    assert manifest["id"] in oai.content.decode()
    # A document without scans has none.
    plain = DocumentFactory(published=True)
    assert client.get(reverse("iiif-manifest", args=[plain.slug])).status_code == 404


# Curation and upkeep ------------------------------------------------------------------------------------


def test_removing_a_file_removes_its_bytes_only_once_the_removal_commits(
    telegram, media, django_capture_on_commit_callbacks
):
    stored = telegram.files.first()
    names = [name for name in stored_files(media) if name.startswith((f"derivatives/{stored.pk}/", stored.file.name))]
    assert len(names) > 1
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            stored.delete()
            raise RuntimeError("the save failed")
    except RuntimeError:
        pass
    assert set(names) <= set(stored_files(media))
    with django_capture_on_commit_callbacks(execute=True):
        Document.objects.get(pk=telegram.pk).delete()
    assert stored_files(media) == []


def test_an_archivist_cannot_add_a_file_to_a_published_document(archivist_client, telegram, media):
    url = reverse("admin:catalogue_document_change", args=[telegram.pk])
    response = archivist_client.get(url)
    assert response.status_code == 200 and not html(response).select('input[type="file"]')
    before = stored_files(media)
    archivist_client.post(url, {**NO_INLINES, "title": telegram.title, "status": "published",
                                "new_files": [SimpleUploadedFile("x.pdf", text_pdf([["Sneaked in"]]))]})  # fmt: skip
    assert telegram.files.count() == 2 and stored_files(media) == before


@pytest.fixture
def archivist_client(client, sample):
    client.force_login(UserFactory(username="archivist", roles=["Archivist"]))
    return client


def test_texts_are_curated_in_the_document_form_and_a_revert_restores_them(admin_client, sample):
    document = Document.objects.get(title__startswith="Record of a Meeting")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    from .test_curation import form_data

    data = form_data(admin_client.get(url).context["adminform"].form)
    data |= {"texts-TOTAL_FORMS": "1", "texts-0-kind": "translation", "texts-0-body": "First translation.",
             "texts-0-order": "0", "texts-0-made_by": "", "texts-0-made_on": "2003", "texts-0-note": ""}  # fmt: skip
    assert admin_client.post(url, data).status_code == 302
    text = document.texts.get()
    assert (text.kind, text.body, text.made_on) == ("translation", "First translation.", "2003")
    data = form_data(admin_client.get(url).context["adminform"].form)
    data |= {"texts-TOTAL_FORMS": "1", "texts-INITIAL_FORMS": "1", "texts-0-id": str(text.pk),
             "texts-0-document": str(document.pk), "texts-0-kind": "translation", "texts-0-order": "0",
             "texts-0-body": "A revised translation.", "texts-0-made_on": "2003"}  # fmt: skip
    assert admin_client.post(url, data).status_code == 302
    assert document.texts.get().body == "A revised translation."
    first = document.history.order_by("history_id")[1]  # saved with the first translation
    revert_url = reverse("admin:catalogue_document_simple_history", args=[document.pk, first.history_id])
    data = form_data(admin_client.get(revert_url).context["adminform"].form)
    assert admin_client.post(revert_url, data).status_code == 302
    assert document.texts.get().body == "First translation."


def test_the_old_single_text_moved_into_a_text_whole(transactional_db):
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("catalogue", "0018_roles_for_new_kinds")])
    old = executor.loader.project_state([("catalogue", "0018_roles_for_new_kinds")]).apps
    body = "Первая строка.\r\n\r\n第二行 — “quoted” \t tabs\n" + "x" * 70_000
    old_document = old.get_model("catalogue", "Document").objects.create(title="Old", slug="old", full_text=body)
    old.get_model("catalogue", "Document").objects.create(title="No text", slug="no-text", full_text="")
    # Its history: a first text, then the text as it is now.
    history = old.get_model("catalogue", "HistoricalDocument")
    from django.utils import timezone

    for number, version in enumerate(["An earlier reading.", body]):
        history.objects.create(
            id=old_document.pk, title="Old", slug="old", full_text=version, status="draft", summary="", date="",
            source="", credit="", added=timezone.now(), history_date=timezone.now(), history_type="+~"[number],
        )  # fmt: skip
    call_command("migrate", "catalogue", verbosity=0)
    (text,) = DocumentText.objects.all()
    assert text.document_id == old_document.pk and text.body == body and text.kind == "" and text.label == "Text"
    assert list(text.history.order_by("history_date").values_list("body", flat=True)) == ["An earlier reading.", body]


def test_the_specimen_shows_the_viewer_and_leaves_the_sample_as_it_was(client, sample):
    require_ocr()
    from django.core.management import call_command

    from catalogue import specimen

    languages = dict(Language.objects.values_list("slug", "document_count"))
    call_command("load_sample", "--specimen", stdout=__import__("io").StringIO())
    document = Document.objects.get(slug=specimen.SLUG)
    page = html(client.get(document.get_absolute_url()))
    assert "Not a historical document" in text_of(page.select_one(".document__summary"))
    assert len(page.select(".scan__thumbnails li")) == 3 and len(page.select(".text")) == 2
    assert result_titles(client.get(reverse("catalogue:document-list"), {"q": "palimpsest"})) == [document.title]
    after = dict(Language.objects.values_list("slug", "document_count"))
    assert {slug: after[slug] for slug in languages} == languages
    assert Document.objects.count() == 18


@pytest.mark.parametrize(
    "address",
    [
        "/iiif/3/0-0/info.json", "/iiif/3/99999999999999-1/info.json", "/iiif/3/1-1-1/info.json",
        "/iiif/3/%00/info.json", "/iiif/3/1-1/full/max/0/default.png", "/iiif/3/1-1/full/max/90/default.jpg",
        "/iiif/3/1-1/full/pct:50/0/default.jpg", "/iiif/3/1-1/full/99999,/0/default.jpg",
        "/iiif/3/1-1/full/,100/0/default.jpg", "/iiif/3/1-1/square/max/0/default.jpg", "/files/0/x.pdf",
        "/files/99999999999/x.pdf", "/files/1/%3Czq%3E.pdf", "/files/1/scan-text.txt",
        "/documents/nothing/manifest.json", "/documents/nothing/texts/1.txt",
    ],
)  # fmt: skip
def test_odd_addresses_of_files_and_images_are_4xx(client, telegram, address):
    response = client.get(address)
    assert 400 <= response.status_code < 500 or response.status_code == 200, address
    assert "<zq" not in (b"".join(response.streaming_content) if response.streaming else response.content).decode(
        errors="replace"
    )


@pytest.mark.parametrize(
    "header", ["bytes=abc", "bytes=5-2", "bytes=0-0,5-9", "items=0-9", "bytes=-0", "bytes=--5", "bytes=99999999999-"]
)
def test_odd_ranges_are_answered_whole_or_refused(client, telegram, header):
    stored = telegram.files.first()
    response = client.get(stored.get_absolute_url(), HTTP_RANGE=header)
    assert response.status_code in {200, 206, 416}
    if response.status_code == 200:
        assert int(response["Content-Length"]) == stored.size


def test_odd_parameters_on_a_document_page_are_ignored(client, telegram):
    for params in ({"page": "0"}, {"page": "9999"}, {"page": "-1"}, {"page": "x"}, {"beside": "1,x"},
                   {"beside": ",,,"}, {"beside": "99999,1"}, {"q": "\x00"}, {"q": "a" * 600}):  # fmt: skip
        response = client.get(telegram.get_absolute_url(), params)
        assert response.status_code == 200, params


@pytest.mark.django_db(transaction=True)
def test_pages_are_made_by_the_task_worker_not_in_the_admins_request(admin_client, settings, media):
    require_ocr()
    from django.core.management import call_command

    call_command("loaddata", "sample", verbosity=0)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    document = DocumentFactory(title="A letter")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    form = admin_client.get(url).context["adminform"].form
    response = admin_client.post(url, {
        **NO_INLINES, "title": document.title, "slug": document.slug, "status": "draft", "date": "1957",
        "added_0": "2026-01-01", "added_1": "10:00", "seen_version": form["seen_version"].value(),
        "new_files": [SimpleUploadedFile("scan.pdf", scanned_pdf([["Read by the worker."]]))],
    })  # fmt: skip
    assert response.status_code == 302
    stored = document.files.get()
    assert stored.state == "queued" and not stored.pages.exists()
    assert "Queued" in text_of(html(admin_client.get(url)).select_one(".inline-group"))
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    stored.refresh_from_db()
    assert stored.state == "ready" and "worker" in stored.pages.get().text


def test_the_viewer_served_is_the_installed_package_s_own():
    from django.conf import settings

    vendored = settings.BASE_DIR / "static" / "vendor" / "openseadragon"
    package = settings.BASE_DIR / "node_modules" / "openseadragon" / "build" / "openseadragon"
    if not package.exists():
        pytest.skip("npm ci has not installed openseadragon")
    # The source map too: the built file names it, and collectstatic's hashed names need it present.
    for name in ("openseadragon.min.js", "openseadragon.min.js.map"):
        assert (vendored / name).read_bytes() == (package / name).read_bytes()


def test_the_manifest_is_valid_by_the_iiif_presentation_3_schema(client, telegram):
    import jsonschema

    schema = json.loads((Path(__file__).parent / "schemas" / "iiif-presentation-3.0.json").read_text())
    manifest = client.get(reverse("iiif-manifest", args=[telegram.slug])).json()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    assert [error.message for error in validator.iter_errors(manifest)] == []
    # The schema is not a formality: a canvas without its size is refused.
    del manifest["items"][0]["width"]
    assert list(validator.iter_errors(manifest))


def test_a_text_with_a_control_character_is_refused_and_nothing_is_saved(admin_client, sample):
    document = Document.objects.get(title__startswith="Record of a Meeting")
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    from .test_curation import form_data

    data = form_data(admin_client.get(url).context["adminform"].form)
    data |= {"texts-TOTAL_FORMS": "1", "texts-0-kind": "translation", "texts-0-body": "Bell\x07 text",
             "texts-0-order": "0", "texts-0-made_by": "Escape\x1b", "texts-0-made_on": "",
             "texts-0-note": ""}  # fmt: skip
    response = admin_client.post(url, data)
    assert response.status_code == 200
    (errors,) = [form.errors for formset in response.context["inline_admin_formsets"] for form in formset.formset]
    assert "U+0007" in errors["body"][0] and "U+001B" in errors["made_by"][0]
    assert not document.texts.exists()
