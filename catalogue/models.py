import uuid
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import frontcache
from .dates import PartialDate, display_span, shown_date, validate_partial_date
from .reversing import slug_url

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


def title_slug(title, length=80):
    """A slug from a title, cut at a word boundary so URLs stay readable."""
    slug = slugify(title) or "document"
    if len(slug) > length:
        slug = slug[: length + 1].rsplit("-", 1)[0]
    return slug


class EntityQuerySet(models.QuerySet):
    def public(self):
        """Entities tagged on at least one published document: the only ones shown in public.

        Asked of the documents themselves, never of the kept count: a count is a figure to show, and
        whether a name may be shown at all must not hang on a figure that could ever be stale.
        """
        relation = self.model._meta.get_field("documents").field.name
        # The first published document, asked of each entity in turn (a scalar subquery stops at it;
        # an EXISTS may be planned as a join over every link of every entity).
        first = Document.objects.published().filter(**{relation: OuterRef("pk")}).order_by().values("pk")[:1]
        return self.alias(first_published=Subquery(first)).filter(first_published__isnull=False)

    def popular(self):
        """Public entities, the most documented first (ordered by the kept counts)."""
        return self.filter(document_count__gt=0).public().order_by("-document_count", "id")

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class CatalogueHistory(HistoricalRecords):
    """History that also records a document when its tags change from the other side.

    `person.documents.add(document)` changes the document's people: the document gets the
    historical record (simple-history would otherwise try to record the person).
    """

    def create_historical_record_m2ms(self, history_instance, instance):
        """The document's links as they stand, copied into the history's tables: one read and (if there are
        any) one write per relation, never a reload of the document itself."""
        for field in history_instance._history_m2m_fields:
            through = getattr(type(instance), field.name).through
            names = [f.attname for f in through._meta.fields]
            rows = through.objects.filter(document_id=instance.pk).values_list(*names)
            history_model = self.m2m_models[field]
            copies = [history_model(history=history_instance, **dict(zip(names, row, strict=True))) for row in rows]
            if copies:
                history_model.objects.bulk_create(copies)

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        if action == "pre_clear":
            instance._history_cleared = list(instance.documents.values_list("pk", flat=True))
            return None
        if action in {"post_add", "post_remove", "post_clear"}:
            ids = pk_set if action != "post_clear" else getattr(instance, "_history_cleared", [])
            for document in Document.objects.filter(pk__in=ids or ()):
                self.create_historical_record(document, "~")
        return None


# The counts catalogue.tallies keeps on entities: never written from a copy in memory.
KEPT_COUNTS = frozenset({"document_count", "gathered_count"})


class Entity(models.Model):
    """What documents are tagged with: a name, a slug for URLs and imports, a page or a listing filter."""

    name = models.CharField(max_length=255)
    slug = models.SlugField(max_length=200, unique=True)
    other_names = models.TextField(
        "other names",
        blank=True,
        help_text="One a line: birth names, other transliterations (Wade-Giles, pinyin; scholarly or Library of "
        "Congress Russian) and names in the original script (王明, Ван Мин). Each finds it in search.",
    )
    # Published documents tagged with this entity, kept current by catalogue.tallies.
    document_count = models.PositiveIntegerField(default=0, editable=False)

    # Rows are referred to by slug in fixtures, imports and URLs, never by id.
    objects = EntityQuerySet.as_manager()
    # The documents tagged with it: each kind's reverse relation ("documents"), named here for type checkers.
    documents: "RelatedManager[Document]"

    # What each kind of entity is to documents and to readers, declared once here on each kind. Filters,
    # facets, headings, chips, kept counts, the search index, import and export all read these (through
    # ENTITY_KINDS below): a new kind is a model, these lines and a migration.
    #
    # The Document field that tags documents with it: a many-to-many ("people") or a foreign key ("language").
    document_field: str | None = None
    # The listing's query parameter that narrows to this entity, and the column naming it in a single-valued
    # import or export (many-valued ones are named by `document_field`).
    filter_parameter: str | None = None
    # What readers call one and several of them, when that is not the model's verbose name.
    label: str | Promise | None = None
    label_plural: str | Promise | None = None
    # How a listing's heading names what it is narrowed to, in `heading_rank` order: kinds sharing a word
    # are named together ("Documents tagged with Wang Ming and the Soviet Union in Russian").
    heading: str | Promise | None = None
    heading_rank = 0
    # Whether its names are searched with the documents it is on ("Wang Ming" finds his documents).
    names_searched = False
    # The public page of one entity, where it has one; otherwise its filtered listing.
    detail_url_name: str | None = None

    class Meta:
        abstract = True
        ordering = ("name",)
        indexes = (models.Index(fields=("-document_count", "id"), name="%(class)s_popular"),)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # The count is kept by catalogue.tallies; a stale copy in memory must never overwrite it.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name not in KEPT_COUNTS
            ]
        # A rename and the search index of its documents commit together or not at all.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        if self.detail_url_name:
            return slug_url(self.detail_url_name, self.slug)
        return self.get_listing_url()

    def natural_key(self):
        return (self.slug,)

    @property
    def variants(self):
        """Its other names, one each, in the order given."""
        return [line.strip() for line in self.other_names.splitlines() if line.strip()]

    @property
    def listed_count(self) -> int:
        """How many published documents its listing holds, kept current: those tagged with it (for a topic,
        with it or a narrower one)."""
        return self.document_count

    def narrower_ids(self):
        """Entities a filter by this one also stands for (a topic's narrower topics): none for most kinds."""
        return []

    def authority_links(self):
        """[(label, address)] of its records in authority files: none for kinds that have none."""
        return []

    @property
    def same_as(self):
        """The addresses of its records in authority files (schema.org's `sameAs`)."""
        return [address for _label, address in self.authority_links()]

    def get_listing_url(self):
        return f"{reverse('catalogue:document-list')}?{self.filter_parameter}={self.slug}"

    def heading_name(self):
        """The name as a listing's heading says it after its `heading` word."""
        return self.name

    @classmethod
    def singular(cls):
        return cls.label or cls._meta.verbose_name

    @classmethod
    def plural(cls):
        return cls.label_plural or cls._meta.verbose_name_plural

    @classmethod
    def document_relation(cls):
        """The Document field that tags documents with this kind."""
        return Document._meta.get_field(cls.document_field)

    @classmethod
    def many(cls):
        """Whether a document may carry several of this kind (people) or at most one (language)."""
        return cls.document_relation().many_to_many

    @classmethod
    def column(cls):
        """The column naming this kind in imports and exports: "people", "language", "archive"."""
        return cls.document_field if cls.many() else cls.filter_parameter

    @classmethod
    def link_model(cls):
        """The table of links between documents and this kind (many-valued kinds only)."""
        return cls.document_relation().remote_field.through

    @classmethod
    def link_field(cls):
        """The name of the field of `link_model()` that points at the entity: "person"."""
        return cls.document_relation().m2m_reverse_field_name()

    @classmethod
    def link_column(cls):
        """The database column of `link_model()` that names the entity: "person_id"."""
        return cls.document_relation().m2m_reverse_name()

    @classmethod
    def document_column(cls):
        """The database column of a document naming it (single-valued kinds only): "language_id"."""
        return cls.document_relation().column


