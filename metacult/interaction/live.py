"""The ``list:{id}`` live channel: every change of a list, for whoever may read the list.

Its audience is the list's own read rule (:func:`lists.readable_by`): the owner and the
editors (a shared list's members), anyone when the list is public and its owner's lists
section lets them, never a blocked user. The check reads the database, so the namespace
declares an awaited ``audience``, which websocket, SSE and long-poll subscriptions all await.

Publications say what changed (``change``, ``media_id``, who did it); a page refetches
what it shows, through the same read rule.
"""

from __future__ import annotations

import re
from typing import Any

from metacult.infra.auth import Principal
from metacult.interaction import events, lists
from metacult.realtime import Namespace, declare
from metacult.typedefs import DB

_ID = re.compile(r"^[1-9][0-9]{0,18}$")


def list_channel(list_id: int) -> str:
    return f"list:{list_id}"


def _anyone(principal: Principal | None, argument: str) -> bool:
    return True


async def _readers(app: Any, principal: Principal | None, argument: str) -> bool:
    viewer_id = principal.user_id if principal is not None else None
    return await lists.readable_by(app[DB], int(argument), viewer_id)


LIST_NAMESPACE = declare(
    Namespace(
        "list",
        _ID,
        _anyone,
        history_size=100,
        history_ttl=3_600,
        delivery="must",
        audience=_readers,
    )
)


# Changes after which fewer people may read the list (turned private, an editor removed, a
# member gone, deleted): published with ``recheck``, so that every hub re-runs the audience
# check of the connections already subscribed and detaches those it now refuses.
AUDIENCE_CHANGES = frozenset(
    {"updated", "editors_changed", "members_changed", "audience_changed", "deleted"}
)


def list_message(changed: events.ListChangedPayload) -> dict[str, object]:
    """What ``list:{id}`` carries for one change."""
    return {
        "type": "interaction.list_changed",
        "list_id": changed.list_id,
        "change": changed.change,
        "media_id": changed.media_id,
        "user_id": changed.user_id,
    }
