"""`kmsearch new` and `kmsearch install-hook`, as a head of division uses them."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import check_content
from indexer.content.loader import parse
from indexer.content.office import load_office
from indexer.content.validate import validate
from indexer.thaidate import fiscal_year
from kmsearch.cli import cli

from .corpus import write_corpus

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def content(tmp_path):
    root = write_corpus(tmp_path / "c")
    shutil.copytree(ROOT / "content" / "_templates", root / "_templates")
    return root


@pytest.mark.parametrize(
    "type_name, headings",
    [
        ("manual", ["วัตถุประสงค์", "ขอบเขต", "ขั้นตอนการปฏิบัติงาน", "แบบฟอร์มที่เกี่ยวข้อง", "กฎหมายและระเบียบที่เกี่ยวข้อง"]),
        ("training-report", ["หลักสูตร", "วันที่และสถานที่", "ผู้เข้ารับการอบรม", "สาระสำคัญ", "การนำไปใช้ประโยชน์"]),
        ("regulation-note", ["สาระสำคัญ"]),
        ("lesson", ["บทเรียนที่ได้รับ"]),
        ("แผน", ["วัตถุประสงค์"]),
    ],
)
def test_new_writes_a_valid_document_from_the_template(content, tmp_path, type_name, headings):
    result = CliRunner().invoke(
        cli,
        [
            "new",
            "--type",
            type_name,
            "--division",
            "กองคลัง",
            "--author",
            "นายทดสอบ ระบบ",
            "--content",
            str(content),
            "--index",
            str(tmp_path / "ix"),
            "คู่มือ: การรับชำระภาษีทางออนไลน์",
        ],
    )
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    text = path.read_text(encoding="utf-8")
    today = dt.date.today()
    assert path.parent.name == "finance"
    assert f"date: {today.isoformat()}" in text and f"ปีงบประมาณ {fiscal_year(today)}" in text
    for h in headings:
        assert f"## {h}" in text
    assert check_content(content).problems == []
    assert path.stem.startswith(f"{path.stem.split('-20')[0]}-{today:%Y%m%d}")


TYPES = ["manual", "training-report", "regulation-note", "lesson", "plan"]


@pytest.mark.parametrize("type_name", TYPES)
def test_new_fills_every_field_given_in_every_template_and_reads_back_as_written(content, tmp_path, type_name):
    title, author = 'คู่มือ: "การรับชำระภาษี" null', "นางสาวทดสอบ ระบบ"
    args = ["new", "--type", type_name, "--division", "กองคลัง", "--author", author, "--id", f"x-{type_name}"]
    result = CliRunner().invoke(cli, [*args, "--content", str(content), "--index", str(tmp_path / "ix"), title])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    raw = parse(path.read_text(encoding="utf-8"), "finance/x.md")
    assert raw.metadata["author"] == author and raw.metadata["title"] == title
    assert raw.metadata["status"] == "ฉบับร่าง" and raw.metadata["division"] == "กองคลัง"
    doc = validate(raw, load_office(content))
    assert doc.id == f"x-{type_name}" and doc.author == author and doc.title == title
    assert doc.status == "draft" and doc.type == type_name and doc.division == "finance"
    assert "ฉบับร่าง" in result.stderr and "serve --drafts" in result.stderr


def test_new_adds_a_field_the_template_lacks(content, tmp_path):
    (content / "_templates" / "plan.md").write_text(
        "---\nid: $id\ntitle: $title\ndivision: $division\ntype: plan\nknowledge: explicit\n"
        "author:\ndate: $date\n---\n## หลักการ\n",
        encoding="utf-8",
    )
    args = ["new", "--type", "แผน", "--division", "finance", "--author", "นายวางแผน ดี", "--content", str(content)]
    result = CliRunner().invoke(cli, [*args, "--index", str(tmp_path / "ix"), "แผนปฏิบัติการ"])
    assert result.exit_code == 0, result.output
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert 'author: "นายวางแผน ดี"' in text and 'status: "ฉบับร่าง"' in text
    assert check_content(content).problems == [] and check_content(content).drafts == 1


def test_a_new_document_is_a_draft_the_public_site_does_not_show(content, tmp_path):
    from indexer import build_index
    from kmsearch import create_app

    args = ["new", "--type", "manual", "--division", "กองคลัง", "--id", "stub", "--content", str(content)]
    assert CliRunner().invoke(cli, [*args, "--index", str(tmp_path / "ix"), "คู่มือที่ยังเขียนไม่เสร็จ"]).exit_code == 0
    build_index(content, tmp_path / "ix")
    settings = {"CONTENT_DIR": str(content), "INDEX_DIR": str(tmp_path / "ix"), "USAGE_DB": "off"}
    assert create_app(settings).test_client().get("/a/stub").status_code == 404
    preview = create_app({**settings, "SHOW_DRAFTS": True}).test_client().get("/a/stub")
    assert preview.status_code == 200 and "ฉบับร่าง" in preview.get_data(as_text=True)
    checked = CliRunner().invoke(cli, ["check", "--content", str(content)])
    assert checked.exit_code == 0 and "ฉบับร่าง 1 เรื่อง" in checked.output


def test_the_command_line_speaks_thai(content):
    runner = CliRunner()
    top = runner.invoke(cli, ["--help"]).output
    assert "วิธีใช้: " in top and "ตัวเลือก:" in top and "คำสั่ง:" in top
    assert "แสดงวิธีใช้นี้แล้วออก" in top and "Show this message" not in top
    help_new = runner.invoke(cli, ["new", "--help"]).output
    assert "--type" in help_new and "[ต้องระบุ]" in help_new and "ส่วนราชการ" in help_new
    assert "Options" not in help_new and "required" not in help_new
    assert "[ค่าเริ่มต้น: 5000]" in runner.invoke(cli, ["serve", "--help"]).output
    missing = runner.invoke(cli, ["new", "--content", str(content), "x"])
    assert missing.exit_code == 2 and "ผิดพลาด: ยังไม่ได้ระบุตัวเลือก '--type'" in missing.output
    assert "Error" not in missing.output and "Usage" not in missing.output
    bad = runner.invoke(cli, ["serve", "--port", "abc"])
    assert bad.exit_code == 2 and "'abc' ไม่ใช่จำนวนเต็ม" in bad.output
    assert "ไม่มีคำสั่ง 'bogus'" in runner.invoke(cli, ["bogus"]).output
    # a problem in a content file keeps the form editors jump to: path:line: field: message
    (content / "finance" / "bad.md").write_text("---\ntitle: x\ndivision: nowhere\n---\n", encoding="utf-8")
    checked = runner.invoke(cli, ["check", "--content", str(content)])
    assert checked.exit_code == 1 and "finance/bad.md:3: division: unknown division 'nowhere'" in checked.output
    assert "พบปัญหา" in checked.output


def test_new_never_reuses_an_id(content, tmp_path):
    args = [
        "new",
        "--type",
        "manual",
        "--division",
        "finance",
        "--content",
        str(content),
        "--index",
        str(tmp_path / "ix"),
    ]
    first = Path(CliRunner().invoke(cli, [*args, "เรื่องแรก"]).stdout.strip())
    second = Path(CliRunner().invoke(cli, [*args, "เรื่องที่สอง"]).stdout.strip())
    assert first != second and second.stem.endswith("-2")
    taken = CliRunner().invoke(cli, [*args, "--id", "land-tax", "ซ้ำ"])  # an alias of another article
    assert taken.exit_code == 1 and "มีเอกสารใช้แล้ว" in taken.output


def test_new_explains_a_wrong_division(content):
    result = CliRunner().invoke(
        cli, ["new", "--type", "manual", "--division", "กองคลงั", "--content", str(content), "x"]
    )
    assert result.exit_code == 1 and "หมายถึง “กองคลัง” หรือไม่" in result.output


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.slow
def test_pre_commit_hook_refuses_a_broken_document(content, tmp_path):
    env = {
        "GIT_AUTHOR_NAME": "x",
        "GIT_AUTHOR_EMAIL": "x@example.org",
        "GIT_COMMITTER_NAME": "x",
        "GIT_COMMITTER_EMAIL": "x@example.org",
        "HOME": str(tmp_path),
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
    }

    def git(*args):
        return subprocess.run(["git", "-C", str(content), *args], env=env, capture_output=True, text=True)

    git("init", "-q")
    result = CliRunner().invoke(cli, ["install-hook", "--content", str(content), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 0, result.output
    assert (content / ".git" / "hooks" / "pre-commit").exists()
    git("add", "-A")
    assert git("commit", "-qm", "ok").returncode == 0
    (content / "finance" / "bad.md").write_text("---\ntitle: x\ndivision: nowhere\n---\n", encoding="utf-8")
    git("add", "-A")
    refused = git("commit", "-qm", "broken")
    assert refused.returncode != 0
    assert "finance/bad.md:3: division: unknown division 'nowhere'" in refused.stderr + refused.stdout
    # after a pull (simulated by running the hook), the index is rebuilt
    subprocess.run(
        ["sh", str(content / ".git" / "hooks" / "post-merge")], env=env, check=True, capture_output=True, cwd=content
    )  # git runs hooks at the top of the work tree
    assert (tmp_path / "ix" / "current").is_symlink()
