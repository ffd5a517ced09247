"""``python -m kmsearch``: the command line, for a build run in a process of its own."""

from kmsearch.cli import cli

cli(prog_name="kmsearch")
