"""Postings beside each segment, in a form numpy reads directly.

Whoosh keeps a term's postings in blocks of 128, each pickled and
compressed together with the positions, and finds a term through a hash
table walked in Python: the ids and frequencies of a common word cost
milliseconds to unpack, and a document frequency tens of microseconds.  A
build therefore writes, for each segment, one file holding every term of
the scored fields, sorted, with its document frequency, and its document
numbers (within the segment) and frequencies as plain little-endian
arrays: every term of a word field, and of a sub-word gram field those in
at least ``MIN_POSTINGS`` documents (``least_postings``).

A reader keeps the sorted terms of a field in memory and finds a term by
binary search; the postings are read from the file (``os.pread``, safe
across threads) only when a term is first needed.  Segments never change
once written, so neither does their file.

Layout: MAGIC, then per stored term ``ids`` (int32) followed by ``tfs``
(float32), then per field the terms (UTF-8, concatenated), their start
offsets (uint32, one more than terms), document frequencies (uint32) and
the offset of each term's postings (int64, one more than terms; equal
offsets: not stored); at the end a JSON footer with where each
of those is, its length (uint64) and MAGIC again.
"""

from __future__ import annotations

import bisect
import json
import os
import struct
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from indexer.engine.ranking import GRAMS_WEIGHTS

MAGIC = b"KMPOST1\n"
SUFFIX = ".kmpost"
MIN_POSTINGS = 64
# A search asks whether each of up to 50 compounds of a query word
# (โฉนดที่ดิน for ที่ดิน) is held, and Whoosh takes 0.15 ms a segment to
# find even one rare posting: a third of a natural question's time at
# 10 000 documents.  Writing a word field's rare terms adds about 3 s to a
# segment of 5 000 documents; the gram fields' rare pairs (most of their
# terms, and five times as slow to write) are left to Whoosh, whose one
# small block a rarely asked pair costs.
MIN_WORD_POSTINGS = 1
# A smaller segment is left to Whoosh: its longest postings are a few
# blocks, and the file would be rewritten at every merge of the small
# segments that incremental builds add (up to 0.6 s at 1 000 documents).
MIN_DOCS = 1000
_TAIL = struct.Struct("<Q")

Postings = tuple[np.ndarray, np.ndarray]  # document numbers (int32), frequencies (float32)
_EMPTY: Postings = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))


def least_postings(field: str) -> int:
    """The fewest documents a term of ``field`` is in for its postings to be stored."""
    return MIN_POSTINGS if field in GRAMS_WEIGHTS else MIN_WORD_POSTINGS


def write(path: Path, fields: dict[str, Iterable[tuple[bytes, int, Postings | None]]]) -> None:
    """Write ``fields`` (name -> (term, document frequency, postings or
    None) in increasing term order) to ``path``, atomically."""
    tmp = path.with_name(path.name + ".tmp")
    footer: dict[str, dict] = {}
    try:
        with open(tmp, "wb") as out:
            out.write(MAGIC)
            for name, terms in fields.items():
                at = out.tell()
                blob, term_starts, dfs, post_starts = bytearray(), array("I", [0]), array("I"), array("q", [at])
                last = None
                for term, df, found in terms:
                    if last is not None and term <= last:
                        raise ValueError(f"{path}: field {name}: terms out of order at {term!r}")
                    last = term
                    if found is not None:
                        ids, tfs = found
                        out.write(np.asarray(ids, dtype="<i4").tobytes())
                        out.write(np.asarray(tfs, dtype="<f4").tobytes())
                        at += 8 * len(ids)
                    blob += term
                    term_starts.append(len(blob))
                    dfs.append(df)
                    post_starts.append(at)
                footer[name] = {}
                for part, data in (
                    ("terms", bytes(blob)),
                    ("term_starts", np.asarray(term_starts, "<u4").tobytes()),
                    ("dfs", np.asarray(dfs, "<u4").tobytes()),
                    ("post_starts", np.asarray(post_starts, "<i8").tobytes()),
                ):
                    footer[name][part] = [out.tell(), len(data)]
                    out.write(data)
            meta = json.dumps(footer).encode()
            out.write(meta)
            out.write(_TAIL.pack(len(meta)))
            out.write(MAGIC)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)


