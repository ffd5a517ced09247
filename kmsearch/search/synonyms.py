"""Synonyms and abbreviations from ``synonyms.txt`` in the content folder.

Applied at query time, so an edit takes effect on the next search, with no
rebuild.  One group a line: ``อปท. = องค์กรปกครองส่วนท้องถิ่น``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from indexer.content.textfile import read_text
from indexer.content.wordlists import parse_synonyms


def parse(text: str) -> list[tuple[str, ...]]:
    return parse_synonyms(text)[0]


class SynonymFile:
    """The file's groups, re-read only when the file changes.  A file that
    cannot be read, or lines that mean nothing, leave searching as it was
    (``kmsearch check`` names them)."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple | None = None
        self._groups: list[tuple[str, ...]] = []
        self._lock = threading.Lock()

    def groups(self) -> list[tuple[str, ...]]:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return []
        with self._lock:
            if stamp != self._stamp:
                try:
                    self._groups = parse(read_text(self.path).text)
                except OSError:
                    return self._groups
                self._stamp = stamp
            return self._groups


_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*")
_THAI = re.compile("[\u0e00-\u0e7f]")


def thai_words_for(query: str, groups: list[tuple[str, ...]]) -> list[str] | None:
    """For a query in Latin letters (``budget``, ``e-GP``): the Thai words
    of the office's synonym groups that hold one of its words, else [].
    None for a query with Thai in it, or no letters at all.  Nothing is
    translated: an English word no group holds gets no Thai word."""
    if _THAI.search(query) or not (words := _LATIN_WORD.findall(query)):
        return None
    asked = {w.casefold().rstrip(".") for w in words} | {" ".join(query.split()).casefold()}
    found: dict[str, None] = {}
    for members in groups:
        if any(m.casefold().rstrip(".") in asked for m in members):
            found.update(dict.fromkeys(m for m in members if _THAI.search(m)))
    return list(found)
