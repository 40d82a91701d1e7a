"""The results timeline: a histogram of documents per year (per decade over long spans), drawn as SVG."""

from collections.abc import Callable
from dataclasses import dataclass

# Over more years than this, bars stand for decades.
MAX_YEARLY_BARS = 60
WIDTH, HEIGHT = 720, 120


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
        """The text alternative: what the chart shows, in one sentence."""
        if not self.bars:
            return ""
        busiest = max(self.bars, key=lambda bar: bar.count)
        return (
            f"{self.total} dated documents from {self.bars[0].first_year} to {self.bars[-1].last_year}, "
            f"by {self.unit}; the most, {busiest.count}, in {busiest.label}."
        )


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
    bars = []
    for index, (start, count) in enumerate(zip(starts, counts, strict=True)):
        height = round((HEIGHT - 4) * count / tallest, 1) if count else 0
        end = start + step - 1
        bars.append(
            Bar(
                label=f"{start}s" if unit == "decade" else str(start),
                first_year=start,
                last_year=end,
                count=count,
                x=round(index * slot + slot * 0.1, 1),
                y=round(HEIGHT - height, 1),
                width=round(max(slot * 0.8, 1), 1),
                height=height,
                url=url_for_years(start, end) if count else "",
            )
        )
    return Timeline(bars=bars, unit=unit, total=sum(counts))
