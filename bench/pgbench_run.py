"""Runs bench/pgbench/*.sql (one script per API function) against the loaded data set.

This is the server side of each call, without Python: pgbench, one client,
prepared statements, on loopback. The figures are the average latency and
the transactions per second pgbench reports.
"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Any

from bench.server import ROOT, WORKER, BenchServer

SCRIPTS = ROOT / "bench" / "pgbench"


def run(
    server: BenchServer,
    dbname: str,
    videos: int,
    *,
    seconds: float | None = None,
    transactions: int | None = None,
) -> dict[str, dict[str, Any]]:
    pgbench = os.path.join(server.cluster.bindir, "pgbench")
    limit = ["-T", str(max(1, round(seconds)))] if seconds else ["-t", str(transactions or 10)]
    results: dict[str, dict[str, Any]] = {}
    for script in sorted(SCRIPTS.glob("*.sql")):
        proc = subprocess.run(
            [
                pgbench,
                "-n",
                "-M",
                "prepared",
                "-c",
                "1",
                *limit,
                "-D",
                f"videos={videos}",
                "-f",
                str(script),
                "-h",
                "127.0.0.1",
                "-p",
                str(server.port),
                "-U",
                WORKER,
                dbname,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"pgbench {script.name} failed:\n{proc.stdout}{proc.stderr}")
        latency = re.search(r"latency average = ([\d.]+) ms", proc.stdout)
        tps = re.search(r"tps = ([\d.]+)", proc.stdout)
        failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
        results[script.stem] = {
            "latency_ms": float(latency.group(1)) if latency else None,
            "tps": float(tps.group(1)) if tps else None,
            "failed": int(failed.group(1)) if failed else 0,
        }
    return results
