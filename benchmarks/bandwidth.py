"""The memory-bandwidth bound of a step, and how far the model is from it (issue 8).

A step must at least read and write every customer's state once. Per customer that is the
scalar state (supplier, last supplier, tenure, stage, score, prior, reliability, the
supplier's trust in them) and its four trust log-odds in its own supplier, which sit inside
its (S, 4) row of the trust array: reading and writing them moves one 64-byte cache line
each way. (Who hears a message also touches a row of `heard` and another trust line, but
messages reach a few per cent of customers per step.) This script

1. measures this machine's memory bandwidth as a numpy copy of a 256 MB array (best of 5;
   bytes read + bytes written per second);
2. counts the bytes per customer from the model's own arrays;
3. prints the bound (time per step if the step did nothing but move those bytes once) and
   the model's measured CPU time per step, for 100,000 x 10 and 1,000,000 x 20.

    .venv/bin/python benchmarks/bandwidth.py [--steps 20]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from warmup import warm_up

from trustsim.config import load_scenario
from trustsim.model import TrustMarket

LINE = 64


def copy_bandwidth(megabytes: int = 256, repeats: int = 5) -> float:
    """Bytes moved per second (read + write) by numpy copying a large float32 array."""
    src = np.ones(megabytes * 2**20 // 4, dtype=np.float32)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.nbytes / best


def bytes_per_customer(model: TrustMarket) -> tuple[int, int]:
    """(bytes of per-customer scalar state, bytes moved for the own-supplier trust line)."""
    pop = model.population
    scalars = sum(
        getattr(pop, f).itemsize
        for f in (
            "supplier",
            "last_supplier",
            "tenure",
            "stage",
            "score",
            "prior_logits",
            "reliability",
            "supplier_trust",
        )
    )
    return scalars, 2 * LINE  # one line read, the same line written back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    bw = copy_bandwidth()
    print(f"memory bandwidth (numpy copy of 256 MB, read + write): {bw / 1e9:.1f} GB/s")
    warm_up()  # every compiled rule loaded before timing
    print(
        f"{'customers':>10} {'suppliers':>9} {'B/customer':>11} {'bound ms/step':>14} "
        f"{'model CPU ms/step':>18} {'x bound':>8}"
    )
    for n, s in ((100_000, 10), (1_000_000, 20)):
        model = TrustMarket(
            load_scenario("configs/baseline.toml", {"market.customers": n, "market.suppliers": s}), rng=1
        ).run(5)
        scalars, trust_line = bytes_per_customer(model)
        per_customer = 2 * scalars + trust_line  # scalar state read and written once, the trust line
        bound = n * per_customer / bw
        c0 = time.process_time()
        model.run(args.steps)
        cpu = (time.process_time() - c0) / args.steps
        print(f"{n:>10,} {s:>9} {per_customer:>11} {bound * 1e3:>14.2f} {cpu * 1e3:>18.1f} {cpu / bound:>8.0f}")
        del model
    print(
        "bytes per customer: scalar state read + written once, plus one 64-byte line of the trust array read "
        "and written back"
    )


if __name__ == "__main__":
    main()
