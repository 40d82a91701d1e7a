import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminTextareaWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import curation, reading, search
from .admin_views import DocumentImportView, PersonMergeView, can_publish, editor_only
from .models import (
    Collection,
    Document,
    DocumentFile,
    DocumentText,
    DocumentType,
    Event,
    ImportJob,
    Language,
    Organisation,
    Page,
    Person,
    PersonMerge,
    Place,
    Repository,
    Status,
    Topic,
)
from .paging import AdminPaginator
from .text import refuse_control_characters


def latest_version(model, pk):
    """The id of a record's newest historical version: it changes with every save, relations included."""
    return model.history.filter(id=pk).order_by("-history_id").values_list("history_id", flat=True).first() or 0


def _shown(value, limit=80):
    text = "(blank)" if value in (None, "") else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _one_line(clean):
    """A field's clean that first folds the line breaks a text box lets in to single spaces (any other
    control character is left for the form to refuse)."""

    def cleaned(value):
        return clean(re.sub(r"[ \t]*[\r\n]+[ \t]*", " ", value).strip() if isinstance(value, str) else value)

    return cleaned


class RefusesControlCharacters(forms.BaseForm):
    """Every text field, at the door: a control character is refused, named, and nothing is saved."""

    def clean(self):
        cleaned = super().clean()
        for name, value in list(cleaned.items()):
            try:
                refuse_control_characters(value)
            except ValidationError as error:
                self.add_error(name, error)
        return cleaned


class VersionedForm(RefusesControlCharacters, forms.ModelForm):
    """A change form that remembers which version of the record it was opened on.

    Saving compares it with the version stored now: if someone else saved meanwhile, nothing is saved,
    the form says who changed what, and it carries the newer version, so saving again (after review)
    replaces their change knowingly instead of silently.
    """

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["seen_version"] = latest_version(type(self.instance), self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_version")
        if not self.instance.pk or seen is None:
            return cleaned
        model = type(self.instance)
        if connection.in_atomic_block:
            # A save of this record in progress elsewhere finishes before the versions are compared.
            list(model.objects.select_for_update().filter(pk=self.instance.pk).values_list("pk"))
        current = latest_version(model, self.instance.pk)
        if current != seen:
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_version")] = str(current)
            raise ValidationError(self._conflict(model, seen, current), code="edit_conflict")
        return cleaned

    def _conflict(self, model, seen, current):
        latest = model.history.get(history_id=current)
        opened = model.history.filter(history_id=seen).first()
        who = latest.history_user or "someone"
        when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M")
        changes = latest.diff_against(opened).changes if opened else []
        described = []
        for change in changes:
            label = model._meta.get_field(change.field).verbose_name
            if isinstance(change.new, list):
                described.append(f"{label} changed")
            else:
                described.append(f"{label}: “{_shown(change.old)}” → “{_shown(change.new)}”")
        what = "; ".join(described) or "no field you can see"
        return (
            f"This {model._meta.verbose_name} was changed by {who} at {when} while you were editing it "
            f"({what}). Nothing was saved. Your changes are still in the form: save again to replace theirs, "
            "or reload the page to start from theirs."
        )


class SelectedRowsAdmin(admin.ModelAdmin):
    """Actions refuse a selection that names no row by its id, with a message, instead of failing on it."""

    def response_action(self, request, queryset, **kwargs):
        selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
        if not all(value.isascii() and value.isdigit() for value in selected):
            self.message_user(request, "The selection was not understood; nothing was changed.", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, **kwargs)


class HistoryAdmin(SelectedRowsAdmin, SimpleHistoryAdmin):
    """Field-by-field history with revert; reverting restores many-to-many relations too.

    Changelists count exactly up to the cap and estimate past it (saying "about"), so a page of a
    million documents does not wait on counting them all. Change forms refuse to overwrite a version
    saved by someone else meanwhile (`VersionedForm`).
    """

    paginator = AdminPaginator
    form = VersionedForm

    class Media:
        css = {"all": ("catalogue/admin.css",)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Archival titles and names are long: their inputs take the form's width, not twenty characters.
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and isinstance(db_field, models.CharField) and (db_field.max_length or 0) >= 200:
            field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " vWideField").strip()
        if field is not None and db_field.name == "title":
            # A title of 500 characters is shown whole, over as many lines as it needs, and kept on one line.
            field.widget = AdminTextareaWidget(attrs={"rows": 2, "class": "vWideField vTitleField"})
            field.clean = _one_line(field.clean)
        return field

    def _current_or_404(self, request, object_id):
        """The record as it is now; an id that names nothing (or is not an id at all) is a 404."""
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404(f"No {self.model._meta.verbose_name} with the id “{object_id}”.")
        return current

    def history_view(self, request, object_id, extra_context=None):
        self._current_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        current = self._current_or_404(request, object_id)
        record = None
        if str(version_id).isdigit():
            record = self.model.history.filter(history_id=version_id, id=current.pk).first()
        if record is None:
            raise Http404(f"No version “{version_id}” of this {self.model._meta.verbose_name}.")
        # The rule is the change form's, applied to the record as it is now, not to the old version:
        # a published document stays read-only to whoever may not publish, whatever it once was.
        request._may_change_current = self.has_change_permission(request, current)
        if request.method == "POST" and not request._may_change_current:
            raise PermissionDenied
        request._reverting_to = record
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # No text column holds a NUL, and PostgreSQL refuses one in a query: it can match nothing.
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))

    def revert_disabled(self, request, obj=None):
        return super().revert_disabled(request, obj) or not getattr(request, "_may_change_current", True)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        record = getattr(request, "_reverting_to", None)
        if record is None or request.method != "GET":
            return form
        # The historical instance knows its fields; its relations are in the history's own tables.
        initial = {}
        for field in self.model._meta.many_to_many:
            if hasattr(record, field.name):
                target = field.m2m_reverse_field_name()
                initial[field.name] = [getattr(row, f"{target}_id") for row in getattr(record, field.name).all()]

        class RevertForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.initial.update(initial)

        return RevertForm


