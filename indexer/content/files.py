"""Files inside the content folder, reached without following any link.

An attachment is served from the content folder, which committers fill: a
``git pull`` can turn ``forms/kor1.pdf`` into a link to /etc/passwd, or a
folder on the way into a link to /.  Resolving the real path first and then
opening it leaves a window in which the path can change, so every step is
opened relative to the folder before it, refusing links (``O_NOFOLLOW``)
and anything that is not a plain file; the open file is what is read.
"""

from __future__ import annotations

import os
import posixpath
import stat


def clean_path(rel: str) -> str | None:
    """``rel`` as a plain path inside the folder, or None when it leaves
    the folder or names something never published (``.git``, ``_drafts``)."""
    joined = posixpath.normpath(rel.replace("\\", "/"))
    parts = joined.split("/")
    if (
        posixpath.isabs(joined)
        or joined in ("", ".")
        or any(p in ("", "..") or p.startswith((".", "_")) for p in parts)
    ):
        return None
    return joined


def open_inside(root: str | os.PathLike, rel: str) -> int:
    """A read-only descriptor of the plain file ``rel`` inside ``root``.

    Raises FileNotFoundError when there is no such plain file reached
    without a link (``root`` itself may be a link: it is the office's
    setting, not a committer's file).
    """
    path = clean_path(rel)
    if path is None:
        raise FileNotFoundError(rel)
    *folders, name = path.split("/")
    nofollow = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for folder in folders:
            try:
                step = os.open(folder, nofollow | os.O_DIRECTORY, dir_fd=fd)
            except OSError as e:
                raise FileNotFoundError(rel) from e
            os.close(fd)
            fd = step
        try:
            # O_NONBLOCK: a FIFO put in the folder would otherwise hang the open
            found = os.open(name, nofollow | os.O_NONBLOCK, dir_fd=fd)
        except OSError as e:
            raise FileNotFoundError(rel) from e
    finally:
        os.close(fd)
    if not stat.S_ISREG(os.fstat(found).st_mode):
        os.close(found)
        raise FileNotFoundError(rel)
    return found


def stat_inside(root: str | os.PathLike, rel: str) -> os.stat_result | None:
    """The plain file's status, as ``open_inside`` would reach it, or None."""
    try:
        fd = open_inside(root, rel)
    except FileNotFoundError:
        return None
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def signature(st: os.stat_result | None) -> list | None:
    """What tells that a file under a link changed: replaced, written, gone."""
    if st is None:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]
