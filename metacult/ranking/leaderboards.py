"""Leaderboards in Redis sorted sets, rebuilt from PostgreSQL, and their coalesced rank moves.

A board is ordered by each title's standing, its conservative rating ``rating − 2·RD``:
the rating it has at least, with 97.5% confidence. A title with one lucky win (RD near
300) stands far below a title that earned a lower rating over many games, so an
uncertain title cannot lead.

Keys (all through ``rkey``):

* ``leaderboard:{scope}``: a sorted set, member the media id, score its standing;
* ``leaderboard:games``: a hash media id → games played, the version that the board holds,
  so that an older update arriving late never overwrites a newer one;
* ``leaderboard:scopes``: the set of scope names, ``leaderboard:built``: set once rebuilt;
* ``leaderboard:pending:{scope}``, ``...:gate:{scope}``, ``...:scheduled:{scope}``: rank moves
  waiting to be published, at most one message per ``leaderboard_flush_ms`` per scope;
  ``leaderboard:held``: a sorted set, member the scope, score when its oldest pending move
  was queued (so that moves whose flusher died with its worker are found and published).
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from metacult.config import Settings
from metacult.infra.redis import rkey

SCOPE = re.compile(
    r"^(global|kind:(game|film|series)|genre:[a-z0-9-]{1,60}|platform:[a-z0-9-]{1,60})$"
)


def scopes_of(kind: str, genres: Iterable[str], platforms: Iterable[str]) -> list[str]:
    """Every board a title of this kind, genres and platforms appears on."""
    return [
        "global",
        f"kind:{kind}",
        *(f"genre:{genre}" for genre in sorted(set(genres))),
        *(f"platform:{platform}" for platform in sorted(set(platforms))),
    ]


def board_key(settings: Settings, scope: str) -> str:
    return rkey(settings, "leaderboard", scope)


def standing(rating: float, rd: float) -> float:
    """Where a title stands on the boards: its conservative rating, ``rating − 2·RD``."""
    return rating - 2.0 * rd


def score(value: float) -> str:
    # repr round-trips exactly: the board holds the very float computed from PostgreSQL's.
    return repr(float(value))


@dataclass(frozen=True, slots=True)
class Move:
    """A title's rank changed on a board's watched top (ranks from 1; None: was not on it)."""

    scope: str
    media_id: int
    before: int | None
    after: int
    rating: float


# KEYS: games hash, scopes set, then the boards. ARGV: media id, games, score, then the
# scopes. Returns, per board, the title's rank before (0: absent) and after (1-based).
_UPDATE = """
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) <= current then return {} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
for i = 4, #ARGV do redis.call('SADD', KEYS[2], ARGV[i]) end
local out = {}
for i = 3, #KEYS do
  local before = redis.call('ZREVRANK', KEYS[i], ARGV[1])
  redis.call('ZADD', KEYS[i], ARGV[3], ARGV[1])
  local after = redis.call('ZREVRANK', KEYS[i], ARGV[1])
  table.insert(out, before and (before + 1) or 0)
  table.insert(out, after + 1)
end
return out
"""

# KEYS: pending hash, gate, scheduled, held. ARGV: flush ms, now (ms since the epoch), the
# scope, then for each move: media id, before, after, rating. Keeps the earliest "before" of
# a title's pending move, and when the oldest pending move was queued (field ``_since``, and
# the scope's score in ``held``). Returns 1 when the caller should flush now, 0 when a flush
# is already due, or minus the ms after which the caller should flush.
_COALESCE = """
for i = 4, #ARGV, 4 do
  local previous = redis.call('HGET', KEYS[1], ARGV[i])
  local before = ARGV[i + 1]
  if previous then before = string.match(previous, '^([^|]*)|') end
  redis.call('HSET', KEYS[1], ARGV[i], before .. '|' .. ARGV[i + 2] .. '|' .. ARGV[i + 3])