NEW_FILES_HELP = (
    "The original scan: one PDF, or page images (JPEG, PNG, TIFF), several at once; at most "
    "{limit}. Its pages are made ready for the viewer, and its words read (by OCR where it has no text layer), "
    "in the background: each file's state is shown below, with a box to make its pages again."
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class DocumentForm(VersionedForm):
    new_files = MultipleFileField(label="Add files", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.received = []

    def clean_new_files(self):
        received, problems = [], []
        for uploaded in self.cleaned_data.get("new_files") or []:
            try:
                received.append((uploaded, reading.inspect(uploaded)))
            except ValidationError as error:
                problems.extend(error.messages)
        if problems:
            raise ValidationError(problems + ["Nothing was saved: send the files again once these are put right."])
        self.received = received
        return [uploaded for uploaded, _ in received]


class DocumentFileForm(RefusesControlCharacters, forms.ModelForm):
    redo = forms.BooleanField(
        label="make again", required=False, help_text="Render its pages and read its words again."
    )

    class Meta:
        model = DocumentFile
        fields = ("label", "order", "file")

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if "file" in self.changed_data and uploaded:
            inspection = reading.inspect(uploaded)
            for name, value in reading.facts(inspection).items():
                setattr(self.instance, name, value)
            self.instance.original_name = uploaded.name[:255]
        return uploaded


class DocumentTextForm(RefusesControlCharacters, forms.ModelForm):
    class Meta:
        model = DocumentText
        fields = ("kind", "language", "order", "made_by", "made_on", "note", "body")


class ReadingInline:
    """Texts and files belong to their document: changing those of a published one is an Editor's, as the
    document is."""

    def _may_change_document(self, request, obj):
        return obj is None or obj.status != Status.PUBLISHED or can_publish(request)

    def has_add_permission(self, request, obj):
        return self._may_change_document(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_change_document(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_change_document(request, obj) and super().has_delete_permission(request, obj)


class DocumentFileInline(ReadingInline, admin.TabularInline):
    model = DocumentFile
    form = DocumentFileForm
    extra = 0
    fields = ("order", "label", "file", "facts", "state_shown", "redo")
    readonly_fields = ("facts", "state_shown")
    verbose_name_plural = "files (original scans)"

    @admin.display(description="what it is")
    def facts(self, stored):
        if not stored.pk:
            return "—"
        from django.template.defaultfilters import filesizeformat

        pages = f"{stored.page_count} page{'' if stored.page_count == 1 else 's'}"
        return f"{stored.media_type}, {filesizeformat(stored.size)}, {pages}; SHA-256 {stored.sha256[:12]}…"

    @admin.display(description="state")
    def state_shown(self, stored):
        if not stored.pk:
            return "—"
        if stored.state == DocumentFile.State.FAILED:
            return format_html("<strong>Failed</strong>: {}", stored.error or "no reason was recorded")
        if stored.error:
            return f"{stored.get_state_display()}. {stored.error}"
        return stored.get_state_display()


class DocumentTextInline(ReadingInline, admin.StackedInline):
    model = DocumentText
    form = DocumentTextForm
    extra = 0
    fields = (("kind", "language", "order"), ("made_by", "made_on"), "note", "body")
    autocomplete_fields = ("language",)
    verbose_name_plural = "texts (transcript and translations)"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None and db_field.name == "body":
            field.widget.attrs.update({"rows": 12, "class": "vLargeTextField"})
        return field


@admin.register(Document)
class DocumentAdmin(HistoryAdmin):
    list_display = ("title", "date_display", "status", "language", "added")
    list_filter = (
        "status",
        ("added", admin.DateFieldListFilter),
        "document_type",
        "language",
        "repository",
        "collections",
    )
    list_select_related = ("language",)
    search_fields = ("title", "summary", "slug", "people__name")
    search_help_text = (
        "Words in the title, summary, text, or the names of people, places and events (as in the public "
        'search: "a phrase", this or that, -exclude); or a document\'s slug.'
    )
    autocomplete_fields = (
        "document_type",
        "people",
        "organisations",
        "places",
        "events",
        "topics",
        "collections",
        "language",
        "repository",
    )
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("date_start", "date_end", "modified", "preview_link")
    show_full_result_count = False
    actions = ("submit_for_review", "publish", "return_to_draft", "unpublish")
    history_list_display = ("status",)
    change_list_template = "admin/catalogue/document/change_list.html"
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "preview_link", "summary", "seen_version")}),
        ("Date", {"fields": ("date", ("date_start", "date_end"))}),
        (
            "Provenance",
            {"fields": ("document_type", "creator", "source", "repository", "credit", "language", "rights")},
        ),
        ("Subjects", {"fields": ("people", "organisations", "places", "events", "topics", "collections")}),
        (
            "Files",
            {
                "fields": ("new_files",),
                "description": NEW_FILES_HELP.format(
                    limit=f"{reading.megabytes(settings.CATALOGUE_MAX_FILE_SIZE)} a file"
                ),
            },
        ),
        ("Record", {"fields": ("added", "modified")}),
    )
    inlines = (DocumentFileInline, DocumentTextInline)
    form = DocumentForm

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        document = form.instance
        following = (document.files.aggregate(last=models.Max("order"))["last"] or 0) + 1
        for offset, (uploaded, inspection) in enumerate(form.received):
            stored = reading.receive(
                document,
                uploaded,
                label=reading.label_of(uploaded.name),
                order=following + offset,
                inspection=inspection,
            )
            reading.queue(stored)

    def save_model(self, request, obj, form, change):
        reverting = getattr(request, "_reverting_to", None)
        # A version's texts and files are saved just after it: they are as they stood until the next version.
        following = None
        if reverting is not None:
            following = obj.history.filter(history_id__gt=reverting.history_id).order_by("history_id").first()
        super().save_model(request, obj, form, change)
        if reverting is not None:
            restored = curation.restore_reading(obj, following.history_date if following else timezone.now())
            if restored:
                self.message_user(request, restored, messages.WARNING)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is DocumentFile:
            for inline_form in formset.forms:
                stored = inline_form.instance
                if (
                    stored.pk
                    and inline_form.cleaned_data.get("DELETE") is not True
                    and ("file" in inline_form.changed_data or inline_form.cleaned_data.get("redo"))
                ):
                    reading.queue(stored)

    @admin.display(description="date", ordering="date_start")
    def date_display(self, document):
        return document.date_display

    def get_search_results(self, request, queryset, search_term):
        """The catalogue's own full-text index, not a scan of every row for each word (seconds at a million)."""
        term = search.clean(search_term)
        if not term:
            return queryset, False
        found = search.matching(queryset, term)
        if " " not in term and queryset.filter(slug=term).exists():
            found = found | queryset.filter(slug=term)
        return found, False

    @admin.display(description="preview")
    def preview_link(self, document):
        if not document.pk:
            return "—"
        label = "View on the public site" if document.is_public else "Preview on the public design (staff only)"
        return format_html('<a href="{}" target="_blank">{}</a>', document.get_absolute_url(), label)

    # Workflow --------------------------------------------------------------------------

    def has_publish_permission(self, request):
        return can_publish(request)

    def has_change_permission(self, request, obj=None):
        # What is public changes only through an Editor.
        if obj is not None and obj.status == Status.PUBLISHED and not can_publish(request):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status" and not can_publish(request):
            kwargs["choices"] = [(s.value, s.label) for s in (Status.DRAFT, Status.IN_REVIEW)]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def _transition(self, request, queryset, step, done):
        moved = queryset.transition(step, user=request.user)
        skipped = queryset.count() - moved
        message = ngettext("%(n)d document %(done)s.", "%(n)d documents %(done)s.", moved) % {"n": moved, "done": done}
        if skipped:
            message += " " + ngettext(
                "%(n)d was not in a status that allows it.", "%(n)d were not in a status that allows it.", skipped
            ) % {"n": skipped}
        self.message_user(request, message, messages.SUCCESS if moved else messages.WARNING)

    @admin.action(description="Submit for review", permissions=("change",))
    def submit_for_review(self, request, queryset):
        self._transition(request, queryset, "submit", "submitted for review")

    @admin.action(description="Publish", permissions=("publish",))
    def publish(self, request, queryset):
        self._transition(request, queryset, "publish", "published")

    @admin.action(description="Return to draft (from review)", permissions=("change",))
    def return_to_draft(self, request, queryset):
        self._transition(request, queryset, "return_to_draft", "returned to draft")

    @admin.action(description="Unpublish (back to draft)", permissions=("publish",))
    def unpublish(self, request, queryset):
        self._transition(request, queryset, "unpublish", "unpublished and returned to draft")

    # Import ------------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(DocumentImportView.as_view(model_admin=self)),
                name="catalogue_document_import",
            ),
            path(
                "import/<int:job_id>/",
                self.admin_site.admin_view(self.import_job_view),
                name="catalogue_document_import_job",
            ),
            *super().get_urls(),
        ]

    def import_job_view(self, request, job_id):
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None:
            raise Http404("No such import.")
        if job.user_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Import of {job.file_name}",
            "job": job,
        }
        return TemplateResponse(request, "admin/catalogue/document/import_job.html", context)


