"""networks: the ten_ambassadors policies on four kinds of network; hubs as ambassadors.

Uses the measures of :mod:`trustsim.experiments.ten_ambassadors` per network kind, plus, from
:func:`trustsim.experiments.runs.run_with_extras`, the mean degree of ambassadors relative to
the population's and the share of ambassadors who are hubs (best-connected 10%), averaged over
the last quarter of the horizon. In the model every ambassador makes Poisson(wom.rate)
recommendations per period whatever its degree, so hubs do not talk more; they hear more.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from trustsim.experiments.common import (
    PALETTE,
    Size,
    all_of,
    answers,
    band_plot,
    bands,
    difference,
    first_step_at_or_above,
    interval_bars,
    mean_ci,
    pyplot,
    save_figure,
    verdict,
)
from trustsim.experiments.runs import HUB_SHARE
from trustsim.experiments.ten_ambassadors import names_of, summarise_point

CLAIM = (
    "Word of mouth, and so the ambassador policy, works best when contacts are well mixed and worse on "
    "clustered networks; on scale-free networks the hubs become ambassadors."
)
FALSIFIED_IF = (
    "Customers per ambassador and the Ambassador's lead are not largest on the well-mixed population, "
    "or hubs are not over-represented among ambassadors on the scale-free network."
)
RUN_FN = "trustsim.experiments.runs:run_with_extras"
KIND = "network.kind"
KINDS = ("well_mixed", "erdos_renyi", "small_world", "scale_free")
SIZES = {
    "tiny": Size({"market.customers": 1000}, replicates=3, steps=100, grid={KIND: ["well_mixed", "scale_free"]}),
    "laptop": Size({"market.customers": 3000}, replicates=5),
}


def analyse(ctx: Any) -> tuple[dict[str, Any], list[Path]]:
    """Run the sweep, draw the figures, return the findings."""
    data = ctx.sweep(ctx.path, SIZES, run_fn=RUN_FN)
    names = names_of(data.suppliers)
    by_kind: dict[str, Any] = {}
    for kind, sup in data.suppliers.groupby(KIND, sort=False):
        s = summarise_point(sup)
        series = data.series[data.series[KIND] == kind]
        tail = series[series["step"] > 0.75 * series["step"].max()].groupby("run")
        half = [
            first_step_at_or_above(f["step"].to_numpy(), f["customer_share"].to_numpy(), 0.5)
            for _, f in series.groupby("run")
        ]
        by_kind[kind] = {
            "final_customers": s["final_customers"],
            "final_customers_difference": s["final_customers_difference"],
            "crossover_step": s["crossover_step"],
            "customers_per_ambassador": s["customers_per_ambassador"][names[1]],
            "periods_to_half_market": mean_ci(half),
            "ambassador_degree_ratio": mean_ci(tail["ambassador_degree_ratio"].mean()),
            "hub_share_of_ambassadors": mean_ci(tail["hub_ambassador_share"].mean()),
        }
    order = [k for k in KINDS if k in by_kind]
    findings = {
        "steps": int(data.series["step"].max()),
        "replicates": data.experiment.replicates,
        "policies": {"acquisition": names[0], "ambassador": names[1]},
        "by_network": by_kind,
        "hub_share_expected_if_random": 0.1,
        "verdicts": {
            "wom_strongest_well_mixed": all_of(
                *(
                    verdict(
                        difference(
                            by_kind["well_mixed"]["customers_per_ambassador"], by_kind[k]["customers_per_ambassador"]
                        )
                    )
                    for k in order
                    if k != "well_mixed" and "well_mixed" in by_kind
                )
            ),
            "hubs_over_represented_scale_free": verdict(
                by_kind.get("scale_free", {}).get("hub_share_of_ambassadors"), HUB_SHARE
            ),
        },
    }
    findings |= answers(findings["verdicts"])
    return findings, [_trajectories(data, order, names, ctx.out), _bars(by_kind, order, ctx.out)]


def _trajectories(data: Any, order: list[str], names: list[str], out: Path) -> Path:
    plt = pyplot()
    fig, axes = plt.subplots(1, len(order), figsize=(4 * len(order), 3.6), sharey=True)
    axes = np.atleast_1d(axes)
    for ax, kind in zip(axes, order, strict=True):
        sup = data.suppliers[data.suppliers[KIND] == kind]
        for s, name in enumerate(names):
            band_plot(ax, bands(sup[sup["supplier"] == s], [], "customers"), PALETTE[s], name)
        ax.set(title=kind.replace("_", " "), xlabel="period")
    axes[0].set_ylabel("customers")
    axes[0].legend(frameon=False)
    fig.suptitle("Same budget, different networks (95% bands)", y=1.03)
    return save_figure(fig, out, "networks_customers")


def _bars(by_kind: dict[str, Any], order: list[str], out: Path) -> Path:
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
    for ax, key, title in zip(
        axes,
        ("final_customers_difference", "customers_per_ambassador", "hub_share_of_ambassadors"),
        ("Ambassador - Acquisition, final customers", "Customers per ambassador", "Share of ambassadors who are hubs"),
        strict=True,
    ):
        interval_bars(
            ax,
            range(len(order)),
            [by_kind[k][key] for k in order],
            capsize=4,
            color=[PALETTE[i] for i in range(len(order))],
        )
        ax.set_xticks(range(len(order)), [k.replace("_", "\n") for k in order])
        ax.set_title(title)
        ax.axhline(0.1 if key == "hub_share_of_ambassadors" else 0, color="grey", ls=":", lw=1)
    return save_figure(fig, out, "networks_comparison")
