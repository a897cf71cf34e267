"""Commerce fixtures: the store price feed and TMDB's watch providers are served by the
run's fake providers server (``tests/catalog/fake_providers.py``)."""

from tests.catalog.conftest import provider_server, providers

__all__ = ["provider_server", "providers"]
