"""Failed sign-ins per client address, and how long that client waits
before it may try again.

The committee's token is the only secret the site checks; without a limit
a script tried ~550 guesses a second.  A few mistakes are free (a person
mistypes), then every further failure doubles the wait, up to a cap.  The
table is in memory: a restart forgets it, which costs an attacker a restart
of someone else's server.  Behind a reverse proxy every client has the
proxy's address, so they share one allowance (see README, /km).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

FREE_FAILURES = 5  # mistakes before any wait
FIRST_WAIT = 1.0  # seconds after the first failure past those
LONGEST_WAIT = 300.0
FORGET_AFTER = 3600.0  # a client quiet this long starts again
MAX_CLIENTS = 10_000  # addresses remembered; the oldest go first


class Backoff:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._failures: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """Seconds until ``client`` may try again; 0 when it may now."""
        with self._lock:
            count, last = self._failures.get(client, (0, 0.0))
        if count < FREE_FAILURES:
            return 0.0
        delay = min(LONGEST_WAIT, FIRST_WAIT * 2 ** (count - FREE_FAILURES))
        return max(0.0, last + delay - self.clock())

    def failed(self, client: str) -> None:
        now = self.clock()
        with self._lock:
            count, last = self._failures.pop(client, (0, now))
            if now - last > FORGET_AFTER:
                count = 0
            self._failures[client] = (count + 1, now)
            while len(self._failures) > MAX_CLIENTS:
                self._failures.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)
