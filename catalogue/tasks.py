"""Work that does not belong in a request: run by the task worker (`make serve`), or at once under `make run`."""

import logging

from django.core.files.storage import default_storage
from django.tasks import task
from django.utils import timezone

from . import importer, reading, records
from .models import DocumentFile, ImportJob

logger = logging.getLogger(__name__)

# How often, in rows, the worker records how far the check has gone.
PROGRESS_EVERY = 200


class _CheckProgress:
    def __init__(self, job):
        self.job, self.rows = job, 0

    def update(self, count):
        self.rows += count
        if self.rows % PROGRESS_EVERY == 0:
            ImportJob.objects.filter(pk=self.job.pk).update(rows_checked=self.rows)

    def close(self):
        ImportJob.objects.filter(pk=self.job.pk).update(rows_checked=self.rows)


def _finish(job, state, **fields):
    ImportJob.objects.filter(pk=job.pk).update(state=state, finished=timezone.now(), **fields)


@task
def fill_entries():
    """Write the research API's kept entry of every published document that has none (after a restore)."""
    return records.fill()


@task
def import_documents(job_id):
    """Check the job's file again, then write it in one transaction; the job records each step and the outcome.

    The file is checked first outside the writing transaction, so that the admin can show how many rows
    have been read while the job runs; the writing itself is all or nothing, as every import is.
    """
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.CHECKING)
    try:
        with default_storage.open(job.stored_name, "rb") as binary:
            checked = importer.run(
                binary, job.file_format, user=job.user, status=job.status, dry_run=True,
                progress=lambda label: _CheckProgress(job),
            )  # fmt: skip
            report = checked
            if checked.ok:
                ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.WRITING)
                report = importer.run(binary, job.file_format, user=job.user, status=job.status)
    except importer.ImportFileError as error:
        _finish(job, ImportJob.State.FAILED, message=str(error))
    except Exception as error:
        _finish(job, ImportJob.State.FAILED, message=f"The import stopped on an unexpected error: {error}")
        raise
    else:
        state = ImportJob.State.DONE if report.written else ImportJob.State.FAILED
        _finish(job, state, summary=report.summary(), errors=[str(error) for error in report.errors])
    finally:
        default_storage.delete(job.stored_name)


@task
def make_derivatives(file_id):
    """Render a received file's pages at the viewer's widths and read their words (its text layer, or OCR)."""
    stored = DocumentFile.objects.select_related("document__language").filter(pk=file_id).first()
    if stored is None:
        return 0  # removed before its turn came
    try:
        return reading.make_derivatives(stored)
    except Exception as error:
        logger.exception("The derivatives of file %s could not be made", file_id)
        DocumentFile.objects.filter(pk=file_id).update(
            state=DocumentFile.State.FAILED, error=reading.describe_failure(error), processed=timezone.now()
        )
        return 0
