"""``publish()``: append to a channel's history and PUBLISH it, atomically, in one Lua script
(SPUBLISH, sharded pub/sub, on a Redis Cluster).

Every channel has, in Redis:

* ``{prefix}:rt:meta:{channel}``: a hash with its ``epoch`` (a random token, new whenever
  the history was lost) and its last ``offset`` (1, 2, 3, ...);
* ``{prefix}:rt:hist:{channel}``: a stream of the last ``history_size`` publication frames,
  the entry id of each being ``{offset}-1``;
* the pub/sub channel ``{prefix}:rt:pub:channel`` (on a cluster, a shard channel with the
  channel in braces as in the history's key: the same hash slot), on which the script publishes
  ``{offset}:{epoch}:{published_at_ms}:{frame}``, where ``frame`` is the publication
  exactly as websocket clients receive it (encoded once, here).
"""

from __future__ import annotations

import secrets
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from metacult.config import Settings
from metacult.infra.redis import rkey
from metacult.realtime.channels import META_TTL, resolve


@dataclass(frozen=True, slots=True)
class Publication:
    """Where a published message landed: its channel, offset and the channel's epoch."""

    channel: str
    offset: int
    epoch: str
    # False when a revision at least as new was published already (``publish(revision=)``):
    # nothing was sent, and ``offset`` is the channel's last.
    sent: bool = True


def meta_key(settings: Settings, channel: str) -> str:
    return rkey(settings, "rt", "meta", "{" + channel + "}")


def history_key(settings: Settings, channel: str) -> str:
    return rkey(settings, "rt", "hist", "{" + channel + "}")


def pubsub_channel(settings: Settings, channel: str) -> str:
    """The pub/sub channel; on a cluster a shard channel with the history's hash tag (the
    publish script's SPUBLISH must hash to the slot of the keys it writes)."""
    if settings.redis_cluster:
        return rkey(settings, "rt", "pub", "{" + channel + "}")
    return rkey(settings, "rt", "pub", channel)


def new_epoch() -> str:
    return secrets.token_hex(4)


def _channel_epoch(fresh: str) -> str:
    """Lua: ``epoch``, the channel's, or the fresh one ``fresh`` with an empty history."""
    return f"""
local meta, history = KEYS[1], KEYS[2]
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = {fresh}
  redis.call('HSET', meta, 'epoch', epoch, 'offset', 0)
  redis.call('DEL', history)
end
"""


# KEYS: meta, history. ARGV: pub/sub channel, channel as JSON, data as JSON, history size,
# history ttl, meta ttl, a fresh epoch (used only when the channel has none), time in ms,
# the frame's tail (``,"recheck":true`` when the channel's audience may have shrunk, else
# empty), the meta field of the data's revision (empty: none) and the revision. A revision
# not above the one the field holds is not published: the answer's third item is then 0.
_PUBLISH = (
    _channel_epoch("ARGV[7]")
    + """
if ARGV[10] ~= '' then
  local sent = redis.call('HGET', meta, ARGV[10])
  if sent and tonumber(sent) >= tonumber(ARGV[11]) then
    return {tonumber(redis.call('HGET', meta, 'offset')), epoch, 0}
  end
  redis.call('HSET', meta, ARGV[10], ARGV[11])
end
local offset = redis.call('HINCRBY', meta, 'offset', 1)
local frame = '{"type":"publication","channel":' .. ARGV[2] .. ',"offset":' .. offset ..
  ',"epoch":"' .. epoch .. '","data":' .. ARGV[3] .. ARGV[9] .. '}'
redis.call('XADD', history, 'MAXLEN', tonumber(ARGV[4]), offset .. '-1', 'f', frame)
redis.call('EXPIRE', history, tonumber(ARGV[5]))
redis.call('EXPIRE', meta, tonumber(ARGV[6]))
redis.call('PUBLISH', ARGV[1], offset .. ':' .. epoch .. ':' .. ARGV[8] .. ':' .. frame)
return {offset, epoch, 1}
"""
)

# On a Redis Cluster: sharded pub/sub, published by the master owning the channel's slot
# only (a classic PUBLISH crosses the whole cluster bus).
_SPUBLISH = _PUBLISH.replace("redis.call('PUBLISH',", "redis.call('SPUBLISH',")
assert _SPUBLISH != _PUBLISH

# KEYS: meta, history. ARGV: a fresh epoch, meta ttl. The channel's position, created if new.
_POSITION = (
    _channel_epoch("ARGV[1]")
    + """
redis.call('EXPIRE', meta, tonumber(ARGV[2]))
return {tonumber(redis.call('HGET', meta, 'offset')), epoch}
"""
)

_scripts: weakref.WeakKeyDictionary[Redis, dict[str, AsyncScript]] = weakref.WeakKeyDictionary()


def _script(redis: Redis, name: str, source: str) -> AsyncScript:
    scripts = _scripts.setdefault(redis, {})
    if name not in scripts:
        scripts[name] = redis.register_script(source)
    return scripts[name]


