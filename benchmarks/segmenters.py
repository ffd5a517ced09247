"""Word segmentation engines compared: speed, the office's word list, and
retrieval quality.

    python -m benchmarks.segmenters [--sample 400] [--speed-only]

For PyThaiNLP's ``nlpo3`` (kmsearch's default), ``newmm`` and ``longest``,
each through ``indexer.thai.Segmenter`` with the same dictionary
(PyThaiNLP's words and the content folder's ``words.txt``):

- speed: MB/s of segmentation alone and of the whole analysis
  (``thai.analyse``: normalisation, segmentation, tokens) over the
  thai-qa-dev passages, one process, dictionary loaded beforehand;
- the word list: of the bundled content's ``words.txt`` words, each put
  between two ordinary words, how many come out as one token;
- retrieval: ``benchmarks.relevance`` with only kmsearch, once per engine
  of ``--retrieval`` (``kmsearch``, ``kmsearch-newmm``, ``kmsearch-longest``):
  MRR@10 per query family.  ``longest`` is left out by default: at about
  0.01 MB/s (pure Python) its four builds of the 1 711 passages take over
  an hour.  Writes ``out/segmenters.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from indexer.analysis import thai
from indexer.content.wordlists import parse_words

from . import families as fam
from .machine import describe
from .relevance import DATA, OUT, ROOT

WORDS = ROOT / "content" / "words.txt"
SPEED_MB = 2.0


def speed(texts: list[str], words: list[str], budget_s: float = 20.0) -> dict:
    """MB/s per engine over ``texts``, or over as many of them as fit in
    ``budget_s`` of CPU (``longest`` manages about 0.01 MB/s)."""
    out = {}
    for engine in thai.SEGMENTERS:
        seg = thai.Segmenter(words, engine)
        seg.segment("อุ่นเครื่อง")  # the dictionary, loaded before timing
        done, alone, whole, mb = 0, 0.0, 0.0, 0.0
        for text in texts:
            n = thai.normalise(text)
            t = time.process_time()
            seg.segment(n)
            alone += time.process_time() - t
            t = time.process_time()
            thai._analyse(text, seg)  # not the cache of recent analyses
            whole += time.process_time() - t
            mb += len(text.encode("utf-8")) / 1e6
            done += 1
            if alone + whole > budget_s:
                break
        out[engine] = {"mb": mb, "texts": done, "segment_mb_s": mb / alone, "analyse_mb_s": mb / whole}
    return out


def word_list(words: list[str]) -> dict:
    out = {}
    for engine in thai.SEGMENTERS:
        seg = thai.Segmenter(words, engine)
        kept = [w for w in words if thai.normalise(w).replace(".", "") in thai.words(f"ประชาชน{w}ร่วมกัน", seg)]
        out[engine] = {"words": len(words), "kept_whole": len(kept)}
    return out


def sample_texts(data: Path, limit_mb: float) -> list[str]:
    texts, size = [], 0
    for d in fam.load_docs(str(data)):
        texts.append(d.title + "\n" + d.text)
        size += len(texts[-1].encode("utf-8"))
        if size >= limit_mb * 1e6:
            break
    return texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.segmenters", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=400, help="questions per family in the retrieval run")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--speed-only", action="store_true", help="leave out the retrieval run")
    parser.add_argument("--retrieval", default="nlpo3,newmm", help="engines in the retrieval run [nlpo3,newmm]")
    args = parser.parse_args(argv)
    words = parse_words(WORDS.read_text(encoding="utf-8"))[0]
    result = {
        "machine": describe(),
        "command": " ".join(["python -m benchmarks.segmenters", *(argv or sys.argv[1:])]),
        "speed": speed(sample_texts(args.data, SPEED_MB), words),
        "word_list": word_list(words),
    }
    print(f"{'engine':10} {'segment MB/s':>13} {'analyse MB/s':>13} {'words.txt kept whole':>21}")
    for engine in thai.SEGMENTERS:
        s, w = result["speed"][engine], result["word_list"][engine]
        print(f"{engine:10} {s['segment_mb_s']:13.2f} {s['analyse_mb_s']:13.2f} {w['kept_whole']:>14} of {w['words']}")
    if not args.speed_only:
        from . import relevance

        out = OUT / "segmenters"
        names = ",".join("kmsearch" if e == thai.SEGMENTERS[0] else f"kmsearch-{e}" for e in args.retrieval.split(","))
        relevance.main(["--systems", names, "--sample", str(args.sample), "--data", str(args.data), "--out", str(out)])
        report = json.loads((out / "relevance.json").read_text(encoding="utf-8"))
        result["mrr_at_10"] = {
            row["family"]: {s: v["mrr@10"] for s, v in row["scores"].items()} for row in report["families"]
        }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "segmenters.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
