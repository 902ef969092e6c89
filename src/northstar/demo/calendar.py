"""The demo's timeline: ``months`` calendar months ending at the start of ``end_day``.

Instants are naive UTC; inside the generator they travel as ``int64`` microseconds since the Unix
epoch (the unit of ``pyarrow.timestamp("us")``), so whole populations are shifted and compared
with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from northstar.domain.errors import InvalidInput
from northstar.domain.time import add_months

EPOCH = datetime(1970, 1, 1)
US_PER_MILLISECOND = 1_000
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
NEVER = np.iinfo(np.int64).max


def to_us(instant: datetime) -> int:
    """A naive-UTC ``datetime`` as integer microseconds since the epoch."""
    return (instant - EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Timeline:
    """The months ``[start, end)`` the demo covers: month ``i`` is ``[boundaries[i], boundaries[i+1])``
    and the last boundary is midnight UTC of ``end_day`` (the data ends "today").

    Raises :class:`InvalidInput` (field ``months``) when ``months`` is not positive.
    """

    end_day: date
    months: int

    def __post_init__(self) -> None:
        if self.months < 1:
            raise InvalidInput("months", f"must be at least 1, got {self.months}")

    @property
    def boundaries(self) -> tuple[datetime, ...]:
        """The ``months + 1`` month boundaries, oldest first, as naive-UTC datetimes."""
        return tuple(
            datetime.combine(add_months(self.end_day, index - self.months), time())
            for index in range(self.months + 1)
        )

    @property
    def boundaries_us(self) -> np.ndarray:
        """The month boundaries as an ``int64[months + 1]`` array of microseconds."""
        return np.array([to_us(boundary) for boundary in self.boundaries], dtype=np.int64)

    @property
    def start_us(self) -> int:
        return int(self.boundaries_us[0])

    @property
    def end_us(self) -> int:
        return int(self.boundaries_us[-1])

    @property
    def days(self) -> int:
        """Number of calendar days covered."""
        return (self.end_us - self.start_us) // US_PER_DAY

    def month_of(self, micros: np.ndarray) -> np.ndarray:
        """The month index (``0 .. months-1``) of each instant in ``micros`` (``int64[n]``);
        instants outside ``[start, end)`` give ``-1`` or ``months``."""
        return np.searchsorted(self.boundaries_us, micros, side="right") - 1

    def growth_weights(self, monthly_growth: float) -> np.ndarray:
        """``float64[months]`` shares summing to 1 that grow by ``monthly_growth`` (0.1 = 10 %) a
        month, weighted by each month's length in days."""
        lengths = np.diff(self.boundaries_us) / US_PER_DAY
        weights = lengths * (1.0 + monthly_growth) ** np.arange(self.months)
        return weights / weights.sum()
