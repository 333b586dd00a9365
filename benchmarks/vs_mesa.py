"""trustsim against a plain per-agent Mesa model, side by side in one process (issue 8).

The peer is Mesa's own shipped ``virus_on_network`` example (``mesa.examples``) with its
defaults (one initial infection, spread chance 0.4, ...), its model code unmodified. Two
things around it are swapped because they are quadratic in the number of nodes and take
many minutes at 100,000: the graph comes from ``networkx.fast_gnp_random_graph`` (the same
G(n, p) distribution as its ``erdos_renyi_graph``), and its ``Network`` space is built with
``layout=None`` (the spring layout only gives positions for drawing).

Both models get the same number of agents (Mesa's nodes, trustsim's customers), mean degree
and number of steps, each from its own initial state; trustsim runs the baseline scenario
(configs/baseline.toml, the calibrated market, every mechanism it switches on; `--scenario
baseline_v1` runs the uncalibrated market of version 1) with 10 suppliers. Mesa's steps cost
more while the epidemic is large, so whole runs are compared, not single steps. Each round
builds both models afresh and alternates them in blocks of 10 steps, so load from other
processes on a shared machine hurts both alike; the best round of each counts. (Blocks
rather than single steps: a Mesa step walks ~100 MB of Python objects, which leaves
trustsim's arrays out of the caches at the start of its next step; ``--block 1`` shows
that cost, about 15 % of trustsim's time.) CPU time is printed too (load does not inflate it).

Throughput is agent-steps per second: agents x steps / seconds of stepping (building the
models is reported separately). The last line is ``ratio=<trustsim/mesa>``.

    .venv/bin/python benchmarks/vs_mesa.py [--customers 100000] [--steps 30] [--rounds 3] [--block 10]
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from unittest import mock

import networkx as nx
from warmup import add_arguments, scenario_name, settings, warm_up

from trustsim.config import load_scenario
from trustsim.model import TrustMarket


def build_mesa(nodes: int, mean_degree: float, seed: int):
    """Mesa's VirusOnNetwork with its defaults, on a G(n, p) graph from the fast generator."""
    from mesa.discrete_space import Network
    from mesa.examples.basic.virus_on_network import model as virus

    def fast_gnp(n, p, seed=None, directed=False):
        return nx.fast_gnp_random_graph(n, p, seed=seed_for_graph, directed=directed)

    seed_for_graph = seed
    # layout=None: no spring layout (positions only serve drawing; it is quadratic in nodes)
    with (
        mock.patch.object(nx, "erdos_renyi_graph", fast_gnp),
        mock.patch.object(virus, "Network", partial(Network, layout=None)),
    ):
        return virus.VirusOnNetwork(num_nodes=nodes, avg_node_degree=mean_degree, rng=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--suppliers", type=int, default=10)
    parser.add_argument("--mean-degree", type=float, default=10)
    parser.add_argument("--steps", type=int, default=30, help="steps of each run, from each model's initial state")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best round of each counts")
    parser.add_argument("--block", type=int, default=10, help="steps each model runs before the other takes over")
    add_arguments(parser)
    args = parser.parse_args()
    name = scenario_name(args.scenario, args.version_1)
    n, k, steps = args.customers, args.mean_degree, args.steps
    scenario = load_scenario(
        name,
        {
            "market.customers": n,
            "market.suppliers": args.suppliers,
            "network.mean_degree": k,
            "steps": steps,
            **settings(args.version_1),
        },
    )
    warm_up()  # every compiled rule loaded before timing
    print(
        f"{n:,} agents, mean degree {k:g}, {steps} steps per run; trustsim: scenario {name}"
        f"{' (version-1 settings)' if args.version_1 else ''}, "
        f"{args.suppliers} suppliers"
    )

    wall = {"mesa": [], "trustsim": []}
    cpu = {"mesa": [], "trustsim": []}
    for rnd in range(1, args.rounds + 1):
        t0 = time.perf_counter()
        mesa_model = build_mesa(n, k, seed=rnd)
        t1 = time.perf_counter()
        ours = TrustMarket(scenario, rng=rnd)
        t2 = time.perf_counter()
        took = {"mesa": [0.0, 0.0], "trustsim": [0.0, 0.0]}
        for start in range(0, steps, args.block):  # alternate in blocks: load hits both alike
            for name, model in (("mesa", mesa_model), ("trustsim", ours)):
                a, c = time.perf_counter(), time.process_time()
                for _ in range(min(args.block, steps - start)):
                    model.step()
                took[name][0] += time.perf_counter() - a
                took[name][1] += time.process_time() - c
        for name in took:
            wall[name].append(took[name][0])
            cpu[name].append(took[name][1])
        infected = sum(1 for a in mesa_model.agents if a.state.name == "INFECTED")
        print(
            f"round {rnd}: build mesa {t1 - t0:.1f} s, trustsim {t2 - t1:.2f} s; {steps} steps: "
            f"mesa {took['mesa'][0]:.2f} s (CPU {took['mesa'][1]:.2f} s, infected at the end {infected:,}), "
            f"trustsim {took['trustsim'][0]:.2f} s (CPU {took['trustsim'][1]:.2f} s, customer share "
            f"{ours.model_metrics['customer_share']:.2f}); ratio {took['mesa'][0] / took['trustsim'][0]:.1f}",
            flush=True,
        )
        del mesa_model, ours
    rate = {name: n * steps / min(wall[name]) for name in wall}
    cpu_rate = {name: n * steps / min(cpu[name]) for name in cpu}
    print(f"mesa virus_on_network: {rate['mesa']:12,.0f} agent-steps/s (per CPU second: {cpu_rate['mesa']:,.0f})")
    print(
        f"trustsim:              {rate['trustsim']:12,.0f} agent-steps/s (per CPU second: {cpu_rate['trustsim']:,.0f})"
    )
    print(f"ratio per CPU second: {cpu_rate['trustsim'] / cpu_rate['mesa']:.1f}")
    print(f"ratio={rate['trustsim'] / rate['mesa']:.1f}")


if __name__ == "__main__":
    main()
