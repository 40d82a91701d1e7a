"""Import files between the check and the write: kept in the default storage (shared by every app server),
readable by the site only, claimed once, and removed when abandoned."""

import secrets
from datetime import timedelta
from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.utils import timezone

from .models import ImportJob

FOLDER = "imports"
# An upload checked but never confirmed is removed after this long.
ABANDONED_AFTER = timedelta(days=1)
FORMATS = ("csv", "json", "zip")


def keep(upload, user, file_format):
    """Store a checked upload; return the token its confirmation names it by."""
    remove_abandoned()
    name = default_storage.save(f"{FOLDER}/{user.pk}-{secrets.token_hex(16)}.{file_format}", upload)
    return PurePosixPath(name).name


def claim(token, user):
    """The stored name of the user's own upload named by `token`, once; None if it is not (or no longer) there."""
    token = PurePosixPath(str(token)).name
    owner, _, rest = token.partition("-")
    name = f"{FOLDER}/{token}"
    if owner != str(user.pk) or not rest or PurePosixPath(token).suffix.lstrip(".") not in FORMATS:
        return None
    if ImportJob.objects.filter(stored_name=name).exists() or not default_storage.exists(name):
        return None
    return name


def remove_abandoned(now=None):
    """Delete uploads older than ABANDONED_AFTER that no waiting or running import still needs."""
    try:
        _, files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    needed = set(
        ImportJob.objects.filter(state__in=[ImportJob.State.QUEUED, ImportJob.State.CHECKING, ImportJob.State.WRITING])
        .values_list("stored_name", flat=True)
    )  # fmt: skip
    removed = 0
    for file in files:
        name = f"{FOLDER}/{file}"
        if name not in needed and default_storage.get_modified_time(name) < cutoff:
            default_storage.delete(name)
            removed += 1
    return removed
