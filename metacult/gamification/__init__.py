"""Gamification: XP, levels, badges with rarity, streaks and weekly leagues, awarded live
by actors from other contexts' domain events (it never reads their tables).

What other contexts may use:

* ``setup(app)``: the endpoints (progress, badges, leagues, admin) and the export section;
* ``user_level(conn, user_id)``: a user's level (marketing targets ads by it);

Rules as data are in ``gamification.rules`` (XP, caps, levels, badges, streaks, leagues).
"""

from metacult.gamification.routes import setup
from metacult.gamification.service import user_level

__all__ = ["setup", "user_level"]
