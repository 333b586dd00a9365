"""Results folder: identical results on any number of workers, failures, resume, refusal, lock."""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import time

import pandas as pd
import pytest
from sweep_helpers import HERE, PYTHON, ROOT, grid_experiment, real_experiment, runs_logged

from trustsim.errors import ConfigError, RunError
from trustsim.sweep import load_summary, load_timeseries, read_manifest, run_sweep
from trustsim.sweep.lock import folder_lock

FAKE = "sweep_fakes:fake_run_one"


def _sweep(out, workers=1, **changes):
    """The real model, 3 points x 4 replicates."""
    changes.setdefault("replicates", 4)
    return run_sweep(real_experiment(**changes), out, workers=workers, progress=False)


def _fake_sweep(out, workers=2, **changes):
    return run_sweep(grid_experiment(**changes), out, workers=workers, progress=False, run_fn=FAKE)


def test_one_and_two_workers_give_identical_files(tmp_path):
    out = {"batch_runs": 5, "measures": ["customer_share", "nps"], "supplier_measures": ["revenue"]}
    one = _sweep(tmp_path / "one", workers=1, output=out)
    two = _sweep(tmp_path / "two", workers=2, output=out)
    assert one.ok and two.ok and one.done == 12 and two.executed == 12
    a, b = (tmp_path / "one/summary.parquet").read_bytes(), (tmp_path / "two/summary.parquet").read_bytes()
    assert a == b
    summary = load_summary(tmp_path / "one")
    assert list(summary["run"]) == list(range(12))
    assert {"run_id", "point", "replicate", "seed", "wom.rate", "nps", "revenue[Steady]"} <= set(summary)
    assert summary["seed"].nunique() == 12
    series = load_timeseries(tmp_path / "one")
    pd.testing.assert_frame_equal(series, load_timeseries(tmp_path / "two"))
    assert list(series.columns) == ["run", "point", "replicate", "step", "customer_share", "nps"]
    assert len(series) == 12 * 13
    final = series[series["step"] == 12].reset_index(drop=True)
    assert list(final["nps"]) == list(summary["nps"])
    suppliers = load_timeseries(tmp_path / "one", "suppliers")
    assert set(suppliers["name"]) == {"Steady", "Overdeliverer", "Advertiser", "Listener"}
    manifest = read_manifest(tmp_path / "one")
    assert manifest["status"] == "complete" and manifest["counts"]["done"] == 12
    assert len(manifest["batches"]) == 3  # 12 runs in files of 5: few files, not one per run


def test_a_failing_run_is_recorded_and_the_sweep_goes_on(tmp_path, fake_env):
    params = {"wom.rate": [0.1, 0.666, 0.999], "trust.loss_multiplier": [2.0]}
    result = _fake_sweep(tmp_path, replicates=1, design={"kind": "grid", "parameters": params})
    assert result.done == 1 and not result.ok
    assert set(result.failures) == {"p0001-r000", "p0002-r000"}
    assert "ValueError: the devil's rate" in result.failures["p0001-r000"]
    assert "worker process died" in result.failures["p0002-r000"]
    manifest = read_manifest(tmp_path)
    assert manifest["status"] == "failed"
    assert manifest["runs"]["status"] == ["done", "failed", "failed"]
    fake_env.unlink()
    again = _fake_sweep(tmp_path, replicates=1, design={"kind": "grid", "parameters": params})
    assert again.resumed == 1 and again.executed == 2  # failed runs are tried again
    assert str(manifest["runs"]["seed"][0]) not in runs_logged(fake_env)


def test_resume_recomputes_only_missing_or_corrupt_runs(tmp_path):
    reference = _sweep(tmp_path / "ref", output={"batch_runs": 4})
    assert reference.ok
    out = tmp_path / "out"
    _sweep(out, output={"batch_runs": 4})
    # as after a crash: the last batch was written but not yet recorded in the manifest,
    # and one recorded file is damaged
    manifest = json.loads((out / "manifest.json").read_text())
    lost = manifest["batches"].pop()
    manifest["status"] = "running"
    (out / "manifest.json").write_text(json.dumps(manifest))
    damaged = out / next(iter(manifest["batches"][0]["files"]))
    damaged.write_bytes(damaged.read_bytes()[:-20])
    (out / "summary.parquet").unlink()
    again = _sweep(out, output={"batch_runs": 4})
    assert again.resumed == 12 - 4 - len(lost["runs"])
    assert again.executed == 4 + len(lost["runs"])
    assert (out / "summary.parquet").read_bytes() == (tmp_path / "ref/summary.parquet").read_bytes()
    pd.testing.assert_frame_equal(load_timeseries(out), load_timeseries(tmp_path / "ref"))
    batches = read_manifest(out)["batches"]
    assert sorted(p.name for p in (out / "runs").iterdir()) == [  # strays were removed
        f"batch-{b['id']:06d}.parquet" for b in sorted(batches, key=lambda b: b["id"])
    ]
    assert _sweep(out, output={"batch_runs": 4}).executed == 0


def test_a_folder_of_another_experiment_is_refused(tmp_path):
    _sweep(tmp_path)
    with pytest.raises(ConfigError, match="different experiment"):
        _sweep(tmp_path, seed=99)
    with pytest.raises(ConfigError, match="holds a sweep with 4 replicates; asking for 3"):
        _sweep(tmp_path, replicates=3)
    assert read_manifest(tmp_path)["counts"]["done"] == 12


