"""The embedded backend: Whoosh indexes in the index folder, one folder
per build, the live one named by the ``current`` symlink; searched with
numpy over postfiles (``scoring.py``, ``postfile.py``)."""

from indexer.engine.whoosh.backend import SCHEMA_VERSION, SearchIndex, WhooshBackend

__all__ = ["SCHEMA_VERSION", "SearchIndex", "WhooshBackend"]
