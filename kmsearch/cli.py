"""The command line: build, check, serve, search.

Each command is a thin shell over a library call; problems become clear
messages and exit codes, never tracebacks.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import sys
from pathlib import Path

import click

from indexer import ConfigError, build_index, check_content, engine
from indexer.build import BUILD_LOCKED, BuildLocked
from indexer.engine import IndexMissing
from kmsearch.config import SettingsError, load_settings

# The exit status of ``build`` when another build holds the lock
# (EX_TEMPFAIL): a watching server tries again shortly.
content_option = click.option(
    "--content",
    "content",
    type=click.Path(file_okay=False),
    envvar="KMSEARCH_CONTENT",
    help="Content folder [default: content; env KMSEARCH_CONTENT]",
)
index_option = click.option(
    "--index",
    "index",
    type=click.Path(file_okay=False),
    envvar="KMSEARCH_INDEX",
    help="Index folder [default: instance/index; env KMSEARCH_INDEX]",
)


def usable_cores(cap: int = 4) -> int:
    """Cores this process may run on (a container or taskset may allow fewer
    than the machine has), at most ``cap``: each worker of a build holds its
    own posting buffer and writes its own segment."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(cap, n))


def _settings(content: str | None, index: str | None) -> dict:
    try:
        return load_settings({"CONTENT_DIR": content, "INDEX_DIR": index})
    except SettingsError as e:
        raise click.ClickException(str(e)) from None


def _cannot_write(s: dict, e: OSError) -> click.ClickException:
    """A full disk or a read-only folder: one line, no traceback."""
    return click.ClickException(
        f"cannot write the index in {s['INDEX_DIR']}: {e.strerror or e}; the previous index keeps serving"
    )


def _print_problems(problems) -> None:
    for p in problems:
        click.echo(str(p), err=True)


@click.group()
@click.version_option(package_name="kmsearch")
def cli():
    """kmsearch: Thai knowledge repository for local government offices."""


@cli.command()
@content_option
@index_option
@click.option(
    "--procs",
    default=usable_cores,
    show_default="the usable cores, at most 4",
    type=click.IntRange(min=1),
    help="Processes used to write the index (a build of few changed documents uses one).",
)
@click.option("--full", is_flag=True, help="Analyse every document again, not only the changed ones.")
def build(content, index, procs, full):
    """Build the search index from the content folder (only what changed)."""
    s = _settings(content, index)
    try:
        report = build_index(s["CONTENT_DIR"], s["INDEX_DIR"], procs=procs, full=full)
    except BuildLocked as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(BUILD_LOCKED)
    except (ConfigError, engine.EngineUnavailable, engine.BuildFailed) as e:
        raise click.ClickException(str(e)) from None  # one line: the cluster down, a mapping conflict
    except OSError as e:
        raise _cannot_write(s, e) from None
    _print_problems(report.problems)
    how = "full build" if report.full else f"{report.added} analysed, {report.removed} removed"
    click.echo(
        f"indexed {report.documents} of {report.files} documents ({how}) in {report.seconds:.2f} s"
        f" ({len(report.problems)} problems) -> {report.index_path}"
    )


@cli.command()
@content_option
def check(content):
    """Check the content folder without indexing; exit 1 on any problem."""
    s = _settings(content, None)
    report = check_content(s["CONTENT_DIR"])
    _print_problems(report.problems)
    if report.problems:
        click.echo(f"{len(report.problems)} problems in {report.files} files", err=True)
        sys.exit(1)
    click.echo(f"{report.documents} documents, no problems")


def _fewer_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each thread a heap of its own (up to eight per core): a
    new build's vocabulary and facets, read by whichever request thread
    comes first, stay scattered over heaps that never shrink, and the
    server grows with every rebuild.  MALLOC_ARENA_MAX in the environment,
    which glibc reads itself, is left to decide."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


def _warm(app) -> None:
    """Open the live build before the first visitor; a damaged one does not
    stop the server: its pages say so (503) until a good build is live."""
    try:
        app.extensions["kmsearch"].warm()
    except Exception as e:
        click.echo(
            f"the live index in {app.config['INDEX_DIR']} cannot be opened ({e!r}); serving an error page"
            " until a good build is live: run 'kmsearch build --full'",
            err=True,
        )


@cli.command()
@content_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask's development server with the debugger (never in production).")
@click.option("--threads", default=8, show_default=True, help="Worker threads of the production server.")
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="Rebuild when the content folder changes, without a restart.",
)
def serve(content, index, host, port, debug, threads, watch):
    """Serve the web app (builds the index first if there is none)."""
    _fewer_malloc_arenas()
    s = _settings(content, index)
    from kmsearch.publish.watch import build_apart

    try:
        live = engine.backend_for(s["CONTENT_DIR"], s["INDEX_DIR"]).live()
    except engine.EngineUnavailable as e:
        raise click.ClickException(str(e)) from None
    if live is None:
        click.echo("no index yet: building it first")
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        if (
            build_apart(s["CONTENT_DIR"], s["INDEX_DIR"]) != 0
            and engine.backend_for(s["CONTENT_DIR"], s["INDEX_DIR"]).live() is None
        ):
            raise click.ClickException("the first build failed (see above); fix the content and start again")
    from kmsearch import create_app

    app = create_app(s)
    watcher = None
    if watch:
        from kmsearch.publish.watch import ContentWatcher

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        watcher = ContentWatcher(s["CONTENT_DIR"], s["INDEX_DIR"], on_built=app.extensions["kmsearch"].warm).start()
        watcher.rebuild()  # catch up with changes made while the server was down
    _warm(app)
    click.echo(f"serving {s['CONTENT_DIR']} on http://{host}:{port}/")
    try:
        if debug:
            app.run(host=host, port=port, debug=True, use_reloader=False)
        else:
            from kmsearch.web.server import serve as production_serve

            # waitress drops X-Forwarded-* itself unless told; the app's
            # ProxyFix reads them when PROXIES trusts them (kmsearch/web/security.py).
            production_serve(app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=not s["PROXIES"])
    finally:
        if watcher:
            watcher.stop()


