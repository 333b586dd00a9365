"""Tidy (long-format) copies of a sweep's results, for pandas, R, Excel and BehaviorSpace users.

The batch files of a sweep are built for safe resuming; these are built for analysis. Every
row carries the run's identity *and* its design-point parameters, so a table can be filtered,
grouped and plotted without a join, and every summary column's name says how the run's series
was summarised (``final_``, ``mean_`` or ``tail_mean_``). Written to ``DIR/tidy/`` at the end
of every sweep session (:func:`write_tidy`, called by the sweep engine), and as CSV beside the
Parquet with ``trustsim sweep --csv`` (:func:`write_csv`):

=====================  ========================================================================
``runs``               one row per run: run, run_id, point, replicate, seed, parameters, and
                       ``<how>_<measure>`` for each model measure
``supplier_runs``      one row per run x supplier: keys, parameters, supplier, name and
                       ``<how>_<measure>`` for each supplier measure (instead of the
                       ``customers[Steady]`` columns of ``summary.parquet``)
``timeseries``         one row per run x step: keys, parameters, step, model measures
``suppliers``          one row per run x step x supplier: keys, parameters, step, supplier,
                       name, supplier measures
=====================  ========================================================================

``summary.parquet`` keeps its columns (``nps``, ``customers[Steady]``): public names are a
contract, extended, never renamed. The tidy files are derived data, rewritten from the checked
batch files whenever a session ends, and not listed in ``manifest.json``. Column definitions:
docs/outputs.md.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from trustsim import outputs
from trustsim.io import atomic_write_bytes, atomic_write_parquet

KEYS: tuple[str, ...] = tuple(k for k in outputs.KEYS if not k.startswith("<"))
"""The keys every tidy table starts with (declared in :data:`trustsim.outputs.KEYS`), then the parameters."""
TIDY_TABLES = ("runs", "supplier_runs", "timeseries", "suppliers")
_SUPPLIER_COLUMN = re.compile(r"^(?P<measure>.+)\[(?P<name>.*)\]$")


def prefix(how: str) -> str:
    """The column prefix of a summary statistic: 'final_', 'mean_' or 'tail_mean_'."""
    return f"{how}_"


def tidy_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The tidy tables of a sweep folder (see the module docstring), read from its checked files."""
    from trustsim.sweep.store import load_summary, load_timeseries, read_manifest

    folder = Path(folder)
    manifest = read_manifest(folder)
    names = list(manifest["design"]["names"])
    how = manifest["experiment"]["output"]["summary"]
    summary = load_summary(folder)
    keys = [k for k in (*KEYS, *names) if k in summary.columns]
    ids = summary[keys]
    measures = [c for c in summary.columns if c not in keys]
    model_measures = [c for c in measures if not _SUPPLIER_COLUMN.match(c)]
    out = {"runs": ids.join(summary[model_measures].add_prefix(prefix(how)))}

    series = load_timeseries(folder)
    out["timeseries"] = ids.merge(series.drop(columns=["point", "replicate"]), on="run", how="inner")
    has_suppliers = bool(manifest["experiment"]["output"]["supplier_measures"])
    if has_suppliers:
        sup = load_timeseries(folder, "suppliers")
        out["suppliers"] = ids.merge(sup.drop(columns=["point", "replicate"]), on="run", how="inner")
        index = sup.drop_duplicates("name").set_index("name")["supplier"] if "name" in sup else None
        long = []
        for col in measures:
            m = _SUPPLIER_COLUMN.match(col)
            if m:
                long.append(
                    pd.DataFrame(
                        {"run": summary["run"], "name": m["name"], "measure": m["measure"], "value": summary[col]}
                    )
                )
        if long:
            stacked = pd.concat(long, ignore_index=True)
            wide = stacked.pivot_table(
                index=["run", "name"], columns="measure", values="value", sort=False, dropna=False
            ).reset_index()
            wide.columns.name = None
            wide = wide.rename(columns={c: prefix(how) + c for c in wide.columns if c not in ("run", "name")})
            if index is not None:
                wide.insert(1, "supplier", wide["name"].map(index).astype("Int64"))
            out["supplier_runs"] = ids.merge(wide, on="run").sort_values(["run", "supplier"], kind="stable")
    for name, frame in out.items():
        out[name] = frame.reset_index(drop=True)
    return out


def write_tidy(folder: str | Path) -> dict[str, Path]:
    """Write ``DIR/tidy/<table>.parquet`` (atomically) for every tidy table; returns the paths."""
    folder = Path(folder)
    paths = {}
    for name, frame in tidy_tables(folder).items():
        paths[name] = folder / "tidy" / f"{name}.parquet"
        atomic_write_parquet(paths[name], frame)
    return paths


def csv_text(frame: pd.DataFrame) -> bytes:
    """A table as CSV for spreadsheets and R: the 63-bit `seed` written as hexadecimal text (``0x...``),
    which Excel and R keep exact (read as a number, a seed above 2^53 would lose its last digits);
    ``trustsim run --seed`` and scenario files take it as it is written.

    Example:
        >>> csv_text(pd.DataFrame({"run": [0], "seed": [2**60 + 1]})).decode().split()
        ['run,seed', '0,0x1000000000000001']
    """
    if "seed" in frame:
        frame = frame.assign(seed=[f"0x{int(s):x}" for s in frame["seed"]])
    return frame.to_csv(index=False).encode("utf-8")


def write_csv(folder: str | Path) -> dict[str, Path]:
    """Write CSV copies beside the Parquet: ``DIR/tidy/<table>.csv`` and ``DIR/summary.csv``."""
    folder = Path(folder)
    paths = {}
    tables = tidy_tables(folder)
    for name, frame in tables.items():
        paths[name] = folder / "tidy" / f"{name}.csv"
        atomic_write_bytes(paths[name], csv_text(frame))
    from trustsim.sweep.store import load_summary

    paths["summary"] = folder / "summary.csv"
    atomic_write_bytes(paths["summary"], csv_text(load_summary(folder)))
    return paths
