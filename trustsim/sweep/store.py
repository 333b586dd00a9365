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
moment, batch files the manifest does not name are deleted, files whose checksum or run list
does not match the manifest are dropped and their runs done again, and the sweep resumes to
the same results. A folder without a manifest is written only if it is empty: files the
program cannot account for are never deleted. The same sweep with more replicates extends the
folder (only the new runs are done).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd

from trustsim import __version__
from trustsim.errors import ConfigError, excerpt, printable
from trustsim.io import MB, atomic_write_json, atomic_write_parquet, read_result_json, read_result_table, sha256_file
from trustsim.sweep.lock import LOCK_NAME
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
        if not manifest_path.exists():
            self._refuse_foreign_files()
        else:
            manifest = read_manifest(self.folder)
            if manifest.get("fingerprint") != self.plan.fingerprint:
                name = manifest["experiment"].get("name", "?")
                raise ConfigError(
                    f"{self.folder}: holds results of a different experiment ({name!r}, or the "
                    f"same one with other settings: design, steps, seed, overrides or output); "
                    f"refusing to mix results. Choose another --out, or delete the folder to "
                    f"start again."
                )
            had = int(manifest["experiment"].get("replicates", 0))
            if had > self.plan.replicates:
                raise ConfigError(
                    f"{self.folder}: holds a sweep with {had} replicates; asking for "
                    f"{self.plan.replicates} would leave finished runs out of the results. Use "
                    f"--replicates {had} (or more, to extend it), or another --out."
                )
            if had < self.plan.replicates:
                self.warnings.append(
                    f"extending the sweep from {had} to {self.plan.replicates} replicates: only the new runs are done"
                )
            self.created = manifest.get("created", self.created)
            if manifest.get("trustsim_version") != __version__:
                self.warnings.append(
                    f"the runs already done were made with trustsim "
                    f"{manifest.get('trustsim_version')}, this is {__version__}; if the model "
                    f"changed, start a new folder rather than mix results"
                )
            total = len(self.plan.runs)
            for batch in manifest["batches"]:
                bad = [
                    rel
                    for rel, digest in batch["files"].items()
                    if not (self.folder / rel).is_file() or sha256_file(self.folder / rel) != digest
                ]
                if bad:
                    self.warnings += [f"{rel} is missing or damaged; its runs will be done again" for rel in bad]
                    continue
                if not self._runs_match(batch, total):
                    self.warnings.append(
                        f"runs/batch-{batch['id']:06d}.parquet does not hold the runs manifest.json lists "
                        f"for it; its runs will be done again"
                    )
                    continue
                self.batches.append(batch)
                self.done.update(batch["runs"])
        self._remove_strays()
        self.write_manifest("running")

    def _runs_match(self, batch: dict[str, Any], total: int) -> bool:
        """The batch's run numbers are valid, new, and exactly those its runs file holds."""
        runs = batch["runs"]
        if any(r < 0 or r >= total for r in runs) or len(set(runs)) != len(runs) or self.done & set(runs):
            return False
        rel = f"runs/batch-{batch['id']:06d}.parquet"
        if rel not in batch["files"]:
            return False
        try:
            held = pd.read_parquet(self.folder / rel, columns=["run"])["run"].tolist()
        except Exception:  # unreadable despite its checksum: do the runs again
            return False
        return sorted(held) == sorted(runs)

    def _refuse_foreign_files(self) -> None:
        """No manifest: the folder must be empty (but for a lock or a temporary file of ours)."""
        ours = {LOCK_NAME}
        foreign = sorted(
            p.name
            for p in self.folder.iterdir()
            if p.name not in ours and not (p.name.startswith(".") and p.name.endswith(".tmp"))
        )
        if foreign:
            shown = ", ".join(printable(n) for n in foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise ConfigError(
                f"{self.folder}: holds files ({shown}) but no manifest.json, so it is not a trustsim "
                f"sweep folder, or its manifest was lost; refusing to write into it (nothing there is "
                f"deleted). Choose another --out, or move those files away."
            )

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
            rows.append(
                {
                    "run": run.index,
                    "run_id": run.run_id,
                    "point": run.point,
                    "replicate": run.replicate,
                    "seed": run.seed,
                    **run.params,
                    **o.summary,
                }
            )
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
            "done" if r.index in self.done else "failed" if r.index in self.failures else "pending" for r in plan.runs
        ]
        design: dict[str, Any] = {
            "kind": plan.design.kind,
            "names": plan.design.names,
            "points": plan.design.points,
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
                "total": len(plan.runs),
                "done": len(self.done),
                "failed": len(self.failures),
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
        if rel in batch["files"]:  # checked against its checksum, yet read as input: damage is refused
            parts.append(read_result_table(folder / rel, "the sweep", ("run",), rows=False))
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
        ConfigError: if the folder holds no sweep results (the user named the wrong folder), or
            the manifest is unreadable or damaged.
    """
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise ConfigError(
            f"{folder}: no manifest.json; not a sweep results folder (give the --out folder of a `trustsim sweep`)."
        )
    manifest = read_result_json(path, "the sweep", "manifest", limit=1000 * MB)
    if manifest.get("format") != FORMAT:
        raise ConfigError(
            f"{path}: unknown format {excerpt(manifest.get('format'))}; expected {FORMAT!r} "
            f"(not a trustsim sweep manifest)."
        )
    problem = _manifest_problem(manifest)
    if problem:
        raise ConfigError(f"{path}: damaged manifest: {problem}; re-run the sweep into a new folder.")
    return manifest


def _manifest_problem(manifest: dict[str, Any]) -> str:
    """What makes a manifest unusable (a hand edit, a foreign file), or "" if its shape is sound."""
    if not isinstance(manifest.get("experiment"), dict):
        return "'experiment' is not a table"
    runs = manifest.get("runs")
    if not isinstance(runs, dict) or not all(isinstance(runs.get(k), list) for k in ("point", "replicate")):
        return "'runs' does not list the runs"
    design = manifest.get("design")
    if not isinstance(design, dict) or not isinstance(design.get("names"), list):
        return "'design' is not a table with 'names'"
    batches = manifest.get("batches")
    if not isinstance(batches, list):
        return "'batches' is not a list"
    for batch in batches:
        if not (
            isinstance(batch, dict)
            and type(batch.get("id")) is int
            and isinstance(batch.get("runs"), list)
            and all(type(r) is int for r in batch["runs"])
            and isinstance(batch.get("files"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in batch["files"].items())
        ):
            return f"batch entry {excerpt(batch)} is not {{id, runs, files}}"
        if any(".." in Path(rel).parts or Path(rel).is_absolute() for rel in batch["files"]):
            return "a batch names a file outside the folder"
        if any(r < 0 or r >= len(runs["point"]) for r in batch["runs"]):
            return f"batch {batch['id']} lists a run that does not exist"
    return ""


def _verified_batches(folder: Path, manifest: dict[str, Any], verify: bool, table: str) -> list[dict[str, Any]]:
    """The manifest's batches, after checking the files of `table` against their checksums."""
    _check_counts(folder, manifest)
    if verify:
        for batch in manifest["batches"]:
            for rel, digest in batch["files"].items():
                if not rel.startswith(f"{table}/"):
                    continue
                path = folder / rel
                if not path.is_file() or sha256_file(path) != digest:
                    raise ConfigError(
                        f"{path}: missing or does not match its checksum in manifest.json; "
                        f"re-run the sweep on this folder to repair it."
                    )
    return manifest["batches"]


def _check_counts(folder: Path, manifest: dict[str, Any]) -> None:
    """The runs the manifest calls done are exactly the runs its batches hold."""
    in_batches = [r for b in manifest["batches"] for r in b["runs"]]
    status = manifest["runs"].get("status")
    said = sum(s == "done" for s in status) if isinstance(status, list) else len(in_batches)
    if len(set(in_batches)) != len(in_batches) or said != len(in_batches):
        raise ConfigError(
            f"{folder}/manifest.json: says {said} runs are done but its batches hold "
            f"{len(set(in_batches))} distinct runs ({len(in_batches)} entries); it was edited or damaged. "
            f"Re-run the sweep on this folder to repair it."
        )


def load_summary(folder: str | Path, *, verify: bool = True) -> pd.DataFrame:
    """One row per finished run, read from the checked batch files (sorted by run)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    return _read_batches(folder, _verified_batches(folder, manifest, verify, "runs"), "runs")


def load_timeseries(folder: str | Path, table: str = "timeseries", *, verify: bool = True) -> pd.DataFrame:
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
