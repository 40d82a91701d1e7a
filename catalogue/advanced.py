"""The advanced search: a box for each part of a record and each kind of entity, turned into the listing's
own address (words and fields in `q`, choices as filters), so that what it finds can be shared and refined."""

from django import forms
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from . import search
from .filters import PartialDateField, find_named, unknown_name
from .models import Collection, DocumentType, Event, Language, Organisation, Person, Place, Repository, Topic

# Typed names, resolved as `person:"…"` is: {form field: kind}.
NAMED = {"person": Person, "place": Place, "organisation": Organisation, "event": Event, "topic": Topic}
# Short lists chosen from: {form field (the listing's parameter): kind}.
CHOSEN = {"type": DocumentType, "language": Language, "archive": Repository, "collection": Collection}
TEXT_PARTS = {"title": _("In the title"), "summary": _("In the summary"), "text": _("In the text")}


def _choice(kind):
    return forms.ModelChoiceField(
        queryset=kind.objects.public().order_by("name"),
        to_field_name="slug",
        required=False,
        label=kind.singular().capitalize(),
        empty_label=_("Any"),
    )


class AdvancedSearchForm(forms.Form):
    q = forms.CharField(label=_("All these words"), required=False, max_length=search.MAX_QUERY_LENGTH)
    title = forms.CharField(label=TEXT_PARTS["title"], required=False, max_length=200)
    summary = forms.CharField(label=TEXT_PARTS["summary"], required=False, max_length=200)
    text = forms.CharField(label=TEXT_PARTS["text"], required=False, max_length=200)
    person = forms.CharField(label=_("Person"), required=False, max_length=200)
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    event = forms.CharField(label=_("Event"), required=False, max_length=200)
    topic = forms.CharField(label=_("Topic"), required=False, max_length=200)
    type = _choice(DocumentType)
    language = _choice(Language)
    archive = _choice(Repository)
    collection = _choice(Collection)
    date_from = PartialDateField(
        label=_("From"), required=False, max_length=10, help_text="YYYY, YYYY-MM or YYYY-MM-DD"
    )
    date_to = PartialDateField(label=_("To"), required=False, max_length=10, help_text="YYYY, YYYY-MM or YYYY-MM-DD")

    def groups(self):
        """(legend, hint, fields) for each fieldset of the form."""
        return [
            (_("Words"), "", [self[name] for name in ("q", *TEXT_PARTS)]),
            (_("Names"), _("A name, another name or spelling, or the last part of its address."),
             [self[name] for name in NAMED]),
            (_("The record"), "", [self[name] for name in (*CHOSEN, "date_from", "date_to")]),
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        for name, kind in NAMED.items():
            typed = search.clean(cleaned.get(name) or "").replace('"', "")
            if typed and find_named(kind, typed) is None:
                self.add_error(name, unknown_name(kind, typed))
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start.start > end.end:
            self.add_error("date_to", _("The range starts (%(start)s) after it ends (%(end)s).") % {
                "start": start.shown(), "end": end.shown()})  # fmt: skip
        if not self.errors and not any(cleaned.values()):
            raise forms.ValidationError(_("Fill in at least one box."), code="empty")
        return cleaned

    def listing_query(self):
        """The listing's parameters for what was asked."""
        data = self.cleaned_data
        words = [search.clean(data.get("q") or "")]
        for part in TEXT_PARTS:
            value = search.clean(data.get(part) or "").replace('"', "")
            if value:
                words.append(f'{part}:"{value}"')
        for name in NAMED:
            value = search.clean(data.get(name) or "").replace('"', "")
            if value:
                words.append(f'{name}:"{value}"')
        query = QueryDict(mutable=True)
        if " ".join(filter(None, words)):
            query["q"] = " ".join(filter(None, words))
        for name in CHOSEN:
            if data.get(name):
                query[name] = data[name].slug
        for name in ("date_from", "date_to"):
            if data.get(name):
                query[name] = self.data[name].strip()
        return query


class AdvancedSearchView(FormView):
    template_name = "catalogue/advanced_search.html"
    form_class = AdvancedSearchForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        if not form.is_bound:
            return self.render_to_response(self.get_context_data(form=form))
        if form.is_valid():
            listing = reverse("catalogue:document-list")
            return HttpResponseRedirect(f"{listing}?{form.listing_query().urlencode()}")
        response = self.render_to_response(self.get_context_data(form=form))
        response.status_code = 400
        return response
