"""What the data benchmarks measure, side by side in one process: requests (from the sandbox's own
request log, so retries and pages the client did not notice count too), wall time and peak RSS.

Peak RSS per measured run: Linux keeps the process's high-water mark in ``VmHWM`` of
``/proc/self/status``; writing ``5`` to ``/proc/self/clear_refs`` resets it to the current RSS
(https://www.kernel.org/doc/html/latest/filesystems/proc.html, "clear_refs"), so each run's peak is its
own, not the largest of the process so far. Where the reset is not allowed, the growth of ``VmHWM`` is
reported and marked as an upper bound.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Run", "measure", "print_table"]


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@dataclass
class Run:
    """One measured run: its name, the requests the sandbox logged, wall time, RSS growth at the peak
    over the RSS at the start, and whatever the run returned (``result``)."""

    name: str
    requests: int
    seconds: float
    peak_rss_growth: int  # bytes
    peak_exact: bool
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def measure(name: str, fn: Callable[[], Any], *, state_dir: str, host: str | None = None) -> Run:
    """Run ``fn()`` once, counting the sandbox's logged requests (of ``host``, or every host)."""
    from grooper_nb.sandbox import launcher

    gc.collect()
    since = launcher.requests(state_dir, limit=1)["last"]
    exact = _reset_peak()
    start_rss = _status_kib("VmRSS")
    start_hwm = _status_kib("VmHWM")
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    peak = _status_kib("VmHWM")
    growth = (peak - (start_rss if exact else start_hwm)) * 1024
    count = _count(state_dir, host, since)
    return Run(name, count, seconds, max(growth, 0), exact, result)


def _count(state_dir: str, host: str | None, since: int) -> int:
    from grooper_nb.sandbox import launcher

    total = 0
    while True:
        page = launcher.requests(state_dir, host=host, since=since)
        entries = page["entries"]
        total += len(entries)
        if not entries:
            return total
        since = page["last"]


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    """Rows of (measure, value, target, met) as an aligned table."""
    header = ("measure", "value", "target", "met")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
