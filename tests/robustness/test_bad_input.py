"""Bad input of every kind gives one clear message, the right exit status, and no output.

One table: each row is a command line, the files it reads (variations of a tiny valid
scenario, experiment, policy or edge list), the exit status (2 for bad input, 1 for a
run-time failure) and a pattern the message must match (it names the source and what is
allowed). Every row also checks: no traceback, and the folder the command was pointed at is
exactly as before (no partial output, no staging folder, no stray temporary file).

Commands run in-process through ``trustsim.cli.main``; what needs a real process
(``--debug`` tracebacks) is at the end. Faults of running sweeps (kill -9, Ctrl-C, locks,
disk full) are in test_faults.py and tests/sweep/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest
from robustness_support import PYTHON, ROOT, TINY_EXPERIMENT, TINY_SCENARIO, snapshot

from trustsim.cli import COMMANDS, main

S = TINY_SCENARIO
RUN = ["run", "{d}/s.toml", "--out", "{d}/out"]
SWEEP = ["sweep", "{d}/e.toml", "--out", "{d}/out", "--workers", "1", "--quiet"]
COMPARE = [
    "compare",
    "{d}/p.toml",
    "listener",
    "--scenario",
    "{d}/s.toml",
    "--out",
    "{d}/out",
    "--replicates",
    "2",
    "--no-robustness",
    "--workers",
    "1",
    "--quiet",
]
POLICY = 'name = "Mine"\npromise = 0.6\n'
OPTIMIZE = ["optimize", "--scenario", "{d}/s.toml", "--out", "{d}/out", "--workers", "1", "--quiet"]
EDGE_SCENARIO = S.replace('kind = "small_world"', 'kind = "edge_list"\npath = "edges.txt"').replace(
    "customers = 40", "customers = 5"
)


SWEEP_FOLDER = "<a finished sweep of TINY_EXPERIMENT>"
DAMAGED_SWEEP_FOLDER = "<the same, with a result file cut short>"


def edit(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced (which must be there, so a case cannot silently test nothing)."""
    assert old in text, old
    return text.replace(old, new)


def experiment(replace: dict[str, str] | None = None, extra: str = "") -> str:
    """TINY_EXPERIMENT with text replaced (old -> new) and `extra` appended."""
    text = TINY_EXPERIMENT
    for old, new in (replace or {}).items():
        text = edit(text, old, new)
    return text + extra


@dataclass
class Case:
    """One bad input: argv (with {d} for the test's folder), files to create, status, message."""

    id: str
    argv: list[str]
    code: int
    message: str
    files: dict[str, str | bytes] = field(default_factory=dict)


def scenario_case(id: str, text: str | bytes, message: str, *extra: str) -> Case:
    return Case(id, [*RUN, *extra], 2, message, {"s.toml": text})


def set_case(id: str, setting: str, message: str) -> Case:
    return Case(id, [*RUN, "--set", setting], 2, message, {"s.toml": S})


def edge_case(id: str, edges: str | bytes, message: str) -> Case:
    return Case(id, RUN, 2, message, {"s.toml": EDGE_SCENARIO, "edges.txt": edges})


def experiment_case(id: str, text: str, message: str, code: int = 2) -> Case:
    return Case(id, SWEEP, code, message, {"s.toml": S, "e.toml": text})


def policy_case(id: str, text: str | bytes, message: str) -> Case:
    return Case(id, COMPARE, 2, message, {"s.toml": S, "p.toml": text})


SRC = r"{d}/s\.toml: "  # messages start with the file they are about

