from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kmsearch.cli import cli

from .corpus import write_corpus
from .sites import on_backend

pytestmark = pytest.mark.both_backends  # tests/conftest.py: each test that builds a site, on both engines


def test_build_check_and_search(backend, cluster, tmp_path):
    content = on_backend(write_corpus(tmp_path / "c"), backend, cluster)
    (content / "finance" / "bad.md").write_text(
        "---\nid: bad\ntitle: ทดสอบ\ndivision: กองคลงั\ntype: manual\nknowledge: explicit\ndate: 2024-01-01\n---\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["--content", str(content), "--index", str(tmp_path / "ix")]

    result = runner.invoke(cli, ["build", *args])
    assert result.exit_code == 0, result.output
    assert "finance/bad.md:4: division: unknown division 'กองคลงั'; did you mean 'กองคลัง'?" in result.output
    assert "จัดทำดัชนีแล้ว 6 จาก 7 เรื่อง" in result.output

    result = runner.invoke(cli, ["check", "--content", str(content)])
    assert result.exit_code == 1
    assert "finance/bad.md:4: division:" in result.output

    result = runner.invoke(cli, ["search", "ภาษีที่ดิน", "--json", *args])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["id"] == "land-tax-manual"

    result = runner.invoke(cli, ["search", "ภาษีที่ดิน", *args])
    assert "คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง" in result.output


def test_check_passes_on_clean_content(tmp_path):
    result = CliRunner().invoke(cli, ["check", "--content", str(write_corpus(tmp_path / "c"))])
    assert result.exit_code == 0 and "เอกสาร 6 เรื่อง ไม่พบปัญหา" in result.output


def test_environment_variables_name_the_folders(backend, cluster, tmp_path):
    content = on_backend(write_corpus(tmp_path / "c"), backend, cluster)
    env = {"KMSEARCH_CONTENT": str(content), "KMSEARCH_INDEX": str(tmp_path / "ix")}
    assert CliRunner(env=env).invoke(cli, ["build"]).exit_code == 0
    found = CliRunner(env=env).invoke(cli, ["search", "ภาษีที่ดิน", "--json"])
    assert found.exit_code == 0 and json.loads(found.output)["results"][0]["id"] == "land-tax-manual"
    assert (tmp_path / "ix").is_dir()  # the build lock's folder, whichever the engine


@pytest.mark.whoosh_only(
    "the current symlink is how Whoosh swaps builds; OpenSearch swaps an alias (conformance suite)"
)
def test_the_whoosh_index_folder_names_the_live_build(backend, tmp_path):
    assert backend == "whoosh"
    content = write_corpus(tmp_path / "c")
    assert CliRunner().invoke(cli, ["build", "--content", str(content), "--index", str(tmp_path / "ix")]).exit_code == 0
    assert (tmp_path / "ix" / "current").is_symlink()


def test_search_without_an_index_says_what_to_do(backend, cluster, tmp_path):
    content = on_backend(write_corpus(tmp_path / "c"), backend, cluster)
    result = CliRunner().invoke(cli, ["search", "x", "--content", str(content), "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "kmsearch build" in result.output


def test_missing_configuration(tmp_path):
    (tmp_path / "c").mkdir()
    result = CliRunner().invoke(cli, ["build", "--content", str(tmp_path / "c"), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1 and "kmsearch.yaml: not found" in result.output
