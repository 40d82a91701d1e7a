"""Partial dates: a year, a year and month, or a full day.

Archival dates are often known only to the month or the year ("September
1956"). A partial date is written in ISO 8601 with the precision known
(`1956`, `1956-09`, `1956-09-20`) and covers a span of days, from its first
day to its last; range searches compare spans, so "September 1956" overlaps
any range that touches September 1956.
"""

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date
from typing import Self

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.translation import gettext

DAY, MONTH, YEAR = "day", "month", "year"

_PATTERN = re.compile(r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$")

MONTH_NAMES = (
    "", "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Self:
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; raise ValidationError otherwise."""
        match = _PATTERN.match((text or "").strip())
        if not match:
            raise ValidationError(
                gettext("Enter a date as YYYY, YYYY-MM or YYYY-MM-DD (for example 1956, 1956-09 or 1956-09-20)."),
                code="invalid_date",
            )
        year_text, month_text, day_text = match.groups()
        year = int(year_text)
        month = int(month_text) if month_text else None
        day = int(day_text) if day_text else None
        if year < 1:
            raise ValidationError(gettext("The year must be 0001 or later."), code="invalid_date")
        if month is not None and not 1 <= month <= 12:
            raise ValidationError(
                gettext("%(date)s has no month %(month)s.") % {"date": text, "month": f"{month:02d}"},
                code="invalid_date",
            )
        if day is not None and month is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise ValidationError(
                gettext("%(date)s is not a day of the calendar.") % {"date": text}, code="invalid_date"
            )
        return cls(year, month, day)

    @property
    def precision(self) -> str:
        if self.day is not None:
            return DAY
        return MONTH if self.month is not None else YEAR

    @property
    def start(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    @property
    def end(self) -> date:
        if self.day is not None:
            return self.start
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    def isoformat(self) -> str:
        parts = [f"{self.year:04d}"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts)

    def display(self) -> str:
        """As an archive prints it: "September 20, 1956", "September 1956", "1956"."""
        if self.day is not None:
            return f"{MONTH_NAMES[self.month or 0]} {self.day}, {self.year}"
        if self.month is not None:
            return f"{MONTH_NAMES[self.month]} {self.year}"
        return str(self.year)

    def shown(self) -> str:
        """As the interface's language writes it: English as `display`; "20 сентября 1956 г.", "1956年9月20日"."""
        if (translation.get_language() or "en").startswith("en"):
            return self.display()
        if self.day is not None:
            return formats.date_format(date(self.year, self.month or 1, self.day), "DATE_FORMAT")
        if self.month is not None:
            return formats.date_format(date(self.year, self.month, 1), "YEAR_MONTH_FORMAT")
        return str(self.year)

    def __str__(self) -> str:
        return self.isoformat()


def shown_date(text: str) -> str:
    """`PartialDate.parse(text).shown()`, kept per language for the dates a process has shown: a page of results
    shows ten, and the same ones page after page."""
    return _shown(translation.get_language(), text)


@functools.lru_cache(maxsize=4096)
def _shown(language: str | None, text: str) -> str:
    return PartialDate.parse(text).shown()


def display_span(start: str, end: str, shown: bool = False) -> str:
    """A span of two partial ISO dates as words: "1945–1949", "January 30 – February 8, 1949" (`shown`: in
    the interface's language)."""
    if not start:
        return ""
    first = PartialDate.parse(start)
    words = PartialDate.shown if shown else PartialDate.display
    if not end or end == start:
        return words(first)
    last = PartialDate.parse(end)
    if first.precision == last.precision == YEAR:
        return f"{first.year}–{last.year}"
    return f"{words(first)} – {words(last)}"


def validate_partial_date(value: str) -> None:
    if value:
        PartialDate.parse(value)
