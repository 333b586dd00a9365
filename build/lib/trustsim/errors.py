"""Errors a user can cause and fix: each carries a message meant to be read, not a traceback."""


class TrustsimError(Exception):
    """Base class of errors reported to the user as one clear message."""

    exit_code = 1


class ConfigError(TrustsimError):
    """Bad input: a scenario, experiment, policy or edge-list file, or a command-line value.

    The message names the source (file or option), the key, the bad value and what is allowed.
    """

    exit_code = 2


class RunError(TrustsimError):
    """A failure at run time (disk full, permission denied, a cluster that does not answer)."""

    exit_code = 1
