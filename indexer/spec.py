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
    required: bool = False   # a quoted phrase must match


@dataclass(frozen=True)
class QuerySpec:
    groups: tuple[Group, ...] = ()
    exclude: tuple[Group, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> any of values
    sort: str = "relevance"   # relevance | date
    # What was typed between spaces, normalised: a document holding it
    # verbatim (a fragment of a compound word, a name) ranks up.
    verbatim: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.groups
