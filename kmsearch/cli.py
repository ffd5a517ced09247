"""The command line: build, check, serve, search.

Each command is a thin shell over a library call; problems become clear
messages and exit codes, never tracebacks.  Everything it prints and its
help are Thai (click's own words too: kmsearch/thaiclick.py); the option
names stay English.  A problem in a content file is printed as the build
states it, ``path:line: field: message``.
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
from kmsearch.thaiclick import ThaiGroup

# The exit status of ``build`` when another build holds the lock
# (EX_TEMPFAIL): a watching server tries again shortly.
content_option = click.option(
    "--content",
    "content",
    type=click.Path(file_okay=False),
    envvar="KMSEARCH_CONTENT",
    help="โฟลเดอร์เอกสาร [ค่าเริ่มต้น: content; ตัวแปรสภาพแวดล้อม KMSEARCH_CONTENT]",
)
index_option = click.option(
    "--index",
    "index",
    type=click.Path(file_okay=False),
    envvar="KMSEARCH_INDEX",
    help="โฟลเดอร์ดัชนีค้นหา [ค่าเริ่มต้น: instance/index; ตัวแปรสภาพแวดล้อม KMSEARCH_INDEX]",
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
    return click.ClickException(f"เขียนดัชนีใน {s['INDEX_DIR']} ไม่ได้: {e.strerror or e} ระบบยังใช้ดัชนีชุดเดิมต่อไป")


def _print_problems(problems) -> None:
    for p in problems:
        click.echo(str(p), err=True)


@click.group(cls=ThaiGroup)
@click.version_option(package_name="kmsearch", message="%(prog)s รุ่น %(version)s", help="แสดงรุ่นของโปรแกรมแล้วออก")
def cli():
    """kmsearch: คลังความรู้ค้นหาภาษาไทยสำหรับองค์กรปกครองส่วนท้องถิ่น

    ดูวิธีใช้ของแต่ละคำสั่งด้วย kmsearch คำสั่ง --help เช่น kmsearch new --help
    """


@cli.command()
@content_option
@index_option
@click.option(
    "--procs",
    default=usable_cores,
    show_default="จำนวนแกนประมวลผลที่ใช้ได้ ไม่เกิน 4",
    type=click.IntRange(min=1),
    help="จำนวนโปรเซสที่ใช้เขียนดัชนี (เมื่อเอกสารเปลี่ยนไม่กี่เรื่องจะใช้โปรเซสเดียว)",
)
@click.option("--full", is_flag=True, help="วิเคราะห์เอกสารใหม่ทุกเรื่อง ไม่ใช่เฉพาะเรื่องที่เปลี่ยน")
def build(content, index, procs, full):
    """สร้างดัชนีค้นหาจากโฟลเดอร์เอกสาร (เฉพาะส่วนที่เปลี่ยน)"""
    s = _settings(content, index)
    try:
        report = build_index(s["CONTENT_DIR"], s["INDEX_DIR"], procs=procs, full=full)
    except BuildLocked:
        click.echo(f"ผิดพลาด: {s['INDEX_DIR']}: มีการสร้างดัชนีอีกงานหนึ่งกำลังทำอยู่ ลองใหม่เมื่องานนั้นเสร็จ", err=True)
        sys.exit(BUILD_LOCKED)
    except (ConfigError, engine.EngineUnavailable, engine.BuildFailed) as e:
        raise click.ClickException(str(e)) from None  # one line: the cluster down, a mapping conflict
    except OSError as e:
        raise _cannot_write(s, e) from None
    _print_problems(report.problems)
    how = "สร้างใหม่ทั้งหมด" if report.full else f"วิเคราะห์ใหม่ {report.added} เรื่อง ลบออก {report.removed} เรื่อง"
    click.echo(
        f"จัดทำดัชนีแล้ว {report.documents} จาก {report.files} เรื่อง ({how}) ใน {report.seconds:.2f} วินาที"
        f" (พบปัญหา {len(report.problems)} รายการ) -> {report.index_path}"
    )


@cli.command()
@click.argument("target", metavar="ENGINE", type=click.Choice(engine.ENGINES))
@click.option(
    "--hosts", default="", help="ที่อยู่ของคลัสเตอร์ OpenSearch คั่นด้วยจุลภาค เช่น https://search-1:9200,https://search-2:9200"
)
@click.option("--slug", default="", help="ชื่อสำนักงานในคลัสเตอร์ (a-z, 0-9, -) เมื่อ kmsearch.yaml ยังไม่ระบุ office: slug:")
@content_option
@index_option
@click.option("--procs", default=usable_cores, type=click.IntRange(min=1), help="จำนวนโปรเซสที่ใช้เขียนดัชนี")
def move(target, hosts, slug, content, index, procs):
    """ย้ายสำนักงานไปใช้ระบบค้นหาอื่น (whoosh หรือ opensearch) ในคำสั่งเดียว

    สร้างดัชนีทั้งหมดในระบบใหม่ก่อน ตรวจว่าครบ แล้วจึงแก้ kmsearch.yaml
    ระหว่างนั้นเว็บยังค้นจากระบบเดิม หากสร้างไม่สำเร็จ ไม่มีอะไรเปลี่ยน
    """
    from indexer.move import MoveFailed, move_engine

    s = _settings(content, index)
    listed = tuple(h.strip() for h in hosts.split(",") if h.strip())
    if target == "opensearch" and not listed:
        raise click.UsageError("ย้ายไป opensearch ต้องระบุ --hosts")
    try:
        moved = move_engine(s["CONTENT_DIR"], s["INDEX_DIR"], target, listed, slug, procs)
    except BuildLocked:
        click.echo(f"ผิดพลาด: {s['INDEX_DIR']}: มีการสร้างดัชนีอีกงานหนึ่งกำลังทำอยู่ ลองใหม่เมื่องานนั้นเสร็จ", err=True)
        sys.exit(BUILD_LOCKED)
    except (ConfigError, MoveFailed, engine.EngineUnavailable, engine.BuildFailed, IndexMissing) as e:
        raise click.ClickException(f"{e} (ยังใช้ระบบเดิมต่อไป ไม่มีการแก้ kmsearch.yaml)") from None
    except OSError as e:
        raise _cannot_write(s, e) from None
    _print_problems(moved.report.problems)
    click.echo(
        f"ย้ายจาก {moved.before} ไป {moved.after} แล้ว: จัดทำดัชนี {moved.report.documents} เรื่อง"
        f" ใน {moved.report.seconds:.1f} วินาที และแก้ kmsearch.yaml แล้ว"
    )
    click.echo("ขั้นต่อไป: commit kmsearch.yaml แล้วเริ่ม kmsearch serve ใหม่ (เว็บเลือกระบบค้นหาตอนเริ่มทำงาน)")
    click.echo(f"ดัชนีของระบบเดิมยังอยู่ที่ {moved.old_index} (ลบได้เมื่อไม่ต้องการย้ายกลับ)")


@cli.command()
@content_option
def check(content):
    """ตรวจเอกสารโดยไม่สร้างดัชนี

    แสดงปัญหาทุกข้อเป็น ไฟล์:บรรทัด: ฟิลด์: ข้อความ และจบด้วยรหัส 1 เมื่อพบปัญหา
    """
    s = _settings(content, None)
    report = check_content(s["CONTENT_DIR"])
    _print_problems(report.problems)
    if report.problems:
        click.echo(f"พบปัญหา {len(report.problems)} รายการ ใน {report.files} ไฟล์", err=True)
        sys.exit(1)
    drafts = f" (ฉบับร่าง {report.drafts} เรื่อง ยังไม่แสดงต่อสาธารณะ)" if report.drafts else ""
    click.echo(f"เอกสาร {report.documents} เรื่อง ไม่พบปัญหา{drafts}")


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
            f"เปิดดัชนีที่ใช้อยู่ใน {app.config['INDEX_DIR']} ไม่ได้ ({e!r}) หน้าเว็บจะแจ้งข้อขัดข้อง"
            " จนกว่าจะมีดัชนีที่ดี: สั่ง kmsearch build --full",
            err=True,
        )


@cli.command()
@content_option
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="ที่อยู่ที่รับการเชื่อมต่อ")
@click.option("--port", default=5000, show_default=True, type=int, help="พอร์ตของเว็บ")
@click.option("--debug", is_flag=True, help="เซิร์ฟเวอร์สำหรับนักพัฒนาของ Flask พร้อมตัวดีบัก (ห้ามใช้กับระบบจริง)")
@click.option("--threads", default=8, show_default=True, help="จำนวนเธรดของเซิร์ฟเวอร์ที่ใช้งานจริง")
@click.option(
    "--watch/--no-watch",
    default=True,
    show_default=True,
    help="สร้างดัชนีใหม่เมื่อโฟลเดอร์เอกสารเปลี่ยน โดยไม่ต้องเริ่มระบบใหม่",
)
@click.option(
    "--drafts",
    is_flag=True,
    help="ดูตัวอย่างบนเครื่องของผู้เขียน: แสดงฉบับร่าง (status: ฉบับร่าง) พร้อมป้าย “ฉบับร่าง” ห้ามใช้กับเว็บที่เปิดต่อสาธารณะ",
)
def serve(content, index, host, port, debug, threads, watch, drafts):
    """เปิดเว็บคลังความรู้ (สร้างดัชนีก่อน หากยังไม่มี)"""
    _fewer_malloc_arenas()
    s = _settings(content, index)
    from kmsearch.publish.watch import build_apart

    try:
        live = engine.backend_for(s["CONTENT_DIR"], s["INDEX_DIR"]).live()
    except engine.EngineUnavailable as e:
        raise click.ClickException(str(e)) from None
    if live is None:
        click.echo("ยังไม่มีดัชนี: กำลังสร้างก่อน")
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        if (
            build_apart(s["CONTENT_DIR"], s["INDEX_DIR"]) != 0
            and engine.backend_for(s["CONTENT_DIR"], s["INDEX_DIR"]).live() is None
        ):
            raise click.ClickException("สร้างดัชนีครั้งแรกไม่สำเร็จ (ดูข้อความด้านบน) แก้เอกสารแล้วเริ่มใหม่")
    from kmsearch import create_app

    app = create_app({**s, "SHOW_DRAFTS": drafts})
    watcher = None
    if watch:
        from kmsearch.publish.watch import ContentWatcher

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        watcher = ContentWatcher(s["CONTENT_DIR"], s["INDEX_DIR"], on_built=app.extensions["kmsearch"].warm).start()
        watcher.rebuild()  # catch up with changes made while the server was down
    _warm(app)
    if drafts:
        click.echo("โหมดดูตัวอย่าง: แสดงฉบับร่างด้วย (ใช้บนเครื่องของผู้เขียนเท่านั้น)")
        if host not in ("127.0.0.1", "localhost", "::1"):
            click.echo(f"คำเตือน: เปิดรับการเชื่อมต่อที่ {host} ผู้อื่นในเครือข่ายจะเห็นฉบับร่างด้วย", err=True)
    click.echo(f"เปิดเว็บของ {s['CONTENT_DIR']} ที่ http://{host}:{port}/")
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
@click.option("--json", "as_json", is_flag=True, help="แสดงผลเป็น JSON แบบเดียวกับ API")
@click.option("--limit", default=10, show_default=True, help="จำนวนผลลัพธ์ที่แสดง")
@click.option("--province", is_flag=True, help="ค้นทุกสำนักงานที่ใช้คลัสเตอร์ OpenSearch ร่วมกัน")
def search(query, content, index, as_json, limit, province):
    """ค้นหาจากหน้าจอคำสั่ง เช่น kmsearch search ภาษีที่ดิน"""
    s = _settings(content, index)
    from kmsearch import create_app
    from kmsearch.search import repository as search_mod

    app = create_app(s)
    offices: dict = {}
    with app.test_request_context():
        try:
            if province:
                shared = search_mod.run_shared_query(query, pagelen=limit)
                if shared is None:
                    raise click.ClickException("สำนักงานนี้ไม่ได้ใช้ระบบค้นหาร่วมกับสำนักงานอื่น (ค้นทุกสำนักงานได้เมื่อใช้ OpenSearch)")
                result, offices = shared
            else:
                result = search_mod.run_query(query, pagelen=limit)
        except IndexMissing:
            raise click.ClickException(f"{s['INDEX_DIR']}: ยังไม่มีดัชนีค้นหา สั่ง kmsearch build ก่อน") from None
        if as_json:
            click.echo(
                json.dumps(
                    {"query": result.query, "total": result.total, "results": [h.as_json() for h in result.hits]},
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        click.echo(f"พบ {result.total} เรื่อง")
        for i, h in enumerate(result.hits, 1):
            snippet = str(h.snippet).replace("<mark>", "[").replace("</mark>", "]")
            whose = f"{offices[h.office].name if h.office in offices else h.office} · " if h.office else ""
            click.echo(f"{i:2}. {h.title}  ({whose}{h.id}, {h.score:.2f})\n    {snippet}")


@cli.command()
@click.option("--fiscal-year", "year", help="ปีงบประมาณ เช่น 2567 (หรือ 2024) [ค่าเริ่มต้น: ปีงบประมาณปัจจุบัน]")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "csv", "html", "docx"]),
    default="md",
    show_default=True,
    help="รูปแบบรายงาน",
)
@content_option
@index_option
@click.option(
    "--usage-db",
    "usage_db",
    envvar="KMSEARCH_USAGE_DB",
    help="บันทึกการใช้งาน [ค่าเริ่มต้น: usage.sqlite3 ข้างโฟลเดอร์ดัชนี; ตัวแปรสภาพแวดล้อม KMSEARCH_USAGE_DB]",
)
@click.option("--division", help="เฉพาะส่วนราชการนี้ (ชื่อหรือรหัส)")
@click.option("--no-queries", is_flag=True, help="ไม่ใส่คำที่ผู้ใช้ค้นหา (สำหรับฉบับเปิดเผยต่อสาธารณะ)")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="เขียนลงไฟล์นี้แทนการแสดงบนหน้าจอ")
def report(year, fmt, content, index, usage_db, division, no_queries, output):
    """รายงานตัวชี้วัด KM ของปีงบประมาณ

    ตัวชี้วัดตามแผนการจัดการความรู้ของปีงบประมาณหนึ่ง สำหรับคณะกรรมการ KM
    """
    from indexer.thaidate import BadYear, current_fiscal_year, parse_year
    from kmsearch.km import figures
    from kmsearch.km.usage import UsageLog, usage_path

    try:
        s = load_settings({"CONTENT_DIR": content, "INDEX_DIR": index, "USAGE_DB": usage_db})
        fiscal_year = parse_year(year) if year else current_fiscal_year()
    except (SettingsError, BadYear) as e:
        raise click.ClickException(str(e)) from None
    from kmsearch.search.repository import Repository

    try:
        repo = Repository(s)  # what the site shows is what the report counts: no drafts
        with repo.open_index() as ix:
            documents, office = repo.catalogue(ix), repo.office
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
        click.echo(f"เขียนรายงานลง {output} แล้ว", err=True)
    elif output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        click.echo(f"เขียนรายงานลง {output} แล้ว", err=True)
    else:
        click.echo(text, nl=False)


@cli.command("new")
@click.argument("title")
@click.option(
    "--type",
    "type_name",
    required=True,
    help="ประเภทเอกสาร เช่น คู่มือปฏิบัติงาน, รายงานผลการฝึกอบรม, สรุประเบียบ, บทเรียน, แผน (หรือรหัส manual, lesson ...)",
)
@click.option("--division", required=True, help="ส่วนราชการ ชื่อหรือรหัส เช่น กองคลัง")
@click.option("--author", default="", help="ผู้เขียน (สำหรับบทเรียน คือผู้รู้ที่สอบถามได้ด้วย)")
@click.option("--id", "doc_id", default=None, help="รหัสถาวรของเอกสาร (a-z, 0-9, -) หากไม่ระบุ ระบบตั้งให้")
@content_option
@index_option
def new(title, type_name, division, author, doc_id, content, index):
    """เริ่มเอกสารใหม่ (ฉบับร่าง) จากแม่แบบของประเภทนั้น

    เช่น kmsearch new --type คู่มือปฏิบัติงาน --division กองคลัง "คู่มือการรับชำระภาษี" --author "นางสาวทดสอบ ระบบ"

    เอกสารใหม่มี status: ฉบับร่าง จึงยังไม่แสดงบนเว็บ ดูตัวอย่างได้ด้วย kmsearch serve --drafts
    เมื่อพร้อมเผยแพร่ให้แก้เป็น status: เผยแพร่ แล้ว commit
    """
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
    click.echo(
        "สร้างฉบับร่างแล้ว: เขียนเนื้อหา ดูตัวอย่างด้วย kmsearch serve --drafts แล้วแก้ status เป็น เผยแพร่ เมื่อพร้อม",
        err=True,
    )


@cli.command("install-hook")
@content_option
@index_option
def install_hook(content, index):
    """ติดตั้ง git hook ในคลังเอกสาร

    ตรวจเอกสารก่อนทุก commit และสร้างดัชนีใหม่หลังทุก pull
    """
    from kmsearch.publish.authoring import PublishError, install_hooks

    s = _settings(content, index)
    kmsearch = sys.argv[0] if sys.argv and sys.argv[0].endswith("kmsearch") else "kmsearch"
    try:
        for path in install_hooks(
            s["CONTENT_DIR"], str(Path(kmsearch).resolve()) if "/" in kmsearch else kmsearch, s["INDEX_DIR"]
        ):
            click.echo(f"ติดตั้ง {path} แล้ว")
    except PublishError as e:
        raise click.ClickException(str(e)) from None
