"""`trustsim compare POLICY... --scenario CONFIG`: what-if policies, ranked with evidence.

Each policy is played as "our" supplier (supplier 0 of the scenario, or ``--as N``) against
the scenario's competitors, on common random numbers, on the sweep engine; the report
(``DIR/report.html`` and ``DIR/report.md``) ranks them with confidence intervals.
"""

from __future__ import annotations

import argparse
import sys
import time

from trustsim.commands._args import add_backend_arguments, add_set_argument, default_out, int_in, non_negative_int


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `compare` sub-command."""
    p = subparsers.add_parser(
        "compare",
        help="compare what-if supplier policies in a market (report with confidence intervals)",
        description=(
            "Play each POLICY as our supplier (supplier 0 of the scenario, or --as N) against the "
            "scenario's competitors, with the same seeds for every policy (common random numbers), "
            "and write DIR/report.html (self-contained) and DIR/report.md: ranking with 95% CIs "
            "and significance, time courses, where customers came from and went, and which "
            "policy wins across the uncertain parameters. Re-running the same command resumes."
        ),
    )
    p.add_argument(
        "policies",
        nargs="+",
        metavar="POLICY",
        help="policy TOML file, or a built-in policy name (e.g. listener big_advertiser; see `trustsim list`)",
    )
    p.add_argument("--scenario", required=True, metavar="CONFIG", help="the market: scenario file or built-in name")
    p.add_argument(
        "--replicates",
        type=int_in(1, 100_000),
        default=10,
        metavar="R",
        help="replicates per policy (default 10, at least 2)",
    )
    p.add_argument("--horizon", type=int_in(1, 100_000), metavar="T", help="steps per run (default: the scenario's)")
    p.add_argument("--out", metavar="DIR", help="results folder (default results/compare-<scenario>)")
    p.add_argument(
        "--as",
        dest="as_index",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="which supplier of the scenario plays the policies (0-based, default 0)",
    )
    p.add_argument("--seed", type=non_negative_int, help="seed the replicate seeds derive from (default: scenario's)")
    add_set_argument(p, "override a scenario key for every run")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...",
        help="uncertain parameter for the robustness sweep (repeatable; default: "
        "trust.loss_multiplier=1.5,<scenario>,5 and wom.rate at 0.5x, 1x, 1.5x)",
    )
    p.add_argument("--no-robustness", action="store_true", help="skip the robustness sweep")
    p.add_argument(
        "--robust-replicates",
        type=int_in(1, 100_000),
        metavar="R",
        help="replicates per policy and robustness cell (default: half of --replicates, >= 2)",
    )
    p.add_argument(
        "--reference",
        metavar="POLICY",
        help="the policy the others' extra spend is measured against (its name; default: the first policy given)",
    )
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also write DIR/report.pdf (headless Chromium, offline; executive summary on page one)",
    )
    add_backend_arguments(p)
    p.set_defaults(func=main)


def _command_line(name: str) -> str:
    """The command that reproduces this report ('' when not run as `trustsim NAME ...`)."""
    import shlex

    return shlex.join(["trustsim", *sys.argv[1:]]) if name in sys.argv[1:3] else ""


def main(args: argparse.Namespace) -> int:
    """Run the comparison and write its report."""
    from pathlib import Path

    from trustsim.compare import compare_policies, write_report
    from trustsim.compare.run import parse_vary
    from trustsim.config import parse_set_args
    from trustsim.errors import ConfigError
    from trustsim.io import output_folder

    started = time.monotonic()
    vary = parse_vary(args.vary)  # checked even when it would not be used
    if vary and args.no_robustness:
        raise ConfigError("--vary sets the robustness sweep, which --no-robustness skips; give one of them.")
    overrides = parse_set_args(args.overrides)
    out = Path(args.out) if args.out else default_out(Path(args.scenario).stem, "compare-")
    from trustsim.commands.run import prepare_out_dir

    if args.pdf:
        from trustsim.reporting import require_pdf

        require_pdf()  # a missing browser is reported before hours of runs (and before any file), not after
    prepare_out_dir(out)  # a file or an unwritable folder is refused before any run
    with output_folder(out, "compare") as staging:
        cmp = compare_policies(
            args.scenario,
            args.policies,
            out,
            as_index=args.as_index,
            replicates=args.replicates,
            steps=args.horizon,
            seed=args.seed,
            overrides=overrides,
            vary={} if args.no_robustness else (vary or None),
            robust_replicates=args.robust_replicates,
            reference=args.reference,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=not args.quiet,
        )
        paths = write_report(cmp, staging, _command_line("compare"), pdf=args.pdf)
    from trustsim.compare.report import headline
    from trustsim.errors import printable

    print(printable(headline(cmp).replace("**", "")))
    written = [printable(str(out / name)) for name in ("report.html", "report.md", "report.pdf") if name in paths]
    print(f"report: {', '.join(written)} ({time.monotonic() - started:.1f} s)", file=sys.stderr)
    return 0
