"""What a search asks for, in terms that do not depend on the engine."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Alternative:
    """One way to say a query word: its analysed words and its sub-word grams.

    Several words form a phrase (a quoted phrase, or a synonym like
    องค์กรปกครองส่วนท้องถิ่น that segments into four words).
    """

    words: tuple[str, ...]
    grams: tuple[str, ...] = ()
    weight: float = 1.0


@dataclass(frozen=True)
class Group:
    """One thing the user asked for; any of its alternatives satisfies it."""

    alternatives: tuple[Alternative, ...]
    required: bool = False  # a quoted phrase must match


@dataclass(frozen=True)
class Need:
    """One content word of the query that a matching document must hold.

    Ranking weighs every word (``groups``); what a search reports as found
    ("พบ N เรื่อง", facet counts, the knowledge-gap log) are the documents
    that hold every need: a word as a whole word, in any of its forms
    (``words``: the word, a synonym, the year in the other era, each a word
    or a phrase), an accepted correction (``corrections``), or a facet
    value the word names (``facets``: คู่มือ กองช่าง), or the whole run it
    was typed in, without spaces (``run``: สุนัขบ้า inside โรคพิษสุนัขบ้า).
    ``fallback`` are indexed words that hold it inside them, given only
    when a piece of another word is what was meant: no form of it is a word
    anywhere in the index (เบี้ย, written only in เบี้ยยังชีพ), or it is no
    Thai word at all (น่วย of หน่วย); listed after the documents that hold
    it as a word, and labelled.
    """

    label: str  # as typed, to say what a document lacks
    words: tuple[tuple[str, ...], ...]
    corrections: tuple[tuple[str, ...], ...] = ()
    facets: tuple[tuple[str, str], ...] = ()  # (field, value)
    fallback: tuple[tuple[str, ...], ...] = ()  # indexed words holding it inside (last resort)
    run: tuple[str, ...] = ()  # sub-word pairs of the run it was typed in, without spaces


@dataclass(frozen=True)
class QuerySpec:
    groups: tuple[Group, ...] = ()
    exclude: tuple[Group, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> any of values
    sort: str = "relevance"  # relevance | date
    # What was typed between spaces, normalised: a document holding it
    # verbatim (a fragment of a compound word, a name) ranks up.
    verbatim: tuple[str, ...] = ()
    needs: tuple[Need, ...] = ()
    # Facet values the query names (a division, a type, a kind): matching
    # documents rank first (คู่มือ กองช่าง: กองช่าง's manuals above a lesson
    # that mentions both); the page offers them as filters.
    boosts: tuple[tuple[str, str], ...] = ()
    # A question of many words (ranking.QUESTION_GRAMS_NEEDS): the sub-word
    # pairs of all it says, scored in the body's gram field.
    pairs: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.groups
