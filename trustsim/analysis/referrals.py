"""What word of mouth is worth, read from the referral records (`customers.parquet`).

- :func:`referral_distribution`: referrals per ambassador over its spell, the share who refer
  nobody, the share brought by the top 10%, and the Gini coefficient (Kumar, Petersen & Leone
  2007, 2010: many would-be referrers never refer; a few bring most);
- :func:`value_by_channel`: lifetime value and churn of customers won by recommendation against
  those won by advertising, time-matched by acquisition period (Villanueva, Yoo & Hanssens 2008;
  Schmitt, Skiera & Van den Bulte 2011);
- :func:`summarise_seeds`: each measure over several seeds with a 95% t-interval and its n.

``python -m trustsim.analysis.referrals SCENARIO --seeds 10`` prints them for a scenario.
Spells still running at the end are right-censored: their referrals and value count up to the
horizon only (stated with every figure).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

WOM_CHANNELS = ("recommendation",)
AD_CHANNELS = ("ad", "banner")
STRATUM = 13
"""Acquisition periods are matched in strata of 13 weeks (a quarter)."""


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative values (0: all equal; near 1: one has all); NaN if all zero."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        return float("nan")
    return float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * total))


def referral_distribution(spells: pd.DataFrame) -> dict[str, float]:
    """Referrals per ambassador (spells that reached the ambassador rung), over each spell.

    Returns mean referrals, the share of ambassadors who referred nobody, the share of all their
    referrals brought by the top 10% of them, the Gini coefficient, and their number.
    """
    return distribution(spells.loc[spells["ambassador"].astype(bool), "referrals"].to_numpy(dtype=np.float64))


def distribution(refs: np.ndarray) -> dict[str, float]:
    """Mean referrals, share referring nobody, top-10% share and Gini of referral counts (Kumar et al. 2010)."""
    if len(refs) == 0:
        return {
            "ambassadors": 0,
            "referrals_per_ambassador": math.nan,
            "referrers_none_share": math.nan,
            "top10_referral_share": math.nan,
            "referral_gini": math.nan,
        }
    top = np.sort(refs)[::-1][: max(1, len(refs) // 10)]
    return {
        "ambassadors": len(refs),
        "referrals_per_ambassador": float(refs.mean()),
        "referrers_none_share": float(np.mean(refs == 0)),
        "top10_referral_share": float(top.sum() / refs.sum()) if refs.sum() > 0 else math.nan,
        "referral_gini": gini(refs),
    }


def value_by_channel(spells: pd.DataFrame, horizon: int) -> dict[str, float]:
    """Value and churn of recommendation- against ad-acquired customers of the same supplier,
    matched by acquisition time.

    Within each stratum of supplier and 13-week period of acquisition the mean lifetime value
    (profit discounted to acquisition, up to `horizon`) and the share of spells ended by a switch
    to a rival are compared; the strata are weighted by the smaller of the two groups (so a
    supplier that wins customers mostly by one channel does not pass for a channel effect, as in
    the within-firm comparisons of Schmitt, Skiera & Van den Bulte 2011). Returns both means and
    their ratio (value).
    """
    later = spells[(spells["start_step"] > 0) & (spells["start_step"] <= horizon)].copy()
    later["group"] = np.where(
        later["channel"].isin(WOM_CHANNELS), "wom", np.where(later["channel"].isin(AD_CHANNELS), "ad", "other")
    )
    later = later[later["group"] != "other"]
    later["stratum"] = (later["start_step"] - 1) // STRATUM
    later["switched"] = later["end_reason"].astype(object).eq("switch")
    groups = later.groupby(["supplier", "stratum", "group"], observed=True)
    stats = groups.agg(n=("value", "size"), value=("value", "mean"), churn=("switched", "mean")).unstack("group")
    stats = stats.dropna()
    if stats.empty or not {"wom", "ad"} <= set(stats.columns.get_level_values("group")):  # one channel never won
        return {
            "wom_value": math.nan,
            "ad_value": math.nan,
            "wom_to_ad_value": math.nan,
            "wom_churn": math.nan,
            "ad_churn": math.nan,
            "matched_strata": 0,
        }
    n_wom, n_ad = (np.asarray(stats[("n", g)], dtype=np.float64) for g in ("wom", "ad"))
    weight = np.minimum(n_wom, n_ad)
    wom_value = float(np.average(stats[("value", "wom")], weights=weight))
    ad_value = float(np.average(stats[("value", "ad")], weights=weight))
    return {
        "wom_value": wom_value,
        "ad_value": ad_value,
        "wom_to_ad_value": wom_value / ad_value if ad_value else math.nan,
        "wom_churn": float(np.average(stats[("churn", "wom")], weights=weight)),
        "ad_churn": float(np.average(stats[("churn", "ad")], weights=weight)),
        "matched_strata": len(stats),
    }


def summarise_seeds(rows: Sequence[dict[str, float]]) -> pd.DataFrame:
    """Mean, 95% t-interval and n over seeds of each measure (NaN seeds left out, and counted)."""
    frame = pd.DataFrame(list(rows))
    out = []
    for column in frame.columns:
        x = frame[column].to_numpy(dtype=np.float64)
        x = x[np.isfinite(x)]
        n = len(x)
        mean = float(x.mean()) if n else math.nan
        half = float(student_t.ppf(0.975, n - 1) * x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
        out.append({"measure": column, "mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n})
    return pd.DataFrame(out)


def run_seeds(scenario: str, seeds: int, steps: int | None, overrides: dict | None = None) -> pd.DataFrame:
    """Run `scenario` on seeds 1..`seeds` and summarise the referral, value and profit measures."""
    from trustsim.config import load_scenario
    from trustsim.runner import run_one

    sc = load_scenario(scenario, overrides or {})
    rows = []
    for seed in range(1, seeds + 1):
        result = run_one(sc, seed=seed, steps=steps)
        assert result.customers is not None  # run_one always returns the referral records
        row = referral_distribution(result.customers) | value_by_channel(result.customers, result.steps)
        final = result.suppliers[result.suppliers["step"] == result.steps]
        row |= {
            f"discounted_profit[{n}]": float(v) for n, v in zip(final["name"], final["discounted_profit"], strict=True)
        }
        rows.append(row)
    return summarise_seeds(rows)


def main(argv: list[str] | None = None) -> None:
    """Print the referral, value and profit measures of a scenario over seeds, with 95% CIs."""
    from trustsim.commands._args import add_set_argument

    parser = argparse.ArgumentParser(description="Referral records of a scenario over seeds, with 95% CIs.")
    parser.add_argument("scenario")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=None)
    add_set_argument(parser)
    args = parser.parse_args(argv)
    from trustsim.config import parse_set_args

    overrides = parse_set_args(args.overrides)
    table = run_seeds(args.scenario, args.seeds, args.steps, overrides)
    with pd.option_context("display.width", 160, "display.max_rows", 100):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
