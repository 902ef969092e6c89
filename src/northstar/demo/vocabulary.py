"""What the demo's events are called: one :class:`EventKind` per distinct message, with its
Segment type, name, category and properties. Feature events take their names and categories from
``config.DEFAULT_FEATURES`` so the adoption metrics find them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from northstar.config import DEFAULT_FEATURES

FEATURES = tuple(DEFAULT_FEATURES)
FEATURE_OF_EVENT = {event: feature for feature, events in DEFAULT_FEATURES.items() for event in events}


@dataclass(frozen=True, slots=True)
class EventKind:
    """One kind of message: ``type`` (``track``/``page``/``identify``), ``event`` (track name),
    ``name`` (page name), ``category`` and ``properties`` (JSON text or ``None``)."""

    type: str
    event: str | None = None
    name: str | None = None
    category: str | None = None
    properties: str | None = None


def _track(event: str, category: str = "engagement") -> EventKind:
    return EventKind("track", event=event, category=FEATURE_OF_EVENT.get(event, category))


def _page(name: str, path: str) -> EventKind:
    return EventKind("page", name=name, category="page", properties=f'{{"path":"{path}"}}')


KINDS: tuple[EventKind, ...] = (
    EventKind("identify", category="identity"),
    _track("Signed Up", "onboarding"),
    _track("Client Imported", "onboarding"),
    _track("Invitation Sent", "viral"),
    _track("Invitation Accepted", "viral"),
    _track("Subscription Started", "billing"),
    _track("Plan Changed", "billing"),
    _track("Subscription Canceled", "billing"),
    _track("Email Delivered", "email"),
    *(_track(event) for events in DEFAULT_FEATURES.values() for event in events),
    _track("Client Updated"), _track("Message Sent"), _track("Timeline Updated"), _track("Document Shared"),
    _track("Invoice Sent"), _track("Guest List Updated"), _track("Timeline Viewed"), _track("Supplier Viewed"),
    _page("Dashboard", "/dashboard"), _page("Clients", "/clients"), _page("Forms", "/forms"),
    _page("Journeys", "/journeys"), _page("Templates", "/templates"), _page("Messages", "/messages"),
    _page("Billing", "/billing"), _page("Settings", "/settings"), _page("Wedding", "/wedding"),
    _page("Timeline", "/timeline"), _page("Suppliers", "/suppliers"), _page("Guests", "/guests"),
)


def code(label: str) -> int:
    """The index in ``KINDS`` of the track event or page named ``label`` (``"identify"`` for the
    identify call); raises ``KeyError`` when there is none."""
    for index, kind in enumerate(KINDS):
        if label in (kind.event, kind.name) or (label == "identify" and kind.type == "identify"):
            return index
    raise KeyError(label)


def codes(weights: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, probabilities)`` for drawing among the named kinds with the given weights."""
    labels = list(weights)
    probabilities = np.array([weights[label] for label in labels], dtype=np.float64)
    return np.array([code(label) for label in labels], dtype=np.int64), probabilities / probabilities.sum()


FEATURE_OF_CODE = np.array([FEATURES.index(FEATURE_OF_EVENT[kind.event]) if kind.event in FEATURE_OF_EVENT else -1
                            for kind in KINDS], dtype=np.int64)
SUPPLIER_PAGES = codes({"Dashboard": 30, "Clients": 20, "Forms": 15, "Journeys": 8, "Templates": 5, "Messages": 12,
                        "Billing": 3, "Settings": 4})
COUPLE_PAGES = codes({"Wedding": 30, "Forms": 20, "Timeline": 15, "Suppliers": 15, "Guests": 12, "Messages": 10})
SUPPLIER_TRACKS = codes({"Form Created": 10, "Journey Created": 5, "Journey Published": 3, "AI Suggestion Used": 6,
                         "AI Content Generated": 4, "Template Purchased": 1, "Client Updated": 20,
                         "Message Sent": 25, "Timeline Updated": 12, "Document Shared": 8, "Invoice Sent": 6})
COUPLE_TRACKS = codes({"Form Completed": 12, "Form Submitted": 8, "AI Suggestion Used": 4, "AI Content Generated": 2,
                       "Message Sent": 30, "Guest List Updated": 20, "Timeline Viewed": 15, "Supplier Viewed": 10})
SUPPLIER_FALLBACK = code("Client Updated")
COUPLE_FALLBACK = code("Message Sent")
TEMPLATE_PURCHASED = code("Template Purchased")
TEMPLATE_PRICES = np.array([900, 1500, 2900, 4900], dtype=np.int64)
