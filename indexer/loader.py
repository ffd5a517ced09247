"""Find content files and split each into front-matter and body.

Reader contract: a path in, a RawFile (or a Problem) out; no validation here.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import yaml
from frontmatter.default_handlers import YAMLHandler

from .documents import Problem, RawFile

_HANDLER = YAMLHandler()


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: ~10x faster
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
    A linked folder is not entered (on any Python version: os.walk does not
    follow links), so a link cannot pull in files from outside the folder; a
    linked file is listed and ``read_file`` decides whether it is read.
    """
    root = Path(content_dir)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        found += [Path(folder, name) for name in files if name.endswith(".md") and not name.startswith((".", "_"))]
    for path in sorted(found):
        if path.is_file():
            yield path


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
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        return Problem(rel, 1, "file", f"not UTF-8 text (byte {e.start}); save the file as UTF-8")
    except OSError as e:
        return Problem(rel, 1, "file", f"cannot be read: {e.strerror}")
    return parse(text, rel)


def parse(text: str, rel: str) -> RawFile | Problem:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not _HANDLER.detect(text):
        return Problem(rel, 1, "front-matter", "missing: the file must start with a line '---', the fields, and another '---'")
    try:
        head, body = _HANDLER.split(text)
    except ValueError:
        return Problem(rel, 1, "front-matter", "not closed: add a line '---' after the fields")
    try:
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
    lines = {}
    if isinstance(node, yaml.MappingNode):
        for key, _ in node.value:
            # the head starts on the opening "---" line, so index 0 is line 1
            lines.setdefault(str(key.value).lower(), key.start_mark.line + 1)
    metadata = {str(k).lower(): v for k, v in metadata.items()}
    body_line = head.count("\n") + 2
    return RawFile(rel, metadata, body.lstrip("\n"), body_line, lines)