end
redis.call('HSETNX', KEYS[1], '_since', ARGV[2])
redis.call('ZADD', KEYS[4], 'NX', ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], 60000)
if redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[1]) then return 1 end
local wait = redis.call('PTTL', KEYS[2])
if wait < 1 then wait = 1 end
if redis.call('SET', KEYS[3], '1', 'NX', 'PX', wait + tonumber(ARGV[1])) then return -wait end
return 0
"""

# KEYS: pending hash, scheduled, held. ARGV: the scope. Takes every pending move at once.
_TAKE = """
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
local moves = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
return moves
"""

_scripts: weakref.WeakKeyDictionary[Redis, dict[str, AsyncScript]] = weakref.WeakKeyDictionary()


def script(redis: Redis, source: str) -> AsyncScript:
    """The Lua ``source`` registered once per client (EVALSHA afterwards)."""
    scripts = _scripts.setdefault(redis, {})
    if source not in scripts:
        scripts[source] = redis.register_script(source)
    return scripts[source]


async def place(
    redis: Redis,
    settings: Settings,
    media_id: int,
    scopes: Sequence[str],
    rating: float,
    rd: float,
    games: int,
) -> list[Move]:
    """Put the title at its new standing on its boards; the moves within the watched top."""
    keys = [
        rkey(settings, "leaderboard", "games"),
        rkey(settings, "leaderboard", "scopes"),
        *(board_key(settings, s) for s in scopes),
    ]
    args = [media_id, games, score(standing(rating, rd)), *scopes]
    ranks = await script(redis, _UPDATE)(keys=keys, args=args)
    moves: list[Move] = []
    top = settings.leaderboard_top
    for i, scope in enumerate(scopes[: len(ranks) // 2]):
        before, after = int(ranks[2 * i]) or None, int(ranks[2 * i + 1])
        if before != after and min(before or after, after) <= top:
            moves.append(Move(scope, media_id, before, after, rating))
    return moves


async def coalesce(redis: Redis, settings: Settings, scope: str, moves: Sequence[Move]) -> int:
    """Queue one vote's moves on ``scope`` together: 1 flush now, 0 nothing to do, -ms
    flush after ms (so a vote moving both its titles is one message, never split in two)."""
    keys = [
        rkey(settings, "leaderboard", "pending", scope),
        rkey(settings, "leaderboard", "gate", scope),
        rkey(settings, "leaderboard", "scheduled", scope),
        rkey(settings, "leaderboard", "held"),
    ]
    args: list[str | int] = [settings.leaderboard_flush_ms, int(time.time() * 1000), scope]
    for move in moves:
        before = "" if move.before is None else str(move.before)
        args += [move.media_id, before, move.after, score(move.rating)]
    return int(await script(redis, _COALESCE)(keys=keys, args=args))


async def take_pending(
    redis: Redis, settings: Settings, scope: str
) -> tuple[list[dict], float | None]:
    """Every pending move of ``scope`` as rank-change messages, best rank first, and when
    the oldest of them was queued (seconds since the epoch; None when none was)."""
    keys = [
        rkey(settings, "leaderboard", "pending", scope),
        rkey(settings, "leaderboard", "scheduled", scope),
        rkey(settings, "leaderboard", "held"),
    ]
    flat = await script(redis, _TAKE)(keys=keys, args=[scope])
    moves = []
    since = None
    for i in range(0, len(flat), 2):
        if flat[i] == b"_since":
            since = int(flat[i + 1]) / 1000
            continue
        before, after, rating = flat[i + 1].decode().split("|")
        if before != after:
            moves.append(
                {
                    "media_id": int(flat[i]),
                    "from": int(before) if before else None,
                    "to": int(after),
                    "rating": float(rating),
                }
            )
    moves.sort(key=lambda move: move["to"])
    return moves, since


async def held_since(redis: Redis, settings: Settings, before: float) -> list[str]:
    """The scopes whose oldest pending move was queued before ``before`` (seconds since
    the epoch)."""
    scopes = await redis.zrangebyscore(
        rkey(settings, "leaderboard", "held"), "-inf", int(before * 1000)
    )
    return [scope.decode() for scope in scopes]


async def take_gate(redis: Redis, settings: Settings, scope: str) -> bool:
    """Claim the right to publish on ``scope`` for the next ``leaderboard_flush_ms``."""
    return bool(
        await redis.set(
            rkey(settings, "leaderboard", "gate", scope),
            "1",
            nx=True,
            px=settings.leaderboard_flush_ms,
        )
    )


async def page(
    redis: Redis, settings: Settings, scope: str, offset: int, limit: int
) -> list[tuple[int, float]]:
    """(media id, standing) of ranks ``offset + 1`` to ``offset + limit``."""
    rows = await redis.zrevrange(
        board_key(settings, scope), offset, offset + limit - 1, withscores=True
    )
    return [(int(member), float(value)) for member, value in rows]


async def page_after(
    redis: Redis, settings: Settings, scope: str, after: tuple[float, int] | None, limit: int
) -> list[tuple[int, float, int]]:
    """(media id, standing, rank) of the ``limit`` titles right after ``after`` (a standing
    and media id; None: from the top), in the board's order, ranked as they are now."""
    key = board_key(settings, scope)
    if after is None:
        rows = await redis.zrevrange(key, 0, limit - 1, withscores=True)
    else:
        last, media_id = after
        async with redis.pipeline(transaction=True) as pipe:
            # Equal standings are ordered by member, descending (as text, as Redis does).
            pipe.zrevrangebyscore(key, score(last), score(last), withscores=True)
            pipe.zrevrangebyscore(
                key, f"({score(last)}", "-inf", start=0, num=limit, withscores=True
            )
            tied, lower = await pipe.execute()
        member = str(media_id).encode()
        rows = [(m, s) for m, s in tied if m < member] + lower
    rows = rows[:limit]
    async with redis.pipeline(transaction=False) as pipe:
        for m, _ in rows:
            pipe.zrevrank(key, m)
        ranks = await pipe.execute()
    return [
        (int(m), float(s), rank + 1)
        for (m, s), rank in zip(rows, ranks, strict=True)
        if rank is not None
    ]


async def is_built(redis: Redis, settings: Settings) -> bool:
    return bool(await redis.exists(rkey(settings, "leaderboard", "built")))


async def replace_all(
    redis: Redis,
    settings: Settings,
    boards: Mapping[str, Mapping[int, float]],
    games: Mapping[int, int],
) -> None:
    """Replace every board, and the versions they hold, atomically."""
    scopes_key = rkey(settings, "leaderboard", "scopes")
    games_key = rkey(settings, "leaderboard", "games")
    old_scopes = {s.decode() for s in await redis.smembers(scopes_key)}
    async with redis.pipeline(transaction=True) as pipe:
        for scope in old_scopes | set(boards):
            pipe.delete(board_key(settings, scope))
        pipe.delete(scopes_key, games_key)
        for scope, entries in boards.items():
            if entries:
                pipe.zadd(
                    board_key(settings, scope), {str(m): float(r) for m, r in entries.items()}
                )
        if boards:
            pipe.sadd(scopes_key, *boards)
        if games:
            pipe.hset(games_key, mapping={str(m): g for m, g in games.items()})
        pipe.set(rkey(settings, "leaderboard", "built"), "1")
        await pipe.execute()


async def forget_built(redis: Redis, settings: Settings) -> None:
    await redis.delete(rkey(settings, "leaderboard", "built"))


async def all_scopes(redis: Redis, settings: Settings) -> list[str]:
    return sorted(s.decode() for s in await redis.smembers(rkey(settings, "leaderboard", "scopes")))
