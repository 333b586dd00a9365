"""The data dictionary: every output table and column, with its unit and definition.

Each column of the model's tables is declared here once, with its unit, definition and kind
(a stock, a flow over the step, the policy in force, a key); every list of columns elsewhere
(:data:`trustsim.metrics.MODEL_COLUMNS`, the market's flows, the classroom game's round sums,
the invariants' shares, ``records.CUSTOMER_COLUMNS``) is derived from these declarations.
``docs/outputs.md`` is generated from this module (``python -m trustsim.outputs > docs/outputs.md``)
and a test keeps it current.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARE = "share of the N people (0-1)"
PEOPLE = "people"
PER_STEP = "people in that step"
TRUST = "trust (0-1)"


KEY, STOCK, FLOW, POLICY = "key", "stock", "flow", "policy"
"""Kinds of column: a row's identity; the state at the end of the step; a count or sum over the step
(summed over a span of steps, e.g. a round of the classroom game); the supplier's policy in force."""


@dataclass(frozen=True)
class Column:
    """One column: name, unit, definition and kind (:data:`KEY`, :data:`STOCK`, :data:`FLOW`, :data:`POLICY`)."""

    name: str
    unit: str
    definition: str
    kind: str = STOCK


def columns(table: dict[str, Column], kind: str, also_in: dict[str, Column] | None = None) -> tuple[str, ...]:
    """The columns of `table` of this kind (and, with `also_in`, in that table too), in table order.

    Example:
        >>> columns(MODEL, FLOW, also_in=SUPPLIER)[:3]
        ('acquired', 'acquired_ads', 'acquired_banners')
    """
    return tuple(c for c, col in table.items() if col.kind == kind and (also_in is None or c in also_in))


def _c(name: str, unit: str, definition: str, kind: str = STOCK) -> Column:
    return Column(name, unit, definition, kind)


def _flow(name: str, unit: str, definition: str) -> Column:
    return Column(name, unit, definition, FLOW)


def _policy(name: str, unit: str, definition: str) -> Column:
    return Column(name, unit, definition, POLICY)


def _key(name: str, unit: str, definition: str) -> Column:
    return Column(name, unit, definition, KEY)


COMPONENT_DEFINITION = (
    "mean {comp} component of trust of {who} (the four components: reliability, transparency, competence, care)"
)

MODEL: dict[str, Column] = {
    c.name: c
    for c in (
        _key("step", "period", "0 = the initial state; 1..T after each step"),
        _c("customer_share", SHARE, "people who buy from some supplier"),
        _c("ambassador_share", SHARE, "people at the ambassador stage of the loyalty ladder (recommend actively)"),
        _c("detractor_share", SHARE, "people at the detractor stage (warn others)"),
        _c(
            "nps",
            "points (-100 to +100)",
            "Net Promoter Score over current customers: % scoring 9-10 minus % scoring 0-6; NaN with no customers",
        ),
        _c("mean_trust", TRUST, "mean overall trust of everyone who has experienced a supplier, in their last one"),
        *(
            _c(f"trust_{k}", TRUST, COMPONENT_DEFINITION.format(comp=k, who="everyone experienced"))
            for k in ("reliability", "transparency", "competence", "care")
        ),
        _c("prospect_share", SHARE, "people at the prospect stage of the loyalty ladder (not buying)"),
        _c("loyal_share", SHARE, "people at the loyal stage of the ladder"),
        _c("customers", PEOPLE, "people who buy from some supplier"),
        _flow("acquired", PER_STEP, "new customers won by all suppliers (ads + reviews + recommendations)"),
        _flow("acquired_ads", PER_STEP, "customers won through advertising (mass media and banners)"),
        _flow("acquired_banners", PER_STEP, "the banner part of acquired_ads"),
        _flow("acquired_reviews", PER_STEP, "customers won through online reviews"),
        _flow("acquired_recommendations", PER_STEP, "customers won through recommendations of acquaintances"),
        _flow("churned", PER_STEP, "customers who switched to a rival supplier"),
        _flow("revenue", "money per step", "sum over suppliers of customers x price"),
        _flow("kept", "deliveries in that step", "promises kept (delivered within promises.tolerance of the promise)"),
        _flow("broken", "deliveries in that step", "promises broken (more than the tolerance below the promise)"),
        _flow("exceeded", "deliveries in that step", "promises exceeded (more than the tolerance above the promise)"),
        _flow("departed", PER_STEP, "people who left the market (market.turnover), each replaced by a newcomer"),
        _flow("costs", "money per step", "sum over suppliers of costs"),
        _flow("profit", "money per step", "sum over suppliers of profit (revenue - costs)"),
        _flow("wom_positive", "messages in that step", "recommendations said (each to one acquaintance)"),
        _flow("wom_negative", "messages in that step", "warnings said by the disappointed (each to one acquaintance)"),
        _flow(
            "prospects_referred",
            PER_STEP,
            "people reached by a recommendation for the first time while prospects (never customers since)",
        ),
        _c(
            "trusting_share",
            "share of current customers (0-1)",
            "current customers whose overall trust in their supplier is at least 0.5 (NaN without customers)",
        ),
        _flow(
            "gestures", "gestures in that step", "relationship gestures made by all suppliers (follow-ups, surprises)"
        ),
        _flow("lapsed", PER_STEP, "customers who stopped buying from anyone for a while (lapse.*)"),
    )
}
"""``model.parquet`` and a sweep's ``timeseries``: one row per step."""

