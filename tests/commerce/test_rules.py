"""Commerce's pure rules: the providers' shapes, order, best deal, affiliate links."""

from __future__ import annotations

from decimal import Decimal

import pytest

from metacult.commerce import rules

pytestmark = pytest.mark.unit


def _offer(id, price, *, available=True, discount=0, store="steam"):
    return {
        "id": id,
        "price": None if price is None else Decimal(price),
        "available": available,
        "discount_percent": discount,
        "store": store,
    }


def test_the_feed_keeps_the_games_well_formed_entries_only() -> None:
    feed = {
        "offers": [
            {
                "igdb_id": 7,
                "store": "Steam",
                "price": 19.99,
                "currency": "eur",
                "region": "fr",
                "url": "https://store.example/app/7",
                "discount_percent": 50,
            },
            {
                "igdb_id": 7,
                "store": "gog",
                "price": "free",
                "currency": "EUR",
                "region": "FR",
                "url": "https://gog.example/7",
            },
            {
                "igdb_id": 7,
                "store": "epic",
                "price": 5,
                "currency": "EUR",
                "region": "FR",
                "url": "javascript:alert(1)",
            },
            {
                "igdb_id": 8,
                "store": "steam",
                "price": 1,
                "currency": "EUR",
                "region": "FR",
                "url": "https://store.example/app/8",
            },
        ]
    }
    [offer] = rules.feed_offers(feed, 7)
    assert (offer.store, offer.region, offer.currency) == ("steam", "FR", "EUR")
    assert (offer.price, offer.discount_percent, offer.offer_type) == (Decimal("19.99"), 50, "buy")
    assert rules.feed_offers({"offers": "nonsense"}, 7) == []
    assert rules.feed_offers(None, 7) == []


def test_tmdb_providers_become_stream_rent_and_buy_offers_of_the_region() -> None:
    answer = {
        "results": {
            "US": {
                "link": "https://www.themoviedb.org/movie/1/watch?locale=US",
                "flatrate": [{"provider_name": "Netflix", "provider_id": 8}],
                "rent": [{"provider_name": "Apple TV", "provider_id": 2}],
                "buy": [{"provider_name": "Apple TV", "provider_id": 2}, {"bogus": 1}],
            },
            "FR": {"link": "https://www.themoviedb.org/movie/1/watch?locale=FR", "flatrate": []},
        }
    }
    offers = rules.tmdb_offers(answer, "US")
    assert sorted((o.store, o.offer_type) for o in offers) == [
        ("Apple TV", "buy"),
        ("Apple TV", "rent"),
        ("Netflix", "stream"),
    ]
    assert all(o.price is None and o.url.endswith("locale=US") for o in offers)
    assert rules.tmdb_offers(answer, "DE") == []


def test_offers_go_cheapest_first_and_the_best_deal_is_the_cheapest_available() -> None:
    offers = [
        _offer(1, None, store="Netflix"),
        _offer(2, "9.99"),
        _offer(3, "4.99", available=False),
        _offer(4, "9.99", discount=30),
    ]
    assert [o["id"] for o in sorted(offers, key=rules.price_order)] == [3, 2, 4, 1]
    assert rules.best_deal(offers) == 4
    assert rules.best_deal([_offer(1, None)]) is None


def test_a_drop_is_a_lower_price_in_the_same_currency() -> None:
    cheaper = rules.OfferDraft("steam", "buy", "FR", Decimal("5"), "EUR", 0, "https://s/1", "feed")
    assert rules.dropped(Decimal("10"), "EUR", cheaper)
    assert not rules.dropped(Decimal("10"), "USD", cheaper)
    assert not rules.dropped(Decimal("5"), "EUR", cheaper)
    assert not rules.dropped(None, None, cheaper)


def test_affiliate_parameters_are_added_to_the_stored_url() -> None:
    affiliate = (("steam", "ref=metacult&utm_source=mc"),)
    url = rules.affiliate_url("https://store.example/app/7?l=fr&ref=other", "steam", affiliate)
    assert url == "https://store.example/app/7?l=fr&ref=metacult&utm_source=mc"
    assert rules.affiliate_url("https://gog.example/7", "gog", affiliate) == "https://gog.example/7"
