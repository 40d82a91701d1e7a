"""Public reads from read replicas; writes, staff and anything inside a transaction on the primary.

`DATABASE_REPLICA_URLS` names the replicas (settings make them the aliases in `CATALOGUE_READ_REPLICAS`).
The middleware decides once per request where its reads go: an anonymous reader's GET or HEAD reads from
a replica that is up and current, anyone signed in (staff reading their own writes) and every other method
from the primary. A replica is checked at most every `CATALOGUE_REPLICA_CHECK_SECONDS` per process: one that
cannot be reached, or whose replay is more than `CATALOGUE_REPLICA_MAX_LAG_SECONDS` behind, is left out until
a later check finds it well. A request whose replica fails under it is answered again from the primary, so a
replica going down costs no reader a failed page.
"""

import logging
import threading
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.signals import request_finished
from django.db import DatabaseError, connections

logger = logging.getLogger("catalogue.replicas")

PRIMARY = "default"
# Where this request's reads go: a replica's alias, or None for the primary.
_reads = ContextVar("catalogue_reads", default=None)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# How far behind the primary a replica is, in seconds: none while it has replayed all it has received,
# else the age of the last transaction it replayed. A server that is not replaying (a primary given as a
# replica, as in a single-server setting) is never behind.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


class _Health:
    """Per process: when each replica was last checked and whether it was fit to read from."""

    def __init__(self):
        self._lock = threading.Lock()
        self._state = {}  # alias -> (checked at, fit)

    def fit(self, alias):
        now = time.monotonic()
        with self._lock:
            checked, fit = self._state.get(alias, (None, False))
        if checked is not None and now - checked < settings.CATALOGUE_REPLICA_CHECK_SECONDS:
            return fit
        fit = self._check(alias)
        with self._lock:
            self._state[alias] = (time.monotonic(), fit)
        return fit

    def failed(self, alias):
        """A query on the replica failed: leave it out until the next check."""
        with self._lock:
            self._state[alias] = (time.monotonic(), False)
        _close_quietly(connections[alias])

    def recheck(self, alias):
        """Checked now, whatever the last check found."""
        fit = self._check(alias)
        with self._lock:
            self._state[alias] = (time.monotonic(), fit)
        return fit

    def forget(self):
        with self._lock:
            self._state.clear()

    @staticmethod
    def _check(alias):
        connection = connections[alias]
        try:
            if connection.vendor != "postgresql":
                connection.ensure_connection()
                return True
            with connection.cursor() as cursor:
                cursor.execute(LAG_SQL)
                (lag,) = cursor.fetchone()
        except DatabaseError as error:
            logger.warning("Replica %s unreachable, reading from the primary: %s", alias, error)
            _close_quietly(connection)
            return False
        if float(lag) > settings.CATALOGUE_REPLICA_MAX_LAG_SECONDS:
            logger.warning("Replica %s is %.1f s behind, reading from the primary", alias, float(lag))
            return False
        return True


health = _Health()
_turn = 0


def _close_quietly(connection):
    try:
        connection.close()
    except DatabaseError:
        pass


def choose_replica():
    """A replica fit to read from, taking turns among them; None when there is none."""
    global _turn
    aliases = settings.CATALOGUE_READ_REPLICAS
    for offset in range(len(aliases)):
        alias = aliases[(_turn + offset) % len(aliases)]
        if health.fit(alias):
            _turn = (_turn + offset + 1) % len(aliases)
            return alias
    return None


def reading_from():
    """The alias this request's reads go to (the primary's outside a public read)."""
    return _reads.get() or PRIMARY


def read_connection():
    """The connection for a raw query that only reads: the request's replica, or the primary."""
    return connections[ReplicaRouter().db_for_read(None)]


def _back_to_primary(**kwargs):
    # A streamed answer reads as it is sent, after the middleware has returned; it keeps its replica
    # until the response is closed, and the next request starts on the primary.
    _reads.set(None)


request_finished.connect(_back_to_primary, dispatch_uid="catalogue.replicas")


class ReplicaRouter:
    """Reads go where the request's middleware sent them, unless the primary is inside a transaction
    (what a transaction reads must be what it wrote). Writes and migrations are for the primary alone."""

    def db_for_read(self, model, **hints):
        alias = _reads.get()
        if alias is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return alias

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class ReadReplicaMiddleware:
    """Sends an anonymous reader's GET to a replica, and answers it again from the primary if the replica
    fails under it (a GET changes nothing, so asking twice is safe)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replica = None
        if (
            settings.CATALOGUE_READ_REPLICAS
            and request.method in SAFE_METHODS
            and not request.path.startswith("/admin/")
            and not request.user.is_authenticated
        ):
            replica = choose_replica()
        _reads.set(replica)
        response = self.get_response(request)
        # A failure while reading the replica: the replica unreachable (a 503 from the view or the error
        # handler), or any server error that a fresh check puts down to the replica.
        if replica is not None and (
            getattr(response, "database_unavailable", False)
            or (response.status_code >= 500 and not health.recheck(replica))
        ):
            logger.warning("Replica %s failed during a request; answering it from the primary", replica)
            health.failed(replica)
            _reads.set(None)
            response = self.get_response(request)
        request.read_from = reading_from()
        return response
