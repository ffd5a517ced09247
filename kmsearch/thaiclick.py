"""click, speaking Thai: the help's headings and the errors of the command line.

The commands' own help and messages are written in Thai in ``cli.py``; what
click itself prints (Usage:, Options:, Error:, "Missing option") is put in
Thai here, by the command classes the ``kmsearch`` group uses, so that a
head of division never meets an English sentence.  Option names stay in
English (they are typed, and the README documents them).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any

import click

HELP = "แสดงวิธีใช้นี้แล้วออก"

# click's English messages (click/core.py, click/exceptions.py, click/types.py),
# with the parts that vary captured, and their Thai.
_MESSAGES = [
    (r"Missing option '([^']+)'\.(.*)", r"ยังไม่ได้ระบุตัวเลือก '\1' ซึ่งต้องระบุ\2"),
    (r"Missing argument '([^']+)'\.", r"ยังไม่ได้ระบุ \1 ซึ่งต้องระบุ"),
    (r"Missing parameter: (.+)", r"ยังไม่ได้ระบุ \1"),
    (r"No such option '([^']+)'\.\s*Did you mean '([^']+)'\?", r"ไม่มีตัวเลือก '\1': หมายถึง '\2' หรือไม่"),
    (r"No such option '([^']+)'\.\s*\(Possible options: (.+)\)", r"ไม่มีตัวเลือก '\1' (ที่ใกล้เคียง: \2)"),
    (r"No such option '([^']+)'\.", r"ไม่มีตัวเลือก '\1'"),
    (r"No such option: (\S+)\s*Did you mean (\S+)\?", r"ไม่มีตัวเลือก \1: หมายถึง \2 หรือไม่"),
    (r"No such option: (\S+)\s*\(Possible options: (.+)\)", r"ไม่มีตัวเลือก \1 (ที่ใกล้เคียง: \2)"),
    (r"No such option: (\S+)", r"ไม่มีตัวเลือก \1"),
    (r"No such command '([^']+)'\.", r"ไม่มีคำสั่ง '\1': ดูคำสั่งทั้งหมดด้วย kmsearch --help"),
    (r"Option '([^']+)' requires an argument\.", r"ตัวเลือก '\1' ต้องตามด้วยค่า"),
    (r"Option '([^']+)' requires (\d+) arguments\.", r"ตัวเลือก '\1' ต้องตามด้วยค่า \2 ค่า"),
    (r"Got unexpected extra arguments? \((.*)\)", r"มีคำเกินมา: \1 (ข้อความที่มีช่องว่างให้ใส่ในเครื่องหมายคำพูด)"),
    (r"Invalid value for '([^']+)': (.*)", r"ค่าของ '\1' ไม่ถูกต้อง: \2"),
]
_VALUES = [
    (r"'([^']*)' is not a valid integer( range)?\.", r"'\1' ไม่ใช่จำนวนเต็ม"),
    (r"'([^']*)' is not a valid float( range)?\.", r"'\1' ไม่ใช่ตัวเลข"),
    (r"(\S+) is not in the range (.+)\.", r"\1 อยู่นอกช่วงที่รับได้ (\2)"),
    (r"'([^']*)' is not one of (.+)\.", r"'\1' ไม่ใช่ค่าที่รับได้: ใช้ \2"),
    (r"'([^']*)' is not (.+)\.", r"'\1' ใช้ไม่ได้: ต้องเป็น \2"),
    (r"Directory '([^']*)' is a file\.", r"'\1' เป็นไฟล์ ไม่ใช่โฟลเดอร์"),
    (r"File '([^']*)' is a directory\.", r"'\1' เป็นโฟลเดอร์ ไม่ใช่ไฟล์"),
]


def thai_message(message: str) -> str:
    """One of click's messages in Thai; one it does not know stays as it is."""
    for english, thai in _MESSAGES:
        m = re.fullmatch(english, message.strip(), flags=re.S)
        if m:
            return _value(m.expand(thai))
    return _value(f": {message}")[2:]


def _value(message: str) -> str:
    """The tail of "Invalid value for ...: <why>" in Thai too."""
    head, sep, why = message.partition(": ")
    if not sep:
        return message
    for english, thai in _VALUES:
        m = re.fullmatch(english, why.strip(), flags=re.S)
        if m:
            return f"{head}: {m.expand(thai)}"
    return message


def _extra_in_thai(record: tuple[str, str]) -> tuple[str, str]:
    name, text = record
    text = re.sub(r"\[default: ([^\]]*)\]", r"[ค่าเริ่มต้น: \1]", text)
    text = re.sub(r"\[env var: ([^\]]*)\]", r"[ตัวแปรสภาพแวดล้อม: \1]", text)
    text = text.replace("[required]", "[ต้องระบุ]").replace("; required]", "; ต้องระบุ]")
    text = re.sub(r"\[default: ([^;\]]*);", r"[ค่าเริ่มต้น: \1;", text)
    return name, text


class ThaiCommand(click.Command):
    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="วิธีใช้: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            _extra_in_thai(record)
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument) and (record := param.get_help_record(ctx)) is not None
        ]
        if rows:
            with formatter.section("ตัวเลือก"):
                formatter.write_dl(rows)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP
        return option

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """click's standalone behaviour, with its messages in Thai."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as e:
            if e.ctx is not None:
                click.echo(e.ctx.get_usage(), err=True)
                click.echo(f"ดูวิธีใช้: {e.ctx.command_path} --help", err=True)
                click.echo(err=True)
            click.echo(f"ผิดพลาด: {thai_message(e.format_message())}", err=True)
            sys.exit(e.exit_code)
        except click.ClickException as e:
            click.echo(f"ผิดพลาด: {e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("ยกเลิกแล้ว", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class ThaiGroup(ThaiCommand, click.Group):
    command_class = ThaiCommand

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("คำสั่ง"):
                formatter.write_dl(rows)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        ThaiCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)
