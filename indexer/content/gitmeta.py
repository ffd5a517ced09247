"""Dates and authors from git, when the content folder is a repository.

Heads of division publish by committing: the last commit that touched a
file tells when it was updated and by whom, unless the front-matter says.
"""

from __future__ import annotations

import datetime as dt
import logging
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)


def last_commits(root: Path) -> dict[str, tuple[dt.date, str]]:
    """content-relative path -> (date, author) of the newest commit touching it."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(root),
                "log",
                "--format=%x00%aI%x00%an",
                "--name-only",
                "--relative",
                "--no-renames",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}  # not a repository, or no git: front-matter alone
    found: dict[str, tuple[dt.date, str]] = {}
    current: tuple[dt.date, str] | None = None
    for line in out.splitlines():
        if line.startswith("\x00"):
            _, when, author = line.split("\x00", 2)
            try:
                current = (dt.datetime.fromisoformat(when).date(), author)
            except ValueError:
                current = None
        elif line and current is not None:
            found.setdefault(line, current)  # newest first: keep the first seen
    return found
