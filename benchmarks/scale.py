"""How one run's cost grows with the number of customers (issue 8).

For 10,000, 100,000 and 1,000,000 customers (20 suppliers, mean degree 10, the baseline
scenario, 52 steps) prints network generation, model building, time per step, the whole
run (building included) and the peak memory of the process. Each size runs in a fresh
process, so its peak memory is its own (``ru_maxrss``, which includes Python, numpy,
pandas, Mesa and numba themselves, about 0.2 GB). ``run s`` is building (network included)
plus the steps, in wall-clock seconds; the CPU columns are the process's CPU time, which
load from other processes on a shared machine does not inflate.

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--steps 52]

Targets: cost linear in customers and ties; 1,000,000 x 20 x 52 under 60 s (network
included) with peak memory under 3 GB.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from warmup import add_arguments, scenario_name


def one(customers: int, suppliers: int, mean_degree: float, steps: int, name: str, version_1: bool) -> dict[str, float]:
    """Build and run one model; its timings and peak memory."""
    import numpy as np
    from warmup import settings, warm_up

    from trustsim.config import load_scenario
    from trustsim.model import TrustMarket
    from trustsim.network import build_network

    warm_up(suppliers)  # every compiled rule loaded outside the timing
    scenario = load_scenario(
        name,
        {
            "market.customers": customers,
            "market.suppliers": suppliers,
            "network.mean_degree": mean_degree,
            **settings(version_1),
        },
    )
    t0 = time.perf_counter()
    net = build_network(
        scenario.network.kind, customers, mean_degree, np.random.default_rng(1), rewire=scenario.network.rewire
    )
    t1 = time.perf_counter()
    edges = net.edges
    del net
    t2, c2 = time.perf_counter(), time.process_time()
    model = TrustMarket(scenario, rng=1)  # builds its own network again, included here
    t3, c3 = time.perf_counter(), time.process_time()
    model.run(steps)
    t4, c4 = time.perf_counter(), time.process_time()
    return {
        "customers": customers,
        "edges": edges,
        "network_s": t1 - t0,
        "build_s": t3 - t2,
        "step_ms": (t4 - t3) / steps * 1e3,
        "total_s": t4 - t2,
        "step_cpu_ms": (c4 - c3) / steps * 1e3,
        "total_cpu_s": c4 - c2,
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--suppliers", type=int, default=20)
    parser.add_argument("--mean-degree", type=float, default=10)
    parser.add_argument("--steps", type=int, default=52)
    add_arguments(parser)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    name = scenario_name(args.scenario, args.version_1)
    if args.one:
        print(json.dumps(one(args.one, args.suppliers, args.mean_degree, args.steps, name, args.version_1)))
        return
    which = f"scenario {name}" + (" (version-1 settings)" if args.version_1 else "")
    print(f"{args.suppliers} suppliers, mean degree {args.mean_degree:g}, {args.steps} steps, {which}")
    header = (
        f"{'customers':>10} {'ties':>11} {'network s':>10} {'build s':>8} {'ms/step':>8} "
        f"{'ns/cust/step':>13} {'run s':>7} {'CPU ms/step':>12} {'CPU run s':>10} {'peak GB':>8}"
    )
    print(header)
    for n in args.sizes:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                str(n),
                "--suppliers",
                str(args.suppliers),
                "--mean-degree",
                str(args.mean_degree),
                "--steps",
                str(args.steps),
                "--scenario",
                name,
                *(["--version-1"] if args.version_1 else []),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['customers']:>10,} {r['edges']:>11,} {r['network_s']:>10.2f} {r['build_s']:>8.2f} "
            f"{r['step_ms']:>8.1f} {r['step_ms'] * 1e6 / r['customers']:>13.0f} {r['total_s']:>7.1f} "
            f"{r['step_cpu_ms']:>12.1f} {r['total_cpu_s']:>10.1f} {r['peak_gb']:>8.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
