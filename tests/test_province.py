"""One search across the offices of a province (issue 17, part 4): every
office builds into the shared cluster from its own content; any office's
site searches all of them with ``scope=province``, with an office facet,
and each result opens on its own office's site.

Each test has a prefix of its own (KMSEARCH_OPENSEARCH_PREFIX): the
cluster's other offices, from other tests, are not in its province.
"""

from __future__ import annotations

import itertools
import re
import time

import pytest

from indexer import build_index
from kmsearch import create_app

from .corpus import DOCS, write_corpus
from .visible import visible_text

_runs = itertools.count(1)

LAND_TAX = DOCS["finance/land-tax-manual.md"]
# Another office's manual under the same id: ids are unique within an office only.
BANMAI_LAND_TAX = LAND_TAX.replace("title: คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง", "title: คู่มือภาษีที่ดินฉบับบ้านใหม่")
BANMAI_FLOOD = """---
id: flood-lesson
title: บทเรียนน้ำท่วมหมู่ ๔
division: engineering
type: lesson
knowledge: tacit
holder: นายมานะ ขยัน
date: 2024-10-01
---
เมื่อน้ำท่วมถนนหมู่ ๔ ทีมงานกองช่างเปิดทางระบายน้ำ และแจ้งลดหย่อนภาษีที่ดินให้ผู้ประสบภัย
"""
NONGBUA_NOTE = """---
id: tax-note
title: สรุปการชำระภาษีที่ดินล่าช้า
division: finance
type: regulation-note
knowledge: explicit
date: 2024-03-01
---
ผู้ชำระภาษีที่ดินเกินกำหนดต้องเสียเงินเพิ่ม
"""


def write_office(root, cluster, prefix_slug: str, name: str, docs: dict[str, str] | None, site_url: str = ""):
    """An office's content folder on the cluster, built; its path."""
    content = write_corpus(root / "content", docs)
    hosts = ", ".join(f'"{u}"' for u in cluster.data_urls)
    site = f"  site_url: {site_url}\n" if site_url else ""
    yaml = content / "kmsearch.yaml"
    yaml.write_text(
        yaml.read_text(encoding="utf-8").replace(
            "office:\n  name: เทศบาลตำบลทดสอบ\n",
            f"engine: opensearch\nopensearch:\n  hosts: [{hosts}]\n"
            f"office:\n  name: {name}\n  slug: {prefix_slug}\n{site}",
            1,
        ),
        encoding="utf-8",
    )
    report = build_index(content, root / "index")
    assert report.problems == []
    return content


OFFICES = {
    "khoktum": ("เทศบาลตำบลโคกตูม", None, ""),
    "banmai": (
        "เทศบาลตำบลบ้านใหม่",
        {"finance/land-tax.md": BANMAI_LAND_TAX, "engineering/flood.md": BANMAI_FLOOD},
        "https://km.banmai.example/",
    ),
    "nongbua": ("อบต.หนองบัว", {"finance/note.md": NONGBUA_NOTE}, ""),
}


def _office(root, cluster, prefix_slug: str, name: str, docs: dict[str, str] | None, site_url: str = ""):
    content = write_office(root, cluster, prefix_slug, name, docs, site_url)
    app = create_app(
        {"CONTENT_DIR": str(content), "INDEX_DIR": str(root / "index"), "USAGE_DB": str(root / "usage.sqlite3")}
    )
    app.testing = True
    return app


@pytest.fixture
def province(opensearch, tmp_path, monkeypatch):
    """Three offices in one province: โคกตูม (the tests' corpus), บ้านใหม่
    (its own land-tax manual under the same id, a site address) and
    หนองบัว (no site address)."""
    prefix = f"prov{next(_runs)}x{time.monotonic_ns() % 10**6}"
    monkeypatch.setenv("KMSEARCH_OPENSEARCH_PREFIX", prefix)
    apps = {slug: _office(tmp_path / slug, opensearch, slug, *office) for slug, office in OFFICES.items()}
    yield apps
    for app in apps.values():
        app.extensions["kmsearch"].backend.delete_everything()


def _hits(html: str) -> list[tuple[str, str]]:
    """(title, href or "") of each result, in order."""
    out = []
    for item in re.findall(r'<li class="hit">(.*?)</li>\s*(?=<li class="hit">|</ol>)', html, re.S):
        h3 = re.search(r"<h3>(.*?)</h3>", item, re.S).group(1)
        href = re.search(r'href="([^"]*)"', h3)
        out.append((visible_text(h3), href.group(1).replace("&amp;", "&") if href else ""))
    return out


