"""The store: schema, migrations and one module per backend behind the :class:`Store` protocol.

Only this package knows which backend is in use (DESIGN.md, "Rules of the house").
"""

from northstar.store.base import Store, WriteResult
from northstar.store.factory import open_store

__all__ = ["Store", "WriteResult", "open_store"]
