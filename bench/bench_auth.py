"""Benchmark: sandbox start-up and the cost of the auth path, as ratios measured side by side in one run.

Run:  python bench/bench_auth.py [--rounds N]

What it reports (no assertions; tests never time anything):
* ``start`` on a new state dir vs. ``start`` that reuses the running service, against the 10 s budget
  the sandbox allows itself for a cold start on a 2-core machine;
* a client-credentials token fetched from the sandbox every time vs. served from the in-memory app-only
  cache (what a notebook re-running a cell pays);
* ``inspect_token`` with signature verification (keys cached after the first call) vs. decode-only, i.e.
  what verification costs once the JWKS is cached.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLD_START_BUDGET_S = 10.0


def _cli(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "grooper_nb.sandbox", *args], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout) if out.stdout.strip().startswith("{") else {}


def _timed(fn, rounds: int) -> float:
    """Median wall time of ``fn()`` over ``rounds`` calls, in seconds."""
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds

    from grooper_nb.auth import flows
    from grooper_nb.profile import connect
    from grooper_nb.tokens import inspect_token

    rows: list[tuple[str, float, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="grooper-nb-bench-") as tmp:
        state = str(Path(tmp) / "sandbox")
        t0 = time.perf_counter()
        _cli("start", "--state-dir", state)
        cold = time.perf_counter() - t0
        warm = _timed(lambda: _cli("start", "--state-dir", state), 3)
        rows.append(("sandbox start: cold vs 10 s budget", cold, COLD_START_BUDGET_S, "lower is better"))
        rows.append(("sandbox start: reuse vs cold", warm, cold, "reuse should be a fraction"))
        try:
            s2s = connect(app="Grooper Server-to-Server", sandbox_dir=state)
            fresh = _timed(lambda: flows.client_credentials(s2s, use_cache=False), rounds)
            flows.client_credentials(s2s)
            cached = _timed(lambda: flows.client_credentials(s2s), rounds)
            rows.append(("client credentials: cached vs fresh", cached, fresh, "cache should be ≪ 1"))

            token = flows.client_credentials(s2s, use_cache=False)
            inspect_token(token, s2s)  # warm the JWKS cache
            verified = _timed(lambda: inspect_token(token, s2s), rounds)
            decoded = _timed(lambda: inspect_token(token, s2s, verify=False), rounds)
            rows.append(("inspect_token: verified (warm keys) vs decode-only", verified, decoded, "≈ 1–3"))
        finally:
            _cli("stop", "--state-dir", state)

    width = max(len(r[0]) for r in rows)
    print(f"{'measure'.ljust(width)}  {'a (s)':>9}  {'b (s)':>9}  {'a/b':>7}  note")
    for name, a, b, note in rows:
        print(f"{name.ljust(width)}  {a:9.4f}  {b:9.4f}  {a / b:7.3f}  {note}")


if __name__ == "__main__":
    main()
