"""Sweep throughput: runs per second with 1 and 2 local workers, parallel efficiency, and the
overhead of the Dask backend (a LocalCluster of 2 single-threaded worker processes) against
the local process pool with 2 workers.

    python benchmarks/sweep_throughput.py                       # 48 and 96 runs, 2000 people
    python benchmarks/sweep_throughput.py --runs 96 --customers 5000 --repeats 3 --json out.json

Each backend runs the same sweep with N and with 2N runs. The difference of the two wall
times is the cost of N runs once workers are up, so ``runs_per_s`` = N / (T(2N) - T(N)) is
the steady throughput a long sweep sees, and ``startup_s`` = T(N) - N / runs_per_s is the
fixed cost of a sweep (worker processes importing Mesa and loading the model's compiled
kernels, about 2 s of CPU each; writing results). ``wall_runs_per_s`` = N / T(N) is what a
user of a short sweep waits for. The Dask cluster's workers stay up between sweeps, so its
start-up is reported separately (``dask_cluster_start_s``). One run in this process first
fills the model's compiled-kernel cache (numba). On a shared machine timings are noisy:
``--repeats`` keeps the best of several timings.
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


def warm_up(exp: dict) -> None:
    """Run the model once here so that compiled kernels are cached before timing."""
    from trustsim.sweep import load_experiment, make_plan
    from trustsim.sweep.experiment import scenario_for

    plan = make_plan(load_experiment(exp))
    from trustsim.runner import run_one

    run_one(scenario_for(plan.base, plan.runs[0].params), 0, 2)


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


def measure(exp: dict, repeats: int, **backend) -> tuple[dict, bytes]:
    """Steady runs/s, start-up seconds and wall runs/s of one backend; the summary's bytes."""
    n = exp["replicates"] * 8
    t_n, _, summary = timed(exp, repeats, **backend)
    t_2n, _, _ = timed({**exp, "replicates": 2 * exp["replicates"]}, repeats, **backend)
    rate = n / max(t_2n - t_n, 1e-9)
    return {
        "runs_per_s": round(rate, 2),
        "startup_s": round(max(t_n - n / rate, 0.0), 2),
        "wall_s": round(t_n, 2),
        "wall_runs_per_s": round(n / t_n, 2),
    }, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=48, help="N (a multiple of 8)")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=52)
    parser.add_argument("--repeats", type=int, default=1, help="keep the best of N timings")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    exp = experiment(args.runs, args.customers, args.steps)
    warm_up(exp)

    one, s1 = measure(exp, args.repeats, workers=1)
    two, s2 = measure(exp, args.repeats, workers=2)
    out: dict = {
        "runs": exp["replicates"] * 8,
        "customers": args.customers,
        "steps": args.steps,
        "repeats": args.repeats,
    }
    out |= {f"{k}_1_worker": v for k, v in one.items()}
    out |= {f"{k}_2_workers": v for k, v in two.items()}
    out["parallel_efficiency"] = round(two["runs_per_s"] / (2 * one["runs_per_s"]), 3)
    out["wall_parallel_efficiency"] = round(two["wall_runs_per_s"] / (2 * one["wall_runs_per_s"]), 3)
    out["identical_results_1_vs_2_workers"] = s1 == s2
    if not args.no_dask:
        from distributed import LocalCluster

        start = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            out["dask_cluster_start_s"] = round(time.perf_counter() - start, 2)
            dask, sd = measure(exp, args.repeats, scheduler=cluster.scheduler_address)
        out |= {f"{k}_dask_2_workers": v for k, v in dask.items()}
        out["dask_overhead_vs_pool"] = round(two["runs_per_s"] / dask["runs_per_s"] - 1, 3)
        out["identical_results_dask_vs_pool"] = sd == s2
    width = max(map(len, out))
    for key, value in out.items():
        print(f"{key:<{width}}  {value}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
