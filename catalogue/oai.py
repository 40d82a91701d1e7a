"""OAI-PMH 2.0: lets aggregators harvest the published documents as Dublin Core.

Sets are collections. Datestamps are when a document was last modified, to the
second in UTC. Lists come in pages with signed, stateless resumption tokens that
continue after the last (datestamp, kind, id) served, so paging is stable while the
catalogue changes. A document that was public and is no longer is listed as a
deleted record (header only) from the moment it was withdrawn.
"""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db.models import Exists, Min, OuterRef, Q
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .models import Collection, Document, DocumentFile, FilePage, WithdrawnRecord

OAI = "http://www.openarchives.org/OAI/2.0/"
OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_IDENTIFIER = "http://www.openarchives.org/OAI/2.0/oai-identifier"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
for prefix, uri in (("", OAI), ("oai_dc", OAI_DC), ("dc", DC), ("xsi", XSI), ("oai-identifier", OAI_IDENTIFIER)):
    ET.register_namespace(prefix, uri)

METADATA_FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC),
}
VERBS = {
    # verb: (required, optional, exclusive)
    "Identify": (set(), set(), None),
    "ListMetadataFormats": (set(), {"identifier"}, None),
    "ListSets": (set(), set(), "resumptionToken"),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, "resumptionToken"),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), None),
}
TOKEN_SALT = "catalogue.oai.resumption"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_SECOND = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


class OAIError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def page_size():
    return getattr(settings, "CATALOGUE_OAI_PAGE_SIZE", 100)


def datestamp(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value):
    return _XML_ILLEGAL.sub("", str(value))


def _add(parent, tag, text=None, **attrs):
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


# The OAI-PMH schema's setSpecType and metadataPrefixType; identifiers (anyURI) have no spaces or controls.
_SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
_METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
_IDENTIFIER = re.compile(r"[^\s\x00-\x1f\x7f]+")
SYNTAX = {
    "metadataPrefix": (_METADATA_PREFIX, "'metadataPrefix' may hold only letters, digits and -_.!~*'()."),
    "set": (_SET_SPEC, "'set' is not a set spec: letters, digits and -_.!~*'() only."),
    "identifier": (_IDENTIFIER, "'identifier' may not contain spaces or control characters."),
    "from": (re.compile(f"{_DAY.pattern[1:-1]}|{_SECOND.pattern[1:-1]}"), ""),
    "until": (re.compile(f"{_DAY.pattern[1:-1]}|{_SECOND.pattern[1:-1]}"), ""),
}


