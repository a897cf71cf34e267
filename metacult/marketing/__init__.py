"""Marketing: native ad campaigns in the feed's slots, paced, capped and tracked.

What other contexts may use:

* ``setup(app)``: the admin endpoints for campaigns and reports, the click link
  ``/c/{token}``, and the filler of discovery's ``native_ad`` slots.

It reads catalog (taxonomy, titles) and discovery (its slots, the user's dismissals)
through their public surfaces. Rules (pacing, targeting, caps, the click token) are pure,
in ``marketing.rules``.
"""

from metacult.marketing.routes import setup

__all__ = ["setup"]