@cli.command()
@click.argument("query")
@content_option
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@click.option("--limit", default=10, show_default=True)
def search(query, content, index, as_json, limit):
    """Search from the terminal."""
    s = _settings(content, index)
    from kmsearch import create_app
    from kmsearch.search import repository as search_mod

    app = create_app(s)
    with app.test_request_context():
        try:
            result = search_mod.run_query(query, pagelen=limit)
        except IndexMissing as e:
            raise click.ClickException(str(e)) from None
        if as_json:
            click.echo(
                json.dumps(
                    {"query": result.query, "total": result.total, "results": [h.as_json() for h in result.hits]},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        click.echo(f"{result.total} results")
        for i, h in enumerate(result.hits, 1):
            snippet = str(h.snippet).replace("<mark>", "[").replace("</mark>", "]")
            click.echo(f"{i:2}. {h.title}  ({h.id}, {h.score:.2f})\n    {snippet}")


@cli.command()
@click.option("--fiscal-year", "year", help="ปีงบประมาณ, e.g. 2567 (or 2024) [default: the current one]")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "html", "docx"]), default="md", show_default=True)
@content_option
@index_option
@click.option(
    "--usage-db",
    "usage_db",
    envvar="KMSEARCH_USAGE_DB",
    help="Usage log [default: usage.sqlite3 next to the index folder; env KMSEARCH_USAGE_DB]",
)
@click.option("--division", help="Only this division (slug or name).")
@click.option("--no-queries", is_flag=True, help="Leave out what people searched for (for a public copy).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of the terminal.")
def report(year, fmt, content, index, usage_db, division, no_queries, output):
    """The KM plan's indicators for one fiscal year, for the committee."""
    from indexer.thaidate import BadYear, current_fiscal_year, parse_year
    from kmsearch.km import figures
    from kmsearch.km.usage import UsageLog, usage_path

    try:
        s = load_settings({"CONTENT_DIR": content, "INDEX_DIR": index, "USAGE_DB": usage_db})
        fiscal_year = parse_year(year) if year else current_fiscal_year()
    except (SettingsError, BadYear) as e:
        raise click.ClickException(str(e)) from None
    from indexer.content.office import load_office

    try:
        office = load_office(s["CONTENT_DIR"])
        ix = engine.backend(s["INDEX_DIR"], office).open()
        try:
            documents = ix.all()
        finally:
            ix.close()
        ind = figures.compute(
            documents, office, UsageLog(usage_path(s)), fiscal_year, division, show_queries=not no_queries
        )
    except (ConfigError, IndexMissing, ValueError) as e:
        raise click.ClickException(str(e)) from None
    from kmsearch.web.dashboard import render_report

    if fmt == "html":
        from kmsearch import create_app

        app = create_app({**s, "USAGE_DB": "off"})
        with app.test_request_context():
            text = render_report(ind, fmt)
    else:
        text = render_report(ind, fmt)
    if isinstance(text, bytes):
        if not output:
            raise click.UsageError("ไฟล์ Word ต้องบอกชื่อไฟล์ที่จะเขียนด้วย --output (-o)")
        Path(output).write_bytes(text)
        click.echo(f"wrote {output}", err=True)
    elif output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("new")
@click.argument("title")
@click.option(
    "--type",
    "type_name",
    required=True,
    help="manual, training-report, regulation-note, lesson or plan (or the Thai label)",
)
@click.option("--division", required=True, help="Division by slug or Thai name, e.g. กองคลัง")
@click.option("--author", default="", help="Who writes it (and, for a lesson, who holds the knowledge).")
@click.option("--id", "doc_id", default=None, help="Permalink id; a fresh one is made when omitted.")
@content_option
@index_option
def new(title, type_name, division, author, doc_id, content, index):
    """Start a new document from the office's template for its type."""
    from indexer import ConfigError, load_office
    from kmsearch.publish.authoring import PublishError, new_document

    s = _settings(content, index)
    try:
        path = new_document(
            s["CONTENT_DIR"],
            load_office(s["CONTENT_DIR"]),
            type_name,
            division,
            title,
            author=author,
            doc_id=doc_id,
            index_dir=s["INDEX_DIR"],
        )
    except (ConfigError, PublishError, FileExistsError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(path)


@cli.command("install-hook")
@content_option
@index_option
def install_hook(content, index):
    """Install git hooks in the content repository: check before each
    commit, rebuild the index after each pull."""
    from kmsearch.publish.authoring import PublishError, install_hooks

    s = _settings(content, index)
    kmsearch = sys.argv[0] if sys.argv and sys.argv[0].endswith("kmsearch") else "kmsearch"
    try:
        for path in install_hooks(
            s["CONTENT_DIR"], str(Path(kmsearch).resolve()) if "/" in kmsearch else kmsearch, s["INDEX_DIR"]
        ):
            click.echo(f"installed {path}")
    except PublishError as e:
        raise click.ClickException(str(e)) from None
