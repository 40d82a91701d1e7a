import xml.etree.ElementTree as ET

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Document

pytestmark = pytest.mark.django_db

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/"}
OAI = reverse("catalogue:oai")
ID = "oai:catalogue.example.org:"  # the namespace of CATALOGUE_OAI_NAMESPACE's default


def oai(client, method="get", headers=None, **params):
    response = getattr(client, method)(OAI, params, headers=headers)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "{http://www.openarchives.org/OAI/2.0/}OAI-PMH"
    return root


def error_code(root):
    error = root.find("o:error", NS)
    return error.get("code") if error is not None else None


def test_identify(client, sample):
    root = oai(client, verb="Identify")
    node = root.find("o:Identify", NS)
    assert node.findtext("o:protocolVersion", namespaces=NS) == "2.0"
    assert node.findtext("o:baseURL", namespaces=NS) == "http://testserver/oai/"
    assert node.findtext("o:granularity", namespaces=NS) == "YYYY-MM-DDThh:mm:ssZ"
    assert node.findtext("o:deletedRecord", namespaces=NS) == "transient"
    assert root.find("o:request", NS).get("verb") == "Identify"


def test_identify_with_the_default_settings_gives_an_address_the_schema_accepts(client, sample):
    import re

    email = oai(client, verb="Identify").find("o:Identify", NS).findtext("o:adminEmail", namespaces=NS)
    assert re.fullmatch(r"\S+@(\S+\.)+\S+", email), email  # the adminEmail pattern of OAI-PMH.xsd


def test_with_no_public_collection_list_sets_says_there_is_no_set_hierarchy(client, sample):
    Document.objects.update(status="draft")
    root = oai(client, verb="ListSets")
    assert error_code(root) == "noSetHierarchy" and root.find("o:ListSets", NS) is None


def test_list_metadata_formats_and_sets(client, sample):
    formats = oai(client, verb="ListMetadataFormats")
    assert [f.text for f in formats.iterfind(".//o:metadataPrefix", NS)] == ["oai_dc"]
    sets = oai(client, verb="ListSets")
    assert sorted(s.text for s in sets.iterfind(".//o:setSpec", NS)) == [
        "albania-in-the-cold-war",
        "conversations-with-mao-zedong",
        "north-korea-in-the-cold-war",
        "sino-soviet-relations",
    ]


def harvest(client, verb, headers=None, **params):
    """Follow resumption tokens to the end; return every header identifier and the pages."""
    identifiers, pages = [], 0
    root = oai(client, headers=headers, verb=verb, metadataPrefix="oai_dc", **params)
    while True:
        pages += 1
        assert error_code(root) is None, ET.tostring(root)
        identifiers += [i.text for i in root.iterfind(".//o:header/o:identifier", NS)]
        token = root.find(f".//o:{verb}/o:resumptionToken", NS)
        if token is None or not token.text:
            return identifiers, pages, token
        root = oai(client, headers=headers, verb=verb, resumptionToken=token.text)


@override_settings(CATALOGUE_OAI_PAGE_SIZE=5)
@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
def test_paging_by_token_returns_every_published_record_once(client, draft, verb):
    identifiers, pages, last_token = harvest(client, verb)
    assert pages == 4
    assert len(identifiers) == len(set(identifiers)) == 17
    assert f"{ID}{draft.slug}" not in identifiers
    assert last_token.get("completeListSize") == "17" and last_token.get("cursor") == "15"


