"""Round 2 of hostile and careless use (issue 19): no hangs, no leaks, no silent wrong results.

Each test is one defect found by trying the program as a hostile or careless user would, and
fails on the code before its fix. Every test runs under a time limit (pytest-timeout, and
subprocess timeouts), so a hang is a failure, never a stuck suite; tests that kill processes
check with psutil that no process of theirs is left.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest
from robustness_support import PYTHON, TINY_EXPERIMENT, TINY_SCENARIO, cli, write

from trustsim.cli import main

pytestmark = pytest.mark.timeout(300)

S = TINY_SCENARIO
EDGE_SCENARIO = S.replace('kind = "small_world"', 'kind = "edge_list"\npath = "edges.txt"')


def run_main(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, " ".join(out.err.split())


# --- 1. special files and huge lines as edge lists -----------------------------------------


def test_a_fifo_as_edge_list_is_refused_not_waited_on(tmp_path):
    write(tmp_path, {"s.toml": EDGE_SCENARIO})
    os.mkfifo(tmp_path / "edges.txt")
    proc = cli(["run", "s.toml", "--out", "out"], tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "not a regular file" in proc.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize("special", ["/dev/zero", "/dev/urandom", "/proc/self/environ"])
def test_device_and_proc_files_are_refused_without_echoing_them(tmp_path, capsys, special):
    write(tmp_path, {"s.toml": EDGE_SCENARIO.replace('"edges.txt"', f'"{special}"')})
    code, out, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and out == ""
    assert special in err and "PATH=" not in err and len(err) < 400, err


def test_a_huge_bad_line_is_quoted_as_a_short_excerpt(tmp_path, capsys):
    write(tmp_path, {"s.toml": EDGE_SCENARIO, "edges.txt": "0 1\n" + "7" * 3_000_000 + " x\n"})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "line 2" in err and "3,000,002 characters" in err and len(err) < 500


# --- 2. schedulers that hang, answer garbage, or are no address at all ----------------------


def _server(mode: str) -> tuple[str, socket.socket]:
    """A TCP port that accepts connections and then says nothing, or garbage."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)

    def serve() -> None:
        kept = []
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            kept.append(conn)
            if mode == "garbage":
                conn.sendall(b"\xff" * 64)

    threading.Thread(target=serve, daemon=True).start()
    return f"tcp://127.0.0.1:{srv.getsockname()[1]}", srv


@pytest.mark.parametrize(
    "mode, message",
    [
        ("silent", "no Dask scheduler answered within 3 s"),
        ("garbage", "not a Dask scheduler"),
    ],
)
def test_a_scheduler_that_never_answers_or_answers_garbage_fails_fast(tmp_path, mode, message):
    address, srv = _server(mode)
    write(tmp_path, {"s.toml": S, "e.toml": TINY_EXPERIMENT})
    try:
        started = time.monotonic()
        proc = cli(["sweep", "e.toml", "--out", "out", "--scheduler", address, "--quiet"], tmp_path, timeout=60)
        seconds = time.monotonic() - started
    finally:
        srv.close()
    assert proc.returncode == 1 and message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "MemoryError" not in proc.stderr
    assert seconds < 30
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize("address", ["not a url", "http://127.0.0.1:80", "", "tcp://127.0.0.1:99999"])
def test_a_malformed_scheduler_address_is_bad_input(tmp_path, capsys, address):
    write(tmp_path, {"s.toml": S, "e.toml": TINY_EXPERIMENT})
    with pytest.raises(SystemExit) as exit_:
        main(["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--scheduler", address])
    assert exit_.value.code == 2
    assert "not a Dask scheduler address" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --- 3. kill -9 leaves no worker behind -------------------------------------------------------


