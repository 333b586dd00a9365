"""A calibration's posterior as the experiments use it: weighted parameter sets, drawn from.

Models: ABC-SMC (Beaumont et al. 2009) leaves a weighted population of parameter sets; a
posterior predictive runs an experiment at sets drawn by weight, so a finding carries the
calibration's uncertainty and not only its best point. `trustsim calibrate` writes the population
to ``DIR/posterior.parquet``; a built-in calibrated scenario ships it beside itself as
``configs/calibrated/NAME.posterior.csv`` (the parameter columns and ``weight``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from trustsim import builtin
from trustsim.errors import ConfigError

SUFFIX = ".posterior.csv"
"""A shipped posterior's file name after its scenario's name."""


def parameter_columns(table: pd.DataFrame) -> list[str]:
    """The posterior's parameters: its dotted column names (``advertising.max_reach``).

    Example:
        >>> parameter_columns(pd.DataFrame({"wom.rate": [0.1], "bass_p": [0.03], "weight": [1.0]}))
        ['wom.rate']
    """
    return [c for c in table.columns if "." in str(c)]


def posterior_path(spec: str | Path) -> Path:
    """The posterior file meant by `spec`: a file, a calibration output folder (its ``posterior.parquet``)
    or the name of a built-in calibrated scenario (``calibrated/services_new``).

    Raises:
        ConfigError: nothing of that name, listing the shipped posteriors.
    """
    p = Path(spec)
    if p.is_file():
        return p
    if p.is_dir() and (p / "posterior.parquet").is_file():
        return p / "posterior.parquet"
    shipped = builtin.folder("scenario") / f"{p}{SUFFIX}"
    if shipped.is_file():
        return shipped
    known = sorted(
        f"calibrated/{q.name.removesuffix(SUFFIX)}"
        for q in (builtin.folder("scenario") / "calibrated").glob(f"*{SUFFIX}")
    )
    raise ConfigError(
        f"posterior {str(spec)!r}: no such file, no calibration folder with posterior.parquet and no shipped "
        f"posterior of that name. Give one of: {', '.join(known) or '(none shipped)'}, a posterior file "
        f"(.parquet or .csv) or the folder `trustsim calibrate` wrote."
    )


def load_posterior(spec: str | Path) -> pd.DataFrame:
    """The weighted parameter sets of a posterior (:func:`posterior_path`): its parameter columns and
    ``weight``, normalised to sum to 1.

    Raises:
        ConfigError: the file has no parameter columns, no ``weight``, or weights that are negative,
            not finite or all zero.
    """
    path = posterior_path(spec)
    try:
        table = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read the posterior ({exc}).") from None
    if "accepted" in table.columns:
        table = table[table["accepted"].astype(bool)]
    params = parameter_columns(table)
    if not params or "weight" not in table.columns:
        raise ConfigError(
            f"{path}: a posterior needs dotted parameter columns (e.g. 'wom.rate') and a 'weight' column; "
            f"found {', '.join(map(str, table.columns)) or 'no columns'}."
        )
    w = pd.to_numeric(table["weight"], errors="coerce").to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ConfigError(f"{path}: key 'weight' must be finite, non-negative numbers not all 0.")
    out = table[params].astype(np.float64).reset_index(drop=True)
    out["weight"] = w / w.sum()
    return out


def draw(posterior: pd.DataFrame, n: int, rng: np.random.Generator) -> list[dict[str, Any]]:
    """`n` parameter sets drawn by weight (with replacement) from a posterior of :func:`load_posterior`.

    Example:
        >>> post = pd.DataFrame({"wom.rate": [0.1, 0.2], "weight": [0.0, 1.0]})
        >>> draw(post, 2, np.random.default_rng(0))
        [{'wom.rate': 0.2}, {'wom.rate': 0.2}]
    """
    rows = rng.choice(len(posterior), size=n, replace=True, p=posterior["weight"].to_numpy())
    params = parameter_columns(posterior)
    return [{k: float(posterior.iloc[i][k]) for k in params} for i in rows]
