"""Live pickup: rebuild when the content folder changes, while serving.

After a ``git pull``, a commit or a copied file, the changed articles are
indexed within a few seconds.  Searches keep answering from the old index
until the new one is swapped in.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from indexer.build import BUILD_LOCKED

log = logging.getLogger(__name__)
BUILD_TIMEOUT = 3600.0


def build_apart(content_dir: Path, index_dir: Path, timeout: float = BUILD_TIMEOUT) -> int:
    """Run ``kmsearch build`` in a process of its own and return its exit
    status, logging what it said.

    A server builds this way, never in its own process: whatever a
    committed file does to a parser (a crash in a C extension, a document
    that needs gigabytes), the build process takes it and the server keeps
    serving the last good build, at its own size.
    """
    command = [sys.executable, "-m", "kmsearch", "build", "--content", str(content_dir), "--index", str(index_dir)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        log.error("a build ran for more than %.0f s and was stopped; the old index keeps serving", timeout)
        return 1
    for line in done.stderr.splitlines():
        if line.strip():
            (log.warning if done.returncode == 0 else log.error)("%s", line)
    for line in done.stdout.splitlines():
        log.info("%s", line)
    if done.returncode < 0:
        log.error("the build process died (signal %d); the old index keeps serving", -done.returncode)
    return done.returncode


class ContentWatcher(FileSystemEventHandler):
    """Collects change events and rebuilds once the folder has been quiet
    for ``quiet`` seconds (a pull touches many files at once)."""

    def __init__(self, content_dir: Path, index_dir: Path, quiet: float = 1.0, on_built=None):
        self.on_built = on_built  # called after each build that swapped in a new index
        self.content_dir = Path(content_dir).resolve()
        self.index_dir = Path(index_dir).resolve()
        self.quiet = quiet
        self._changed = threading.Event()
        self._last = 0.0
        self._stop = threading.Event()
        self._observer = Observer()
        self._thread = threading.Thread(target=self._run, name="kmsearch-rebuild", daemon=True)
        self.builds = 0

    def on_any_event(self, event: FileSystemEvent) -> None:
        path = Path(str(event.src_path))
        parts = path.relative_to(self.content_dir).parts if path.is_relative_to(self.content_dir) else ()
        if any(p == ".git" for p in parts) or path.is_relative_to(self.index_dir):
            return
        if event.event_type in ("opened", "closed_no_write"):
            return
        self._last = time.monotonic()
        self._changed.set()

    def start(self) -> ContentWatcher:
        self._observer.schedule(self, str(self.content_dir), recursive=True)
        self._observer.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._changed.set()
        self._observer.stop()
        self._observer.join(5)
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._changed.wait()
            if self._stop.is_set():
                return
            while time.monotonic() - self._last < self.quiet and not self._stop.is_set():
                time.sleep(0.1)
            self._changed.clear()
            self.rebuild()

    def rebuild(self) -> None:
        status = build_apart(self.content_dir, self.index_dir)
        if status == BUILD_LOCKED:
            # Someone else is building; look again shortly.
            self._last = time.monotonic()
            self._changed.set()
            return
        if status != 0:
            return
        self.builds += 1
        if self.on_built is not None:
            try:
                self.on_built()
            except Exception:
                log.exception("could not open the new index ahead of the first search")
