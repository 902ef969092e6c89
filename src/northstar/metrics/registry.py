"""The metric catalog: every metric declared once, as data (DESIGN.md, house practice 1).

A :class:`MetricSpec` says what a metric is (name, label, unit, direction, kind, window, the
dimensions it can be split by, its definition and where that definition comes from); a
:class:`Metric` pairs it with the function that computes it. The :class:`Registry` is validated
as a whole when it is built, and every consumer (API, pages, alerts, exports, docs) learns about
metrics from it only. Targets and zones are not part of a spec: they come from
``settings.targets`` when a result is made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from northstar.domain.errors import UnknownMetric

if TYPE_CHECKING:
    from northstar.domain.time import Window
    from northstar.metrics.context import MetricContext
    from northstar.metrics.results import Measurement

Unit = Literal["money", "rate", "count", "duration", "ratio", "score"]
Direction = Literal["higher", "lower"]
Family = Literal[
    "revenue", "users", "engagement", "viral", "retention", "onboarding", "coordination", "support", "performance",
]
Kind = Literal["simple", "ratio", "derived", "cumulative", "cohort"]
DurationUnit = Literal["ms", "seconds", "minutes", "hours", "days", "months"]
# Which reporting days a value covers: the state at the end of D, D alone, the 7 or 30 days
# ending D whatever the timeframe, the requested timeframe ending D, or the latest calendar month
# complete at the end of D (whose previous period is the month before).
Grain = Literal["end_of_day", "day", "7d", "30d", "timeframe", "month"]

# Dimensions a metric can be split or filtered by. ``user_traits`` stands for every trait named in
# ``settings.user_dimensions`` (plan, acquisition source, country, device by default).
USER_DIMENSIONS: tuple[str, ...] = ("user_type", "user_traits")

MetricFunction = Callable[["MetricContext"], "Measurement"]
# A family's own split of a metric on the context's day: dimension → {dimension value → measurement}.
BreakdownFunction = Callable[["MetricContext", str], "dict[str, Measurement]"]
# The metric on many reporting days at once (ascending, distinct), each over a window as long as the
# context's ending on that day: day → measurement, equal to ``compute(ctx.at(day))`` for every day.
DaysFunction = Callable[["MetricContext", Sequence[date]], "dict[date, Measurement]"]
# The metric over many windows at once, each computed on its last day: window → measurement, equal
# to ``compute(ctx.over(window))`` for every window.
WindowsFunction = Callable[["MetricContext", Sequence["Window"]], "dict[Window, Measurement]"]


class MetricSpec(BaseModel):
    """One metric's metadata. ``name`` is the METRICS.md name; ``source`` cites the section that
    defines it; ``requires`` names the store tables without which the family has no data (the
    result is then ``no_data`` with a hint of what to import, never 0); ``reads`` names the other
    tables it reads, besides ``users`` and ``user_aliases`` that any metric may read (filters,
    aliases): the snapshot recomputes and serves a metric according to changes of exactly those."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str = Field(min_length=1)
    description: str = Field(min_length=1)
    unit: Unit
    duration_unit: DurationUnit | None = None
    direction: Direction
    family: Family
    kind: Kind
    grain: Grain
    dimensions: tuple[str, ...] = ()
    definition: str = Field(min_length=1)
    source: str = Field(min_length=1)
    benchmark: str | None = None
    requires: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    # Values of consecutive windows add up to the value of their union (counts of things dated in
    # the window, e.g. new_signups, invitations_sent); only timeframe-grain metrics can be additive.
    additive: bool = False

    @model_validator(mode="after")
    def _duration_has_unit(self) -> MetricSpec:
        if (self.unit == "duration") != (self.duration_unit is not None):
            raise ValueError(f"metric {self.name!r}: duration_unit is required for, and only for, unit 'duration'")
        if self.additive and self.grain != "timeframe":
            raise ValueError(f"metric {self.name!r}: only a timeframe-grain metric can be additive")
        return self


@dataclass(frozen=True, slots=True)
class Metric:
    """A catalog entry: the spec, the function ``compute(ctx) -> Measurement`` and, optionally,
    ``breakdown(ctx, dimension) -> {value: Measurement}``: the family's own split of the metric by
    a dimension the users table does not carry (e.g. MRR by subscription plan), which series use
    instead of filtering users when present; and ``compute_days(ctx, days) -> {day: Measurement}``:
    the same values as ``compute(ctx.at(day))`` for many days in a few grouped queries, which the
    snapshot refresh and daily series use when present; and ``compute_windows(ctx, windows) ->
    {window: Measurement}``: the same for windows of any lengths (weekly and monthly series points)."""

    spec: MetricSpec
    compute: MetricFunction
    breakdown: BreakdownFunction | None = None
    compute_days: DaysFunction | None = None
    compute_windows: WindowsFunction | None = None


class RegistryError(ValueError):
    """The catalog breaks a rule; the message names every offending metric."""


class Registry:
    """The validated catalog, in declaration order.

    Built from :class:`Metric` entries; raises :class:`RegistryError` naming the metrics when a
    name is declared twice, an entry has no callable compute function, or a metric requires a
    table the store does not declare.
    """

    def __init__(self, entries: Iterable[Metric], known_tables: Iterable[str]) -> None:
        listed = list(entries)
        tables = set(known_tables)
        problems: list[str] = []
        seen: set[str] = set()
        for entry in listed:
            name = entry.spec.name
            if name in seen:
                problems.append(f"{name}: declared more than once")
            seen.add(name)
            if not callable(entry.compute):
                problems.append(f"{name}: has no compute function")
            problems.extend(f"{name}: requires or reads unknown table {table!r}"
                            for table in (*entry.spec.requires, *entry.spec.reads) if table not in tables)
        if problems:
            raise RegistryError("invalid metric catalog: " + "; ".join(problems))
        self._entries = {entry.spec.name: entry for entry in listed}

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def get(self, name: str) -> Metric:
        """The entry called ``name``; raises :class:`UnknownMetric` when there is none."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownMetric(name) from None

    def spec(self, name: str) -> MetricSpec:
        """The spec of ``name``; raises :class:`UnknownMetric` when there is none."""
        return self.get(name).spec

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)
