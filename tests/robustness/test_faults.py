"""Faults during real `trustsim sweep` and `trustsim run` processes lose nothing.

What tests/sweep/ already covers is not repeated here: resume after damaged or unrecorded
batch files and 3 random kill -9 (test_store.py), Ctrl-C of the library call, a write error
injected in the store, the lock refused in-process (test_store.py), a Dask worker killed
mid-sweep and a scheduler that does not answer (test_dask.py). This file adds, through the
command line as a user runs it:

- kill -9 at five different moments (while starting, right after taking the lock, after 4 and
  12 runs saved, and at a random instant after 13-16) and Ctrl-C after 8, with the folder checked
  against the manifest's checksums after every stop; Ctrl-C exits 130 within seconds with a
  resume hint; the disk filling up (a real ENOSPC from the OS, not an injected RunError) gives
  a clear error and leaves the finished runs readable; a second `trustsim sweep` on the busy
  folder refuses; the last session resumes to files identical to an uninterrupted sweep;
- disk full / permission denied / I/O error from the operating system while `trustsim run`
  writes its results: a clear message and nothing left behind.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from robustness_support import PYTHON, ROOT

from trustsim.cli import main
from trustsim.io import sha256_file
from trustsim.sweep import load_summary, load_timeseries, read_manifest

RUNS = 20
EXPERIMENT = f"""\
name = "faults"
scenario = "{ROOT / "configs" / "baseline.toml"}"
seed = 9
replicates = 4
steps = 40
[overrides]
"market.customers" = 4000
"network.mean_degree" = 6
[design]
kind = "grid"
[design.parameters]
"wom.rate" = [0.1, 0.2, 0.3, 0.4, 0.5]
[output]
measures = ["customer_share", "nps", "mean_trust"]
supplier_measures = ["customers", "revenue"]
batch_runs = 2
"""


@pytest.fixture(scope="module")
def experiment_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("exp") / "faults.toml"
    path.write_text(EXPERIMENT)
    return path


@pytest.fixture(scope="module")
def reference(experiment_file, tmp_path_factory):
    """The same sweep, uninterrupted."""
    out = tmp_path_factory.mktemp("ref") / "out"
    assert main(["sweep", str(experiment_file), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    return out


def _start(experiment_file: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [PYTHON, "-m", "trustsim.cli", "sweep", str(experiment_file), "--out", str(out), "--workers", "2", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _manifest(out: Path) -> dict | None:
    try:
        return json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def _wait(child: subprocess.Popen, ready, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert child.poll() is None, f"the sweep ended before the moment to kill it: {child.communicate()}"
        assert time.monotonic() < deadline, "the moment to kill never came"
        time.sleep(0.02)


def _lock_held_by(child: subprocess.Popen, out: Path):
    def ready() -> bool:
        try:
            return (out / ".lock").read_text().strip() == str(child.pid)
        except OSError:
            return False

    return ready


def _runs_saved(out: Path, at_least: int):
    def ready() -> bool:
        manifest = _manifest(out)
        return manifest is not None and manifest["counts"]["done"] >= at_least

    return ready


def _check_against_manifest(out: Path) -> int:
    """Every file the manifest names is whole (checksum) and readable; returns runs saved."""
    manifest = read_manifest(out)
    for batch in manifest["batches"]:
        for rel, digest in batch["files"].items():
            assert sha256_file(out / rel) == digest, f"{rel} does not match its checksum"
    summary = load_summary(out)  # reads only the files the manifest names, checking them again
    assert sorted(summary["run"]) == sorted({r for b in manifest["batches"] for r in b["runs"]})
    assert len(summary) == manifest["counts"]["done"]
    return manifest["counts"]["done"]


def _assert_identical(out: Path, reference: Path) -> None:
    assert (out / "summary.parquet").read_bytes() == (reference / "summary.parquet").read_bytes()
    for table in ("timeseries", "suppliers"):
        pd.testing.assert_frame_equal(load_timeseries(out, table), load_timeseries(reference, table))
    manifest = read_manifest(out)
    assert manifest["status"] == "complete" and manifest["counts"]["done"] == RUNS
    assert manifest["files"]["summary.parquet"] == sha256_file(out / "summary.parquet")
    summary = load_summary(out)
    assert list(summary["run"]) == list(range(RUNS))  # every run exactly once
    named = {rel for b in manifest["batches"] for rel in b["files"]}
    on_disk = {f"{p.parent.name}/{p.name}" for t in ("runs", "timeseries", "suppliers") for p in (out / t).iterdir()}
    assert on_disk == named, "stray or temporary files left behind"


def _kill(child: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    os.killpg(child.pid, sig)  # the whole group, workers too: like Ctrl-C in a terminal, or a power cut


@pytest.mark.slow
def test_kill_9_at_five_moments_ctrl_c_disk_full_and_a_second_sweep_then_resume_gives_identical_results(
    experiment_file, reference, tmp_path, capsys, monkeypatch
):
    out = tmp_path / "out"
    rng = random.Random(12)
    saved = []

    def killed(moment, sig=signal.SIGKILL):
        child = _start(experiment_file, out)
        _wait(child, moment(child))
        started = time.monotonic()
        _kill(child, sig)
        _, stderr = child.communicate(timeout=30)
        if (out / "manifest.json").exists():
            assert read_manifest(out)["status"] != "complete", "the sweep had finished before it was stopped"
            saved.append(_check_against_manifest(out))  # nothing truncated or corrupt is ever read back
        return child.returncode, stderr, time.monotonic() - started

    killed(lambda c: lambda: time.sleep(0.3) or True)  # while Python starts
    killed(lambda c: _lock_held_by(c, out))  # as soon as it holds the folder
    killed(lambda c: _runs_saved(out, 4))
    # Ctrl-C: stops within seconds, saves what finished and says how to resume
    code, stderr, seconds = killed(lambda c: _runs_saved(out, 8), signal.SIGINT)
    assert code == 130 and seconds < 5, (code, seconds, stderr)
    assert "run the same command again to resume" in stderr and "Traceback" not in stderr
    assert read_manifest(out)["status"] == "interrupted"
    # the disk fills up while a batch is written: a clear error, the finished runs stay readable
    import trustsim.io

    real_fsync, calls = os.fsync, []

    def fsync_until_full(fd):
        calls.append(fd)
        if len(calls) >= 7:  # the manifest on opening and one batch (3 files + manifest) go through
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(trustsim.io.os, "fsync", fsync_until_full)
    assert main(["sweep", str(experiment_file), "--out", str(out), "--workers", "2", "--quiet"]) == 1
    monkeypatch.setattr(trustsim.io.os, "fsync", real_fsync)
    err = " ".join(capsys.readouterr().err.split())
    assert "no space left on device while writing results" in err and "Traceback" not in err
    saved.append(_check_against_manifest(out))
    assert saved[-1] > saved[-2]
    killed(lambda c: _runs_saved(out, 12))
    # a random instant: after a random number of runs, a random few milliseconds later (a few
    # runs must remain, or a fast machine would finish the sweep before the kill)
    at_least, delay = rng.randint(13, 16), rng.uniform(0.0, 0.03)
    killed(lambda c: lambda: _runs_saved(out, at_least)() and (time.sleep(delay) or True))
    assert len(saved) >= 5 and saved == sorted(saved) and len(set(saved)) >= 4 and saved[-1] < RUNS, saved

    last = _start(experiment_file, out)
    _wait(last, _lock_held_by(last, out))
    # a second sweep on the same folder refuses; it does not interleave
    code = main(["sweep", str(experiment_file), "--out", str(out), "--workers", "1", "--quiet"])
    err = " ".join(capsys.readouterr().err.split())
    assert last.poll() is None, "the sweep ended before the second one tried"
    assert code == 1 and f"another trustsim sweep (pid {last.pid}) is writing to this folder" in err
    _, stderr = last.communicate(timeout=120)
    assert last.returncode == 0, stderr
    _assert_identical(out, reference)


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (errno.ENOSPC, "no space left on device while writing results"),
        (errno.EACCES, "permission denied while writing results"),
        (errno.EIO, "cannot write results: Input/output error"),
    ],
)
def test_an_os_error_while_writing_a_run_leaves_nothing(tmp_path, capsys, monkeypatch, error, message):
    import trustsim.io

    def failing_fsync(fd):
        raise (PermissionError if error == errno.EACCES else OSError)(error, os.strerror(error))

    monkeypatch.setattr(trustsim.io.os, "fsync", failing_fsync)
    out = tmp_path / "out"
    code = main(
        ["run", str(ROOT / "configs/baseline.toml"), "--out", str(out), "--steps", "3", "--set", "market.customers=300"]
    )
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [], "partial output or staging folder left behind"


def test_an_interrupted_animation_leaves_no_truncated_file(tmp_path, capsys, monkeypatch):
    import trustsim.app.animation as animation

    real_draw, frames = animation.draw_frame, []

    def draw_then_interrupt(*args, **kwargs):
        frames.append(1)
        if len(frames) == 3:
            raise KeyboardInterrupt  # Ctrl-C while the third frame is drawn
        return real_draw(*args, **kwargs)

    monkeypatch.setattr(animation, "draw_frame", draw_then_interrupt)
    out = tmp_path / "movie.gif"
    argv = [
        "animate",
        str(ROOT / "configs/baseline.toml"),
        "--out",
        str(out),
        "--steps",
        "4",
        "--set",
        "market.customers=200",
        "--sample",
        "50",
    ]
    assert main(argv) == 130
    assert list(tmp_path.iterdir()) == [], "a truncated animation was left behind"
    monkeypatch.setattr(animation, "draw_frame", real_draw)
    assert main(argv) == 0 and out.stat().st_size > 0 and list(tmp_path.iterdir()) == [out]


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigterm_saves_finished_runs_and_leaves_no_worker_behind(experiment_file, tmp_path):
    out = tmp_path / "out"
    child = _start(experiment_file, out)
    _wait(child, _runs_saved(out, 2))
    workers = _children(child.pid)
    assert workers, "the sweep runs on worker processes"
    started = time.monotonic()
    child.send_signal(signal.SIGTERM)  # `kill PID`, or a batch system's time limit: the parent only
    _, stderr = child.communicate(timeout=30)
    assert time.monotonic() - started < 5
    assert "run the same command again to resume" in stderr and "Traceback" not in stderr
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "worker processes outlived the sweep"
    assert read_manifest(out)["status"] == "interrupted"
    assert _check_against_manifest(out) >= 2
