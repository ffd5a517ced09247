"""The OpenSearch backend measured beside Whoosh (``--engines whoosh,opensearch``).

One test cluster for the whole run (``tests.cluster.cluster.TestCluster``:
two data nodes and a tiebreaker on this machine, full JIT, ``HEAP`` per data
node), started before the first size and stopped after the last.  At each
size the same generated corpus is copied to a content folder of its own
whose kmsearch.yaml says ``engine: opensearch`` with the cluster's hosts and
a slug of its own, and the same phases as Whoosh's are run on it through
the same code (``Run``): full builds with procs=1 and procs=2, the query mix
in-process, the server over HTTP and the one-document changes while it
serves.  Each build also records the cluster's side: the CPU seconds the
JVMs used meanwhile, their memory, and the index's primary and total store
from ``_cat/indices``.

An OpenSearch size is never resumed from an earlier run: its index lived in
that run's cluster.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from tests.cluster.cluster import TestCluster, http_json

from .. import corpus as corpus_mod
from .base import OUT, log
from .measure import proc_cpu_s, proc_status, run_child
from .run import Run

# Per data node.  The test default (512m) is sized for the tests' corpora;
# 50 000 documents with positions and stored bodies need more to merge
# without collecting all the time, and 24 GiB leave room for it.
HEAP = "1g"
CLUSTER_DIR = OUT / "cluster"


def start_cluster(heap: str = HEAP, timeout: float = 300) -> TestCluster:
    """A fresh cluster for this run: full JIT (the tests' C1-only default
    starts faster but searches slower, tests/cluster/README.md)."""
    shutil.rmtree(CLUSTER_DIR, ignore_errors=True)
    log(f"starting the OpenSearch test cluster in {CLUSTER_DIR} (heap {heap} per data node, full JIT) ...")
    cluster = TestCluster.start(CLUSTER_DIR, heap=heap, node_jvm_opts="", timeout=timeout)
    log(f"cluster green in {cluster.seconds_to_green:.1f} s: {', '.join(cluster.urls)}")
    return cluster


def jvm_status(cluster: TestCluster) -> dict:
    """Each node's memory (kB, from /proc: VmRSS now, VmHWM its peak since
    it started) and CPU seconds so far."""
    out = {}
    for node in cluster.nodes:
        try:
            cpu = proc_cpu_s(node["pid"])
        except OSError:
            cpu = None
        out[node["name"]] = {**proc_status(node["pid"]), "cpu_s": cpu, "roles": node["roles"]}
    return out


def _jvm_cpu(before: dict, after: dict) -> float:
    return sum((after[n]["cpu_s"] or 0) - (before[n]["cpu_s"] or 0) for n in after if n in before and after[n]["cpu_s"])


class OpenSearchRun(Run):
    """The phases of one size on the OpenSearch backend."""

    engine = "opensearch"

    def __init__(self, size: int, args, fingerprint: str, cluster: TestCluster):
        super().__init__(size, args, fingerprint)
        self.cluster = cluster
        self.content = OUT / f"corpus-{size}-opensearch"
        self.work = OUT / f"work-{size}-opensearch"
        self.logs = self.work / "logs"
        self.state_path = OUT / f"scale-{size}-opensearch.json"
        self.slug = f"bench-{size}"
        self.index = self.work / "index"  # the build lock only: the index is in the cluster

    def load(self, manifest: dict) -> None:
        if self.state_path.exists():
            self.state_path.replace(self.state_path.with_suffix(".previous.json"))
        self.state = {
            "size": self.size,
            "engine": self.engine,
            "key": {"code": self.fingerprint, "corpus": manifest["sha1"], "queries": self.args.queries},
            "corpus": manifest,
            "cluster": {
                "urls": self.cluster.urls,
                "heap": self.args.heap,
                "seconds_to_green": self.cluster.seconds_to_green,
                "version": http_json(self.cluster.urls[0])["version"]["number"],
            },
            "phases": {},
        }

    def write_config(self) -> None:
        """The corpus's kmsearch.yaml, saying engine: opensearch, this
        run's hosts and the office's slug."""
        path = self.content / "kmsearch.yaml"
        text = (corpus_mod.CONFIG_DIR / "kmsearch.yaml").read_text(encoding="utf-8")
        hosts = ", ".join(f'"{u}"' for u in self.cluster.data_urls)
        text, n = re.subn(
            r"^office:\n",
            f"engine: opensearch\nopensearch:\n  hosts: [{hosts}]\noffice:\n  slug: {self.slug}\n",
            text,
            count=1,
            flags=re.M,
        )
        assert n == 1, "content/kmsearch.yaml has no office: section"
        path.write_text(text, encoding="utf-8")

    def kmsearch_index(self) -> Path:
        return self.index

    def _cat_index(self, key: str) -> dict:
        name = key.split("#", 1)[0]
        rows = http_json(f"{self.cluster.urls[0]}/_cat/indices/{name}?format=json&bytes=b")
        row = rows[0]
        return {
            "index": name,
            "docs": int(row["docs.count"]),
            "primary_bytes": int(row["pri.store.size"]),
            "total_bytes": int(row["store.size"]),
            "replicas": int(row["rep"]),
        }

    def build(self, procs: int) -> dict:
        before = jvm_status(self.cluster)
        r = run_child(
            "build",
            {"content": str(self.content), "index": str(self.index), "procs": procs, "full": True},
            self.logs / f"p{procs}",
        )
        after = jvm_status(self.cluster)
        r["jvm_cpu_s"] = _jvm_cpu(before, after)
        r["jvm"] = after
        r["store"] = self._cat_index(r["index_path"])
        r["index_bytes"] = r["store"]["primary_bytes"]
        return r

    def profile_build(self) -> dict:
        before = jvm_status(self.cluster)
        r = run_child(
            "build",
            {
                "content": str(self.content),
                "index": str(self.index),
                "procs": 1,
                "full": True,
                "profile": str(self.work / "profile-build.txt"),
            },
            self.logs / "profile-build",
        )
        r["jvm_cpu_s"] = _jvm_cpu(before, jvm_status(self.cluster))
        return r

    def queries(self) -> dict:
        before = jvm_status(self.cluster)
        r = super().queries()
        after = jvm_status(self.cluster)
        r["jvm_cpu_s"] = _jvm_cpu(before, after)
        r["jvm"] = after
        return r

    def server(self) -> dict:
        r = super().server()
        r["jvm"] = jvm_status(self.cluster)
        return r

    def run(self) -> dict:
        log(f"{self.size} on OpenSearch: corpus in {self.content}")
        manifest = corpus_mod.generate(self.size, self.content)
        self.write_config()
        self.load(manifest)
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True, exist_ok=True)
        self.phase("build-p1", lambda: self.build(1))
        self.phase("build-p2", lambda: self.build(2))
        self.phase("queries", self.queries)
        self.phase("server", self.server)
        if self.size == min(self.args.sizes) and not self.args.no_profile:
            self.phase("profile-build", self.profile_build)
        self.state["jvm_end"] = jvm_status(self.cluster)
        self.state["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        self.save()
        return self.state


def summarise_opensearch(state: dict) -> dict:
    """``summary.summarise`` of the OpenSearch phases, and the cluster's side."""
    from .summary import summarise

    s = summarise(state)
    ph = state["phases"]
    for name in ("build-p1", "build-p2"):
        if name in ph and name in s:
            s[name]["jvm_cpu_s"] = ph[name].get("jvm_cpu_s")
            s[name]["store"] = ph[name].get("store")
    if "queries" in ph and "query" in s:
        s["query"]["jvm_cpu_s"] = ph["queries"].get("jvm_cpu_s")  # the whole query phase (mix, subsets, profile)
    jvm = state.get("jvm_end") or {}
    s["jvm_roles"] = {n: v.get("roles", []) for n, v in jvm.items()}
    s["jvm"] = {n: {"rss_mb": v.get("VmRSS", 0) / 1024, "hwm_mb": v.get("VmHWM", 0) / 1024} for n, v in jvm.items()}
    s["cluster"] = state.get("cluster")
    if "profile-build" in ph:
        s["profile_build"] = {"s": ph["profile-build"]["seconds"], "jvm_cpu_s": ph["profile-build"].get("jvm_cpu_s")}
    return s
