"""`trustsim animate CONFIG --out FILE.gif`: the classroom app's view as an animation for slides."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import cast

from trustsim.commands._args import add_set_argument


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `animate` sub-command."""
    p = subparsers.add_parser(
        "animate",
        help="render the network and plots of a run as a GIF (or MP4 with ffmpeg)",
        description="Run a scenario and write one frame per step: the network sample coloured "
        "by loyalty stage (or firm) beside the live plots of the classroom app.",
    )
    p.add_argument("config", help="scenario TOML file or built-in scenario name (e.g. baseline)")
    p.add_argument("--out", type=Path, required=True, help="output file, .gif or .mp4")
    p.add_argument("--steps", type=int, default=None, help="periods to run (default: the scenario's steps)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument(
        "--lesson",
        default=None,
        help="apply a classroom lesson first (free_play, ten_ambassadors, broken_promise, scandal, ads_vs_wom)",
    )
    p.add_argument("--fps", type=int, default=6, help="frames per second (default 6)")
    p.add_argument(
        "--colour-by",
        choices=("stage", "supplier"),
        default="stage",
        help="colour customers by loyalty stage (default) or by firm",
    )
    p.add_argument("--sample", type=int, default=300, help="most customers drawn in the network (default 300)")
    add_set_argument(p, "override a scenario key")
    p.set_defaults(func=main)


def max_steps() -> int:
    """The most steps a scenario may have (the schema's bound on `steps`)."""
    from annotated_types import Le

    from trustsim.config import Scenario

    return cast(int, next(m.le for m in Scenario.model_fields["steps"].metadata if isinstance(m, Le)))


def main(args: argparse.Namespace) -> int:
    """Build the model, render the frames with a progress bar, report the file written."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from trustsim.app.animation import animate, check_format
    from trustsim.app.lessons import LESSONS, lesson_scenario
    from trustsim.config import load_scenario, parse_set_args
    from trustsim.errors import ConfigError, printable
    from trustsim.model import TrustMarket

    if not 1 <= args.fps <= 60:  # refused before the model is built and the progress bar shown
        raise ConfigError(f"--fps {args.fps}: must be between 1 and 60.")
    check_format(args.out)  # a bad format fails before the run
    if args.out.is_dir():
        raise ConfigError(f"--out {args.out}: is a folder; give a file name ending in .gif or .mp4.")
    from trustsim.commands.run import prepare_out_dir

    prepare_out_dir(args.out.parent)  # its folder must be (or become) a writable folder
    if args.sample < 2:
        raise ConfigError(f"--sample {args.sample}: must be at least 2.")
    scenario = load_scenario(args.config, overrides=parse_set_args(args.overrides))
    if args.lesson is not None:
        if args.lesson not in LESSONS:
            raise ConfigError(f"--lesson {args.lesson!r}: use one of {', '.join(LESSONS)}.")
        scenario = lesson_scenario(scenario, args.lesson)
    steps = scenario.steps if args.steps is None else args.steps
    most = max_steps()
    if not 0 <= steps <= most:
        raise ConfigError(f"--steps {steps}: must be between 0 and {most:,} (the scenario limit).")
    model = TrustMarket(scenario, rng=scenario.seed if args.seed is None else args.seed)
    console = Console(stderr=True)
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("frames", total=steps + 1)
        animate(
            model,
            args.out,
            steps,
            fps=args.fps,
            colour_by=args.colour_by,
            sample_size=args.sample,
            on_frame=lambda _: progress.advance(task),
        )
    console.print(
        f"wrote {printable(str(args.out))} ({steps + 1} frames)", soft_wrap=True, highlight=False, markup=False
    )
    return 0