def test_kill_9_of_a_local_sweep_leaves_no_worker_process(tmp_path):
    exp = TINY_EXPERIMENT.replace("replicates = 1", "replicates = 40").replace("[design]", "steps = 200\n[design]")
    write(tmp_path, {"s.toml": S.replace("customers = 40", "customers = 3000"), "e.toml": exp})
    child = subprocess.Popen(
        [PYTHON, "-m", "trustsim.cli", "sweep", "e.toml", "--out", "out", "--workers", "2", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    parent = psutil.Process(child.pid)
    deadline = time.monotonic() + 120
    workers: list[psutil.Process] = []
    while len(workers) < 2 and time.monotonic() < deadline:
        assert child.poll() is None, "the sweep ended before its workers started"
        workers = [p for p in parent.children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]
        time.sleep(0.1)
    assert len(workers) >= 2, "no worker processes appeared"
    everyone = parent.children(recursive=True)
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    _, alive = psutil.wait_procs(everyone, timeout=20)
    assert alive == [], f"left behind: {[(p.pid, p.cmdline()) for p in alive]}"
    left = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
    assert left == []


# --- 4. two suppliers with one name -----------------------------------------------------------


@pytest.mark.parametrize(
    "suppliers",
    [
        '[[suppliers]]\nname = "A"\n[[suppliers]]\nname = "A"\n',
        '[[suppliers]]\nname = "S2"\n',  # the second supplier's default name is S2 too
    ],
)
def test_two_suppliers_with_one_name_are_refused(tmp_path, capsys, suppliers):
    write(tmp_path, {"s.toml": S + suppliers})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "two suppliers are named" in err and not (tmp_path / "out").exists()


# --- 5. counts bounded by the machine ---------------------------------------------------------


def test_workers_are_capped_by_cores_and_runs():
    from trustsim.sweep.backends import default_workers, usable_workers

    workers, note = usable_workers(1000, 10)
    assert workers <= min(default_workers(), 10) and "--workers 1000: using" in note
    assert usable_workers(None, 1)[0] == 1


def test_sensitivity_resamples_are_bounded(tmp_path, capsys):
    for bad in ("100000000", "0", "-5"):
        with pytest.raises(SystemExit) as exit_:
            main(["sensitivity", str(tmp_path), "--resamples", bad])
        assert exit_.value.code == 2
        assert "--resamples" in capsys.readouterr().err


# --- 7. folders the program did not write -----------------------------------------------------


def test_a_folder_without_manifest_is_never_cleaned_or_written(tmp_path, capsys):
    write(
        tmp_path,
        {"s.toml": S, "e.toml": TINY_EXPERIMENT, "out/runs/batch-000001.parquet": b"precious", "out/notes.txt": "mine"},
    )
    code, _, err = run_main(["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--quiet"], capsys)
    assert code == 2 and "no manifest.json" in err
    assert (tmp_path / "out/runs/batch-000001.parquet").read_bytes() == b"precious"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".lock", "notes.txt", "runs"]


def test_a_hand_edited_manifest_does_not_claim_runs_it_lacks(tmp_path, capsys):
    from trustsim.sweep import load_summary, read_manifest

    exp = TINY_EXPERIMENT.replace("replicates = 1", "replicates = 2") + "[output]\nbatch_runs = 2\n"
    write(tmp_path, {"s.toml": S, "e.toml": exp})
    argv = ["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]
    assert main(argv) == 0
    manifest = read_manifest(tmp_path / "out")
    first, *rest = manifest["batches"]
    first["runs"].append(rest[0]["runs"][0])  # a run its file does not hold
    manifest["batches"] = [first]  # and a batch forgotten, while every run still says "done"
    (tmp_path / "out/manifest.json").write_text(json.dumps(manifest))
    code, _, err = run_main(["plot", str(tmp_path / "out")], capsys)
    assert code == 2 and "says 4 runs are done but its batches hold" in err, err
    assert main(argv) == 0  # resuming repairs it: the runs no file holds are done again
    err = " ".join(capsys.readouterr().err.split())
    assert "4 of 4 runs done (4 run now, 0 resumed)" in err
    assert len(load_summary(tmp_path / "out")) == 4


def test_a_manifest_that_is_a_json_list_is_bad_input(tmp_path, capsys):
    write(tmp_path, {"out/manifest.json": "[1, 2, 3]"})
    code, _, err = run_main(["plot", str(tmp_path / "out")], capsys)
    assert code == 2 and "damaged manifest" in err and "internal error" not in err


# --- 8. default output folders stay inside results/ -------------------------------------------


@pytest.mark.parametrize("name", ["..toml", "...toml"])
def test_the_default_output_folder_never_escapes_results(tmp_path, monkeypatch, capsys, name):
    write(tmp_path, {name: S})
    monkeypatch.chdir(tmp_path)
    assert main(["run", name]) == 0
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("model.parquet"))
    assert written == ["results/run/model.parquet"], written


# --- 9. every writing command is locked; more replicates extend a sweep -----------------------


def test_run_refuses_a_folder_another_process_is_writing(tmp_path, capsys):
    from trustsim.sweep.lock import folder_lock

    write(tmp_path, {"s.toml": S})
    (tmp_path / "out").mkdir()
    with folder_lock(tmp_path / "out", "run"):
        code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 1 and "another trustsim run" in err
    assert not (tmp_path / "out" / "model.parquet").exists()


def test_more_replicates_extend_a_sweep(tmp_path, capsys):
    write(tmp_path, {"s.toml": S, "e.toml": TINY_EXPERIMENT})
    argv = ["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main([*argv, "--replicates", "3"]) == 0
    assert "6 of 6 runs done (4 run now, 2 resumed)" in capsys.readouterr().err


# --- 10. workers that cannot start ------------------------------------------------------------


def test_workers_that_cannot_start_stop_the_sweep_with_one_message(tmp_path):
    write(
        tmp_path,
        {
            "s.toml": S,
            "e.toml": TINY_EXPERIMENT.replace("replicates = 1", "replicates = 10"),
            # no `if __name__ == "__main__":` guard: every spawned worker runs this again
            "unguarded.py": "from trustsim.sweep import run_sweep\n"
            "run_sweep('e.toml', 'out', workers=2, progress=False)\n",
        },
    )
    proc = subprocess.run([PYTHON, "unguarded.py"], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode != 0
    assert "worker processes cannot start" in proc.stderr
    assert proc.stderr.count("Traceback") <= 3, proc.stderr[-3000:]


# --- 11. numbers that overflow, indexes out of range, late shocks ------------------------------


@pytest.mark.parametrize(
    "extra, message",
    [
        ("[trust]\nweights = [1e308, 1e308, 1e308, 1e308]\n", r"trust\.weights\[0\] = 1e\+308 is not allowed"),
        (
            "[[shocks]]\nstep = 2\nsupplier = -1\n",
            r"shocks\[0\]\.supplier = -1 is not allowed: a supplier index counts from 0",
        ),
        ("[[shocks]]\nstep = 2\nsupplier = -3\n", r"shocks\[0\]\.supplier = -3 is not allowed"),
        ("[[shocks]]\nstep = 2\nseverity = 1e308\n", r"shocks\[0\]\.severity = 1e\+308 is not allowed"),
        ("[switching]\nsensitivity = 1e308\n", r"switching\.sensitivity = 1e\+308 is not allowed"),
        ("[supplier_defaults]\nprice = 1e308\n", r"supplier_defaults\.price = 1e\+308 is not allowed"),
        ("[supplier_defaults]\nad_budget = 1e308\n", r"supplier_defaults\.ad_budget = 1e\+308 is not allowed"),
        ("[promises]\nnoise = 1e308\n", r"promises\.noise = 1e\+308 is not allowed"),
        ("[wom]\nsignal = 1e308\n", r"wom\.signal = 1e\+308 is not allowed"),
        ("[trust]\ncare_rate = 1e308\n", r"trust\.care_rate = 1e\+308 is not allowed"),
        ("[mutual]\ngain = 1e308\n", r"mutual\.gain = 1e\+308 is not allowed"),
        ("[[shocks]]\nstep = 1000000\n", r"shocks\[0\]\.step = 1000000 is not allowed"),
        ("[[shocks]]\nstep = 50\n", r"a shock at step 50 comes after the run's last step \(3\)"),
        ('[[shocks]]\nstep = 2\nsupplier = "some"\n', r"give a supplier index \(0, 1, \.\.\.\) or 'all'"),
    ],
)
def test_numbers_that_would_overflow_and_impossible_indexes_are_refused(tmp_path, capsys, extra, message):
    import re

    write(tmp_path, {"s.toml": S + extra})
    code, out, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--check"], capsys)
    assert code == 2 and out == "" and re.search(message, err), err
    assert "internal error" not in err and "literal[" not in err and "supplier.int" not in err
    assert not (tmp_path / "out").exists()


def test_an_infinite_measure_is_an_invariant_violation():
    from trustsim.config import load_scenario
    from trustsim.invariants import violations
    from trustsim.model import TrustMarket

    model = TrustMarket(load_scenario(None, {"market.customers": 200, "steps": 2}), rng=1)
    model.step()
    assert violations(model) == []
    model.supplier_metrics["revenue"][0] = float("inf")
    assert "supplier measure revenue is infinite" in violations(model)


def test_sector_wide_shock_may_be_written_in_capitals():
    from trustsim.config import load_scenario

    sc = load_scenario(None, {"shocks": [{"step": 2, "supplier": "ALL"}]})
    assert sc.shocks[0].supplier == "all"


# --- 12. 13. accepted silently ----------------------------------------------------------------


def test_duplicate_output_measures_are_refused_before_any_run(tmp_path, capsys):
    write(tmp_path, {"s.toml": S, "e.toml": TINY_EXPERIMENT + '[output]\nmeasures = ["nps", "nps"]\n'})
    code, _, err = run_main(["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "'nps' is listed twice" in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["   \n\t\n", "# only a comment\n\n# and another\n"])
def test_a_blank_or_comment_only_scenario_is_refused_like_an_empty_one(tmp_path, capsys, text):
    write(tmp_path, {"s.toml": text})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "the file is empty" in err


def test_set_on_a_swept_parameter_is_refused(tmp_path, capsys):
    write(tmp_path, {"s.toml": S, "e.toml": TINY_EXPERIMENT})
    code, _, err = run_main(
        ["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--set", "wom.rate=0.9"], capsys
    )
    assert code == 2 and "the design sweeps wom.rate" in err


def test_set_with_a_line_break_is_refused_not_half_read(tmp_path, capsys):
    write(tmp_path, {"s.toml": S})
    code, _, err = run_main(
        ["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--set", "wom.rate=0.1\nsteps = 1"], capsys
    )
    assert code == 2 and "line break" in err and not (tmp_path / "out").exists()


def test_set_a_table_changes_only_the_keys_it_names(tmp_path):
    from trustsim.config import load_scenario, parse_set_args

    write(tmp_path, {"s.toml": S})
    sc = load_scenario(tmp_path / "s.toml", parse_set_args(["market={customers=300}"]))
    assert sc.market.customers == 300 and sc.market.suppliers == 2 and sc.market.initial_customers == 0.3


def test_set_one_weight_keeps_the_others():
    from trustsim.config import load_scenario

    sc = load_scenario(None, {"trust.weights.2": 0.5})
    assert sc.trust.weights == [0.1, 0.2, 0.5, 0.4]


def test_vary_is_checked_even_with_no_robustness(tmp_path, capsys):
    write(tmp_path, {"s.toml": S})
    code, _, err = run_main(
        [
            "compare",
            "listener",
            "--scenario",
            str(tmp_path / "s.toml"),
            "--out",
            str(tmp_path / "out"),
            "--no-robustness",
            "--vary",
            "nonsense",
        ],
        capsys,
    )
    assert code == 2 and "--vary" in err and not (tmp_path / "out").exists()


# --- 14. 15. bad input reported as internal errors, unclear messages -----------------------------


def test_deeply_nested_toml_is_bad_input(tmp_path, capsys):
    write(tmp_path, {"s.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "nested too deeply" in err


@pytest.mark.parametrize("option, value", [("--seed", "-1"), ("--steps", "-5"), ("--steps", "100000000000")])
def test_option_errors_name_the_option(tmp_path, capsys, option, value):
    write(tmp_path, {"s.toml": S})
    with pytest.raises(SystemExit) as exit_:
        main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), option, value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"argument {option}" in err and "s.toml" not in err


def test_a_byte_order_mark_is_accepted(tmp_path, capsys):
    write(tmp_path, {"s.toml": b"\xef\xbb\xbf" + S.encode()})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err


def test_run_plot_on_a_full_disk_names_the_file_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno

    import matplotlib.figure

    def full(self, fname, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(fname))

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", full)
    write(tmp_path, {"s.toml": S})
    code, _, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--plot"], capsys)
    assert code == 1 and "no space left on device" in err and ".png" in err and "internal error" not in err
    assert not (tmp_path / "out").exists()


def test_sensitivity_unknown_measure_is_bad_input_with_a_suggestion(tmp_path, capsys):
    exp = (
        'name = "sob"\nscenario = "s.toml"\nreplicates = 1\n[design]\nkind = "sobol"\nsamples = 2\n'
        '[design.parameters]\n"wom.rate" = {low = 0.1, high = 0.5}\n"trust.gain" = {low = 0.1, high = 0.3}\n'
    )
    write(tmp_path, {"s.toml": S, "e.toml": exp})
    assert main(["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]) == 0
    capsys.readouterr()
    code, _, err = run_main(["sensitivity", str(tmp_path / "out"), "--measure", "nsp", "--no-plot"], capsys)
    assert code == 2 and "Did you mean 'nps'?" in err


# --- 17. terminal escapes and markup --------------------------------------------------------------


def test_control_characters_in_names_are_refused_and_never_printed(tmp_path, capsys):
    write(tmp_path, {"s.toml": S + '[[suppliers]]\nname = "\\u001b[2Jevil\\u001b]0;pwned\\u0007"\n'})
    code, out, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "control characters" in err
    assert "\x1b" not in out + err and "\x07" not in out + err


def test_markup_in_a_name_is_printed_as_text(tmp_path, capsys):
    write(tmp_path, {"s.toml": S + '[[suppliers]]\nname = "[red]Mine[/]"\n'})
    code, out, err = run_main(["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "[red]Mine[/]" in out


def test_an_escape_sequence_typed_as_a_key_is_not_replayed(tmp_path, capsys):
    write(tmp_path, {"s.toml": S})
    code, _, err = run_main(
        ["run", str(tmp_path / "s.toml"), "--out", str(tmp_path / "out"), "--set", "\x1b[2J=1"], capsys
    )
    assert code == 2 and "\x1b" not in err and "\\x1b[2J" in err


# --- siblings found beyond the list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "design",
    [
        '[design]\nkind = "sobol"\nsamples = 524288\n[design.parameters]\n'
        '"wom.rate" = {low = 0.1, high = 0.5}\n"trust.gain" = {low = 0.1, high = 0.3}\n',
        '[design]\nkind = "grid"\n[design.parameters]\n"wom.rate" = [' + ", ".join(["0.1"] * 200) + "]\n",
    ],
)
def test_a_sweep_too_big_to_list_is_refused_before_sampling(tmp_path, capsys, design):
    replicates = "1" if "sobol" in design else "100000"
    exp = f'name = "big"\nscenario = "s.toml"\nreplicates = {replicates}\n{design}'
    write(tmp_path, {"s.toml": S, "e.toml": exp})
    code, _, err = run_main(["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out")], capsys)
    assert code == 2 and "at most" in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["optimize", "--scenario", "s.toml", "--budget", "1", "--trials", "100000000"],
        ["compare", "listener", "--scenario", "s.toml", "--replicates", "1000000000"],
        ["sweep", "e.toml", "--replicates", "1000000000"],
        ["validate", "--workers", "100000000"],
    ],
)
def test_counts_on_the_command_line_are_bounded(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and "must be at most" in capsys.readouterr().err


def test_validation_workers_die_with_their_parent(tmp_path):
    # `trustsim validate`'s pool uses the sweep's parent-death guard; here the guard alone, on a bare pool
    code = (
        "import os, sys, time, multiprocessing as mp\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from trustsim.sweep.child import die_with_parent\n"
        "if __name__ == '__main__':\n"
        "    pool = ProcessPoolExecutor(1, mp_context=mp.get_context('spawn'), initializer=die_with_parent,"
        " initargs=(os.getpid(),))\n"
        "    print(pool.submit(os.getpid).result(), flush=True)\n"
        "    time.sleep(600)\n"
    )
    child = subprocess.Popen(
        [PYTHON, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    worker = psutil.Process(int(child.stdout.readline()))
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    _, alive = psutil.wait_procs([worker], timeout=10)
    assert alive == []


def test_no_test_left_a_trustsim_process_running():
    mine = psutil.Process().children(recursive=True)
    assert [p for p in mine if p.is_running() and "trustsim" in " ".join(p.cmdline())] == []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