@pytest.mark.opensearch
def test_a_province_search_finds_every_offices_documents_with_an_office_facet(province):
    client = province["khoktum"].test_client()
    own = client.get("/search?q=ภาษีที่ดิน")
    assert own.status_code == 200
    own_text = visible_text(own.get_data(as_text=True))
    assert "ค้นใน: เทศบาลตำบลโคกตูม · ทุกสำนักงาน" in own_text  # the switch, this office current
    assert "บ้านใหม่" not in " ".join(t for t, _ in _hits(own.get_data(as_text=True)))

    page = client.get("/search?q=ภาษีที่ดิน&scope=province")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    text = visible_text(html)
    hits = dict(_hits(html))
    # scored with the statistics of every office, not each office's own
    # (where a word every document of a small office holds is worth little)
    assert set(list(hits)[:2]) == {"คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง", "คู่มือภาษีที่ดินฉบับบ้านใหม่"}
    # this office's manual opens here, at the passage
    assert hits["คู่มือการจัดเก็บภาษีที่ดินและสิ่งปลูกสร้าง"].startswith("/a/land-tax-manual")
    # บ้านใหม่'s, under the same id, opens on บ้านใหม่'s own site
    assert hits["คู่มือภาษีที่ดินฉบับบ้านใหม่"].startswith("https://km.banmai.example/a/land-tax-manual")
    assert hits["บทเรียนน้ำท่วมหมู่ ๔"].startswith("https://km.banmai.example/a/flood-lesson")
    # หนองบัว gave no address: the result says where it is, with no link
    assert hits["สรุปการชำระภาษีที่ดินล่าช้า"] == ""
    assert "อ่านได้ที่อบต.หนองบัว" in text
    # the count is of every office; the facet says how many are whose
    assert "พบ 4 เรื่อง" in text
    facet = re.search(r'<section aria-labelledby="facet-office">(.*?)</section>', html, re.S).group(1)
    assert visible_text(facet) == "สำนักงาน เทศบาลตำบลบ้านใหม่ 2 เทศบาลตำบลโคกตูม 1 อบต.หนองบัว 1"


@pytest.mark.opensearch
def test_the_office_filter_and_the_way_back(province):
    client = province["khoktum"].test_client()
    html = client.get("/search?q=ภาษีที่ดิน&scope=province&office=banmai").get_data(as_text=True)
    assert sorted(t for t, _ in _hits(html)) == ["คู่มือภาษีที่ดินฉบับบ้านใหม่", "บทเรียนน้ำท่วมหมู่ ๔"]
    assert "พบ 2 เรื่อง" in visible_text(html)
    # the chip removes the office, keeping the province scope
    chip = re.search(r'href="([^"]*)" aria-label="เอาตัวกรอง เทศบาลตำบลบ้านใหม่ ออก"', html).group(1)
    assert "scope=province" in chip and "office=" not in chip
    # back to this office: scope and office filter both dropped
    back = re.search(r'<p class="scope">.*?<a href="([^"]*)"', html, re.S).group(1).replace("&amp;", "&")
    assert "scope" not in back and "office" not in back and "q=" in back
    # the search box keeps the scope for the next query
    assert '<input type="hidden" name="scope" value="province">' in html


@pytest.mark.opensearch
def test_a_bad_office_value_is_a_thai_400(province):
    client = province["khoktum"].test_client()
    r = client.get("/search?q=ภาษี&scope=province&office=<script>")
    assert r.status_code == 400
    assert "ไม่รู้จักสำนักงาน" in visible_text(r.get_data(as_text=True))
    assert client.get("/search?q=ภาษี&scope=elsewhere").status_code == 400


@pytest.mark.opensearch
def test_another_offices_rebuild_is_seen_without_a_restart(province):
    client = province["khoktum"].test_client()
    assert "พบ 4 เรื่อง" in visible_text(client.get("/search?q=ภาษีที่ดิน&scope=province").get_data(as_text=True))
    banmai = province["banmai"].extensions["kmsearch"]
    (banmai.content_dir / "engineering" / "flood.md").unlink()
    assert build_index(banmai.content_dir, banmai.index_dir).problems == []
    html = client.get("/search?q=ภาษีที่ดิน&scope=province").get_data(as_text=True)
    assert "พบ 3 เรื่อง" in visible_text(html)
    assert "บทเรียนน้ำท่วมหมู่ ๔" not in visible_text(html)


def test_an_office_alone_in_its_engine_has_no_province_search(client):
    """Whoosh holds one office: no switch, and the scope is not found."""
    assert "ทุกสำนักงาน" not in visible_text(client.get("/search?q=ภาษี").get_data(as_text=True))
    assert client.get("/search?q=ภาษี&scope=province").status_code == 404


