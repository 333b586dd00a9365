"""The results folder of a sweep: manifest, batch files, summary; resume after any crash.

Layout of ``DIR/``::

    manifest.json              experiment, resolved design, seeds, version, status of every run,
                               and the SHA-256 of every result file
    summary.parquet            one row per finished run (run, run_id, point, replicate, seed,
                               parameters, summarised measures), sorted by run
    runs/batch-000001.parquet        summary rows of one batch of runs
    timeseries/batch-000001.parquet  per-step measures of the same batch (run, step, ...)
    suppliers/batch-000001.parquet   per-step, per-supplier measures (if any are kept)

Runs are written in batches (hundreds of runs a file), so 100,000 runs make a few hundred
files, not millions. Every file is written atomically (temporary file, fsync, rename) and the
manifest, written last, is the only record of which batches exist: after a crash at any
moment, files the manifest does not name are deleted, files whose checksum does not match are
dropped and their runs done again, and the sweep resumes to the same results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim import __version__
from trustsim.errors import ConfigError, RunError
from trustsim.io import atomic_write_json, atomic_write_parquet, sha256_file
from trustsim.sweep.plan import Plan
from trustsim.sweep.worker import Outcome

FORMAT = "trustsim-sweep/1"
TABLES = ("runs", "timeseries", "suppliers")
_BATCH_FILE = re.compile(r"^batch-(\d{6})\.parquet$")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """Reads and writes one sweep's results folder (the caller holds its lock)."""

    def __init__(self, folder: Path, plan: Plan) -> None:
        self.folder = folder
        self.plan = plan
        self.done: set[int] = set()
        self.failures: dict[int, str] = {}
        self.batches: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.created = _now()
        self._summary_sha = ""

    # --- opening and resuming ------------------------------------------------------------

    def open(self) -> None:
        """Create the folder, or resume from its manifest after checking every file."""
        manifest_path = self.folder / "manifest.json"
        if manifest_path.exists():
            manifest = read_manifest(self.folder)
            if manifest.get("fingerprint") != self.plan.fingerprint:
                name = manifest.get("experiment", {}).get("name", "?")
                raise ConfigError(
                    f"{self.folder}: holds results of a different experiment ({name!r}, or the "
                    f"same one with other settings: design, replicates, steps, seed, overrides or "
                    f"output); refusing to mix results. Choose another --out, or delete the folder "
                    f"to start again."
                )
            self.created = manifest.get("created", self.created)
            if manifest.get("trustsim_version") != __version__:
                self.warnings.append(
                    f"the runs already done were made with trustsim "
                    f"{manifest.get('trustsim_version')}, this is {__version__}; if the model "
                    f"changed, start a new folder rather than mix results"
                )
            for batch in manifest.get("batches", []):
                bad = [
                    rel for rel, digest in batch["files"].items()
                    if not (self.folder / rel).is_file() or sha256_file(self.folder / rel) != digest
                ]
                if bad:
                    self.warnings += [f"{rel} is missing or damaged; its runs will be done again" for rel in bad]
                    continue
                self.batches.append(batch)
                self.done.update(batch["runs"])
        self._remove_strays()
        self.write_manifest("running")

    def _remove_strays(self) -> None:
        """Delete batch files no manifest names (a crash between data and manifest) and temps."""
        named = {rel for b in self.batches for rel in b["files"]}
        for table in TABLES:
            sub = self.folder / table
            if not sub.is_dir():
                continue
            for path in sub.iterdir():
                rel = f"{table}/{path.name}"
                stray = _BATCH_FILE.match(path.name) and rel not in named
                if stray or (path.name.startswith(".") and path.name.endswith(".tmp")):
                    with contextlib.suppress(OSError):
                        path.unlink()
        for path in self.folder.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()

    # --- writing ---------------------------------------------------------------------------

    def add_batch(self, outcomes: list[Outcome]) -> None:
        """Persist finished runs as one batch (data files first, then the manifest)."""
        fresh = [o for o in outcomes if o.ok and o.index not in self.done]
        for o in outcomes:
            if not o.ok:
                self.failures[o.index] = o.error
        if fresh:
            fresh.sort(key=lambda o: o.index)
            number = max((b["id"] for b in self.batches), default=0) + 1
            files = {}
            for table, frame in self._frames(fresh).items():
                rel = f"{table}/batch-{number:06d}.parquet"
                files[rel] = atomic_write_parquet(self.folder / rel, frame)
            self.batches.append({"id": number, "runs": [o.index for o in fresh], "files": files})
            self.done.update(o.index for o in fresh)
            for o in fresh:
                self.failures.pop(o.index, None)
        if outcomes:
            self.write_manifest("running")

    def _frames(self, outcomes: list[Outcome]) -> dict[str, pd.DataFrame]:
        runs = self.plan.runs
        rows = []
        for o in outcomes:
            run = runs[o.index]
            rows.append({
                "run": run.index, "run_id": run.run_id, "point": run.point,
                "replicate": run.replicate, "seed": run.seed, **run.params, **o.summary,
            })
        frames = {"runs": pd.DataFrame(rows)}
        frames["timeseries"] = _stack(outcomes, "series")
        if any(o.suppliers is not None for o in outcomes):
            frames["suppliers"] = _stack(outcomes, "suppliers")
        return frames

    def write_manifest(self, status: str) -> None:
        """Write manifest.json atomically: the one record of what is done."""
        plan = self.plan
        exp = plan.experiment
        statuses = [
            "done" if r.index in self.done else "failed" if r.index in self.failures else "pending"
            for r in plan.runs
        ]
        design: dict[str, Any] = {
            "kind": plan.design.kind, "names": plan.design.names, "points": plan.design.points,
        }
        if plan.design.problem is not None and plan.design.samples is not None:
            design["problem"] = plan.design.problem
            design["samples"] = plan.design.samples.tolist()
        manifest = {
            "format": FORMAT,
            "trustsim_version": __version__,
            "fingerprint": plan.fingerprint,
            "created": self.created,
            "updated": _now(),
            "status": status,
            "experiment": exp.model_dump(mode="json"),
            "base_scenario": plan.base,
            "steps": plan.steps,
            "design": design,
            "runs": {
                "run_id": [r.run_id for r in plan.runs],
                "point": [r.point for r in plan.runs],
                "replicate": [r.replicate for r in plan.runs],
                "seed": [r.seed for r in plan.runs],
                "status": statuses,
            },
            "counts": {
                "total": len(plan.runs), "done": len(self.done), "failed": len(self.failures),
                "pending": len(plan.runs) - len(self.done) - len(self.failures),
            },
            "failures": {plan.runs[i].run_id: err for i, err in sorted(self.failures.items())},
            "batches": self.batches,
            "files": self._summary_files(),
        }
        atomic_write_json(self.folder / "manifest.json", manifest)

    def _summary_files(self) -> dict[str, str]:
        return {"summary.parquet": self._summary_sha} if self._summary_sha else {}

    def write_summary(self) -> pd.DataFrame:
        """Write summary.parquet: every finished run, sorted by run (identical on any backend)."""
        frame = _read_batches(self.folder, self.batches, "runs")
        self._summary_sha = atomic_write_parquet(self.folder / "summary.parquet", frame)
        return frame


