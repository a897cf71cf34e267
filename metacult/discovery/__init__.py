"""Discovery: neighbours computed by workers, trending, the personal live feed, similar
titles, stats and year in review.

What other contexts may use:

* ``FEED_SLOTS`` (``discovery.scoring``): the positions of a feed page left for marketing's
  native ads and commerce's offers; every feed reply lists its ``slots``;
* ``SLOT_FILLERS``, ``SlotRequest``, ``SlotContent`` (``discovery.slots``): a context fills
  the slots of a kind by registering a filler at setup (marketing's native ads);
* the domain event ``DISMISSED`` (``discovery.dismissed``: a title a user is not interested in);
* ``setup(app)`` registers the endpoints.

It reads catalog, identity and interaction through their public surfaces, and keeps its
own evidence and follow graph from their events (``workers/discovery.py``).
"""

from metacult.discovery.events import DISMISSED
from metacult.discovery.routes import setup
from metacult.discovery.scoring import FEED_SLOTS
from metacult.discovery.slots import SLOT_FILLERS, SlotContent, SlotFiller, SlotRequest

__all__ = [
    "DISMISSED",
    "FEED_SLOTS",
    "SLOT_FILLERS",
    "SlotContent",
    "SlotFiller",
    "SlotRequest",
    "setup",
]
