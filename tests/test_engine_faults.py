"""Faults of an engine that is a cluster: unreachable, refusing a build,
losing a node while searches run."""

from __future__ import annotations

import threading
import time

import pytest
from click.testing import CliRunner

from indexer import build_index, engine
from indexer.engine.opensearch import backend as os_backend
from kmsearch import create_app
from kmsearch.cli import cli

from .corpus import write_corpus
from .servers import free_port
from .sites import Site


@pytest.fixture
def unreachable(tmp_path):
    content = write_corpus(tmp_path / "content")
    yaml = content / "kmsearch.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace(
            "office:\n",
            f'engine: opensearch\nopensearch:\n  hosts: ["http://127.0.0.1:{free_port()}"]\noffice:\n  slug: nowhere\n',
            1,
        ),
        encoding="utf-8",
    )
    return content, tmp_path / "index"


def test_an_unreachable_cluster_is_one_line_from_build(unreachable):
    content, index = unreachable
    result = CliRunner().invoke(cli, ["build", "--content", str(content), "--index", str(index)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert (
        len(lines) == 1
        and lines[0].startswith("ผิดพลาด: OpenSearch at http://127.0.0.1:")
        and "cannot be reached" in lines[0]
    ), result.output
    assert "Traceback" not in result.output


def test_serve_with_an_unreachable_cluster_says_so_in_one_line(unreachable):
    content, index = unreachable
    result = CliRunner().invoke(cli, ["serve", "--content", str(content), "--index", str(index), "--no-watch"])
    assert result.exit_code == 1 and "cannot be reached" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def test_an_unreachable_cluster_is_a_thai_503_with_retry_after(unreachable):
    content, index = unreachable
    app = create_app({"CONTENT_DIR": str(content), "INDEX_DIR": str(index)})
    for path in ("/", "/search?q=ภาษี", "/a/land-tax-manual", "/api/search?q=ภาษี"):
        r = app.test_client().get(path)
        assert r.status_code == 503, path
        assert r.headers["Retry-After"].isdigit()
        if not path.startswith("/api/"):
            assert "ลองใหม่" in r.get_data(as_text=True)


def test_an_office_without_hosts_or_with_credentials_in_the_file_is_refused(tmp_path):
    from indexer.content.office import ConfigError, parse_office_text

    base = "office:\n  name: x\n  slug: x\ndivisions:\n  - slug: finance\n    name: กองคลัง\n"
    with pytest.raises(ConfigError, match="hosts"):
        parse_office_text("engine: opensearch\n" + base)
    with pytest.raises(ConfigError, match="KMSEARCH_OPENSEARCH_USER"):
        parse_office_text("engine: opensearch\nopensearch:\n  hosts: [http://h]\n  password: p\n" + base)
    with pytest.raises(ConfigError, match="engine"):
        parse_office_text("engine: solr\n" + base)


@pytest.mark.opensearch
def test_a_refused_bulk_names_the_field_and_leaves_the_old_build_serving(opensearch, tmp_path, request, monkeypatch):
    site = Site(tmp_path, "opensearch", request)
    try:
        site.build()
        live = site.backend.live()
        original = os_backend.to_source

        def conflicting(doc, office, segmenter):
            out = original(doc, office, segmenter)
            if doc.id == "road-repair-lesson":
                out["fiscal_year"] = "not a year"  # an integer field
            return out

        monkeypatch.setattr(os_backend, "to_source", conflicting)
        with pytest.raises(engine.BuildFailed, match="fiscal_year"):
            build_index(site.content, site.index, full=True)
        assert site.backend.live() == live
        assert site.ids("ภาษีที่ดิน")[:1] == ["land-tax-manual"]
        left = site.backend.client.indices.get(index=f"{site.backend.alias}-*")
        assert list(left) == [live.split("#")[0]], "the refused build's index is gone"
        result = CliRunner().invoke(
            cli, ["build", "--full", "--content", str(site.content), "--index", str(site.index)]
        )
        assert result.exit_code == 1 and "fiscal_year" in result.output and "Traceback" not in result.output
    finally:
        site.cleanup()


@pytest.mark.opensearch
def test_searches_keep_answering_when_a_data_node_dies(opensearch, tmp_path, request):
    """The office's index has a replica on the other data node: killing
    either node, searches through the backend keep answering, whole."""
    site = Site(tmp_path, "opensearch", request)
    try:
        site.build()
        index = site.backend.live().split("#")[0]
        shards = site.backend.client.cat.shards(index=index, format="json")
        assert sorted(s["prirep"] for s in shards) == ["p", "r"], shards
        app = site.app()
        errors, answers = [], []
        stop = threading.Event()

        def searching():
            with app.app_context():
                repo = app.extensions["kmsearch"]
                while not stop.is_set():
                    try:
                        ids = [h.id for h in repo.run_query(repo.open_index(), "ภาษีที่ดิน").hits]
                        answers.append(ids[:1])
                    except Exception as e:  # noqa: BLE001 - every failure counts
                        errors.append(repr(e))

        t = threading.Thread(target=searching)
        t.start()
        try:
            time.sleep(2)
            victim = next(n for n in opensearch.data_nodes if n["name"] == shards[0]["node"])
            opensearch.kill_node(victim)
            before = len(answers)
            time.sleep(8)
        finally:
            stop.set()
            t.join(60)
        assert errors == []
        assert len(answers) > before, "searches answered after the kill"
        assert all(a == ["land-tax-manual"] for a in answers)
    finally:
        try:
            site.cleanup()
        except engine.EngineUnavailable:
            pass