@admin.register(Collection, Language, Place, Repository, DocumentType, Organisation)
class EntityAdmin(HistoryAdmin):
    list_display = ("name", "slug", "published_documents")
    # Other names find an entity too: in the list and in the autocomplete of a document's form.
    search_fields = ("name", "slug", "other_names")
    prepopulated_fields = {"slug": ("name",)}
    show_full_result_count = False

    @admin.display(description="published documents", ordering="document_count")
    def published_documents(self, entity):
        return entity.document_count


@admin.register(Topic)
class TopicAdmin(EntityAdmin):
    list_display = ("name", "parent", "published_documents")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(Person)
class PersonAdmin(EntityAdmin):
    list_display = ("sort_name", "name", "born", "died", "published_documents")
    search_fields = ("name", "sort_name", "slug", "other_names")
    list_filter = (("born", admin.EmptyFieldListFilter),)
    actions = ("merge",)

    def has_merge_permission(self, request):
        return request.user.has_perm("catalogue.merge_person")

    @admin.action(description="Merge selected people…", permissions=("merge",))
    def merge(self, request, queryset):
        people = list(queryset.order_by("sort_name"))
        if len(people) < 2:
            self.message_user(request, "Select two or more people to merge.", messages.WARNING)
            return None
        if not can_publish(request):
            # A merge rewrites the people of every document concerned: published ones are an Editor's.
            published = curation.published_documents_changed(curation.merge_plan(people[0], people[1:]))
            if published:
                self.message_user(request, editor_only(published, "merge changes"), messages.ERROR)
                return None
        return PersonMergeView.as_view(model_admin=self, people=people)(request)


