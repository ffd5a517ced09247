"""Synonyms and abbreviations from ``synonyms.txt`` in the content folder.

Applied at query time, so an edit takes effect on the next search, with no
rebuild.  One group a line: ``อปท. = องค์กรปกครองส่วนท้องถิ่น``.
"""
from __future__ import annotations

import threading
from pathlib import Path

FILE_NAME = "synonyms.txt"


def parse(text: str) -> list[tuple[str, ...]]:
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        members = tuple(m.strip() for m in line.split("=") if m.strip())
        if len(members) > 1:
            groups.append(members)
    return groups


class SynonymFile:
    """The file's groups, re-read only when the file changes."""

    def __init__(self, path: Path):
        self.path = path
        self._stamp: tuple | None = None
        self._groups: list[tuple[str, ...]] = []
        self._lock = threading.Lock()

    def groups(self) -> list[tuple[str, ...]]:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            return []
        with self._lock:
            if stamp != self._stamp:
                self._groups = parse(self.path.read_text(encoding="utf-8"))
                self._stamp = stamp
            return self._groups
