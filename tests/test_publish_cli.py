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
    path = Path(result.output.strip())
    text = path.read_text(encoding="utf-8")
    today = dt.date.today()
    assert path.parent.name == "finance"
    assert f"date: {today.isoformat()}" in text and f"ปีงบประมาณ {fiscal_year(today)}" in text
    for h in headings:
        assert f"## {h}" in text
    assert check_content(content).problems == []
    assert path.stem.startswith(f"{path.stem.split('-20')[0]}-{today:%Y%m%d}")


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
    first = Path(CliRunner().invoke(cli, [*args, "เรื่องแรก"]).output.strip())
    second = Path(CliRunner().invoke(cli, [*args, "เรื่องที่สอง"]).output.strip())
    assert first != second and second.stem.endswith("-2")
    taken = CliRunner().invoke(cli, [*args, "--id", "land-tax", "ซ้ำ"])  # an alias of another article
    assert taken.exit_code == 1 and "taken" in taken.output


def test_new_explains_a_wrong_division(content):
    result = CliRunner().invoke(
        cli, ["new", "--type", "manual", "--division", "กองคลงั", "--content", str(content), "x"]
    )
    assert result.exit_code == 1 and "did you mean 'กองคลัง'" in result.output


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
