"""Docking with the Bass model: the model's Bass limit against the recursion, the closed form,
ads-only growth, sparse networks and the 1/sqrt(N) law of the spread across seeds.

Models: docking (Rand & Rust 2011) with Bass (1969); the complete graph is the fastest
network (Fibich & Levin 2023). Every run uses ``configs/bass_limit.toml`` (one supplier,
well-mixed, trust gating off) with ``advertising.reach = p`` and ``wom.rate = q``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.stats import chi2, norm

from trustsim.validation import bass
from trustsim.validation.core import ALPHA, CheckResult, Size, register
from trustsim.validation.runs import Job, Tables, job

BASS_CONFIG = "bass_limit"  # the built-in scenario (trustsim/data/configs/bass_limit.toml)
MAX_STEPS = 250
NETWORK_PQ = (0.01, 0.38)
SPREAD_PQ = (0.03, 0.38)
NETWORKS: dict[str, dict[str, object]] = {
    "small world (degree 6, rewire 0.1)": {
        "network.kind": "small_world",
        "network.mean_degree": 6,
        "network.rewire": 0.1,
    },
    "ring lattice (degree 6, rewire 0)": {
        "network.kind": "small_world",
        "network.mean_degree": 6,
        "network.rewire": 0.0,
    },
    "random graph (degree 6)": {"network.kind": "erdos_renyi", "network.mean_degree": 6},
}
REF_BASS = "Bass (1969); Rand & Rust (2011), docking"


def pair_steps(p: float, q: float) -> int:
    """Steps a (p, q) pair is run: until the recursion reaches 99% (10 to MAX_STEPS)."""
    return min(MAX_STEPS, max(10, bass.steps_to_reach(p, q, 0.99)))


def bass_jobs(
    p: float,
    q: float,
    customers: int,
    runs: int,
    steps: int | None = None,
    network: dict[str, object] | None = None,
    first_seed: int = 1,
) -> list[Job]:
    """Seeded runs of the Bass-limit scenario with reach p and word-of-mouth rate q."""
    overrides = {"market.customers": customers, "advertising.reach": p, "wom.rate": q, **(network or {})}
    steps = pair_steps(p, q) if steps is None else steps
    return [job(BASS_CONFIG, overrides, first_seed + i, steps) for i in range(runs)]


def shares(tables: dict[Job, Tables], jobs: list[Job]) -> np.ndarray:
    """customer_share of each run, stacked (runs x steps + 1); row step = t is after t steps."""
    out = np.vstack([tables[j].model["customer_share"] for j in jobs])
    steps = np.vstack([tables[j].model["step"] for j in jobs])
    if not (steps == np.arange(out.shape[1])).all():
        raise AssertionError("model table: row `step = t` is not the state after t steps")
    return out


def _fmt_pair(p: float, q: float) -> str:
    return f"p={p:g}, q={q:g}"


# --- recursion ---------------------------------------------------------------------------


def _plan_recursion(size: Size) -> list[Job]:
    pairs = set(size.bass_grid) | set(size.figure_pairs)
    return [j for p, q in sorted(pairs) for j in bass_jobs(p, q, size.bass_customers, size.bass_runs)]


def _deviations(
    size: Size, tables: dict[Job, Tables], pairs: tuple[tuple[float, float], ...], reference: str
) -> tuple[list[dict[str, Any]], bool, float]:
    """Per pair: worst |mean - reference| and whether it stays in the derived band at every step."""
    comparisons = sum(pair_steps(p, q) for p, q in pairs)
    rows, ok, worst = [], True, 0.0
    for p, q in pairs:
        steps = pair_steps(p, q)
        mean = shares(tables, bass_jobs(p, q, size.bass_customers, size.bass_runs)).mean(axis=0)
        t = np.arange(steps + 1)
        rec = bass.bass_recursion(p, q, steps)
        target = rec if reference == "recursion" else bass.bass_closed_form(p, q, t)
        band = bass.mean_band(p, q, steps, size.bass_customers, size.bass_runs, comparisons, ALPHA)
        allowed = band + np.abs(rec - target)
        dev = np.abs(mean - target)
        inside = bool((dev <= allowed + 1e-12).all())
        ok &= inside
        worst = max(worst, float(dev.max()))
        at = int(dev.argmax())
        rows.append(
            {
                "p": p,
                "q": q,
                "steps": steps,
                "worst deviation": round(float(dev.max()), 4),
                "at step": at,
                "allowed there": round(float(allowed[at]), 4),
                "largest allowed": round(float(allowed.max()), 4),
                "inside": inside,
            }
        )
    return rows, ok, worst


def _band_words(size: Size) -> str:
    return (
        f"per step: z·sqrt(v(t)/{size.bass_runs}) + bias, v(t) = linear-noise variance of one run "
        f"of N={size.bass_customers:,}, z for α={ALPHA:g} over all steps"
    )


@register("bass_recursion", _plan_recursion)
def check_recursion(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """Mean customer_share of seeded runs follows F(t+1) = F + (1-F)(1-(1-p)e^{-qF})."""
    rows, ok, worst = _deviations(size, tables, size.bass_grid, "recursion")
    largest = max(r["largest allowed"] for r in rows)
    curves = {}
    for p, q in size.figure_pairs:
        runs = shares(tables, bass_jobs(p, q, size.bass_customers, size.bass_runs))
        t = np.arange(runs.shape[1])
        curves[(p, q)] = {
            "t": t,
            "mean": runs.mean(axis=0),
            "low": runs.min(axis=0),
            "high": runs.max(axis=0),
            "closed_form": bass.bass_closed_form(p, q, t),
            "recursion": bass.bass_recursion(p, q, len(t) - 1),
            "runs": runs.shape[0],
            "customers": size.bass_customers,
        }
    return CheckResult(
        name="bass_recursion",
        title=f"Bass limit follows the mean-field recursion ({len(rows)} (p, q) pairs, p ≤ 0.05, q ≤ 0.5)",
        expected="mean customer_share = recursion F(t+1) = F + (1−F)(1−(1−p)e^{−qF}) at every step",
        measured=f"worst |mean − recursion| = {worst:.4f}",
        tolerance=f"derived band, at most {largest:.4f} ({_band_words(size)})",
        passed=ok,
        reference=REF_BASS,
        details=rows,
        curves=curves,
    )


def _issue_check(
    size: Size,
    tables: dict[Job, Tables],
    pairs: tuple[tuple[float, float], ...],
    reference: str,
    limit: float,
    *,
    name: str,
    title: str,
    expected: str,
    tolerance: str,
) -> CheckResult:
    """Issue 3's fixed tolerance: the worst |mean − reference| over all steps and pairs ≤ `limit`
    (`name`, `title`, `expected` and `tolerance` are the result's words)."""
    rows, _, worst = _deviations(size, tables, pairs, reference)
    return CheckResult(
        name=name,
        title=title,
        expected=expected,
        measured=f"worst = {worst:.4f}",
        tolerance=tolerance,
        passed=worst <= limit,
        reference=REF_BASS,
        details=[{"p": r["p"], "q": r["q"], "worst deviation": r["worst deviation"]} for r in rows],
    )


@register("bass_recursion_issue", _plan_recursion, sizes=("full",))
def check_recursion_issue(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """The issue's fixed tolerance: 5 runs of 20,000 within 0.025 of the recursion at every step."""
    return _issue_check(
        size,
        tables,
        size.bass_grid,
        "recursion",
        0.025,
        name="bass_recursion_issue",
        title=f"Bass limit within the issue's 0.025 of the recursion ({size.bass_runs} runs × {size.bass_customers:,})",
        expected="worst |mean − recursion| over all steps and pairs ≤ 0.025",
        tolerance="0.025 (issue 3; independent simulation: worst of 20 trials 0.018)",
    )


# --- closed form -------------------------------------------------------------------------


def _plan_closed(size: Size) -> list[Job]:
    return [j for p, q in size.closed_form_pairs for j in bass_jobs(p, q, size.bass_customers, size.bass_runs)]


@register("bass_closed_form", _plan_closed)
def check_closed_form(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """For small p and q the runs follow the Bass closed form."""
    rows, ok, worst = _deviations(size, tables, size.closed_form_pairs, "closed form")
    gap = max(
        float(
            np.abs(
                bass.bass_recursion(p, q, pair_steps(p, q))
                - bass.bass_closed_form(p, q, np.arange(pair_steps(p, q) + 1))
            ).max()
        )
        for p, q in size.closed_form_pairs
    )
    return CheckResult(
        name="bass_closed_form",
        title=f"Bass limit follows the closed form for q ≤ 0.05, p ≤ 0.012 ({len(rows)} pairs)",
        expected="mean customer_share = (1 − e^{−(p+q)t}) / (1 + (q/p)e^{−(p+q)t})",
        measured=f"worst |mean − closed form| = {worst:.4f}",
        tolerance=f"per step: |recursion − closed form| (discrete vs continuous time, ≤ {gap:.4f}) + the "
        "recursion band",
        passed=ok,
        reference=REF_BASS,
        details=rows,
    )


@register("bass_closed_form_issue", _plan_closed, sizes=("full",))
def check_closed_form_issue(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """The issue's fixed tolerance: within 0.03 of the closed form for q ≤ 0.05, p ≤ 0.012."""
    return _issue_check(
        size,
        tables,
        size.closed_form_pairs,
        "closed form",
        0.03,
        name="bass_closed_form_issue",
        title="Bass limit within the issue's 0.03 of the closed form",
        expected="worst |mean − closed form| ≤ 0.03",
        tolerance="0.03 (issue 3; independent simulation: worst of 20 trials 0.021)",
    )


# --- ads only ----------------------------------------------------------------------------

ADS_ONLY_STEPS = 100


def _plan_ads_only(size: Size) -> list[Job]:
    return [j for p in size.ads_only_p for j in bass_jobs(p, 0.0, size.bass_customers, size.bass_runs, ADS_ONLY_STEPS)]


@register("bass_ads_only", _plan_ads_only)
def check_ads_only(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """With q = 0 the share reached is 1 - (1 - p)^t."""
    comparisons = len(size.ads_only_p) * ADS_ONLY_STEPS
    rows, ok, worst = [], True, 0.0
    for p in size.ads_only_p:
        runs = bass_jobs(p, 0.0, size.bass_customers, size.bass_runs, ADS_ONLY_STEPS)
        mean = shares(tables, runs).mean(axis=0)
        t = np.arange(ADS_ONLY_STEPS + 1)
        dev = np.abs(mean - bass.ads_only(p, t))
        band = bass.mean_band(p, 0.0, ADS_ONLY_STEPS, size.bass_customers, size.bass_runs, comparisons, ALPHA)
        inside = bool((dev <= band + 1e-12).all())
        ok &= inside
        worst = max(worst, float(dev.max()))
        rows.append(
            {
                "p": p,
                "q": 0.0,
                "worst deviation": round(float(dev.max()), 4),
                "largest allowed": round(float(band.max()), 4),
                "inside": inside,
            }
        )
    return CheckResult(
        name="bass_ads_only",
        title="Without word of mouth (q = 0) adoption is 1 − (1 − p)^t",
        expected="mean customer_share = 1 − (1 − p)^t",
        measured=f"worst deviation {worst:.4f}",
        tolerance=f"binomial band, at most {max(r['largest allowed'] for r in rows):.4f} "
        f"(z·sqrt(F(1−F)/(N·runs)) per step)",
        passed=ok,
        reference="Bass (1969) with q = 0 (pure innovation)",
        details=rows,
    )


# --- sparse networks ---------------------------------------------------------------------

NETWORK_STEPS = 40


def _network_jobs(size: Size, network: dict[str, object] | None) -> list[Job]:
    p, q = NETWORK_PQ
    return bass_jobs(p, q, size.network_customers, size.network_runs, NETWORK_STEPS, network)


def _plan_networks(size: Size) -> list[Job]:
    return [j for net in [None, *NETWORKS.values()] for j in _network_jobs(size, net)]


@register("bass_sparse_networks", _plan_networks)
def check_sparse_networks(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """On sparse networks adoption is never faster than well-mixed, and clearly slower mid-way."""
    p, q = NETWORK_PQ
    runs = size.network_runs
    mixed = shares(tables, _network_jobs(size, None))
    v_mixed = bass.run_variance(p, q, NETWORK_STEPS, size.network_customers)
    z = bass.family_z(2 * len(NETWORKS) * NETWORK_STEPS, ALPHA)
    rows, ok = [], True
    half = int(np.argmax(mixed.mean(axis=0) >= 0.5))
    for label, net in NETWORKS.items():
        sparse = shares(tables, _network_jobs(size, net))
        diff = sparse.mean(axis=0) - mixed.mean(axis=0)
        # the well-mixed spread is known (linear noise); a network's is estimated from its runs
        se = np.sqrt(v_mixed / runs + sparse.var(axis=0, ddof=1) / runs)
        never_faster = bool((diff <= z * se + 1e-12).all())
        clearly_slower = bool((diff < -z * se).any())
        ok &= never_faster and clearly_slower
        rows.append(
            {
                "network": label,
                "share at well-mixed half-time": round(float(sparse.mean(axis=0)[half]), 3),
                "well-mixed": round(float(mixed.mean(axis=0)[half]), 3),
                "largest lead over well-mixed": round(float(diff.max()), 4),
                "largest lag": round(float(-diff.min()), 4),
                "never faster": never_faster,
                "clearly slower": clearly_slower,
            }
        )
    lags = ", ".join(f"{r['share at well-mixed half-time']:.2f}" for r in rows)
    return CheckResult(
        name="bass_sparse_networks",
        title=f"Sparse networks adopt more slowly than well-mixed ({_fmt_pair(p, q)})",
        expected="network mean ≤ well-mixed mean at every step (complete graph is fastest), and below it mid-way",
        measured=f"share when well-mixed reaches {rows[0]['well-mixed']:.2f} (step {half}): {lags}",
        tolerance=f"z·SE of the difference per step, z = {z:.2f} (α={ALPHA:g} over all steps)",
        passed=ok,
        reference="Fibich & Levin (2023), universal bounds: the complete graph is fastest",
        details=rows,
    )


# --- spread across seeds -----------------------------------------------------------------

SPREAD_STEPS = 16


def _spread_jobs(size: Size, customers: int) -> list[Job]:
    p, q = SPREAD_PQ
    return bass_jobs(p, q, customers, size.spread_runs, SPREAD_STEPS, first_seed=1001)


def _plan_spread(size: Size) -> list[Job]:
    return [j for n in size.spread_customers for j in _spread_jobs(size, n)]


@register("bass_spread", _plan_spread)
def check_spread(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """The spread of customer_share across seeds shrinks as 1/sqrt(N), as the linear noise predicts."""
    p, q = SPREAD_PQ
    r = size.spread_runs
    ns = np.array(size.spread_customers, dtype=float)
    # compare at the step where the predicted spread is largest
    t_star = int(np.argmax(bass.run_variance(p, q, SPREAD_STEPS, 1)))
    sds, rows, ok = [], [], True
    k = len(ns)
    lo_q, hi_q = chi2.ppf(ALPHA / (2 * (k + 1)), r - 1), chi2.ppf(1 - ALPHA / (2 * (k + 1)), r - 1)
    for n in size.spread_customers:
        sd = float(shares(tables, _spread_jobs(size, n))[:, t_star].std(ddof=1))
        predicted = math.sqrt(bass.run_variance(p, q, SPREAD_STEPS, n)[t_star])
        lo, hi = predicted * math.sqrt(lo_q / (r - 1)), predicted * math.sqrt(hi_q / (r - 1))
        inside = lo <= sd <= hi
        ok &= inside
        sds.append(sd)
        rows.append(
            {
                "customers": n,
                "sd across seeds": round(sd, 5),
                "predicted sd": round(predicted, 5),
                "allowed": f"{lo:.5f}–{hi:.5f}",
                "sd·sqrt(N)": round(sd * math.sqrt(n), 3),
                "inside": inside,
            }
        )
    x = np.log(ns) - np.log(ns).mean()
    slope = float(np.sum(x * np.log(sds)) / np.sum(x**2))
    # sd of log(sample sd) is about 1/sqrt(2(r-1)); the slope's standard error follows
    se = math.sqrt(1.0 / (2 * (r - 1)) / np.sum(x**2))
    z = float(norm.ppf(1 - ALPHA / (2 * (k + 1))))
    slope_ok = abs(slope + 0.5) <= z * se
    ok &= slope_ok
    return CheckResult(
        name="bass_spread",
        title=f"Spread across seeds shrinks as 1/√N ({_fmt_pair(p, q)}, step {t_star}, {r} seeds per N)",
        expected="slope of log(sd) on log(N) = −0.5; each sd = linear-noise prediction",
        measured=f"slope {slope:+.3f}; sd·√N = " + ", ".join(f"{row['sd·sqrt(N)']:.3f}" for row in rows),
        tolerance=f"slope ±{z * se:.3f} (z·SE, SE of log sd ≈ 1/√(2(r−1))); sd in its χ² interval",
        passed=bool(ok),
        reference="Central limit theorem; van Kampen's linear noise approximation",
        details=rows,
    )
