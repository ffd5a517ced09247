"""Property-based tests: whatever a committer saves or a reader types, the
loader, the validator, the Markdown renderer, the Thai analysis, the
office's word lists, the query parser and the whole search path answer
with a result or a clear problem, never an exception; and one document's
work stays within stated bounds of time and memory (``bounded``).

(The Thai analysis has its own properties in tests/test_thai.py.)
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from indexer.analysis import thai
from indexer.content import render as render_module
from indexer.content.documents import Document, Problem, RawFile
from indexer.content.limits import SECONDS_PER_DOCUMENT, LimitExceeded
from indexer.content.loader import parse as parse_front_matter
from indexer.content.loader import read_file
from indexer.content.office import load_office
from indexer.content.render import render
from indexer.content.validate import validate
from indexer.content.wordlists import parse_synonyms, parse_words
from indexer.engine.spec import QuerySpec
from indexer.engine.whoosh import SearchIndex
from kmsearch import create_app
from kmsearch.search.query import ParsedQuery
from kmsearch.search.query import parse as parse_query
from kmsearch.search.synonyms import SynonymFile

from .corpus import DATA, write_corpus
from .sites import build_settings

# property-based: hundreds of generated inputs a test
pytestmark = pytest.mark.slow

OFFICE = load_office(DATA)
PROPS = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])

# --- front-matter ------------------------------------------------------------

YAML_BITS = [
    "---",
    "\n",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!!python/object ",
    "|",
    ">",
    "'",
    '"',
    "#",
    "? ",
    "%YAML 1.1",
    "\t",
    "  ",
    "id",
    "title",
    "date",
    "tags",
    "division",
    "type",
    "knowledge",
    "กองคลัง",
    "manual",
    "explicit",
    "tacit",
    "holder",
    "2567-03-12",
    "15/11/2566",
    "15 พ.ย. 2566",
    "2024-02-30",
    "aliases",
    "updated",
    "~",
    "null",
    "true",
    "0x1F",
    "1e400",
    ".inf",
    "ภาษีที่ดิน",
    "\ufeff",
    "\r\n",
    "\x00",
    "\x85",
    "\u2028",
    "<<: *a",
]

any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)))
yaml_ish = st.lists(st.sampled_from(YAML_BITS) | st.text(max_size=5), max_size=40).map("".join)
front_matter = st.tuples(yaml_ish, any_text).map(lambda hb: f"---\n{hb[0]}\n---\n{hb[1]}")
documents = st.one_of(
    any_text,
    yaml_ish,
    front_matter,
    st.tuples(st.sampled_from(["---\n", "---\r\n", "\ufeff---\n", "--- \n"]), yaml_ish).map("".join),
)
# a billion laughs: 30 levels of lists that each hold the level below twice
LAUGHS = "".join(f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]\n" if i else "l0: &l0 [x]\n" for i in range(30))


@PROPS
@given(documents)
@example("---\na: " + "[" * 5000 + "\n---\n")  # nesting deeper than the recursion limit
@example("---\n" + "- " * 3000 + "x\n---\n")
@example("---\n? [a, b]\n: c\n---\n")  # an unhashable key
@example("---\n!!python/object/apply:os.system [ls]\n---\n")
@example("---\na: &a [*a]\n---\n")  # a list that contains itself
@example("---\n" + LAUGHS + "title: *l29\n---\n")  # a billion laughs
def test_front_matter_loader_returns_a_raw_file_or_a_problem(text):
    result = parse_front_matter(text, "x/doc.md")
    assert isinstance(result, (RawFile, Problem))
    if isinstance(result, Problem):
        assert result.path == "x/doc.md" and result.line >= 1 and result.message


@PROPS
@given(st.binary(max_size=400) | documents.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_reading_any_bytes_returns_a_raw_file_or_a_problem(data):
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        path = root / "doc.md"
        path.write_bytes(data)
        assert isinstance(read_file(path, root), (RawFile, Problem))


FIELDS = [
    "id",
    "title",
    "division",
    "type",
    "knowledge",
    "area",
    "areas",
    "tags",
    "tag",
    "summary",
    "author",
    "holder",
    "date",
    "updated",
    "aliases",
    "kind",
    "titel",
    "ID",
    "Title",
]
VALUES = [
    "",
    "x",
    "land-tax",
    "Land Tax",
    "-x-",
    "กองคลัง",
    "finance",
    "กองช่าง",
    "manual",
    "คู่มือปฏิบัติงาน",
    "explicit",
    "tacit",
    "ความรู้ที่ฝังอยู่ในตัวคน",
    "law",
    "[law, child-center]",
    "[ภาษี, รายได้]",
    "a, b; c",
    "2024-03-12",
    "2567-03-12",
    "12/03/2567",
    "12 มี.ค. 2567",
    "๑๒/๐๓/๒๕๖๗",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "2400-01-01",
    "2401-01-01",
    "20240312",
    "[2024-03-12]",
    "{a: b}",
    "null",
    "~",
    "12",
    "3.5",
    "true",
    "'quoted'",
    '"dq"',
    "|\n  block",
    "[[nested]]",
    "[x, [y]]",
    "&a x",
    "*a",
]
field_lines = st.lists(
    st.tuples(st.sampled_from(FIELDS), st.sampled_from(VALUES) | st.text(max_size=12)), max_size=14
).map(lambda rows: "".join(f"{k}: {v}\n" for k, v in rows))


@PROPS
@given(st.tuples(field_lines, any_text).map(lambda lb: f"---\n{lb[0]}---\n{lb[1]}"))
@example("---\n" + LAUGHS + "".join(f"{f}: *l29\n" for f in FIELDS[:16]) + "---\n")
def test_validation_of_whatever_loads_returns_a_document_or_problems(text):
    raw = parse_front_matter(text, "finance/doc.md")
    if isinstance(raw, Problem):
        return
    result = validate(raw, OFFICE)
    assert isinstance(result, Document) or (isinstance(result, list) and all(isinstance(p, Problem) for p in result))


@PROPS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: st.one_of(
                any_text,
                st.integers(),
                st.floats(),
                st.booleans(),
                st.none(),
                st.lists(any_text, max_size=3),
                st.dictionaries(any_text, any_text, max_size=2),
            )
            for k in [
                "id",
                "title",
                "division",
                "type",
                "knowledge",
                "area",
                "tags",
                "summary",
                "author",
                "holder",
                "date",
                "updated",
                "aliases",
                "tag",
                "kind",
                "titel",
            ]
        },
    )
)
def test_validation_of_any_field_values(meta):
    raw = RawFile("finance/doc.md", meta, "body", 10, {k: 2 for k in meta})
    result = validate(raw, OFFICE)
    assert isinstance(result, (Document, list))


# --- bodies, analysis, word lists ---------------------------------------------

# Per document, far above what the bundled documents take (milliseconds and
# a few MB) and far below what took builds down (minutes, gigabytes).  The
# time bound is the renderer's own limit with room for tracemalloc, which
# slows Python code several times.
SECONDS_BOUND = 2 * SECONDS_PER_DOCUMENT
MEMORY_BOUND = 64 * 1024 * 1024


@contextmanager
def bounded(seconds_bound: float = SECONDS_BOUND):
    tracemalloc.start()
    started = time.process_time()  # CPU time, as the renderer's own limit: the same on a busy machine
    try:
        yield
    finally:
        seconds = time.process_time() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert seconds < seconds_bound, f"{seconds:.1f} s"
    assert peak < MEMORY_BOUND, f"{peak / 1048576:.0f} MB"


MARKDOWN_BITS = [
    "*",
    "_",
    "**",
    "`",
    "```",
    "[",
    "]",
    "(",
    ")",
    "<",
    ">",
    "![",
    "](",
    "#",
    "- ",
    "1. ",
    "    ",
    "\n",
    "\n\n",
    "|",
    "---",
    ":",
    "{#x}",
    "[^1]",
    "&amp;",
    "<script>",
    "javascript:",
    "<",
    "ภาษี",
    "ที่ดิน",
    "forms/x.pdf",
    "../x.md",
    "\\",
    "~~",
    "> ",
    "=",
    "\t",
    "[x]: y",
]
markdown_ish = st.lists(st.sampled_from(MARKDOWN_BITS) | st.text(max_size=6), max_size=60).map("".join)
PATHOLOGICAL = [
    "*" * 2000 + "x" + "*" * 2000,
    "[" * 3000,
    "".join("    " * i + "- x\n" for i in range(300)),
    "> " * 2000 + "x",
    "<" * 5000,
    "`" * 5000,
    "[a](" * 2000,
    "ก" + "\u0e48" * 64_000,
    "กข" * 20_000,
]


def body_doc(body: str) -> Document:
    import datetime as dt

    return Document("x", "x", "finance", "manual", "explicit", dt.date(2024, 1, 1), "finance/x.md", body)


def render_bounded(body: str, seconds_bound: float = SECONDS_BOUND) -> str | None:
    """The HTML of ``body``, or None when it broke a limit, within the bounds."""
    with bounded(seconds_bound):
        try:
            return render(body_doc(body)).html
        except LimitExceeded as e:
            assert e.field == "body" and str(e)
            return None


@PROPS
@given(st.one_of(markdown_ish, any_text))
def test_rendering_any_body_gives_safe_html_or_a_limit(body):
    html = render_bounded(body)
    if html is not None:
        assert "<script" not in html.lower() and 'href="javascript' not in html.lower()


@pytest.mark.parametrize("body", PATHOLOGICAL, ids=range(len(PATHOLOGICAL)))
def test_bodies_that_once_took_builds_down_are_bounded(body, monkeypatch):
    monkeypatch.setattr(render_module, "SECONDS_PER_DOCUMENT", 1.0)  # the bound holds for any limit
    render_bounded(body, seconds_bound=2.0)


SEGMENTER = thai.Segmenter(["โคกตูม"])


@PROPS
@given(
    st.one_of(
        any_text,
        st.lists(
            st.sampled_from(
                ["ก", "\u0e48", "\u0e33", "\u0e4d", "า", "เ", "ะ", "๑", " ", "A", "\u200b", "โคกตูม", "ภาษี"]
            ),
            max_size=200,
        ).map("".join),
    )
)
@example("ก" + "\u0e48" * 64_000)
@example("กข" * 20_000)  # long runs of clusters (linear: tests/test_hostile_content.py)
def test_analysis_of_any_text_is_bounded_and_offsets_are_inside(text):
    with bounded():
        tokens = thai.analyse(text, SEGMENTER)
        thai.grams(text, SEGMENTER)
        thai.clusters(text)
    assert all(0 <= t.start <= t.end <= len(text) for t in tokens)


@PROPS
@given(
    st.one_of(
        any_text, st.lists(st.sampled_from(["=", " ", "\n", "#", "อปท.", "ภาษี", "ที่ดิน", "x"]), max_size=50).map("".join)
    )
)
def test_word_lists_of_any_text_give_words_and_line_problems(text):
    groups, problems = parse_synonyms(text)
    words, word_problems = parse_words(text)
    assert all(len(g) > 1 for g in groups)
    assert all(not any(c.isspace() for c in w) for w in words)
    lines = max(1, len(text.splitlines()))
    assert all(1 <= p.line <= lines for p in problems + word_problems)


# --- queries -----------------------------------------------------------------

QUERY_BITS = [
    '"',
    "-",
    "OR",
    "AND",
    " ",
    "  ",
    "*",
    "?",
    ":",
    "division:",
    "type:",
    "knowledge:",
    "area:",
    "tag:",
    "year:",
    "ปี:",
    "กองคลัง",
    "finance",
    "manual",
    "tacit",
    "2567",
    "๒๕๖๗",
    "ภาษี",
    "ที่ดิน",
    "ภาษีที่ดิน",
    "อปท.",
    "e-GP",
    "ศพด.",
    "ที่ดืน",
    "😀",
    "\x00",
    "\x1b",
    "\u200b",
    "\u202e",
    "่",
    "ำ",
    "ํา",
    "(",
    ")",
    "\\",
    "%",
    "<script>",
    "a" * 30,
    "ก" * 30,
]
queries = st.one_of(
    any_text,
    st.lists(st.sampled_from(QUERY_BITS), max_size=25).map("".join),
    st.lists(st.sampled_from(QUERY_BITS) | any_text, max_size=10).map(" ".join),
)


@pytest.fixture(scope="module")
def built(sites):
    """The tests' corpus on Whoosh, the default engine, once a session:
    these are properties of the parser and the pages, not of an engine."""

    def make(root):
        return build_settings(write_corpus(root / "content"), root / "index", "whoosh")

    return sites.get("site", "whoosh", make)


@pytest.fixture(scope="module")
def vocabulary(built):
    ix = SearchIndex(built["INDEX_DIR"])
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def synonyms(built):
    return SynonymFile(Path(built["CONTENT_DIR"]) / "synonyms.txt").groups()


@PROPS
@given(text=queries, sort=st.sampled_from(["relevance", "date"]), with_vocabulary=st.booleans())
def test_query_parser_returns_a_query_spec_for_any_text(vocabulary, synonyms, text, sort, with_vocabulary):
    parsed = parse_query(
        text[:200], vocabulary.segmenter, OFFICE, synonyms, None, sort, vocabulary if with_vocabulary else None
    )
    assert isinstance(parsed, ParsedQuery)
    assert isinstance(parsed.spec, QuerySpec)
    assert all(form and all(isinstance(w, str) and w for w in form) for form in parsed.marks.forms)


# --- the whole search path ---------------------------------------------------


@pytest.fixture(scope="module")
def web(built):
    app = create_app({**built, "USAGE_DB": "off"})
    app.testing = True
    return app.test_client()


params = st.fixed_dictionaries(
    {"q": queries},
    optional={
        "page": st.sampled_from(["1", "2", "0", "-1", "101", "x", "", "๒", "1" * 30]) | any_text,
        "sort": st.sampled_from(["relevance", "date", "", "x"]),
        "division": st.sampled_from(["finance", "กองคลัง", "nowhere", ""]) | any_text,
        "tag": any_text,
        "year": st.sampled_from(["2567", "๒๕๖๗", "2024", "99999", "x", "", "²²²²", "0000", "0001", "12", "٢٥٦٧"])
        | any_text,
        "limit": st.sampled_from(["1", "50", "51", "0", "x"]),
    },
)


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(args=params, url=st.sampled_from(["/search", "/api/search", "/api/suggest"]))
def test_any_search_request_answers_200_or_400(web, args, url):
    if url != "/api/search":
        args.pop("limit", None)
    resp = web.get(url, query_string=args)
    assert resp.status_code in (200, 400), (url, args, resp.status_code)


digits_and_more = st.text(
    alphabet=st.sampled_from("0123456789๐๑๒๓๔๕๖๗๘๙²³¹٢៣ -+.,x\n\t/%\\") | st.characters(blacklist_categories=("Cs",)),
    max_size=12,
)


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(year=digits_and_more, division=st.sampled_from(["", "finance", "nowhere"]) | any_text)
def test_any_dashboard_request_answers_200_or_400(web, year, division):
    resp = web.get("/km", query_string={"year": year, "division": division})
    assert resp.status_code in (200, 400), (year, division, resp.status_code)


@settings(deadline=None, max_examples=80, suppress_health_check=[HealthCheck.too_slow])
@given(
    nxt=st.text(
        alphabet=st.sampled_from("/km\\\n\r\x00\x7f:?#%@.evil") | st.characters(blacklist_categories=("Cs",)),
        max_size=30,
    )
)
def test_any_sign_in_target_stays_on_the_site(built, nxt):
    client = create_app({**built, "KM_TOKEN": "t0ken", "USAGE_DB": "off"}).test_client()
    page = client.get("/km/login", query_string={"next": nxt})
    assert page.status_code == 200
    done = client.post("/km/login", data={"token": "t0ken", "next": nxt})
    assert done.status_code == 303
    location = done.headers["Location"]
    assert location.startswith("/km") and not location.startswith("//")
    assert not any(c < " " or c == "\\" for c in location)
