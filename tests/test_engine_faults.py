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


# --- a data node killed while a build is being written ------------------------

PLOTS = 120  # documents of the build beside the corpus: several bulk requests of PLOT_CHUNK
PLOT_CHUNK = 20  # documents a bulk request (os_backend.BULK_CHUNK, made small: many requests, small corpus)
# The document being prepared when the node dies: two requests of 20 sent and
# acknowledged, a third full (opensearch-py sends a chunk when the next action
# comes), sent as soon as this document is prepared, to a node that is gone.
KILL_AT = 3 * PLOT_CHUNK + 1


def plot(i: int, note: str = "รดน้ำทุกเช้า") -> str:
    return (
        f"---\nid: plot-{i:03d}\ntitle: บันทึกแปลงผักสาธิตแปลงที่ {i}\ndivision: กองช่าง\ntype: lesson\n"
        f"knowledge: explicit\ndate: 2024-05-01\n---\nแปลงผักสาธิตแปลงนี้{note}\n"
    )


def plot_docs(note: str = "รดน้ำทุกเช้า") -> dict[str, str]:
    return {f"engineering/plots/plot-{i:03d}.md": plot(i, note) for i in range(PLOTS)}


class KillDuringBuild:
    """Kills a data node of ``cluster`` while a build runs, at the moment the
    build prepares its KILL_AT-th document (``indexer.build.prepare``: the
    documents go to the bulk requests as they are prepared, so KILL_AT - 1
    of them have been handed to the bulk stream, 2 * PLOT_CHUNK of them
    acknowledged). No timing is guessed: the build waits, in ``prepare``,
    until the node is dead. ``choose(index)`` picks the victim
    from the index being written."""

    def __init__(self, cluster, monkeypatch, choose):
        from indexer import build as build_mod

        self.cluster, self.choose = cluster, choose
        self.victim: dict | None = None
        self.seen = 0
        self.error: BaseException | None = None
        original = build_mod.prepare

        def counting(doc, found):
            self.seen += 1
            if self.seen == KILL_AT and self.error is None:
                try:
                    self.victim = self.choose()
                    cluster.kill_node(self.victim)
                except BaseException as e:  # noqa: BLE001 - reported by the test, not the build
                    self.error = e
            return original(doc, found)

        monkeypatch.setattr(build_mod, "prepare", counting)
        monkeypatch.setattr(os_backend, "BULK_CHUNK", PLOT_CHUNK)


def primary_of(site, index: str, cluster) -> dict:
    shards = site.backend.client.cat.shards(index=index, format="json")
    primary = [s for s in shards if s["prirep"] == "p"]
    assert len(primary) == 1, shards
    return next(n for n in cluster.data_nodes if n["name"] == primary[0]["node"])


def new_index(site, live: str) -> str:
    """The index a full build is writing beside the live one (``live``: its key)."""
    found = [i for i in site.backend.client.indices.get(index=f"{site.backend.alias}-*") if i != live.split("#")[0]]
    assert len(found) == 1, found
    return found[0]


def searchable(site) -> tuple[set[str], int]:
    """Every stored id of the live build, and how many documents a search for
    the plots' common words finds."""
    with site.open() as ix:
        ids = {d["id"] for d in ix.all()}
    return ids, site.query("แปลงผักสาธิต", pagelen=1).total


def other_than(node: dict, cluster) -> dict:
    return next(n for n in cluster.data_nodes if n["name"] != node["name"])


def build_while_killing(site, killer, cluster, full: bool):
    """(report, None) when the build completed, (None, the error) when it
    failed, the killer having killed its node meanwhile; says which and how
    long it took (pytest -s)."""
    started = time.monotonic()
    try:
        report, failed = build_index(site.content, site.index, full=full), None
    except (engine.BuildFailed, engine.EngineUnavailable) as e:
        report, failed = None, e
    took = time.monotonic() - started
    assert killer.error is None, killer.error
    assert killer.victim is not None and not cluster.alive(killer.victim)
    how = "full" if full else "incremental"
    outcome = f"failed: {failed}" if failed else "completed"
    print(f"{how} build with {killer.victim['name']} killed: {outcome} in {took:.1f} s")
    return report, failed