SUPPLIER: dict[str, Column] = {
    c.name: c
    for c in (
        _key("step", "period", "0 = the initial state; 1..T after each step"),
        _key("supplier", "index", "0-based supplier number (the order of [[suppliers]] in the scenario)"),
        _key("name", "text", "the supplier's name in the scenario"),
        _c("customers", PEOPLE, "the supplier's current customers"),
        _c("ambassadors", PEOPLE, "its customers at the ambassador stage"),
        _c("detractors", PEOPLE, "people at the detractor stage whose last supplier it is"),
        _c("nps", "points (-100 to +100)", "Net Promoter Score over its current customers (NaN if none)"),
        _c("trust", TRUST, "mean overall trust in it of its current and former customers (NaN if it never had one)"),
        *(
            _c(f"trust_{k}", TRUST, COMPONENT_DEFINITION.format(comp=k, who="its current and former customers"))
            for k in ("reliability", "transparency", "competence", "care")
        ),
        _flow("acquired_ads", PER_STEP, "customers it won through advertising (mass media and banners)"),
        _flow("acquired_reviews", PER_STEP, "customers it won through reviews"),
        _flow("acquired_recommendations", PER_STEP, "customers it won through recommendations"),
        _flow("churned", PER_STEP, "its customers who switched to a rival"),
        _flow("revenue", "money per step", "customers at the end of the step x price"),
        _c("loyal", PEOPLE, "its customers at the loyal stage"),
        _c("market_share", SHARE, "customers / N"),
        _flow("acquired", PER_STEP, "acquired_ads + acquired_reviews + acquired_recommendations"),
        _flow("acquired_banners", PER_STEP, "the banner part of acquired_ads"),
        _flow("kept", "deliveries in that step", "its promises kept"),
        _flow("broken", "deliveries in that step", "its promises broken"),
        _flow("exceeded", "deliveries in that step", "its promises exceeded"),
        _c("effort", "effort (0-1)", "mean effort per delivery (lower for customers it distrusts; NaN if none)"),
        _policy("promise", "quality (0-1)", "the policy in force: quality promised (imitation may change it)"),
        _policy("over_delivery", "quality (0-1)", "the policy in force: quality added beyond the promise"),
        _policy(
            "ad_budget",
            "units of advertising.reach, or money per step",
            "the policy in force: advertising budget (money spent per step with advertising.response = 'goodwill')",
        ),
        _policy("care", "effort (0-1)", "the policy in force: listening/care effort"),
        _policy("transparency", "probability", "the policy in force: chance a failure is admitted and repaired"),
        _flow("departed", PER_STEP, "its customers who left the market (turnover)"),
        _flow(
            "service_costs",
            "money per step",
            "customers x the cost of serving one for a step (money.service_cost + "
            "money.over_delivery_cost x over_delivery + money.care_cost x care)",
        ),
        _flow(
            "ad_costs",
            "money per step",
            "reached x money.ad_cost ('linear' response), or ad_budget, the money spent ('goodwill' response)",
        ),
        _flow("costs", "money per step", "service_costs + ad_costs + gesture_costs + money.fixed_cost"),
        _flow("profit", "money per step", "revenue - costs"),
        _c(
            "discounted_profit",
            "money",
            "profit discounted to step 0 at money.discount_rate per step, summed from step 0 to this step",
        ),
        _flow("reached", PER_STEP, "people its advertising (ads and banners) reached in that step"),
        _policy(
            "anchoring", "probability", "the policy in force: chance a kept promise is anchored ('says what it did')"
        ),
        _flow("wom_positive", "messages in that step", "recommendations said about it"),
        _flow("wom_negative", "messages in that step", "warnings said about it"),
        _c("trusting", PEOPLE, "its current customers whose overall trust in it is at least 0.5"),
        _flow("lapsed", PER_STEP, "its customers who stopped buying from anyone for a while (lapse.*)"),
        _flow("gestures", "gestures in that step", "relationship gestures it made (follow-ups and surprises)"),
        _flow("gesture_costs", "money per step", "gestures x money.gesture_cost"),
        _c("goodwill", "money", "its advertising goodwill stock ('goodwill' response; 0 otherwise)"),
        _policy(
            "follow_up",
            "probability",
            "the policy in force: chance of a follow-up after a first delivery or a broken promise",
        ),
        _policy("surprise", "probability", "the policy in force: chance per step of a surprise gesture to a customer"),
    )
}
"""``suppliers.parquet`` and a sweep's ``suppliers``: one row per step x supplier."""

