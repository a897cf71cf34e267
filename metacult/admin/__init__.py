"""Admin: the live dashboard, composed above the contexts that own its figures.

Each figure comes from its owner's public surface: realtime's per-node live figures,
ranking's votes per minute, interaction's signals per second, identity's sign-ups today,
and the Dramatiq broker's queues and heartbeats (``infra.queues``). The back-office's
other endpoints live with the data they change (identity's users, interaction's reviews,
catalog's imports, ranking's audit). Nothing imports this package but the application.

* ``setup(app)``: ``GET /api/v1/admin/dashboard`` and the publisher of ``admin.stats`` on
  ``admin:dashboard`` (every second while an administrator watches, from one node).
"""

from metacult.admin.routes import setup

__all__ = ["setup"]
