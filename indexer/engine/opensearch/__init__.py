"""The OpenSearch backend: see backend.py."""

from indexer.engine.opensearch.backend import OpenSearchBackend

__all__ = ["OpenSearchBackend"]
