"""A build: content folder -> documents -> index, one bad file never stops it."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import engine
from .documents import Document, Problem, RawFile
from .loader import content_files, read_file
from .office import ConfigError, Office, load_office
from .render import render
from .thai import Segmenter
from .validate import check_unique, validate

log = logging.getLogger(__name__)
WORDS_FILE = "words.txt"


@dataclass
class BuildReport:
    documents: int = 0
    files: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    index_path: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def read_word_list(path: Path) -> list[str]:
    """One word a line; blank lines and ``#`` comments ignored."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return [w for line in text.splitlines() if (w := line.split("#", 1)[0].strip())]


def segmenter_for(content_dir: str | Path) -> Segmenter:
    return Segmenter(read_word_list(Path(content_dir) / WORDS_FILE))


def load_documents(content_dir: str | Path, office: Office | None = None) -> tuple[list[Document], list[Problem], int]:
    """Every valid document of the folder, rendered; and every problem found."""
    root = Path(content_dir)
    office = office or load_office(root)
    problems: list[Problem] = []
    valid: list[Document] = []
    raws: dict[str, RawFile] = {}
    files = 0
    for path in content_files(root):
        files += 1
        try:
            raw = read_file(path, root)
            if isinstance(raw, Problem):
                problems.append(raw)
                continue
            raws[raw.path] = raw
            result = validate(raw, office)
            if isinstance(result, list):
                problems.extend(result)
                continue
            valid.append(render(result))
        except Exception as e:  # one broken file must not stop the others
            log.exception("unexpected error in %s", path)
            problems.append(Problem(path.relative_to(root).as_posix(), 1, "file", f"could not be processed: {e}"))
    kept, dup_problems = check_unique(valid, raws)
    return kept, problems + dup_problems, files


def check_content(content_dir: str | Path) -> BuildReport:
    started = time.perf_counter()
    try:
        docs, problems, files = load_documents(content_dir)
    except ConfigError as e:
        return BuildReport(problems=[_config_problem(e)], seconds=time.perf_counter() - started)
    return BuildReport(len(docs), files, problems, time.perf_counter() - started)


def build_index(content_dir: str | Path, index_dir: str | Path, procs: int = 1) -> BuildReport:
    """Build a fresh index; raises ConfigError when nothing can be built."""
    started = time.perf_counter()
    office = load_office(content_dir)
    docs, problems, files = load_documents(content_dir, office)
    path = engine.write_index(index_dir, docs, segmenter_for(content_dir), procs=procs)
    return BuildReport(len(docs), files, problems, time.perf_counter() - started, str(path))


def _config_problem(e: ConfigError) -> Problem:
    text = str(e)
    parts = text.split(": ", 1)
    where = parts[0].rsplit(":", 1)
    line = int(where[1]) if len(where) == 2 and where[1].isdigit() else 1
    return Problem(where[0], line, "config", parts[1] if len(parts) > 1 else text)