CUSTOMER: dict[str, Column] = {
    c.name: c
    for c in (
        _c("spell", "index", "the spell's id (row number)"),
        _c(
            "customer",
            "index",
            "the customer's id (a slot in the population: after turnover a newcomer takes a leaver's)",
        ),
        _c("supplier", "text", "the supplier's name"),
        _c(
            "channel",
            "text",
            "what won the spell: recommendation, review, ad, banner, switch (the switching rule) or "
            "initial (a customer at step 0)",
        ),
        _c(
            "referrer",
            "index",
            "the customer whose word won it: the recommender (channel = recommendation), or, for a switch to a "
            "supplier first heard of by word of mouth (heard_via = recommendation), the person who introduced it; "
            "null otherwise",
        ),
        _c(
            "referrer_spell",
            "index",
            "the referrer's own spell with the same supplier when it spoke (null when there is no referrer)",
        ),
        _c("from_supplier", "text", "the rival the customer came from (null for a prospect)"),
        _c(
            "heard_via",
            "text",
            "channel of first contact with this supplier (the supplier table credits switches to it); null for "
            "the initial customers, whose first contact is before the run",
        ),
        _c("start_step", "period", "the step in which it was won (0 for the initial customers)"),
        _c("end_step", "period", "the step in which it ended (null while it lasts)"),
        _c(
            "end_reason",
            "text",
            "switch (to a rival), left (the market) or lapsed (stopped buying from anyone, lapse.*); "
            "null while it lasts",
        ),
        _c("referrals", "acquisitions", "spells this spell won by recommendation"),
        _c("revenue", "money", "price paid over the spell, up to the end of the run"),
        _c(
            "value",
            "money",
            "lifetime value: the spell's profit (price - cost of serving) discounted to its start, up to the end "
            "of the run: for a spell still open at the end (end_step null) a lower bound, cut at the horizon",
        ),
        _c(
            "referral_value",
            "money",
            "the value of the spells it referred, discounted to this spell's start (each cut at the horizon "
            "when still open)",
        ),
        _c("ambassador", "true/false", "the spell reached the ambassador stage of the loyalty ladder"),
    )
}
"""``customers.parquet``: the referral records, one row per customer spell."""

KEYS: dict[str, Column] = {
    c.name: c
    for c in (
        _c("run", "index", "0-based run number in the sweep's plan (design point-major, then replicate)"),
        _c("run_id", "text", "p<point>-r<replicate>, stable across resumes"),
        _c("point", "index", "0-based design point"),
        _c("replicate", "index", "0-based replicate of the design point"),
        _c(
            "seed",
            "integer",
            "the run's seed, derived from the experiment seed and the run's identity (in the CSV copies hexadecimal "
            "text, 0x..., which spreadsheets and R keep exact; --seed and scenario files take it as written)",
        ),
        _c("<parameter>", "as in docs/config.md", "each swept parameter, by its dotted scenario key (e.g. wom.rate)"),
    )
}

