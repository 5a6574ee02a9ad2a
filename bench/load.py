"""Load with wrk: the binary (installed from Debian's `wrk` package when missing) and one run."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wrk" / "report.lua"
MARKER = "BENCH_RESULT "


def ensure_wrk(say) -> tuple[str, str]:
    """The wrk binary and how we got it; installs Debian's package with apt-get when missing."""
    found = shutil.which("wrk")
    if found:
        return found, "found on PATH"
    apt = shutil.which("apt-get")
    if apt is None:
        raise SystemExit(
            "wrk is missing and there is no apt-get to install it: install wrk (https://github.com/wg/wrk)"
        )
    prefix = [] if os.geteuid() == 0 else ([shutil.which("sudo")] if shutil.which("sudo") else None)
    if prefix is None:
        raise SystemExit("wrk is missing: install the Debian package `wrk` (apt-get install wrk) as root")
    say("wrk is missing: installing the Debian package `wrk` with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, check=False).returncode != 0:  # noqa: S603
        say("apt-get install failed: updating the package lists and trying again")
        subprocess.run([*prefix, apt, "update", "-q"], env=env, check=True)  # noqa: S603
        subprocess.run(install, env=env, check=True)  # noqa: S603
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("apt-get installed wrk but it is not on PATH")
    return found, "installed now with apt-get (Debian package wrk)"


@dataclass(frozen=True)
class WrkRun:
    connections: int
    threads: int
    duration_s: float
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    errors: dict[str, int]

    def as_dict(self) -> dict:
        return self.__dict__.copy()


# A request with a body (wrk's -s script, before report.lua's done()): every request gets its own
# copy with "__N__" replaced by the run's token, the thread's number and a count, e.g. a customer
# name of its own.
_BODY_SCRIPT = """-- Written by bench/load.py for this run.
wrk.method = %(method)s
local template = [==[%(template)s]==]
local run = "%(run)s"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
local count = 0
function request()
  count = count + 1
  local body = template:gsub("__N__", run .. "-" .. (thread_number or 0) .. "-" .. count)
  return wrk.format(nil, nil, nil, body)
end
"""


@contextlib.contextmanager
def _script(method: str, body: str | None) -> Iterator[str]:
    """The -s script's path: report.lua, or for another method or a body, a temporary script of
    the request's method and body followed by report.lua."""
    if method == "GET" and body is None:
        yield str(SCRIPT)
        return
    if "]==]" in (body or "") or not method.isalpha():
        raise ValueError("the body cannot be written into the wrk script")
    run = secrets.token_hex(3)
    text = _BODY_SCRIPT % {"method": json.dumps(method), "template": body or "", "run": run} + "\n" + SCRIPT.read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", prefix="prm-bench-wrk-", encoding="utf-8") as script:
        script.write(text)
        script.flush()
        yield script.name


def run_wrk(
    wrk: str,
    *,
    url: str,
    host: str,
    connections: int,
    duration: float,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: str | None = None,
    threads: int | None = None,
    timeout: float = 10,
) -> WrkRun:
    """One wrk run. ``headers``: besides the host (the session cookie, an API key); ``body``: sent
    with ``method``, "__N__" in it numbered per request."""
    threads = threads or min(connections, 2)  # 2 cores: wrk must not starve the server
    with _script(method, body) as script:
        command = [
            wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(round(duration), 1)}s",
            f"--timeout={int(timeout)}s",
            "--latency",
            "-s",
            script,
            "-H",
            f"Host: {host}",
        ]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        command.append(url)
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    line = next((line for line in completed.stdout.splitlines() if line.startswith(MARKER)), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    data = json.loads(line[len(MARKER) :])
    seconds = data["duration_us"] / 1e6
    return WrkRun(
        connections=connections,
        threads=threads,
        duration_s=round(seconds, 2),
        requests=data["requests"],
        rps=round(data["requests"] / seconds, 1) if seconds else 0.0,
        p50_ms=round(data["p50_us"] / 1000, 2),
        p90_ms=round(data["p90_us"] / 1000, 2),
        p95_ms=round(data["p95_us"] / 1000, 2),
        p99_ms=round(data["p99_us"] / 1000, 2),
        max_ms=round(data["max_us"] / 1000, 2),
        mean_ms=round(data["mean_us"] / 1000, 2),
        errors={key: value for key, value in data["errors"].items() if value},
    )
