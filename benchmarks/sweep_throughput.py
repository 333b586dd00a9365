"""Sweep throughput: runs per second with 1 and 2 local workers, parallel efficiency, and the
overhead of the Dask backend (a LocalCluster of 2 single-threaded worker processes) against
the local process pool with 2 workers.

    python benchmarks/sweep_throughput.py                 # 48 runs of the baseline, 1000 people
    python benchmarks/sweep_throughput.py --runs 96 --customers 2000 --steps 52 --json out.json

Times are wall-clock for the whole sweep (pool start-up, runs, writing results), so they are
what a user waits for; the Dask cluster's own start-up is reported separately. On a shared
machine timings are noisy: ``--repeats N`` runs each configuration N times and keeps the best.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def experiment(runs: int, customers: int, steps: int) -> dict:
    """A grid over wom.rate with `runs` runs (8 design points x replicates)."""
    replicates = max(1, runs // 8)
    return {
        "name": "bench_sweep",
        "scenario": str(ROOT / "configs" / "baseline.toml"),
        "seed": 1,
        "replicates": replicates,
        "steps": steps,
        "overrides": {"market.customers": customers},
        "design": {"kind": "grid", "parameters": {"wom.rate": [0.05 * (i + 1) for i in range(8)]}},
        "output": {"measures": ["customer_share", "ambassador_share", "nps", "mean_trust"]},
    }


def timed(exp: dict, repeats: int, **backend) -> tuple[float, int, bytes]:
    """Best wall time of `repeats` sweeps, the runs done, and the summary file's bytes."""
    from trustsim.sweep import run_sweep

    best = float("inf")
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = run_sweep(exp, Path(tmp) / "out", progress=False, **backend)
            best = min(best, time.perf_counter() - start)
            if not result.ok:
                raise SystemExit(f"benchmark sweep failed: {result.failures}")
            summary = (Path(tmp) / "out" / "summary.parquet").read_bytes()
    return best, result.done, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=48)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=1, help="keep the best of N timings")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    exp = experiment(args.runs, args.customers, args.steps)

    t1, n, s1 = timed(exp, args.repeats, workers=1)
    t2, _, s2 = timed(exp, args.repeats, workers=2)
    out = {
        "runs": n, "customers": args.customers, "steps": args.steps, "repeats": args.repeats,
        "seconds_1_worker": round(t1, 2), "runs_per_s_1_worker": round(n / t1, 2),
        "seconds_2_workers": round(t2, 2), "runs_per_s_2_workers": round(n / t2, 2),
        "parallel_efficiency_2_workers": round(t1 / (2 * t2), 3),
        "identical_results_1_vs_2_workers": s1 == s2,
    }
    if not args.no_dask:
        from distributed import LocalCluster

        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            out["dask_cluster_start_s"] = round(time.perf_counter() - start, 2)
            td, _, sd = timed(exp, args.repeats, scheduler=cluster.scheduler_address)
        out |= {
            "seconds_dask_2_workers": round(td, 2), "runs_per_s_dask_2_workers": round(n / td, 2),
            "dask_overhead_vs_pool": round(td / t2 - 1, 3),
            "identical_results_dask_vs_pool": sd == s2,
        }
    width = max(map(len, out))
    for key, value in out.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