def test_a_locked_folder_is_refused(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with folder_lock(tmp_path), pytest.raises(RunError, match="another trustsim sweep"):
        _sweep(tmp_path)


def _child(experiment, out, *run_fn):
    return subprocess.Popen(
        [PYTHON, str(HERE / "sweep_script.py"), json.dumps(experiment), str(out), "2", *run_fn],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_batches(out, n, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if len(read_manifest(out)["batches"]) >= n:
                return
        except (RunError, ConfigError):  # no manifest yet, or one being replaced
            pass
        time.sleep(0.05)
    raise AssertionError("no batch written in time")


def test_kill_9_at_random_moments_then_resume_gives_identical_results(tmp_path):
    experiment = real_experiment(replicates=6, steps=30, overrides={"market.customers": 1500}, output={"batch_runs": 2})
    ref = tmp_path / "ref"
    run_sweep(experiment, ref, workers=2, progress=False)
    out = tmp_path / "out"
    rng = random.Random(4)
    for kill in range(3):
        child = _child(experiment, out)
        _wait_for_batches(out, kill + 1)  # mid-sweep: some runs saved, more in flight
        time.sleep(rng.uniform(0.0, 0.3))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    child = _child(experiment, out)
    stdout, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr
    resumed = json.loads(stdout)["resumed"]
    assert 3 <= resumed < 36
    assert (out / "summary.parquet").read_bytes() == (ref / "summary.parquet").read_bytes()
    pd.testing.assert_frame_equal(load_timeseries(out), load_timeseries(ref))
    assert not [p for p in out.rglob("*.tmp")]


def test_sigint_stops_quickly_and_says_how_to_resume(tmp_path, fake_env, monkeypatch):
    monkeypatch.setenv("FAKE_SLEEP", "0.5")
    experiment = grid_experiment(replicates=6, output={"batch_runs": 2})
    out = tmp_path / "out"
    child = _child(experiment, out, FAKE)
    _wait_for_batches(out, 1)
    started = time.monotonic()
    os.killpg(child.pid, signal.SIGINT)
    _, stderr = child.communicate(timeout=20)
    assert time.monotonic() - started < 5
    assert child.returncode == 130
    assert "run the same command again to resume" in stderr
    manifest = read_manifest(out)
    assert manifest["status"] == "interrupted"
    assert 2 <= manifest["counts"]["done"] < 36
    assert len(load_summary(out)) == manifest["counts"]["done"]


def test_a_write_error_stops_with_a_clear_message_and_keeps_finished_runs(tmp_path, monkeypatch):
    from trustsim.sweep import store

    real_write = store.atomic_write_parquet
    calls = []

    def failing_write(path, frame):
        calls.append(path)
        if len(calls) > 3:  # the second batch's first file: the disk is full
            raise RunError(f"{path}: no space left on device while writing results.")
        return real_write(path, frame)

    monkeypatch.setattr(store, "atomic_write_parquet", failing_write)
    with pytest.raises(RunError, match="no space left on device"):
        _sweep(tmp_path, output={"batch_runs": 4, "supplier_measures": ["revenue"]})
    assert read_manifest(tmp_path)["counts"]["done"] == 4
    assert len(load_summary(tmp_path)) == 4
    monkeypatch.setattr(store, "atomic_write_parquet", real_write)
    again = _sweep(tmp_path, output={"batch_runs": 4, "supplier_measures": ["revenue"]})
    assert again.ok and again.resumed == 4


def test_cli_lists_failed_runs_and_exits_1(tmp_path):
    experiment = tmp_path / "fail.toml"
    experiment.write_text(f"""
name = "fail"
scenario = "{ROOT / "configs" / "baseline.toml"}"
steps = 3
[overrides]
market.customers = 200
[design]
kind = "list"
[[design.points]]
network.kind = "well_mixed"
[[design.points]]
network.kind = "edge_list"
network.path = "no_such_edges.txt"
""")
    proc = subprocess.run(
        [PYTHON, "-m", "trustsim.cli", "sweep", str(experiment), "--out", str(tmp_path / "out"), "--workers", "1"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "1 of 2 runs done" in proc.stderr and "1 run(s) failed" in proc.stderr
    assert "p0001-r000: ConfigError" in proc.stderr and "no such file (the edge list" in proc.stderr
    assert "sweep: 2/2 runs (1 failed)" in proc.stderr  # plain progress lines when not a terminal


def test_batches_grow_for_fast_runs_and_are_written_at_least_every_15_s():
    from trustsim.sweep.engine import should_flush

    assert not should_flush(8, 0.5, size=8, exact=False)  # fast runs: gather more
    assert should_flush(8, 2.5, size=8, exact=False)
    assert should_flush(1000, 0.1, size=8, exact=False)
    assert should_flush(4, 0.0, size=4, exact=True)
    assert should_flush(1, 15.0, size=500, exact=False)


def test_readers_refuse_a_damaged_file(tmp_path):
    assert _sweep(tmp_path, replicates=1).ok
    manifest = read_manifest(tmp_path)
    damaged = tmp_path / next(r for r in manifest["batches"][0]["files"] if r.startswith("timeseries/"))
    damaged.write_bytes(damaged.read_bytes()[:-10])
    assert len(load_summary(tmp_path)) == 3  # other tables are still readable
    with pytest.raises(ConfigError, match="does not match its checksum"):
        load_timeseries(tmp_path)
