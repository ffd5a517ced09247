"""A real OpenSearch cluster for the tests, from Maven Central artifacts.

Standard library only (the tests talk to the cluster with opensearch-py).

    cp = classpath()                      # mvn once; cached in target/
    c = TestCluster.start(base_dir)       # bounded wait for green
    c.urls                                # every node, e.g. http://127.0.0.1:40249
    c.data_urls                           # the nodes that hold shards
    c.kill_node(c.data_nodes[0])          # SIGKILL one JVM by its PID
    c.restart_node(node)                  # same ports and data folder
    c.stop()                              # every JVM, also at exit

`python tests/cluster/cluster.py deps` resolves and compiles (make cluster-deps);
`python tests/cluster/cluster.py run` starts one in the foreground.

The process tree is java Cluster start (the coordinator, which watches this
Python process) -> one java Cluster node per node (each watches the
coordinator): when pytest dies, even by SIGKILL, the JVMs stop within a
second or two; stop() and an atexit hook stop them at once.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
SOURCES = HERE / "src"
TARGET = HERE / "target"
CLASSPATH_FILE = TARGET / "classpath.txt"
STAMP = TARGET / "cluster.stamp"
MAIN = "kmsearch.cluster.Cluster"
JVM_MARK = MAIN  # every JVM of ours has this on its command line


class ClusterError(RuntimeError):
    """The cluster could not be built, started or reached; says why."""


def _java() -> str:
    """KMSEARCH_JAVA, else $JAVA_HOME/bin/java, else java on PATH (17 here)."""
    for candidate in (
        os.environ.get("KMSEARCH_JAVA"),
        os.environ.get("JAVA_HOME") and os.path.join(os.environ["JAVA_HOME"], "bin", "java"),
        shutil.which("java"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ClusterError("no java found: install a JDK 17 (apt-get install openjdk-17-jdk-headless) or set KMSEARCH_JAVA")


def _sources_digest() -> str:
    h = hashlib.sha256(POM.read_bytes())
    for path in sorted(SOURCES.rglob("*")):
        if path.is_file():
            h.update(str(path.relative_to(HERE)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def classpath(*, quiet: bool = True) -> str:
    """Compile the launcher and resolve its classpath with Maven, once.

    Cached in tests/cluster/target/ until pom.xml or a source changes; the
    first run downloads every artifact from Maven Central into ~/.m2.
    """
    TARGET.mkdir(exist_ok=True)
    digest = _sources_digest()
    with open(TARGET / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (
            STAMP.exists()
            and STAMP.read_text() == digest
            and CLASSPATH_FILE.exists()
            and (TARGET / "classes" / "kmsearch" / "cluster" / "Cluster.class").exists()
        ):
            mvn = shutil.which("mvn")
            if not mvn:
                raise ClusterError("mvn not found: the test cluster needs Maven (apt-get install maven)")
            if not quiet:
                print(
                    "resolving the OpenSearch artifacts (first time: about 85 MB from Maven Central "
                    "into ~/.m2) and compiling tests/cluster ...",
                    flush=True,
                )
            cmd = [
                mvn,
                "-B",
                "-q",
                "-f",
                str(POM),
                "compile",
                "dependency:build-classpath",
                f"-Dmdep.outputFile={CLASSPATH_FILE}",
            ]
            started = time.monotonic()
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                out = (done.stdout or "") + (done.stderr or "")
                raise ClusterError(f"{' '.join(cmd)} failed ({done.returncode}):\n{out[-4000:]}")
            STAMP.write_text(digest)
            if not quiet:
                print(f"cluster classpath ready in {time.monotonic() - started:.1f} s")
    return f"{TARGET / 'classes'}{os.pathsep}{CLASSPATH_FILE.read_text().strip()}"


def _tail(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 64 * 1024))
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return f"({e})"
    return "\n".join(text.splitlines()[-lines:])


def _is_ours(pid: int) -> bool:
    """Alive and one of our JVMs (not a recycled PID)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return JVM_MARK.encode() in f.read()
    except OSError:
        return False


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _is_ours(pid):
            return True
        time.sleep(0.1)
    return not _is_ours(pid)


