"""Pages: what shows several contexts' data at once, composed above them.

A title's page (catalogue facts, community counters, the viewer's own marks, the duel
rating) and the browse pages (titles with their counters) read each context through its
public surface. Nothing imports this package but the application; later sections of a
title's page (offers, similar titles) are added here, from their contexts' surfaces.

* ``setup(app)``: ``GET /api/v1/media``, ``/api/v1/media/{id}``, ``/api/v1/media/by-slug/{slug}``.
"""

from metacult.pages.routes import setup

__all__ = ["setup"]
