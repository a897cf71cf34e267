"""Glicko-2 (Glickman, "Example of the Glicko-2 system"), pure: no I/O, no clock.

Every duel vote is one game between two titles, played as its own rating period:
both titles are updated from their ratings before the game. Parameters follow
lichess: start at 1500 / RD 350, τ 0.75, RD never below 45, provisional while RD > 110.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

SCALE = 173.7178
START_RATING = 1500.0
START_RD = 350.0
START_VOLATILITY = 0.06
TAU = 0.75
RD_FLOOR = 45.0
RD_CEILING = 350.0
PROVISIONAL_RD = 110.0
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Rating:
    """A title's (or a player's) rating, rating deviation and volatility, Glicko-1 scale."""

    rating: float = START_RATING
    rd: float = START_RD
    volatility: float = START_VOLATILITY

    @property
    def provisional(self) -> bool:
        return self.rd > PROVISIONAL_RD


@dataclass(frozen=True, slots=True)
class Game:
    """One result against an opponent: ``score`` is 1 (win), 0.5 (draw) or 0 (loss)."""

    opponent: Rating
    score: float


def _g(phi: float) -> float:
    return 1.0 / math.sqrt(1.0 + 3.0 * phi * phi / (math.pi * math.pi))


def _expected(mu: float, mu_j: float, phi_j: float) -> float:
    return 1.0 / (1.0 + math.exp(-_g(phi_j) * (mu - mu_j)))


def expected_score(a: Rating, b: Rating) -> float:
    """The probability that ``a`` beats ``b``, counting both uncertainties."""
    mu_a, mu_b = (a.rating - START_RATING) / SCALE, (b.rating - START_RATING) / SCALE
    phi = math.sqrt((a.rd / SCALE) ** 2 + (b.rd / SCALE) ** 2)
    return 1.0 / (1.0 + math.exp(-_g(phi) * (mu_a - mu_b)))


def _new_volatility(sigma: float, phi: float, v: float, delta: float, tau: float) -> float:
    """Step 5 of the paper: the Illinois algorithm on f(x) = 0."""
    a = math.log(sigma * sigma)

    def f(x: float) -> float:
        ex = math.exp(x)
        num = ex * (delta * delta - phi * phi - v - ex)
        den = 2.0 * (phi * phi + v + ex) ** 2
        return num / den - (x - a) / (tau * tau)

    big_a = a
    if delta * delta > phi * phi + v:
        big_b = math.log(delta * delta - phi * phi - v)
    else:
        k = 1
        while f(a - k * tau) < 0:
            k += 1
        big_b = a - k * tau
    f_a, f_b = f(big_a), f(big_b)
    while abs(big_b - big_a) > _EPSILON:
        big_c = big_a + (big_a - big_b) * f_a / (f_b - f_a)
        f_c = f(big_c)
        if f_c * f_b <= 0:
            big_a, f_a = big_b, f_b
        else:
            f_a /= 2.0
        big_b, f_b = big_c, f_c
    return math.exp(big_a / 2.0)


def rate(
    player: Rating,
    games: Sequence[Game],
    *,
    tau: float = TAU,
    rd_floor: float = RD_FLOOR,
    rd_ceiling: float = RD_CEILING,
) -> Rating:
    """The player's rating after one rating period with ``games`` (none: RD grows)."""
    mu = (player.rating - START_RATING) / SCALE
    phi = player.rd / SCALE
    sigma = player.volatility
    if not games:
        phi_star = math.sqrt(phi * phi + sigma * sigma)
        return Rating(player.rating, _clamp(phi_star * SCALE, rd_floor, rd_ceiling), sigma)
    v_inverse = 0.0
    improvement = 0.0
    for game in games:
        mu_j = (game.opponent.rating - START_RATING) / SCALE
        phi_j = game.opponent.rd / SCALE
        g = _g(phi_j)
        e = _expected(mu, mu_j, phi_j)
        v_inverse += g * g * e * (1.0 - e)
        improvement += g * (game.score - e)
    v = 1.0 / v_inverse
    delta = v * improvement
    new_sigma = _new_volatility(sigma, phi, v, delta, tau)
    phi_star = math.sqrt(phi * phi + new_sigma * new_sigma)
    new_phi = 1.0 / math.sqrt(1.0 / (phi_star * phi_star) + 1.0 / v)
    new_mu = mu + new_phi * new_phi * improvement
    return Rating(
        rating=new_mu * SCALE + START_RATING,
        rd=_clamp(new_phi * SCALE, rd_floor, rd_ceiling),
        volatility=new_sigma,
    )


def play(winner: Rating, loser: Rating, *, tau: float = TAU) -> tuple[Rating, Rating]:
    """Both ratings after ``winner`` beat ``loser`` (one game, its own rating period)."""
    return (
        rate(winner, [Game(loser, 1.0)], tau=tau),
        rate(loser, [Game(winner, 0.0)], tau=tau),
    )


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
