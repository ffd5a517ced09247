"""The indexed words and the documents holding each, for spelling
correction, suggestions and the query's word checks: the same for every
backend once it has counted its words."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA


class Vocabulary:
    """The indexed words, each with the number of documents holding it.

    The counts are read once per build: a query asks for the frequency of
    hundreds of words (every compound of its words, every word a typo is
    near), and a lookup per word and field in the engine cost a tenth of
    the slowest natural questions' time at 10 000 documents.

    Whoosh's ``terms_within`` computes an edit distance in Python for every
    word of the field: 2 s for one lookup at 10 000 documents.  Here only
    words of a length within reach are compared, in rapidfuzz's C++.
    """

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.by_length: dict[int, list[str]] = {}
        for w in counts:
            self.by_length.setdefault(len(w), []).append(w)
        # Query words recur (ประเทศ, ปี): their compounds are remembered
        # for the build, as the words are.
        self._containing: dict[tuple[str, int], list[str]] = {}
        # Every word in one string, most frequent first, for ``containing``:
        # the first found are the ones wanted, and a piece inside thousands
        # of words (นา) stops early.
        by_count = sorted((w for w, n in counts.items() if n), key=self._rank)
        self._joined = "\n" + "\n".join(by_count) + "\n"
        self._sorted = sorted(counts)  # for ``with_prefix``

    def frequency(self, word: str) -> int:
        return self.counts.get(word, 0)

    def containing(self, piece: str, limit: int) -> list[str]:
        """Longer words with ``piece`` inside, most frequent first; found in
        one string of every word, at C speed (a loop over 100 000 words in
        Python took tens of milliseconds a query word)."""
        key = (piece, limit)
        found = self._containing.get(key)
        if found is None:
            if len(self._containing) >= 4096:
                self._containing.clear()
            found = self._containing[key] = self._find_containing(piece, limit)
        return list(found)

    def _find_containing(self, piece: str, limit: int) -> list[str]:
        joined = self._joined
        found: list[str] = []
        at = joined.find(piece)
        while at != -1 and len(found) < limit:
            start = joined.rfind("\n", 0, at) + 1
            end = joined.find("\n", at)
            if end - start > len(piece):
                found.append(joined[start:end])
            at = joined.find(piece, end)
        return found

    def similar(self, word: str, maxdist: int, limit: int) -> list[str]:
        """Words within ``maxdist`` edits of ``word``, most frequent first."""
        found: set[str] = set()
        for n in range(max(1, len(word) - maxdist), len(word) + maxdist + 1):
            words = self.by_length.get(n)
            if words:
                found.update(
                    w
                    for w, _, _ in process.extract_iter(word, words, scorer=OSA.distance, score_cutoff=maxdist)
                    if w != word
                )
        return self._most_frequent(found, limit)

    def with_prefix(self, prefix: str, limit: int) -> list[tuple[str, int]]:
        """Words starting with ``prefix`` and their counts, most frequent first."""
        ordered = self._sorted
        start = end = bisect.bisect_left(ordered, prefix)
        while end < len(ordered) and ordered[end].startswith(prefix):
            end += 1
        return [(w, self.counts[w]) for w in self._most_frequent(ordered[start:end], limit)]

    def _most_frequent(self, words: Iterable[str], limit: int) -> list[str]:
        return sorted((w for w in words if self.counts[w]), key=self._rank)[:limit]

    def _rank(self, word: str) -> tuple[int, str]:
        """Most frequent first; equally frequent words in their own order."""
        return -self.counts[word], word
