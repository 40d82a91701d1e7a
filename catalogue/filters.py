import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import router
from django.db.models import Count, F, Q, Value
from django.utils.functional import lazy
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import search
from .dates import PartialDate
from .models import ENTITY_KINDS, KINDS_BY_PARAMETER, Document
from .prepared import Prepared

SORTS = {
    "relevance": ("-search_rank", "-added", "-id"),
    "date": (F("date_start").asc(nulls_last=True), "id"),
    "-date": (F("date_start").desc(nulls_last=True), "-id"),
    "title": ("title", "id"),
    "added": ("-added", "-id"),
}
SORT_CHOICES = (
    ("relevance", _("Relevance")),
    ("date", _("Date, oldest first")),
    ("-date", _("Date, newest first")),
    ("title", _("Title, A–Z")),
    ("added", _("Recently added")),
)

# How the values of one tag parameter combine: documents tagged with all of them (the default) or any.
MATCH_CHOICES = (("all", _("all of them")), ("any", _("any of them")))
MATCH_SUFFIX = "_op"

# How many results a page of the listing shows.
PER_PAGE_CHOICES = tuple((str(n), str(n)) for n in (10, 25, 50, 100))


class PartialDateField(forms.CharField):
    """A form field for `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, cleaned to a PartialDate."""

    def clean(self, value):
        value = super().clean(value)
        return PartialDate.parse(value) if value else None


class KeywordField(forms.CharField):
    def to_python(self, value):
        return search.clean(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and search.parse(value).is_empty:
            raise ValidationError(_("The search has no words in it to look for."), code="no_words")
        if value:
            named_in(search.parse(value))  # every name in a field must name something public


def find_named(kind, typed):
    """The public entity of `kind` that `typed` names: its name, one of its other names or its slug."""
    wanted = typed.casefold()
    candidates = kind.objects.public().filter(
        Q(name__iexact=typed) | Q(slug=typed.lower()) | Q(other_names__icontains=typed)
    )[:20]
    for entity in candidates:
        if entity.slug == typed.lower() or entity.name.casefold() == wanted:
            return entity
        if any(name.casefold() == wanted for name in entity.variants):
            return entity
    return None


def unknown_name(kind, typed):
    """What is said of a name that names no public entity of `kind`, in the words of the tag filters."""
    return str(unknown_value_message(kind)) % {"value": typed}


def unknown_value_message(kind):
    return format_lazy(_("There is no {kind} “%(value)s” in the catalogue."), kind=_lower(capfirst(kind.singular())))


def named_in(parsed):
    """[(kind, entity)] for each name in a field of a query (`person:"Mao Zedong"`), refusing one that names
    nothing public in the listing's own words."""
    found = []
    for parameter, typed in parsed.entities:
        kind = ENTITY_FILTERS[parameter]
        entity = find_named(kind, typed)
        if entity is None:
            raise ValidationError(unknown_name(kind, typed), code="unknown_name")
        found.append((kind, entity))
    return found


class SharedCopy:
    """Each FilterSet deep-copies its filters, and with them their labels, choices and querysets (a topic's
    with its subqueries), which no filter changes in place: the copy shares them, with a dict of its own for
    `extra`, and makes its own form field."""

    def __deepcopy__(self, memo):
        # As `copy.copy`, without its general machinery (two dozen filters a request).
        copied = object.__new__(type(self))
        copied.__dict__.update(self.__dict__)
        copied.extra = dict(self.extra)
        copied.__dict__.pop("_field", None)
        if copied.method is not None:
            copied.method = copied.method  # a method filter calls its own FilterSet's method, not the original's
        return copied


class KeywordFilter(SharedCopy, django_filters.CharFilter):
    field_class = KeywordField


class PartialDateFilter(SharedCopy, django_filters.CharFilter):
    field_class = PartialDateField


class ChoiceFilter(SharedCopy, django_filters.ChoiceFilter):
    pass


class SharedFields(dict):
    """A form's fields, shared by each form of its class instead of deep-copied for every one (a listing makes
    one or two forms a request, of two dozen fields each): no field, widget or choice of the search form is
    changed once made, by this code, by django-filter or by Django's forms; each form has its own dict."""

    def __deepcopy__(self, memo):
        return dict(self)


class DocumentFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start.start > end.end:
            # Neither bound can be trusted; the other filters still apply.
            del cleaned["date_from"], cleaned["date_to"]
            raise ValidationError(
                gettext("The range starts (%(start)s) after it ends (%(end)s).")
                % {"start": start.shown(), "end": end.shown()},
                code="reversed_range",
            )
        return cleaned


class TagChoiceField(django_filters.fields.ModelMultipleChoiceField):
    """Several slugs of one kind, at most `max_values` of them, checked before the database is asked."""

    def __init__(self, *args, max_values, plural, **kwargs):
        self.max_values, self.plural = max_values, plural
        super().__init__(*args, **kwargs)

    def clean(self, value):
        if value and len(set(value)) > self.max_values:
            raise ValidationError(
                gettext("Choose at most %(most)s %(kinds)s at once (%(given)s were given).")
                % {"most": self.max_values, "kinds": self.plural, "given": len(set(value))},
                code="too_many",
            )
        if not value:
            # Nothing chosen: an empty list, where the parent gives an empty queryset of public entities whose
            # every truth test compiles its conditions (each filter and the chips ask).
            return []
        return super().clean(value)

    def _check_values(self, value):
        """The public entities the slugs name, in one query; a slug that names none is refused.

        Django's own check builds a query for each value to see whether it could be a key at all; any text
        can be compared with a slug, so only a null character is refused before the database is asked."""
        slugs = list(dict.fromkeys(value))
        for slug in slugs:
            self.validate_no_null_characters(slug)
        found = public_by_slug(self.queryset.model, slugs)
        known = {entity.slug for entity in found}
        for slug in value:
            if slug not in known:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": slug}
                )
        return found