@admin.register(Event)
class EventAdmin(EntityAdmin):
    list_display = ("name", "start", "end", "published_documents")
    search_fields = ("name", "slug", "other_names", "description")


@admin.register(Page)
class PageAdmin(HistoryAdmin):
    """The site's own pages: their words are staff's to change, their addresses are fixed."""

    list_display = ("title", "slug", "modified")
    readonly_fields = ("modified",)

    def get_readonly_fields(self, request, obj=None):
        return ("slug", "modified") if obj else ("modified",)

    # A page is public the moment it is saved: rewording one is publishing, so it is for those who may publish.
    def has_module_permission(self, request):
        return request.user.has_perm("catalogue.publish_document")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("catalogue.publish_document")

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("catalogue.publish_document")

    def has_add_permission(self, request):
        return False  # the three pages are made by the migrations, at fixed addresses

    def has_delete_permission(self, request, obj=None):
        return False  # a page's address is linked from every page of the site


@admin.register(PersonMerge)
class PersonMergeAdmin(SelectedRowsAdmin):
    list_display = ("merged_name", "kept", "moved", "merged_by", "merged_at", "undone_at")
    list_select_related = ("kept", "merged_by")
    readonly_fields = [f.name for f in PersonMerge._meta.fields]
    actions = ("undo",)

    @admin.display(description="documents moved")
    def moved(self, record):
        return len(record.moved_documents)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_merge_permission(self, request):
        return request.user.has_perm("catalogue.merge_person")

    @admin.action(description="Undo the selected merges", permissions=("merge",))
    def undo(self, request, queryset):
        undone = 0
        records = queryset.filter(undone_at__isnull=True).order_by("-merged_at")
        if not can_publish(request):
            plan = [{"moved": r.moved_documents, "shared": r.shared_documents} for r in records]
            published = curation.published_documents_changed(plan)
            if published:
                self.message_user(request, editor_only(published, "undo changes"), messages.ERROR)
                return
        for record in records:
            try:
                curation.undo_merge(record, user=request.user)
                undone += 1
            except ValueError as error:
                self.message_user(request, f"{record}: {error}", messages.ERROR)
        self.message_user(
            request, ngettext("%(n)d merge undone.", "%(n)d merges undone.", undone) % {"n": undone}, messages.SUCCESS
        )


admin.site.site_header = "Catalogue administration"
admin.site.site_title = "Catalogue administration"
admin.site.index_title = "Curate the catalogue"
