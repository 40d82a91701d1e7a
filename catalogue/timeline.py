"""The results timeline: a histogram of documents per year (per decade over long spans), drawn as SVG."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Over more years than this, bars stand for decades.
MAX_YEARLY_BARS = 60
WIDTH, HEIGHT = 720, 120
# A bar is never wider than this: one year's documents are a bar, not a block filling the chart.
WIDEST_BAR = 40


@dataclass
class Bar:
    label: str
    first_year: int
    last_year: int
    count: int
    x: float
    y: float
    width: float
    height: float
    url: str = ""


@dataclass
class Timeline:
    bars: list
    unit: str  # "year" or "decade"
    total: int
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def summary(self) -> str:
        """The text alternative: what the chart shows, in one sentence, as a person would write it."""
        if not self.bars:
            return ""
        first, last = self.bars[0], self.bars[-1]
        counted = ngettext("%(n)s dated document", "%(n)s dated documents", self.total) % {"n": self.total}
        if len(self.bars) == 1:
            return _("%(counted)s, from %(span)s.") % {"counted": counted, "span": first.label}
        most = max(bar.count for bar in self.bars)
        busiest = [bar.label for bar in self.bars if bar.count == most]
        yearly = self.unit == "year"
        if len(busiest) > 3:
            peak = (_("at most %(n)s in any year") if yearly else _("at most %(n)s in any decade")) % {"n": most}
        else:
            peak = _("the most, %(n)s, in %(when)s") % {"n": most, "when": get_text_list(busiest, _("and"))}
        sentence = (
            _("%(counted)s from %(first)s to %(last)s, by year; %(peak)s.")
            if yearly
            else _("%(counted)s from %(first)s to %(last)s, by decade; %(peak)s.")
        )
        return sentence % {"counted": counted, "first": first.first_year, "last": last.last_year, "peak": peak}

    @cached_property
    def words(self) -> dict[str, str]:
        """The unit's words for the caption, the table and its column, in the interface's language."""
        if self.unit == "year":
            return {"caption": _("Documents by year"), "table": _("Counts by year"), "column": _("Year")}
        return {"caption": _("Documents by decade"), "table": _("Counts by decade"), "column": _("Decade")}

    def ticks(self, most: int = 6) -> list[tuple[str, float]]:
        """[(label, centre as a percentage of the width)]: at most `most` labelled bars, at round years."""
        if not self.bars:
            return []
        years_a_bar = self.bars[0].last_year - self.bars[0].first_year + 1
        every = next(
            step for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
            if len(self.bars) / step <= most or step == 1000
        )  # fmt: skip
        labelled = [bar for bar in self.bars if (bar.first_year // years_a_bar) % every == 0]
        return [(bar.label, round((bar.x + bar.width / 2) * 100 / self.width, 2)) for bar in labelled]


def build(year_counts: dict[int, int], url_for_years: Callable[[int, int], str]) -> Timeline | None:
    """A Timeline from {year: count}; `url_for_years(first, last)` makes each bar's link."""
    if not year_counts:
        return None
    first, last = min(year_counts), max(year_counts)
    if last - first + 1 > MAX_YEARLY_BARS:
        unit, step = "decade", 10
        first, last = first - first % 10, last - last % 10
    else:
        unit, step = "year", 1
    starts = range(first, last + 1, step)
    counts = [sum(year_counts.get(year, 0) for year in range(start, start + step)) for start in starts]
    tallest = max(counts)
    slot = WIDTH / len(counts)
    width = round(min(max(slot * 0.8, 1), WIDEST_BAR), 1)
    decade = _("%(decade)ss")
    bars = []
    for index, (start, count) in enumerate(zip(starts, counts, strict=True)):
        height = round((HEIGHT - 4) * count / tallest, 1) if count else 0
        end = start + step - 1
        bars.append(
            Bar(
                label=decade % {"decade": start} if unit == "decade" else str(start),
                first_year=start,
                last_year=end,
                count=count,
                x=round(index * slot + (slot - width) / 2, 1),
                y=round(HEIGHT - height, 1),
                width=width,
                height=height,
                url=url_for_years(start, end) if count else "",
            )
        )
    return Timeline(bars=bars, unit=unit, total=sum(counts))
