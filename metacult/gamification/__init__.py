"""Gamification: XP, levels, badges with rarity, streaks and weekly leagues, awarded live
by actors from other contexts' domain events (it never reads their tables).

What other contexts may use:

* ``setup(app)``: the endpoints (progress, badges, leagues, admin) and the export section;

Rules as data are in ``gamification.rules`` (XP, caps, levels, badges, streaks, leagues).
"""

from metacult.gamification.routes import setup

__all__ = ["setup"]
