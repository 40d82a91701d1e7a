"""Files in an S3-compatible object store (django-storages), checked against a real S3 server speaking the
protocol over HTTP (moto's server mode): received, made ready, served with byte ranges, removed."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from catalogue.models import DocumentFile

from .factories import DocumentFactory
from .helpers import require_ocr
from .scans import attach, scanned_pdf, text_pdf

BUCKET = "catalogue-files"


@pytest.fixture(scope="module")
def s3_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = Path(sys.executable).with_name("moto_server")
    process = subprocess.Popen(
        [str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the S3 server did not start")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def object_storage(s3_server, settings):
    import boto3

    client = boto3.client(
        "s3", endpoint_url=s3_server, aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET, "endpoint_url": s3_server, "access_key": "test", "secret_key": "test",
                "region_name": "us-east-1", "default_acl": "private", "file_overwrite": False,
            },
        },
    }  # fmt: skip
    yield client
    listed = client.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    for item in listed:
        client.delete_object(Bucket=BUCKET, Key=item["Key"])


def keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def test_scans_live_in_the_object_store_and_are_served_from_it(client, sample, object_storage,
                                                               django_capture_on_commit_callbacks):  # fmt: skip
    require_ocr()
    document = DocumentFactory(published=True, title="A telegram kept in the object store")
    stored = attach(document, text_pdf([["First page in the bucket."], ["Second page."]]))
    scanned = attach(document, scanned_pdf([["Words only OCR finds: zeppelin."]]), name="annex.pdf", order=2)
    assert stored.state == scanned.state == "ready"
    names = keys(object_storage)
    assert stored.file.name in names and f"derivatives/{stored.pk}/1/200.jpg" in names
    whole = client.get(stored.get_absolute_url())
    body = b"".join(whole.streaming_content)
    assert whole.status_code == 200 and len(body) == stored.size == int(whole["Content-Length"])
    part = client.get(stored.get_absolute_url(), HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and b"".join(part.streaming_content) == body[10:20]
    image = client.get(f"/iiif/3/{stored.pk}-1/full/max/0/default.jpg")
    assert image.status_code == 200 and b"".join(image.streaming_content)[:2] == b"\xff\xd8"
    found = client.get(reverse("catalogue:document-list"), {"q": "zeppelin"})
    assert document.title in found.content.decode()
    # Removed: its bytes leave the store once the removal commits.
    with django_capture_on_commit_callbacks(execute=True):
        DocumentFile.objects.get(pk=stored.pk).delete()
    gone = [
        name
        for name in keys(object_storage)
        if name == stored.file.name or name.startswith(f"derivatives/{stored.pk}/")
    ]
    assert gone == []
    assert scanned.file.name in keys(object_storage)
