"""Front caches: HTTP caches (Varnish, `deploy/varnish.vcl`) in front of the app servers, which serve the
public pages they hold without waking an app server.

The app decides what they keep and for how long: a page it keeps for anonymous readers itself is marked
`Surrogate-Control: max-age=N` (read and removed by the front cache, never seen by browsers), to the end of
the day at most (citations name it). Whenever anything public changes, every front cache named in
CATALOGUE_FRONT_CACHES is told to drop all it holds (an HTTP BAN) once the change is committed, and again a
moment later, for a page whose rendering began before the change and reached the cache after the first ban.
A page finished after a change began rendering under the version before it is not marked (`caching`).
"""

import logging
import threading
import urllib.request
from datetime import datetime, time, timedelta

from django.conf import settings

logger = logging.getLogger(__name__)

# After the first ban, the second: longer than a page takes from the app to the cache.
BAN_AGAIN_SECONDS = 2.0
BAN_TIMEOUT_SECONDS = 2.0


def enabled() -> bool:
    return bool(settings.CATALOGUE_FRONT_CACHES)


def mark(response) -> None:
    """Let the front caches keep this public page until the next ban, the end of the day, or
    CATALOGUE_FRONT_CACHE_SECONDS, whichever comes first."""
    now = datetime.now()
    midnight = datetime.combine(now.date() + timedelta(days=1), time())
    seconds = min(settings.CATALOGUE_FRONT_CACHE_SECONDS, int((midnight - now).total_seconds()))
    if seconds > 0:
        response["Surrogate-Control"] = f"max-age={seconds}"


def ban() -> None:
    """Every front cache drops all it holds, now and again after BAN_AGAIN_SECONDS (called once a public
    change is committed). A cache that cannot be reached is logged: it keeps its pages until their time
    runs out."""
    if not enabled():
        return
    _ban_all()
    timer = threading.Timer(BAN_AGAIN_SECONDS, _ban_all)
    timer.daemon = True
    timer.start()


def _ban_all() -> None:
    for address in settings.CATALOGUE_FRONT_CACHES:
        request = urllib.request.Request(address, method="BAN")
        try:
            with urllib.request.urlopen(request, timeout=BAN_TIMEOUT_SECONDS) as answer:
                answer.read()
        except OSError as error:
            logger.error("The front cache at %s was not told of a change: %s", address, error)
