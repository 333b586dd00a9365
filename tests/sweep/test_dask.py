"""The Dask backend on a real `dask scheduler` and `dask worker` processes on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest
from sweep_helpers import HERE, PYTHON, ROOT, real_experiment

from trustsim.errors import RunError
from trustsim.sweep import load_summary, read_manifest, run_sweep

DASK = str(ROOT / ".venv" / "bin" / "dask") if (ROOT / ".venv/bin/dask").exists() else "dask"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A scheduler and one `dask worker` process running 2 single-threaded workers (nannies)."""
    tmp = tmp_path_factory.mktemp("dask")
    file = tmp / "scheduler.json"
    env = {
        **os.environ,
        "PYTHONPATH": f"{HERE}:{ROOT}",
        # a task is KilledWorker the first time its worker dies (trustsim retries it), and a
        # single-threaded worker holds one task at a time, so bystanders are never hit
        "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "0",
        "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
    }
    common = {"cwd": tmp, "env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
        **common,
    )
    worker = None
    try:
        deadline = time.monotonic() + 30
        while not file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        worker = subprocess.Popen(
            [
                DASK,
                "worker",
                address,
                "--nworkers",
                "2",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--local-directory",
                str(tmp),
            ],
            **common,
        )
        from distributed import Client

        with Client(address, timeout=10) as client:
            client.wait_for_workers(2, timeout=30)
        yield address
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()


def test_dask_gives_the_same_files_as_the_local_pool(cluster, tmp_path):
    experiment = real_experiment()
    local = run_sweep(experiment, tmp_path / "local", workers=2, progress=False)
    remote = run_sweep(experiment, tmp_path / "dask", scheduler=cluster, progress=False)
    assert local.ok and remote.ok and remote.done == local.total
    assert (tmp_path / "local/summary.parquet").read_bytes() == (tmp_path / "dask/summary.parquet").read_bytes()


def test_a_worker_killed_mid_sweep_loses_and_duplicates_nothing(cluster, tmp_path):
    experiment = real_experiment(replicates=8, output={"batch_runs": 4})
    out = tmp_path / "dask"
    killed: list[int] = []

    def kill_one_worker() -> None:
        from distributed import Client

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (out / "manifest.json").exists() and read_manifest(out)["batches"]:
                break
            time.sleep(0.02)
        with Client(cluster, timeout=10) as client:
            pid = next(iter(client.run(os.getpid).values()))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    result = run_sweep(experiment, out, scheduler=cluster, progress=False)
    killer.join()
    assert killed
    assert result.ok, result.failures
    summary = load_summary(out)
    assert list(summary["run"]) == list(range(result.total))  # every run exactly once
    reference = run_sweep(experiment, tmp_path / "local", workers=2, progress=False)
    assert reference.ok
    assert (out / "summary.parquet").read_bytes() == (tmp_path / "local/summary.parquet").read_bytes()


def test_a_run_that_kills_every_worker_is_that_runs_failure(cluster, tmp_path):
    experiment = real_experiment(
        design={"kind": "list", "points": [{"wom.rate": 0.2}, {"wom.rate": 0.999}]},
        output={"measures": ["customer_share", "nps"]},
        replicates=1,
    )
    result = run_sweep(experiment, tmp_path, scheduler=cluster, progress=False, run_fn="sweep_fakes:fake_run_one")
    assert result.done == 1
    assert set(result.failures) == {"p0001-r000"}
    assert all("KilledWorker" in e for e in result.failures.values())
    assert read_manifest(tmp_path)["status"] == "failed"


def test_a_scheduler_that_does_not_answer_fails_fast_and_writes_nothing(tmp_path):
    started = time.monotonic()
    with pytest.raises(RunError, match="no Dask scheduler answered"):
        run_sweep(real_experiment(), tmp_path / "out", scheduler="tcp://127.0.0.1:9", progress=False)
    assert time.monotonic() - started < 6
    assert not (tmp_path / "out").exists()


def test_cli_scheduler_that_does_not_answer_exits_1(tmp_path):
    proc = subprocess.run(
        [
            PYTHON,
            "-m",
            "trustsim.cli",
            "sweep",
            str(ROOT / "experiments/demo_grid.toml"),
            "--out",
            str(tmp_path / "cli"),
            "--scheduler",
            "tcp://127.0.0.1:9",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert proc.returncode == 1 and "no Dask scheduler answered" in proc.stderr