def _public_with_slugs(kind):
    """The public entities of `kind` with the given slugs, prepared: every listing with a tag filter asks it."""

    def build(slugs):
        return kind.objects.public().filter(slug__in=slugs).order_by()

    # A stand-in no slug can be: a null character is refused before the database is asked.
    return Prepared(build, mark=lambda n: f"\x00slug {n}")


_PUBLIC_BY_SLUG = {kind: _public_with_slugs(kind) for kind in ENTITY_KINDS}


def public_by_slug(kind, slugs):
    """The public entities of `kind` (`kind.objects.public()`) with these (distinct) slugs."""
    return _PUBLIC_BY_SLUG[kind].rows(slugs, router.db_for_read(kind))


class TagFilter(SharedCopy, django_filters.ModelMultipleChoiceFilter):
    """Chosen by slug in the URL; repeating the parameter narrows to documents tagged with all of them, or,
    with `<parameter>_op=any`, with any of them.

    "All of" is one grouped subquery over the table of links (documents with as many matching links as
    values were chosen), never one join per value: a join each lets a single URL cost the database
    seconds of planning. "Any of" is one subquery over the same table.
    """

    field_class = TagChoiceField

    def __init__(self, *args, kind, **kwargs):
        self.kind = kind
        super().__init__(*args, field_name=kind.document_field, **kwargs)

    def filter(self, qs, value):
        chosen = {entity.pk for entity in value or ()}
        # A broader topic stands for its narrower ones too.
        wider = {entity.pk: [entity.pk, *entity.narrower_ids()] for entity in value or ()}
        if any(len(ids) > 1 for ids in wider.values()):
            return self.filter_wider(qs, wider)
        if len(chosen) <= 1:
            return super().filter(qs, value)
        if self.parent is not None and self.parent.any_of(self.kind.filter_parameter):
            if not self.kind.many():
                return qs.filter(**{f"{self.field_name}__in": chosen})
            tagged_with_any = self.kind.link_model().objects.filter(**{f"{self.kind.link_field()}__in": chosen})
            return qs.filter(pk__in=tagged_with_any.values("document_id"))
        if not self.kind.many():
            return qs.none()  # a document has one language, one holding archive
        tagged_with_all = (
            self.kind.link_model()
            .objects.filter(**{f"{self.kind.link_field()}__in": chosen})
            .values("document_id")
            .annotate(matched=Count("pk"))
            .filter(matched=len(chosen))
            .values("document_id")
        )
        return qs.filter(pk__in=tagged_with_all)

    def filter_wider(self, qs, wider):
        """Each chosen entity matched by itself or one of those it stands for; all of them, or any."""
        links = self.kind.link_model().objects
        field = self.kind.link_field()
        if self.parent is not None and self.parent.any_of(self.kind.filter_parameter):
            ids = {pk for group in wider.values() for pk in group}
            return qs.filter(pk__in=links.filter(**{f"{field}__in": ids}).values("document_id"))
        for group in wider.values():
            qs = qs.filter(pk__in=links.filter(**{f"{field}__in": group}).values("document_id"))
        return qs

    def get_filter_predicate(self, v):
        return {self.field_name: v}


# How many values one tag parameter may repeat: a researcher narrows by a few, never by dozens.
MAX_TAG_VALUES = 10


_lower = lazy(lambda text: str(text).lower(), str)


def entity_filter(kind):
    label = capfirst(kind.singular())
    return TagFilter(
        kind=kind,
        queryset=kind.objects.public(),  # names known only from drafts stay private
        to_field_name="slug",
        conjoined=True,  # repeating a parameter narrows: tagged with all of them
        distinct=False,
        label=label,
        max_values=MAX_TAG_VALUES,
        plural=kind.plural(),
        error_messages={"invalid_choice": unknown_value_message(kind)},
    )


