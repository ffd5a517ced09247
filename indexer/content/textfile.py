"""The office's own text files (kmsearch.yaml, words.txt, synonyms.txt),
read whatever encoding they were saved in.

Thai offices still have files in TIS-620 (Windows' cp874): Notepad on an
older Thai Windows saves it by default.  Such a file is read as TIS-620 on
purpose, and ``check`` names the encoding and the first line that is not
UTF-8, so the office can save it again; it never stops a build or a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexer.content.documents import Problem


@dataclass(frozen=True)
class TextFile:
    text: str
    problem: Problem | None = None  # how the file was read, when not as UTF-8


def read_text(path: Path, rel: str | None = None) -> TextFile:
    """The file's text (empty when there is none).  Raises OSError only
    when it exists and cannot be read."""
    rel = rel or path.name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return TextFile("")
    try:
        return TextFile(data.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
    # Line by line: a UTF-8 file with a line added by an editor set to
    # TIS-620 is both, and is neither as a whole.
    lines, unreadable = [], False
    for raw in data.split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                lines.append(raw.decode("cp874"))
            except UnicodeDecodeError:
                lines.append(raw.decode("utf-8", errors="replace"))
                unreadable = True
    how = (
        "is neither UTF-8 nor TIS-620: characters that cannot be read were replaced; save it as UTF-8"
        if unreadable
        else "is saved as TIS-620 (cp874) and was read as such; save it as UTF-8"
    )
    return TextFile("\n".join(lines).removeprefix("\ufeff"), Problem(rel, line, "encoding", how))
