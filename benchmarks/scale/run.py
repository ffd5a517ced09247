"""One corpus size measured phase by phase: the corpus made, each phase run
(in a child process where its memory or CPU time is measured) and its
result saved in benchmarks/out/scale-N.json, which a later run with the same
code under test, corpus and query mix resumes from."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from .. import corpus as corpus_mod
from .. import querymix
from .base import OUT, ROOT, log, percentiles
from .ceiling import ceiling
from .incremental import measure_incremental
from .measure import dir_bytes, run_child
from .serving import measure_server

HARNESS_VERSION = 3  # bump when what a phase measures changes


def code_fingerprint() -> str:
    """The code under test, the corpus and query generators and the
    harness version: saved results are reused only while these are unchanged."""
    h = hashlib.sha1(str(HARNESS_VERSION).encode())
    # every module below indexer/ and kmsearch/: the code is in subpackages
    files = sorted(
        [
            *(ROOT / "indexer").rglob("*.py"),
            *(ROOT / "kmsearch").rglob("*.py"),
            ROOT / "benchmarks" / "corpus.py",
            ROOT / "benchmarks" / "querymix.py",
        ]
    )
    for f in files:
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


class Run:
    """The phases of one corpus size, each measured once and saved at once,
    so that a stopped run resumes where it was."""

    def __init__(self, size: int, args, fingerprint: str):
        self.size = size
        self.args = args
        self.content = OUT / f"corpus-{size}"
        self.work = OUT / f"work-{size}"
        self.logs = self.work / "logs"
        self.state_path = OUT / f"scale-{size}.json"
        self.fingerprint = fingerprint
        self.state: dict = {}

    def load(self, manifest: dict) -> None:
        key = {"code": self.fingerprint, "corpus": manifest["sha1"], "queries": self.args.queries}
        if self.state_path.exists() and not self.args.fresh:
            old = json.loads(self.state_path.read_text())
            if old.get("key") == key:
                self.state = old
                done = [k for k in old.get("phases", {})]
                if done:
                    log(f"{self.size}: resuming; already measured: {', '.join(done)}")
                return
            if old.get("phases"):
                # Results of other code are never thrown away: a run that
                # only prints the table would otherwise replace them with nothing.
                kept = self.state_path.with_name(f"scale-{self.size}.code-{old.get('key', {}).get('code')}.json")
                self.state_path.replace(kept)
                log(f"{self.size}: the code under test changed since the saved results; they are kept in {kept.name}")
        self.state = {"size": self.size, "key": key, "corpus": manifest, "phases": {}}

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state, indent=1, ensure_ascii=False))

    def phase(self, name: str, fn) -> None:
        if name in self.args.skip or any(name.startswith(s + "-") for s in self.args.skip):
            return
        if name in self.state["phases"]:
            return
        log(f"{self.size}: {name} ...")
        code = code_fingerprint()
        started = time.perf_counter()
        result = fn()
        result["code"] = code
        if code != self.fingerprint or code_fingerprint() != code:
            result["code_changed_during_run"] = True
            log(f"{self.size}: {name}: the code under test changed during the run; its figures mix versions")
        result["phase_s"] = time.perf_counter() - started
        result["loadavg"] = os.getloadavg()
        self.state["phases"][name] = result
        self.save()
        log(f"{self.size}: {name} done in {result['phase_s']:.1f} s")

    # each phase ------------------------------------------------------------------

    def build(self, procs: int) -> dict:
        index = self.work / f"index-p{procs}"
        shutil.rmtree(index, ignore_errors=True)
        r = run_child(
            "build",
            {"content": str(self.content), "index": str(index), "procs": procs, "full": True},
            self.logs / f"p{procs}",
        )
        r["index_bytes"] = dir_bytes(Path(r["index_path"]))
        r["postfiles_bytes"] = sum(p.stat().st_size for p in Path(r["index_path"]).glob("*.kmpost"))
        return r

    def baseline_build(self) -> dict:
        index = self.work / "baseline"
        r = run_child("baseline-build", {"content": str(self.content), "index": str(index)}, self.logs / "baseline")
        r["index_bytes"] = dir_bytes(index)
        return r

    def mix_path(self) -> Path:
        path = self.work / f"queries-{self.args.queries}.jsonl"
        if not path.exists():
            import yaml

            from indexer.build import segmenter_for

            office = yaml.safe_load((self.content / "kmsearch.yaml").read_text(encoding="utf-8"))
            mix = querymix.build(self.args.queries, segmenter_for(self.content), office)
            self.work.mkdir(parents=True, exist_ok=True)
            querymix.dump(mix, path)
        return path

    def kmsearch_index(self) -> Path:
        """The one-process build if it was measured, else the two-process one
        (the same documents: only the number of segments differs)."""
        p1 = self.work / "index-p1"
        return p1 if (p1 / "current").exists() else self.work / "index-p2"

    def queries(self) -> dict:
        profile = None if self.args.no_profile else str(self.work / "profile-queries.txt")
        r = run_child(
            "queries",
            {
                "engine": "kmsearch",
                "content": str(self.content),
                "index": str(self.kmsearch_index()),
                "mix": str(self.mix_path()),
                "profile": profile,
            },
            self.logs / "queries",
        )
        r["snippets_ms"] = percentiles(r.pop("snippets"))
        r["snippets_cpu_ms"] = percentiles(r.pop("snippets_cpu"))
        r["no_snippets_subset_ms"] = percentiles(r.pop("no_snippets_subset"))
        return r

    def baseline_queries(self) -> dict:
        r = run_child(
            "queries",
            {"engine": "baseline", "index": str(self.work / "baseline"), "mix": str(self.mix_path())},
            self.logs / "baseline-queries",
        )
        r["plain_ms"] = percentiles(r.pop("plain"))
        r["plain_cpu_ms"] = percentiles(r.pop("plain_cpu"))
        return r

    def server(self) -> dict:
        def while_serving(port: int) -> None:
            if "incremental" not in self.args.skip and "incremental" not in self.state["phases"]:
                self.phase(
                    "incremental",
                    lambda: measure_incremental(
                        self.content, self.kmsearch_index(), port, self.size, self.work, not self.args.no_profile
                    ),
                )

        return measure_server(self.content, self.kmsearch_index(), self.mix_path(), self.work, while_serving)

    def bounds(self) -> dict:
        out = run_child(
            "bounds",
            {"content": str(self.content), "index": str(self.kmsearch_index()), "mix": str(self.mix_path())},
            self.logs / "bounds",
        )
        if self.size == min(self.args.sizes):
            index = self.work / "index-multisegment"
            shutil.rmtree(index, ignore_errors=True)
            out["build_p2_multisegment"] = run_child(
                "build-multisegment",
                {"content": str(self.content), "index": str(index), "procs": 2, "full": True},
                self.logs / "multisegment",
            )
        return out

    def profile_build(self) -> dict:
        index = self.work / "index-profile"
        shutil.rmtree(index, ignore_errors=True)
        r = run_child(
            "build",
            {
                "content": str(self.content),
                "index": str(index),
                "procs": 1,
                "full": True,
                "profile": str(self.work / "profile-build.txt"),
            },
            self.logs / "profile-build",
        )
        shutil.rmtree(index, ignore_errors=True)
        return r

    def run(self) -> dict:
        log(f"{self.size}: corpus in {self.content}")
        manifest = corpus_mod.generate(self.size, self.content)
        self.load(manifest)
        self.work.mkdir(parents=True, exist_ok=True)
        self.phase("ceiling", lambda: ceiling(self.content))
        self.phase("build-p1", lambda: self.build(1))
        self.phase("baseline-build", self.baseline_build)
        self.phase("build-p2", lambda: self.build(2))
        self.phase("queries", self.queries)
        self.phase("baseline-queries", self.baseline_queries)
        self.phase("server", self.server)
        if self.size == min(self.args.sizes) and not self.args.no_profile:
            self.phase("profile-build", self.profile_build)
        if self.args.bounds:
            self.phase("bounds", self.bounds)
        self.state["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        self.save()
        return self.state
