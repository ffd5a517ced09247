"""Thai text analysis: one piece of code for index time and query time.

``analyse`` turns text into word tokens and ``clusters`` into Thai character
clusters; both report each token's offsets in the *original* text, so
highlights land on what the reader sees even after normalisation changed the
text (Thai digits, decomposed sara am, zero-width characters, repeated
letters).  Nothing here knows about the search engine.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple

NIKHAHIT, SARA_AA, SARA_AM, SARA_E, SARA_AE = "\u0e4d", "\u0e32", "\u0e33", "\u0e40", "\u0e41"
# Characters that Word and PDF exports leave inside Thai words and that a
# reader never sees.
INVISIBLE = frozenset("\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff")
TONE_MARKS = frozenset("\u0e48\u0e49\u0e4a\u0e4b")
# Vowels written above or below the consonant; in the standard order they
# come before the tone mark.
UPPER_LOWER_VOWELS = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e47")
THAI_LETTERS = re.compile(r"[\u0e01-\u0e2e]")
COMBINING = frozenset(
    chr(c)
    for c in range(0x0E31, 0x0E4F)
    if unicodedata.combining(chr(c))
    or chr(c) in "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)


def _is_thai(ch: str) -> bool:
    return "\u0e00" <= ch <= "\u0e7f"


class Token(NamedTuple):
    text: str  # normalised form, what the index stores
    start: int  # offsets in the original text
    end: int
    pos: int = 0


class Normalised:
    """Normalised text with, for each character, its span in the original.

    Most text only changes character for character (Thai digits, capitals)
    or not at all; then the offsets are the same and no table is kept.
    """

    __slots__ = ("text", "starts", "ends")

    def __init__(self, text: str, starts: list[int] | None = None, ends: list[int] | None = None):
        self.text, self.starts, self.ends = text, starts, ends

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Original offsets of normalised characters ``i`` up to ``j``."""
        starts, ends = self.starts, self.ends
        if starts is None or ends is None:
            return i, j
        return starts[i], ends[j - 1]

    def offsets(self) -> tuple[list[int], list[int]]:
        starts, ends = self.starts, self.ends
        if starts is None or ends is None:
            return list(range(len(self.text))), list(range(1, len(self.text) + 1))
        return starts, ends


# Everything that normalisation changes, each with the context it needs, so
# text between two matches is copied as it is.  Most text has few matches.
_NEEDS_WORK = re.compile(
    r"[\u0e50-\u0e59]+"  # Thai digits
    "|[" + "".join(sorted(INVISIBLE)) + "]+"
    r"|[\u0e48-\u0e4b]*\u0e4d[\u0e48-\u0e4b]?\u0e32"  # decomposed sara am
    r"|\u0e40\u0e40+"  # sara e twice
    r"|([\u0e31-\u0e4e])\1+"  # a doubled mark
    r"|[\u0e31\u0e34-\u0e39\u0e47]?[\u0e48-\u0e4b]+[\u0e31\u0e34-\u0e39\u0e47]+[\u0e48-\u0e4b]*"  # tone before vowel
    r"|([\u0e01-\u0e2e])\2\2+"  # a letter three times or more
    r"|[A-Z]+|[^\x00-\x7f\u0e00-\u0e7f]+"  # case, width, exotic spaces
)