# The end of a publication frame whose channel's audience may have shrunk (see ``publish``).
RECHECK_TAIL = b',"recheck":true}'


async def publish(
    redis: Redis,
    settings: Settings,
    channel: str,
    data: Mapping[str, Any],
    *,
    recheck: bool = False,
    revision: tuple[str, int] | None = None,
) -> Publication:
    """Publish ``data`` on ``channel`` to every subscriber of every web node.

    Append it to the channel's history (the offset), keep the channel's epoch and
    PUBLISH, in one atomic script. Works with any redis.asyncio client: the web app's
    ``app[REDIS]`` or an actor's ``(await workers.runtime.resources()).redis``.
    Raises ``UnknownChannel`` for a channel outside the registry.

    ``recheck``: the channel's audience may have shrunk (a list turned private, an editor
    removed): every hub re-runs the namespace's audience check for each subscriber before
    it delivers this frame and the ones after it, and detaches those it now refuses.

    ``revision``: ``(name, n)``, the version of the state ``data`` shows (a title's counters
    at their row's revision ``n``). ``data`` is sent only when no revision of ``name`` as
    new as ``n`` was sent on the channel before: several writers may publish one state,
    and two states in the order they reach Redis, not the order they were committed in.
    """
    field, number = (_revision_field(revision[0]), revision[1]) if revision else ("", 0)
    namespace, _ = resolve(channel)
    if settings.redis_cluster:
        script = _script(redis, "spublish", _SPUBLISH)
    else:
        script = _script(redis, "publish", _PUBLISH)
    offset, epoch, sent = await script(
        keys=[meta_key(settings, channel), history_key(settings, channel)],
        args=[
            pubsub_channel(settings, channel),
            orjson.dumps(channel),
            orjson.dumps(data, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS),
            namespace.history_size,
            namespace.history_ttl,
            max(META_TTL, namespace.history_ttl),
            new_epoch(),
            int(time.time() * 1000),
            RECHECK_TAIL[:-1] if recheck else b"",
            field,
            number,
        ],
    )
    return Publication(channel=channel, offset=int(offset), epoch=_text(epoch), sent=bool(sent))


def _revision_field(name: str) -> str:
    return "rev:" + name


async def sent_revision(redis: Redis, settings: Settings, channel: str, name: str) -> int | None:
    """The last revision of ``name`` published on ``channel`` (``publish(revision=)``), None
    when none was (or the channel's state expired)."""
    sent = await redis.hget(meta_key(settings, channel), _revision_field(name))  # type: ignore[misc]
    return None if sent is None else int(sent)


async def position(redis: Redis, settings: Settings, channel: str) -> Publication:
    """The channel's current epoch and last offset (0 when nothing was published yet)."""
    namespace, _ = resolve(channel)
    script = _script(redis, "position", _POSITION)
    offset, epoch = await script(
        keys=[meta_key(settings, channel), history_key(settings, channel)],
        args=[new_epoch(), max(META_TTL, namespace.history_ttl)],
    )
    return Publication(channel=channel, offset=int(offset), epoch=_text(epoch))


@dataclass(frozen=True, slots=True)
class Entry:
    """One message of a channel's history: its offset and its encoded publication frame."""

    offset: int
    frame: bytes


@dataclass(frozen=True, slots=True)
class History:
    """A channel's epoch and last offset, with the history after some offset, read atomically."""

    epoch: str | None
    offset: int
    entries: list[Entry]

    def continues(self, epoch: str, offset: int) -> bool:
        """Do ``entries`` carry on exactly after ``offset`` of ``epoch`` (no gap)?"""
        if self.epoch != epoch or self.offset < offset:
            return False
        if self.offset == offset:
            return True
        return bool(self.entries) and self.entries[0].offset == offset + 1


async def history_after(
    redis: Redis, settings: Settings, channel: str, offset: int, *, limit: int
) -> History:
    """The channel's position and up to ``limit`` messages after ``offset``, oldest first."""
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hmget(meta_key(settings, channel), "epoch", "offset")
        pipe.xrange(history_key(settings, channel), min=f"{offset + 1}-0", count=limit)
        (epoch, last), rows = await pipe.execute()
    entries = [
        Entry(offset=int(_text(entry_id).split("-")[0]), frame=fields[b"f"])
        for entry_id, fields in rows
    ]
    return History(
        epoch=_text(epoch) if epoch is not None else None,
        offset=int(last or 0),
        entries=entries,
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def watched(redis: Redis, settings: Settings, channel: str) -> bool:
    """Does any web node carry ``channel`` (someone subscribed to it) right now?"""
    key = pubsub_channel(settings, channel)
    if settings.redis_cluster:
        # Asked of the master owning the slot (redis-py asks its default node otherwise).
        await redis.initialize()  # type: ignore[attr-defined]  # its slot map, read once
        node = redis.get_node_from_key(key)  # type: ignore[attr-defined]
        ((_, listeners),) = await redis.pubsub_shardnumsub(key, target_nodes=node)
    else:
        ((_, listeners),) = await redis.pubsub_numsub(key)
    return listeners > 0
