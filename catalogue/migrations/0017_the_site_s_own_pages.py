"""The three pages of the site's own words, as first written; staff reword them in the admin."""

from django.db import migrations

ABOUT = """This catalogue gathers primary sources of the twentieth century's international history: records of \
conversations, telegrams, minutes, letters and reports from the archives that hold them, each described with \
its date, its people, places, organisations, events and topics, where it is held and who made it available.

Every record can be searched, filtered, read and cited, and its data taken away: as CSV or JSON from any \
search, as BibTeX, RIS or CSL-JSON for reference managers, by [OAI-PMH](/oai/?verb=Identify) for harvesters and \
through [the API](/api/) for scripts.

Where a fact is not known, the record leaves it blank rather than guess.
"""

SEARCH = """## Words and phrases

- [Khrushchev](/documents/?q=Khrushchev) finds documents with the word, in any form English stems alike \
([conversations](/documents/?q=conversations) finds "Conversation").
- [Mao Yudin](/documents/?q=Mao+Yudin): every word must be there.
- ["secret speech"](/documents/?q=%22secret+speech%22): the words together, in this order.
- [Beria or Yudin](/documents/?q=Beria+or+Yudin): either word.
- [Mao -Stalin](/documents/?q=Mao+-Stalin): Mao but not Stalin.

Names are found by their other names and spellings too: [Chen Shaoyu](/documents/?q=Chen+Shaoyu) and \
[王明](/documents/?q=%E7%8E%8B%E6%98%8E) find Wang Ming, [Kuomintang](/documents/?q=Kuomintang) the \
Guomindang. A search that finds nothing offers the names it is most like \
([Krushchev](/documents/?q=Krushchev)).

## In one part of a record

- [title:minutes](/documents/?q=title%3Aminutes): in the title alone; `summary:` and `text:` likewise.
- [person:"Zhou Enlai"](/documents/?q=person%3A%22Zhou+Enlai%22): documents tagged with him; \
`place:`, `organisation:`, `event:`, `topic:`, `type:`, `language:`, `archive:` and `collection:` likewise, \
by name, another name or the address's last part.
- [topic:"China -- Foreign relations"](/documents/?q=topic%3A%22China+--+Foreign+relations%22): a broader \
topic finds the documents of its narrower topics too.

## Filters

Beside the results, each facet narrows them. Choosing two values asks for documents with both; "any of these" \
asks for either: [documents in Russian or Chinese](/documents/?language=russian&language=chinese&language_op=any). \
Dates narrow to a year, a month or a day, or a range: \
[1956 to 1957](/documents/?date_from=1956&date_to=1957).

The [advanced search](/search/) has a box for each of these.
"""

CITE = """Every record has a **Cite this document** box with a Chicago note and an MLA entry, and files for \
reference managers: BibTeX, RIS and CSL-JSON (Zotero, EndNote, Mendeley, pandoc and citation-js read them). \
Zotero also picks up a record from its page by itself.

A citation names the record by its **record number** and its permanent address; the address \
`/documents/id/` followed by the number always leads to the record, whatever becomes of its title. Please \
cite the original's archive and its place in it as the record gives them, and the catalogue as where you \
found it.
"""


def create(apps, schema_editor):
    Page = apps.get_model("catalogue", "Page")
    for slug, title, body in (
        ("about", "About this catalogue", ABOUT),
        ("how-to-search", "How to search", SEARCH),
        ("how-to-cite", "How to cite", CITE),
    ):
        Page.objects.get_or_create(slug=slug, defaults={"title": title, "body": body})


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0016_rights_and_pages")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