AUTHORITIES = (
    # (field, label, address of a record, what an identifier looks like, an example)
    ("wikidata", "Wikidata", "https://www.wikidata.org/wiki/{}", r"^Q[1-9][0-9]*$", "Q5816"),
    ("viaf", "VIAF", "https://viaf.org/viaf/{}/", r"^[1-9][0-9]*$", "64007963"),
    ("geonames", "GeoNames", "https://www.geonames.org/{}/", r"^[1-9][0-9]*$", "1814991"),
    ("lcnaf", "Library of Congress Name Authority File", "https://id.loc.gov/authorities/names/{}.html",
     r"^n[abors]?[0-9]{8,10}$", "n79021164"),
)  # fmt: skip


def _authority_field(name, label, pattern, example):
    return models.CharField(
        label,
        max_length=20,
        blank=True,
        validators=[RegexValidator(pattern, message=f"Give the {label} identifier alone, as in “{example}”.")],
        help_text=f"Its identifier in {label} (“{example}”), not the whole address.",
    )


class Authority(models.Model):
    """Identifiers of the same person, place or organisation in the authority files researchers link by."""

    wikidata = _authority_field("wikidata", "Wikidata", AUTHORITIES[0][3], AUTHORITIES[0][4])
    viaf = _authority_field("viaf", "VIAF", AUTHORITIES[1][3], AUTHORITIES[1][4])
    lcnaf = _authority_field("lcnaf", "LCNAF", AUTHORITIES[3][3], AUTHORITIES[3][4])

    class Meta:
        abstract = True

    def authority_links(self):
        """[(label, address)] of each authority record it has."""
        return [
            (label, address.format(getattr(self, field)))
            for field, label, address, _pattern, _example in AUTHORITIES
            if getattr(self, field, "")
        ]


class Language(Entity):
    code = models.CharField(
        "language tag",
        max_length=35,
        blank=True,
        db_default="",
        validators=[
            RegexValidator(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$", "A language tag is like ru, zh, zh-Hant or en.")
        ],
        help_text="Its BCP 47 tag (ru, zh, en): texts in it are marked with it for browsers and screen readers, "
        "and searched with its stemming where the database has one.",
    )
    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "language"
    filter_parameter = "language"
    heading = _("in %(names)s")
    heading_rank = 5

    class Meta(Entity.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Place(Authority, Entity):
    geonames = _authority_field("geonames", "GeoNames", AUTHORITIES[2][3], AUTHORITIES[2][4])
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="Decimal degrees, north positive (39.9042); for a country, a point within it.",
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="Decimal degrees, east positive (116.4074).",
    )

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "places"
    filter_parameter = "place"
    heading = _("tagged with %(names)s")
    heading_rank = 3
    names_searched = True
    detail_url_name = "catalogue:place-detail"

    class Meta(Entity.Meta):
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="place_coordinates_whole",
                violation_error_message="Give both the latitude and the longitude, or neither.",
            ),
        )

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None

    # Names of unions, federations and republics take the article in a sentence.
    ARTICLE_BEFORE = {"Union", "States", "Kingdom", "Republic", "Emirates", "Netherlands"}

    def heading_name(self):
        if not (get_language() or "en").startswith("en"):
            return self.name
        return f"the {self.name}" if self.name.split()[-1] in self.ARTICLE_BEFORE else self.name