def _parse_date(value, name, upper=False):
    """An OAI date argument as an aware datetime; day granularity covers the whole day."""
    try:
        if _DAY.match(value):
            day = datetime.strptime(value, "%Y-%m-%d").date()
            moment = datetime.combine(day, time.max if upper else time.min, tzinfo=UTC)
            return moment.replace(microsecond=0) if upper else moment, "day"
        if _SECOND.match(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), "second"
    except ValueError:
        pass
    raise OAIError("badArgument", f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")


class DataProvider:
    """Answers one OAI-PMH request; `respond()` returns the XML document as bytes."""

    def __init__(self, request):
        self.request = request
        self.base_url = request.build_absolute_uri(request.path)
        # Identifiers never depend on the address a request came in by.
        self.namespace = settings.CATALOGUE_OAI_NAMESPACE
        self.params = request.POST if request.method == "POST" else request.GET

    # Identifiers ---------------------------------------------------------

    def identifier(self, document):
        return f"oai:{self.namespace}:{document.slug}"

    def slug_of(self, identifier):
        prefix = f"oai:{self.namespace}:"
        return identifier[len(prefix) :] if identifier.startswith(prefix) else None

    def document_for(self, identifier):
        """The published document, or the withdrawn record, with this identifier."""
        slug = self.slug_of(identifier)
        record = Document.objects.published().filter(slug=slug).first() if slug else None
        if record is None and slug:
            record = WithdrawnRecord.objects.filter(slug=slug).first()
        if record is None:
            raise OAIError("idDoesNotExist", f"No published record has the identifier '{identifier}'.")
        return record

    # Arguments -----------------------------------------------------------

    def arguments(self):
        verbs = self.params.getlist("verb")
        if len(verbs) != 1 or verbs[0] not in VERBS:
            raise OAIError("badVerb", "The verb is missing, repeated or not an OAI-PMH verb.")
        verb = verbs[0]
        required, optional, exclusive = VERBS[verb]
        args = {}
        for name in self.params:
            if name == "verb":
                continue
            values = self.params.getlist(name)
            if len(values) > 1:
                raise OAIError("badArgument", f"The argument '{name}' is repeated.")
            if name not in required | optional and name != exclusive:
                raise OAIError("badArgument", f"'{name}' is not an argument of {verb}.")
            args[name] = values[0]
            pattern, message = SYNTAX.get(name, (None, ""))
            if pattern and not pattern.fullmatch(values[0]):
                # Not echoed in <request>: a value of illegal syntax would make the response invalid.
                raise OAIError("badArgument", message or f"'{name}' must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ.")
        if exclusive and exclusive in args:
            if len(args) > 1:
                raise OAIError("badArgument", f"'{exclusive}' must be the only argument besides the verb.")
        else:
            missing = sorted(required - args.keys())
            if missing:
                raise OAIError("badArgument", f"{verb} needs the argument(s): {', '.join(missing)}.")
        return verb, args

    # The response ----------------------------------------------------------

    def respond(self):
        root = ET.Element(f"{{{OAI}}}OAI-PMH")
        root.set(f"{{{XSI}}}schemaLocation", f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd")
        _add(root, f"{{{OAI}}}responseDate", datestamp(timezone.now()))
        request_element = _add(root, f"{{{OAI}}}request", self.base_url)
        try:
            verb, args = self.arguments()
            # The request echoes its arguments only when they were valid.
            for name, value in {"verb": verb, **args}.items():
                request_element.set(name, _text(value))
            getattr(self, f"verb_{verb}")(root, args)
        except OAIError as error:
            if error.code in {"badVerb", "badArgument"}:
                request_element.attrib.clear()
            _add(root, f"{{{OAI}}}error", error.message, code=error.code)
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def verb_Identify(self, root, args):
        node = _add(root, f"{{{OAI}}}Identify")
        _add(node, f"{{{OAI}}}repositoryName", settings.CATALOGUE_NAME)
        _add(node, f"{{{OAI}}}baseURL", self.base_url)
        _add(node, f"{{{OAI}}}protocolVersion", "2.0")
        _add(node, f"{{{OAI}}}adminEmail", settings.CATALOGUE_ADMIN_EMAIL)
        moments = [
            Document.objects.published().aggregate(earliest=Min("modified"))["earliest"],
            WithdrawnRecord.objects.aggregate(earliest=Min("withdrawn"))["earliest"],
        ]
        earliest = min((moment for moment in moments if moment), default=timezone.now())
        _add(node, f"{{{OAI}}}earliestDatestamp", datestamp(earliest))
        # Withdrawals are kept, but a restore from an older backup takes the catalogue (and them) back in time.
        _add(node, f"{{{OAI}}}deletedRecord", "transient")
        _add(node, f"{{{OAI}}}granularity", "YYYY-MM-DDThh:mm:ssZ")
        description = _add(node, f"{{{OAI}}}description")
        scheme = _add(description, f"{{{OAI_IDENTIFIER}}}oai-identifier")
        scheme.set(f"{{{XSI}}}schemaLocation", f"{OAI_IDENTIFIER} {OAI_IDENTIFIER}.xsd")
        _add(scheme, f"{{{OAI_IDENTIFIER}}}scheme", "oai")
        _add(scheme, f"{{{OAI_IDENTIFIER}}}repositoryIdentifier", self.namespace)
        _add(scheme, f"{{{OAI_IDENTIFIER}}}delimiter", ":")
        sample = Document.objects.published().values_list("slug", flat=True).first() or "document-slug"
        _add(scheme, f"{{{OAI_IDENTIFIER}}}sampleIdentifier", f"oai:{self.namespace}:{sample}")

    def verb_ListMetadataFormats(self, root, args):
        if "identifier" in args:
            self.document_for(args["identifier"])
        node = _add(root, f"{{{OAI}}}ListMetadataFormats")
        for prefix, (schema, namespace) in METADATA_FORMATS.items():
            fmt = _add(node, f"{{{OAI}}}metadataFormat")
            _add(fmt, f"{{{OAI}}}metadataPrefix", prefix)
            _add(fmt, f"{{{OAI}}}schema", schema)
            _add(fmt, f"{{{OAI}}}metadataNamespace", namespace)

    def verb_ListSets(self, root, args):
        if "resumptionToken" in args:
            raise OAIError("badResumptionToken", "This repository issues no resumption tokens for ListSets.")
        collections = list(Collection.objects.public().order_by("slug"))
        if not collections:
            # An empty <ListSets/> is invalid: the protocol's answer is that there are no sets.
            raise OAIError("noSetHierarchy", "No collection is public yet, so there are no sets.")
        node = _add(root, f"{{{OAI}}}ListSets")
        for collection in collections:
            entry = _add(node, f"{{{OAI}}}set")
            _add(entry, f"{{{OAI}}}setSpec", collection.slug)
            _add(entry, f"{{{OAI}}}setName", collection.name)

    def verb_GetRecord(self, root, args):
        self.check_prefix(args["metadataPrefix"])
        record = self.document_for(args["identifier"])
        node = _add(root, f"{{{OAI}}}GetRecord")
        if isinstance(record, WithdrawnRecord):
            self.add_deleted(_add(node, f"{{{OAI}}}record"), record)
        else:
            self.add_record(node, self.with_relations(Document.objects.filter(pk=record.pk))[0])

    def verb_ListIdentifiers(self, root, args):
        self.list(root, "ListIdentifiers", args)

    def verb_ListRecords(self, root, args):
        self.list(root, "ListRecords", args)

    # Lists -------------------------------------------------------------------

    def check_prefix(self, prefix):
        if prefix not in METADATA_FORMATS:
            raise OAIError("cannotDisseminateFormat", f"'{prefix}' is not a metadata format of this repository.")

    def list_state(self, verb, args):
        if "resumptionToken" in args:
            try:
                state = signing.loads(args["resumptionToken"], salt=TOKEN_SALT)
            except signing.BadSignature:
                raise OAIError("badResumptionToken", "The resumption token is invalid.") from None
            if state.get("verb") != verb:
                raise OAIError("badResumptionToken", "The resumption token belongs to another verb.")
            if not isinstance(state.get("after"), list) or len(state["after"]) != 3:
                raise OAIError("badResumptionToken", "The resumption token is from an earlier version: start again.")
            return state
        self.check_prefix(args["metadataPrefix"])
        state = {"verb": verb, "prefix": args["metadataPrefix"], "cursor": 0, "after": None}
        granularities = set()
        for name, upper in (("from", False), ("until", True)):
            if name in args:
                moment, granularity = _parse_date(args[name], name, upper)
                state[name] = moment.isoformat()
                granularities.add(granularity)
        if len(granularities) > 1:
            raise OAIError("badArgument", "'from' and 'until' must have the same granularity.")
        if "from" in state and "until" in state and state["from"] > state["until"]:
            raise OAIError("badArgument", "'from' is later than 'until'.")
        if "set" in args:
            state["set"] = args["set"]
        return state

    def matching(self, state):
        """(published documents, withdrawn records) within the list's dates (and set, for documents).

        Withdrawn records belong to no set any longer: they are in every list, so that a harvester of one
        set learns of a withdrawal without learning what the record was.
        """
        documents, withdrawn = Document.objects.published(), WithdrawnRecord.objects.all()
        if "from" in state:
            moment = datetime.fromisoformat(state["from"])
            documents, withdrawn = documents.filter(modified__gte=moment), withdrawn.filter(withdrawn__gte=moment)
        if "until" in state:
            # Datestamps are to the second: "until" includes the whole of its last second; the last
            # second there is (9999-12-31) bounds nothing.
            until = datetime.fromisoformat(state["until"])
            if until < datetime.max.replace(tzinfo=UTC) - timedelta(seconds=1):
                end = until + timedelta(seconds=1)
                documents, withdrawn = documents.filter(modified__lt=end), withdrawn.filter(withdrawn__lt=end)
        if "set" in state:
            documents = documents.filter(collections__slug=state["set"])
        return documents, withdrawn

    def list(self, root, verb, args):
        state = self.list_state(verb, args)
        documents, withdrawn = self.matching(state)
        complete_size = documents.count() + withdrawn.count()
        # One list in (datestamp, kind, id) order: documents are kind 0, withdrawn records kind 1.
        if state["after"]:
            moment = datetime.fromisoformat(state["after"][0])
            kind, key = state["after"][1], state["after"][2]
            later_documents = (
                Q(modified__gt=moment) | Q(modified=moment, pk__gt=key) if kind == 0 else Q(modified__gt=moment)
            )
            later_withdrawn = Q(withdrawn__gt=moment) | (
                Q(withdrawn=moment) if kind == 0 else Q(withdrawn=moment, pk__gt=key)
            )
            documents, withdrawn = documents.filter(later_documents), withdrawn.filter(later_withdrawn)
        size = page_size()
        rows = [(d.modified, 0, d.pk, d) for d in self.with_relations(documents.order_by("modified", "pk"))[:size]]
        rows += [(w.withdrawn, 1, w.pk, w) for w in withdrawn.order_by("withdrawn", "pk")[:size]]
        page = sorted(rows, key=lambda row: row[:3])[:size]
        if not page:
            if state["cursor"]:
                raise OAIError("badResumptionToken", "The resumption token is past the end of the list.")
            raise OAIError("noRecordsMatch", "No published records match these arguments.")
        node = _add(root, f"{{{OAI}}}{verb}")
        for _moment, kind, _key, record in page:
            if kind == 1:
                self.add_deleted(node if verb == "ListIdentifiers" else _add(node, f"{{{OAI}}}record"), record)
            elif verb == "ListIdentifiers":
                self.add_header(node, record)
            else:
                self.add_record(node, record)
        served = state["cursor"] + len(page)
        if served < complete_size or state["cursor"]:
            token = ""
            if served < complete_size:
                moment, kind, key, _record = page[-1]
                token = signing.dumps(
                    {**state, "cursor": served, "after": [moment.isoformat(), kind, key]}, salt=TOKEN_SALT
                )
            _add(node, f"{{{OAI}}}resumptionToken", token, completeListSize=complete_size, cursor=state["cursor"])

    # Records -----------------------------------------------------------------

    def with_relations(self, documents):
        scans = FilePage.objects.filter(file__document=OuterRef("pk"), file__state=DocumentFile.State.READY)
        return (
            documents.select_related("language", "repository", "document_type")
            .prefetch_related("people", "organisations", "places", "events", "topics", "collections")
            .annotate(has_scans=Exists(scans))
        )

    def add_header(self, parent, document):
        header = _add(parent, f"{{{OAI}}}header")
        _add(header, f"{{{OAI}}}identifier", self.identifier(document))
        _add(header, f"{{{OAI}}}datestamp", datestamp(document.modified))
        for collection in document.collections.all():
            _add(header, f"{{{OAI}}}setSpec", collection.slug)

    def add_deleted(self, parent, record):
        """A withdrawn record: its identifier and when it was withdrawn, and nothing else."""
        header = _add(parent, f"{{{OAI}}}header", status="deleted")
        _add(header, f"{{{OAI}}}identifier", f"oai:{self.namespace}:{record.slug}")
        _add(header, f"{{{OAI}}}datestamp", datestamp(record.withdrawn))

    def add_record(self, parent, document):
        record = _add(parent, f"{{{OAI}}}record")
        self.add_header(record, document)
        metadata = _add(record, f"{{{OAI}}}metadata")
        dc = _add(metadata, f"{{{OAI_DC}}}dc")
        dc.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} {METADATA_FORMATS['oai_dc'][0]}")
        _add(dc, f"{{{DC}}}title", document.title)
        for creator in document.creators:
            _add(dc, f"{{{DC}}}creator", creator)
        if document.date:
            _add(dc, f"{{{DC}}}date", document.date)
        if document.summary:
            _add(dc, f"{{{DC}}}description", document.summary)
        subjects = (*document.topics.all(), *document.people.all(), *document.organisations.all())
        for entity in (*subjects, *document.events.all()):
            _add(dc, f"{{{DC}}}subject", entity.name)
        for place in document.places.all():
            _add(dc, f"{{{DC}}}coverage", place.name)
        if document.source:
            _add(dc, f"{{{DC}}}source", document.source)
        if document.language:
            _add(dc, f"{{{DC}}}language", document.language.name)
        if document.credit:
            _add(dc, f"{{{DC}}}contributor", document.credit)
        _add(dc, f"{{{DC}}}type", "Text")
        if document.document_type:
            _add(dc, f"{{{DC}}}type", document.document_type.name)
        _add(dc, f"{{{DC}}}publisher", settings.CATALOGUE_NAME)
        if document.rights:
            _add(dc, f"{{{DC}}}rights", document.rights)
        _add(dc, f"{{{DC}}}identifier", self.request.build_absolute_uri(document.get_absolute_url()))
        if getattr(document, "has_scans", False):
            # Its scans, for any IIIF viewer: the document's IIIF Presentation manifest.
            _add(
                dc, f"{{{DC}}}relation", self.request.build_absolute_uri(reverse("iiif-manifest", args=[document.slug]))
            )


@csrf_exempt  # harvesters POST without a session; nothing is changed by a request
@require_http_methods(["GET", "POST"])
def endpoint(request):
    return HttpResponse(DataProvider(request).respond(), content_type="text/xml; charset=utf-8")
