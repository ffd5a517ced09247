"""``kmsearch move``: an office from Whoosh to OpenSearch and back in one
command, serving from the old engine until the new one holds every
document, kmsearch.yaml rewritten only then (issue 17, part 7)."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from indexer import build_index, engine
from indexer.content.office import ConfigError, parse_office_text, with_engine
from kmsearch import create_app
from kmsearch.cli import cli

from .corpus import DOCS, write_corpus
from .servers import free_port


def test_with_engine_rewrites_only_the_engine_settings_and_comes_back(tmp_path):
    text = (write_corpus(tmp_path / "c") / "kmsearch.yaml").read_text(encoding="utf-8")
    text = "# the office's own note\n" + text + "\n# people to ask\n# show_contacts: true\n"
    there = with_engine(text, "opensearch", ("https://search-1:9200", "https://search-2:9200"), "khoktum")
    office = parse_office_text(there)
    assert (office.engine, office.hosts, office.slug) == (
        "opensearch",
        ("https://search-1:9200", "https://search-2:9200"),
        "khoktum",
    )
    assert there.startswith(text.rstrip("\n"))  # comments and every other setting as they were
    again = with_engine(there, "opensearch", ("https://search-3:9200",))  # another cluster, same office
    assert parse_office_text(again).hosts == ("https://search-3:9200",) and again.count("engine:") == 1
    assert with_engine(there, "whoosh") == text.rstrip("\n") + "\n"
    with pytest.raises(ConfigError, match="names the office 'khoktum', not 'other'"):
        with_engine(there, "opensearch", ("https://search-1:9200",), "other")
    with pytest.raises(ConfigError, match="office: slug"):
        with_engine(text, "opensearch", ("https://search-1:9200",))


def test_a_move_to_a_cluster_that_cannot_be_reached_changes_nothing(tmp_path):
    content = write_corpus(tmp_path / "c")
    index = tmp_path / "i"
    assert build_index(content, index).problems == []
    before = (content / "kmsearch.yaml").read_bytes()
    result = CliRunner().invoke(
        cli,
        ["move", "opensearch", "--hosts", f"http://127.0.0.1:{free_port()}", "--slug", "khoktum"]
        + ["--content", str(content), "--index", str(index)],
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot be reached" in lines[0] and "ไม่มีการแก้ kmsearch.yaml" in lines[0]
    assert (content / "kmsearch.yaml").read_bytes() == before
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index), "USAGE_DB": str(tmp_path / "u.db")})
    assert "พบ 1 เรื่อง" in app.test_client().get("/search?q=ข้าวทิพย์").get_data(as_text=True)


def test_moving_to_the_engine_it_is_on_is_refused(tmp_path):
    content = write_corpus(tmp_path / "c")
    result = CliRunner().invoke(cli, ["move", "whoosh", "--content", str(content), "--index", str(tmp_path / "i")])
    assert result.exit_code == 1 and "already on whoosh" in result.output
    assert CliRunner().invoke(cli, ["move", "opensearch", "--content", str(content)]).exit_code == 2  # no --hosts


@pytest.mark.opensearch
def test_an_office_moves_to_opensearch_and_back(opensearch, tmp_path, monkeypatch):
    monkeypatch.setenv("KMSEARCH_OPENSEARCH_PREFIX", f"move{time.monotonic_ns() % 10**6}")
    content = write_corpus(tmp_path / "c")
    index = tmp_path / "i"
    original = (content / "kmsearch.yaml").read_bytes()
    assert build_index(content, index).problems == []
    (content / "education" / "tradition-note.md").unlink()  # withdrawn: its link answers 410
    assert build_index(content, index).problems == []
    places = ["--content", str(content), "--index", str(index)]
    hosts = ",".join(opensearch.data_urls)

    def app():
        a = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index), "USAGE_DB": str(tmp_path / "u.db")})
        return a, a.test_client()

    result = CliRunner().invoke(cli, ["move", "opensearch", "--hosts", hosts, "--slug", "khoktum", *places])
    assert result.exit_code == 0, result.output
    assert f"ย้ายจาก whoosh ไป opensearch แล้ว: จัดทำดัชนี {len(DOCS) - 1} เรื่อง" in result.output
    office = parse_office_text((content / "kmsearch.yaml").read_text(encoding="utf-8"))
    assert (office.engine, office.slug) == ("opensearch", "khoktum")
    a, client = app()
    assert a.extensions["kmsearch"].backend.name == "opensearch"
    assert "พบ 1 เรื่อง" in client.get("/search?q=ภาษีที่ดินและสิ่งปลูกสร้าง").get_data(as_text=True)
    assert client.get("/a/tradition-note").status_code == 410
    # what was built is what the file now says: the next build has nothing to do
    again = build_index(content, index)
    assert (again.full, again.added, again.removed) == (False, 0, 0)

    result = CliRunner().invoke(cli, ["move", "whoosh", *places])
    assert result.exit_code == 0, result.output
    assert (content / "kmsearch.yaml").read_bytes() == original.rstrip(b"\n") + b"\n"
    a, client = app()
    assert a.extensions["kmsearch"].backend.name == "whoosh"
    assert "พบ 1 เรื่อง" in client.get("/search?q=ภาษีที่ดินและสิ่งปลูกสร้าง").get_data(as_text=True)
    assert client.get("/a/tradition-note").status_code == 410
    engine.backend(index, office).delete_everything()  # the office's indexes in the shared cluster
