"""The command line: build, check, serve, search.

Each command is a thin shell over a library call; problems become clear
messages and exit codes, never tracebacks.
"""
from __future__ import annotations

import json
import logging
import sys

import click

from indexer import ConfigError, build_index, check_content
from indexer.engine import BuildLocked, IndexMissing, live_path

from .config import SettingsError, load_settings

content_option = click.option("--content", "content", type=click.Path(file_okay=False), envvar="KMSEARCH_CONTENT",
                              help="Content folder [default: content; env KMSEARCH_CONTENT]")
index_option = click.option("--index", "index", type=click.Path(file_okay=False), envvar="KMSEARCH_INDEX",
                            help="Index folder [default: instance/index; env KMSEARCH_INDEX]")


def _settings(content: str | None, index: str | None) -> dict:
    try:
        return load_settings({"CONTENT_DIR": content, "INDEX_DIR": index})
    except SettingsError as e:
        raise click.ClickException(str(e)) from None


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
@click.option("--procs", default=1, show_default=True, help="Processes used to write the index.")
@click.option("--full", is_flag=True, help="Analyse every document again, not only the changed ones.")
def build(content, index, procs, full):
    """Build the search index from the content folder (only what changed)."""
    s = _settings(content, index)
    try:
        report = build_index(s["CONTENT_DIR"], s["INDEX_DIR"], procs=procs, full=full)
    except (ConfigError, BuildLocked) as e:
        raise click.ClickException(str(e)) from None
    _print_problems(report.problems)
    how = "full build" if report.full else f"{report.added} analysed, {report.removed} removed"
    click.echo(f"indexed {report.documents} of {report.files} documents ({how}) in {report.seconds:.2f} s"
               f" ({len(report.problems)} problems) -> {report.index_path}")


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


@cli.command()
@content_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug", is_flag=True, help="Flask's development server with the debugger (never in production).")
@click.option("--threads", default=8, show_default=True, help="Worker threads of the production server.")
@click.option("--watch/--no-watch", default=True, show_default=True,
              help="Rebuild when the content folder changes, without a restart.")
def serve(content, index, host, port, debug, threads, watch):
    """Serve the web app (builds the index first if there is none)."""
    s = _settings(content, index)
    if live_path(s["INDEX_DIR"]) is None:
        click.echo("no index yet: building it first")
        try:
            report = build_index(s["CONTENT_DIR"], s["INDEX_DIR"])
        except (ConfigError, BuildLocked) as e:
            raise click.ClickException(str(e)) from None
        _print_problems(report.problems)
        click.echo(f"indexed {report.documents} documents in {report.seconds:.2f} s")
    from . import create_app

    app = create_app(s)
    watcher = None
    if watch:
        from .watch import ContentWatcher

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        watcher = ContentWatcher(s["CONTENT_DIR"], s["INDEX_DIR"]).start()
        watcher.rebuild()  # catch up with changes made while the server was down
    click.echo(f"serving {s['CONTENT_DIR']} on http://{host}:{port}/")
    try:
        if debug:
            app.run(host=host, port=port, debug=True, use_reloader=False)
        else:
            from waitress import serve as waitress_serve

            waitress_serve(app, host=host, port=port, threads=threads, ident="kmsearch")
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
    from . import create_app
    from . import search as search_mod

    app = create_app(s)
    with app.test_request_context():
        try:
            result = search_mod.run_query(query, pagelen=limit)
        except IndexMissing as e:
            raise click.ClickException(str(e)) from None
        if as_json:
            click.echo(json.dumps({"query": result.query, "total": result.total,
                                   "results": [h.as_json() for h in result.hits]}, ensure_ascii=False, indent=2))
            return
        click.echo(f"{result.total} results")
        for i, h in enumerate(result.hits, 1):
            snippet = str(h.snippet).replace("<mark>", "[").replace("</mark>", "]")
            click.echo(f"{i:2}. {h.title}  ({h.id}, {h.score:.2f})\n    {snippet}")