@pytest.mark.opensearch
@pytest.mark.parametrize("victim", ["writing", "other"])
def test_a_data_node_killed_during_a_full_build(opensearch, tmp_path, request, monkeypatch, victim):
    """A data node dies mid-bulk: the one that holds the new index's only
    copy (no replica while it loads), or the other one. The build completes
    with every document searchable, or fails with one line and the old
    build serving whole; once the node is back, every document of the build
    that reported success is searchable, with a replica again."""
    site = Site(tmp_path, "opensearch", request)
    try:
        site.build()  # the old build: the corpus alone
        old_live = site.backend.live()
        old_ids, _ = searchable(site)
        (site.content / "engineering" / "plots").mkdir()
        for rel, text in plot_docs().items():
            (site.content / rel).write_text(text, encoding="utf-8")

        def choose() -> dict:
            writing = primary_of(site, new_index(site, old_live), opensearch)
            return writing if victim == "writing" else other_than(writing, opensearch)

        killer = KillDuringBuild(opensearch, monkeypatch, choose)
        report, failed = build_while_killing(site, killer, opensearch, full=True)
        if failed is None:
            assert report.problems == [] and site.backend.live() != old_live
            ids, found = searchable(site)
            assert ids == old_ids | {f"plot-{i:03d}" for i in range(PLOTS)} and found == PLOTS
        else:
            assert len(str(failed).splitlines()) == 1 and "Traceback" not in str(failed)
            assert "a data node left" in str(failed) and "cannot be reached" not in str(failed), failed
            assert site.backend.live() == old_live, "the old alias keeps serving"
            assert searchable(site) == (old_ids, 0), "its complete old build"
            assert site.ids("ภาษีที่ดิน")[:1] == ["land-tax-manual"]
        opensearch.restart_node(killer.victim)
        monkeypatch.undo()
        ids, found = searchable(site)
        if failed is None:
            assert ids == old_ids | {f"plot-{i:03d}" for i in range(PLOTS)} and found == PLOTS
            live = site.backend.live().split("#")[0]
            opensearch.health(status="green", nodes=len(opensearch.nodes), timeout=60)
            copies = site.backend.client.cat.shards(index=live, format="json")
            assert sorted(c["prirep"] for c in copies) == ["p", "r"], f"a replica again once the node is back: {copies}"
        else:
            assert (ids, found) == (old_ids, 0)
            site.build()  # the next build writes everything
            ids, found = searchable(site)
            assert found == PLOTS and len(ids) == len(old_ids) + PLOTS
    finally:
        site.cleanup()


@pytest.mark.opensearch
def test_a_data_node_killed_during_an_incremental_build(opensearch, tmp_path, request, monkeypatch):
    """The node holding the live index's primary dies while an incremental
    build sends its changes: its replica takes over; the build completes
    with every change searchable, or fails with one line and loses nothing
    the last successful build wrote; once the node is back, the same."""
    site = Site(tmp_path, "opensearch", request)
    try:
        (site.content / "engineering" / "plots").mkdir()
        for rel, text in plot_docs().items():
            (site.content / rel).write_text(text, encoding="utf-8")
        site.build()
        live = site.backend.live()
        before, found = searchable(site)
        assert found == PLOTS
        for rel, text in plot_docs("ใส่ปุ๋ยคอกทุกเย็น").items():
            (site.content / rel).write_text(text, encoding="utf-8")
        index = live.split("#")[0]
        killer = KillDuringBuild(opensearch, monkeypatch, lambda: primary_of(site, index, opensearch))
        report, failed = build_while_killing(site, killer, opensearch, full=False)

        def changed() -> int:
            return site.query("ปุ๋ยคอก", pagelen=1).total

        if failed is None:
            assert not report.full and report.added == PLOTS and report.problems == []
            assert searchable(site) == (before, PLOTS) and changed() == PLOTS
        else:
            assert len(str(failed).splitlines()) == 1
            assert searchable(site)[0] == before, "nothing the last build wrote is lost"
        opensearch.restart_node(killer.victim)
        monkeypatch.undo()
        if failed is not None:
            site.build()
        assert searchable(site) == (before, PLOTS) and changed() == PLOTS
    finally:
        site.cleanup()
