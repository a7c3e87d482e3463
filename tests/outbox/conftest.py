from tests.fakes.fixtures import graph_api, settings

__all__ = ["graph_api", "settings"]
