"""A synthetic catalogue for measuring the catalogue at scale.

Names, titles and text are drawn from small vocabularies written here, with
long-tailed (Zipf) frequencies, so that a few people, places and words are very
common and most are rare, as in a real archive. The same seed gives the same
catalogue. Nothing here is meant to be read as history.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from django.utils.text import slugify

from catalogue.dates import PartialDate

GIVEN = (
    "Anastas Andrei Boris Chen Deng Dmitri Enver Fyodor Georgi Hoang Igor Ivan Jan Jiang Kang Karel Le Li "
    "Liu Marian Mehmet Mikhail Nikolai Oleg Pavel Peng Qian Ren Sergei Song Tan Todor Vasily Wang Wladyslaw "
    "Xu Yang Yuri Zhang Zhou"
).split()
FAMILY = (
    "Abramov Andropov Bao Belov Bogdanov Chai Cheng Dong Fedorov Fang Gao Gromov Guo Han Hu Ilyin Jin Kalinin "
    "Karpov Kovalev Kuznetsov Lebedev Lin Lu Ma Markov Morozov Nikitin Novak Orlov Pan Petrov Popov Qiu Rao "
    "Romanov Shen Smirnov Sokolov Sun Tang Titov Volkov Wei Wu Xie Yakovlev Yan Ye Zaitsev Zhao Zheng Zhu"
).split()
PLACES = (
    "Soviet Union|China|North Korea|Poland|Albania|Yugoslavia|India|Vietnam|Mongolia|Czechoslovakia|"
    "Hungary|Romania|Bulgaria|East Germany|Cuba|Japan|United States|United Kingdom|France|Indonesia|"
    "Egypt|Iran|Turkey|Finland|Austria|Burma|Laos|Cambodia|Pakistan|Afghanistan"
).split("|")
REGIONS = "North South East West Upper Lower Central Greater New Old".split()
EVENT_KINDS = "Conference Congress Plenum Visit Summit Crisis Treaty Talks Campaign Mission".split()
DOCUMENT_KINDS = (
    "Memorandum of Conversation|Record of a Meeting|Telegram|Letter|Minutes|Report|Note|Cable|Statement|"
    "Instructions|Transcript|Diary Entry|Protocol|Draft Resolution|Summary"
).split("|")
TOPICS = (
    "border trade aid loans grain steel oil railway harbour navy army missiles uranium treaty alliance "
    "party plenum purge congress economy plan famine refugees students press propaganda radio embassy "
    "consulate visas prisoners intelligence security borderlands river islands airfield fleet submarine "
    "factory machinery engineers advisers credits debts currency exports imports fisheries forestry coal "
    "cotton textiles printing archives ministry cadres workers peasants cooperatives communes elections "
    "constitution reform rectification ideology revisionism imperialism neutrality recognition mediation "
    "ceasefire armistice negotiations guarantees sovereignty"
).split()
WORDS = (
    "the of and to in a that on with for was as by at from his he it is this be which were had their they "
    "not are but have been also would said should could its will our them we discussed question comrade "
    "government party delegation meeting ambassador minister chairman secretary central committee "
    "soviet chinese foreign affairs political military economic situation position relations cooperation "
    "support proposal agreement matter issue side leadership comrades view opinion noted stressed asked "
    "replied informed agreed expressed hope necessary important possible difficult current future past "
    "information report decision measures steps problem help assistance development struggle policy "
    "international friendship unity common interests"
).split()
LANGUAGES = "Russian Chinese English Polish German Korean Vietnamese Albanian Czech Hungarian Romanian French".split()
ARCHIVE_KINDS = "State Archive|Party Archive|Foreign Ministry Archive|Presidential Archive|National Library".split("|")

# The benchmark's keywords: one in about a third of the titles, one in about one document in 5,000.
COMMON_WORD = "delegation"
COMMON_SHARE = 0.3
RARE_WORD = "zeppelin"
RARE_SHARE = 0.0002
TEXT_WORDS = 68


def zipf_weights(count, exponent=1.0):
    return list(accumulate(1 / (rank + 1) ** exponent for rank in range(count)))


@dataclass
class Vocabulary:
    """The entities of a synthetic catalogue, by kind: [(slug, name, extra fields)]."""

    people: list
    places: list
    events: list
    collections: list
    languages: list
    repositories: list
    # Kinds added later, drawn from their own random stream so the catalogue's other draws stay as they were.
    organisations: list
    topics: list  # broad topics first; a narrower one names its broader one's position in `parent`
    types: list


ORGANISATION_KINDS = (
    "Communist Party|Central Committee|Ministry of Foreign Affairs|Embassy|Delegation|Politburo|"
    "Ministry of Defence|Trade Mission|State Security|Council of Ministers"
).split("|")


def _later_kinds(size):
    organisations = [(slugify(f"{p} {k}"), f"{p} {k}", {}) for p in PLACES for k in ORGANISATION_KINDS][
        : max(20, min(len(PLACES) * len(ORGANISATION_KINDS), size // 2000))
    ]
    topics = [(slugify(f"{p} foreign relations"), f"{p} -- Foreign relations", {}) for p in PLACES]
    broad = len(topics)
    for position, place in enumerate(PLACES):
        for other in PLACES[:12]:
            if other != place:
                name = f"{place} -- Foreign relations -- {other}"
                topics.append((slugify(name), name, {"parent": position}))
    topics = topics[: max(broad + 20, min(len(topics), broad + size // 2000))]
    types = [(slugify(kind), kind, {}) for kind in DOCUMENT_KINDS]
    return organisations, topics, types


def vocabulary(size, rng):
    """Entities for a catalogue of `size` documents, more of each kind for larger catalogues."""
    people, seen = [], set()
    wanted = max(40, size // 50)
    while len(people) < wanted:
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        initial = rng.choice("ABCDEFGIKLMNOPRSTVYZ") if len(people) > len(GIVEN) * len(FAMILY) // 4 else ""
        name = f"{given} {initial + '. ' if initial else ''}{family}"
        slug = slugify(name)
        if slug in seen:
            slug = f"{slug}-{len(people)}"
        seen.add(slug)
        born = rng.randint(1870, 1940)
        people.append(
            (slug, name, {"sort_name": f"{family}, {given}", "born": born, "died": born + rng.randint(35, 90)})
        )
    places = [(slugify(p), p, {}) for p in PLACES]
    places += [
        (slugify(f"{r} {p}"), f"{r} {p}", {}) for p in PLACES for r in REGIONS if len(places) < max(30, size // 3000)
    ][: max(0, min(300, size // 3000) - len(places))]
    events = []
    for n in range(max(10, min(2000, size // 500))):
        year = rng.randint(1917, 1991)
        start = date(year, rng.randint(1, 12), rng.randint(1, 28))
        name = f"{rng.choice(PLACES)} {rng.choice(EVENT_KINDS)}, {year}"
        events.append(
            (
                f"{slugify(name)}-{n}",
                name,
                {"start": start.isoformat(), "end": (start + timedelta(days=rng.randint(0, 20))).isoformat()},
            )
        )
    collections = [(slugify(f"{p} in the Cold War"), f"{p} in the Cold War", {}) for p in PLACES]
    collections += [(slugify(f"{t} files"), f"{t.capitalize()} files", {}) for t in TOPICS[:10]]
    languages = [(slugify(name), name, {}) for name in LANGUAGES]
    repositories = [(slugify(f"{p} {k}"), f"{p} {k}", {}) for p in PLACES[:8] for k in ARCHIVE_KINDS][
        : max(5, min(40, size // 25_000))
    ]
    return Vocabulary(people, places, events, collections, languages, repositories, *_later_kinds(size))


@dataclass
class Row:
    id: int
    title: str
    slug: str
    summary: str
    date: str
    date_start: date
    date_end: date
    language: int
    repository: int | None
    full_text: str
    status: str
    added: datetime
    people: list
    places: list
    events: list
    collections: list
    document_type: int = 0
    organisations: list | None = None
    topics: list | None = None


class Maker:
    """Draws documents one at a time; entity positions refer to the vocabulary's lists."""

    def __init__(self, vocab, seed, first_id, total):
        self.vocab, self.rng, self.first_id, self.total = vocab, random.Random(seed), first_id, total
        self.people_weights = zipf_weights(len(vocab.people))
        self.place_weights = zipf_weights(len(vocab.places))
        self.event_weights = zipf_weights(len(vocab.events), 0.8)
        self.collection_weights = zipf_weights(len(vocab.collections), 0.7)
        self.language_weights = zipf_weights(len(vocab.languages), 1.3)
        self.word_weights = zipf_weights(len(WORDS), 0.9)
        self.topic_weights = zipf_weights(len(TOPICS), 0.9)
        self.start = datetime(2015, 1, 1, tzinfo=UTC)
        self.later = random.Random(seed + 1)
        self.organisation_weights = zipf_weights(len(vocab.organisations), 0.9)
        # Documents are tagged with narrower topics (their broader ones find them through the hierarchy).
        self.narrower = [i for i, (_slug, _name, extra) in enumerate(vocab.topics) if "parent" in extra]
        self.topic_weights_narrower = zipf_weights(len(self.narrower), 0.8)

    def _distinct(self, weights, count):
        picks = set(self.rng.choices(range(len(weights)), cum_weights=weights, k=count))
        return sorted(picks)

    def _date(self):
        rng = self.rng
        year = min(1991, max(1917, int(rng.gauss(1958, 12))))
        roll = rng.random()
        if roll < 0.75:
            text = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        elif roll < 0.9:
            text = f"{year:04d}-{rng.randint(1, 12):02d}"
        else:
            text = f"{year:04d}"
        return PartialDate.parse(text), text

    def row(self, index):
        rng, vocab = self.rng, self.vocab
        pk = self.first_id + index
        people = self._distinct(self.people_weights, rng.choices(range(1, 9), weights=(8, 16, 20, 18, 14, 10, 8, 6))[0])
        places = self._distinct(self.place_weights, rng.choice((1, 1, 2, 2, 2, 3)))
        events = self._distinct(self.event_weights, rng.choice((0, 0, 1, 1, 1, 2)))
        collections = self._distinct(self.collection_weights, rng.choice((1, 1, 1, 2)))
        names = [vocab.people[i][1] for i in people]
        kind = rng.choice(DOCUMENT_KINDS)
        topic = TOPICS[rng.choices(range(len(TOPICS)), cum_weights=self.topic_weights)[0]]
        common = f" {COMMON_WORD}" if rng.random() < COMMON_SHARE else ""
        with_whom = f" between {names[0]} and {names[1]}" if len(names) > 1 else f" by {names[0]}"
        title = f"{kind}{with_whom} on {topic}{common}"
        words = rng.choices(WORDS, cum_weights=self.word_weights, k=TEXT_WORDS)
        for _ in range(3):
            words[rng.randrange(TEXT_WORDS)] = rng.choice(TOPICS)
        if rng.random() < RARE_SHARE:
            words[rng.randrange(TEXT_WORDS)] = RARE_WORD
        text = " ".join(words).capitalize() + "."
        summary = f"{names[0]} discusses {topic} with {vocab.places[places[0]][1]}."
        partial, date_text = self._date()
        roll = rng.random()
        status = "published" if roll < 0.97 else ("draft" if roll < 0.99 else "in_review")
        repository = None if rng.random() < 0.3 else rng.randrange(len(vocab.repositories))
        # Added in id order over ten years, so "recently added" is the newest ids.
        added = self.start + timedelta(seconds=int(index * 315_000_000 / max(self.total, 1)))
        return Row(
            id=pk,
            title=title,
            slug=f"{slugify(title)[:80].rstrip('-')}-{pk}",
            summary=summary,
            date=date_text,
            date_start=partial.start,
            date_end=partial.end,
            language=rng.choices(range(len(vocab.languages)), cum_weights=self.language_weights)[0],
            repository=repository,
            full_text=text,
            status=status,
            added=added,
            people=people,
            places=places,
            events=events,
            collections=collections,
            document_type=DOCUMENT_KINDS.index(kind),
            organisations=self._later(self.organisation_weights, (0, 0, 1, 1, 2)),
            topics=[self.narrower[i] for i in self._later(self.topic_weights_narrower, (0, 1, 1, 2))],
        )

    def _later(self, weights, counts):
        """Positions drawn from the later kinds' own stream."""
        count = self.later.choice(counts)
        return sorted(set(self.later.choices(range(len(weights)), cum_weights=weights, k=count))) if count else []
