"""Ranking: duels, Glicko-2 ratings, live leaderboards, personal rankings."""
