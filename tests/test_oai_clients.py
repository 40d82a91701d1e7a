"""OAI-PMH as a harvester sees it: Sickle harvests the served endpoint over HTTP, and every response it
receives (errors included) is validated against the OAI-PMH 2.0 schema, each record's metadata against
oai_dc, and Identify's description against oai-identifier (the schema files are in tests/schemas)."""

from pathlib import Path

import pytest
import requests
import xmlschema
from django.test import override_settings
from lxml import etree
from sickle import Sickle
from sickle.oaiexceptions import BadArgument, NoRecordsMatch

from catalogue.models import Collection, Document

SCHEMAS = Path(__file__).resolve().parent / "schemas"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
OAI_DC = "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
OAI_IDENTIFIER = "{http://www.openarchives.org/OAI/2.0/oai-identifier}oai-identifier"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def schemas():
    return {
        "oai": xmlschema.XMLSchema(SCHEMAS / "OAI-PMH.xsd"),
        "oai_dc": xmlschema.XMLSchema(SCHEMAS / "oai_dc.xsd"),
        "oai-identifier": xmlschema.XMLSchema(SCHEMAS / "oai-identifier.xsd"),
    }


def validate(schemas, body):
    """Validate one response: the envelope, then what its `processContents="skip"` parts hold."""
    root = etree.fromstring(body)
    schemas["oai"].validate(root)
    for dc in root.iter(OAI_DC):
        schemas["oai_dc"].validate(dc)
    for description in root.iter(OAI_IDENTIFIER):
        schemas["oai-identifier"].validate(description)
    return root


class CheckedSickle(Sickle):
    """Sickle, validating every response it receives before it parses it."""

    def __init__(self, endpoint, schemas, **kwargs):
        super().__init__(endpoint, max_retries=0, timeout=30, **kwargs)
        self.schemas, self.responses = schemas, 0

    def harvest(self, **kwargs):
        response = super().harvest(**kwargs)
        validate(self.schemas, response.raw.encode())
        self.responses += 1
        return response


@pytest.fixture
def catalogue(sample):
    # A withdrawn record, a draft and a document with markup and controls in its text: all must stay valid.
    withdrawn = Document.objects.published().order_by("pk").first()
    withdrawn.status = "draft"
    withdrawn.save()
    Document.objects.create(title="<b>Markup</b> & a bell\x07", summary="Right-to-left: مرحبا", status="published")
    return withdrawn


@pytest.mark.parametrize("page_size", [1, 7, 100])
def test_a_harvester_lists_every_record_once_in_every_verb_set_and_page_size(
    live_server, schemas, catalogue, page_size
):
    sickle = CheckedSickle(f"{live_server.url}/oai/", schemas)
    with override_settings(CATALOGUE_OAI_PAGE_SIZE=page_size):
        identity = sickle.Identify()
        assert identity.protocolVersion == "2.0" and identity.deletedRecord == "transient"
        assert [f.metadataPrefix for f in sickle.ListMetadataFormats()] == ["oai_dc"]
        set_specs = [s.setSpec for s in sickle.ListSets()]
        assert sorted(set_specs) == sorted(Collection.objects.public().values_list("slug", flat=True))

        headers = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False))
        records = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
        published = {
            f"oai:catalogue.example.org:{slug}" for slug in Document.objects.published().values_list("slug", flat=True)
        }
        withdrawn = f"oai:catalogue.example.org:{catalogue.slug}"
        for listed in ([h.identifier for h in headers], [r.header.identifier for r in records]):
            assert sorted(listed) == sorted(published | {withdrawn})
        assert [h.identifier for h in headers if h.deleted] == [withdrawn]
        assert all(r.metadata["title"] for r in records if not r.deleted)

        for spec in set_specs:
            listed = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set=spec, ignore_deleted=False))
            # Withdrawn records are in every set's list, as deleted; the set's own are its published documents.
            assert [h.identifier for h in listed if h.deleted] == [withdrawn]
            in_set = {h.identifier for h in listed if not h.deleted}
            slugs = Document.objects.published().filter(collections__slug=spec).values_list("slug", flat=True)
            assert in_set == {f"oai:catalogue.example.org:{slug}" for slug in slugs}

        record = sickle.GetRecord(identifier=sorted(published)[0], metadataPrefix="oai_dc")
        assert record.header.identifier == sorted(published)[0]
        assert sickle.GetRecord(identifier=withdrawn, metadataPrefix="oai_dc").deleted
        assert [f.metadataPrefix for f in sickle.ListMetadataFormats(identifier=withdrawn)] == ["oai_dc"]
    assert sickle.responses > 6


def test_date_ranges_of_both_granularities_select_by_datestamp(live_server, schemas, catalogue):
    Document.objects.filter(pk=Document.objects.published().order_by("pk").last().pk).update(
        modified="2031-05-06T07:08:09Z"
    )
    sickle = CheckedSickle(f"{live_server.url}/oai/", schemas)
    for window in ({"from": "2031-05-06"}, {"from": "2031-05-06T07:08:09Z", "until": "2031-05-06T07:08:09Z"}):
        assert len(list(sickle.ListIdentifiers(metadataPrefix="oai_dc", **window))) == 1
    everything = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until="2031-05-06", ignore_deleted=False))
    earlier = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until="2031-05-05", ignore_deleted=False))
    assert len(everything) == len(earlier) + 1
    with pytest.raises(NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2099-01-01"}))
    with pytest.raises(BadArgument):
        list(sickle.ListIdentifiers(metadataPrefix="oai dc"))


@pytest.mark.parametrize(
    "query",
    [
        "",
        "verb=Dance",
        "verb=Identify&verb=Identify",
        "verb=ListRecords&metadataPrefix=oai%20dc",
        "verb=ListRecords&metadataPrefix=oai_dc&set=bad%20set",
        "verb=ListRecords&metadataPrefix=oai_dc&from=yesterday",
        "verb=ListRecords&metadataPrefix=marc21",
        "verb=ListRecords&resumptionToken=forged",
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:catalogue.example.org:nothing",
        "verb=GetRecord&metadataPrefix=oai_dc&identifier=bad%20id",
        "verb=ListSets&resumptionToken=x",
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=no-such-set",
    ],
)
def test_every_error_response_is_schema_valid(live_server, schemas, sample, query):
    response = requests.get(f"{live_server.url}/oai/?{query}", timeout=30)
    root = validate(schemas, response.content)
    assert root.find(f"{OAI}error") is not None


def test_with_no_public_collection_the_answers_stay_valid(live_server, schemas, sample):
    Document.objects.update(status="draft")
    for query in ("verb=ListSets", "verb=Identify", "verb=ListRecords&metadataPrefix=oai_dc"):
        validate(schemas, requests.get(f"{live_server.url}/oai/?{query}", timeout=30).content)
