"""One module per `trustsim` sub-command; each exposes add_parser(subparsers) and main(args)."""