def _stack(outcomes: list[Outcome], attr: str) -> pd.DataFrame:
    parts = []
    for o in outcomes:
        frame = getattr(o, attr)
        if frame is not None:
            parts.append(frame.assign(run=o.index)[["run", *frame.columns]])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"run": []})


def _read_batches(folder: Path, batches: list[dict[str, Any]], table: str) -> pd.DataFrame:
    parts = []
    for batch in batches:
        rel = f"{table}/batch-{batch['id']:06d}.parquet"
        if rel in batch["files"]:
            parts.append(pd.read_parquet(folder / rel))
    if not parts:
        return pd.DataFrame({"run": pd.Series([], dtype="int64")})
    frame = pd.concat(parts, ignore_index=True)
    keys = ["run", *[k for k in ("step", "supplier") if k in frame.columns]]
    # a run is stored once; should an interrupted write ever record it twice, keep the first
    frame = frame.drop_duplicates(keys, keep="first")
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


# --- reading results (the public side) ----------------------------------------------------


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a results folder.

    Raises:
        ConfigError: if the folder holds no sweep results (the user named the wrong folder).
        RunError: if the manifest is unreadable.
    """
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise ConfigError(
            f"{folder}: no manifest.json; not a sweep results folder (give the --out folder of a "
            "`trustsim sweep`)."
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise RunError(f"{path}: unreadable manifest ({e}).") from None
    if manifest.get("format") != FORMAT:
        raise RunError(f"{path}: unknown format {manifest.get('format')!r}; expected {FORMAT!r}.")
    return manifest


def _verified_batches(
    folder: Path, manifest: dict[str, Any], verify: bool, table: str
) -> list[dict[str, Any]]:
    """The manifest's batches, after checking the files of `table` against their checksums."""
    if verify:
        for batch in manifest["batches"]:
            for rel, digest in batch["files"].items():
                if not rel.startswith(f"{table}/"):
                    continue
                path = folder / rel
                if not path.is_file() or sha256_file(path) != digest:
                    raise RunError(
                        f"{path}: missing or does not match its checksum in manifest.json; "
                        f"re-run the sweep on this folder to repair it."
                    )
    return manifest["batches"]


def load_summary(folder: str | Path, *, verify: bool = True) -> pd.DataFrame:
    """One row per finished run, read from the checked batch files (sorted by run)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    return _read_batches(folder, _verified_batches(folder, manifest, verify, "runs"), "runs")


def load_timeseries(
    folder: str | Path, table: str = "timeseries", *, verify: bool = True
) -> pd.DataFrame:
    """Per-step measures of every finished run (``table`` = 'timeseries' or 'suppliers').

    Returns a long table sorted by run and step, with the run's point and replicate joined.
    """
    if table not in ("timeseries", "suppliers"):
        raise ValueError(f"table must be 'timeseries' or 'suppliers', not {table!r}")
    folder = Path(folder)
    manifest = read_manifest(folder)
    frame = _read_batches(folder, _verified_batches(folder, manifest, verify, table), table)
    runs = manifest["runs"]
    frame.insert(1, "point", pd.Series(runs["point"]).iloc[frame["run"]].to_numpy())
    frame.insert(2, "replicate", pd.Series(runs["replicate"]).iloc[frame["run"]].to_numpy())
    return frame