def http_json(url: str, timeout: float = 10.0):
    """GET url, the decoded JSON (or ClusterError)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", "replace")
        e.close()
        raise ClusterError(f"GET {url}: {e.code} {body[:500]}") from None
    except (OSError, ValueError) as e:
        raise ClusterError(f"GET {url}: {e}") from None


_LIVE: set[TestCluster] = set()


@atexit.register
def _stop_all() -> None:
    for cluster in list(_LIVE):
        cluster.stop()


class TestCluster:
    """A running cluster started by the Java coordinator (Cluster start)."""

    __test__ = False  # not a pytest test class

    def __init__(self, base: Path, process: subprocess.Popen, ready: dict):
        self.base = base
        self.process = process
        self.ready = ready
        self.cluster_name: str = ready["cluster_name"]
        self.seconds_to_green: float = ready["seconds_to_green"]
        self.nodes: list[dict] = ready["nodes"]
        self._extra: list[subprocess.Popen] = []  # restarted nodes
        _LIVE.add(self)

    # -------------------------------------------------------------- start
    @classmethod
    def start(cls, base: str | os.PathLike | None = None, **kwargs) -> TestCluster:
        """_start, once more when a free port was taken by another process
        between the launcher's choice and the node's bind (a shared machine)."""
        try:
            return cls._start(base, **kwargs)
        except ClusterError as e:
            if kwargs.get("http_ports") or "Address already in use" not in str(e):
                raise
            if base is not None:
                shutil.rmtree(base, ignore_errors=True)
            return cls._start(base, **kwargs)

    @classmethod
    def _start(
        cls,
        base: str | os.PathLike | None = None,
        *,
        nodes: int = 2,
        tiebreaker: bool = True,
        heap: str = "512m",
        timeout: float = 180.0,
        name: str = "kmsearch-test",
        http_ports: list[int] | None = None,
        node_jvm_opts: str | None = None,
    ) -> TestCluster:
        """Start NODES data nodes (+ a cluster-manager-only tiebreaker) and
        wait at most TIMEOUT seconds for green; ClusterError with each node's
        log tail otherwise (and nothing left running).

        HTTP_PORTS: one per node (the tiebreaker too), else free ports of
        127.0.0.1.  NODE_JVM_OPTS (or $KMSEARCH_CLUSTER_JVM_OPTS): extra
        options of every node's JVM instead of the launcher's default
        (-XX:TieredStopAtLevel=1, quick to start; "" for full JIT)."""
        cp = classpath()
        base = Path(base) if base is not None else Path(tempfile.mkdtemp(prefix="kmsearch-cluster-"))
        base.mkdir(parents=True, exist_ok=True)
        ready_file = base / "ready.json"
        ready_file.unlink(missing_ok=True)
        cmd = [
            _java(),
            "-Xmx64m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            cp,
            MAIN,
            "start",
            "--base",
            str(base),
            "--nodes",
            str(nodes),
            "--tiebreaker",
            str(tiebreaker).lower(),
            "--heap",
            heap,
            "--name",
            name,
            "--timeout",
            str(timeout),
            "--parent-pid",
            str(os.getpid()),
        ]
        if http_ports:
            cmd += ["--http-ports", ",".join(map(str, http_ports))]
        if node_jvm_opts is None:
            node_jvm_opts = os.environ.get("KMSEARCH_CLUSTER_JVM_OPTS")
        if node_jvm_opts is not None:
            cmd += ["--jvm-opts", node_jvm_opts]
        log = open(base / "coordinator.log", "ab")
        try:
            # its own session: a ^C in the terminal reaches pytest, whose
            # fixture then stops the cluster in order
            process = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        finally:
            log.close()
        deadline = time.monotonic() + timeout + 30
        try:
            while True:
                if ready_file.exists():
                    ready = json.loads(ready_file.read_text())
                    return cls(base, process, ready)
                if process.poll() is not None:
                    raise ClusterError(
                        cls._failure(base, f"the cluster launcher exited with status {process.returncode}")
                    )
                if time.monotonic() > deadline:
                    raise ClusterError(cls._failure(base, f"no ready.json after {timeout + 30:.0f} s"))
                time.sleep(0.2)
        except BaseException:
            cls._terminate(process)
            raise

    @staticmethod
    def _failure(base: Path, why: str) -> str:
        parts = [
            f"OpenSearch test cluster in {base} did not start: {why}",
            f"---- {base / 'coordinator.log'} ----",
            _tail(base / "coordinator.log", 60),
        ]
        for log in sorted(base.glob("node-*/stdout.log")):
            parts += [f"---- {log} (last 40 lines) ----", _tail(log, 40)]
        return "\n".join(parts)

    @staticmethod
    def _terminate(process: subprocess.Popen, timeout: float = 30.0) -> None:
        if process.poll() is None:
            process.terminate()  # the coordinator stops its nodes (SIGTERM, then SIGKILL after 20 s)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    # ---------------------------------------------------------- accessors
    @property
    def urls(self) -> list[str]:
        return [n["url"] for n in self.nodes]

    @property
    def data_nodes(self) -> list[dict]:
        return [n for n in self.nodes if "data" in n["roles"]]

    @property
    def data_urls(self) -> list[str]:
        return [n["url"] for n in self.data_nodes]

    def alive(self, node: dict) -> bool:
        return _is_ours(node["pid"])

    @property
    def live_urls(self) -> list[str]:
        return [n["url"] for n in self.nodes if self.alive(n)]

    def node(self, name: str) -> dict:
        return next(n for n in self.nodes if n["name"] == name)

    def health(self, *, status: str | None = None, nodes: int | None = None, timeout: float = 30.0) -> dict:
        """_cluster/health from a live node, waiting (bounded) for STATUS and NODES."""
        query = [f"timeout={max(1, int(timeout))}s"]
        if status:
            query.append(f"wait_for_status={status}")
        if nodes is not None:
            query.append(f"wait_for_nodes={nodes}")
        deadline = time.monotonic() + timeout + 10
        last: Exception | None = None
        while time.monotonic() < deadline:
            for url in self.live_urls:
                try:
                    h = http_json(f"{url}/_cluster/health?{'&'.join(query)}", timeout=timeout + 5)
                except ClusterError as e:
                    last = e
                    continue
                if not h.get("timed_out"):
                    return h
                last = ClusterError(f"health timed out: {h}")
            time.sleep(0.5)
        raise ClusterError(f"cluster health (status={status}, nodes={nodes}) not reached in {timeout} s: {last}")

    def manager(self) -> dict:
        """The elected cluster manager's node entry."""
        for url in self.live_urls:
            try:
                rows = http_json(f"{url}/_cat/cluster_manager?format=json")
                return self.node(rows[0]["node"])
            except (ClusterError, LookupError, StopIteration):
                continue
        raise ClusterError("no node names an elected cluster manager")

    # --------------------------------------------------------- kill/start
    def kill_node(self, node: dict | str, sig: int = signal.SIGKILL) -> None:
        """Kill one node's JVM by PID (SIGKILL by default: no clean shutdown)."""
        node = self.node(node) if isinstance(node, str) else node
        if _is_ours(node["pid"]):
            os.kill(node["pid"], sig)
        if not _wait_gone(node["pid"], 30):
            raise ClusterError(f"{node['name']} (pid {node['pid']}) still runs after signal {sig}")
        for p in self._extra:  # reap a restarted node of ours
            p.poll()

    def restart_node(self, node: dict | str, *, timeout: float = 120.0) -> dict:
        """Start a killed node again with its ports and data folder, and wait
        until the cluster is green with every node."""
        node = self.node(node) if isinstance(node, str) else node
        if self.alive(node):
            raise ClusterError(f"{node['name']} is running (pid {node['pid']})")
        home = Path(node["home"])
        (home / "node.json").unlink(missing_ok=True)
        with open(home / "stdout.log", "ab") as log:
            p = subprocess.Popen(
                node["argv"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self._extra.append(p)
        node["pid"] = p.pid
        deadline = time.monotonic() + timeout
        while not (home / "node.json").exists():
            if p.poll() is not None:
                raise ClusterError(
                    f"{node['name']} exited with {p.returncode} on restart:\n" + _tail(home / "stdout.log")
                )
            if time.monotonic() > deadline:
                raise ClusterError(f"{node['name']} not started in {timeout} s:\n" + _tail(home / "stdout.log"))
            time.sleep(0.2)
        self.health(status="green", nodes=len(self.nodes), timeout=max(1.0, deadline - time.monotonic()))
        return node

    # --------------------------------------------------------------- stop
    def stop(self) -> None:
        """Stop every JVM of this cluster; idempotent; never leaves one running."""
        _LIVE.discard(self)
        self._terminate(self.process)
        for p in self._extra:
            if p.poll() is None:
                p.terminate()
        for node in self.nodes:
            if not _wait_gone(node["pid"], 20):
                os.kill(node["pid"], signal.SIGKILL)
                _wait_gone(node["pid"], 10)
        for p in self._extra:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()

    def __enter__(self) -> TestCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def rss_kib(pid: int) -> int | None:
    """Resident memory of a process in KiB (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def main(argv: list[str]) -> int:
    cmd = argv[0] if argv else "run"
    if cmd == "deps":
        started = time.monotonic()
        print(
            classpath(quiet=False).count(os.pathsep) + 1,
            "jars on the cluster classpath,",
            f"{time.monotonic() - started:.1f} s",
        )
        return 0
    if cmd == "classpath":
        print(classpath())
        return 0
    if cmd == "measure":
        # time to green in a new folder (a new cluster) and again on its data
        # (a restart), and each node's resident memory once green
        runs = int(argv[1]) if len(argv) > 1 else 2
        with tempfile.TemporaryDirectory(prefix="kmsearch-measure-") as tmp:
            for i in range(runs):
                for kind in ("new folder", "same folder again"):
                    base = Path(tmp) / f"run{i}"
                    wall = time.monotonic()
                    with TestCluster.start(base) as c:
                        wall = time.monotonic() - wall
                        time.sleep(5)
                        rss = ", ".join(f"{n['name']} {rss_kib(n['pid']) // 1024} MiB" for n in c.nodes)
                        print(
                            f"{kind:18} green in {c.seconds_to_green:5.1f} s (launcher), {wall:5.1f} s "
                            f"(from Python); RSS {rss}; load {os.getloadavg()[0]:.1f}",
                            flush=True,
                        )
        return 0
    if cmd == "run":
        import argparse

        ap = argparse.ArgumentParser(prog="cluster.py run")
        ap.add_argument("base", nargs="?", help="folder of the nodes' data and logs (default: a new temp folder)")
        ap.add_argument("--nodes", type=int, default=2, help="data nodes (default 2)")
        ap.add_argument("--no-tiebreaker", action="store_true", help="no cluster-manager-only third node")
        ap.add_argument("--http-ports", help="comma-separated, one per node (tiebreaker included)")
        ap.add_argument("--timeout", type=float, default=240)
        a = ap.parse_args(argv[1:])
        ports = [int(p) for p in a.http_ports.split(",")] if a.http_ports else None

        def interrupt(signum, frame):
            raise KeyboardInterrupt

        # also when started in the background, where SIGINT comes ignored
        signal.signal(signal.SIGINT, interrupt)
        signal.signal(signal.SIGTERM, interrupt)
        with TestCluster.start(
            a.base, nodes=a.nodes, tiebreaker=not a.no_tiebreaker, http_ports=ports, timeout=a.timeout
        ) as c:
            print(f"green in {c.seconds_to_green:.1f} s, {c.base}")
            for n in c.nodes:
                print(f"  {n['name']:7} {n['url']}  pid {n['pid']}  roles {','.join(n['roles'])}")
            print("Ctrl-C stops it")
            try:
                while c.process.poll() is None:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
        return 0
    print("usage: cluster.py [deps | classpath | run [BASE_DIR] [--http-ports P1,P2,P3] [--nodes N]]", file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
