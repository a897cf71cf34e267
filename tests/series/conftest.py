from tests.catalog.conftest import provider_server, providers

__all__ = ["provider_server", "providers"]
