"""The admin's own pages beyond Django's: importing a file and merging people, as views with forms.

Each is served inside the admin (its permissions, its chrome) by the ModelAdmin that links to it.
"""

from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.generic import FormView

from . import curation, importer, tasks, uploads
from .models import ImportJob, Person, Status


def can_publish(request):
    return request.user.has_perm("catalogue.publish_document")


def editor_only(count, what):
    """The refusal when a change would reach published documents and the user may not publish."""
    return (
        f"Nothing was changed: {count} of the documents this {what} {ngettext('is', 'are', count)} "
        "published, and only an Editor may change published documents."
    )


class AdminPageMixin:
    """A page of the admin for `model_admin`'s model: the admin's context, title and breadcrumbs."""

    model_admin: admin.ModelAdmin | None = None
    title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        site = self.model_admin.admin_site
        return {**site.each_context(self.request), "opts": self.model_admin.model._meta, "title": self.title, **context}


# Import ----------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="A .csv or .json file in UTF-8, or a .zip holding one such sheet and the files its “files” column "
        "names; its columns are described in docs/archivists.md."
    )
    publish = forms.BooleanField(
        required=False, label="Publish the new documents at once (Editors only); otherwise they enter as drafts"
    )

    def __init__(self, *args, may_publish, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_publish:
            del self.fields["publish"]


class ImportConfirmForm(forms.Form):
    """The checked file's claim ticket, sent back when the archivist confirms the import."""

    token = forms.CharField(max_length=200)
    file_name = forms.CharField(max_length=255, required=False)
    publish = forms.BooleanField(required=False)


class DocumentImportView(AdminPageMixin, FormView):
    """Upload, check (nothing written), then confirm: the task worker writes the file and the job page follows it."""

    form_class = ImportForm
    template_name = "admin/catalogue/document/import.html"
    title = "Import documents"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm("catalogue.import_documents"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "may_publish": can_publish(self.request)}

    def post(self, request, *args, **kwargs):
        if "token" in request.POST:
            return self.confirmed(ImportConfirmForm(request.POST))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            file_format = importer.detect_format(upload.name)
            report = importer.run(upload.file, file_format, user=self.request.user, dry_run=True)
        except importer.ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        token = uploads.keep(upload, self.request.user, file_format) if report.ok else ""
        context = self.get_context_data(
            report=report, token=token, file_name=upload.name, publish=form.cleaned_data.get("publish", False)
        )
        return TemplateResponse(self.request, "admin/catalogue/document/import_report.html", context)

    def confirmed(self, form):
        """Hand the checked upload to the task worker and show the job, which says how far it has gone."""
        stored = uploads.claim(form.data.get("token", ""), self.request.user) if form.is_valid() else None
        if stored is None:
            messages.error(self.request, "That upload is no longer available; upload the file again.")
            return redirect("admin:catalogue_document_import")
        publish = form.cleaned_data["publish"] and can_publish(self.request)
        job = ImportJob.objects.create(
            file_name=form.cleaned_data["file_name"] or Path(stored).name,
            stored_name=stored,
            file_format=Path(stored).suffix.lstrip("."),
            status=Status.PUBLISHED if publish else Status.DRAFT,
            user=self.request.user,
        )
        # With the database backend the task is a row written beside the job's; the worker takes it from there.
        tasks.import_documents.enqueue(job.pk)
        return HttpResponseRedirect(reverse("admin:catalogue_document_import_job", args=[job.pk]), status=303)


# Merging people ------------------------------------------------------------------------------


class PersonMergeForm(forms.Form):
    kept = forms.ModelChoiceField(queryset=Person.objects.none(), widget=forms.RadioSelect, label="Keep which record?")

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kept"].queryset = Person.objects.filter(pk__in=[p.pk for p in people])


class PersonMergeView(AdminPageMixin, FormView):
    """Choose which of the selected people to keep, see what moves, then merge (every merge can be undone).

    Reached from the "Merge selected people…" action of the changelist, which posts here the people chosen.
    """

    form_class = PersonMergeForm
    template_name = "admin/catalogue/person/merge.html"
    title = "Merge people"
    people: list = []

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "people": self.people}
        if "kept" not in self.request.POST:
            kwargs.pop("data", None)  # arriving from the changelist: nothing chosen yet, nothing to complain of
        return kwargs

    def kept(self, form):
        if form.is_bound and form.is_valid():
            return form.cleaned_data["kept"]
        return max(self.people, key=lambda p: p.documents.count())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        kept = self.kept(context["form"])
        return {
            **context,
            "people": self.people,
            "kept": kept,
            "plan": curation.merge_plan(kept, [p for p in self.people if p != kept]),
            "selected": self.request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action": "merge",
        }

    def form_valid(self, form):
        if self.request.POST.get("confirm") != "yes":
            return self.render_to_response(self.get_context_data(form=form))  # "Show what moves"
        kept = form.cleaned_data["kept"]
        records = curation.merge_people(kept, [p for p in self.people if p != kept], user=self.request.user)
        moved = sum(len(r.moved_documents) for r in records)
        messages.success(
            self.request,
            f"Merged {len(records)} into “{kept.name}”: "
            + ngettext("%(n)d document moved. ", "%(n)d documents moved. ", moved) % {"n": moved}
            + "Each merge can be undone from Merges of people.",
        )
        return None  # back to the changelist, as an admin action does
