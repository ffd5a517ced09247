"""The office's word lists: ``words.txt`` (words the segmenter must keep
whole: โคกตูม, อปท.) and ``synonyms.txt`` (one group a line:
``อปท. = องค์กรปกครองส่วนท้องถิ่น``).

Read here for the build, for ``check`` and for searching alike, so one
rule decides what a line means; a line that means nothing is a problem
with its line number, never an error.
"""

from __future__ import annotations

from pathlib import Path

from indexer.content.documents import Problem
from indexer.content.textfile import read_text

WORDS_FILE = "words.txt"
SYNONYMS_FILE = "synonyms.txt"
MAX_WORD_CHARS = 100


def _lines(text: str):
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, line


def parse_words(text: str, rel: str = WORDS_FILE) -> tuple[list[str], list[Problem]]:
    words, problems = [], []
    for number, word in _lines(text):
        if len(word) > MAX_WORD_CHARS:
            problems.append(
                Problem(rel, number, "words", f"a word of {len(word)} characters; at most {MAX_WORD_CHARS}")
            )
        elif any(c.isspace() for c in word):
            problems.append(Problem(rel, number, "words", f"{word!r} holds a space: one word a line"))
        else:
            words.append(word)
    return words, problems


def parse_synonyms(text: str, rel: str = SYNONYMS_FILE) -> tuple[list[tuple[str, ...]], list[Problem]]:
    groups, problems = [], []
    for number, line in _lines(text):
        members = tuple(dict.fromkeys(m.strip() for m in line.split("=") if m.strip()))
        if len(members) > 1 and "=" in line:
            groups.append(members)
        else:
            problems.append(
                Problem(
                    rel, number, "synonyms", "needs two or more words joined by '=', e.g. อปท. = องค์กรปกครองส่วนท้องถิ่น"
                )
            )
    return groups, problems


def read_words(content_dir: str | Path) -> tuple[list[str], list[Problem]]:
    found = read_text(Path(content_dir) / WORDS_FILE, WORDS_FILE)
    words, problems = parse_words(found.text)
    return words, ([found.problem] if found.problem else []) + problems


def read_synonyms(content_dir: str | Path) -> tuple[list[tuple[str, ...]], list[Problem]]:
    found = read_text(Path(content_dir) / SYNONYMS_FILE, SYNONYMS_FILE)
    groups, problems = parse_synonyms(found.text)
    return groups, ([found.problem] if found.problem else []) + problems
