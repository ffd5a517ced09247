"""Content loading, validation, Thai analysis and index writing.

Imports neither Flask nor kmsearch: the index folder is the only hand-off.
"""

from indexer.build import BuildReport, build_index, check_content, load_documents, segmenter_for
from indexer.content.office import ConfigError, Office, load_office

__all__ = [
    "BuildReport",
    "ConfigError",
    "Office",
    "build_index",
    "check_content",
    "load_documents",
    "load_office",
    "segmenter_for",
]
