"""Process and memory measurement from /proc, and one measurement run in a
fresh interpreter of its own (``run_child``) so that its memory and CPU
time are its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from ..machine import describe
from .base import ROOT


def proc_status(pid: int | str = "self") -> dict:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmPeak", "VmSize", "RssAnon", "RssFile", "RssShmem"):
                out[key] = int(value.split()[0])  # kB
    except OSError:
        pass
    return out


def proc_meminfo() -> dict:
    out = {}
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


def machine() -> dict:
    mem = proc_meminfo()
    return {**describe(), "memory_mb": mem.get("MemTotal", 0) // 1024, "loadavg_start": os.getloadavg()}


def _children_of() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        tree.setdefault(ppid, []).append(int(d.name))
    return tree


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants, summed (kB)."""
    tree = _children_of()
    todo, total, page_kb = [pid], 0, os.sysconf("SC_PAGE_SIZE") // 1024
    while todo:
        p = todo.pop()
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * page_kb
        except (OSError, IndexError, ValueError):
            pass
        todo += tree.get(p, [])
    return total


def proc_cpu_s(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rfind(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dir_bytes(path: Path) -> int:
    seen, total = set(), 0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


def run_child(kind: str, params: dict, logs: Path, poll: float = 0.5) -> dict:
    """Run one measurement in a fresh interpreter; return what it printed,
    with its wall time and peak memory (its own ru_maxrss from wait4, which
    covers the largest of it and its descendants, and the peak of the summed
    resident memory of the whole process tree, sampled every ``poll`` s)
    and the CPU time it and its reaped descendants used: on a shared
    machine CPU seconds move less than wall seconds."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{kind}.out", logs / f"{kind}.err"
    cmd = [sys.executable, "-m", "benchmarks.scale.jobs", kind, json.dumps(params)]
    started = time.perf_counter()
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
    peak_tree = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_tree = max(peak_tree, tree_rss_kb(proc.pid))
        time.sleep(poll)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"child {kind} failed ({proc.returncode}): {err_path.read_text()[-2000:]}")
    lines = [line for line in out_path.read_text().splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    result.update(
        child_wall_s=wall,
        child_cpu_s=usage.ru_utime + usage.ru_stime,
        maxrss_mb=usage.ru_maxrss / 1024,
        peak_tree_rss_mb=peak_tree / 1024,
    )
    return result
