"""Brings the interface's catalogues up to date: gathers every marked string (makemessages), writes in the
words of `locale/translations.py`, and compiles them (compilemessages). `make translations` runs it.

A string with no words written for it is reported and left untranslated (the page shows it in English);
`tests/test_languages.py` fails until every one has them.
"""

import importlib.util

import polib
from django.conf import settings
from django.core.management import BaseCommand, call_command
from django.utils.translation import to_locale

LOCALE = settings.BASE_DIR / "locale"


def written_words():
    spec = importlib.util.spec_from_file_location("translations", LOCALE / "translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Command(BaseCommand):
    help = "Gather, translate (from locale/translations.py) and compile the interface's strings."

    def handle(self, *args, **options):
        languages = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        locales = [to_locale(code) for code in languages]
        call_command("makemessages", locale=locales, ignore_patterns=[".venv/*", "node_modules/*", "tests/*"],
                     no_location=True, no_obsolete=True, verbosity=0)  # fmt: skip
        words = written_words()
        missing = 0
        for locale in locales:
            table = getattr(words, locale.upper().replace("-", "_"))
            catalogue = polib.pofile(str(LOCALE / locale / "LC_MESSAGES" / "django.po"), wrapwidth=0)
            for entry in catalogue:
                written = table.get((entry.msgctxt, entry.msgid) if entry.msgctxt else entry.msgid)
                if written is None:
                    missing += 1
                    self.stderr.write(f"{locale}: no words for {entry.msgid!r}")
                    continue
                if entry.msgid_plural:
                    forms = written if isinstance(written, list) else [written]
                    entry.msgstr_plural = dict(enumerate(forms))
                else:
                    entry.msgstr = written
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            catalogue.save()
        call_command("compilemessages", locale=locales, ignore_patterns=[".venv/*", "node_modules/*"], verbosity=0)
        self.stdout.write(f"Translated {', '.join(locales)}; {missing} string(s) without words.")
