"""“Did you mean Khrushchev?”: a search that finds nothing is offered the names it was probably after.

Each word of the search is compared with the names (and other names) of the public people, places,
organisations, events and topics by trigram similarity: the share of three-letter pieces two words have in
common. PostgreSQL answers with `pg_trgm` (its word-similarity operator, from a trigram index on the
names); SQLite with the same measure worked out here over the names, kept per catalogue version. Only names
that may be shown in public are offered: they are asked of the published documents, as everywhere.
"""

import re

from django.core.cache import cache

from . import search
from .listing import published_exists_sql
from .models import ENTITY_KINDS, CatalogueVersion, Status
from .replicas import read_connection

# The kinds whose names are searched are the names a reader types.
KINDS = tuple(kind for kind in ENTITY_KINDS if kind.names_searched)
# How alike two words must be (a share of their trigrams; pg_trgm's own default, 0.6, misses a swapped pair of
# letters in a long name: "Kuomintnag" is 0.47 like "Kuomintang"), and the words worth correcting.
THRESHOLD = 0.45
MIN_LENGTH = 4
MAX_WORDS = 5
_LETTERS = re.compile(r"\w+")


def trigrams(word: str) -> frozenset[str]:
    """pg_trgm's trigrams of one word: lowercased, padded with two spaces before and one after."""
    padded = f"  {word.lower()} "
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def similarity(first: str, second: str) -> float:
    a, b = trigrams(first), trigrams(second)
    return len(a & b) / len(a | b) if a and b else 0.0


def best_word(word: str, names: list[str]) -> tuple[float, str] | None:
    """The word of these names most like `word`, with how alike they are."""
    scored = [(similarity(word, candidate), candidate) for name in names for candidate in _LETTERS.findall(name)]
    scored = [(score, candidate) for score, candidate in scored if candidate.lower() != word.lower()]
    return max(scored, default=None)


def suggestion(text: str, vendor: str) -> str | None:
    """The search with each word that was probably misspelt replaced by the name it is most like, or None."""
    parsed = search.parse(text)
    words = [word for group in parsed.required for phrase in group for word in phrase]
    corrected = text
    changed = False
    for word in dict.fromkeys(words[:MAX_WORDS]):
        if len(word) < MIN_LENGTH or word.isdigit():
            continue
        names = _candidates_postgresql(word) if vendor == "postgresql" else _candidates_anywhere(word)
        found = best_word(word, names)
        if found and found[0] >= THRESHOLD:
            corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", found[1], corrected)
            changed = True
    return corrected if changed and corrected != text else None


def _candidates_postgresql(word: str) -> list[str]:
    """Public names word-similar to `word`, found through the trigram indexes, every kind in one statement
    (the three most alike of each kind, each asked of its published documents as the facets ask)."""
    branches, params = [], []
    for kind in KINDS:
        alike = "greatest(word_similarity(%s, entity.name), word_similarity(%s, entity.other_names))"
        branches.append(
            f"(SELECT entity.name, entity.other_names FROM {kind._meta.db_table} AS entity"
            f" WHERE (%s <%% entity.name OR %s <%% entity.other_names) AND {published_exists_sql(kind)}"
            f" ORDER BY {alike} DESC LIMIT 3)"
        )
        params += [word, word, Status.PUBLISHED, word, word]
    names: list[str] = []
    with read_connection().cursor() as cursor:
        # The word-similarity operator's own threshold, for this connection.
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(THRESHOLD)])
        cursor.execute(" UNION ALL ".join(branches), params)
        for name, other in cursor.fetchall():
            names += [name, *other.splitlines()]
    return names


def _candidates_anywhere(word: str) -> list[str]:
    """Every public name (kept per catalogue version): SQLite has no trigram index to ask."""
    return list(_public_names(CatalogueVersion.current().token))


def _public_names(version) -> tuple[str, ...]:
    key = f"spelling:names:{version}"
    names = cache.get(key)
    if names is None:
        names = _read_names()
        cache.set(key, names, timeout=3600)
    return names


def _read_names() -> tuple[str, ...]:
    names: list[str] = []
    for kind in KINDS:
        for name, other in kind.objects.public().values_list("name", "other_names"):
            names += [name, *other.splitlines()]
    return tuple(names)