SWEEP: dict[str, tuple[str, list[Column]]] = {
    "summary.parquet": (
        "one row per finished run (kept as it is: these names are a contract)",
        [
            _c("<keys>", "", "run, run_id, point, replicate, seed and the swept parameters (below)"),
            _c(
                "<measure>",
                "as the measure",
                "each kept model measure, summarised by [output] summary "
                "(final value, mean over steps, or mean over the last `tail` steps)",
            ),
            _c(
                "<measure>[<name>]",
                "as the measure",
                "each kept supplier measure of supplier <name>, summarised the same way",
            ),
        ],
    ),
    "tidy/runs.parquet": (
        "one row per run",
        [
            _c("<keys>", "", "run, run_id, point, replicate, seed and the swept parameters"),
            _c(
                "final_<measure> | mean_<measure> | tail_mean_<measure>",
                "as the measure",
                "each kept model measure; the prefix says how the series was summarised",
            ),
        ],
    ),
    "tidy/supplier_runs.parquet": (
        "one row per run x supplier (long form of the <measure>[<name>] columns)",
        [
            _c("<keys>", "", "run, run_id, point, replicate, seed and the swept parameters"),
            _c("supplier", "index", "0-based supplier number"),
            _c("name", "text", "the supplier's name"),
            _c(
                "final_<measure> | mean_<measure> | tail_mean_<measure>",
                "as the measure",
                "each kept supplier measure, summarised as the prefix says",
            ),
        ],
    ),
    "tidy/timeseries.parquet": (
        "one row per run x step",
        [
            _c("<keys>", "", "run, run_id, point, replicate, seed and the swept parameters"),
            _c("step, <measure>", "", "the kept model measures per step (see model.parquet)"),
        ],
    ),
    "tidy/suppliers.parquet": (
        "one row per run x step x supplier",
        [
            _c("<keys>", "", "run, run_id, point, replicate, seed and the swept parameters"),
            _c("step, supplier, name, <measure>", "", "the kept supplier measures per step (see suppliers.parquet)"),
        ],
    ),
}
"""The tables of a sweep results folder (``trustsim sweep``; CSV copies with ``--csv``)."""


_RUN_MEASURES = (
    "profit (sum over weeks 1..T), discounted_profit (cumulative at week T), revenue (sum), customers, nps, "
    "ambassadors, trust (at week T), and costs, service_costs, ad_costs (sums): our supplier's in that run"
)

COMPARE: dict[str, tuple[str, list[Column]]] = {
    "ranking.csv": (
        "one row per measure x policy, best first within a measure (`trustsim.compare.stats.rank_policies`)",
        [
            _c("policy", "text", "the policy as given (its name)"),
            _c(
                "mean, lo, hi",
                "as the measure",
                "mean over replicates and its 95% interval (t; bootstrap for NPS, trust)",
            ),
            _c(
                "diff, diff_lo, diff_hi",
                "as the measure",
                "policy minus the best, paired over replicates, 95% t-interval",
            ),
            _c("p", "probability", "paired t-test of diff against 0"),
            _c("rel, rel_lo, rel_hi", "share", "diff and its interval divided by the best's mean"),
            _c("p_holm", "probability", "p adjusted with Holm's method over the policies compared"),
            _c("significant", "true/false", "significantly below the best (p_holm < 0.05)"),
            _c("rank", "integer", "1 = the best's mean"),
            _c("measure", "text", "profit, discounted_profit, revenue, customers, nps, ambassadors or trust"),
        ],
    ),
    "runs.csv": (
        "one row per policy x replicate (replicate r of every policy ran on the same seed)",
        [
            _c("policy", "text", "the policy"),
            _c("replicate", "index", "0-based replicate"),
            _c("run", "index", "the run's number in runs/ (its seed is in runs/summary.parquet)"),
            _c("<measure>", "as the measure", _RUN_MEASURES),
        ],
    ),
    "costs.csv": (
        "one row per policy: the cost breakdown and the return on extra spend against the reference policy",
        [
            _c("policy, reference", "text", "the policy and the reference policy (the first given, or --reference)"),
            _c(
                "revenue, service_costs, ad_costs, fixed_costs, costs",
                "money per run",
                "means over replicates of the sums over weeks 1..T (fixed_costs = costs - service_costs - ad_costs)",
            ),
            _c("profit, profit_lo, profit_hi", "money per run", "mean profit and its 95% t-interval"),
            _c(
                "extra_spend, extra_spend_lo, extra_spend_hi",
                "money per run",
                "costs minus the reference's, paired over replicates, 95% t-interval",
            ),
            _c(
                "extra_profit, extra_profit_lo, extra_profit_hi",
                "money per run",
                "profit minus the reference's, paired, 95% t-interval",
            ),
            _c(
                "roi, roi_lo, roi_hi",
                "money per money",
                "extra_profit / extra_spend (ratio of the paired means) "
                "with a 95% percentile-bootstrap interval; empty when the policy does not surely spend more",
            ),
            _c("n", "count", "replicate pairs"),
            _c("verdict", "text", "the return in words"),
        ],
    ),
    "robustness.parquet": (
        "one row per robustness cell x policy x replicate",
        [
            _c("run", "index", "the run's number in robustness/"),
            _c("cell", "index", "0-based cell"),
            _c("kind", "text", "grid (a cell of the grid over --vary) or money (one cost assumption moved)"),
            _c("policy, replicate", "", "as in runs.csv"),
            _c("<measure>", "as the measure", _RUN_MEASURES),
            _c("<parameter>", "as in docs/config.md", "each varied key (grid and money) and its value in the cell"),
            _c("vary", "text", "the grid's keys, comma-separated"),
        ],
    ),
}
"""The tables beside a comparison report (``trustsim compare``, docs/compare.md)."""