class _Field:
    """The sorted terms of one field, found by binary search: first, in C,
    among every ``_STRIDE``-th term, then within that stretch.  A search
    looks each term up twice (its frequency, then its postings), so the
    last few found are remembered."""

    __slots__ = ("terms", "term_starts", "dfs", "post_starts", "_every", "_recent")

    def __init__(self, terms: bytes, term_starts: array, dfs: np.ndarray, post_starts: np.ndarray):
        self.terms, self.term_starts, self.dfs, self.post_starts = terms, term_starts, dfs, post_starts
        self._every = [terms[term_starts[i] : term_starts[i + 1]] for i in range(0, len(term_starts) - 1, _STRIDE)]
        self._recent: dict[bytes, int] = {}

    def find(self, term: bytes) -> int:
        """The term's number, or -1."""
        found = self._recent.get(term)
        if found is not None:
            return found
        terms, starts = self.terms, self.term_starts
        block = bisect.bisect_right(self._every, term) - 1
        if block < 0:
            found = -1
        else:
            lo, hi = block * _STRIDE, min((block + 1) * _STRIDE, len(starts) - 1)
            while lo < hi:
                mid = (lo + hi) // 2
                if terms[starts[mid] : starts[mid + 1]] < term:
                    lo = mid + 1
                else:
                    hi = mid
            found = lo if lo < len(starts) - 1 and terms[starts[lo] : starts[lo + 1]] == term else -1
        if len(self._recent) >= 1024:
            self._recent.clear()
        self._recent[term] = found
        return found


_STRIDE = 32  # one term in 32 kept as bytes: a few hundred KB a segment at 50 000 documents


class PostFile:
    """One segment's postings file, open for reading."""

    _fd = -1

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDONLY)
        try:
            size = os.fstat(self._fd).st_size
            end = size - _TAIL.size - len(MAGIC)
            tail = os.pread(self._fd, _TAIL.size + len(MAGIC), end) if end >= len(MAGIC) else b""
            if tail[_TAIL.size :] != MAGIC or os.pread(self._fd, len(MAGIC), 0) != MAGIC:
                raise ValueError(f"{self.path}: not a postings file (damaged or cut short)")
            (length,) = _TAIL.unpack(tail[: _TAIL.size])
            self._footer = json.loads(os.pread(self._fd, length, end - length))
        except BaseException:
            self.close()
            raise
        self._fields: dict[str, _Field] = {}

    def __contains__(self, field: str) -> bool:
        return field in self._footer

    def _field(self, name: str) -> _Field:
        found = self._fields.get(name)
        if found is None:
            parts = {k: os.pread(self._fd, n, at) for k, (at, n) in self._footer[name].items()}
            # array rather than numpy: a binary search indexes it from Python.
            term_starts = array("I", np.frombuffer(parts["term_starts"], "<u4").astype("=u4").tobytes())
            dfs = np.frombuffer(parts["dfs"], dtype="<u4")
            post_starts = np.frombuffer(parts["post_starts"], dtype="<i8")
            # Two threads may both read it; either result is the same.
            found = self._fields[name] = _Field(parts["terms"], term_starts, dfs, post_starts)
        return found

    def load(self) -> None:
        """Read every field's terms now rather than at the first search."""
        for name in self._footer:
            self._field(name)

    def frequency(self, field: str, term: bytes) -> int:
        f = self._field(field)
        i = f.find(term)
        return 0 if i < 0 else int(f.dfs[i])

    def frequencies(self, field: str) -> Iterator[tuple[bytes, int]]:
        """Every term of ``field`` with the documents holding it, in term order."""
        f = self._field(field)
        terms, starts = f.terms, f.term_starts
        for i, df in enumerate(f.dfs.tolist()):
            yield terms[starts[i] : starts[i + 1]], df

    def postings(self, field: str, term: bytes) -> Postings | None:
        """The term's document numbers and frequencies (empty arrays when
        the segment lacks it), or None when it is too rare to be stored."""
        f = self._field(field)
        i = f.find(term)
        if i < 0:
            return _EMPTY
        start, end = int(f.post_starts[i]), int(f.post_starts[i + 1])
        if start == end:
            return None
        n = (end - start) // 8
        raw = os.pread(self._fd, end - start, start)
        return np.frombuffer(raw, dtype="<i4", count=n), np.frombuffer(raw, dtype="<f4", offset=4 * n)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):
        self.close()
