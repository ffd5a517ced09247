"""Find content files and split each into front-matter and body.

Reader contract: a path in, a RawFile (or a Problem) out; no validation here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from indexer.content.documents import Problem, RawFile
from indexer.content.limits import MAX_FILE_BYTES, MAX_FRONT_MATTER_BYTES, MAX_NESTING

_HANDLER = YAMLHandler()


_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


class _Loader(_Base):
    """Safe YAML that leaves dates as text: validation parses them, so a
    wrong date is reported with its line instead of failing the file, and
    Buddhist Era years (2567-03-12) are understood."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def content_files(content_dir: str | Path) -> Iterator[Path]:
    """Markdown files under the content folder, in a stable order.

    Folders and files whose names start with ``.`` or ``_`` (templates,
    drafts, git) are not content.
    A linked folder is not entered, so a link cannot pull in files from
    outside the folder; a linked file is listed and ``read_file`` decides
    whether it is read.
    """
    for _, path, _ in content_entries(content_dir):
        yield Path(path)


def content_entries(content_dir: str | Path) -> list[tuple[str, str, os.stat_result]]:
    """(relative path, path, stat) of every file ``content_files`` lists, in
    the same order: one ``os.scandir`` walk with plain strings, which a
    build compares with what the last build recorded without reading the
    files (a tenth of the time of ``pathlib`` at 10 000 files)."""
    root = os.fspath(content_dir)
    found: list[tuple[tuple[str, ...], str, str, os.stat_result]] = []
    todo = [("", root)]
    while todo:
        prefix, folder = todo.pop()
        try:
            it = os.scandir(folder)
        except OSError:
            continue
        with it:
            for entry in it:
                name = entry.name
                if name.startswith((".", "_")):
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        todo.append((prefix + name + "/", entry.path))
                    elif name.endswith(".md") and entry.is_file():
                        rel = prefix + name
                        found.append((tuple(rel.split("/")), rel, entry.path, entry.stat()))
                except OSError:
                    continue  # gone or unreadable meanwhile: not listed, as before
    found.sort(key=lambda f: f[0])
    return [(rel, path, st) for _, rel, path, st in found]


def _not_content(path: Path, root: Path) -> str | None:
    """Why ``path`` must not be read, or None.  Only a file that is itself
    content is read: a link to a file outside the folder (/etc/passwd, a
    key), or to a hidden, draft or non-Markdown file inside it (.git/config)
    never reaches the index."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if not real.is_relative_to(real_root):
        return "is a link to a file outside the content folder; it is not read"
    parts = real.relative_to(real_root).parts
    if real.suffix != ".md" or any(p.startswith((".", "_")) for p in parts):
        return "is a link to a file that is not a content document; it is not read"
    return None


def read_file(path: Path, root: Path) -> RawFile | Problem:
    rel = path.relative_to(root).as_posix()
    refused = _not_content(path, root)
    if refused:
        return Problem(rel, 1, "file", refused)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return Problem(
                rel,
                1,
                "file",
                f"is {size / 1048576:.1f} MB; a document may be at most "
                f"{MAX_FILE_BYTES // 1048576} MB: split it, or attach the long part as a PDF",
            )
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        return Problem(rel, 1, "file", f"not UTF-8 text (byte {e.start}); save the file as UTF-8")
    except OSError as e:
        return Problem(rel, 1, "file", f"cannot be read: {e.strerror}")
    return parse(text, rel)


def parse(text: str, rel: str) -> RawFile | Problem:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _HANDLER.detect(text):
        return Problem(
            rel, 1, "front-matter", "missing: the file must start with a line '---', the fields, and another '---'"
        )
    try:
        head, body = _HANDLER.split(text)
    except ValueError:
        return Problem(rel, 1, "front-matter", "not closed: add a line '---' after the fields")
    if len(head.encode("utf-8")) > MAX_FRONT_MATTER_BYTES:
        return Problem(
            rel, 1, "front-matter", f"is longer than {MAX_FRONT_MATTER_BYTES // 1024} KB; put long text in the body"
        )
    try:
        depth, deep_line = nesting(head)
        if depth > MAX_NESTING:
            return Problem(rel, deep_line, "front-matter", f"lists or fields nested more than {MAX_NESTING} deep")
        loader = _Loader(head)
        try:
            node = loader.get_single_node()
            metadata = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = (mark.line + 1) if mark else 1
        problem = getattr(e, "problem", None) or str(e)
        return Problem(rel, line, "front-matter", f"invalid YAML: {problem}")
    except RecursionError:
        return Problem(rel, 1, "front-matter", "invalid YAML: lists or fields nested too deeply")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        return Problem(rel, 2, "front-matter", "must be a list of 'field: value' lines")
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            # the head starts on the opening "---" line, so index 0 is line 1
            name, line = str(key.value).lower(), key.start_mark.line + 1
            if name in lines:
                # YAML keeps the last value silently; the author meant one of them
                return Problem(rel, line, name, f"is given twice (first on line {lines[name]}); keep one")
            lines[name] = line
    metadata = {str(k).lower(): v for k, v in metadata.items()}
    body_line = head.count("\n") + 2
    return RawFile(rel, metadata, body.lstrip("\n"), body_line, lines)


_OPENERS = frozenset("[{-?:")


def nesting(head: str) -> tuple[int, int]:
    """How deep the front-matter's lists and mappings go, and the line of
    the deepest, without building them: libyaml's C loader builds nested
    values by recursion and overflows the C stack (SIGSEGV, no message) on
    a few tens of thousands of ``[``.  Its event parser keeps its own
    stack, so the events are counted only when the text could be deep at
    all (each level needs one of ``[{-?:``), which front-matter never is."""
    if sum(head.count(c) for c in _OPENERS) <= MAX_NESTING:
        return 0, 1
    depth = deepest = 0
    line = 1
    for event in yaml.parse(head, Loader=_Loader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > deepest:
                deepest, line = depth, (event.start_mark.line + 1 if event.start_mark else line)
            if depth > MAX_NESTING:
                break
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return deepest, line
