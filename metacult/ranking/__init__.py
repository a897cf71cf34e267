"""Ranking: duels, Glicko-2 ratings, live leaderboards, personal rankings.

What other contexts may use:

* ``await media_rating(conn, media_id)``: a title's global rating for its page
  (rating ± 2·RD as ``low`` / ``high``, ``provisional``, games, wins, losses);
* ``await votes_per_minute(conn) -> int``: votes cast in the last minute (the dashboard);
* the domain event ``VOTE_CAST`` (``ranking.vote_cast``, declared in ``ranking.events``;
  payload: duel_id, user_id, kind, a_id, b_id, outcome, winner_id, loser_id, cast_at);
* ``setup(app)`` wires the endpoints and the websocket action ``duel.vote``.
"""

from metacult.ranking.events import VOTE_CAST
from metacult.ranking.routes import setup
from metacult.ranking.service import MediaRating, media_rating, votes_per_minute

__all__ = ["VOTE_CAST", "MediaRating", "media_rating", "setup", "votes_per_minute"]
