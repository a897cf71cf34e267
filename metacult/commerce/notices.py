"""Commerce's kinds of notification (inbox and ``user:{id}``): a wanted title got cheaper,
or became available on a service the user chose."""

from __future__ import annotations

import pydantic

from metacult import identity
from metacult.catalog import Kind


class PriceDrop(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    media_id: int
    kind: Kind
    title: str
    offer_id: int
    store: str
    old_price: str
    price: str
    currency: str
    discount_percent: int


PRICE_DROP = identity.NotificationKind(
    "commerce.price_drop", PriceDrop, "A title in your wishlist or watchlist got cheaper."
)


class Available(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    media_id: int
    kind: Kind
    title: str
    offer_id: int
    store: str
    offer_type: str
    price: str | None
    currency: str | None


AVAILABLE = identity.NotificationKind(
    "commerce.available",
    Available,
    "A title in your wishlist or watchlist became available on one of your services.",
)
