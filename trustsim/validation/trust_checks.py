"""Trust theory checks: asymmetry, over-delivery, repair, component weights, channel
credibility and lock-in, each at mechanism level (exact) and in the whole model (public tables).

Models: the asymmetry principle (Slovic 1993), disconfirmation (Oliver 1980), service recovery
(de Matos et al. 2007), trust components (Mayer, Davis & Schoorman 1995; MODEL_BRIEF §1),
channel credibility (Nielsen 2009) and lock-in when no supplier is trusted (MODEL_BRIEF §4).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.stats import norm
from scipy.stats import t as student_t

from trustsim.config import Scenario
from trustsim.mechanisms import choice, trust
from trustsim.mechanisms.channels import CHANNELS
from trustsim.mechanisms.trust import COMPONENTS
from trustsim.validation.core import ALPHA, CheckResult, Size, no_runs, register
from trustsim.validation.runs import Job, Tables, job

# A fixed market: one supplier serving everyone, no messages (so nothing but deliveries moves
# trust), no capacity strain, no effort loss and every customer suiting the supplier alike (no
# fit), so a promise is kept exactly unless it fails.
FIXED_MARKET: dict[str, object] = {
    "market.suppliers": 1,
    "market.initial_customers": 1.0,
    "network.kind": "well_mixed",
    "advertising.reach": 0.0,
    "wom.rate": 0.0,
    "wom.warn_rate": 0.0,
    "reviews.read_rate": 0.0,
    "promises.strain_loss": 0.0,
    "supplier_defaults.extend_trust": 1.0,
    "supplier_defaults.reliability": 1.0,
    "supplier_defaults.transparency": 0.0,
    "fit.sd": 0.0,
}
WAVE_AFTER = 5
"""The broken-promise wave hits in step WAVE_AFTER + 1; row WAVE_AFTER is the state before it."""
RECOVERY_STEPS = WAVE_AFTER + 1 + 10
SAME = 1e-5
"""Float32 log-odds sums: two trust levels this close are the same level."""


def _fixed(size: Size, **changes: object) -> dict[str, object]:
    return {**FIXED_MARKET, "market.customers": size.trust_customers, **changes}


def _seeds(size: Size, runs: int | None = None) -> range:
    return range(1, 1 + (size.trust_runs if runs is None else runs))


# --- asymmetry and repair ------------------------------------------------------------------

LOSS_MULTIPLIERS = (2.0, 2.5, 3.0, 5.0)


def _wave_job(size: Size, k: float, transparency: float, seed: int) -> Job:
    overrides = _fixed(
        size, **{"trust.loss_multiplier": k, "promises.noise": 0.0, "supplier_defaults.transparency": transparency}
    )
    return job(None, overrides, seed, RECOVERY_STEPS, events=[(WAVE_AFTER, "broken_promises", 0, 1.0)])


def kept_to_recover(reliability: np.ndarray) -> int:
    """Kept promises after the wave until trust_reliability is back at its level before the wave."""
    before = reliability[WAVE_AFTER]
    after = reliability[WAVE_AFTER + 1 :]
    back = np.flatnonzero(after >= before - SAME)
    return int(back[0]) if len(back) else -1


def _plan_asymmetry(size: Size) -> list[Job]:
    return [_wave_job(size, k, 0.0, s) for k in LOSS_MULTIPLIERS for s in _seeds(size)]


@register("asymmetry", _plan_asymmetry)
def check_asymmetry(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """Kept promises needed to restore the reliability lost to one broken promise = loss multiplier."""
    rows, ok = [], True
    for k in LOSS_MULTIPLIERS:
        exact = kept_promises_to_recover(k)
        expected = math.ceil(exact - 1e-9)
        counts = [kept_to_recover(tables[_wave_job(size, k, 0.0, s)].model["trust_reliability"]) for s in _seeds(size)]
        rel = tables[_wave_job(size, k, 0.0, 1)].model["trust_reliability"]
        fell = bool(rel[WAVE_AFTER + 1] < rel[WAVE_AFTER] - SAME)
        good = fell and all(c == expected for c in counts)
        ok &= good
        rows.append(
            {
                "loss multiplier k": k,
                "exact relation n* = k": exact,
                "whole promises ⌈k⌉": expected,
                "measured (per seed)": ", ".join(map(str, counts)),
                "trust fell": fell,
                "pass": good,
            }
        )
    return CheckResult(
        name="asymmetry",
        title="Asymmetry: one broken promise costs k kept ones",
        expected="n* = k kept promises restore trust_reliability (log-odds: −gain·k then +gain each); "
        "⌈k⌉ whole promises",
        measured="; ".join(f"k={r['loss multiplier k']:g}: {r['measured (per seed)']}" for r in rows),
        tolerance=f"exact (trust levels equal within {SAME:g}, float32)",
        passed=ok,
        reference="Slovic (1993) asymmetry principle; Jøsang & Ismail (2002)",
        details=rows,
    )


def _plan_repair(size: Size) -> list[Job]:
    return [_wave_job(size, 3.0, tr, s) for tr in (0.0, 1.0) for s in _seeds(size)]


@register("repair", _plan_repair)
def check_repair(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """A transparent repair after a failure leaves more trust than a silent failure."""
    relief = Scenario().trust.repair_relief
    rows, ok = [], True
    for s in _seeds(size):
        silent = tables[_wave_job(size, 3.0, 0.0, s)].model
        repaired = tables[_wave_job(size, 3.0, 1.0, s)].model
        after = WAVE_AFTER + 1
        more = bool(repaired["mean_trust"][after] > silent["mean_trust"][after])
        n_silent = kept_to_recover(silent["trust_reliability"])
        n_repaired = kept_to_recover(repaired["trust_reliability"])
        good = more and n_silent == math.ceil(3.0 - 1e-9) and n_repaired == math.ceil(3.0 * (1 - relief) - 1e-9)
        ok &= good
        rows.append(
            {
                "seed": s,
                "trust before": round(float(silent["mean_trust"][WAVE_AFTER]), 4),
                "after silent failure": round(float(silent["mean_trust"][after]), 4),
                "after repaired failure": round(float(repaired["mean_trust"][after]), 4),
                "kept to recover (silent)": n_silent,
                "kept to recover (repaired)": n_repaired,
                "pass": good,
            }
        )
    exact = kept_promises_to_recover(3.0, relief, admitted=True)
    return CheckResult(
        name="repair",
        title="Transparent repair leaves more trust than a silent failure (k = 3)",
        expected=f"higher mean_trust after the failure; recovery after k(1 − relief) = {exact:g} "
        f"(⌈⌉ = {math.ceil(exact - 1e-9)}) kept promises instead of 3",
        measured="; ".join(
            f"{r['after repaired failure']:.3f} vs {r['after silent failure']:.3f}, "
            f"{r['kept to recover (repaired)']} vs {r['kept to recover (silent)']} promises"
            for r in rows[:2]
        ),
        tolerance="exact (same seeds: same customers and priors)",
        passed=ok,
        reference="Covey, right wrongs; service recovery (de Matos et al. 2007)",
        details=rows,
    )


def _delta(outcome: int, **kw: float) -> np.ndarray:
    sc = Scenario().trust
    params = {
        "gain": sc.gain,
        "loss_multiplier": sc.loss_multiplier,
        "over_delivery_gain": sc.over_delivery_gain,
        "repair_relief": sc.repair_relief,
        "care_rate": sc.care_rate,
        "forgetting": 0.0,
        "anchoring_gain": sc.anchoring_gain,
        "gesture_gain": 0.0,
    }
    excess, admitted = kw.pop("excess", 0.0), bool(kw.pop("admitted", False))
    rule = trust.TrustParams(**(params | kw))
    return np.array(trust.experience_delta(outcome, excess, 0.7 + excess, admitted, False, 0.6, False, rule))


def kept_promises_to_recover(loss_multiplier: float, repair_relief: float = 0.0, admitted: bool = False) -> float:
    """Kept promises needed to restore the reliability lost to one broken promise.

    The exact relation implied by the log-odds update of :func:`trust.experience_delta`: ``k``
    for a silent failure, ``k * (1 - repair_relief)`` for an admitted and repaired one (away
    from the clip); the checks measure it in the model.
    """
    return loss_multiplier * ((1.0 - repair_relief) if admitted else 1.0)


# --- over-delivery -------------------------------------------------------------------------

OVER_DELIVERY = 0.1
OVER_STEPS = 20


def _over_job(size: Size, over: float, seed: int) -> Job:
    return job(None, _fixed(size, **{"supplier_defaults.over_delivery": over}), seed, OVER_STEPS)


def _plan_over(size: Size) -> list[Job]:
    return [_over_job(size, o, s) for o in (0.0, OVER_DELIVERY) for s in _seeds(size)]


@register("over_delivery", _plan_over)
def check_over_delivery(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """Over-delivering raises trust faster than merely keeping promises (paired by seed)."""
    rises = {}
    for o in (0.0, OVER_DELIVERY):
        rises[o] = np.array(
            [np.diff(tables[_over_job(size, o, s)].model["mean_trust"][[0, OVER_STEPS]])[0] for s in _seeds(size)]
        )
    diff = rises[OVER_DELIVERY] - rises[0.0]
    r = len(diff)
    se = float(diff.std(ddof=1) / math.sqrt(r)) if r > 1 else float("inf")
    crit = float(student_t.ppf(1 - ALPHA, r - 1))
    kept, exceeded = _delta(trust.KEPT), _delta(trust.EXCEEDED, excess=OVER_DELIVERY)
    mech_ok = all(exceeded[c] > kept[c] for c in (trust.RELIABILITY, trust.COMPETENCE, trust.CARE))
    ok = mech_ok and bool(diff.mean() > crit * se)
    return CheckResult(
        name="over_delivery",
        title=f"Over-delivery (+{OVER_DELIVERY:g}) raises trust faster than keeping promises",
        expected=f"larger rise of mean_trust over {OVER_STEPS} steps; per delivery larger log-odds gains "
        "(reliability, competence, care)",
        measured=f"rise {rises[OVER_DELIVERY].mean():.3f} vs {rises[0.0].mean():.3f} (mean of {r} seeds)",
        tolerance=f"paired difference > t(1−α, {r - 1})·SE = {crit * se:.4f}",
        passed=ok,
        reference="Voortreffelijk (MODEL_BRIEF §2.7); Oliver (1980) disconfirmation",
        details=[
            {"seed": s, "rise keeping": round(float(a), 4), "rise over-delivering": round(float(b), 4)}
            for s, a, b in zip(_seeds(size), rises[0.0], rises[OVER_DELIVERY], strict=True)
        ]
        + [
            {
                "seed": "per delivery (log-odds)",
                "rise keeping": np.round(kept, 3).tolist(),
                "rise over-delivering": np.round(exceeded, 3).tolist(),
            }
        ],
    )


# --- component weights ---------------------------------------------------------------------

WEIGHT_STEPS = 40


def _weight_jobs(size: Size) -> list[Job]:
    return [job("baseline", {"market.customers": size.trust_customers}, s, WEIGHT_STEPS) for s in _seeds(size, 2)]


@register("component_weights", _weight_jobs)
def check_component_weights(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """Equal improvements move overall trust most through care, then competence, transparency, reliability."""
    weights = trust.normalised_weights(Scenario().trust.weights).astype(np.float64)
    # mechanism: raise one component by the same amount, everything else equal
    rng = np.random.default_rng(0)
    state = rng.uniform(0.2, 0.8, size=(1000, 4)).astype(np.float32)
    step = 0.05
    effects = []
    for c in range(4):
        better = state.copy()
        better[:, c] += step
        effects.append(float((trust.combine_rows(better, weights) - trust.combine_rows(state, weights)).mean()) / step)
    # model: how mean_trust in the public table responds to each component column
    x = np.vstack([np.column_stack([tables[j].model[f"trust_{c}"] for c in COMPONENTS]) for j in _weight_jobs(size)])
    y = np.concatenate([tables[j].model["mean_trust"] for j in _weight_jobs(size)])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    order = [COMPONENTS[i] for i in np.argsort(-coef)]
    ok = order == ["care", "competence", "transparency", "reliability"]
    ok &= bool(np.allclose(effects, weights, atol=1e-4)) and bool(np.allclose(coef, weights, atol=1e-3))
    rows = [
        {
            "component": c,
            "weight": round(float(w), 3),
            "mechanism effect": round(e, 4),
            "effect in the model's table": round(float(b), 4),
        }
        for c, w, e, b in zip(COMPONENTS, weights, effects, coef, strict=True)
    ]
    return CheckResult(
        name="component_weights",
        title="Care moves overall trust most, then competence, transparency, reliability",
        expected="Δtrust / Δcomponent = weight: "
        + ", ".join(f"{c} {w:.1f}" for c, w in zip(COMPONENTS, weights, strict=True)),
        measured="model table: " + ", ".join(f"{c} {b:.3f}" for c, b in zip(COMPONENTS, coef, strict=True)),
        tolerance="1e-3 (float32 tables); order must be care > competence > transparency > reliability",
        passed=bool(ok),
        reference="MODEL_BRIEF §1; Mayer, Davis & Schoorman (1995)",
        details=rows,
    )


# --- channel credibility -------------------------------------------------------------------

CHANNEL_REACH = 0.05
SEEDED_SHARE = 0.2
PRIOR = 0.8


def _channel_job(size: Size, channel: str, seed: int) -> Job:
    """One step in which only `channel` reaches prospects, at the same reach for every channel.

    Everyone starts with trust PRIOR (no spread) and messages do not move trust (wom.signal = 0,
    no trust transfer), so a message converts with probability credibility x PRIOR; the seeded
    customers are all ambassadors from step 1 and word of mouth is the ambassador gate, so that
    each sends recommendations at the set rate; fit is off, so no recommendation is judged a poor
    fit (with fit on, recommendations convert less per message and bring better-matched customers).
    """
    base: dict[str, object] = {
        "market.customers": size.channel_customers,
        "market.suppliers": 1,
        "market.initial_customers": SEEDED_SHARE,
        "network.kind": "well_mixed",
        "propensity.mean": PRIOR,
        "propensity.sd": 0.0,
        "wom.signal": 0.0,
        "wom.warn_rate": 0.0,
        "loyalty.loyal_tenure": 1,
        "loyalty.ambassador_tenure": 1,
        "loyalty.loyal_score": 5,
        "loyalty.ambassador_score": 5,
        "loyalty.detractor_score": 2,
        "advertising.reach": 0.0,
        "wom.rate": 0.0,
        "reviews.read_rate": 0.0,
        "supplier_defaults.banner_share": 0.0,
        "wom.mode": "gate",
        "wom.transfer": 0.0,
        "fit.sd": 0.0,
    }
    only = {
        "recommendation": {"wom.rate": CHANNEL_REACH / SEEDED_SHARE},
        "review": {"reviews.read_rate": CHANNEL_REACH},
        "ad": {"advertising.reach": CHANNEL_REACH},
        "banner": {"advertising.reach": CHANNEL_REACH, "supplier_defaults.banner_share": 1.0},
    }[channel]
    return job(None, base | only, seed, 1)


ACQUIRED = {
    "recommendation": "acquired_recommendations",
    "review": "acquired_reviews",
    "ad": "acquired_ads",
    "banner": "acquired_banners",
}


def _plan_channels(size: Size) -> list[Job]:
    return [_channel_job(size, c, s) for c in CHANNELS for s in range(1, size.channel_runs + 1)]


@register("channel_credibility", _plan_channels)
def check_channels(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """With equal reach, recommendations convert more prospects than reviews, ads, banners."""
    cred = Scenario().credibility
    runs = range(1, size.channel_runs + 1)
    z = float(norm.ppf(1 - ALPHA / (2 * (len(CHANNELS) * 2 + 1))))
    rows, rates, ses, expected_rates, ok = [], [], [], [], True
    for c in CHANNELS:
        conversions, messages, expected = 0.0, 0.0, 0.0
        for s in runs:
            m = tables[_channel_job(size, c, s)].model
            prospects = m["prospect_share"][0] * size.channel_customers
            conversions += m[ACQUIRED[c]][1]
            messages += CHANNEL_REACH * prospects
            p_convert = getattr(cred, c) * PRIOR
            if c == "recommendation":
                # Poisson(lambda) recommendations per prospect, each persuading with p_convert
                lam = (CHANNEL_REACH / SEEDED_SHARE) * m["ambassador_share"][1]
                expected += prospects * (1 - math.exp(-lam * p_convert))
            else:
                expected += CHANNEL_REACH * prospects * p_convert
        rate, exp_rate = conversions / messages, expected / messages
        se = math.sqrt(max(expected, 1.0)) / messages
        inside = abs(rate - exp_rate) <= z * se
        ok &= inside
        rates.append(rate)
        expected_rates.append(exp_rate)
        ses.append(se)
        rows.append(
            {
                "channel": c,
                "credibility": getattr(cred, c),
                "messages (expected)": round(messages),
                "conversions": int(conversions),
                "per message": round(rate, 4),
                "expected per message": round(exp_rate, 4),
                "within z·SE": inside,
            }
        )
    ordered = all(rates[i] - rates[i + 1] > z * math.hypot(ses[i], ses[i + 1]) for i in range(len(rates) - 1))
    # mechanism: persuaded() at equal trust converts credibility x trust
    rng = np.random.default_rng(7)
    n = 200_000
    mech = [
        float(choice.persuaded(rng, np.full(n, getattr(cred, c)), np.full(n, PRIOR), True).mean()) for c in CHANNELS
    ]
    mech_ok = all(
        abs(r - getattr(cred, c) * PRIOR) <= z * math.sqrt(0.25 / n) for r, c in zip(mech, CHANNELS, strict=True)
    ) and mech == sorted(mech, reverse=True)
    for row, r in zip(rows, mech, strict=True):
        row["mechanism rate"] = round(r, 4)
    return CheckResult(
        name="channel_credibility",
        title=f"Equal reach ({CHANNEL_REACH:g}): recommendations > reviews > ads > banners",
        expected=f"conversion per message = credibility × trust {PRIOR:g} ("
        + ", ".join(f"{c} {e:.3f}" for c, e in zip(CHANNELS, expected_rates, strict=True))
        + "; recommendations a little less than 0.9 × 0.8 as one prospect can hear several); strictly ordered",
        measured=", ".join(f"{c} {r:.3f}" for c, r in zip(CHANNELS, rates, strict=True)),
        tolerance=f"z·SE (binomial), z = {z:.2f}; each gap > z·SE of the difference",
        passed=bool(ok and ordered and mech_ok),
        reference="Nielsen Global Online Consumer Survey (2009); MODEL_BRIEF §4",
        details=rows,
    )


# --- lock-in -------------------------------------------------------------------------------

SCANDAL_AFTER = 25
WINDOW = 10
SEVERITIES = (0.0, 1.0, 2.0, 3.0)
SINGLE_SEVERITY = 2.0


def _market_job(size: Size, who: int | str, severity: float, seed: int) -> Job:
    events = [(SCANDAL_AFTER, "scandal", who, severity)] if severity > 0 else []
    # the uncalibrated baseline: it churns several times as much as the calibrated market, so a
    # fall in churn is measurable at the CI size (the mechanism, not the market, is checked here)
    return job(
        "baseline_v1",
        {"market.customers": size.market_customers},
        seed,
        SCANDAL_AFTER + 1 + WINDOW,
        events=events,
        suppliers=True,
    )


def _plan_lock_in(size: Size) -> list[Job]:
    seeds = range(1, size.market_runs + 1)
    return [_market_job(size, "all", sev, s) for sev in SEVERITIES for s in seeds] + [
        _market_job(size, 0, SINGLE_SEVERITY, s) for s in seeds
    ]


def _churn(t: Tables, supplier: int | None = None) -> tuple[float, float]:
    """(customers switching away in the window after the scandal, customers before it)."""
    window = slice(SCANDAL_AFTER + 1, SCANDAL_AFTER + 1 + WINDOW)
    if supplier is None:
        return float(t.model["churned"][window].sum()), float(t.model["customers"][SCANDAL_AFTER])
    sup = t.suppliers
    own = sup["supplier"] == supplier
    steps = sup["step"][own]
    churned = sup["churned"][own][(steps > SCANDAL_AFTER) & (steps <= SCANDAL_AFTER + WINDOW)].sum()
    return float(churned), float(sup["customers"][own][steps == SCANDAL_AFTER][0])


def _pooled(
    size: Size, tables: dict[Job, Tables], who: int | str, severity: float, supplier: int | None
) -> tuple[float, float]:
    """Churn rate (switches per customer) over seeds and its standard error (Poisson or seeds)."""
    seeds = range(1, size.market_runs + 1)
    pairs = [_churn(tables[_market_job(size, who, severity, s)], supplier) for s in seeds]
    churned = sum(c for c, _ in pairs)
    base = sum(n for _, n in pairs)
    per_seed = np.array([c / n for c, n in pairs])
    spread = per_seed.var(ddof=1) / len(per_seed) if len(per_seed) > 1 else 0.0
    return churned / base, math.sqrt(max(churned, 1.0) / base**2 + spread)


@register("lock_in", _plan_lock_in)
def check_lock_in(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """When trust in every supplier is low, switching falls (baseline_v1 market, scandals at step 26)."""
    seeds = range(1, size.market_runs + 1)
    z = float(norm.ppf(1 - ALPHA / (2 * (len(SEVERITIES) + 1))))
    rows, curve = [], []
    for sev in SEVERITIES:
        rate, se = _pooled(size, tables, "all", sev, None)
        trust_after = float(
            np.mean([tables[_market_job(size, "all", sev, s)].model["mean_trust"][SCANDAL_AFTER + 1] for s in seeds])
        )
        curve.append((trust_after, rate, se))
        rows.append(
            {
                "scandal": f"sector-wide, severity {sev:g}",
                "mean trust after": round(trust_after, 3),
                "churn per customer (10 steps)": round(rate, 4),
                "SE": round(se, 4),
            }
        )
    falls = all(b[1] <= a[1] + z * math.hypot(a[2], b[2]) for a, b in itertools.pairwise(curve))
    drop = curve[0][1] - curve[-1][1] > z * math.hypot(curve[0][2], curve[-1][2])
    single, se_single = _pooled(size, tables, 0, SINGLE_SEVERITY, 0)
    sector, se_sector = _pooled(size, tables, "all", SINGLE_SEVERITY, 0)
    rows.append(
        {
            "scandal": f"supplier 0 only, severity {SINGLE_SEVERITY:g} (its customers)",
            "churn per customer (10 steps)": round(single, 4),
            "SE": round(se_single, 4),
        }
    )
    rows.append(
        {
            "scandal": f"sector-wide, severity {SINGLE_SEVERITY:g} (supplier 0's customers)",
            "churn per customer (10 steps)": round(sector, 4),
            "SE": round(se_sector, 4),
        }
    )
    locked = single - sector > z * math.hypot(se_single, se_sector)
    return CheckResult(
        name="lock_in",
        title="Lock-in: with low trust in every supplier, switching falls",
        expected="churn falls as sector-wide trust falls; a scandal at one supplier drives its customers away, "
        "the same scandal sector-wide does not",
        measured="churn "
        + " → ".join(f"{r:.3f}" for _, r, _ in curve)
        + " as trust "
        + " → ".join(f"{t:.2f}" for t, _, _ in curve)
        + f"; supplier 0 alone {single:.3f} vs sector-wide {sector:.3f}",
        tolerance=f"z·SE (Poisson or across {size.market_runs} seeds, the larger), z = {z:.2f}",
        passed=bool(falls and drop and locked),
        reference="MODEL_BRIEF §4 (consumers hardly switch when they trust no bank)",
        details=rows,
    )


# --- mechanism-only consistency -------------------------------------------------------------


@register("asymmetry_relation", no_runs)
def check_asymmetry_relation(size: Size, tables: dict[Job, Tables]) -> CheckResult:
    """The exact relation: n* = k silent, k(1 - relief) repaired, from any level away from the clip."""
    rows, ok = [], True
    gain, relief = Scenario().trust.gain, Scenario().trust.repair_relief
    for k in LOSS_MULTIPLIERS:
        for admitted in (False, True):
            lost = -_delta(trust.BROKEN, loss_multiplier=k, admitted=admitted)[trust.RELIABILITY]
            per_kept = _delta(trust.KEPT, loss_multiplier=k)[trust.RELIABILITY]
            measured = float(lost / per_kept)
            exact = kept_promises_to_recover(k, relief, admitted)
            good = abs(measured - exact) < 1e-5 and abs(per_kept - gain) < 1e-6
            ok &= good
            rows.append({"k": k, "repaired": admitted, "loss / gain": round(measured, 5), "exact": exact, "pass": good})
    return CheckResult(
        name="asymmetry_relation",
        title="Exact asymmetry relation of the update rule",
        expected="loss/gain = k (silent), k(1 − repair_relief) (admitted and repaired)",
        measured=", ".join(f"{r['loss / gain']:g}" for r in rows),
        tolerance="1e-5 (float32)",
        passed=ok,
        reference="trustsim.validation.trust_checks.kept_promises_to_recover",
        details=rows,
    )