def render() -> str:
    """docs/outputs.md, from the definitions above and the model's own column lists."""

    def table(columns: list[Column], kinds: bool = False) -> list[str]:
        if not kinds:
            rows = ["| column | unit | definition |", "|---|---|---|"]
            return rows + [f"| `{c.name}` | {c.unit} | {c.definition} |" for c in columns]
        rows = ["| column | kind | unit | definition |", "|---|---|---|---|"]
        return rows + [f"| `{c.name}` | {c.kind} | {c.unit} | {c.definition} |" for c in columns]

    out = [
        "# Outputs: every table and column",
        "",
        "<!-- generated by `python -m trustsim.outputs > docs/outputs.md` from trustsim/outputs.py; "
        "tests/test_outputs.py fails when it is out of date -->",
        "",
        "Column names are a contract: new columns are added, existing ones are never renamed. "
        "In a sweep, names that summarise a run's series say how: `final_`, `mean_` or `tail_mean_`. "
        "The kind of a column says how it adds up over time: a *stock* is the state at the end of the step, "
        "a *flow* counts or sums what happened during the step (add the steps of a span to get the span's), "
        "a *policy* is the supplier's policy in force, a *key* identifies the row.",
        "",
        "## One run: `model.parquet`",
        "",
        "One row per step (step 0 = the initial state). `TrustMarket.model_table()` returns the same table.",
        "",
        *table(list(MODEL.values()), kinds=True),
        "",
        "## One run: `suppliers.parquet`",
        "",
        "One row per step x supplier. `TrustMarket.supplier_table()` returns the same table.",
        "",
        *table(list(SUPPLIER.values()), kinds=True),
        "",
        "## One run: `customers.parquet`",
        "",
        "The referral records: one row per customer spell (a customer buying from one supplier without "
        "interruption). `TrustMarket.customer_table()` returns the same table; docs/ODD.md explains the rules.",
        "",
        *table(list(CUSTOMER.values())),
        "",
        "## A sweep: keys every table carries",
        "",
        *table(list(KEYS.values())),
        "",
    ]
    for name, (what, columns) in SWEEP.items():
        out += [f"## A sweep: `{name}`", "", what[0].upper() + what[1:] + ".", "", *table(columns), ""]
    out += [
        "The `tidy/` tables are rewritten from the checked batch files at the end of every sweep session; "
        "`trustsim sweep --csv` also writes `summary.csv` and `tidy/*.csv`. From Python: "
        "`trustsim.sweep.tidy.tidy_tables(DIR)`.",
        "",
    ]
    for name, (what, columns) in COMPARE.items():
        out += [f"## A comparison: `{name}`", "", what[0].upper() + what[1:] + ".", "", *table(columns), ""]
    return "\n".join(out)


if __name__ == "__main__":
    print(render(), end="")