class Collection(Entity):
    description = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "collections"
    filter_parameter = "collection"
    heading = _("from the collection %(names)s")
    heading_rank = 4
    detail_url_name = "catalogue:collection-detail"

    class Meta(Entity.Meta):
        verbose_name = _("collection")
        verbose_name_plural = _("collections")


class Repository(Entity):
    """The archive or library that holds the original of a document."""

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "repository"
    filter_parameter = "archive"
    label, label_plural = _("archive"), _("archives")
    heading = _("held by %(names)s")
    heading_rank = 6

    class Meta(Entity.Meta):
        verbose_name = _("holding archive")
        verbose_name_plural = _("holding archives")


class DocumentType(Entity):
    """What kind of document it is: memorandum of conversation, telegram, letter, minutes… (a managed list)."""

    description = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "document_type"
    filter_parameter = "type"
    label, label_plural = _("document type"), _("document types")
    heading = _("of the type %(names)s")
    heading_rank = 0
    detail_url_name = "catalogue:type-detail"

    class Meta(Entity.Meta):
        verbose_name = _("document type")
        verbose_name_plural = _("document types")


# How deep narrower topics may nest under the broadest one.
TOPIC_DEPTH = 4


class TopicQuerySet(EntityQuerySet):
    def public(self):
        """Topics on a published document, and the broader topics of those (a heading that only gathers
        narrower ones is still a way in): asked of the documents, a scalar subquery for each level."""
        conditions = models.Q()
        for depth in range(TOPIC_DEPTH + 1):
            path = "__".join(["topics", *["parent"] * depth])
            first = Document.objects.published().filter(**{path: OuterRef("pk")}).order_by().values("pk")[:1]
            self = self.alias(**{f"published_{depth}": Subquery(first)})
            conditions |= models.Q(**{f"published_{depth}__isnull": False})
        return self.filter(conditions)


