"""Commerce's pure rules: reading the providers' shapes, ordering offers, the best deal,
affiliate links and what counts as a price drop. No I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# TMDB's watch-provider lists and the offer type each one is.
TMDB_TYPES = {"flatrate": "stream", "free": "free", "ads": "free", "rent": "rent", "buy": "buy"}
OFFER_TYPES = ("buy", "rent", "stream", "free")


@dataclass(frozen=True, slots=True)
class OfferDraft:
    """An offer as a provider lists it, before it is stored."""

    store: str
    offer_type: str
    region: str
    price: Decimal | None
    currency: str | None
    discount_percent: int
    url: str
    source: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.store, self.offer_type, self.region)


def is_web_url(url: Any) -> bool:
    """An absolute http(s) URL: the only kind an offer may send a browser to."""
    if not isinstance(url, str) or len(url) > 2000:
        return False
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _price(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return price if price.is_finite() and 0 <= price < Decimal("1e10") else None


def feed_offers(payload: Any, igdb_id: int) -> list[OfferDraft]:
    """The offers of one game (by its IGDB id) in a store price feed; entries that do not
    fit the shape are skipped, not guessed at."""
    entries = payload.get("offers") if isinstance(payload, dict) else None
    drafts: dict[tuple[str, str, str], OfferDraft] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or entry.get("igdb_id") != igdb_id:
            continue
        store, region, url = entry.get("store"), entry.get("region"), entry.get("url")
        price, currency = _price(entry.get("price")), entry.get("currency")
        discount = entry.get("discount_percent", 0)
        if not (isinstance(store, str) and 0 < len(store) <= 64 and is_web_url(url)):
            continue
        if not (isinstance(region, str) and len(region) == 2) or price is None:
            continue
        if not (isinstance(currency, str) and len(currency) == 3):
            continue
        if isinstance(discount, bool) or not isinstance(discount, int) or not 0 <= discount <= 100:
            discount = 0
        if entry.get("available", True) is False:
            continue
        draft = OfferDraft(
            store=store.lower(),
            offer_type="buy",
            region=region.upper(),
            price=price,
            currency=currency.upper(),
            discount_percent=discount,
            url=url,
            source="feed",
        )
        drafts[draft.key] = draft
    return list(drafts.values())


def tmdb_offers(payload: Any, region: str) -> list[OfferDraft]:
    """The offers of ``/{movie|tv}/{id}/watch/providers`` in one region. TMDB gives the
    providers and one link to its watch page, never a price."""
    results = payload.get("results") if isinstance(payload, dict) else None
    country = results.get(region) if isinstance(results, dict) else None
    if not isinstance(country, dict) or not is_web_url(country.get("link")):
        return []
    drafts: dict[tuple[str, str, str], OfferDraft] = {}
    for listing, offer_type in TMDB_TYPES.items():
        providers = country.get(listing)
        for provider in providers if isinstance(providers, list) else []:
            name = provider.get("provider_name") if isinstance(provider, dict) else None
            if not isinstance(name, str) or not 0 < len(name) <= 64:
                continue
            draft = OfferDraft(
                store=name,
                offer_type=offer_type,
                region=region,
                price=None,
                currency=None,
                discount_percent=0,
                url=country["link"],
                source="tmdb",
            )
            drafts.setdefault(draft.key, draft)
    return list(drafts.values())


def price_order(offer: Mapping[str, Any]) -> tuple:
    """Cheapest first; offers with no price (streaming, TMDB's) after, by store."""
    price = offer["price"]
    return (price is None, price if price is not None else 0, offer["store"], offer["id"])


def best_deal(offers: Iterable[Mapping[str, Any]]) -> int | None:
    """The id of the cheapest available priced offer (the largest discount breaks a tie)."""
    priced = [o for o in offers if o["available"] and o["price"] is not None]
    if not priced:
        return None
    return min(priced, key=lambda o: (o["price"], -o["discount_percent"], o["id"]))["id"]


def dropped(old: Decimal | None, old_currency: str | None, new: OfferDraft) -> bool:
    """Is the new price lower than the one stored, in the same currency?"""
    return (
        old is not None
        and new.price is not None
        and old_currency == new.currency
        and new.price < old
    )


def affiliate_url(url: str, store: str, affiliate: Sequence[tuple[str, str]]) -> str:
    """The stored URL with the store's affiliate parameters from configuration (they replace
    parameters of the same names)."""
    query = dict(affiliate).get(store)
    if not query:
        return url
    parts = urlsplit(url)
    extra = parse_qsl(query, keep_blank_values=True)
    names = {name for name, _ in extra}
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(kept + extra)))
