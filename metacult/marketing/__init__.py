"""Marketing: native ad campaigns in the feed's slots, paced, capped and tracked.

What other contexts may use:

* ``setup(app)``: the admin endpoints for campaigns and reports, the click link
  ``/c/{token}``, and the filler of discovery's ``native_ad`` slots;
* ``record_events(db, redis, settings)``: one batch of the ad event stream (impressions
  and billed clicks, emitted by the requests) written to PostgreSQL with the spend;
* ``publish_dashboard(db, redis, settings)``: the live ad counters on ``admin:dashboard``
  (``{"type": "marketing.stats", ...}``), and ``live_stats`` (the same figures) for the
  admin dashboard's ``admin.stats`` (its ``ads`` field).

It reads catalog (taxonomy, titles) and discovery (its slots, the user's dismissals)
through their public surfaces. Rules (pacing, targeting, caps, the click token) are pure,
in ``marketing.rules``.
"""

from metacult.marketing.routes import setup
from metacult.marketing.service import live_stats, publish_dashboard, record_events

__all__ = ["live_stats", "publish_dashboard", "record_events", "setup"]
