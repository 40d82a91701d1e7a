from django.contrib import admin
from django.db.models import Count

from .models import Collection, Document, Event, Language, Person, Place, Repository


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "date_display", "status", "language", "added")
    list_filter = ("status", "language", "repository", "collections")
    list_select_related = ("language",)
    search_fields = ("title", "summary", "slug", "people__name")
    search_help_text = "Title, summary, slug or a person's name."
    autocomplete_fields = ("people", "places", "events", "collections", "language", "repository")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "added"
    readonly_fields = ("date_start", "date_end", "modified")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("title", "slug", "status", "summary")}),
        ("Date", {"fields": ("date", ("date_start", "date_end"))}),
        ("Provenance", {"fields": ("source", "repository", "credit", "language")}),
        ("Subjects", {"fields": ("people", "places", "events", "collections")}),
        ("Text", {"fields": ("full_text",), "classes": ("collapse",)}),
        ("Record", {"fields": ("added", "modified")}),
    )

    @admin.display(description="date", ordering="date_start")
    def date_display(self, document):
        return document.date_display


class DocumentCountMixin:
    """A column with how many documents each row is tagged on."""

    def get_queryset(self, request):
        # Grouped queries ignore Meta.ordering, so the order is restated for stable pages.
        queryset = super().get_queryset(request).annotate(document_count=Count("documents", distinct=True))
        return queryset.order_by(*(self.get_ordering(request) or self.model._meta.ordering))

    @admin.display(description="documents", ordering="document_count")
    def documents(self, obj):
        return obj.document_count


@admin.register(Person)
class PersonAdmin(DocumentCountMixin, admin.ModelAdmin):
    list_display = ("sort_name", "name", "born", "died", "documents")
    search_fields = ("name", "sort_name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_filter = (("born", admin.EmptyFieldListFilter),)


@admin.register(Event)
class EventAdmin(DocumentCountMixin, admin.ModelAdmin):
    list_display = ("name", "start", "end", "documents")
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}


class NamedEntityAdmin(DocumentCountMixin, admin.ModelAdmin):
    list_display = ("name", "slug", "documents")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


admin.site.register(Place, NamedEntityAdmin)
admin.site.register(Collection, NamedEntityAdmin)
admin.site.register(Language, NamedEntityAdmin)
admin.site.register(Repository, NamedEntityAdmin)

admin.site.site_header = "Catalogue administration"
admin.site.site_title = "Catalogue administration"
admin.site.index_title = "Curate the catalogue"