CASES = [
    # --- scenario files standing on another (base = ...) ------------------------------------
    scenario_case(
        "base-missing",
        'base = "no_such_market"\n' + S,
        SRC + r"'base' = 'no_such_market': no such scenario file \(looked for .*no_such_market; a path is relative "
        r"to the folder of the file that names it\) and no built-in scenario of that name",
    ),
    scenario_case(
        "base-not-a-string",
        "base = 3\n" + S,
        SRC + r"'base' = 3: expected the path or built-in name of the scenario this one varies",
    ),
    Case(
        "base-loop",
        RUN,
        2,
        r"b\.toml: 'base' = 's\.toml' makes the scenarios stand on each other in a loop: "
        r".*s\.toml -> .*b\.toml -> .*s\.toml",
        {"s.toml": 'base = "b.toml"\n' + S, "b.toml": 'base = "s.toml"\n' + S},
    ),
    # --- scenario files: keys, types, values -----------------------------------------------
    scenario_case(
        "unknown-section",
        S + "[markt]\nsize = 3\n",
        SRC + r"unknown key 'markt'\. Did you mean 'market'\? Allowed keys here: seed, steps, market",
    ),
    scenario_case(
        "unknown-key",
        edit(S, "suppliers = 2", "supplier = 2"),
        SRC + r"unknown key 'market\.supplier'\. Did you mean 'suppliers'\?",
    ),
    scenario_case(
        "unknown-key-no-hint",
        S + "[wom]\nzzz = 1\n",
        SRC + r"unknown key 'wom\.zzz'\. Allowed keys here: rate, warn_rate, signal",
    ),
    scenario_case(
        "string-for-int",
        edit(S, "customers = 40", 'customers = "many"'),
        SRC + r"market\.customers = 'many' is not allowed: .*valid integer",
    ),
    scenario_case(
        "fraction-for-int",
        edit(S, "customers = 40", "customers = 40.5"),
        SRC + r"market\.customers = 40\.5 is not allowed: .*integer",
    ),
    scenario_case(
        "bool-for-number",
        S + "[wom]\nrate = true\n",
        SRC + r"wom\.rate = True is not allowed: .*true/false is not a number",
    ),
    scenario_case(
        "bool-for-int",
        edit(S, "suppliers = 2", "suppliers = true"),
        SRC + r"market\.suppliers = True is not allowed: .*true/false is not a number",
    ),
    scenario_case(
        "list-for-number",
        S + "[advertising]\nreach = [0.1]\n",
        SRC + r"advertising\.reach = \[0\.1\] is not allowed: .*valid number",
    ),
    scenario_case(
        "section-as-value",
        S.replace("[network]", "network = 3\n[networkx]"),
        SRC + r"(network = 3 is not allowed|unknown key)",
    ),
    scenario_case(
        "table-for-number",
        S + "[trust]\ngain = {value = 1}\n",
        SRC + r"trust\.gain = \{\.\.\.\} is not allowed: .*valid number",
    ),
    scenario_case("nan", S + "[wom]\nrate = nan\n", SRC + r"wom\.rate = nan is not allowed: .*finite"),
    scenario_case("inf", S + "[trust]\ngain = inf\n", SRC + r"trust\.gain = inf is not allowed: .*finite"),
    scenario_case(
        "minus-inf",
        edit(S, "mean_degree = 4", "mean_degree = -inf"),
        SRC + r"network\.mean_degree = -inf is not allowed",
    ),
    scenario_case(
        "nan-in-list",
        S + "[trust]\nweights = [0.1, nan, 0.3, 0.4]\n",
        SRC + r"trust\.weights\[1\] = nan is not allowed: .*finite",
    ),
    scenario_case(
        "zero-customers",
        edit(S, "customers = 40", "customers = 0"),
        SRC + r"market\.customers = 0 is not allowed: .*greater than or equal to 2",
    ),
    scenario_case(
        "negative-customers",
        edit(S, "customers = 40", "customers = -40"),
        SRC + r"market\.customers = -40 is not allowed: .*greater than or equal to 2",
    ),
    scenario_case(
        "too-many-customers",
        edit(S, "customers = 40", "customers = 10_000_000_000"),
        SRC + r"market\.customers = 10000000000 is not allowed: .*less than or equal to 50000000",
    ),
    scenario_case(
        "zero-suppliers",
        edit(S, "suppliers = 2", "suppliers = 0"),
        SRC + r"market\.suppliers = 0 is not allowed: .*greater than or equal to 1",
    ),
    scenario_case(
        "negative-steps",
        edit(S, "steps = 3", "steps = -1"),
        SRC + r"steps = -1 is not allowed: .*greater than or equal to 0",
    ),
    scenario_case(
        "negative-seed",
        edit(S, "seed = 3", "seed = -3"),
        SRC + r"seed = -3 is not allowed: .*greater than or equal to 0",
    ),
    scenario_case(
        "zero-mean-degree",
        edit(S, "mean_degree = 4", "mean_degree = 0"),
        SRC + r"network\.mean_degree = 0 is not allowed: .*greater than or equal to 1",
    ),
    scenario_case(
        "probability-above-1",
        S + "[advertising]\nreach = 1.5\n",
        SRC + r"advertising\.reach = 1\.5 is not allowed: .*less than or equal to 1",
    ),
    scenario_case(
        "probability-below-0",
        S + "[switching]\nrate = -0.1\n",
        SRC + r"switching\.rate = -0\.1 is not allowed: .*greater than or equal to 0",
    ),
    scenario_case(
        "supplier-probability",
        S + "[[suppliers]]\npromise = 2\n",
        SRC + r"suppliers\[0\]\.promise = 2 is not allowed: .*less than or equal to 1",
    ),
    scenario_case(
        "negative-rate",
        S + "[wom]\nwarn_rate = -2\n",
        SRC + r"wom\.warn_rate = -2 is not allowed: .*greater than or equal to 0",
    ),
    scenario_case(
        "absurd-wom-rate",
        S + "[wom]\nrate = 1e9\n",
        SRC + r"wom\.rate = 1000000000\.0 is not allowed: .*less than or equal to",
    ),
    scenario_case(
        "absurd-warn-rate",
        S + "[wom]\nwarn_rate = 1e12\n",
        SRC + r"wom\.warn_rate = 1000000000000\.0 is not allowed: .*less than or equal to",
    ),
    scenario_case(
        "mean-degree-ge-customers",
        edit(S, "mean_degree = 4", "mean_degree = 40"),
        SRC + r"network\.mean_degree = 40\.0 must be < market\.customers = 40",
    ),
    scenario_case(
        "more-suppliers-than-customers",
        edit(S, "suppliers = 2", "suppliers = 41"),
        SRC + r"market\.suppliers = 41 must not exceed market\.customers = 40",
    ),
    scenario_case(
        "more-supplier-tables-than-suppliers",
        S + "[[suppliers]]\n[[suppliers]]\n[[suppliers]]\n",
        SRC + r"3 \[\[suppliers\]\] given but market\.suppliers = 2",
    ),
    scenario_case(
        "weights-wrong-length",
        S + "[trust]\nweights = [1, 2]\n",
        SRC + r"trust\.weights = \[1, 2\] is not allowed: .*at least 4",
    ),
    scenario_case(
        "weights-all-zero", S + "[trust]\nweights = [0, 0, 0, 0]\n", SRC + r"trust\.weights = .*must not all be zero"
    ),
    scenario_case(
        "weights-negative",
        S + "[trust]\nweights = [1, -1, 1, 1]\n",
        SRC + r"trust\.weights\[1\] = -1 is not allowed: .*greater than or equal to 0",
    ),
    scenario_case(
        "beta-infeasible",
        S + "[propensity]\nmean = 0.9\nsd = 0.4\n",
        SRC + r"propensity = \{\.\.\.\} is not allowed: sd = 0\.4 is too large for mean = 0\.9",
    ),
    scenario_case(
        "ladder-reversed",
        S + "[loyalty]\nloyal_tenure = 30\nambassador_tenure = 10\n",
        SRC + r"loyalty .*ambassador_tenure must be >= loyal_tenure",
    ),
    scenario_case(
        "scores-reversed",
        S + "[loyalty]\ndetractor_score = 8\nloyal_score = 7\n",
        SRC + r"loyalty .*detractor_score < loyal_score <= ambassador_score",
    ),
    scenario_case(
        "shock-unknown-supplier",
        S + "[[shocks]]\nstep = 2\nsupplier = 5\n",
        SRC + r"shock at step 2 names supplier 5, but there are 2 suppliers \(0\.\.1\)",
    ),
    scenario_case(
        "shock-step-zero",
        S + "[[shocks]]\nstep = 0\n",
        SRC + r"shocks\[0\]\.step = 0 is not allowed: .*greater than or equal to 1",
    ),
    scenario_case(
        "shock-missing-step", S + "[[shocks]]\nseverity = 1\n", SRC + r"missing key 'shocks\[0\]\.step' \(required\)"
    ),
    scenario_case(
        "unknown-network-kind",
        edit(S, '"small_world"', '"ring"'),
        SRC + r"network\.kind = 'ring' is not allowed: .*'well_mixed'.*'edge_list'",
    ),
    scenario_case(
        "edge-list-without-path",
        edit(S, '"small_world"', '"edge_list"'),
        SRC + r"network\.kind = 'edge_list' needs network\.path",
    ),
    scenario_case(
        "supplier-name-too-long",
        S + "[[suppliers]]\nname = '" + "x" * 81 + "'\n",
        SRC + r"suppliers\[0\]\.name = .* is not allowed: .*at most 80 characters",
    ),
    # --- scenario files: the file itself ------------------------------------------------------
    scenario_case(
        "empty-file", "", SRC + r"the file is empty \(no settings, only blanks or comments\); expected a TOML scenario"
    ),
    scenario_case(
        "binary-file", b"\x00\x01\x02PK\x03\x04" * 50, SRC + r"contains NUL bytes; this looks like a binary file"
    ),
    scenario_case(
        "bad-utf8",
        b"[market]\ncustomers = 40\nname = '\xff\xfe'\n",
        SRC + r"not UTF-8 text \(byte \d+\); the scenario must be UTF-8",
    ),
    scenario_case("latin1", "[[suppliers]]\nname = 'Café'\n".encode("latin-1"), SRC + r"not UTF-8 text"),
    scenario_case("malformed-toml", "[market\ncustomers = 40\n", SRC + r"malformed TOML: .*line 1"),
    scenario_case("duplicate-key", S + "mean_degree = 5\n", SRC + r"malformed TOML: .*line 10"),
    scenario_case("unterminated-string", S + "[[suppliers]]\nname = 'oops\n", SRC + r"malformed TOML"),
    Case(
        "huge-file",
        RUN,
        2,
        SRC + r"[\d,]+ bytes is too large for the scenario \(limit 10 MB\)",
        {"s.toml": "<sparse 11 MB>"},
    ),
    Case("missing-file", RUN, 2, r"{d}/s\.toml: no such file"),
    Case("folder-not-file", ["run", "{d}", "--out", "{d}/out"], 2, r"{d}: is a folder; the scenario must be a file"),
    # --- edge lists ---------------------------------------------------------------------------
    edge_case(
        "edge-unknown-node",
        "0 1\n1 7\n",
        r"{d}/edges\.txt, line 2: customer 7 does not exist; ids must be 0\.\.4 \(market\.customers = 5\)",
    ),
    edge_case("edge-negative-node", "0 1\n-1 2\n", r"edges\.txt, line 2: customer -1 does not exist"),
    edge_case(
        "edge-self-loop",
        "0 1\n# a comment\n3 3\n",
        r"{d}/edges\.txt, line 3: self-loop 3-3; a customer is not their own tie",
    ),
    edge_case("edge-three-columns", "0 1 2\n", r"edges\.txt, line 1: '0 1 2' is not an edge; expected two"),
    edge_case("edge-not-numbers", "alice bob\n", r"edges\.txt, line 1: 'alice bob' is not an edge"),
    edge_case("edge-fractional-ids", "0 1.5\n", r"edges\.txt, line 1: '0 1\.5' is not an edge"),
    edge_case("edge-list-empty", "# nobody knows anybody\n", r"{d}/edges\.txt: the edge list has no edges"),
    edge_case(
        "edge-list-binary",
        b"\xff\xd8\xff\xe0JFIF",
        r"{d}/edges\.txt: not UTF-8 text \(byte 0\); the edge list \(network\.path\) must be UTF-8",
    ),
    Case(
        "edge-list-missing",
        RUN,
        2,
        r"{d}/edges\.txt: no such file \(the edge list \(network\.path\)\)",
        {"s.toml": EDGE_SCENARIO},
    ),
    # --- --set ----------------------------------------------------------------------------------
    set_case(
        "set-unknown-key",
        "wom.rte=1",
        r"s\.toml \(--set\): unknown key 'wom\.rte'\. Did you mean 'rate'\? Allowed keys here: rate, warn_rate",
    ),
    set_case("set-unknown-section", "markt.customers=10", r"unknown key 'markt\.customers'\. Did you mean 'market'\?"),
    set_case("set-unparseable", "wom.rate=1 2", r"--set: cannot parse value '1 2'; use a number"),
    set_case("set-no-equals", "market.customers", r"--set 'market\.customers': expected KEY=VALUE"),
    set_case("set-empty-key", "=5", r"--set '=5': expected KEY=VALUE"),
    set_case("set-bad-value", "market.customers=-5", SRC + r"market\.customers = -5 is not allowed"),
    set_case("set-nan", "wom.rate=nan", SRC + r"wom\.rate = nan is not allowed: .*finite"),
    set_case("set-value-as-section", "market.customers.size=5", r"'market\.customers\.size': 'customers' is a value"),
    set_case("set-section-as-value", "market=5", SRC + r"market = 5 is not allowed"),
    set_case("set-bad-list-index", "suppliers.first.promise=0.5", r"unknown key 'suppliers\.first\.promise'"),
    set_case(
        "set-huge-list-index",
        "suppliers.30000000.promise=0.5",
        r"'suppliers\.30000000\.promise': list index 30000000 is too large; indexes count from 0",
    ),
    set_case("set-bool-for-number", "market.customers=true", SRC + r"market\.customers = True is not allowed"),
    # --- command-line arguments -------------------------------------------------------------------
    Case(
        "steps-not-a-number",
        [*RUN, "--steps", "many"],
        2,
        r"argument --steps: expected a whole number, got 'many'",
        {"s.toml": S},
    ),
    Case("steps-negative", [*RUN, "--steps", "-2"], 2, r"argument --steps: must be at least 0, got -2", {"s.toml": S}),
    Case("seed-negative", [*RUN, "--seed", "-2"], 2, r"argument --seed: must be at least 0, got -2", {"s.toml": S}),
    Case("unknown-option", [*RUN, "--stpes", "3"], 2, r"unrecognized arguments: --stpes", {"s.toml": S}),
    Case("unknown-command", ["rnu", "{d}/s.toml"], 2, r"invalid choice: 'rnu'", {"s.toml": S}),
    Case(
        "out-is-a-file",
        ["run", "{d}/s.toml", "--out", "{d}/s.toml"],
        2,
        r"--out {d}/s\.toml: exists and is a file, not a folder",
        {"s.toml": S},
    ),
    Case(
        "out-below-a-file",
        ["run", "{d}/s.toml", "--out", "{d}/s.toml/out"],
        2,
        r"--out {d}/s\.toml/out: {d}/s\.toml is not a folder",
        {"s.toml": S},
    ),
    Case(
        "out-unwritable",
        ["run", "{d}/s.toml", "--out", "{ro}/out"],
        2,
        r"--out {ro}/out: (folder {ro} is not writable|cannot write in folder {ro})",
        {"s.toml": S},
    ),
    # --- experiment files (trustsim sweep) -----------------------------------------------------------
    experiment_case(
        "exp-unknown-key",
        experiment({"replicates = 1": "replicate = 3"}),
        r"{d}/e\.toml: unknown key 'replicate'\. Did you mean 'replicates'\?",
    ),
    experiment_case(
        "exp-unknown-design-key",
        experiment({'kind = "grid"': 'kind = "grid"\nsampels = 2'}),
        r"{d}/e\.toml: unknown key 'design\.sampels'\. Did you mean 'samples'\?",
    ),
    experiment_case(
        "exp-unknown-parameter",
        experiment({'"wom.rate"': '"wom.rat"'}),
        r"{d}/e\.toml: design point 0 \(wom\.rat=0\.1\): unknown key 'wom\.rat'\. Did you mean 'rate'\?",
    ),
    experiment_case(
        "exp-bad-parameter-value",
        experiment({"[0.1, 0.3]": "[0.1, -0.3]"}),
        r"{d}/e\.toml: design point 1 \(wom\.rate=-0\.3\): wom\.rate = -0\.3 is not allowed",
    ),
    experiment_case(
        "exp-range-reversed",
        experiment({'kind = "grid"': 'kind = "lhs"\nsamples = 4', "[0.1, 0.3]": "{low = 0.5, high = 0.1}"}),
        r"{d}/e\.toml: design\.parameters\.wom\.rate.* low = 0\.5 must not exceed high = 0\.1",
    ),
    experiment_case(
        "exp-range-empty",
        experiment({'kind = "grid"': 'kind = "lhs"\nsamples = 4', "[0.1, 0.3]": "{low = 0.2, high = 0.2}"}),
        r"low = high = 0\.2: a range must have some width",
    ),
    experiment_case(
        "exp-range-nan",
        experiment({'kind = "grid"': 'kind = "lhs"\nsamples = 4', "[0.1, 0.3]": "{low = 0.2, high = nan}"}),
        r"{d}/e\.toml: design\.parameters\.wom\.rate.*high = nan is not allowed: .*finite",
    ),
    experiment_case("exp-grid-empty-list", experiment({"[0.1, 0.3]": "[]"}), r"the list of values is empty"),
    experiment_case(
        "exp-range-in-grid",
        experiment({"[0.1, 0.3]": "{low = 0.1, high = 0.3}"}),
        r"a grid takes a list of values, e\.g\. \[0\.1, 0\.2\], not a range",
    ),
    experiment_case(
        "exp-sobol-not-power-of-2",
        experiment(
            extra='"trust.gain" = {low = 0.1, high = 1}\n',
            replace={'kind = "grid"': 'kind = "sobol"\nsamples = 6', "[0.1, 0.3]": "{low = 0.1, high = 0.3}"},
        ),
        r"samples = 6: a Sobol design needs a power of 2 \(e\.g\. 4 or 8\)",
    ),
    experiment_case(
        "exp-bool-for-number",
        experiment({"replicates = 1": "replicates = true"}),
        r"{d}/e\.toml: replicates = True is not allowed: true/false is not a number",
    ),
    experiment_case(
        "exp-zero-replicates",
        experiment({"replicates = 1": "replicates = 0"}),
        r"{d}/e\.toml: replicates = 0 is not allowed: .*greater than or equal to 1",
    ),
    experiment_case(
        "exp-unknown-design-kind",
        experiment({'"grid"': '"factorial"'}),
        r"{d}/e\.toml: design\.kind = 'factorial' is not allowed: .*'grid'",
    ),
    experiment_case(
        "exp-missing-scenario",
        experiment({'"s.toml"': '"nope.toml"'}),
        r"{d}/e\.toml: scenario = 'nope\.toml': no such file \(looked for {d}/nope\.toml",
    ),
    experiment_case(
        "exp-bad-base-scenario",
        experiment(extra="[overrides]\n'market.customers' = 1\n"),
        r"{d}/e\.toml.*market\.customers = 1 is not allowed",
    ),
    experiment_case(
        "exp-name-escapes",
        experiment({'name = "tiny"': 'name = "../../etc"'}),
        r"{d}/e\.toml: name = '\.\./\.\./etc' is not allowed",
    ),
    experiment_case(
        "exp-unknown-measure",
        experiment(extra="[output]\nmeasures = ['nsp']\n"),
        r"output\.measures = 'nsp' is not a measure\. Did you mean 'nps'\?",
    ),
    experiment_case(
        "exp-sweeps-seed",
        experiment({'"wom.rate"': '"seed"', "[0.1, 0.3]": "[1, 2]"}),
        r"design parameter 'seed' cannot be swept",
    ),
    experiment_case(
        "exp-huge-list-index",
        experiment({'"wom.rate"': '"suppliers.99999999.promise"'}),
        r"{d}/e\.toml: design point 0 .*list index 99999999 is too large",
    ),
    experiment_case("exp-malformed", "name = \n", r"{d}/e\.toml: malformed TOML"),
    experiment_case("exp-empty", "", r"{d}/e\.toml: the file is empty"),
    Case(
        "sweep-zero-workers",
        [*SWEEP[:-3], "--workers", "0"],
        2,
        r"argument --workers: must be at least 1, got 0",
        {"s.toml": S, "e.toml": TINY_EXPERIMENT},
    ),
    Case(
        "sweep-bad-set",
        [*SWEEP, "--set", "wom.warn_rate=2e9"],
        2,
        r"wom\.warn_rate = 2000000000\.0 is not allowed",
        {"s.toml": S, "e.toml": TINY_EXPERIMENT},
    ),
    Case(
        "sweep-out-is-a-file",
        ["sweep", "{d}/e.toml", "--out", "{d}/s.toml", "--quiet"],
        2,
        r"--out {d}/s\.toml: exists and is a file, not a folder",
        {"s.toml": S, "e.toml": TINY_EXPERIMENT},
    ),
    Case(
        "sweep-out-unwritable",
        ["sweep", "{d}/e.toml", "--out", "{ro}/out", "--quiet"],
        1,
        r"{ro}/out: cannot create the results folder",
        {"s.toml": S, "e.toml": TINY_EXPERIMENT},
    ),
    # --- policy files (trustsim compare) ----------------------------------------------------------
    policy_case(
        "policy-unknown-key",
        POLICY + "promis = 0.5\n",
        r"{d}/p\.toml: unknown key 'promis' \(= 0\.5\)\. Did you mean 'promise'\?",
    ),
    policy_case(
        "policy-out-of-range",
        edit(POLICY, "0.6", "1.6"),
        r"{d}/p\.toml: promise = 1\.6 is not allowed.* Allowed: promise is 0\.0 to 1\.0",
    ),
    policy_case("policy-nan", POLICY + "care = nan\n", r"{d}/p\.toml: care = nan is not allowed: .*finite"),
    policy_case(
        "policy-empty-name",
        edit(POLICY, '"Mine"', '""'),
        r"{d}/p\.toml: name = '' is not allowed: a policy needs a name",
    ),
    policy_case("policy-malformed", "name = 'x\n", r"{d}/p\.toml: malformed TOML"),
    policy_case("policy-binary", b"\x89PNG\r\n\x1a\n\x00\x00", r"{d}/p\.toml: not UTF-8 text"),
    Case(
        "policy-unknown-name",
        [*COMPARE[:2], "listnr", *COMPARE[3:]],
        2,
        r"policy 'listnr': no such file.* Did you mean 'listener'\?",
        {"s.toml": S, "p.toml": POLICY},
    ),
    Case(
        "policy-duplicate-name",
        [*COMPARE[:2], "{d}/p.toml", *COMPARE[3:]],
        2,
        r"name = 'Mine' is already used by {d}/p\.toml",
        {"s.toml": S, "p.toml": POLICY},
    ),
    Case(
        "compare-as-out-of-range",
        [*COMPARE, "--as", "5"],
        2,
        r"--as 5.*(0\.\.1|2 suppliers)",
        {"s.toml": S, "p.toml": POLICY},
    ),
    Case(
        "compare-bad-vary",
        [*COMPARE[:-4], "--vary", "wom.rate", "--workers", "1", "--quiet"],
        2,
        r"--vary 'wom\.rate': expected KEY=V1,V2",
        {"s.toml": S, "p.toml": POLICY},
    ),
    Case(
        "compare-bad-scenario",
        COMPARE,
        2,
        SRC + r"unknown key 'market\.custmers'",
        {"s.toml": edit(S, "customers =", "custmers ="), "p.toml": POLICY},
    ),
    Case(
        "compare-scheduler-not-answering",
        [*COMPARE[:-3], "--scheduler", "tcp://127.0.0.1:9", "--quiet"],
        1,
        r"--scheduler tcp://127\.0\.0\.1:9: no Dask scheduler answered within 3 s.*omit --scheduler",
        {"s.toml": S, "p.toml": POLICY},
    ),
    Case(
        "compare-out-is-a-file",
        [*COMPARE[:6], "{d}/s.toml", *COMPARE[7:]],
        2,
        r"--out {d}/s\.toml: exists and is a file, not a folder",
        {"s.toml": S, "p.toml": POLICY},
    ),
    # --- calibrate and patterns ------------------------------------------------------------------
    Case(
        "calibrate-unknown-pattern",
        ["calibrate", "{d}/c.toml", "--out", "{d}/out", "--quiet"],
        2,
        r"{d}/c\.toml: targets\.bass_qp is not a pattern\. Did you mean 'bass_q'\? Allowed: bass_p, bass_q, ",
        {
            "c.toml": 'name = "c"\nscenario = "baseline"\n[parameters]\nwom.rate = {low = 0.1, high = 0.2}\n'
            '[targets.bass_qp]\nvalue = 12\ntolerance = 3\nsource = "Sultan et al. 1990"\n'
        },
    ),
    Case(
        "calibrate-bound-outside-the-key",
        ["calibrate", "{d}/c.toml", "--out", "{d}/out", "--quiet"],
        2,
        r"{d}/c\.toml: parameters\.wom\.rate\.high = 200(\.0)? is not allowed as a value of the scenario key wom\.rate",
        {
            "c.toml": 'name = "c"\nscenario = "baseline"\n[parameters]\nwom.rate = {low = 0.1, high = 200}\n'
            '[targets.bass_q]\nvalue = 0.38\ntolerance = 0.2\nsource = "Sultan et al. 1990"\n'
        },
    ),
    Case("calibrate-no-such-file", ["calibrate", "{d}/nope.toml", "--quiet"], 2, r"{d}/nope\.toml"),
    Case("patterns-not-a-run", ["patterns", "{d}"], 2, r"{d}: no model\.parquet here"),
    # --- optimize -----------------------------------------------------------------------------------
    Case(
        "optimize-budget-too-big",
        [*OPTIMIZE, "--budget", "50"],
        2,
        r"argument --budget: must be between 0 and 20 budget units per step, got 50",
        {"s.toml": S},
    ),
    Case(
        "optimize-budget-not-a-number",
        [*OPTIMIZE, "--budget", "lots"],
        2,
        r"argument --budget: expected a number of budget units, got 'lots'",
        {"s.toml": S},
    ),
    Case(
        "optimize-as-out-of-range",
        [*OPTIMIZE, "--budget", "2", "--as", "7"],
        2,
        r"--as 7: the scenario has 2 supplier\(s\), numbered 0\.\.1",
        {"s.toml": S},
    ),
    Case(
        "optimize-out-below-a-file",
        ["optimize", "--scenario", "{d}/s.toml", "--out", "{d}/s.toml/o", "--budget", "2", "--quiet"],
        2,
        r"--out {d}/s\.toml/o: {d}/s\.toml is not a folder",
        {"s.toml": S},
    ),
    Case(
        "optimize-zero-trials",
        [*OPTIMIZE, "--budget", "2", "--trials", "0"],
        2,
        r"argument --trials: must be at least 1, got 0",
        {"s.toml": S},
    ),
    Case(
        "optimize-bad-set",
        [*OPTIMIZE, "--budget", "2", "--set", "wom.rate=-1"],
        2,
        SRC + r"wom\.rate = -1 is not allowed",
        {"s.toml": S},
    ),
    # --- other commands ------------------------------------------------------------------------------
    Case(
        "experiment-scheduler-not-answering",
        [
            "experiment",
            "asymmetry",
            "--size",
            "tiny",
            "--out",
            "{d}/out",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--quiet",
        ],
        1,
        r"--scheduler tcp://127\.0\.0\.1:9: no Dask scheduler answered",
    ),
    Case(
        "experiment-unknown",
        ["experiment", "ten_ambasadors", "--out", "{d}/out"],
        2,
        r"experiment 'ten_ambasadors': not a built-in experiment and not a file\. Did you mean 'ten_ambassadors'\? "
        r"Built-in experiments: one_firm, ten_ambassadors",
    ),
    Case(
        "experiment-out-is-a-file",
        ["experiment", "asymmetry", "--size", "tiny", "--out", "{d}/s.toml"],
        2,
        r"--out {d}/s\.toml: exists and is a file, not a folder",
        {"s.toml": S},
    ),
    Case(
        "experiment-bad-size",
        ["experiment", "asymmetry", "--size", "huge", "--out", "{d}/out"],
        2,
        r"argument --size: invalid choice: 'huge'",
    ),
    Case("plot-not-a-sweep", ["plot", "{d}"], 2, r"{d}: no manifest\.json; not a sweep results folder", {"s.toml": S}),
    Case(
        "plot-corrupt-manifest",
        ["plot", "{d}"],
        2,
        r"{d}/manifest\.json: damaged manifest, not valid JSON",
        {"manifest.json": "{not json"},
    ),
    Case(
        "plot-unknown-measure",
        ["plot", "{d}/sc", "--measure", "nsp"],
        2,
        r"--measure nsp: not a measure of the sweep in {d}/sc\. Did you mean 'nps'\? Available: customer_share",
        {"sc": SWEEP_FOLDER},
    ),
    Case(
        "plot-damaged-result-file",
        ["plot", "{d}/sc"],
        2,
        r"{d}/sc/runs/batch-000001\.parquet: missing or does not match its checksum in manifest\.json; re-run",
        {"sc": DAMAGED_SWEEP_FOLDER},
    ),
    Case(
        "sensitivity-of-a-grid",
        ["sensitivity", "{d}/sc"],
        2,
        r"{d}/sc: a 'grid' design; sensitivity indices need a 'sobol' or 'morris' design",
        {"sc": SWEEP_FOLDER},
    ),
    Case(
        "sweep-into-another-experiments-folder",
        [*SWEEP[:3], "{d}/sc", *SWEEP[4:]],
        2,
        r"{d}/sc: holds results of a different experiment \('tiny'.*refusing to mix results",
        {"sc": SWEEP_FOLDER, "s.toml": S, "e.toml": experiment({"seed = 1": "seed = 2"})},
    ),
    Case("sensitivity-not-a-sweep", ["sensitivity", "{d}"], 2, r"{d}: no manifest\.json", {"s.toml": S}),
    Case(
        "discover-not-a-sweep", ["discover", "{d}", "--outcome", "nps > 0"], 2, r"{d}: no manifest\.json", {"s.toml": S}
    ),
    Case(
        "validate-zero-workers",
        ["validate", "--workers", "0", "--out", "{d}/out"],
        2,
        r"argument --workers: must be at least 1, got 0",
    ),
    Case(
        "validate-unknown-check",
        ["validate", "--size", "ci", "--only", "bsas", "--out", "{d}/out"],
        2,
        r"--only bsas: no check matches; checks at size 'ci': bass_recursion",
    ),
    Case(
        "animate-bad-format",
        ["animate", "{d}/s.toml", "--out", "{d}/out.txt"],
        2,
        r"--out {d}/out\.txt: unknown format '\.txt'; use one of \.gif, \.mp4",
        {"s.toml": S},
    ),
    Case(
        "animate-bad-fps",
        ["animate", "{d}/s.toml", "--out", "{d}/out.gif", "--fps", "0"],
        2,
        r"--fps 0: must be between 1 and 60",
        {"s.toml": S},
    ),
    Case(
        "animate-out-below-a-file",
        ["animate", "{d}/s.toml", "--out", "{d}/s.toml/movie.gif"],
        2,
        r"--out {d}/s\.toml: exists and is a file, not a folder",
        {"s.toml": S},
    ),
    Case(
        "animate-out-unwritable",
        ["animate", "{d}/s.toml", "--out", "{ro}/movie.gif"],
        2,
        r"--out {ro}: (folder {ro} is not writable|cannot write in folder {ro})",
        {"s.toml": S},
    ),
    Case(
        "animate-unknown-lesson",
        ["animate", "{d}/s.toml", "--out", "{d}/out.gif", "--lesson", "x"],
        2,
        r"--lesson 'x': use one of free_play",
        {"s.toml": S},
    ),
    Case(
        "animate-bad-scenario",
        ["animate", "{d}/s.toml", "--out", "{d}/out.gif"],
        2,
        SRC + r"market\.customers = 1 is not allowed",
        {"s.toml": edit(S, "customers = 40", "customers = 1")},
    ),
    Case(
        "viz-bad-port",
        ["viz", "{d}/s.toml", "--port", "70000"],
        2,
        r"--port 70000: must be between 1 and 65535",
        {"s.toml": S},
    ),
    Case("viz-bad-scenario", ["viz", "{d}/s.toml"], 2, SRC + r"malformed TOML", {"s.toml": "[market"}),
    Case(
        "run-unknown-builtin",
        ["run", "baselin", "--out", "{d}/out"],
        2,
        r"scenario 'baselin': no such file and no built-in scenario of that name\. Did you mean 'baseline'\? "
        r"Give the path of a scenario TOML file or one of the built-in scenarios: baseline, baseline_v1, bass_limit",
    ),
    Case(
        "compare-unknown-builtin-policy",
        ["compare", "listenr", "big_advertiser", "--scenario", "baseline", "--out", "{d}/out"],
        2,
        r"policy 'listenr': no such file and no built-in policy of that name\. Did you mean 'listener'\?",
    ),
    Case("list-unknown-kind", ["list", "widgets"], 2, r"argument kind: invalid choice: 'widgets'"),
    Case(
        "classroom-bad-port",
        ["classroom", "{d}/s.toml", "--game", "{d}/g", "--port", "70000"],
        2,
        r"--port 70000: must be between 1 and 65535",
        {"s.toml": S},
    ),
    Case(
        "classroom-negative-budget",
        ["classroom", "{d}/s.toml", "--game", "{d}/g", "--budget", "-1"],
        2,
        r"--budget -1\.0: must be a number >= 0",
        {"s.toml": S},
    ),
    Case(
        "classroom-bad-scenario",
        ["classroom", "{d}/s.toml", "--game", "{d}/g"],
        2,
        SRC + r"malformed TOML",
        {"s.toml": "[market"},
    ),
    Case(
        "classroom-game-is-a-file",
        ["classroom", "{d}/s.toml", "--game", "{d}/g", "--port", "0"],
        2,
        r"--game {d}/g: exists and is a file, not a folder",
        {"s.toml": S, "g": "not a game"},
    ),
]


