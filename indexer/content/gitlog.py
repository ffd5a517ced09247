"""An article's history from the content repository: its commits, the file
at any of them, and what changed between two.

Heads of division publish by committing, so every change is a commit; the
server reads them on request.  A committer's repository must never stall
it: every git run has a time limit and reads a bounded amount of output,
and a revision comes from the file's own log, never from a visitor.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from indexer.content.limits import MAX_FILE_BYTES

GIT_SECONDS = 5.0
MAX_REVISIONS = 200  # the newest; an article changed more often shows these
MAX_LOG_BYTES = 256 * 1024
REV_RE = re.compile(r"^[0-9a-f]{7,40}$")
CONTEXT = 1  # unchanged passages shown around each change


class NoHistory(Exception):
    """The history cannot be read; the message says why, for a person."""


@dataclass(frozen=True)
class Revision:
    rev: str  # full commit id
    when: dt.datetime
    author: str
    message: str
    path: str  # the file's path at that commit, relative to the content folder

    @property
    def short(self) -> str:
        return self.rev[:10]


@dataclass(frozen=True)
class Change:
    """One run of passages: ``kind`` is "same", "added" or "removed"."""

    kind: str
    passages: tuple[str, ...]


def _git(root: Path, args: list[str], limit: int) -> bytes:
    """git's output, at most ``limit`` bytes (more is cut off, not read);
    NoHistory when git is missing, fails or outlives ``GIT_SECONDS``."""
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C.UTF-8"}
    try:
        proc = subprocess.Popen(
            ["git", "-C", str(root), "--no-pager", "-c", "core.quotepath=off", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
    except OSError:
        raise NoHistory("เครื่องให้บริการไม่มีโปรแกรม git จึงแสดงประวัติการแก้ไขไม่ได้") from None
    late = threading.Event()

    def stop() -> None:
        late.set()
        proc.kill()

    timer = threading.Timer(GIT_SECONDS, stop)
    timer.start()
    assert proc.stdout is not None and proc.stderr is not None
    try:
        out = proc.stdout.read(limit)
        proc.stdout.close()  # git stops on a closed pipe: the rest is never read
        err = proc.stderr.read(4096)
        code = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    if late.is_set():
        raise NoHistory("อ่านประวัติการแก้ไขจาก git ไม่ทันเวลา กรุณาลองใหม่อีกครั้ง")
    if code != 0 and len(out) < limit:
        if b"not a git repository" in err.lower():
            raise NoHistory("โฟลเดอร์เอกสารไม่ได้อยู่ในคลัง git จึงไม่มีประวัติการแก้ไขให้แสดง")
        raise NoHistory("อ่านประวัติการแก้ไขจาก git ไม่ได้")
    return out


def history(root: str | Path, path: str, limit: int = MAX_REVISIONS) -> list[Revision]:
    """The commits that changed the file ``path`` (relative to the content
    folder ``root``), newest first, following renames."""
    out = _git(
        Path(root),
        [
            "log",
            "--follow",
            f"--max-count={limit}",
            "--format=%x00%H%x00%aI%x00%an%x00%s",
            "--name-only",
            "--relative",
            "--",
            path,
        ],
        MAX_LOG_BYTES,
    )
    revisions: list[Revision] = []
    head: list[str] | None = None
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("\x00"):
            head = line.split("\x00")[1:]
        elif line and head is not None and len(head) == 4 and REV_RE.match(head[0]):
            try:
                when = dt.datetime.fromisoformat(head[1])
            except ValueError:
                continue
            revisions.append(Revision(head[0], when, head[2], head[3], line))
            head = None
    return revisions


def version(root: str | Path, revision: Revision) -> str:
    """The file's text at ``revision``, at most MAX_FILE_BYTES of it."""
    if not REV_RE.match(revision.rev):
        raise NoHistory("รหัสรุ่นไม่ถูกต้อง")
    out = _git(Path(root), ["show", "--no-textconv", f"{revision.rev}:./{revision.path}"], MAX_FILE_BYTES)
    return out.decode("utf-8", "replace").replace("\r\n", "\n")


_OWN_LINE = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|\|)")


def passages(text: str) -> list[str]:
    """What a person reads as one piece when told what was added or
    removed: each front-matter line, heading, list item and table row, and
    each paragraph (lines between blank lines)."""
    out: list[str] = []
    body = text
    if text.startswith("---\n"):
        end = text.find("\n---", 3)
        if end != -1:
            out += [line.rstrip() for line in text[4:end].split("\n") if line.strip()]
            body = text[end + 4 :]
    block: list[str] = []
    for line in body.split("\n"):
        line = line.rstrip()
        if not line.strip() or _OWN_LINE.match(line.strip()):
            if block:
                out.append("\n".join(block))
                block = []
            if line.strip():
                out.append(line)
        else:
            block.append(line)
    if block:
        out.append("\n".join(block))
    return out


def changes(old: str, new: str, context: int = CONTEXT) -> list[Change]:
    """What changed from ``old`` to ``new``, passage by passage: runs of
    removed and added passages, with ``context`` unchanged passages around
    each (a run left out between them is a "skip" of its length)."""
    a, b = passages(old), passages(new)
    out: list[Change] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        if out:
            out.append(Change("skip", ()))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.append(Change("same", tuple(a[i1:i2])))
                continue
            if i2 > i1:
                out.append(Change("removed", tuple(a[i1:i2])))
            if j2 > j1:
                out.append(Change("added", tuple(b[j1:j2])))
    return out