@pytest.mark.opensearch
def test_the_api_searches_the_province_too(province):
    client = province["khoktum"].test_client()
    data = client.get("/api/search?q=ภาษีที่ดิน&scope=province").get_json()
    assert data["total"] == 4 and data["facets"]["office"] == {"banmai": 2, "khoktum": 1, "nongbua": 1}
    assert data["offices"] == {"khoktum": "เทศบาลตำบลโคกตูม", "banmai": "เทศบาลตำบลบ้านใหม่", "nongbua": "อบต.หนองบัว"}
    # The two manuals are the same text under two titles: scored with the
    # statistics of every office they score alike (each office's own would
    # put บ้านใหม่'s, in an office where every document holds ภาษีที่ดิน, at a third).
    score = {(r["office"], r["id"]): r["score"] for r in data["results"]}
    assert score[("banmai", "land-tax-manual")] == pytest.approx(score[("khoktum", "land-tax-manual")], rel=0.1)
    urls = {(r["office"], r["id"]): r["url"] for r in data["results"]}
    assert urls == {
        ("khoktum", "land-tax-manual"): "/a/land-tax-manual",
        ("banmai", "land-tax-manual"): "https://km.banmai.example/a/land-tax-manual",
        ("banmai", "flood-lesson"): "https://km.banmai.example/a/flood-lesson",
        ("nongbua", "tax-note"): None,
    }
    only = client.get("/api/search?q=ภาษีที่ดิน&scope=province&office=nongbua").get_json()
    assert [r["id"] for r in only["results"]] == ["tax-note"]
    # a province search is not one of this office's searches: its usage log stays empty
    client.get("/search?q=ภาษีที่ดิน&scope=province")
    assert province["khoktum"].extensions["kmsearch.usage"].raw_count() == 0
    client.get("/search?q=ภาษีที่ดิน")
    assert province["khoktum"].extensions["kmsearch.usage"].raw_count() == 1


def test_the_api_without_a_shared_engine(client):
    r = client.get("/api/search?q=ภาษี&scope=province")
    assert r.status_code == 400 and r.get_json()["parameter"] == "scope"
    r = client.get("/api/search?q=ภาษี&office=banmai")
    assert r.status_code == 400 and r.get_json()["parameter"] == "office"


@pytest.mark.opensearch
def test_a_page_asks_the_cluster_which_build_is_live_once(province):
    """A page asks for the office, the index and the labels of every facet
    many times: one request reads one build, and asks which once (it was
    54 round trips for one search page)."""
    app = province["khoktum"]
    repo = app.extensions["kmsearch"]
    transport = repo.backend.client.transport
    asked: list[str] = []
    perform = transport.perform_request

    def counting(method, url, *args, **kwargs):
        asked.append(url)
        return perform(method, url, *args, **kwargs)

    transport.perform_request = counting
    client = app.test_client()
    client.get("/search?q=ภาษี&scope=province")  # the builds opened once (again after each rebuild)
    for path in ("/search?q=ภาษีที่ดิน", "/search?q=ภาษีที่ดิน&scope=province", "/", "/a/land-tax-manual"):
        asked.clear()
        assert client.get(path).status_code == 200
        live_checks = [u for u in asked if u.rstrip("/").endswith("/_alias/" + repo.backend.alias)]
        assert len(live_checks) <= 1, (path, asked)
        assert len(asked) <= 12, (path, asked)


@pytest.mark.opensearch
def test_the_command_line_searches_the_province(province):
    from click.testing import CliRunner

    from kmsearch.cli import cli

    repo = province["khoktum"].extensions["kmsearch"]
    places = ["--content", str(repo.content_dir), "--index", str(repo.index_dir)]
    out = CliRunner().invoke(cli, ["search", "น้ำท่วม", "--province", *places])
    assert out.exit_code == 0, out.output
    assert "พบ 1 เรื่อง" in out.output and "(เทศบาลตำบลบ้านใหม่ · flood-lesson," in out.output
    own = CliRunner().invoke(cli, ["search", "น้ำท่วม", *places])
    assert "flood-lesson" not in own.output


def test_the_command_line_without_a_shared_engine(built):
    from click.testing import CliRunner

    from kmsearch.cli import cli

    out = CliRunner().invoke(
        cli, ["search", "ภาษี", "--province", "--content", built["CONTENT_DIR"], "--index", built["INDEX_DIR"]]
    )
    assert out.exit_code == 1 and "ไม่ได้ใช้ระบบค้นหาร่วมกับสำนักงานอื่น" in out.output