# The cases a fix can newly create, e.g. by removing an invisible character.
_THAI_WORK = re.compile(
    r"\u0e4d[\u0e48-\u0e4b]?\u0e32|\u0e40\u0e40|([\u0e31-\u0e4e])\1"
    r"|[\u0e48-\u0e4b][\u0e31\u0e34-\u0e39\u0e47]|([\u0e01-\u0e2e])\2\2"
)
_ONE_TO_ONE = re.compile(r"[\u0e50-\u0e59]+|[A-Z]+")
_ONE_TO_ONE_TABLE = str.maketrans("๐๑๒๓๔๕๖๗๘๙ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """Compatibility form, case folded; a wide or odd space is a space;
    an invisible character is nothing."""
    if ch in INVISIBLE:
        return ""
    if ch.isupper() and ch.isascii():
        return ch.lower()
    mapped = unicodedata.normalize("NFKC", ch).casefold()
    return " " if mapped.isspace() and not ch.isascii() else mapped


def _one_for_one(part: str) -> str | None:
    """``part`` normalised, when that changes it character for character."""
    if _ONE_TO_ONE.fullmatch(part):
        return part.translate(_ONE_TO_ONE_TABLE)
    if not _HAS_THAI.match(part):
        folded = [_fold(c) for c in part]
        if all(len(f) == 1 for f in folded):
            return "".join(folded)
    return None


def normalise_spans(text: str) -> Normalised:
    """Normalise ``text`` and keep, for every character, where it came from."""
    matches = [(m, _one_for_one(m.group())) for m in _NEEDS_WORK.finditer(text)]
    if all(same is not None for _, same in matches):
        # Offsets do not move: no table needed (the common case).
        pieces: list[str] = []
        at = 0
        for m, same in matches:
            pieces += [text[at : m.start()], same or ""]
            at = m.end()
        return Normalised("".join(pieces) + text[at:])
    out_text: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    at = 0
    for m, same in matches:
        a, b = m.span()
        if a > at:
            out_text.append(text[at:a])
            starts.extend(range(at, a))
            ends.extend(range(at + 1, a + 1))
        if same is not None:
            out_text.append(same)
            starts.extend(range(a, b))
            ends.extend(range(a + 1, b + 1))
        elif not _HAS_THAI.match(m.group()):
            for k, ch in enumerate(m.group()):  # a fold that changes length
                folded = _fold(ch)
                out_text.append(folded)
                starts.extend([a + k] * len(folded))
                ends.extend([a + k + 1] * len(folded))
        else:
            part = _normalise_slow(m.group())
            out_text.append(part.text)
            part_starts, part_ends = part.offsets()
            starts.extend(s + a for s in part_starts)
            ends.extend(e + a for e in part_ends)
        at = b
    if at < len(text):
        out_text.append(text[at:])
        starts.extend(range(at, len(text)))
        ends.extend(range(at + 1, len(text) + 1))
    joined = "".join(out_text)
    if _THAI_WORK.search(joined):
        # A fix can create a new case (sara e + sara e across a removed
        # zero-width space): run again on the result, composing the spans.
        again = _normalise_slow(joined)
        again_starts, again_ends = again.offsets()
        return Normalised(again.text, [starts[s] for s in again_starts], [ends[e - 1] for e in again_ends])
    return Normalised(joined, starts, ends)


def _normalise_slow(text: str) -> Normalised:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def put(c: str, s: int, e: int) -> None:
        chars.append(c)
        starts.append(s)
        ends.append(e)

    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in INVISIBLE:
            i += 1
            continue
        if _is_thai(ch):
            if "\u0e50" <= ch <= "\u0e59":
                put(chr(ord(ch) - 0x0E50 + 0x30), i, i + 1)
            elif ch == SARA_AA and chars and chars[-1] == NIKHAHIT:
                chars[-1] = SARA_AM
                ends[-1] = i + 1
            elif ch == SARA_AA and len(chars) > 1 and chars[-1] in TONE_MARKS and chars[-2] == NIKHAHIT:
                # ก ํ ่ า: nikhahit, tone, sara aa is sara am with its tone.
                tone = chars.pop()
                starts.pop()
                ends.pop()
                chars[-1] = tone
                put(SARA_AM, starts[-1], i + 1)
                ends[-2] = i + 1
            elif ch == SARA_E and chars and chars[-1] == SARA_E:
                chars[-1] = SARA_AE
                ends[-1] = i + 1
            elif chars and ch == chars[-1] and (ch in COMBINING):
                ends[-1] = i + 1  # a doubled vowel or tone mark
            elif ch in UPPER_LOWER_VOWELS and chars and chars[-1] in TONE_MARKS:
                # Tone marks typed before the vowel: the vowel goes first.
                k = len(chars)
                while k > 0 and chars[k - 1] in TONE_MARKS:
                    k -= 1
                for j in range(k, len(chars)):  # the reordered marks share one span
                    starts[j], ends[j] = starts[k], i + 1
                if k > 0 and chars[k - 1] == ch:
                    ends[k - 1] = i + 1  # the vowel is already there
                else:
                    chars.insert(k, ch)
                    starts.insert(k, starts[k])
                    ends.insert(k, i + 1)
            else:
                put(ch, i, i + 1)
        else:
            mapped = unicodedata.normalize("NFKC", ch).casefold()
            if mapped.isspace() and not ch.isascii():
                mapped = " "
            for c in mapped:
                put(c, i, i + 1)
        i += 1
    _collapse_repeats(chars, starts, ends)
    return Normalised("".join(chars), starts, ends)


def _collapse_repeats(chars: list[str], starts: list[int], ends: list[int]) -> None:
    """มากกกก -> มาก: three or more of one Thai letter is emphasis, not spelling."""
    out = 0
    i, n = 0, len(chars)
    while i < n:
        j = i + 1
        while j < n and chars[j] == chars[i]:
            j += 1
        keep = 1 if (j - i >= 3 and THAI_LETTERS.match(chars[i])) else j - i
        for k in range(keep):
            chars[out], starts[out] = chars[i + k], starts[i + k]
            ends[out] = ends[j - 1] if k == keep - 1 else ends[i + k]
            out += 1
        i = j
    del chars[out:], starts[out:], ends[out:]


def normalise(text: str) -> str:
    return normalise_spans(text).text


_QUICK_TABLE = str.maketrans(
    {
        **{chr(0x0E50 + i): str(i) for i in range(10)},
        **{c: c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
        **{c: None for c in INVISIBLE},
    }
)
_QUICK_CHARS = re.compile("[\u0e50-\u0e59A-Z" + "".join(sorted(INVISIBLE)) + "]")
_DECOMPOSED_AM = re.compile("\u0e4d([\u0e48-\u0e4b]?)\u0e32")


def quick_normalise(text: str) -> str:
    """The common part of ``normalise`` at C speed: digits, case, invisible
    characters and decomposed sara am, not tone order or repeated letters.

    For checking whether a long text contains a normalised string, where
    normalising the text fully would cost more than the search it ranks
    (a miss only forgoes a ranking bonus)."""
    if _QUICK_CHARS.search(text):  # translate looks up every character: skip it when it would do nothing
        text = text.translate(_QUICK_TABLE)
    return _DECOMPOSED_AM.sub("\\1\u0e33", text)


# --- word segmentation -----------------------------------------------------

_EDGE_PUNCT = re.compile(r"^[^\w\u0e00-\u0e7f]+|[^\w\u0e00-\u0e7f]+$")
_LATIN_RUN = re.compile(r"[^\W_]+(?:[.\-][^\W_]+)*")


_ALNUM = re.compile(r"[^\W_]")
_HAS_THAI = re.compile("[\u0e00-\u0e7f]")


def _is_word(tok: str) -> bool:
    return _ALNUM.search(tok) is not None


SEGMENTERS = ("nlpo3", "newmm", "longest")  # the first is the default


class Segmenter:
    """Word segmentation with the office's own word list.

    nlpO3 (the Rust newmm) by default, with the custom dictionary loaded
    once per word list; ``word_tokenize(engine="nlpo3", custom_dict=...)``
    would silently ignore the list, so the dictionary is loaded and named
    explicitly.  PyThaiNLP's ``newmm`` and ``longest`` can be chosen
    (``segmenter:`` in kmsearch.yaml); they take the same dictionary as a
    trie.  ``benchmarks/segmenters.py`` compares the three.
    """

    _lock = threading.Lock()
    _loaded: dict[str, object] = {}

    def __init__(self, words: Iterable[str] = (), engine: str = SEGMENTERS[0]):
        if engine not in SEGMENTERS:
            raise ValueError(f"unknown segmenter {engine!r}; choose one of {', '.join(SEGMENTERS)}")
        self.engine = engine
        self.words = tuple(sorted({normalise(w).strip() for w in words} - {""}))
        key = "\n".join(self.words) if engine == SEGMENTERS[0] else engine + "\n" + "\n".join(self.words)
        self.key = hashlib.sha1(key.encode()).hexdigest()[:16]

    def _vocabulary(self) -> set[str]:
        from pythainlp.corpus import thai_words

        return set(thai_words()) | set(self.words) | {w.replace(".", "") for w in self.words}

    def _dictionary(self):
        """nlpO3's name for the loaded dictionary, or PyThaiNLP's trie."""
        with self._lock:
            found = self._loaded.get(self.key)
            if found is None:
                if self.engine == "nlpo3":
                    from pythainlp.tokenize import nlpo3

                    found = f"kmsearch-{self.key}"
                    fd, path = tempfile.mkstemp(prefix=found, suffix=".txt")
                    with os.fdopen(fd, "w", encoding="utf-8") as f:
                        f.write("\n".join(sorted(self._vocabulary())))
                    try:
                        nlpo3.load_dict(path, found)
                    finally:
                        os.unlink(path)
                else:
                    from pythainlp.util import dict_trie

                    found = dict_trie(self._vocabulary())
                self._loaded[self.key] = found
            return found

    def segment(self, text: str) -> list[str]:
        """Pieces that together are ``text`` (normalised text: the pieces of
        ``longest`` are lower-cased, which normalised text already is)."""
        if self.engine == "nlpo3":
            from pythainlp.tokenize import nlpo3

            return nlpo3.segment(text, custom_dict=self._dictionary())
        from pythainlp.tokenize import word_tokenize

        return word_tokenize(text, engine=self.engine, custom_dict=self._dictionary(), keep_whitespace=True)

    def __getstate__(self):
        return {"words": self.words, "engine": self.engine}

    def __setstate__(self, state):
        Segmenter.__init__(self, state["words"], state.get("engine", SEGMENTERS[0]))


def analyse(text: str, segmenter: Segmenter) -> list[Token]:
    """Word tokens of ``text``: normalised, segmented, punctuation dropped.

    The last few results are kept: an index writes the body as words and
    as sub-word grams, and both start from the same analysis.
    """
    key = (segmenter.key, text)
    hit = _recent.get(key)
    if hit is not None:
        return hit
    tokens = _analyse(text, segmenter)
    if len(_recent) >= 8:
        _recent.pop(next(iter(_recent)))
    _recent[key] = tokens
    return tokens


_recent: dict[tuple[str, str], list[Token]] = {}


def _analyse(text: str, segmenter: Segmenter) -> list[Token]:
    norm = normalise_spans(text)
    tokens: list[Token] = []
    at = 0
    for piece in segmenter.segment(norm.text):
        begin, at = at, at + len(piece)
        if not _is_word(piece):
            continue
        for sub_start, sub_len, sub in _word_parts(piece):
            start, end = norm.span(begin + sub_start, begin + sub_start + sub_len)
            tokens.append(Token(sub, start, end, len(tokens)))
    return tokens


def _word_parts(piece: str) -> Iterator[tuple[int, int, str]]:
    """(offset, length, word) of the words in one segment.

    Punctuation is trimmed; dots inside a Thai abbreviation are dropped so
    that อปท. and อปท are one word; Latin and digit runs split on other
    punctuation but keep inner dots and hyphens (3.5, e-gp).
    """
    if _HAS_THAI.search(piece):
        trimmed = _EDGE_PUNCT.sub("", piece)
        word = trimmed.replace(".", "")
        if word:
            yield piece.find(trimmed), len(trimmed), word
        return
    for m in _LATIN_RUN.finditer(piece):
        yield m.start(), len(m.group()), m.group()


def words(text: str, segmenter: Segmenter) -> list[str]:
    return [t.text for t in analyse(text, segmenter)]


# --- character clusters ------------------------------------------------------


def _tcc_raw(run: str) -> tuple[str, ...]:
    from pythainlp.tokenize import subword_tokenize

    return tuple(subword_tokenize(run, engine="tcc"))


_tcc = lru_cache(maxsize=65536)(_tcc_raw)  # words recur; long runs (windows) are not cached


_THAI_RUN = re.compile(r"[\u0e01-\u0e4e]+|[^\W_\u0e00-\u0e7f]+")


def clusters(text: str) -> list[Token]:
    """Thai character clusters (and Latin/digit runs) with original offsets.

    A cluster is a base letter with its vowels and tone marks: the unit that
    a highlight or a sub-word match must never cut.
    """
    norm = normalise_spans(text)
    out: list[Token] = []
    for m in _THAI_RUN.finditer(norm.text):
        run = m.group()
        if not _is_thai(run[0]):
            start, end = norm.span(m.start(), m.end())
            out.append(Token(run, start, end, len(out)))
            continue
        at = m.start()
        for c in _tcc(run) if len(run) < 64 else _tcc_long(run):
            start, end = norm.span(at, at + len(c))
            out.append(Token(c, start, end, len(out)))
            at += len(c)
    return out


_TCC_WINDOW = 256


def _tcc_long(run: str) -> list[str]:
    """Clusters of a long run, a window at a time: PyThaiNLP's tcc slices
    the rest of the text at every cluster, quadratic in the run's length
    (an 850 000-character "word" took 40 s).  A cluster is a few
    characters long, so only the last cluster of a window can be cut; it
    is read again at the start of the next window."""
    out: list[str] = []
    at = 0
    while at < len(run):
        window = _tcc_raw(run[at : at + _TCC_WINDOW])
        if at + _TCC_WINDOW < len(run) and len(window) > 1:
            window = window[:-1]
        out.extend(window)
        at += sum(map(len, window))
    return out


GRAMS_VERSION = 2


def grams(text: str, segmenter: Segmenter) -> list[str]:
    """Overlapping pairs of character clusters: the sub-word field.

    A fragment of a compound word, or a place name the dictionary lacks,
    shares these pairs with the text even when word segmentation differs.
    Pairs run across words that touch (Thai writes no spaces between
    words) but not across a space; Latin and digit words are kept whole.
    Word boundaries are cluster boundaries, so clustering word by word (and
    caching each word) gives the same clusters as the whole run.

    In a run of several words, the pair that is a whole two-cluster word
    (ภา+ษี in ภาษีที่ดิน) is left out: the word fields already hold that
    word, and these pairs were a tenth of the field's tokens.  A run of
    one word keeps it, so a query of that one word still finds it inside
    longer words.  Index and queries both come through here; a change to
    what it returns bumps GRAMS_VERSION, so the next build re-analyses.
    """
    out: list[str] = []
    run: list[str] = []
    whole: list[int] = []  # pairs of ``run`` that are a whole two-cluster word
    words = 0
    last_end = -1
    for tok in analyse(text, segmenter):
        if not _HAS_THAI.match(tok.text):
            _flush_pairs(run, whole, words, out)
            run, whole, words = [], [], 0
            out.append(tok.text)
            last_end = -1
            continue
        if tok.start != last_end:
            _flush_pairs(run, whole, words, out)
            run, whole, words = [], [], 0
        parts = _word_clusters(tok.text)
        if len(parts) == 2:
            whole.append(len(run))
        run.extend(parts)
        words += 1
        last_end = tok.end
    _flush_pairs(run, whole, words, out)
    return out


def joining_pairs(words: Sequence[str]) -> list[str]:
    """The sub-word pairs (``grams``) across the joins of ``words`` written
    one after another without a space: the last cluster of each Thai word
    with the first of the next.  Only a text that writes them together
    holds these pairs; side by side with a space between, it does not."""
    return [
        _word_clusters(a)[-1] + _word_clusters(b)[0]
        for a, b in zip(words, words[1:])
        if _HAS_THAI.match(a) and _HAS_THAI.match(b)
    ]


def _word_clusters(word: str) -> Sequence[str]:
    return _tcc(word) if len(word) < 64 else _tcc_long(word)


def _flush_pairs(run: list[str], whole: list[int], words: int, out: list[str]) -> None:
    if len(run) == 1:
        out.append(run[0])
    elif words > 1 and whole:
        skip = set(whole)
        out.extend(run[i] + run[i + 1] for i in range(len(run) - 1) if i not in skip)
    else:
        out.extend(a + b for a, b in zip(run, run[1:]))


def cluster_bounds(text: str) -> set[int]:
    """Offsets in ``text`` where a cut never splits a character cluster."""
    bounds = {0, len(text)}
    for tok in clusters(text):
        bounds.add(tok.start)
        bounds.add(tok.end)
    return bounds


def cluster_bounds_near(text: str, start: int, end: int) -> list[int]:
    """Cluster boundaries of the space-delimited run around [start, end):
    enough to widen a match without analysing the whole text."""
    lo = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    hi = min([i for i in (text.find(" ", end), text.find("\n", end)) if i != -1] or [len(text)])
    return sorted(lo + b for b in cluster_bounds(text[lo:hi]))