# Query parameter -> the kind of entity it names by slug, in the order facets are shown.
ENTITY_FILTERS = KINDS_BY_PARAMETER


def match_filter(kind):
    return ChoiceFilter(
        label=format_lazy(_("{kinds}: documents with"), kinds=capfirst(kind.plural())),
        choices=MATCH_CHOICES,
        method="filter_nothing",  # read by the kind's TagFilter
        error_messages={"invalid_choice": _("Choose “all” or “any” (“%(value)s” was given).")},
    )


class DocumentFilter(django_filters.FilterSet):
    q = KeywordFilter(label=_("Search"), method="filter_keywords", max_length=search.MAX_QUERY_LENGTH)
    date_from = PartialDateFilter(label=_("From"), method="filter_date_from", max_length=10)
    date_to = PartialDateFilter(label=_("To"), method="filter_date_to", max_length=10)
    sort = ChoiceFilter(label=_("Sort by"), choices=SORT_CHOICES, method="filter_nothing", empty_label=None)
    per_page = ChoiceFilter(label=_("Per page"), choices=PER_PAGE_CHOICES, method="filter_nothing", empty_label=None)

    class Meta:
        model = Document
        fields = ()
        form = DocumentFilterForm

    def get_form_class(self):
        """The form's class, made once: the filters, their fields and their (lazy) labels are the same for every
        request, and django-filter makes the class, and a field for each filter, for each FilterSet."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = SharedFields(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    @classmethod
    def get_filters(cls):
        """The declared filters with one for each kind of entity after the search, from the registry."""
        declared = super().get_filters()
        keywords = {"q": declared.pop("q")}
        tags = {name: entity_filter(kind) for name, kind in ENTITY_FILTERS.items()}
        matches = {name + MATCH_SUFFIX: match_filter(kind) for name, kind in ENTITY_FILTERS.items()}
        return {**keywords, **tags, **matches, **declared}

    # Errors in these make the whole result empty: a wrong name or an unreadable
    # query must not silently widen the search. Date and sort errors only drop
    # themselves.
    STRICT_FIELDS = ("q", *ENTITY_FILTERS)

    def filter_keywords(self, queryset, name, value):
        parsed = search.parse(value)
        for kind, entity in named_in(parsed):
            # As the kind's own filter reads it: a broader topic stands for its narrower ones too.
            ids = [entity.pk, *entity.narrower_ids()]
            if kind.many():
                links = kind.link_model().objects.filter(**{f"{kind.link_field()}__in": ids})
                queryset = queryset.filter(pk__in=links.values("document_id"))
            else:
                queryset = queryset.filter(**{f"{kind.document_field}__in": ids})
        parsed.entities = []
        if parsed.is_empty:  # names in fields alone
            return queryset.annotate(search_rank=Value(0.0))
        return search.matching(queryset, value, parsed)

    def filter_date_from(self, queryset, name, value):
        # A document's own span overlaps the range when it ends on or after its start.
        return queryset.filter(date_end__gte=value.start)

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(date_start__lte=value.end)

    def filter_nothing(self, queryset, name, value):
        return queryset  # the order is set once every filter has run

    @property
    def has_strict_errors(self):
        return self.is_bound and any(name in self.errors for name in self.STRICT_FIELDS)

    @property
    def cleaned(self):
        """The valid part of the input ({} when nothing was asked)."""
        if not self.is_bound:
            return {}
        self.form.is_valid()  # validates once; the result is cached
        return self.form.cleaned_data

    def any_of(self, parameter):
        """Whether the values of a tag parameter are to match any of them (`<parameter>_op=any`)."""
        return self.cleaned.get(parameter + MATCH_SUFFIX) == "any"

    def alternatives(self):
        """The tag parameters in use whose facets offer alternatives to what is chosen, counted without them:
        those matching any of their values, and single-valued kinds (a document has one language, so a
        second one is always an alternative to the first)."""
        return [
            name
            for name, kind in ENTITY_FILTERS.items()
            if self.cleaned.get(name) and (self.any_of(name) or not kind.many())
        ]

    def without(self, parameter):
        """The same search without one tag parameter (and its `_op`)."""
        data = self.data.copy()
        for name in (parameter, parameter + MATCH_SUFFIX, "page"):
            data.pop(name, None)
        return type(self)(data, queryset=self.queryset, request=self.request)

    @property
    def keywords(self):
        return self.cleaned.get("q") or ""

    @property
    def sort_order(self):
        chosen = self.cleaned.get("sort")
        if chosen == "relevance" and not self.keywords:
            chosen = None
        return chosen or ("relevance" if self.keywords else "added")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        return queryset.order_by(*SORTS[self.sort_order])

    def chosen(self):
        """[(parameter, entity)] for every valid entity filter, for the removable chips."""
        return [(name, entity) for name in ENTITY_FILTERS for entity in self.cleaned.get(name) or ()]
