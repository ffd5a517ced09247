"""A build: content folder -> documents -> index, one bad file never stops it.

Builds are incremental: a document is analysed again only when its file
changed (content hash); documents whose file went away are removed, and
their ids remembered so that old links can say the article was withdrawn.
A change to the office configuration or the word list rebuilds everything.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer import engine
from indexer.analysis.thai import GRAMS_VERSION, SEGMENTERS, Segmenter
from indexer.content.documents import DRAFT, Document, Problem, RawFile
from indexer.content.files import signature, stat_inside
from indexer.content.gitmeta import last_commits
from indexer.content.limits import SECONDS_PER_DOCUMENT, LimitExceeded, time_limit
from indexer.content.links import Links
from indexer.content.loader import content_entries, read_file
from indexer.content.office import CONFIG_NAME, ConfigError, Office, load_office, parse_office_text, read_office_text
from indexer.content.render import RENDER_VERSION, render
from indexer.content.validate import check_unique, validate
from indexer.content.wordlists import WORDS_FILE, read_synonyms, read_words

log = logging.getLogger(__name__)
# Fewer changed documents than this are written by one process whatever
# ``procs`` says: starting workers costs more than analysing a few documents.
PROCS_MIN_DOCS = 100
LOCK = ".build.lock"  # in the index folder, whatever the engine


# The exit status of `kmsearch build` when another build holds the lock
# (EX_TEMPFAIL): a watcher tries again rather than reporting a failure.
BUILD_LOCKED = 75


class BuildLocked(Exception):
    pass


_HELD_LOCKS: set[int] = set()  # descriptors of the build locks this process holds


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder; a second one fails at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildLocked(f"{index_dir}: another build is running; try again when it ends") from None
        _HELD_LOCKS.add(fh.fileno())
        try:
            yield
        finally:
            _HELD_LOCKS.discard(fh.fileno())
            fcntl.flock(fh, fcntl.LOCK_UN)


def _after_fork_in_child() -> None:
    """A worker forked by a build (procs > 1) must neither keep the build
    lock nor outlive the build: a flock belongs to the open file, which a
    forked child shares, so a worker left behind by a killed build would
    hold the lock and refuse every later build."""
    if not _HELD_LOCKS:
        return
    devnull = os.open(os.devnull, os.O_RDONLY)
    for fd in _HELD_LOCKS:
        os.dup2(devnull, fd)  # this process's reference to the lock is gone; the number stays valid
    os.close(devnull)
    _HELD_LOCKS.clear()
    parent = os.getppid()
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the build
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)


os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class BuildReport:
    documents: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    index_path: str = ""
    added: int = 0  # documents analysed in this build
    removed: int = 0
    failed: int = 0  # documents that could not be rendered
    full: bool = True
    drafts: int = 0  # of the documents, drafts (kmsearch check says so; nothing public shows them)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class Scan:
    """Every valid document of a folder (not rendered yet) and every problem."""

    documents: list[Document]
    problems: list[Problem]
    files: int
    hashes: dict[str, str]  # path -> hash of the file's bytes
    stats: dict[str, list | None] = field(default_factory=dict)  # path -> stat signature (see _signature)
    root: str = ""
    ids: set[str] = field(default_factory=set)  # every id and alias, for links
    by_path: dict[str, str] = field(default_factory=dict)  # article file -> id

    def links(self, doc: Document) -> Links:
        return Links(doc, self.root, self.ids, self.by_path)


def segmenter_for(content_dir: str | Path, kind: str | None = None) -> Segmenter:
    """The content folder's segmenter: its word list, and the engine its
    kmsearch.yaml names (``kind`` when given)."""
    if kind is None:
        try:
            kind = load_office(content_dir).segmenter
        except ConfigError:
            kind = SEGMENTERS[0]
    return Segmenter(read_words(content_dir)[0], kind)


def scan(
    content_dir: str | Path, office: Office, unchanged: dict[str, list] | None = None, entries: list | None = None
) -> Scan:
    """Read, validate and link-check the content folder.

    ``unchanged`` (an incremental build) maps paths whose bytes have not
    changed since the last build to what that build recorded, [id, hash,
    aliases, title, ...]: those files are not read again, only their ids
    are kept so new files cannot take them.  ``entries`` is the listing of
    the folder when the caller already has it (``loader.content_entries``).
    """
    root = Path(content_dir)
    unchanged = unchanged or {}
    problems: list[Problem] = []
    valid: list[Document] = []
    raws: dict[str, RawFile] = {}
    hashes: dict[str, str] = {}
    stats: dict[str, list | None] = {}
    started = time.time_ns()
    files = 0
    for rel, name, st in content_entries(root) if entries is None else entries:
        files += 1
        if rel in unchanged:
            hashes[rel] = unchanged[rel][1]
            continue
        path = Path(name)
        try:
            stats[rel] = _signature(st, started)
            hashes[rel] = _file_hash(name)
            with time_limit(SECONDS_PER_DOCUMENT, "front-matter", "reading the front-matter"):
                raw = read_file(path, root)
                result = validate(raw, office) if isinstance(raw, RawFile) else raw
            if isinstance(result, Problem):
                problems.append(result)
                continue
            assert isinstance(raw, RawFile)  # a Problem was reported above
            raws[raw.path] = raw
            if isinstance(result, list):
                problems.extend(result)
            else:
                valid.append(result)
        except LimitExceeded as e:
            problems.append(Problem(rel, e.line, e.field, str(e)))
        except Exception as e:  # one broken file must not stop the others
            log.exception("unexpected error in %s", path)
            problems.append(Problem(rel, 1, "file", f"could not be processed: {e}"))
    claimed = {}
    for rel, entry in unchanged.items():
        claimed[entry[0]] = (rel, True)
        claimed.update({a: (rel, False) for a in entry[2]})
    kept, dup_problems = check_unique(valid, raws, claimed)
    problems += dup_problems
    if office.git_dates:
        kept = _with_git_metadata(kept, last_commits(root))
    ids = set(claimed) | {i for d in kept for i in (d.id, *d.aliases)}
    by_path = {rel: entry[0] for rel, entry in unchanged.items()} | {d.path: d.id for d in kept}
    return Scan(kept, problems, files, hashes, stats, str(root), ids, by_path)


def prepare(doc: Document, found: Scan) -> tuple[Document | None, Links, list[Problem]]:
    """``doc`` rendered with its links checked, or None when its body
    breaks a limit or the renderer; the problems either way."""
    links = found.links(doc)
    try:
        return render(doc, links), links, links.problems
    except LimitExceeded as e:
        return None, links, [Problem(doc.path, doc.body_line, e.field, str(e))]
    except Exception as e:  # a renderer bug on one file must not stop the build
        log.exception("cannot render %s", doc.path)
        return None, links, [Problem(doc.path, doc.body_line, "body", f"could not be rendered: {e}")]


def _rendered(found: Scan) -> tuple[list[Document], list[Problem]]:
    docs, problems = [], []
    for doc in found.documents:
        rendered, _, doc_problems = prepare(doc, found)
        problems += doc_problems
        if rendered is not None:
            docs.append(rendered)
    return docs, problems


# A file whose last change is this close to the moment it was looked at may
# change again within the same tick of the file system's clock (coarser than
# a nanosecond on most kernels) without its signature changing: its
# signature is not recorded, so the next build reads its bytes.
RACY_NS = 2_000_000_000


def _file_hash(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest()


def _signature(st, now_ns: int) -> list | None:
    """What says a file is the one the last build read, without reading it:
    size, modification and status-change times, inode.  The status-change
    time cannot be set back by tools that copy times (cp -p, rsync -t,
    tar), and any write moves it."""
    if st.st_mtime_ns >= now_ns - RACY_NS or st.st_ctime_ns >= now_ns - RACY_NS:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _unchanged(previous: dict | None, entries: list, root: Path) -> tuple[dict[str, list], set[str]]:
    """Files that are what the previous build recorded, as it recorded
    them: [id, hash, aliases, title, signature, link targets]; and the
    files that are, but one of whose link targets (an attachment) appeared,
    changed or went, so they are read and rendered again.

    A file whose stat signature matches the recorded one is not read; any
    other recorded file is read and hashed, and is unchanged when its bytes
    are (touched, copied back, checked out again).  So a change is missed
    only if the size, both times and the inode all stayed the same, which
    no editor, git or copy does; ``kmsearch build --full`` re-reads
    everything regardless.
    """
    if previous is None:
        return {}, set()
    docs = previous.get("docs", {})
    now = time.time_ns()
    out = {}
    stale = set()
    for rel, name, st in entries:
        entry = docs.get(rel)
        if entry is None or len(entry) < 6:
            continue  # new, or recorded by an older version: read it again
        sig = _signature(st, now)
        if sig is None or entry[4] != sig:
            try:
                if _file_hash(name) != entry[1]:
                    continue
            except OSError:
                continue
        if any(signature(stat_inside(root, target)) != was for target, was in entry[5].items()):
            stale.add(rel)
            continue
        out[rel] = [*entry[:4], sig, entry[5]]
    return out, stale


def _with_git_metadata(docs: list[Document], commits: dict) -> list[Document]:
    out = []
    for doc in docs:
        when, who = commits.get(doc.path, (None, ""))
        if when and doc.updated is None and when > doc.date:
            doc = replace(doc, updated=when)
        if who and not doc.author:
            doc = replace(doc, author=who)
        out.append(doc)
    return out


def load_documents(content_dir: str | Path, office: Office | None = None) -> tuple[list[Document], list[Problem], int]:
    """Every valid document of the folder, rendered; and every problem found."""
    found = scan(content_dir, office or load_office(content_dir))
    docs, problems = _rendered(found)
    return docs, found.problems + problems, found.files


def check_content(content_dir: str | Path) -> BuildReport:
    started = time.perf_counter()
    try:
        found = scan(content_dir, load_office(content_dir))
    except ConfigError as e:
        return BuildReport(problems=[_config_problem(e)], seconds=time.perf_counter() - started)
    docs, problems = _rendered(found)
    return BuildReport(
        len(docs),
        found.files,
        config_problems(content_dir) + found.problems + problems,
        time.perf_counter() - started,
        drafts=sum(d.status == DRAFT for d in docs),
    )


def config_problems(content_dir: str | Path) -> list[Problem]:
    """What is wrong with the office's own files, beside its documents
    (kmsearch.yaml's errors stop a build and are raised as ConfigError)."""
    office = read_office_text(content_dir).problem
    return ([office] if office else []) + read_words(content_dir)[1] + read_synonyms(content_dir)[1]


def _config_hash(root: Path, backend: engine.Backend, office_text: str | None = None) -> str:
    # Whoosh's as it always was, so that its indexes are not rebuilt for this
    engine = "" if backend.name == "whoosh" else backend.name
    h = hashlib.sha1(f"{engine}{backend.schema_version}/{RENDER_VERSION}/{GRAMS_VERSION}".encode())
    for name in (CONFIG_NAME, WORDS_FILE):
        if name == CONFIG_NAME and office_text is not None:
            h.update(office_text.encode())  # the bytes kmsearch move then writes
            continue
        try:
            h.update((root / name).read_bytes())
        except FileNotFoundError:
            h.update(b"-")
    return h.hexdigest()


def build_index(
    content_dir: str | Path,
    index_dir: str | Path,
    procs: int = 1,
    full: bool = False,
    office_text: str | None = None,
    inherit: dict | None = None,
) -> BuildReport:
    """Bring the index up to date with the content folder.

    ``office_text`` builds with that kmsearch.yaml instead of the folder's,
    and ``inherit`` is what another engine's live build recorded, for its
    withdrawn ids (a move between engines, indexer/move.py: the file
    changes only once the new engine's build is live, written with exactly
    this text, so the next build finds nothing changed).

    Raises ConfigError when the office configuration is unusable (nothing is
    built and the old index keeps serving) and BuildLocked when another
    build of the same index is running.
    """
    started = time.perf_counter()
    root = Path(content_dir)
    if office_text is None:
        office = load_office(root)
    else:
        office = parse_office_text(office_text, str(root / CONFIG_NAME))
    backend = engine.backend(index_dir, office)
    config = _config_hash(root, backend, office_text)
    with build_lock(Path(index_dir)):
        live_info = backend.read_info()
        previous = live_info if live_info and live_info.get("config") == config and not full else None
        entries = content_entries(root)
        unchanged, stale = _unchanged(previous, entries, root)
        found = scan(root, office, unchanged, entries)
        old_docs: dict[str, list] = (previous or {}).get("docs", {})
        docs = dict(unchanged)
        docs.update(
            {
                d.path: [d.id, found.hashes[d.path], list(d.aliases), d.title, found.stats.get(d.path), {}]
                for d in found.documents
            }
        )
        # the signature alone never makes a document worth analysing again
        changed = [d for d in found.documents if old_docs.get(d.path, [])[:4] != docs[d.path][:4] or d.path in stale]
        removed: set[str] = set()
        if previous is not None:
            removed = {e[0] for e in old_docs.values()} - {e[0] for e in docs.values()}
            removed |= {old_docs[d.path][0] for d in changed if d.path in old_docs and old_docs[d.path][0] != d.id}
        gone = _withdrawn(live_info or inherit or {}, docs)
        report = BuildReport(len(docs), found.files, config_problems(root) + found.problems, full=previous is None)
        backend.prune()  # what builds that were killed left
        if previous is not None and not changed and not removed and gone == previous.get("gone", {}):
            report.index_path = backend.live() or ""
        else:
            titles = {e[0]: e[3] for e in docs.values()}
            key = backend.write(
                segmenter_for(root, office.segmenter),
                _prepared(changed, found, docs, old_docs, titles, report),
                remove=sorted(removed),
                # the office as this build read it: a server shows the divisions of the build it serves
                info={
                    "config": config,
                    "docs": docs,
                    "gone": gone,
                    "titles": titles,
                    "office": read_office_text(root).text if office_text is None else office_text,
                },
                incremental=previous is not None,
                procs=procs if len(changed) >= PROCS_MIN_DOCS else 1,
            )
            report.index_path = key
            report.added, report.removed = len(changed) - report.failed, len(removed)
            report.documents = len(docs)
    report.seconds = time.perf_counter() - started
    return report


def _prepared(
    changed: list[Document],
    found: Scan,
    docs: dict[str, list],
    old_docs: dict[str, list],
    titles: dict[str, str],
    report: BuildReport,
) -> Iterator[Document]:
    """The changed documents rendered, one at a time as the index writer
    takes them, with what the build records of each (``docs`` and
    ``titles`` are written after the last one).

    A document that cannot be rendered is a problem, never the end of the
    build: its last good version, if any, keeps serving, and it is
    recorded as not read, so the next build tries it again.
    """
    for doc in changed:
        rendered, links, problems = prepare(doc, found)
        report.problems += problems
        if rendered is not None:
            docs[doc.path][5] = links.targets
            yield rendered
            continue
        report.failed += 1
        old = old_docs.get(doc.path)
        if old is not None and len(old) >= 6:
            docs[doc.path] = [old[0], "", old[2], old[3], None, old[5]]
            titles[old[0]] = old[3]
        else:
            docs.pop(doc.path, None)
            if doc.id not in (e[0] for e in docs.values()):
                titles.pop(doc.id, None)


def _withdrawn(previous: dict, docs: dict[str, list]) -> dict[str, str]:
    """Ids that were once published and are not any more: id -> title.

    Kept across builds, so a link to a deleted article can answer 410.
    """
    live_ids = {entry[0] for entry in docs.values()}
    gone = dict(previous.get("gone", {}))
    for doc_id, title in previous.get("titles", {}).items():
        gone.setdefault(doc_id, title)
    return {i: t for i, t in gone.items() if i not in live_ids}


def _config_problem(e: ConfigError) -> Problem:
    text = str(e)
    parts = text.split(": ", 1)
    where = parts[0].rsplit(":", 1)
    line = int(where[1]) if len(where) == 2 and where[1].isdigit() else 1
    return Problem(where[0], line, "config", parts[1] if len(parts) > 1 else text)
