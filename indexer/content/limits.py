"""What one content file may ask of a build.

A committer's file is untrusted input: whatever it holds, it must not take
the build (or the server watching the folder) down, or hold the build lock
for minutes.  Each limit is far above anything an office writes (the
largest bundled manual is about 30 KB) and far below what hurts.  A file
over a limit is a ``path:line: field: message`` problem and the other files
are indexed.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

MAX_FILE_BYTES = 2 * 1024 * 1024  # a document; attachments are served, not read
MAX_FRONT_MATTER_BYTES = 32 * 1024
MAX_NESTING = 20  # lists or fields inside one another, in front-matter
MAX_LIST_ITEMS = 200  # tags, areas, aliases
MAX_ITEM_CHARS = 200
SECONDS_PER_DOCUMENT = 5.0  # rendering one file (the bundled ones take milliseconds)


class LimitExceeded(Exception):
    """A file asks more than a build gives one file; the message says what."""

    def __init__(self, field: str, message: str, line: int = 1):
        super().__init__(message)
        self.field = field
        self.line = line


class _Expired(BaseException):
    """Raised by the timer: not an Exception, so that no ``except
    Exception`` inside a parser can swallow it and carry on."""


@contextmanager
def time_limit(seconds: float, field: str, what: str) -> Iterator[None]:
    """Stop the work inside after ``seconds`` of this process's CPU time
    with LimitExceeded.

    CPU time rather than wall time: a document gets the same allowance on a
    busy machine as on an idle one.  A timer signal can interrupt only the
    main thread of a process; in any other thread the work runs unbounded
    in time (builds started by the server run in a process of their own,
    so they get the bound).  The signal is checked between Python
    instructions, which is where the slow paths of Markdown and
    front-matter parsing spend their time.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expired(signum, frame):
        raise _Expired

    previous = signal.signal(signal.SIGPROF, expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except _Expired:
        raise LimitExceeded(field, f"{what} took more than {seconds:g} s; simplify or split the file") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
