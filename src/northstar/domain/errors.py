"""Northstar's own exceptions. The core raises these; the CLI and web adapters translate them."""

from __future__ import annotations


class NorthstarError(Exception):
    """Base of every error Northstar raises on purpose."""


class InvalidInput(NorthstarError):
    """Input that breaks a rule: names the ``field`` and the ``reason``.

    ``index`` is the position of the offending item in a batch (0-based) or a file's line number
    (1-based) when there is one.
    """

    def __init__(self, field: str, reason: str, index: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.index = index
        where = f" (item {index})" if index is not None else ""
        super().__init__(f"{field}: {reason}{where}")

    def as_dict(self) -> dict[str, object]:
        """``{"field", "reason"}`` plus ``"index"`` when known: the shape the API answers with."""
        out: dict[str, object] = {"field": self.field, "reason": self.reason}
        if self.index is not None:
            out["index"] = self.index
        return out


class UnknownMetric(NorthstarError):
    """A metric name that the registry does not hold."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"unknown metric {name!r}")


class StoreError(NorthstarError):
    """The store could not do what was asked (connection, migration, a failed transaction)."""
