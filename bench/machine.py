"""Facts about the machine the figures came from, and how busy it was with other work."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import time
from pathlib import Path


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies since boot, from /proc/stat; None where there is none."""
    try:
        fields = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return idle, sum(fields[:8])


def cpu_busy(seconds: float = 1.0) -> float | None:
    """Percent of all cores busy over ``seconds`` (other processes, when the bench is idle)."""
    before = _cpu_times()
    time.sleep(seconds)
    after = _cpu_times()
    if before is None or after is None or after[1] == before[1]:
        return None
    return round(100 * (1 - (after[0] - before[0]) / (after[1] - before[1])), 1)


def background(say, *, wait: float, threshold: float = 20.0) -> dict:
    """How busy the machine is before the load starts; waits up to ``wait`` s for it to calm down."""
    deadline = time.monotonic() + wait
    busy = cpu_busy()
    told = 0.0
    while busy is not None and busy > threshold and time.monotonic() < deadline:
        if time.monotonic() - told > 30:
            say(f"the machine is {busy:.0f}% busy with other work: waiting (up to {wait:.0f} s) for it to calm down")
            told = time.monotonic()
        busy = cpu_busy(2.0)
    if busy is not None and busy > threshold:
        say(f"warning: the machine is {busy:.0f}% busy with other work; the figures will be lower and noisier")
    return {"busy_pct": busy, "load_average": [round(v, 2) for v in os.getloadavg()]}


def _wrk_version(wrk: str) -> str:
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)  # noqa: S603
    words = (output.stdout + output.stderr).split()
    return words[1] if len(words) > 1 else "?"


def facts(*, wrk: str, postgres: str) -> dict:
    import django
    import gunicorn

    cpu, memory = platform.processor() or "unknown CPU", None
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = round(kib / 1024 / 1024, 1)
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgres": postgres,
        "wrk": _wrk_version(wrk),
    }


def _process_table() -> dict[int, tuple[int, float]]:
    """{pid: (parent pid, CPU seconds used so far)} for every process we can see."""
    ticks = os.sysconf("SC_CLK_TCK")
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, ...
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    return table


def _descendants(table: dict[int, tuple[int, float]], root: int) -> set[int]:
    found, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, (ppid, _) in table.items() if ppid == parent and pid not in found]
        found.update(children)
        frontier.extend(children)
    return found


class OtherWork:
    """CPU used by processes that are not the bench's while a run lasts, as a share of the cores.

    Ours: this process and its descendants (gunicorn and its workers, wrk) and the PostgreSQL
    backends serving the bench database (``ours()`` names them at the end of the run).
    """

    def __init__(self, ours, *, server: int | None = None):
        self.ours = ours
        self.server = server  # gunicorn's master: it and its workers are the application

    def __enter__(self):
        self.started = time.monotonic()
        self.before = _process_table() if Path("/proc/stat").exists() else {}
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        self.after = _process_table() if self.before else {}

    @property
    def percent(self) -> float | None:
        if not self.before:
            return None
        mine = _descendants(self.after, os.getpid()) | set(self.ours())
        used = 0.0
        for pid, (_, cpu) in self.after.items():
            if pid in mine:
                continue
            used += cpu - self.before.get(pid, (0, 0.0))[1]  # a process born meanwhile: all of it
        return round(max(used, 0.0) / (self.seconds * (os.cpu_count() or 1)) * 100, 1)

    def _used(self, pids: set[int]) -> float | None:
        if not self.before:
            return None
        return sum(cpu - self.before.get(pid, (0, 0.0))[1] for pid, (_, cpu) in self.after.items() if pid in pids)

    @property
    def application_seconds(self) -> float | None:
        """CPU seconds gunicorn's processes used during the run."""
        return None if self.server is None else self._used(_descendants(self.after, self.server))

    @property
    def database_seconds(self) -> float | None:
        """CPU seconds the PostgreSQL backends of the bench database used during the run."""
        return self._used(set(self.ours()))
