"""The OpenSearch backend: see backend.py."""
from .backend import OpenSearchBackend

__all__ = ["OpenSearchBackend"]
