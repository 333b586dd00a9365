"""Round 3 of hostile and careless use (issue 29), outside the game, the app and the expression language.

Each test is one defect (or a sibling of one in another command) and fails on the code before
its fix (commit 7318426). Every test runs under a time limit (pytest-timeout, and subprocess
timeouts), so a hang is a failure, never a stuck suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from robustness_support import PYTHON, TINY_EXPERIMENT, TINY_SCENARIO, cli, write

from trustsim.cli import main

pytestmark = pytest.mark.timeout(300)

S = TINY_SCENARIO
EDGE_SCENARIO = S.replace('kind = "small_world"', 'kind = "edge_list"\npath = "edges.txt"')
LONG = "a" * 300  # a file or folder name longer than the 255 bytes file systems hold


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    """`trustsim ARGV` in this process: exit status, stdout, stderr (white space collapsed)."""
    try:
        code = main(argv)
    except SystemExit as e:  # argparse
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, " ".join(out.err.split())


# --- special files: /proc/kmsg looks regular (size 0) and blocks for ever ----------------------

kmsg = pytest.mark.skipif(not os.access("/proc/kmsg", os.R_OK), reason="/proc/kmsg is readable only by root")


@kmsg
@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "files, argv",
    [
        ({}, ["run", "/proc/kmsg", "--out", "out"]),
        ({"c.toml": 'base = "/proc/kmsg"\n'}, ["run", "c.toml", "--out", "out"]),
        ({"s.toml": EDGE_SCENARIO.replace('"edges.txt"', '"/proc/kmsg"')}, ["run", "s.toml", "--out", "out"]),
        ({"s.toml": S}, ["sweep", "/proc/kmsg", "--out", "out"]),
        (
            {"s.toml": S, "e.toml": TINY_EXPERIMENT.replace('"s.toml"', '"/proc/kmsg"')},
            ["sweep", "e.toml", "--out", "out"],
        ),
        ({"s.toml": S}, ["compare", "--scenario", "s.toml", "/proc/kmsg", "--out", "out"]),
    ],
    ids=["scenario", "base", "edge-list", "experiment", "experiment-scenario", "policy"],
)
def test_a_kernel_file_that_blocks_is_refused_at_once(tmp_path, files, argv):
    write(tmp_path, files)
    started = time.monotonic()
    proc = cli(argv, tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "/proc/kmsg" in proc.stderr and "ordinary file" in proc.stderr, proc.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out").exists()  # no .lock, no .staging-*: nothing at all


# --- names longer than a file system holds ----------------------------------------------------


@pytest.mark.parametrize(
    "files, argv",
    [
        ({"s.toml": S}, ["run", "s.toml", "--out", LONG]),
        ({"s.toml": S}, ["run", "s.toml", "--out", f"new/{LONG}/x"]),
        ({}, ["run", f"{LONG}.toml"]),
        ({"c.toml": f'base = "{LONG}.toml"\n'}, ["run", "c.toml", "--out", "out"]),
        ({"s.toml": EDGE_SCENARIO.replace("edges.txt", LONG)}, ["run", "s.toml", "--out", "out"]),
        ({"s.toml": S, "e.toml": TINY_EXPERIMENT}, ["sweep", "e.toml", "--out", LONG, "--quiet"]),
        ({"s.toml": S}, ["sweep", f"{LONG}.toml"]),
        ({"s.toml": S}, ["compare", "--scenario", "s.toml", f"{LONG}.toml", "--out", "out"]),
        ({"s.toml": S}, ["animate", "s.toml", "--out", f"{LONG}.gif"]),
    ],
    ids=[
        "run-out",
        "run-out-below",
        "scenario",
        "base",
        "edge-list",
        "sweep-out",
        "experiment",
        "policy",
        "animate-out",
    ],
)
def test_a_name_over_255_bytes_is_bad_input(tmp_path, capsys, monkeypatch, files, argv):
    write(tmp_path, files)
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    code, _, err = run_main(argv, capsys)
    assert code == 2, err
    assert "internal error" not in err and "Errno 36" not in err, err
    assert ("255 bytes" in err or "no such" in err.lower()) and len(err) < 1000, err
    assert sorted(os.listdir(tmp_path)) == before  # no folder half made


# --- tables nested thousands deep ---------------------------------------------------------------


def _deep(prefix: str, levels: int = 3000) -> str:
    return ".".join([prefix, *["a"] * levels]) + " = 1\n"


@pytest.mark.parametrize(
    "files, extra",
    [
        ({"b.toml": _deep("a"), "c.toml": 'base = "b.toml"\n' + _deep("a")}, []),
        ({"c.toml": "steps = 3\n" + _deep("market")}, ["--set", "steps=2"]),
    ],
    ids=["base-and-child", "file-with-set"],
)
def test_a_table_nested_thousands_deep_is_bad_input(tmp_path, capsys, files, extra):
    write(tmp_path, files)
    code, _, err = run_main(["run", str(tmp_path / "c.toml"), "--out", str(tmp_path / "out"), *extra], capsys)
    assert code == 2 and "nested" in err and "RecursionError" not in err, err
    assert not (tmp_path / "out").exists()


# --- base: beside the file that names it, and its errors named against it ----------------------


def test_base_is_never_looked_for_in_the_current_folder(tmp_path, capsys, monkeypatch):
    write(tmp_path, {"x.toml": S, "sub/child.toml": 'base = "x.toml"\nsteps = 2\n'})
    monkeypatch.chdir(tmp_path)
    code, _, err = run_main(["run", "sub/child.toml", "--out", "out"], capsys)
    assert code == 2 and "'base' = 'x.toml'" in err and "sub/x.toml" in err, err
    assert not (tmp_path / "out").exists()
    # beside the file, and built-in names, are still found from any folder
    write(tmp_path, {"sub/x.toml": S, "sub/named.toml": 'base = "baseline"\nsteps = 2\n[market]\ncustomers = 60\n'})
    assert run_main(["run", "sub/child.toml", "--out", "a"], capsys)[0] == 0
    assert run_main(["run", "sub/named.toml", "--out", "b"], capsys)[0] == 0
    assert json.loads((tmp_path / "a/run.json").read_text())["scenario"]["market"]["customers"] == 40


def test_an_error_inside_a_base_file_names_the_base_file(tmp_path, capsys):
    write(
        tmp_path,
        {
            "base.toml": S.replace("customers = 40", "customers = -40"),
            "child.toml": 'base = "base.toml"\nsteps = 2\n',
        },
    )
    code, _, err = run_main(["run", str(tmp_path / "child.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2, err
    assert f"{tmp_path / 'base.toml'} (the base of {tmp_path / 'child.toml'}): market.customers = -40" in err, err
    # a value the child itself gives is still named against the child
    write(tmp_path, {"base.toml": S, "child.toml": 'base = "base.toml"\n[market]\ncustomers = -1\n'})
    code, _, err = run_main(["run", str(tmp_path / "child.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and err.startswith(f"error: {tmp_path / 'child.toml'}: market.customers = -1"), err


# --- look-alike and unprintable names ----------------------------------------------------------


@pytest.mark.parametrize(
    "first, second",
    [("Caf\u00e9", "Cafe\u0301"), ("A ", "A"), ("Mine", "mine"), ("A  B", "A B"), ("\uff21", "A")],
    ids=["nfc-nfd", "trailing-space", "case", "inner-spaces", "full-width"],
)
def test_look_alike_supplier_names_are_refused(tmp_path, capsys, first, second):
    suppliers = f'[[suppliers]]\nname = "{first}"\n[[suppliers]]\nname = "{second}"\n'
    write(tmp_path, {"s.toml": S + suppliers})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "look alike" in err, err
    # both named, escaped, so the difference can be seen (white space is collapsed in `err`)
    assert all(" ".join(ascii(name).split()) in err for name in (first, second)), err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("first, second", [("Caf\u00e9", "Cafe\u0301"), ("Mine ", "mine")], ids=["nfc-nfd", "case"])
def test_look_alike_policy_names_are_refused(tmp_path, capsys, first, second):
    write(tmp_path, {"s.toml": S, "p.toml": f'name = "{first}"\n', "q.toml": f'name = "{second}"\n'})
    argv = ["compare", "--scenario", str(tmp_path / "s.toml"), str(tmp_path / "p.toml"), str(tmp_path / "q.toml")]
    code, _, err = run_main([*argv, "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "already used by" in err and "look alike" in err and "q.toml" in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["P\\u001b[31mX", "bell\\u0007", "tab\\there", "rtl\\u202eevil"])
def test_a_policy_name_with_control_characters_is_refused(tmp_path, capsys, name):
    write(tmp_path, {"s.toml": S, "p.toml": f'name = "{name}"\npromise = 0.5\n'})
    argv = ["compare", "--scenario", str(tmp_path / "s.toml"), str(tmp_path / "p.toml"), "listener"]
    code, out, err = run_main([*argv, "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "control characters" in err, err
    assert "\x1b" not in out + err and "\x07" not in out + err
    assert not (tmp_path / "out").exists()


# --- $…$ in names: drawn as typed, never as mathtext ---------------------------------------------

MATH = S + '[[suppliers]]\nname = "$\\\\foo$"\n[[suppliers]]\nname = "$x^$"\n'
"""Two suppliers whose names matplotlib would parse as (broken) mathematics."""


def test_run_plot_draws_dollar_names(tmp_path, capsys):
    write(tmp_path, {"s.toml": MATH})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--plot"], capsys)
    assert code == 0, err
    assert (tmp_path / "out/figures/customers_ambassadors.png").stat().st_size > 1000


def test_compare_draws_dollar_policy_and_rival_names(tmp_path, capsys):
    write(tmp_path, {"s.toml": MATH, "p.toml": 'name = "$\\\\bar$ us"\npromise = 0.5\n'})
    argv = ["compare", "--scenario", str(tmp_path / "s.toml"), str(tmp_path / "p.toml"), "listener"]
    code, out, err = run_main([*argv, "--replicates", "2", "--horizon", "3", "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "$\\bar$ us" in out and (tmp_path / "out/report.html").exists()


def test_animate_draws_dollar_names(tmp_path, capsys):
    write(tmp_path, {"s.toml": MATH})
    code, _, err = run_main(
        ["animate", str(tmp_path / "s.toml"), "--steps", "2", "--out", str(tmp_path / "a.gif")], capsys
    )
    assert code == 0, err
    assert (tmp_path / "a.gif").stat().st_size > 1000


def test_sweep_plot_draws_a_measure_named_after_a_dollar_supplier(tmp_path, capsys):
    experiment = TINY_EXPERIMENT + '[output]\nsupplier_measures = ["customers"]\n'
    write(tmp_path, {"s.toml": MATH, "e.toml": experiment})
    argv = ["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "sw"), "--workers", "1", "--quiet"]
    assert run_main(argv, capsys)[0] == 0
    code, _, err = run_main(["plot", str(tmp_path / "sw")], capsys)
    assert code == 0, err
    assert any("foo" in p.name for p in (tmp_path / "sw/figures").iterdir())


# --- what reaches the terminal on success --------------------------------------------------------

ESC = "o\x1b[31mred\x07"
"""A folder name that would colour the terminal and ring its bell if printed raw."""


def _assert_clean(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, proc.stderr
    shown = proc.stdout + proc.stderr
    assert "\x1b" not in shown and "\x07" not in shown, shown
    assert "\\x1b" in shown  # the folder is still named, its escape written out


def test_success_lines_of_sweep_and_plot_print_the_folder_escaped(tmp_path):
    write(tmp_path, {"s.toml": S, "e.toml": TINY_EXPERIMENT})
    _assert_clean(cli(["sweep", "e.toml", "--out", ESC, "--workers", "1", "--quiet"], tmp_path))
    _assert_clean(cli(["plot", ESC], tmp_path))


def test_success_lines_of_compare_and_animate_print_the_path_escaped(tmp_path):
    write(tmp_path, {"s.toml": S})
    compare = ["compare", "--scenario", "s.toml", "listener", "big_advertiser", "--replicates", "2"]
    _assert_clean(cli([*compare, "--horizon", "3", "--no-robustness", "--quiet", "--out", ESC], tmp_path))
    _assert_clean(cli(["animate", "s.toml", "--steps", "2", "--out", f"{ESC}.gif"], tmp_path))


def test_sweep_progress_lines_are_plain_text(tmp_path):
    import io

    from trustsim.sweep.progress import Progress

    stream = io.StringIO()
    bar = Progress(1, 0, enabled=True, stream=stream)
    bar.log("warning: [red]x[/] \x1b[31m")
    bar.close()
    assert "\x1b" not in stream.getvalue()


# --- signals: every command that holds a folder's lock cleans up on SIGTERM and SIGHUP ------------

LONG_RUN = S.replace("customers = 40", "customers = 3000").replace("steps = 3", "steps = 100000")


def _stopped(tmp_path: Path, argv: list[str], out: Path, sig: int, ready) -> subprocess.CompletedProcess | None:
    proc = subprocess.Popen(
        [PYTHON, "-m", "trustsim.cli", *argv],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not ready() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None and ready(), "the command ended or never started working"
        time.sleep(0.3)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
        return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_run_stopped_by_a_signal_leaves_nothing_behind(tmp_path, sig):
    write(tmp_path, {"s.toml": LONG_RUN})
    out = tmp_path / "out"
    done = _stopped(tmp_path, ["run", "s.toml", "--out", "out"], out, sig, lambda: any(out.glob(".staging-*")))
    assert done is not None and done.returncode == 130, done and done.stderr
    assert not out.exists()  # the folder it made is removed again, .lock and .staging-* with it


def test_run_stopped_by_sigterm_in_an_existing_folder_removes_its_staging(tmp_path):
    write(tmp_path, {"s.toml": LONG_RUN, "out/notes.txt": "mine"})
    out = tmp_path / "out"
    done = _stopped(
        tmp_path, ["run", "s.toml", "--out", "out"], out, signal.SIGTERM, lambda: any(out.glob(".staging-*"))
    )
    assert done is not None and done.returncode == 130
    assert sorted(p.name for p in out.iterdir()) == [".lock", "notes.txt"]  # the lock file, released
    from trustsim.sweep.lock import lock_holder

    assert lock_holder(out) is None


def test_sweep_stopped_by_sighup_saves_its_runs_and_says_how_to_resume(tmp_path):
    exp = TINY_EXPERIMENT.replace("replicates = 1", "replicates = 200").replace("[design]", "steps = 100\n[design]")
    write(tmp_path, {"s.toml": S.replace("customers = 40", "customers = 1000"), "e.toml": exp})
    out = tmp_path / "out"
    argv = ["sweep", "e.toml", "--out", "out", "--workers", "1", "--quiet"]
    done = _stopped(tmp_path, argv, out, signal.SIGHUP, lambda: (out / "manifest.json").exists())
    assert done is not None and done.returncode == 130, done and done.stderr
    assert "run the same command again to resume" in done.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"


def test_the_signal_handlers_are_restored_when_the_lock_is_released(tmp_path):
    from trustsim.sweep.lock import folder_lock

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    with folder_lock(tmp_path, "run"):
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {sig: signal.getsignal(sig) for sig in before} == before


# --- plot on a folder a sweep still writes -------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    """A finished sweep of TINY_EXPERIMENT with 3 replicates (made once, copied by the tests that change it)."""
    from trustsim.sweep import run_sweep

    d = tmp_path_factory.mktemp("sweep")
    write(d, {"s.toml": S, "e.toml": TINY_EXPERIMENT.replace("replicates = 1", "replicates = 3")})
    assert run_sweep(str(d / "e.toml"), d / "sc", workers=1, progress=False).ok
    return d / "sc"


def test_plot_of_a_sweep_still_running_says_its_figures_are_partial(tmp_path, capsys, sweep_folder):
    from trustsim.sweep.lock import folder_lock

    folder = tmp_path / "sc"
    shutil.copytree(sweep_folder, folder)
    with folder_lock(folder, "sweep"):  # as a running sweep holds it
        code, _, err = run_main(["plot", str(folder)], capsys)
    assert code == 0, err
    assert f"warning: Partial: a sweep (pid {os.getpid()}) was still writing to this folder" in err, err
    assert "6 of 6 runs" in err and (folder / "figures").is_dir()
    code, _, err = run_main(["plot", str(folder)], capsys)  # once it ended, no such note
    assert code == 0 and "Partial" not in err


# --- spreads too small to draw from ---------------------------------------------------------------


@pytest.mark.parametrize(
    "setting", ["propensity.sd=1e-200", "mutual.reliability_sd=1e-200", "wom.talk_sd=1e-160", "wom.talk_sd=5e-324"]
)
def test_a_spread_too_small_to_draw_from_is_bad_input(tmp_path, capsys, setting):
    write(tmp_path, {"s.toml": S})
    argv = ["run", str(tmp_path / "s.toml"), "--set", setting, "--set", "wom.mode=smooth"]
    code, _, err = run_main([*argv, "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "a spread is 0 (none) or at least 1e-09" in err and setting.split("=")[0] in err, err
    just = [*argv[:3], setting.split("=")[0] + "=1e-9", *argv[4:]]  # the smallest spread allowed runs
    assert run_main([*just, "--out", str(tmp_path / "out")], capsys)[0] == 0


# --- patterns (and every reader of a run folder) on damaged folders --------------------------------


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    write(d, {"s.toml": S})
    assert main(["run", str(d / "s.toml"), "--out", str(d / "r")]) == 0
    return d / "r"


def _put(name: str, data: bytes):
    return lambda d: (d / name).write_bytes(data)


def _frame(name: str, change):
    return lambda d: change(pd.read_parquet(d / name)).to_parquet(d / name)


def _replace(name: str, kind: str):
    def make(d: Path) -> None:
        (d / name).unlink()
        if kind == "fifo":
            os.mkfifo(d / name)
        else:
            (d / name).mkdir()

    return make


DAMAGE = {
    "model-empty-file": (_put("model.parquet", b""), "model.parquet: damaged, not a readable Parquet table"),
    "model-cut-short": (
        lambda d: (d / "model.parquet").write_bytes((d / "model.parquet").read_bytes()[:-30]),
        "model.parquet: damaged",
    ),
    "model-text": (_put("model.parquet", b"hello"), "model.parquet: damaged"),
    "model-folder": (_replace("model.parquet", "folder"), "model.parquet: is a folder"),
    "model-fifo": (_replace("model.parquet", "fifo"), "model.parquet: is not a regular file"),
    "model-foreign-columns": (
        _frame("model.parquet", lambda f: pd.DataFrame({"x": [1]})),
        "lacks the column(s) 'step'",
    ),
    "model-no-rows": (_frame("model.parquet", lambda f: f.iloc[:0]), "model.parquet: the table has no rows"),
    "model-text-columns": (_frame("model.parquet", lambda f: f.astype(str)), "column 'step' holds"),
    "suppliers-foreign-columns": (
        _frame("suppliers.parquet", lambda f: pd.DataFrame({"x": [1]})),
        "suppliers.parquet: lacks the column(s)",
    ),
    "suppliers-no-rows": (
        _frame("suppliers.parquet", lambda f: f.iloc[:0]),
        "suppliers.parquet: the table has no rows",
    ),
    "suppliers-text-columns": (_frame("suppliers.parquet", lambda f: f.astype(str)), "not numbers"),
    "suppliers-garbage": (_put("suppliers.parquet", b"PAR1xxxxPAR1"), "suppliers.parquet: damaged"),
    "customers-garbage": (_put("customers.parquet", b"junk"), "customers.parquet: damaged"),
    "run-json-bad": (_put("run.json", b"{bad"), "run.json: damaged, not valid JSON"),
    "run-json-list": (_put("run.json", b"[1, 2]"), "run.json: damaged: a JSON list"),
    "run-json-binary": (_put("run.json", b"\xff\xfe\x00"), "run.json: not UTF-8"),
    "run-json-deep": (_put("run.json", b"[" * 100_000 + b"]" * 100_000), "run.json: damaged"),
    "run-json-fifo": (_replace("run.json", "fifo"), "run.json: is not a regular file"),
    "run-json-scenario": (_put("run.json", b'{"scenario": "x"}'), "'scenario' = 'x'"),
    "run-json-market": (_put("run.json", b'{"scenario": {"market": 7}}'), "'scenario.market' = 7"),
    "run-json-customers": (
        _put("run.json", b'{"scenario": {"market": {"customers": "x"}}}'),
        "'scenario.market.customers' = 'x'",
    ),
    "run-json-negative": (
        _put("run.json", b'{"scenario": {"market": {"customers": -5}}}'),
        "'scenario.market.customers' = -5",
    ),
    "run-json-shock": (_put("run.json", b'{"scenario": {"shocks": [{"x": 1}]}}'), "'scenario.shocks[0].step'"),
    "run-json-shocks": (_put("run.json", b'{"scenario": {"shocks": "abc"}}'), "'scenario.shocks' = 'abc'"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("damage", DAMAGE, ids=list(DAMAGE))
def test_patterns_on_a_damaged_run_folder_names_the_file_and_the_damage(tmp_path, capsys, run_folder, damage):
    change, message = DAMAGE[damage]
    folder = tmp_path / "r"
    shutil.copytree(run_folder, folder)
    change(folder)
    code, out, err = run_main(["patterns", str(folder)], capsys)
    assert code == 2, err
    assert message in err and str(folder) in err and "internal error" not in err, err
    assert out == ""


# --- sweep folders: damage is bad input too -----------------------------------------------------


def _rehash(folder: Path, rel: str) -> None:
    """Make manifest.json vouch for the file as it is now (a damaged file with a matching checksum)."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for batch in manifest["batches"]:
        if rel in batch["files"]:
            batch["files"][rel] = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
    (folder / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("vouched", [False, True], ids=["checksum-differs", "checksum-matches"])
def test_a_damaged_batch_file_of_a_sweep_is_bad_input(tmp_path, capsys, sweep_folder, vouched):
    folder = tmp_path / "sc"
    shutil.copytree(sweep_folder, folder)
    rel = "runs/batch-000001.parquet"
    (folder / rel).write_bytes(b"junk")
    if vouched:
        _rehash(folder, rel)
    code, _, err = run_main(["plot", str(folder)], capsys)
    assert code == 2, err
    assert rel in err and "internal error" not in err, err


# --- a Dask scheduler that dies or freezes mid-sweep ------------------------------------------

DASK = shutil.which("dask") or str(Path(PYTHON).parent / "dask")


@pytest.fixture
def scheduler(tmp_path):
    """A scheduler and one worker process; yields (address, scheduler process)."""
    if not Path(DASK).exists():
        pytest.skip("dask is not installed")
    file = tmp_path / "scheduler.json"
    common = {"cwd": tmp_path, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    sched = subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(file)],
        **common,
    )
    worker = None
    try:
        deadline = time.monotonic() + 30
        while not (file.exists() and file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        worker = subprocess.Popen(
            [DASK, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"], **common
        )
        from distributed import Client

        with Client(address, timeout=10) as client:
            client.wait_for_workers(1, timeout=30)
        yield address, sched
    finally:
        for proc in (worker, sched):
            if proc is not None:
                if proc.poll() is None:
                    proc.send_signal(signal.SIGCONT)
                    proc.kill()
                proc.wait(timeout=30)


@pytest.mark.timeout(240)
@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_a_scheduler_that_dies_or_freezes_mid_sweep_ends_it_with_a_clear_error(tmp_path, scheduler, how):
    address, sched = scheduler
    exp = TINY_EXPERIMENT.replace("replicates = 1", "replicates = 100").replace("[design]", "steps = 100\n[design]")
    write(tmp_path, {"s.toml": S.replace("customers = 40", "customers = 1000"), "e.toml": exp})
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [PYTHON, "-m", "trustsim.cli", "sweep", "e.toml", "--out", "out", "--scheduler", address, "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not list((out / "runs").glob("*.parquet")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() is None, proc.communicate()[1]
        sched.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        started = time.monotonic()
        _, stderr = proc.communicate(timeout=150)
        seconds = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 1, stderr
    assert "the Dask scheduler went away or stopped answering during the sweep" in stderr, stderr
    assert "runs saved in out" in stderr and "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert seconds < 100
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
