"""The characters no text in the catalogue may hold, refused at every door (the admin's forms and import).

C0 controls other than tab, line feed and carriage return, DEL and the C1 controls, and Unicode's
non-characters (U+FDD0 to U+FDEF and the last two code points of every plane). They are invisible, are
errors in HTML and illegal in XML (OAI-PMH), and PostgreSQL refuses NUL outright.
"""

import re

from django.core.exceptions import ValidationError

_PLANE_ENDS = "".join(f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
CONTROL_CHARACTERS = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef{_PLANE_ENDS}]")
# The same characters as UTF-8 bytes, to look for them in a page without decoding it first: C0 and DEL,
# C1 (C2 80 to C2 9F), U+FDD0 to U+FDEF (EF B7 90 to EF B7 AF), U+FFFE and U+FFFF (EF BF BE, EF BF BF) and the
# last two code points of planes 1 to 16 (F0 to F4, then 8F, 9F, AF or BF, then BF, then BE or BF). Every
# alternative begins with one byte written out, so that the search skips from one such byte to the next
# instead of trying each alternative at every byte of the page (every HTML page is searched on its way out).
_C0 = [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]
CONTROL_BYTES = re.compile(
    b"|".join(
        [
            *(re.escape(bytes([byte])) for byte in _C0),
            rb"\xc2[\x80-\x9f]",
            rb"\xef\xb7[\x90-\xaf]",
            rb"\xef\xbf[\xbe\xbf]",
            *(re.escape(bytes([first])) + rb"[\x8f\x9f\xaf\xbf]\xbf[\xbe\xbf]" for first in range(0xF0, 0xF5)),
        ]
    )
)


def control_character(text: str) -> str | None:
    """The first character of `text` that no text may hold, or None."""
    found = CONTROL_CHARACTERS.search(text)
    return found.group() if found else None


def describe(character: str) -> str:
    return f"the control character U+{ord(character):04X}, which no text may hold"


def refuse_control_characters(value: object) -> None:
    if isinstance(value, str) and (character := control_character(value)):
        raise ValidationError(f"This holds {describe(character)}: remove it and save again.", code="control")
