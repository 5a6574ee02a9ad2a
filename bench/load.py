"""Load with wrk: the binary (installed from Debian's `wrk` package when missing) and one run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
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


def run_wrk(
    wrk: str,
    *,
    url: str,
    host: str,
    cookie: str,
    connections: int,
    duration: float,
    threads: int | None = None,
    timeout: float = 10,
) -> WrkRun:
    threads = threads or min(connections, 2)  # 2 cores: wrk must not starve the server
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(round(duration), 1)}s",
        f"--timeout={int(timeout)}s",
        "--latency",
        "-s",
        str(SCRIPT),
        "-H",
        f"Host: {host}",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
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
