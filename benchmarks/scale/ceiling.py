"""The segmentation ceiling: how fast the Thai analysis every build runs
goes by itself, the bound a build's speed is compared with."""

from __future__ import annotations

import inspect
import multiprocessing
import time
from pathlib import Path


def ceiling(content: Path) -> dict:
    """Analysis alone, the most a build could reach: in one process, in a
    Pool of two, words with sub-word grams, and nlpo3 segmenting alone."""
    from indexer.analysis.thai import analyse, grams
    from indexer.build import segmenter_for

    bodies = read_bodies(content)
    mb = sum(len(b.encode("utf-8")) for b in bodies) / 1e6
    seg = segmenter_for(content)
    analyse("อุ่นเครื่อง", seg)
    t, c = time.perf_counter(), time.process_time()
    tokens = sum(len(analyse(b, seg)) for b in bodies)
    one, one_cpu = time.perf_counter() - t, time.process_time() - c
    chunks = [bodies[i : i + 32] for i in range(0, len(bodies), 32)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2, initializer=_pool_init, initargs=(str(content),)) as pool:
        pool.map(_pool_warm, range(4))
        t = time.perf_counter()
        tokens2 = sum(pool.map(_pool_analyse, chunks, chunksize=1))
        two = time.perf_counter() - t
    # what a build analyses per document: words and sub-word grams (a sample)
    sample, size = [], 0
    for b in bodies:
        sample.append(b)
        size += len(b.encode("utf-8"))
        if size > 2e6:
            break
    two_args = len(inspect.signature(grams).parameters) > 1  # the signature is being changed
    t = time.perf_counter()
    for b in sample:
        analyse(b, seg)
        grams(b, seg) if two_args else grams(b)
    both = time.perf_counter() - t
    t = time.perf_counter()
    for b in sample:
        seg.segment(b)
    raw = time.perf_counter() - t
    return {
        "body_mb": mb,
        "tokens": tokens,
        "tokens_pool": tokens2,
        "analyse_1proc_s": one,
        "analyse_1proc_mb_s": mb / one,
        "analyse_1proc_cpu_s": one_cpu,
        "analyse_1proc_mb_cpu_s": mb / one_cpu,
        "analyse_pool2_s": two,
        "analyse_pool2_mb_s": mb / two,
        "pool2_speedup": one / two,
        "sample_mb": size / 1e6,
        "words_and_grams_mb_s": size / 1e6 / both,
        "nlpo3_segment_only_mb_s": size / 1e6 / raw,
    }


def read_bodies(content: Path) -> list[str]:
    out = []
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        out.append(text.split("\n---\n", 1)[1])
    return out


_POOL_SEG = None


def _pool_init(content: str) -> None:
    global _POOL_SEG
    from indexer.build import segmenter_for

    _POOL_SEG = segmenter_for(content)


def _pool_warm(_):
    from indexer.analysis.thai import analyse

    return len(analyse("อุ่นเครื่อง", _POOL_SEG))


def _pool_analyse(chunk: list[str]) -> int:
    from indexer.analysis.thai import analyse

    return sum(len(analyse(b, _POOL_SEG)) for b in chunk)
