"""Commerce: offers of titles from the stores and TMDB's watch providers, price history,
affiliate redirects and price-drop alerts.

What other contexts may use:

* ``await offers_of(conn, media_id) -> (offers, best_offer_id)``: a title's offers,
  cheapest first (a 404 when there is no such title);
* ``await sync_offers(db, redis, settings, media_ids=None) -> SyncReport`` (the actors'
  use case);
* the notification kinds ``PRICE_DROP`` (``commerce.price_drop``) and ``AVAILABLE``
  (``commerce.available``: a wanted title newly available on a service the user chose);
* ``setup(app)``: registers the HTTP endpoints.
"""

from __future__ import annotations

from metacult.commerce.notices import AVAILABLE, PRICE_DROP
from metacult.commerce.routes import setup
from metacult.commerce.service import SyncReport, offers_of, record_clicks, sync_offers

__all__ = [
    "AVAILABLE",
    "PRICE_DROP",
    "SyncReport",
    "offers_of",
    "record_clicks",
    "setup",
    "sync_offers",
]
