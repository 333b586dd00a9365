"""Optional parts of trustsim and the extra each needs (``pip install 'trustsim[app]'``).

The core install runs the model, the command line, local sweeps, sensitivity analysis and
figures. Three features need more, declared as extras in ``pyproject.toml``:

- ``app``: the classroom app in the browser (``trustsim viz``; Solara and Mesa's visualisation);
- ``cluster``: sweeps on a Dask distributed cluster (``--scheduler``);
- ``optimize``: the policy search (``trustsim optimize``; Optuna).

``all`` brings the three. A feature whose extra is missing stops before any work with a message
naming the install command (exit status 2), never with an import traceback.
"""

from __future__ import annotations

import importlib

from trustsim.errors import TrustsimError

EXTRAS: dict[str, tuple[str, ...]] = {
    "app": ("solara", "ipyvuetify", "altair"),
    "cluster": ("distributed",),
    "optimize": ("optuna",),
}
"""The modules each extra provides (the ones trustsim imports)."""


class MissingExtraError(TrustsimError):
    """A feature was asked for whose optional dependencies are not installed."""

    exit_code = 2


def require(extra: str, feature: str) -> None:
    """Check that the modules of `extra` import; raise a message naming the install otherwise.

    Args:
        extra: one of :data:`EXTRAS` ("app", "cluster", "optimize").
        feature: what the user asked for, for the message (e.g. "trustsim viz").

    Raises:
        MissingExtraError: naming the missing module and ``pip install 'trustsim[extra]'``.
    """
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError as e:
            raise MissingExtraError(
                f"{feature} needs the optional '{extra}' dependencies, and {module} cannot be "
                f"imported ({e}). Install them with: pip install 'trustsim[{extra}]' "
                f"(or pip install -e '.[{extra}]' in a source checkout)."
            ) from None


__all__ = ["EXTRAS", "MissingExtraError", "require"]