class Topic(Entity):
    """A subject heading; a narrower topic sits under a broader one ("China -- Foreign relations -- Soviet Union"
    under "China -- Foreign relations"), and a search for the broader one includes the narrower."""

    parent = models.ForeignKey(
        "self",
        verbose_name="broader topic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="narrower",
        help_text="The heading this one narrows, if any.",
    )
    description = models.TextField(blank=True)
    # Published documents tagged with it or with a narrower topic (each once), kept current by catalogue.tallies.
    gathered_count = models.PositiveIntegerField(default=0, editable=False)

    objects = TopicQuerySet.as_manager()  # type: ignore[misc]  # a narrower queryset of the same kind
    history = HistoricalRecords(excluded_fields=("document_count", "gathered_count"))

    document_field = "topics"
    filter_parameter = "topic"
    heading = _("about %(names)s")
    heading_rank = 2
    names_searched = True
    detail_url_name = "catalogue:topic-detail"

    class Meta(Entity.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def clean(self):
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": "A topic cannot sit under itself or under one of its narrower topics."}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        if len(seen) > TOPIC_DEPTH:
            raise ValidationError({"parent": f"Topics nest at most {TOPIC_DEPTH} levels under the broadest one."})

    @property
    def listed_count(self) -> int:
        return self.gathered_count

    def narrower_ids(self):
        """Every topic under this one, at any depth; worked out once for this object (the filter, the count
        and the page of one request all ask)."""
        if hasattr(self, "_narrower"):
            return self._narrower
        self._narrower: list[int] = TopicTree().beneath(self.pk)
        return self._narrower

    def broader(self):
        """Its broader topics, the broadest first."""
        chain, topic, seen = [], self.parent, set()
        while topic is not None and topic.pk not in seen:
            seen.add(topic.pk)
            chain.insert(0, topic)
            topic = topic.parent
        return chain


class TopicTree:
    """Where every topic sits, read in one query: the topics beneath one and those above it. Both walks keep a
    set of what they met, so that a cycle (which the admin refuses) could not loop for ever."""

    def __init__(self):
        self.parents: dict[int, int | None] = dict(Topic.objects.values_list("pk", "parent_id"))
        self.children: dict[int | None, list[int]] = {}
        for pk, parent in self.parents.items():
            self.children.setdefault(parent, []).append(pk)

    def beneath(self, pk: int) -> list[int]:
        """Every topic under `pk`, at any depth."""
        found: list[int] = []
        seen, todo = {pk}, [pk]
        while todo:
            for child in self.children.get(todo.pop(), []):
                if child not in seen:
                    seen.add(child)
                    found.append(child)
                    todo.append(child)
        return found

    def with_broader(self, pks: Iterable[int | None]) -> set[int]:
        """These topics (those that exist) and every topic above them."""
        found: set[int] = set()
        todo = [pk for pk in pks if pk is not None]
        while todo:
            pk = todo.pop()
            if pk in self.parents and pk not in found:
                found.add(pk)
                if (parent := self.parents[pk]) is not None:
                    todo.append(parent)
        return found


class Organisation(Authority, Entity):
    """A party, ministry, delegation or other body: the Comintern, the CPSU Central Committee."""

    description = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "organisations"
    filter_parameter = "organisation"
    heading = _("tagged with %(names)s")
    heading_rank = 1
    names_searched = True
    detail_url_name = "catalogue:organisation-detail"

    class Meta(Entity.Meta):
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")


class Person(Authority, Entity):
    sort_name = models.CharField(max_length=255, help_text="Family name first, for A–Z lists: “Mao, Zedong”.")
    born = models.SmallIntegerField("year of birth", null=True, blank=True)
    died = models.SmallIntegerField("year of death", null=True, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "people"
    filter_parameter = "person"
    heading = _("tagged with %(names)s")
    heading_rank = 1
    names_searched = True
    detail_url_name = "catalogue:person-detail"

    class Meta(Entity.Meta):
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ("sort_name", "slug")  # type: ignore[assignment]
        permissions = (("merge_person", "Can merge duplicate people"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(born__isnull=True)
                | models.Q(died__isnull=True)
                | models.Q(died__gte=models.F("born")),
                name="person_died_after_born",
                violation_error_message="The year of death is before the year of birth.",
            ),
        )

    @property
    def life_span(self):
        """ "1904–1974", "born 1904", "died 1974", or blank when neither is known."""
        if self.born and self.died:
            return f"{self.born}–{self.died}"
        if self.born:
            return gettext("born %(year)s") % {"year": self.born}
        if self.died:
            return gettext("died %(year)s") % {"year": self.died}
        return ""


class Event(Entity):
    start = models.CharField(
        max_length=10,
        blank=True,
        validators=[validate_partial_date],
        help_text="YYYY, YYYY-MM or YYYY-MM-DD, as precisely as it is known.",
    )
    end = models.CharField(
        max_length=10,
        blank=True,
        validators=[validate_partial_date],
        help_text="YYYY, YYYY-MM or YYYY-MM-DD; blank for a single day or when unknown.",
    )
    description = models.TextField(blank=True)

    history = HistoricalRecords(excluded_fields=("document_count",))

    document_field = "events"
    filter_parameter = "event"
    heading = _("tagged with %(names)s")
    heading_rank = 2
    names_searched = True
    detail_url_name = "catalogue:event-detail"

    class Meta(Entity.Meta):
        verbose_name = _("event")
        verbose_name_plural = _("events")
        # ISO partial dates sort as text in calendar order.
        ordering = ("start", "name")  # type: ignore[assignment]

    def clean(self):
        if self.start and self.end:
            try:
                starts, ends = PartialDate.parse(self.start), PartialDate.parse(self.end)
            except ValidationError:
                return  # the field validators report it
            if ends.end < starts.start:
                raise ValidationError({"end": "The event ends before it starts."})

    @property
    def span(self):
        return display_span(self.start, self.end, shown=True)


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


# Workflow steps: (from which statuses, to which status).
TRANSITIONS = {
    "submit": ((Status.DRAFT,), Status.IN_REVIEW),
    "publish": ((Status.DRAFT, Status.IN_REVIEW), Status.PUBLISHED),
    "return_to_draft": ((Status.IN_REVIEW,), Status.DRAFT),
    "unpublish": ((Status.PUBLISHED,), Status.DRAFT),
}


class DocumentQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)

    def transition(self, step, user=None):
        """Move every document here that can take `step`; return how many moved.

        Each is saved on its own so that its history records who moved it and when.
        """
        sources, target = TRANSITIONS[step]
        moved = 0
        for document in self.filter(status__in=sources).defer("search_vector"):
            document.status = target
            document._change_reason = f"Status: {Status(target).label}"
            if user is not None:
                document._history_user = user
            document.save(update_fields=["status", "modified"])
            moved += 1
        return moved

    def facet(self, model, limit):
        """The entities of `model` tagged on these documents with how many each, most frequent first.

        One query: the counts are grouped in the database over this queryset as a subquery.
        """
        documents = self.order_by().values("pk")
        return list(
            model.objects.filter(documents__in=documents)
            .annotate(result_count=models.Count("documents"))
            .order_by("-result_count", *model._meta.ordering)[:limit]
        )

    def year_counts(self):
        """{year: number of documents} for the dated documents of this queryset."""
        rows = (
            self.order_by()
            .filter(date_start__isnull=False)
            .annotate(year=ExtractYear("date_start"))
            .values("year")
            .annotate(count=models.Count("pk"))
        )
        return {row["year"]: row["count"] for row in rows}

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


# Rights statements (rightsstatements.org) and licences a document may carry: (URI, what readers see).
RIGHTS = (
    ("http://rightsstatements.org/vocab/InC/1.0/", "In Copyright"),
    ("http://rightsstatements.org/vocab/InC-EDU/1.0/", "In Copyright – Educational Use Permitted"),
    ("http://rightsstatements.org/vocab/InC-NC/1.0/", "In Copyright – Non-Commercial Use Permitted"),
    ("http://rightsstatements.org/vocab/InC-RUU/1.0/", "In Copyright – Rights-holder(s) Unlocatable or Unidentifiable"),
    ("http://rightsstatements.org/vocab/NoC-US/1.0/", "No Copyright – United States"),
    ("http://rightsstatements.org/vocab/NoC-NC/1.0/", "No Copyright – Non-Commercial Use Only"),
    ("http://rightsstatements.org/vocab/NoC-OKLR/1.0/", "No Copyright – Other Known Legal Restrictions"),
    ("http://rightsstatements.org/vocab/NKC/1.0/", "No Known Copyright"),
    ("http://rightsstatements.org/vocab/CNE/1.0/", "Copyright Not Evaluated"),
    ("http://rightsstatements.org/vocab/UND/1.0/", "Copyright Undetermined"),
    ("https://creativecommons.org/publicdomain/mark/1.0/", "Public Domain Mark 1.0"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 Universal (public domain dedication)"),
    ("https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0 (CC BY 4.0)"),
    (
        "https://creativecommons.org/licenses/by-nc/4.0/",
        "Creative Commons Attribution-NonCommercial 4.0 (CC BY-NC 4.0)",
    ),
)


class Document(models.Model):
    title = models.CharField(max_length=500)
    slug = models.SlugField(max_length=255, unique=True, blank=True, help_text="Left blank, it is made from the title.")
    summary = models.TextField(blank=True)
    date = models.CharField(
        max_length=10,
        blank=True,
        validators=[validate_partial_date],
        help_text="YYYY, YYYY-MM or YYYY-MM-DD, as precisely as it is known; blank if undated.",
    )
    # The first and last day the date can mean, kept by save() for range searches.
    date_start = models.DateField(null=True, editable=False)
    date_end = models.DateField(null=True, editable=False)
    creator = models.TextField(
        blank=True,
        db_default="",
        help_text="Who wrote or issued it, as the original names them; several separated by semicolons "
        "(“Mao Zedong; Zhou Enlai”, “CPSU Central Committee”). Blank when not known.",
    )
    source = models.TextField("source", blank=True, help_text="Where the original is held: archive, fond, file, pages.")
    credit = models.TextField("credit line", blank=True, help_text="Who obtained, translated or funded it.")
    rights = models.CharField(
        "rights statement",
        max_length=200,
        blank=True,
        db_default="",
        choices=RIGHTS,
        help_text="What readers may do with it (rightsstatements.org or a licence); blank when not yet stated.",
    )
    language = models.ForeignKey(
        Language,
        verbose_name="original language",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    repository = models.ForeignKey(
        Repository,
        verbose_name="holding archive",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    document_type = models.ForeignKey(
        DocumentType,
        verbose_name="document type",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    people = models.ManyToManyField(Person, blank=True, related_name="documents")
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="documents")
    topics = models.ManyToManyField(Topic, blank=True, related_name="documents")
    places = models.ManyToManyField(Place, blank=True, related_name="documents")
    events = models.ManyToManyField(Event, blank=True, related_name="documents")
    collections = models.ManyToManyField(Collection, blank=True, related_name="documents")
    status = models.CharField(max_length=10, choices=Status, default=Status.DRAFT, db_index=True)
    added = models.DateTimeField(
        "added to the catalogue", default=timezone.now, help_text="When the record was created."
    )
    modified = models.DateTimeField("last modified", auto_now=True)
    # Kept by catalogue.search on PostgreSQL; unused on SQLite, which has its own FTS5 table.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = DocumentQuerySet.as_manager()
    history = CatalogueHistory(
        m2m_fields=("people", "organisations", "places", "events", "topics", "collections"),
        excluded_fields=("search_vector", "date_start", "date_end", "modified"),
    )

    class Meta:
        verbose_name = pgettext_lazy("kind of record", "document")
        verbose_name_plural = pgettext_lazy("kind of record", "documents")
        ordering = ("-added", "-id")
        permissions = (
            ("publish_document", "Can publish and unpublish documents"),
            ("import_documents", "Can import documents from a file"),
        )
        indexes = (
            models.Index(fields=("status", "-added", "-id"), name="document_listing"),
            # The admin's changelist, every status together, newest first.
            models.Index(fields=("-added", "-id"), name="document_added"),
            models.Index(fields=("date_start", "date_end"), name="document_dates"),
            # Deep pages by date read only this index (see views.paginate).
            models.Index(fields=("status", "date_start", "id"), name="document_by_date"),
            # Published documents in the order they last changed: OAI-PMH's lists, and the sitemap index's lastmod
            # (the newest change, read from its end).
            models.Index(fields=("status", "modified", "id"), name="document_modified"),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(status__in=Status.values),
                name="document_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(date_start__isnull=True) | models.Q(date_end__gte=models.F("date_start")),
                name="document_date_span_ordered",
            ),
        )

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.set_date_span()
        if not self.slug:
            self.slug = self.unique_slug()
        # The change, its search index and the counts it moves commit together or not at all: a request
        # that dies half-way must not leave a status saved and the counts of the one before.
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("catalogue:document-detail", self.slug)

    def delete(self, *args, **kwargs):
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            return super().delete(*args, **kwargs)

    @property
    def creators(self):
        """The creators one by one, as `creator` lists them."""
        return [name.strip() for name in self.creator.split(";") if name.strip()]

    def natural_key(self):
        return (self.slug,)

    @property
    def partial_date(self):
        return PartialDate.parse(self.date) if self.date else None

    @property
    def date_display(self):
        """ "September 20, 1956", "September 1956", "1956" or "Undated": as exports and citations give it."""
        return self.partial_date.display() if self.date else "Undated"

    @property
    def date_shown(self):
        """The date as pages show it, in the interface's language."""
        return shown_date(self.date) if self.date else gettext("Undated")

    @property
    def is_public(self):
        return self.status == Status.PUBLISHED

    def related(self, limit, common=10_000):
        """Published documents sharing the most people and events with this one.

        People and events on more than `common` documents are left out: sharing someone who is
        in a third of the catalogue says little, and counting their documents would read them all.
        """
        people = [p.pk for p in self.people.all() if p.document_count <= common] or [0]
        events = [e.pk for e in self.events.all() if e.document_count <= common] or [0]
        people_links = Document.people.through._meta.db_table
        event_links = Document.events.through._meta.db_table
        sql = (
            f"SELECT document_id, count(*) FROM (SELECT document_id FROM {people_links}"
            f" WHERE person_id IN ({', '.join(['%s'] * len(people))})"
            f" UNION ALL SELECT document_id FROM {event_links} WHERE event_id IN ({', '.join(['%s'] * len(events))}))"
            " AS links WHERE document_id <> %s GROUP BY document_id ORDER BY count(*) DESC, document_id LIMIT %s"
        )
        from .replicas import read_connection

        with read_connection().cursor() as cursor:
            cursor.execute(sql, [*people, *events, self.pk or 0, limit * 10])
            shared = dict(cursor.fetchall())
        candidates = list(shared)
        documents = Document.objects.published().filter(pk__in=candidates).defer("search_vector")
        ranked = sorted(documents, key=lambda d: (-shared[d.pk], d.date_start or date.max, d.pk))[:limit]
        for document in ranked:
            document.shared = shared[document.pk]
        return ranked

    def set_date_span(self):
        if self.date:
            self.date_start, self.date_end = self.partial_date.start, self.partial_date.end
        else:
            self.date_start = self.date_end = None

    def unique_slug(self):
        base = title_slug(self.title)
        taken = Document.objects.exclude(pk=self.pk).filter(slug__startswith=base)
        taken = set(taken.values_list("slug", flat=True))
        candidates = [base] + ([f"{base}-{self.date}"] if self.date else [])
        candidates += (f"{base}-{n}" for n in range(2, len(taken) + 3))
        return next(slug for slug in candidates if slug not in taken)


def record_history(created, updated=(), *, reason, user=None, moment=None):
    """Historical records for documents written in bulk (import, fixture loads), their relations included."""
    records = []
    for documents, update in ((created, False), (updated, True)):
        if documents:
            records += Document.history.bulk_history_create(
                documents, update=update, default_user=user, default_change_reason=reason, default_date=moment
            )
    by_document = {record.id: record for record in records}
    # Every relation of the document, as it stands now, belongs to its new record.
    for field in Document._meta.many_to_many:
        history_model = getattr(Document.history.model, field.name).model
        target = field.m2m_reverse_name()
        rows = field.remote_field.through.objects.filter(document_id__in=list(by_document))
        history_model.objects.bulk_create(
            history_model(history=by_document[document_id], id=row_id, document_id=document_id, **{target: entity_id})
            for row_id, document_id, entity_id in rows.values_list("id", "document_id", target)
        )


# Every kind of entity, in the order the listing shows their facets.
ENTITY_KINDS = (Person, Place, Event, Organisation, Topic, DocumentType, Collection, Language, Repository)
# The kinds a document may carry several of, and those it carries at most one of.
MANY_KINDS = tuple(kind for kind in ENTITY_KINDS if kind.many())
SINGLE_KINDS = tuple(kind for kind in ENTITY_KINDS if not kind.many())


# The listing's query parameter (and the search box's field) -> the kind of entity it names, in facet order.
KINDS_BY_PARAMETER = {kind.filter_parameter: kind for kind in ENTITY_KINDS}


class PersonMerge(models.Model):
    """One merge of a duplicate person into another: what moved, so that it can be undone."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges", verbose_name="kept person")
    merged_slug = models.SlugField(max_length=200)
    merged_name = models.CharField(max_length=255)
    # Every field of the merged person, to recreate it on undo.
    merged_fields = models.JSONField()
    # Documents that gained the kept person, and those that already had both.
    moved_documents = models.JSONField(default=list)
    shared_documents = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "merge of people"
        verbose_name_plural = "merges of people"
        ordering = ("-merged_at", "-id")

    def __str__(self):
        return f"{self.merged_name} merged into {self.kept}"


class CatalogueVersion(models.Model):
    """What the public sees, stamped: one row whose token changes in the same transaction as anything public
    (a document published, unpublished, deleted or edited while published; tags; names; imports; merges;
    restores). Cached pages are kept under it, and its time is every public page's Last-Modified."""

    token = models.UUIDField(default=uuid.uuid4)
    changed = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "catalogue version"

    def __str__(self):
        return f"{self.token} ({self.changed:%Y-%m-%d %H:%M:%S})"

    # The version is asked for by every public request: the shared cache keeps a copy for a few seconds,
    # dropped whenever it changes (`upkeep.public_changed`), so that a page served from the cache costs no
    # query. A change made behind the site's back (SQL) is seen within CACHE_SECONDS.
    CACHE_KEY = "catalogue-version"
    CACHE_SECONDS = 5

    @classmethod
    def current(cls) -> "CatalogueVersion":
        kept = cache.get(cls.CACHE_KEY)
        if kept is not None:
            return cls(pk=1, token=kept[0], changed=kept[1])
        version = cls.objects.filter(pk=1).first() or cls.objects.get_or_create(pk=1)[0]
        # What a transaction reads may yet be rolled back: only a committed version is shared.
        if not transaction.get_connection().in_atomic_block:
            cache.set(cls.CACHE_KEY, (version.token, version.changed), timeout=cls.CACHE_SECONDS)
        return version

    @classmethod
    def forget(cls) -> None:
        """The kept copy dropped now and again when the caller's transaction commits (until then, other
        connections still read the version before it); the front caches, if any, emptied then too."""
        cache.delete(cls.CACHE_KEY)

        def committed():
            cache.delete(cls.CACHE_KEY)
            frontcache.ban()

        transaction.on_commit(committed)


class WithdrawnRecord(models.Model):
    """A document that was public and is no longer, under the address it had: unpublished, deleted, or
    given a new slug. OAI-PMH reports it as deleted so that harvesters withdraw their copy; nothing but its
    slug and when it was withdrawn is kept. Removed when a published document takes the slug again."""

    slug = models.SlugField(max_length=255, unique=True)
    withdrawn = models.DateTimeField()
    # The document that left this address for a new one (its slug changed): the old address redirects to it
    # for as long as it is published, so a URL cited in a footnote keeps working.
    moved_to = models.ForeignKey(
        "Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="former_addresses"
    )

    class Meta:
        verbose_name = "withdrawn record"
        ordering = ("withdrawn", "id")
        indexes = (models.Index(fields=("withdrawn", "id"), name="withdrawn_order"),)

    def __str__(self):
        return f"{self.slug} (withdrawn {self.withdrawn:%Y-%m-%d})"


class DocumentText(models.Model):
    """A transcript of the document in its original language, or a translation of it, with who made it."""

    class Kind(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        TRANSLATION = "translation", _("Translation")
        # Texts brought over from the catalogue's single text field, whose kind was never recorded.
        UNRECORDED = "", _("Text")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="texts")
    kind = models.CharField(
        max_length=12,
        choices=Kind,
        blank=True,
        help_text="A transcript is in the original language; a translation in another. Blank if not recorded.",
    )
    language = models.ForeignKey(
        Language, null=True, blank=True, on_delete=models.PROTECT, related_name="texts", help_text="The text's own."
    )
    body = models.TextField("text")
    made_by = models.CharField(
        "transcribed or translated by", max_length=300, blank=True, help_text="Blank when not known."
    )
    made_on = models.CharField(
        "when",
        max_length=10,
        blank=True,
        validators=[validate_partial_date],
        help_text="YYYY, YYYY-MM or YYYY-MM-DD; blank when not known.",
    )
    note = models.TextField(blank=True, help_text="On the text itself: what it leaves out, what is illegible.")
    order = models.PositiveIntegerField(default=0)
    # The text search configuration its words are indexed with on PostgreSQL (see `catalogue.reading`).
    search_config = models.CharField(max_length=40, editable=False, default="catalogue")

    history = HistoricalRecords(excluded_fields=("search_config",))

    class Meta:
        verbose_name = _("text")
        verbose_name_plural = _("texts")
        ordering = ("order", "id")

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        from .reading import search_config

        self.search_config = search_config(self.language)
        super().save(*args, **kwargs)

    @property
    def label(self):
        """ "Russian transcript", "English translation", "Translation" or "Text": its tab and its heading."""
        language = self.language.name if self.language_id else ""
        if self.kind == self.Kind.TRANSCRIPT:
            return gettext("%(language)s transcript") % {"language": language} if language else gettext("Transcript")
        if self.kind == self.Kind.TRANSLATION:
            return gettext("%(language)s translation") % {"language": language} if language else gettext("Translation")
        return gettext("Text")

    @property
    def where_found(self):
        """ "in the English translation": where a search found its words, said of a result."""
        return where_found(self.kind, self.language.name if self.language_id else "")

    @property
    def lang(self):
        return self.language.code if self.language_id else ""

    @property
    def made_on_shown(self):
        return PartialDate.parse(self.made_on).shown() if self.made_on else ""


def where_found(kind, language):
    """ "in the English translation", "in the transcript", "in the text": where a search found its words, from
    the text's kind and its language's name (blank when not known)."""
    if kind == DocumentText.Kind.TRANSCRIPT:
        return (
            gettext("in the %(language)s transcript") % {"language": language}
            if language
            else gettext("in the transcript")
        )
    if kind == DocumentText.Kind.TRANSLATION:
        return (
            gettext("in the %(language)s translation") % {"language": language}
            if language
            else gettext("in the translation")
        )
    return gettext("in the text")


def stored_name(instance, filename):
    """Where an original file is kept: a name no one can guess, its extension read from its bytes."""
    from .reading import EXTENSIONS

    return f"documents/{instance.document_id}/{uuid.uuid4().hex}{EXTENSIONS.get(instance.media_type, '')}"


class DocumentFile(models.Model):
    """An original scan of the document: one PDF, or one page image; derivatives are made in the background."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    label = models.CharField(max_length=200, blank=True, help_text="“Original scan”, “Page 3”.")
    order = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=stored_name, max_length=300)
    original_name = models.CharField("file name", max_length=255, blank=True)
    # Read from the bytes when the file is received (`catalogue.reading.inspect`), never from its name.
    media_type = models.CharField("media type", max_length=100, editable=False)
    size = models.BigIntegerField(editable=False)
    sha256 = models.CharField("SHA-256", max_length=64, editable=False)
    page_count = models.PositiveIntegerField("pages", default=0, editable=False)
    uploaded = models.DateTimeField(default=timezone.now, editable=False)
    state = models.CharField(max_length=12, choices=State, default=State.QUEUED, editable=False)
    error = models.TextField(blank=True, editable=False)
    processed = models.DateTimeField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=("state", "error", "processed"))

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ("order", "id")

    def __str__(self):
        return self.label or self.original_name or f"File {self.pk}"

    def get_absolute_url(self):
        return reverse("document-file", args=[self.pk, self.download_name])

    @property
    def download_name(self):
        """The name a download is saved under: the document's slug, the label, the right extension."""
        from .reading import EXTENSIONS

        base = slugify(self.label) if self.label else ""
        return f"{self.document.slug}{'-' + base if base else ''}{EXTENSIONS.get(self.media_type, '')}"


class FilePage(models.Model):
    """One page of a file: its size, the words read off it, and (at fixed widths) the images made of it."""

    class Source(models.TextChoices):
        NONE = "", "None"
        LAYER = "layer", "The PDF's text layer"
        OCR = "ocr", "Optical character recognition"

    file = models.ForeignKey(DocumentFile, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    # The largest image made of it (`reading.WIDTHS`); the smaller ones keep its proportions.
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    text = models.TextField(blank=True)
    text_source = models.CharField(max_length=5, choices=Source, blank=True)
    # The text search configuration of the document's language when the words were read (see `reading`).
    search_config = models.CharField(max_length=40, default="catalogue")

    class Meta:
        ordering = ("file", "number")
        constraints = (models.UniqueConstraint(fields=("file", "number"), name="one_page_a_number"),)

    def __str__(self):
        return f"{self.file}, page {self.number}"


class DocumentEntry(models.Model):
    """A published document's entry in the research API's lists, kept already encoded (see `catalogue.records`)."""

    document = models.OneToOneField(Document, primary_key=True, on_delete=models.CASCADE, related_name="entry")
    body = models.TextField()
    # The shape it was written in (`records.FORMAT`): an entry of another shape is built afresh when read.
    format = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "kept API entry"
        verbose_name_plural = "kept API entries"

    def __str__(self):
        return f"API entry of document {self.document_id}"


class EntryNames(models.Model):
    """The names of a published document's many-valued tags, kept beside its API entry for the exports: a
    narrow row the database joins to a hundred thousand documents at the cost of reading one small table,
    where gathering the names from six tables of links costs several times that (see `catalogue.exports`).

    Written and deleted with the entry (`catalogue.records`), in the same transaction.
    """

    document = models.OneToOneField(Document, primary_key=True, on_delete=models.CASCADE, related_name="kept_names")
    # Kind by kind in MANY_KINDS' order, separated by NAMES_BETWEEN_KINDS; within a kind, in code point order,
    # separated by NAMES_WITHIN_KIND. A document whose names hold either character has none kept.
    names = models.TextField()
    # The shape of the entry it was written with (`records.FORMAT`): names of another shape are not read.
    format = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "kept names for exports"
        verbose_name_plural = "kept names for exports"

    def __str__(self):
        return f"names of document {self.document_id}"


NAMES_BETWEEN_KINDS = "\x1e"
NAMES_WITHIN_KIND = "\x1f"


class Page(models.Model):
    """A page of the site's own words, written by staff in the admin: About, How to search, How to cite."""

    class Address(models.TextChoices):
        ABOUT = "about", "About"
        SEARCH = "how-to-search", "How to search"
        CITE = "how-to-cite", "How to cite"

    slug = models.SlugField("address", max_length=40, unique=True, choices=Address)
    title = models.CharField(max_length=200)
    body = models.TextField(
        help_text="Markdown: a blank line between paragraphs, ## for a heading, - for a list, **bold**, *italics*, "
        "[words](/documents/?q=Mao) for a link. Markup other than that is not kept."
    )
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("slug",)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("catalogue:page", args=[self.slug])

    def html(self):
        """The body as HTML: Markdown, then only plain text markup kept (no scripts, styles or attributes
        but links' addresses)."""
        import markdown
        import nh3

        rendered = markdown.markdown(self.body, extensions=["sane_lists"])
        allowed = {"p", "h2", "h3", "ul", "ol", "li", "a", "strong", "em", "code", "blockquote", "br", "hr"}
        return nh3.clean(rendered, tags=allowed, attributes={"a": {"href"}}, link_rel="noopener")


class YearTally(models.Model):
    """Published documents per year (0 for undated), kept current by catalogue.tallies."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    document_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "documents in a year"
        ordering = ("year",)

    def __str__(self):
        return f"{self.year or 'undated'}: {self.document_count}"


class ImportJob(models.Model):
    """An import confirmed in the admin, written by the task worker, with how far it has gone."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        CHECKING = "checking", "Checking the rows"
        WRITING = "writing", "Writing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file_name = models.CharField(max_length=255)
    # The upload, in the default storage, until the job has read it.
    stored_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=4)
    status = models.CharField("documents enter as", max_length=10, choices=Status, default=Status.DRAFT)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    rows_checked = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=255, blank=True)
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "import"
        ordering = ("-created", "-id")

    def __str__(self):
        return f"{self.file_name} ({self.get_state_display().lower()})"

    @property
    def running(self):
        return self.state in {self.State.QUEUED, self.State.CHECKING, self.State.WRITING}