@override_settings(CATALOGUE_OAI_PAGE_SIZE=5)
def test_post_is_accepted_like_get(client, sample):
    root = oai(client, method="post", verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert len(root.findall(".//o:header", NS)) == 5


def test_records_carry_dublin_core(client, sample):
    document = Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{ID}{document.slug}")
    dc = root.find(".//o:metadata/{http://www.openarchives.org/OAI/2.0/oai_dc/}dc", NS)
    assert dc.findtext("dc:title", namespaces=NS) == document.title
    assert dc.findtext("dc:date", namespaces=NS) == "1967-09-30"
    assert "Koçi Xoxe" in [s.text for s in dc.findall("dc:subject", NS)]
    assert dc.findtext("dc:identifier", namespaces=NS) == f"http://testserver{document.get_absolute_url()}"
    specs = [s.text for s in root.iterfind(".//o:header/o:setSpec", NS)]
    assert specs == ["albania-in-the-cold-war", "conversations-with-mao-zedong"]


def test_set_and_date_selection(client, sample):
    identifiers, _, _ = harvest(client, "ListIdentifiers", set="albania-in-the-cold-war")
    assert len(identifiers) == 1
    Document.objects.filter(title__startswith="Discussion between").update(modified="2030-01-02T03:04:05Z")
    identifiers, _, _ = harvest(client, "ListIdentifiers", **{"from": "2030-01-02"})
    assert identifiers == [f"{ID}discussion-between-ns-khrushchev-and-mao-zedong"]
    identifiers, _, _ = harvest(
        client, "ListIdentifiers", **{"from": "2030-01-02T03:04:05Z", "until": "2030-01-02T03:04:05Z"}
    )
    assert len(identifiers) == 1
    before, _, _ = harvest(client, "ListIdentifiers", until="2030-01-01")
    assert len(before) == 16


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Dance"}, "badVerb"),
        ({"verb": ["Identify", "Identify"]}, "badVerb"),
        ({"verb": "Identify", "extra": "1"}, "badArgument"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01", "until": "2021-01-01T00:00:00Z"},
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-01", "until": "2020-01-01"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-02-30"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": ["oai_dc", "oai_dc"]}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken"),
        ({"verb": "ListSets", "resumptionToken": "anything"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "marc21", "identifier": f"{ID}x"},
            "cannotDisseminateFormat",
        ),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"{ID}nothing"}, "idDoesNotExist"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "not-an-oai-id"}, "idDoesNotExist"),
        ({"verb": "ListMetadataFormats", "identifier": f"{ID}nothing"}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "no-such-set"}, "noRecordsMatch"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "\x00"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "bad set"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai dc"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai dc", "identifier": f"{ID}x"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:bad id"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2020-01-01 "}, "badArgument"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2099-01-01"}, "noRecordsMatch"),
    ],
)
def test_error_codes(client, sample, params, code):
    root = oai(client, **params)
    assert error_code(root) == code
    if code in {"badVerb", "badArgument"}:
        assert root.find("o:request", NS).attrib == {}


def test_a_token_for_one_verb_is_refused_by_another(client, sample):
    with override_settings(CATALOGUE_OAI_PAGE_SIZE=5):
        token = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc").find(".//o:resumptionToken", NS).text
        assert error_code(oai(client, verb="ListRecords", resumptionToken=token)) == "badResumptionToken"


def test_drafts_are_not_records(client, draft):
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{ID}{draft.slug}")
    assert error_code(root) == "idDoesNotExist"


def test_other_methods_are_refused(client, sample):
    assert client.put(OAI).status_code == 405


def test_control_characters_never_break_the_xml(client, sample):
    Document.objects.create(title="Bell\x07 and form\x0cfeed", status="published")
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    assert "Bell and formfeed" in [t.text for t in root.iterfind(".//dc:title", NS)]


@pytest.mark.parametrize("until", ["9999-12-31", "9999-12-31T23:59:59Z"])
def test_until_the_end_of_time_lists_everything(client, sample, until):
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until=until)
    assert error_code(root) is None
    assert len(root.findall(".//o:header", NS)) == 17


@override_settings(ALLOWED_HOSTS=["testserver", "127.0.0.1", "archive.example.edu"])
def test_identifiers_are_the_same_whatever_host_the_request_names(client, sample):
    harvests = [
        harvest(client, "ListIdentifiers", headers={"host": host})[0]
        for host in ("testserver", "127.0.0.1", "archive.example.edu")
    ]
    assert harvests[0] == harvests[1] == harvests[2]
    assert all(identifier.startswith(ID) for identifier in harvests[0])
    scheme = oai(client, verb="Identify").find(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}oai-identifier")
    assert scheme.findtext("{http://www.openarchives.org/OAI/2.0/oai-identifier}repositoryIdentifier") == (
        "catalogue.example.org"
    )


