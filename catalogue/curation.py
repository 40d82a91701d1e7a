"""Curation that spans several records: merging duplicate people, and undoing a merge; a document's texts and
files brought back to a past version of it."""

from django.db import transaction
from django.utils import timezone

from . import search
from .models import Document, DocumentFile, DocumentText, Person, PersonMerge

PERSON_FIELDS = ("name", "sort_name", "slug", "born", "died", "note")


def published_documents_changed(plan):
    """How many published documents a merge plan (or an undo of its records) would change."""
    ids = [pk for entry in plan for pk in (*entry["moved"], *entry["shared"])]
    return Document.objects.published().filter(pk__in=ids).count()


def merge_plan(kept, duplicates):
    """What a merge would do: for each duplicate, its documents that move and those already shared."""
    kept_documents = set(kept.documents.values_list("pk", flat=True))
    plan = []
    for person in duplicates:
        theirs = set(person.documents.values_list("pk", flat=True))
        plan.append(
            {
                "person": person,
                "moved": sorted(theirs - kept_documents),
                "shared": sorted(theirs & kept_documents),
            }
        )
    return plan


@transaction.atomic
def merge_people(kept, duplicates, user=None):
    """Fold `duplicates` into `kept`: their documents gain `kept`, then they are deleted.

    Each merge is recorded as a PersonMerge (what moved, and the person as it was), and every
    change is in the history of the documents and people concerned.
    """
    records = []
    for entry in merge_plan(kept, duplicates):
        person = entry["person"]
        reason = f"Merged “{person.name}” ({person.slug}) into “{kept.name}” ({kept.slug})"
        records.append(
            PersonMerge.objects.create(
                kept=kept,
                merged_slug=person.slug,
                merged_name=person.name,
                merged_fields={name: getattr(person, name) for name in PERSON_FIELDS},
                moved_documents=entry["moved"],
                shared_documents=entry["shared"],
                merged_by=user,
            )
        )
        for document in Document.objects.filter(pk__in=entry["moved"] + entry["shared"]):
            _tag_history(document, reason, user)
            document.people.add(kept)
            _tag_history(document, reason, user)
            document.people.remove(person)
        _tag_history(person, reason, user)
        person.delete()
    _tag_history(kept, "; ".join(str(record) for record in records), user)
    kept.save()
    return records


@transaction.atomic
def undo_merge(record, user=None):
    """Bring the merged person back, with its own documents, as before the merge."""
    if record.undone_at:
        raise ValueError("This merge has already been undone.")
    if Person.objects.filter(slug=record.merged_slug).exists():
        raise ValueError(f"A person with the slug “{record.merged_slug}” exists again; rename it first.")
    person = Person(**record.merged_fields)
    reason = f"Undid the merge of “{record.merged_name}” into “{record.kept.name}”"
    _tag_history(person, reason, user)
    person.save()
    for document in Document.objects.filter(pk__in=record.moved_documents + record.shared_documents):
        _tag_history(document, reason, user)
        document.people.add(person)
    for document in Document.objects.filter(pk__in=record.moved_documents):
        _tag_history(document, reason, user)
        document.people.remove(record.kept)
    record.undone_at = timezone.now()
    record.save(update_fields=["undone_at"])
    search.update_index(record.moved_documents + record.shared_documents)
    return person


def _tag_history(instance, reason, user):
    """The reason and user the next historical record of `instance` will carry."""
    instance._change_reason = reason
    if user is not None:
        instance._history_user = user


def restore_reading(document, moment):
    """Bring the document's texts back to what they were at `moment`, and its files' labels and order; a
    file removed since cannot come back (its bytes went with it) and one added since stays: the message
    returned says so ("" when everything was restored)."""
    then = {text.pk: text for text in DocumentText.history.as_of(moment).filter(document_id=document.pk)}
    DocumentText.objects.filter(document=document).exclude(pk__in=list(then)).delete()
    for text in then.values():
        text.save()
    files_then = {stored.pk: stored for stored in DocumentFile.history.as_of(moment).filter(document_id=document.pk)}
    current = {stored.pk: stored for stored in document.files.all()}
    for pk, stored in current.items():
        if pk in files_then and (stored.label, stored.order) != (files_then[pk].label, files_then[pk].order):
            stored.label, stored.order = files_then[pk].label, files_then[pk].order
            stored.save(update_fields=["label", "order"])
    gone, added = set(files_then) - set(current), set(current) - set(files_then)
    notes = []
    if gone:
        notes.append(f"{len(gone)} file(s) removed since that version cannot be brought back: their bytes are gone.")
    if added:
        notes.append(f"{len(added)} file(s) added since that version were kept; remove them below if they must go.")
    return " ".join(notes)