def test_the_table_covers_at_least_60_distinct_bad_inputs():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
    commands = {c.argv[0] for c in CASES}
    assert set(COMMANDS) <= commands


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder this process cannot write to (as root, chmod does not stop us: use /sys)."""
    if os.geteuid() == 0:
        yield "/sys"
        return
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    yield str(ro)
    ro.chmod(0o755)


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """A finished sweep of TINY_EXPERIMENT (made once, copied into the cases that need it)."""
    from trustsim.sweep import run_sweep

    d = tmp_path_factory.mktemp("sweep")
    (d / "s.toml").write_text(S)
    (d / "e.toml").write_text(TINY_EXPERIMENT)
    assert run_sweep(str(d / "e.toml"), d / "sc", workers=1, progress=False).ok
    return d / "sc"


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input_gives_one_clear_message_and_no_output(case, tmp_path, read_only_dir, capsys, monkeypatch, request):
    d = tmp_path / "w"
    d.mkdir()
    for name, content in case.files.items():
        path = d / name
        if content in (SWEEP_FOLDER, DAMAGED_SWEEP_FOLDER):
            shutil.copytree(request.getfixturevalue("sweep_folder"), path)
            if content == DAMAGED_SWEEP_FOLDER:
                batch = path / "runs" / "batch-000001.parquet"
                batch.write_bytes(batch.read_bytes()[:-30])
        elif content == "<sparse 11 MB>":
            with open(path, "wb") as f:
                f.truncate(11_000_000)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    monkeypatch.chdir(d)  # default output folders (results/...) would land here
    before = snapshot(d)
    argv = [a.replace("{d}", str(d)).replace("{ro}", read_only_dir) for a in case.argv]
    try:
        code = main(argv)
    except SystemExit as e:  # argparse
        code = e.code
    captured = capsys.readouterr()
    err = captured.err
    assert code == case.code, err
    assert captured.out == "", "a failing command printed as if it worked"
    flat = " ".join(err.split())  # rich wraps long lines
    pattern = case.message.replace("{d}", re.escape(str(d))).replace("{ro}", re.escape(read_only_dir))
    assert re.search(pattern, flat), f"{pattern!r} not in {flat!r}"
    assert "Traceback" not in err
    assert flat.startswith(("error: ", "usage: ")), "nothing (no progress, no partial work) before the message"
    assert len(flat) < 2000, "one clear message, not a wall of text"
    assert snapshot(d) == before, "the command left output behind"


def test_debug_shows_the_traceback_and_the_same_status(tmp_path):
    bad = tmp_path / "s.toml"
    bad.write_text(edit(S, "customers = 40", "customers = 0"))
    plain = subprocess.run(
        [PYTHON, "-m", "trustsim.cli", "run", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    debug = subprocess.run(
        [PYTHON, "-m", "trustsim.cli", "--debug", "run", str(bad), "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert plain.returncode == 2 and "Traceback" not in plain.stderr and "market.customers = 0" in plain.stderr
    assert debug.returncode == 1 and "Traceback" in debug.stderr and "ConfigError" in debug.stderr
    assert not (tmp_path / "o").exists()