def test_a_malformed_namespace_is_refused_by_the_system_checks(settings):
    from django.core import checks

    settings.CATALOGUE_OAI_NAMESPACE = "127.0.0.1"
    assert [m.id for m in checks.run_checks() if m.id.startswith("catalogue.")] == ["catalogue.E001"]
    settings.CATALOGUE_OAI_NAMESPACE = "archive.example.edu"
    assert [m.id for m in checks.run_checks(include_deployment_checks=True) if m.id.startswith("catalogue.")] == []


def deleted_headers(root):
    return {h.findtext("o:identifier", namespaces=NS): h for h in root.iterfind(".//o:header[@status='deleted']", NS)}


def test_an_unpublished_document_is_harvested_as_deleted_and_shows_nothing_else(client, sample):
    document = Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")
    document.status = "draft"
    document.save()
    for verb in ("ListIdentifiers", "ListRecords"):
        identifiers, _, _ = harvest(client, verb)
        assert identifiers.count(f"{ID}{document.slug}") == 1
    root = oai(client, verb="ListRecords", metadataPrefix="oai_dc")
    header = deleted_headers(root)[f"{ID}{document.slug}"]
    # Only the identifier and the datestamp: no sets, no metadata, nothing of the record.
    assert [child.tag.split("}")[1] for child in header] == ["identifier", "datestamp"]
    (record,) = [r for r in root.iterfind(".//o:record", NS) if r.find("o:header", NS) is header]
    assert record.find("o:metadata", NS) is None and document.title.encode() not in ET.tostring(root)
    got = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{ID}{document.slug}")
    assert got.find(".//o:header", NS).get("status") == "deleted" and got.find(".//o:metadata", NS) is None
    # A set-selective harvest is told too, without learning which set the record was in.
    identifiers, _, _ = harvest(client, "ListIdentifiers", set="sino-soviet-relations")
    assert f"{ID}{document.slug}" in identifiers


def test_a_withdrawal_is_in_an_incremental_harvest_from_its_moment(client, sample):
    document = Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")
    document.delete()
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": timezone.now().strftime("%Y-%m-%d")})
    assert list(deleted_headers(root)) == [f"{ID}{document.slug}"]
    assert error_code(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2000-01-01")) == (
        "noRecordsMatch"
    )


def test_a_new_slug_withdraws_the_old_identifier_and_republishing_restores_it(client, sample):
    document = Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")
    old = document.slug
    document.slug = "shehu-and-mao-1967"
    document.save()
    root = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert f"{ID}{old}" in deleted_headers(root) and f"{ID}shehu-and-mao-1967" not in deleted_headers(root)
    document.slug = old
    document.save()
    identifiers, _, _ = harvest(client, "ListIdentifiers")
    assert identifiers.count(f"{ID}{old}") == 1 and f"{ID}{old}" not in deleted_headers(
        oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    )


def test_a_draft_never_published_is_never_listed_even_as_deleted(client, draft):
    draft.title = "Edited draft"
    draft.save()
    draft.delete()
    identifiers, _, _ = harvest(client, "ListIdentifiers")
    assert not any(draft.slug in identifier for identifier in identifiers)


@override_settings(CATALOGUE_OAI_PAGE_SIZE=4)
def test_paging_mixes_withdrawn_and_published_records_each_once(client, sample):
    for document in Document.objects.published().order_by("pk")[:6]:
        document.status = "draft"
        document.save()
    identifiers, pages, token = harvest(client, "ListIdentifiers")
    assert len(identifiers) == len(set(identifiers)) == 17 and pages == 5
    assert token.get("completeListSize") == "17"


def test_loading_a_fixture_publishes_again_what_was_withdrawn(client, sample):
    from django.core.management import call_command

    document = Document.objects.get(title__startswith="Memorandum of Conversation between Albanian")
    document.delete()
    assert deleted_headers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    call_command("loaddata", "sample", verbosity=0)
    assert not deleted_headers(oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc"))


def test_a_known_creator_is_dc_creator(client, sample):
    document = Document.objects.create(title="Letter", creator="Li Lisan; Wang Ming", status="published")
    root = oai(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=f"{ID}{document.slug}")
    assert [c.text for c in root.iterfind(".//dc:creator", NS)] == ["Li Lisan", "Wang Ming"]
