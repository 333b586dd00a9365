"""`trustsim classroom [SCENARIO]`: the participatory game, every student runs a firm in one market."""

from __future__ import annotations

import argparse
from pathlib import Path

from trustsim.commands._args import add_set_argument, non_negative_int, positive_int

DEFAULT_GAME = Path("classroom-game")
GAME_DEFAULTS = {"market.customers": 3000, "market.initial_customers": 0.2}
"""Scenario keys the game sets when no scenario file is given (a small market that starts with customers)."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register the `classroom` sub-command."""
    p = subparsers.add_parser(
        "classroom",
        help="classroom game: every student runs a firm in one shared market",
        description=(
            "Start (or resume) a classroom game and serve it on http://HOST:PORT/ (bound to 127.0.0.1 "
            "unless --host says otherwise). The teacher's page shows the join address and code, the "
            "round, the leaderboard and the market; students join from their own browser and decide their "
            "firm's policy each round. The game is saved in --game after every change: run the same "
            "command again to resume it. Works offline. Stop it with Ctrl+C."
        ),
    )
    p.add_argument(
        "scenario",
        nargs="?",
        type=Path,
        default=None,
        help="scenario TOML for the market (default: built-in defaults with 3,000 customers, "
        "20%% of them already buying); its [[suppliers]] and [[shocks]] are ignored",
    )
    p.add_argument(
        "--game",
        type=Path,
        default=DEFAULT_GAME,
        help=f"folder the game is saved in (default: {DEFAULT_GAME}/); an existing game there resumes",
    )
    p.add_argument(
        "--preset",
        default=None,
        metavar="NAME",
        help="a ready-made game: long_game (12 rounds of 10 weeks) or calibrated (the research's calibrated "
        "market, 12 rounds of 26 weeks); sets the market, --rounds and --steps-per-round (docs/classroom.md)",
    )
    p.add_argument("--rounds", type=positive_int, default=None, help="rounds to play (default 10, or the preset's)")
    p.add_argument(
        "--steps-per-round",
        type=positive_int,
        default=None,
        metavar="K",
        help="periods (weeks) the market runs per round (default 8, or the preset's)",
    )
    p.add_argument(
        "--budget",
        type=float,
        default=None,
        help="each firm's budget per round in money units (default: 40%% of the revenue of a fair "
        "share of the market, plus the cost of an ad budget of 1, over a round)",
    )
    p.add_argument("--seed", type=non_negative_int, default=None, help="seed of the market (default: the scenario's)")
    add_set_argument(p, "override a scenario key")
    p.add_argument("--port", type=int, default=8766, help="TCP port (default 8766; 0 picks a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 lets students' laptops connect, "
        "and then every request needs the join code)",
    )
    p.add_argument(
        "--trusted-proxy",
        metavar="ADDRESS",
        default=None,
        help="IP address of a reverse proxy in front of the game: only requests from it may name the "
        "client in X-Forwarded-For (default: none; the header is ignored and each client is its own "
        "network address, for rate and join limits)",
    )
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    """Validate the options, open or create the game (locking its folder), then serve it."""
    import math

    from trustsim.config import load_scenario, parse_set_args
    from trustsim.errors import ConfigError, printable
    from trustsim.extras import require

    require("app", "trustsim classroom")  # the game's server is the app's web stack
    from trustsim.game.presets import PRESETS

    preset = None
    if args.preset is not None:
        preset = PRESETS.get(args.preset)
        if preset is None:
            raise ConfigError(f"--preset {args.preset!r}: use one of {', '.join(PRESETS)}.")
        if args.scenario is not None:
            raise ConfigError("--preset sets the market: give either a scenario file or --preset, not both.")
    args.rounds = args.rounds or (preset.rounds if preset else 10)
    args.steps_per_round = args.steps_per_round or (preset.steps_per_round if preset else 8)
    if args.budget is not None and not (math.isfinite(args.budget) and args.budget >= 0):
        raise ConfigError(f"--budget {args.budget}: must be a number >= 0 (money units per round).")
    if args.rounds > 100:
        raise ConfigError(f"--rounds {args.rounds}: at most 100.")
    if args.steps_per_round > 520:
        raise ConfigError(f"--steps-per-round {args.steps_per_round}: at most 520.")
    if args.trusted_proxy is not None:
        import ipaddress

        try:
            ipaddress.ip_address(args.trusted_proxy)
        except ValueError:
            raise ConfigError(
                f"--trusted-proxy {printable(args.trusted_proxy)[:60]!r}: must be an IP address such as 127.0.0.1."
            ) from None
    if preset is not None:
        scenario = load_scenario(preset.scenario, overrides={**preset.overrides, **parse_set_args(args.overrides)})
    else:
        overrides = {} if args.scenario else dict(GAME_DEFAULTS)
        overrides.update(parse_set_args(args.overrides))
        scenario = load_scenario(args.scenario, overrides=overrides)

    from trustsim.app.server import check_port
    from trustsim.game.game import Game
    from trustsim.game.record import game_lock
    from trustsim.game.server import serve

    check_port(args.host, args.port)
    with game_lock(args.game):
        game, resumed = Game.open(
            args.game,
            scenario,
            rounds=args.rounds,
            steps_per_round=args.steps_per_round,
            seed=args.seed,
            budget=args.budget,
        )
        if resumed:
            print(
                f"resumed the game in {args.game}: {game.phase}, {game.record.completed} of "
                f"{game.record.rounds} rounds played, {len(game.record.firms)} firms.",
                flush=True,
            )
        if game.notice:
            print(f"warning: {game.notice}", flush=True)
        return serve(game, host=args.host, port=args.port, trusted_proxy=args.trusted_proxy)
