"""The indexed words, for spelling correction and suggestions: the same
for every backend once it has listed its words."""

from __future__ import annotations

from rapidfuzz import process
from rapidfuzz.distance import OSA


class Vocabulary:
    """The indexed words, by length.

    Whoosh's ``terms_within`` computes an edit distance in Python for every
    word of the field: 2 s for one lookup at 10 000 documents.  Here only
    words of a length within reach are compared, in rapidfuzz's C++, and
    document frequencies are looked up for the few words found.
    """

    def __init__(self, by_length: dict[int, list[str]]):
        self.by_length = by_length
        # Query words recur (ประเทศ, ปี): their compounds are remembered
        # for the build, as the words are.
        self._containing: dict[tuple[str, int], list[str]] = {}

    def containing(self, frequency, piece: str, limit: int) -> list[str]:
        """Longer words with ``piece`` inside, most frequent first; found in
        one string of every word, at C speed (a loop over 100 000 words in
        Python took tens of milliseconds a query word)."""
        key = (piece, limit)
        found = self._containing.get(key)
        if found is None:
            if len(self._containing) >= 4096:
                self._containing.clear()
            found = self._containing[key] = self._find_containing(frequency, piece, limit)
        return list(found)

    def _find_containing(self, frequency, piece: str, limit: int) -> list[str]:
        joined = self._joined()
        found: set[str] = set()
        at = joined.find(piece)
        while at != -1 and len(found) < 20 * limit:
            start = joined.rfind("\n", 0, at) + 1
            end = joined.find("\n", at)
            word = joined[start:end]
            if len(word) > len(piece):
                found.add(word)
            at = joined.find(piece, end)
        freq = {w: frequency(w) for w in found}
        return sorted((w for w in found if freq[w]), key=lambda w: (-freq[w], w))[:limit]

    def _joined(self) -> str:
        joined = getattr(self, "_all", None)
        if joined is None:
            joined = self._all = "\n" + "\n".join(w for words in self.by_length.values() for w in words) + "\n"
        return joined

    def similar(self, frequency, word: str, maxdist: int, limit: int) -> list[str]:
        found: set[str] = set()
        for n in range(max(1, len(word) - maxdist), len(word) + maxdist + 1):
            words = self.by_length.get(n)
            if words:
                found.update(
                    w
                    for w, _, _ in process.extract_iter(word, words, scorer=OSA.distance, score_cutoff=maxdist)
                    if w != word
                )
        freq = {w: frequency(w) for w in found}
        return sorted((w for w in found if freq[w]), key=lambda w: (-freq[w], w))[:limit]
