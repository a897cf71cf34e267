"""The feed's slots filled by the contexts above discovery (marketing's native ads,
commerce's offers), without discovery knowing them.

A context registers, at setup, one filler per slot kind in ``app[SLOT_FILLERS]``. For each
feed page, discovery calls the filler of each kind that has slots on the page with a
:class:`SlotRequest` (the page's titles and the titles the user dismissed) and puts the
:class:`SlotContent` it answers (or ``None``: nothing to show) into the slot. A filler that
fails leaves its slots empty: the feed never fails because of what fills its slots.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from metacult import catalog
from metacult.discovery import store
from metacult.typedefs import DB


@dataclass(frozen=True)
class SlotRequest:
    """One page's slots of one kind: ``positions`` in page order."""

    user_id: int
    kind: str
    positions: tuple[int, ...]
    media: tuple[catalog.MediaSummary, ...]
    dismissed: frozenset[int]


@dataclass(frozen=True)
class SlotContent:
    """What a slot shows: a sponsored card by ``advertiser`` opening ``url``."""

    advertiser: str
    title: str
    body: str
    image_url: str | None
    cta_label: str
    url: str
    media_id: int | None = None
    sponsored: bool = True


SlotFiller = Callable[[web.Application, SlotRequest], Awaitable[Sequence[SlotContent | None]]]
SLOT_FILLERS = web.AppKey("discovery_slot_fillers", dict)

log = logging.getLogger("metacult.discovery")


async def fill(
    app: web.Application,
    user_id: int,
    slots: list[dict[str, Any]],
    media: Sequence[catalog.MediaSummary],
) -> list[dict[str, Any]]:
    """``slots`` with the ``content`` each registered filler gave them."""
    fillers: dict[str, SlotFiller] = app.get(SLOT_FILLERS) or {}
    kinds = [kind for kind in fillers if any(slot["kind"] == kind for slot in slots)]
    if not kinds:
        return slots
    async with app[DB].acquire() as conn:
        dismissed = frozenset(await store.dismissed(conn, user_id))
    contents: dict[int, SlotContent] = {}
    for kind in kinds:
        positions = tuple(slot["position"] for slot in slots if slot["kind"] == kind)
        request = SlotRequest(user_id, kind, positions, tuple(media), dismissed)
        try:
            answered = await fillers[kind](app, request)
        except Exception:
            log.exception("a feed slot filler failed", extra={"kind": kind})
            continue
        for position, content in zip(positions, answered, strict=False):
            if content is not None:
                contents[position] = content
    return [{**slot, "content": contents.get(slot["position"])} for slot in slots]
